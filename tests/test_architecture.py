"""The layout is the architecture: data flows parameters → models → solvers → runs → (report, cli).

These tests read the package's import statements (no import is executed) and fail when a lower layer
reaches up (physics importing the command line or plotting) or when two modules import each other,
even through a function-level import used to dodge the cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "cascom_sim"

#: Each layer and the layers it must never import.
FORBIDDEN = {
    "models": ("solvers", "runs", "report", "cli"),
    "gaussian": ("models", "solvers", "runs", "report", "cli"),
    "solvers": ("runs", "report", "cli"),
    "runs": ("report", "cli"),
    "report": ("cli",),
}
GROUND_FLOOR = ("conventions", "errors", "parameters", "progress")
#: Named exceptions: Langevin ensembles run their seeded blocks through the chunk executor (which
#: itself imports no solver), so a solver may use that one piece of the runs layer.
ALLOWED = {("solvers", "cascom_sim.runs.executor")}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every cascom_sim module imported anywhere in ``path`` (top level or inside functions)."""
    mod = _module_name(path)
    package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("cascom_sim"):
                continue
            for alias in node.names:  # `from .pkg import module` imports the module
                sub = f"{target}.{alias.name}"
                out.add(sub if (PACKAGE.parent / (sub.replace(".", "/") + ".py")).exists() else target)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("cascom_sim"))
    out.discard(mod)
    return out


def _graph() -> dict[str, set[str]]:
    return {_module_name(p): _imports(p) for p in PACKAGE.rglob("*.py")}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_the_graph_is_read():
    g = _graph()
    assert "cascom_sim.solvers.steady" in g
    assert "cascom_sim.models" in g["cascom_sim.solvers.steady"] or any(
        m.startswith("cascom_sim.models") for m in g["cascom_sim.solvers.steady"])


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_lower_layers_never_import_upper_ones(layer):
    bad = [(m, t) for m, targets in _graph().items() if _layer(m) == layer
           for t in targets if _layer(t) in FORBIDDEN[layer] and (layer, t) not in ALLOWED]
    assert bad == [], f"{layer} must not import {FORBIDDEN[layer]}: {bad}"


def test_ground_floor_imports_only_ground_floor():
    bad = [(m, t) for m, targets in _graph().items() if _layer(m) in GROUND_FLOOR
           for t in targets if _layer(t) not in GROUND_FLOOR]
    assert bad == [], f"the ground floor must not import the layers above it: {bad}"


def test_no_import_cycles_between_modules():
    """No two modules reach each other through imports (package ``__init__`` re-exports excepted:
    a package importing its own children is how the public API is named)."""
    g = _graph()

    def edges(m):
        return {t for t in g.get(m, ()) if t in g and not (m != "cascom_sim" and t.startswith(m + "."))
                and not (m == "cascom_sim")}

    color: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(m):
        color[m] = 1
        stack.append(m)
        for t in edges(m):
            if color.get(t) == 1:
                cycles.append(stack[stack.index(t):] + [t])
            elif t not in color:
                visit(t)
        stack.pop()
        color[m] = 2

    for m in sorted(g):
        if m not in color:
            visit(m)
    assert cycles == [], f"import cycles: {cycles}"

