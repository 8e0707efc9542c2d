"""The subpackages of dackit import each other without cycles (issue 11).

Imports are read with ``ast`` from every module, function-level (lazy) imports included: a
lazy import is still a dependency, it only moves the failure to run time. The layers are
core/io at the bottom, the techniques and their figure functions above them, then the
virtual experiment, the report renderer, the experiment pipeline, and the CLI on top.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "dackit"


def _unit(module: str) -> str:
    """The subpackage (or top-level module) a dotted dackit module name belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def import_graph(src: Path = SRC) -> dict[str, set[str]]:
    """Subpackage → the other dackit subpackages (or top-level modules) it imports."""
    graph: dict[str, set[str]] = {}
    for path in src.rglob("*.py"):
        rel = path.relative_to(src).with_suffix("")
        module = ".".join(("dackit", *rel.parts))
        if rel.name == "__init__":
            module = module.rsplit(".", 1)[0]
        package = module if rel.name == "__init__" else module.rsplit(".", 1)[0]
        here = _unit(module)
        targets = graph.setdefault(here, set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    names = [".".join(base + ([node.module] if node.module else []))]
                else:
                    names = [node.module or ""]
            else:
                continue
            for name in names:
                if name.split(".")[0] == "dackit" and "." in name and _unit(name) != here:
                    targets.add(_unit(name))
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a list of nodes (first = last), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if state.get(nxt) is None and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if state.get(node) is None and (found := visit(node)):
            return found
    return None


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_cycles_between_subpackages():
    graph = import_graph()
    assert {"core", "experiment", "report", "cli"} <= set(graph)
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle between dackit subpackages: " + " -> ".join(cycle)


@pytest.mark.parametrize("low, high", [("core", "io"), ("core", "report"), ("report", "experiment"),
                                       ("xrd", "report"), ("optics", "experiment"), ("experiment", "cli")])
def test_layers(low, high):
    graph = import_graph()
    assert low not in graph or high not in graph[low], f"{low} must not import {high}"


def test_the_graph_sees_lazy_and_relative_imports(tmp_path):
    pkg = tmp_path / "dackit"
    (pkg / "a").mkdir(parents=True)
    (pkg / "b").mkdir()
    (pkg / "a" / "__init__.py").write_text("from . import x\n")
    (pkg / "a" / "x.py").write_text("def f():\n    from ..b import y\n")
    (pkg / "b" / "__init__.py").write_text("")
    (pkg / "b" / "y.py").write_text("import dackit.a.x\n")
    graph = import_graph(pkg)
    assert graph["a"] == {"b"} and graph["b"] == {"a"}
    assert find_cycle(graph) == ["a", "b", "a"]
