"""The friendship paradox against networkx and hand examples."""

from __future__ import annotations

import math

import igraph as ig
import networkx as nx
import numpy as np
import polars as pl
import pytest

from netdyn.analytics.friendship_paradox import friendship_paradox
from netdyn.core.errors import InvalidInputError


def nx_edges(graph: nx.Graph) -> pl.DataFrame:
    pairs = list(graph.edges())
    return pl.DataFrame(
        {"source_actor_id": [u for u, _ in pairs], "target_actor_id": [v for _, v in pairs]},
        schema={"source_actor_id": pl.Int64, "target_actor_id": pl.Int64},
    )


@pytest.mark.parametrize(
    "graph",
    [
        nx.gnp_random_graph(300, 0.02, seed=1),
        nx.barabasi_albert_graph(500, 2, seed=2),
        nx.watts_strogatz_graph(200, 4, 0.3, seed=3),
    ],
)
def test_friendship_paradox_agrees_with_networkx(graph):
    res = friendship_paradox(nx_edges(graph))
    active = [v for v in graph if graph.degree(v) > 0]
    nbr = nx.average_neighbor_degree(graph)
    got = dict(zip(res.actors["actor_id"], res.actors["mean_neighbor_degree"], strict=True))
    assert set(got) == set(active)
    assert all(got[v] == pytest.approx(nbr[v]) for v in active)
    k = np.array([graph.degree(v) for v in active], dtype=float)
    assert res.n_actors == len(active)
    assert res.n_isolated == 0  # isolated nodes of the nx graph have no edge row
    assert res.share_lower == pytest.approx(np.mean([graph.degree(v) < nbr[v] for v in active]))
    assert res.mean_degree == pytest.approx(k.mean())
    assert res.mean_neighbor_degree == pytest.approx(np.mean([nbr[v] for v in active]))
    assert res.edge_end_mean_degree == pytest.approx((k**2).mean() / k.mean())
    assert res.edge_end_mean_degree > res.mean_degree  # Feld: unequal degrees
    assert res.share_lower > 0.5
    # the same graph as igraph, with isolated vertices, gives the same answer
    g = ig.Graph(n=graph.number_of_nodes() + 2, edges=list(graph.edges()))
    via_igraph = friendship_paradox(g)
    assert via_igraph.share_lower == res.share_lower
    assert via_igraph.n_isolated == 2 + graph.number_of_nodes() - len(active)


def test_star_leaves_all_have_fewer_contacts_and_edges_are_simplified():
    n = 9
    leaves = [f"leaf{i}" for i in range(n - 1)]
    star = pl.DataFrame(
        {
            # repeated and reversed contacts, a self-loop, a null end and a loop-only actor
            "actor_id": ["hub"] * (n - 1) + leaves[:3] + ["hub", "loner", None],
            "target_actor_id": leaves + ["hub"] * 3 + ["hub", "loner", "hub"],
        }
    )
    res = friendship_paradox(star)
    leaf_rows = res.actors.filter(pl.col("actor_id") != "hub")
    assert leaf_rows["is_lower"].all() and leaf_rows["mean_neighbor_degree"].unique().to_list() == [
        n - 1
    ]
    assert not res.actors.filter(pl.col("actor_id") == "hub")["is_lower"][0]
    assert res.share_lower == pytest.approx((n - 1) / n)
    assert res.n_actors == n and res.n_isolated == 1
    assert res.mean_degree == pytest.approx(2 * (n - 1) / n)
    directed = ig.Graph(n=3, edges=[(0, 1), (1, 0), (0, 2)], directed=True)
    assert friendship_paradox(directed).actors["degree"].to_list() == [2, 1, 1]


def test_friendship_paradox_degenerate_and_bad_inputs():
    empty = friendship_paradox(ig.Graph(n=3))
    assert empty.n_actors == 0 and empty.n_isolated == 3 and math.isnan(empty.share_lower)
    with pytest.raises(InvalidInputError, match="columns"):
        friendship_paradox(pl.DataFrame({"u": [1], "v": [2]}))
    assert friendship_paradox(pl.DataFrame({"u": [1], "v": [2]}), columns=("u", "v")).n_actors == 2
    with pytest.raises(InvalidInputError, match="igraph.Graph or a polars DataFrame"):
        friendship_paradox([(1, 2)])
