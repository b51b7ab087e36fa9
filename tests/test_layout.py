"""The import structure: data flows one way and no module imports itself back.

atomistic -> scenarios -> phasefield -> Dataset -> analysis / export: atomistic imports neither
phasefield nor scenarios, phasefield imports neither scenarios nor atomistic, except its last
layer, export, which turns a finished run back into atoms with atomistic. Inside phasefield the
subpackages are layers (model < io < numerics < driver; analysis reads only the model; view
reads the model, io and analysis; the ``ds.nvp`` accessor reads them and view; export may read
all but view and the accessor), and no module of any package is part of an import cycle.
Every import statement counts, including those inside functions.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import atomistic
import phasefield
import scenarios

PACKAGES = (atomistic, phasefield, scenarios)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        found[package.__name__] = Path(package.__file__)
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            spec = importlib.util.find_spec(info.name)
            found[info.name] = Path(spec.origin)
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """Modules of the three packages that ``name`` imports (any import statement anywhere)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            # "from pkg import sub" imports the module pkg.sub when there is one
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_module_imports(name):
    importlib.import_module(name)


def _top(name: str) -> str:
    return name.split(".")[0]


#: The one phasefield layer that may import atomistic: it runs after the Dataset.
EXPORT = "phasefield.export"


@pytest.mark.parametrize(
    "package, forbidden",
    [("atomistic", {"phasefield", "scenarios"}), ("phasefield", {"scenarios", "atomistic"})],
)
def test_data_flows_one_way(package, forbidden):
    wrong = sorted(
        f"{a} -> {b}"
        for a, targets in GRAPH.items()
        if _top(a) == package
        for b in targets
        if _top(b) in forbidden and not (_top(b) == "atomistic" and (a == EXPORT or a.startswith(EXPORT + ".")))
    )
    assert not wrong


# What each layer of phasefield may import (besides itself).
LAYERS = {
    "model": set(),
    "io": {"model"},
    "numerics": {"model", "io"},
    "driver": {"model", "io", "numerics"},
    "analysis": {"model"},
    "view": {"model", "io", "analysis"},
    "accessor": {"model", "io", "analysis", "view"},
    "export": {"model", "io", "numerics", "driver", "analysis"},
}


def _layer(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if parts[0] == "phasefield" and len(parts) > 1 else None


def test_phasefield_layers():
    assert {_layer(n) for n in MODULES if _layer(n)} == set(LAYERS)
    wrong = sorted(
        f"{a} -> {b}"
        for a, targets in GRAPH.items()
        if _layer(a)
        for b in targets
        if _layer(b) and _layer(b) != _layer(a) and _layer(b) not in LAYERS[_layer(a)]
    )
    assert not wrong, "\n".join(wrong)


def _cycle() -> list[str] | None:
    """One import cycle among the modules (a package's __init__ counts as a module), or None."""
    graph = GRAPH
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycles():
    assert _cycle() is None, " -> ".join(_cycle())


def test_the_checker_sees_a_cycle():
    """The crystals <-> symmetry cycle that existed (a lazy import inside spacegroup())."""
    GRAPH["atomistic.crystals"].add("atomistic.symmetry")
    try:
        assert _cycle() is not None
    finally:
        GRAPH["atomistic.crystals"].discard("atomistic.symmetry")
