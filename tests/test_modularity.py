"""Leiden modularity: planted blocks, agreement with networkx, seeding."""

from __future__ import annotations

import random

import igraph as ig
import networkx as nx
import numpy as np
import pytest
from builders import planted_blocks, random_digraph, to_networkx

from netdyn.analytics.modularity import modularity_leiden
from netdyn.core.errors import InvalidInputError


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
