"""The layers stay true: imports only go down (docs/architecture.md), no module cycle, no import in a function
to dodge one. An AST walk over the four packages; it reads the source and imports nothing of ours."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("transport", "routing", "eligibility", "api")
LAYERS = (  # lowest first; a module may import its own layer and the layers before it
    ("domain", ("transport.domain",)),
    ("io", ("transport.io",)),
    ("routing", ("routing",)),
    ("eligibility", ("eligibility",)),
    ("planning", ("transport.planning",)),
    ("documents", ("transport.documents",)),
    ("api", ("api",)),
    ("cli", ("transport.cli", "transport")),
)
LAZY_ALLOWED = ("transport.cli", "api.solver_host")
"""Lazy on purpose, not to dodge a cycle: the CLI imports a command's machinery when the command runs
(``--help`` stays fast); the solver host imports the search only after moving stdout out of the way of
its protocol channel (a library's import-time print must not corrupt it)."""


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py") if "migrations" not in p.parts}


def layer_of(module: str) -> int:
    """The rank of the layer a module belongs to (its longest matching prefix)."""
    best = max(((len(prefix), rank) for rank, (_, prefixes) in enumerate(LAYERS) for prefix in prefixes
                if module == prefix or module.startswith(prefix + ".")), default=None)
    assert best is not None, f"{module} is in no layer: add it to LAYERS and docs/architecture.md"
    return best[1]


def _imports(tree: ast.Module, known: dict[str, Path]) -> list[tuple[str, int, bool]]:
    """(imported first-party module, line, inside a function) for every import in a module."""
    out: list[tuple[str, int, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue  # annotations only: not a runtime import
            names: list[str] = []
            if isinstance(child, ast.Import):
                names = [a.name for a in child.names]
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                names = [f"{child.module}.{a.name}" if f"{child.module}.{a.name}" in known else child.module
                         for a in child.names]
            out.extend((n, child.lineno, in_function) for n in names if n.split(".")[0] in PACKAGES)
            visit(child, nested)

    visit(tree, False)
    return out


def _graph() -> tuple[nx.DiGraph, list[str], list[str]]:
    known = _modules()
    graph, upward, lazy = nx.DiGraph(), [], []
    for module, path in known.items():
        graph.add_node(module)
        for target, line, in_function in _imports(ast.parse(path.read_text(encoding="utf-8")), known):
            where = f"{path.relative_to(ROOT)}:{line} imports {target}"
            if target != module:
                graph.add_edge(module, target)
            if layer_of(target) > layer_of(module):
                upward.append(where)
            if in_function and not module.startswith(LAZY_ALLOWED):
                lazy.append(where)
    return graph, upward, lazy


def test_imports_only_go_down_a_layer() -> None:
    _, upward, _ = _graph()
    assert upward == [], "upward imports (see docs/architecture.md):\n" + "\n".join(upward)


def test_no_import_cycle() -> None:
    graph, _, _ = _graph()
    cycles = [c for c in nx.strongly_connected_components(graph) if len(c) > 1]
    assert cycles == [], f"import cycles: {[sorted(c) for c in cycles]}"


def test_no_first_party_import_inside_a_function() -> None:
    _, _, lazy = _graph()
    assert lazy == [], "imports inside functions (move them to the top, or what both sides need down a layer):\n" + "\n".join(lazy)


ORTOOLS_ADAPTER = "routing.ortools_model"
"""The one module that drives OR-Tools' routing solver; everything else goes through it (or ``routing.solve``)."""


def _third_party(tree: ast.Module) -> set[str]:
    """Top-level names of every module a source imports, anywhere in it."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
    return out


def test_only_the_adapter_imports_ortools() -> None:
    scripts = [p for folder in ("benchmarks", "scripts") for p in (ROOT / folder).rglob("*.py")]
    sources = {**_modules(), **{str(p.relative_to(ROOT)): p for p in scripts}}
    offenders = sorted(module for module, path in sources.items() if module != ORTOOLS_ADAPTER
                       and any(name.split(".")[0] == "ortools"
                               for name in _third_party(ast.parse(path.read_text(encoding="utf-8")))))
    assert offenders == [], f"only {ORTOOLS_ADAPTER} may import ortools: {offenders}"
    assert "ortools" in {n.split(".")[0] for n in _third_party(ast.parse(sources[ORTOOLS_ADAPTER].read_text()))}


def test_the_walk_sees_an_upward_import_and_a_cycle() -> None:
    """The rules are not vacuous: a domain module importing the API, and a two-module cycle, are caught."""
    assert layer_of("transport.domain.models") < layer_of("api.app") < layer_of("transport.cli.main")
    graph = nx.DiGraph([("a", "b"), ("b", "a")])
    assert [c for c in nx.strongly_connected_components(graph) if len(c) > 1] == [{"a", "b"}]
    tree = ast.parse("def f():\n    from api.app import create_app\n")
    assert _imports(tree, {}) == [("api.app", 2, True)]
