"""What a user installing the package relies on: the version, licence, citation, changelog, and docs
that stand on their own."""

import re
import subprocess
import sys
from pathlib import Path

import cascom_sim
from cascom_sim.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_version_flag_prints_the_package_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"cascom {cascom_sim.__version__}"


def test_version_flag_through_python_m():
    r = subprocess.run([sys.executable, "-m", "cascom_sim", "--version"], capture_output=True, text=True,
                       cwd=ROOT, timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == f"cascom {cascom_sim.__version__}"


def test_version_is_single_sourced():
    text = (ROOT / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in text and 'attr = "cascom_sim._version.__version__"' in text
    assert not re.search(r'^version\s*=\s*"', text, re.M)
    cff = (ROOT / "CITATION.cff").read_text()
    assert re.search(r'^version:\s*"?([^"\n]+)"?', cff, re.M).group(1) == cascom_sim.__version__
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert f"## [{cascom_sim.__version__}]" in changelog


def test_licence_matches_the_package_metadata():
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert 'license = { text = "MIT" }' in (ROOT / "pyproject.toml").read_text()


def test_no_reference_to_documents_the_project_does_not_ship():
    hits = []
    for base in ("cascom_sim", "docs"):
        for p in (ROOT / base).rglob("*"):
            if p.is_file() and p.suffix in (".py", ".md", ".yml", ".toml", ".txt", ".mplstyle"):
                if "brief" in p.read_text(errors="ignore").lower():
                    hits.append(str(p.relative_to(ROOT)))
    if "brief" in (ROOT / "README.md").read_text().lower():
        hits.append("README.md")
    assert hits == []


def test_api_reference_covers_every_public_name():
    """The docs hook lists every name of cascom_sim.__all__ and of each sub-package's __all__, linked to the
    module page where mkdocstrings renders it; a name it cannot place fails here (and the strict build)."""
    import importlib.util

    if importlib.util.find_spec("mkdocs") is None:
        import pytest

        pytest.skip("mkdocs not installed (pip install '.[docs]')")
    spec = importlib.util.spec_from_file_location("docs_hooks", ROOT / "tools" / "docs_hooks.py")
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    index = hooks._api_index()
    for name in cascom_sim.__all__:
        assert f"`{name}`" in index, name
    pages = hooks._public_modules()
    documented = {m for mods in pages.values() for m in mods}
    assert {"cascom_sim.models.linear", "cascom_sim.solvers.steady", "cascom_sim.runs.sweep"} <= documented


def test_docstrings_parse_as_numpy_style_without_warnings(caplog):
    """What `mkdocs build --strict` would refuse: a docstring griffe cannot parse as NumPy style (text after a
    Parameters section read as parameters, a documented parameter missing from the signature, ...)."""
    import logging

    griffe = __import__("pytest").importorskip("griffe")
    package = griffe.load("cascom_sim", search_paths=[str(ROOT)], docstring_parser="numpy",
                          resolve_aliases=False)
    caplog.set_level(logging.WARNING)

    def walk(obj):
        if obj.is_alias:
            return
        if obj.docstring is not None:
            obj.docstring.parse("numpy")
        for member in obj.members.values():
            if not member.is_alias and not member.name.startswith("_") or member.name == "__init__":
                walk(member)

    walk(package)
    problems = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert problems == []


def test_tests_import_helpers_as_top_level_modules():
    """CI runs pytest in a fresh copy where 'tests' is not a package: helpers are imported as
    `from strategies import ...`, never `from tests.strategies import ...`."""
    offenders = [p.name for p in (ROOT / "tests").glob("*.py")
                 if re.search(r"^\s*(from|import) tests\b", p.read_text(), re.M)]
    assert offenders == []


def test_every_repository_path_the_docs_name_exists():
    """README, docs and the command-line help send users to files by path (`cascom_sim/models/cascade.py`,
    `examples/chain3.toml`); a path that moved leaves them at a dead end (README named `cascom_sim/cascade.py`
    after the module had moved to models/)."""
    pattern = re.compile(r"\b(?:cascom_sim|tests|examples|benchmarks|validation|docs)/[\w./-]+\.(?:py|toml|md|png|mplstyle)")
    texts = [ROOT / "README.md", *(ROOT / "docs").rglob("*.md"), *(ROOT / "docs" / "tutorials").glob("*.py"),
             *(ROOT / "cascom_sim" / "cli").glob("*.py")]
    missing = sorted({(p.relative_to(ROOT).as_posix(), path) for p in texts for path in pattern.findall(p.read_text())
                      if not (ROOT / path).exists() and not (ROOT / "docs" / path).exists()})
    assert missing == []
