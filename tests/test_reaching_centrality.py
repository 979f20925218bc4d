"""Global and local reaching centrality against networkx and breadth-first search."""

from __future__ import annotations

import igraph as ig
import networkx as nx
import numpy as np
import pytest
from builders import random_digraph, to_networkx

from netdyn.analytics.reaching_centrality import (
    global_reaching_centrality,
    local_reaching_centrality,
)
from netdyn.core.errors import InvalidInputError


def test_grc_known_cases():
    assert global_reaching_centrality(ig.Graph.Star(10, mode="out")) == 1.0
    assert global_reaching_centrality(ig.Graph.Ring(10, directed=True)) == 0.0
    # in-star: leaves reach the centre only, C_R = 1/(N-1), the centre 0: GRC = 1/(N-1)²
    assert global_reaching_centrality(ig.Graph.Star(5, mode="in")) == pytest.approx(1 / 16)
    # path 0→1→2: C_R = 1, 1/2, 0 → GRC = (0 + 1/2 + 1) / 2
    assert global_reaching_centrality(ig.Graph([(0, 1), (1, 2)], directed=True)) == 0.75
    # undirected: both directions; connected → everyone reaches everyone
    assert global_reaching_centrality(ig.Graph.Star(6)) == 0.0


def test_grc_degenerate_inputs():
    assert np.isnan(global_reaching_centrality(ig.Graph(directed=True)))
    assert np.isnan(global_reaching_centrality(ig.Graph(1, directed=True)))
    assert global_reaching_centrality(ig.Graph(5, directed=True)) == 0.0  # networkx raises here
    assert local_reaching_centrality(ig.Graph(directed=True)).shape == (0,)


@pytest.mark.parametrize("seed", range(8))
def test_grc_matches_networkx(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 90))
    graph = random_digraph(seed, n, float(rng.uniform(0.005, 0.06)))
    graph.add_edges([(0, 0)])  # a loop changes nothing
    reference = to_networkx(graph)
    assert global_reaching_centrality(graph) == pytest.approx(
        nx.global_reaching_centrality(reference), abs=1e-12
    )
    lrc = local_reaching_centrality(graph)
    for v in (0, n // 2, n - 1):
        assert lrc[v] == pytest.approx(nx.local_reaching_centrality(reference, v), abs=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_weighted_grc_matches_networkx(seed):
    graph = random_digraph(100 + seed, 50, 0.05)
    weights = np.random.default_rng(seed).uniform(0.2, 5.0, graph.ecount())  # no ties
    graph.es["weight"] = weights.tolist()
    expected = nx.global_reaching_centrality(to_networkx(graph, weights), weight="weight")
    assert global_reaching_centrality(graph, weighted=True) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("popcount", [True, False])
def test_reach_on_large_graph_matches_breadth_first_search(popcount, monkeypatch):
    # 6,000 vertices: 1,500 two-cycles (SCCs of size 2) and a random DAG over them, so the
    # targets span two 4,096-bit blocks and the weighted popcount meets many SCC sizes ≠ 1
    if not popcount:
        monkeypatch.delattr(np, "bitwise_count", raising=False)  # the byte-table fallback
    rng = np.random.default_rng(7)
    n = 6000
    pairs = [(2 * i, 2 * i + 1) for i in range(1500)] + [(2 * i + 1, 2 * i) for i in range(1500)]
    s, t = rng.integers(0, n, 5000), rng.integers(0, n, 5000)
    dag = list(zip(np.minimum(s, t).tolist(), np.maximum(s, t).tolist(), strict=True))
    graph = ig.Graph(n=n, edges=pairs + dag, directed=True)
    assert len(graph.connected_components(mode="strong")) > 4096
    reach = np.array([len(r) for r in graph.neighborhood(order=n, mode="out")])
    np.testing.assert_allclose(local_reaching_centrality(graph), (reach - 1) / (n - 1), atol=1e-12)


def test_sampled_reach_is_close_to_exact():
    graph = ig.Graph.Barabasi(3000, 2, directed=True)  # acyclic: 3,000 SCCs
    graph.add_edges([(0, 2999)])
    exact = global_reaching_centrality(graph)
    sampled = global_reaching_centrality(graph, max_targets=1000, seed=3)
    assert sampled == global_reaching_centrality(graph, max_targets=1000, seed=3)
    assert abs(sampled - exact) < 0.02


def test_grc_guards():
    graph = random_digraph(1, 10, 0.3)
    with pytest.raises(InvalidInputError, match="weight"):
        global_reaching_centrality(graph, weighted=True)
    graph.es["weight"] = [-1.0] * graph.ecount()
    with pytest.raises(InvalidInputError, match="> 0"):
        global_reaching_centrality(graph, weighted=True)
    with pytest.raises(InvalidInputError, match="max_targets"):
        global_reaching_centrality(graph, max_targets=0)
