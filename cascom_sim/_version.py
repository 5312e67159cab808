"""The package version, defined once: pyproject.toml reads it (dynamic version), ``cascom --version`` prints it."""

__version__ = "0.2.0"
