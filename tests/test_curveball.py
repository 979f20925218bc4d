"""Global curveball nulls: degrees kept, simple, seeded, and uniform over the degree sequence."""

from __future__ import annotations

import itertools

import igraph as ig
import numpy as np
import pytest
from scipy.stats import chisquare

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
