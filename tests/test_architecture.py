"""The shape of the code: dependencies point one way, no import cycles, small modules.

The import graph is read from the source (every ``import`` and ``from ... import``, including
the ones inside functions), over every module of the distribution found through the
package-dir mapping of pyproject.toml, so a lazy import cannot hide a cycle.

Layers, lowest first (a module may import its own package and any lower layer):

``netdyn.core`` ← ``netdyn.analytics`` (imports ``netdyn.core.errors``, ``.parallel`` and
``.progress``) ←
``netdyn.store`` ← ``netdyn.ingest``, ``netdyn.sim`` ← ``netdyn.results`` ← ``netdyn.report``
← ``netdyn.flows`` ← ``netdyn.cli``, ``netdyn.api`` ← ``netdyn`` (the package's lazy names).
"""

from __future__ import annotations

import ast
import tomllib
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
    "setuptools"
]

#: Rank of each package; an import must go to a strictly lower rank (or stay in its package).
LAYERS: dict[str, int] = {
    "netdyn.sql": 0,  # package data (the SQL files), no code
    "netdyn.core": 0,
    "netdyn.analytics": 1,
    "netdyn.store": 2,
    "netdyn.ingest": 3,
    "netdyn.sim": 3,
    "netdyn.results": 4,
    "netdyn.report": 5,
    "netdyn.flows": 6,
    "netdyn.cli": 7,
    "netdyn.api": 7,
    "netdyn": 8,
}

#: Lines above which a module must hold one concept, named here (the issue's ~600 lines).
MAX_LINES = 600
#: Modules above MAX_LINES, each one concept: the reason it stays whole.
ONE_CONCEPT: dict[str, str] = {
    "netdyn.analytics.power_law": "one method: the CSN power-law fit, its sampler and bootstrap",
    "netdyn.analytics.content_cascades": "what a piece of content is, and who adopted it when",
    "netdyn.analytics.core_periphery": "k- and s-cores and the Borgatti-Everett fits with nulls",
    "netdyn.analytics.roles": "role clustering with its degree-preserving null baseline",
    "netdyn.analytics.hierarchy": "the mesoscale profile of a network and of each community",
    "netdyn.analytics.exposure_counts": "one method: the exposure curve and Cox model streamed "
    "over chunks (or a sample) of contagions",
    "netdyn.ingest.readers.table": "one reader: any CSV, TSV, JSON lines or Parquet table",
    "netdyn.sim.contagion": "one family of contagion simulators on a given graph",
    "netdyn.sim.calibration": "fitting the branching model to a log",
}


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for name, folder in SETUPTOOLS["package-dir"].items():
        base = ROOT / folder
        for path in sorted(base.rglob("*.py")):
            parts = list(path.relative_to(base).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found.setdefault(".".join([name, *parts]), path)
    return found


MODULES = _modules()


def _imports(module: str, path: Path) -> set[str]:
    """The netdyn modules that ``module`` imports, anywhere in its file."""
    names: set[str] = set()
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[: None if is_package else -1]
                base = base[: len(base) - (node.level - 1)]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            for alias in node.names:
                candidate = f"{origin}.{alias.name}"
                names.add(candidate if candidate in MODULES else origin)
    resolved = set()
    for name in names:
        while name and name not in MODULES:
            name = name.rpartition(".")[0]
        if name.startswith("netdyn"):
            resolved.add(name)
    return resolved - {module}


GRAPH: dict[str, set[str]] = {m: _imports(m, p) for m, p in MODULES.items()}


def _package(module: str) -> str:
    parts = module.split(".")
    if len(parts) >= 2 and f"netdyn.{parts[1]}" in LAYERS:
        return f"netdyn.{parts[1]}"
    return module


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan 1972)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_graph_reader_sees_lazy_and_relative_imports():
    assert "netdyn.api" in GRAPH["netdyn"]  # imported inside __getattr__
    assert "netdyn.core.errors" in GRAPH["netdyn.analytics.power_law"]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle_between_files():
    assert _cycles(GRAPH) == []


def test_no_import_cycle_between_packages():
    packages: dict[str, set[str]] = defaultdict(set)
    for module, imported in GRAPH.items():
        for other in imported:
            if _package(module) != _package(other):
                packages[_package(module)].add(_package(other))
    assert _cycles(packages) == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_dependencies_point_down(module):
    own = _package(module)
    assert own in LAYERS, f"{module} is in no layer; add its package to LAYERS"
    upward = sorted(
        other
        for other in GRAPH[module]
        if _package(other) != own and LAYERS[_package(other)] >= LAYERS[own]
    )
    assert upward == [], f"{module} imports a layer at or above its own"


#: What the analyses may use of the rest of netdyn: its errors, the parallel map and the
#: progress reporter (which null ensembles and bootstraps advance).
ANALYTICS_MAY_IMPORT = {"netdyn.core.errors", "netdyn.core.parallel", "netdyn.core.progress"}


def test_analytics_imports_nothing_of_netdyn_but_errors_parallel_map_and_progress():
    for module, imported in GRAPH.items():
        if _package(module) == "netdyn.analytics":
            outside = {m for m in imported if _package(m) != "netdyn.analytics"}
            assert outside <= ANALYTICS_MAY_IMPORT, (module, outside)
    # and those three stay at the bottom: they import nothing of netdyn but each other
    for module in ANALYTICS_MAY_IMPORT:
        assert GRAPH[module] <= ANALYTICS_MAY_IMPORT - {module}, (module, GRAPH[module])


def test_large_modules_hold_one_concept():
    large = {
        module: len(path.read_text(encoding="utf-8").splitlines())
        for module, path in MODULES.items()
        if len(path.read_text(encoding="utf-8").splitlines()) > MAX_LINES
    }
    unexplained = {m: n for m, n in large.items() if m not in ONE_CONCEPT}
    assert unexplained == {}, "split these modules, or name their one concept in ONE_CONCEPT"
    stale = sorted(set(ONE_CONCEPT) - set(large))
    assert stale == [], "these modules are small now: remove them from ONE_CONCEPT"
