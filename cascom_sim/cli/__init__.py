"""The ``cascom`` command line: one module per subcommand, on top of the public API."""

from .app import main, run

__all__ = ["main", "run"]
