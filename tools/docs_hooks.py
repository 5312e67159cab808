"""MkDocs hooks for the cascom_sim site (``hooks:`` in mkdocs.yml).

* Tutorials: every ``docs/tutorials/*.py`` is a script in "percent" format (``# %% [markdown]`` cells of
  text, ``# %%`` cells of code).  Each is executed at build time, cell by cell in one namespace, in a
  temporary directory; its code, printed output and figures become the page ``tutorials/NAME.md``.
  A tutorial that raises fails the build, so a green ``mkdocs build --strict`` means they all ran.
* API reference: one page per sub-package (and one for the ground-floor modules), each rendering every
  public module with mkdocstrings, and an index table of every name in ``cascom_sim.__all__`` and in each
  sub-package's ``__all__``, linked to where it is documented.  An unresolved link fails a strict build,
  so a public name without documentation cannot slip through.
* ``cli.md``: the ``--help`` of every subcommand, taken from the parser itself.
* ``changelog.md``: CHANGELOG.md.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import inspect
import io
import logging
import os
import pkgutil
import re
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")

from mkdocs.structure.files import File  # noqa: E402

log = logging.getLogger("mkdocs.hooks.cascom")
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # document (and run) this tree, not an installed copy
    sys.path.insert(0, str(ROOT))

GROUND = "ground"  # page for the modules directly under cascom_sim/


# ---------------------------------------------------------------------------------------------- discovery


def _public_modules() -> dict[str, list[str]]:
    """{page: [module, ...]}: sub-packages get a page each, ground-floor modules share one."""
    import cascom_sim

    pages: dict[str, list[str]] = {GROUND: []}
    for info in pkgutil.iter_modules(cascom_sim.__path__):
        if info.name.startswith("_"):
            continue
        name = f"cascom_sim.{info.name}"
        if info.ispkg:
            mod = importlib.import_module(name)
            subs = [f"{name}.{s.name}" for s in pkgutil.iter_modules(mod.__path__) if not s.name.startswith("_")]
            pages[info.name] = [name] + sorted(subs)
        else:
            pages[GROUND].append(name)
    return pages


def _canonical(module_name: str, name: str, obj) -> str | None:
    """Where ``obj`` (exported as ``module_name.name``) is documented: its defining module's path."""
    if inspect.isclass(obj) or inspect.isfunction(obj):
        return f"{obj.__module__}.{obj.__qualname__}"
    # a constant: the public module whose source assigns it
    for mod_name in sorted(m for m in sys.modules if m.startswith("cascom_sim")):
        mod = sys.modules[mod_name]
        if any(part.startswith("_") for part in mod_name.split(".")) or getattr(mod, name, None) is not obj:
            continue
        try:
            src = inspect.getsource(mod)
        except (OSError, TypeError):
            continue
        if re.search(rf"^{re.escape(name)}\s*(:[^=]*)?=", src, re.M):
            return f"{mod_name}.{name}"
    return None


def _summary(obj) -> str:
    doc = inspect.getdoc(obj) if (inspect.isclass(obj) or inspect.isroutine(obj)) else None
    line = (doc or "").strip().split("\n\n")[0].replace("\n", " ")
    return line.replace("|", "\\|")


def _api_index() -> str:
    import cascom_sim

    lines = ["# API reference", "",
             "Every public name: those of `cascom_sim` itself (`import cascom_sim as cs`), then those each",
             "sub-package exports. Each links to its documentation, generated from the docstrings (NumPy style:",
             "parameters with shapes, returns, raises, references to the paper's equations).", ""]
    sections = [("cascom_sim", cascom_sim)]
    for page, mods in _public_modules().items():
        if page != GROUND:
            sections.append((mods[0], importlib.import_module(mods[0])))
    missing = []
    for mod_name, mod in sections:
        names = list(getattr(mod, "__all__", []))
        if not names:
            continue
        lines += [f"## `{mod_name}`", "", "| name | what it is |", "|---|---|"]
        for name in names:
            obj = getattr(mod, name)
            if name == "__version__":
                lines.append(f"| `__version__` | the package version, `{obj}` (also `cascom --version`) |")
                continue
            target = _canonical(mod_name, name, obj)
            if target is None:
                missing.append(f"{mod_name}.{name}")
                lines.append(f"| `{name}` | {_summary(obj)} |")
            else:
                lines.append(f"| [`{name}`][{target}] | {_summary(obj)} |")
        lines.append("")
    if missing:
        raise RuntimeError("public names with no documented definition: " + ", ".join(missing))
    return "\n".join(lines)


def _api_page(page: str, modules: list[str]) -> str:
    title = "Ground floor: parameters, presets, errors, conventions, progress" if page == GROUND else f"cascom_sim.{page}"
    out = [f"# {title}", ""]
    for mod in modules:
        is_pkg = hasattr(importlib.import_module(mod), "__path__")
        if is_pkg:  # the package's docstring only; its members are documented in their modules below
            out += [f"::: {mod}", "    options:", "      members: false", "      show_root_heading: false", ""]
        else:
            out += [f"::: {mod}", ""]
    return "\n".join(out)


def _api_nav(pages: dict[str, list[str]]) -> list:
    nav = [{"Index of public names": "api/index.md"}]
    for page in pages:
        if page != GROUND:
            nav.append({f"cascom_sim.{page}": f"api/{page}.md"})
    nav.append({"parameters, presets, errors, conventions": f"api/{GROUND}.md"})
    return nav


# ---------------------------------------------------------------------------------------------- tutorials

_CELL = re.compile(r"^# %%(.*)$", re.M)


def _cells(source: str) -> list[tuple[str, str]]:
    """[(kind, text)], kind 'markdown' or 'code', from a percent-format script."""
    parts = _CELL.split(source)
    cells = []
    if parts[0].strip():
        cells.append(("code", parts[0].strip("\n")))
    for header, body in zip(parts[1::2], parts[2::2]):
        if "[markdown]" in header:
            text = "\n".join(re.sub(r"^# ?", "", ln) for ln in body.strip("\n").splitlines())
            cells.append(("markdown", text))
        elif body.strip():
            cells.append(("code", body.strip("\n")))
    return cells


def _run_code(code: str, namespace: dict, filename: str) -> str:
    """Execute a cell; like a notebook, the value of a final expression is shown."""
    tree = ast.parse(code, filename=filename)
    last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    if last is not None:
        tree.body = tree.body[:-1]
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(compile(tree, filename, "exec"), namespace)
        if last is not None:
            value = eval(compile(ast.Expression(last.value), filename, "eval"), namespace)
            # like a notebook, but without the repr of a matplotlib artist (the figure is shown instead)
            if value is not None and not type(value).__module__.startswith("matplotlib"):
                print(repr(value))
    return buf.getvalue()


def _execute_tutorial(path: Path, config) -> tuple[str, list[File]]:
    import matplotlib.pyplot as plt

    stem = path.stem
    cells = _cells(path.read_text())
    namespace = {"__name__": "__main__", "__file__": str(path)}
    md = []
    files = []
    n_fig = 0
    shown: set[Path] = set()
    t0 = time.perf_counter()
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            for kind, text in cells:
                if kind == "markdown":
                    md += [text, ""]
                    continue
                md += ["```python", text, "```", ""]
                try:
                    output = _run_code(text, namespace, str(path))
                except Exception as exc:
                    raise RuntimeError(f"tutorial {path.name} failed in the cell:\n{text}\n{exc!r}") from exc
                if output.strip():
                    md += ["```text", output.rstrip("\n"), "```", ""]
                # PNG files the cell wrote (e.g. with plot_sweep) are shown as they were saved
                for png in sorted(set(Path(tmp).glob("*.png")) - shown):
                    shown.add(png)
                    n_fig += 1
                    name = f"{stem}_{n_fig}.png"
                    files.append(File.generated(config, f"tutorials/{name}", content=png.read_bytes()))
                    md += [f"![{png.name}, written by the cell above]({name})", ""]
                for num in plt.get_fignums():
                    fig = plt.figure(num)
                    n_fig += 1
                    buf = io.BytesIO()
                    fig.savefig(buf, format="png")
                    plt.close(fig)
                    name = f"{stem}_{n_fig}.png"
                    files.append(File.generated(config, f"tutorials/{name}", content=buf.getvalue()))
                    md += [f"![figure {n_fig} of this tutorial]({name})", ""]
        finally:
            os.chdir(cwd)
            plt.close("all")
    wall = time.perf_counter() - t0
    log.info(f"tutorial {path.name}: executed in {wall:.1f} s, {n_fig} figure(s)")
    md.insert(0, f"*This page was generated by running [`{path.name}`]({path.name}) when the site was built "
                 f"({wall:.0f} s); download it and run `python {path.name}` to reproduce it.*\n")
    # the title (first markdown heading) goes before the note
    if cells and cells[0][0] == "markdown" and cells[0][1].startswith("# "):
        title, _, rest = cells[0][1].partition("\n")
        md[0], md[1] = title + "\n\n" + md[0], rest
    return "\n".join(md), files


# ---------------------------------------------------------------------------------------------- cli page


def _cli_reference() -> str:
    import argparse

    from cascom_sim.cli.app import build_parser

    os.environ["COLUMNS"] = "110"
    parser = build_parser()
    out = ["```text", parser.format_help().rstrip(), "```", ""]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                out += [f"### `cascom {name}`", "", "```text", sub.format_help().rstrip(), "```", ""]
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------- hooks


def on_config(config):
    pages = _public_modules()
    for entry in config["nav"]:
        if isinstance(entry, dict) and "API reference" in entry:
            entry["API reference"] = _api_nav(pages)
    return config


def on_files(files, config):
    pages = _public_modules()
    files.append(File.generated(config, "api/index.md", content=_api_index()))
    for page, modules in pages.items():
        files.append(File.generated(config, f"api/{page}.md", content=_api_page(page, modules)))
    files.append(File.generated(config, "changelog.md", content=(ROOT / "CHANGELOG.md").read_text()))
    tutorials = sorted((Path(config["docs_dir"]) / "tutorials").glob("*.py"))
    only = os.environ.get("CASCOM_DOCS_TUTORIALS")  # e.g. "sweep,transient" while writing one
    for path in tutorials:
        if only is not None and path.stem not in only.split(","):
            content, extra = f"# {path.stem}\n\n(not executed in this build)\n", []
        else:
            content, extra = _execute_tutorial(path, config)
        files.append(File.generated(config, f"tutorials/{path.stem}.md", content=content))
        for f in extra:
            files.append(f)
    return files


def on_page_markdown(markdown, page, config, files):
    if "<!-- cli-reference -->" in markdown:
        markdown = markdown.replace("<!-- cli-reference -->", _cli_reference())
    return markdown
