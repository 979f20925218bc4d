"""Global curveball nulls: degrees kept, simple, seeded, and uniform over the degree sequence."""

from __future__ import annotations

import importlib.metadata
import itertools
import subprocess
import sys

import igraph as ig
import numpy as np
import pytest
from scipy.stats import chisquare

from netdyn.analytics import curveball
from netdyn.analytics.curveball import curveball_edges
from netdyn.core.errors import InvalidInputError


def _pairs(graph: ig.Graph) -> tuple[np.ndarray, np.ndarray]:
    e = np.array(sorted(tuple(sorted(p)) for p in graph.get_edgelist()), dtype=np.int64)
    return e[:, 0], e[:, 1]


def test_degrees_kept_simple_and_seeded():
    graph = ig.Graph.Barabasi(3_000, 4)
    graph.simplify()
    n = graph.vcount()
    u, v = _pairs(graph)
    a, b = curveball_edges(n, u, v, seed=11)
    assert a.size == u.size and np.all(a < b)
    assert np.unique(a * n + b).size == a.size  # no repeated pair
    assert np.array_equal(np.bincount(np.r_[a, b], minlength=n), graph.degree())
    again = curveball_edges(n, u, v, seed=11)
    assert np.array_equal(a, again[0]) and np.array_equal(b, again[1])
    other = curveball_edges(n, u, v, seed=12)
    assert not np.array_equal(a * n + b, other[0] * n + other[1])
    # mixed: far fewer observed edges survive than after one trade
    kept = np.isin(a * n + b, u * n + v).mean()
    one = curveball_edges(n, u, v, global_trades=1, seed=11)
    assert kept < np.isin(one[0] * n + one[1], u * n + v).mean()


def test_the_reused_observed_graph_gives_the_nulls_of_a_fresh_build():
    first = ig.Graph.Barabasi(500, 3).simplify()
    second = ig.Graph.Erdos_Renyi(500, m=1_500)
    u, v = _pairs(first)
    x, y = _pairs(second)
    curveball._LAST_GRAPH.clear()
    fresh = [curveball_edges(500, u, v, seed=s) for s in (3, 4)]  # the second reuses the first's
    assert len(curveball._LAST_GRAPH) == 1
    curveball_edges(500, x, y, seed=3)  # another graph replaces it
    assert curveball._LAST_GRAPH[0][0][1] == x.size
    for s, (a, b) in zip((3, 4), fresh, strict=True):
        curveball._LAST_GRAPH.clear()
        c, d = curveball_edges(500, u, v, seed=s)
        assert np.array_equal(a, c) and np.array_equal(b, d)
    # the same edges in other arrays (a copy) hit the cache and give the same null
    c, d = curveball_edges(500, u.copy(), v.copy(), seed=4)
    assert np.array_equal(fresh[1][0], c) and np.array_equal(fresh[1][1], d)


def test_networkit_is_loaded_lean_and_stays_whole_for_others():
    script = (
        "import sys, numpy as np\n"
        "from netdyn.analytics.curveball import curveball_edges\n"
        "a, b = curveball_edges(5, np.array([0, 0, 1, 2, 3]), np.array([1, 2, 2, 3, 4]), seed=1)\n"
        "print(sorted(np.r_[a, b].tolist()), 'sklearn' in sys.modules)\n"
        "import networkit\n"
        "from networkit import Graph\n"
        "print(networkit.__version__, Graph(3).numberOfNodes(), hasattr(networkit, 'centrality'))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    lean, whole = out.stdout.splitlines()
    assert lean == "[0, 0, 1, 1, 2, 2, 2, 3, 3, 4] False"  # degrees kept, scikit-learn not loaded
    assert whole.split() == [importlib.metadata.version("networkit"), "3", "True"]


def test_samples_are_uniform_over_the_graphs_of_the_degree_sequence():
    """Every simple graph with degrees (3, 2, 2, 2, 2, 1) is drawn equally often."""
    degrees = [3, 2, 2, 2, 2, 1]
    n = len(degrees)
    pairs = list(itertools.combinations(range(n), 2))
    graphs = []
    for chosen in itertools.combinations(pairs, sum(degrees) // 2):
        if np.array_equal(np.bincount(np.ravel(chosen), minlength=n), degrees):
            graphs.append(frozenset(chosen))
    index = {g: i for i, g in enumerate(graphs)}
    assert len(graphs) > 20  # the support of the null, enumerated
    start = np.array(sorted(graphs[0]))
    counts = np.zeros(len(graphs))
    for seed in range(200 * len(graphs)):
        a, b = curveball_edges(n, start[:, 0], start[:, 1], seed=seed)
        counts[index[frozenset(zip(a.tolist(), b.tolist(), strict=True))]] += 1
    assert counts.min() > 0
    assert chisquare(counts).pvalue > 1e-3


def test_tiny_and_bad_inputs():
    u, v = np.array([0]), np.array([1])
    assert [x.tolist() for x in curveball_edges(2, u, v, seed=0)] == [[0], [1]]
    with pytest.raises(InvalidInputError, match="global_trades"):
        curveball_edges(2, u, v, global_trades=0, seed=0)
    with pytest.raises(InvalidInputError, match="u < v"):
        curveball_edges(2, v, u, seed=0)
