"""Leiden modularity: planted blocks, agreement with networkx, seeding."""

from __future__ import annotations

import random

import igraph as ig
import networkx as nx
import numpy as np
import pytest

from netdyn.analytics.modularity import modularity_leiden
from netdyn.core.errors import InvalidInputError


def random_digraph(seed: int, n: int, p: float) -> ig.Graph:
    rng = np.random.default_rng(seed)
    a = rng.random((n, n)) < p
    np.fill_diagonal(a, False)
    return ig.Graph(n=n, edges=np.argwhere(a).tolist(), directed=True)


def planted_blocks(seed: int, blocks: int = 4, size: int = 30) -> ig.Graph:
    """Directed SBM: 4 blocks of 30, p_in = 0.3, p_out = 0.01."""
    rng = np.random.default_rng(seed)
    block = np.repeat(np.arange(blocks), size)
    p = np.where(block[:, None] == block[None, :], 0.3, 0.01)
    a = rng.random((blocks * size, blocks * size)) < p
    np.fill_diagonal(a, False)
    return ig.Graph(n=blocks * size, edges=np.argwhere(a).tolist(), directed=True)


def to_networkx(graph: ig.Graph, weights=None) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(range(graph.vcount()))
    if weights is None:
        g.add_edges_from(graph.get_edgelist())
    else:
        g.add_weighted_edges_from(
            (s, t, w) for (s, t), w in zip(graph.get_edgelist(), weights, strict=True)
        )
    return g


def test_leiden_recovers_blocks_and_agrees_with_networkx_modularity():
    graph = planted_blocks(1)
    state = random.getstate()
    q, membership = modularity_leiden(graph, seed=5)
    assert random.getstate() == state  # the global random module is left alone
    block = np.repeat(np.arange(4), 30)
    assert len(set(zip(block, membership, strict=True))) == 4 == membership.max() + 1
    und = nx.Graph(to_networkx(graph).to_undirected())
    parts = [set(np.flatnonzero(membership == c).tolist()) for c in range(4)]
    assert q == pytest.approx(nx.community.modularity(und, parts), abs=1e-12)


def test_leiden_same_seed_same_partition():
    graph = random_digraph(3, 150, 0.03)  # no planted structure: many near-optimal partitions
    runs = [modularity_leiden(graph, seed=s) for s in (9, 9, 10)]
    assert runs[0].modularity == runs[1].modularity
    np.testing.assert_array_equal(runs[0].membership, runs[1].membership)
    assert not np.array_equal(runs[0].membership, runs[2].membership)


def test_leiden_degenerate_and_guards():
    q, membership = modularity_leiden(ig.Graph(4), seed=1)
    assert np.isnan(q) and membership.tolist() == [0, 1, 2, 3]
    with pytest.raises(InvalidInputError, match="resolution"):
        modularity_leiden(ig.Graph.Ring(5), resolution=0)
    with pytest.raises(InvalidInputError, match="n_iterations"):
        modularity_leiden(ig.Graph.Ring(5), n_iterations=0)
