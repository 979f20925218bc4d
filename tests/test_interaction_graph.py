"""Interaction graph: degrees, strengths, and coreness against networkx."""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import polars as pl
import pytest

from netdyn.analytics.interaction_graph import actor_metrics, event_edges, interaction_edges
from netdyn.sim.growth import preferential_attachment_edges, preferential_attachment_events


def events(pairs, kinds=None, attributes=None) -> pl.DataFrame:
    n = len(pairs)
    return pl.DataFrame(
        {
            "kind": kinds or ["reply"] * n,
            "actor_id": [a for a, _ in pairs],
            "target_actor_id": [b for _, b in pairs],
            "attributes": attributes or [None] * n,
        },
        schema={
            "kind": pl.String,
            "actor_id": pl.String,
            "target_actor_id": pl.String,
            "attributes": pl.String,
        },
    )


def test_degrees_strengths_and_loops():
    ev = events([("a", "b"), ("a", "b"), ("a", "c"), ("b", "a"), ("c", "c"), ("d", None)])
    m = {r["actor_id"]: r for r in actor_metrics(ev).iter_rows(named=True)}
    assert set(m) == {"a", "b", "c", "d"}
    assert (m["a"]["out_degree"], m["a"]["out_strength"], m["a"]["in_degree"]) == (2, 3, 1)
    assert (m["b"]["in_degree"], m["b"]["in_strength"]) == (1, 2)
    # the self-reply of c is not a neighbour
    assert (m["c"]["in_degree"], m["c"]["out_degree"], m["c"]["n_events"]) == (1, 0, 1)
    assert (m["d"]["n_events"], m["d"]["coreness"]) == (1, 0)


def test_mentions_are_left_out_and_aggregated_weights_count():
    ev = events(
        [("a", "b"), ("a", "b"), ("x", "y")],
        kinds=["reply", "mention", "reply"],
        attributes=[json.dumps({"weight": 7, "aggregated": True}), None, None],
    )
    edges = interaction_edges(ev)
    assert edges.to_dicts() == [
        {"actor_id": "a", "target_actor_id": "b", "weight": 7},
        {"actor_id": "x", "target_actor_id": "y", "weight": 1},
    ]


def test_clique_with_tail_coreness():
    # a 4-clique (coreness 3) with a pendant path 4-5-6 attached at node 0 (coreness 1)
    und = [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3), (0, 4), (4, 5), (5, 6)]
    ev = events([(str(a), str(b)) for a, b in und])
    core = dict(actor_metrics(ev).select("actor_id", "coreness").iter_rows())
    assert core == {"0": 3, "1": 3, "2": 3, "3": 3, "4": 1, "5": 1, "6": 1}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_coreness_and_degrees_match_networkx(seed):
    rng = np.random.default_rng(seed)
    n, m = 300, 1500
    src = rng.integers(0, n, m)
    dst = (src + rng.zipf(1.8, m)) % n  # heavy-tailed offsets: some repeats, some loops
    ev = events([(f"v{s}", f"v{t}") for s, t in zip(src, dst, strict=True)])
    ours = {r["actor_id"]: r for r in actor_metrics(ev).iter_rows(named=True)}
    g = nx.DiGraph()
    g.add_edges_from((f"v{s}", f"v{t}") for s, t in zip(src, dst, strict=True) if s != t)
    und = nx.Graph(g.to_undirected())
    und.add_nodes_from(ours)
    core = nx.core_number(und)
    for actor, row in ours.items():
        assert row["coreness"] == core[actor]
        assert row["in_degree"] == (g.in_degree(actor) if actor in g else 0)
        assert row["out_degree"] == (g.out_degree(actor) if actor in g else 0)


def test_event_edges_keeps_contacts_in_order():
    ev = pl.DataFrame(
        {
            "kind": ["post", "comment", "vote", "message", "reply"],
            "actor_id": ["a", "b", "c", "d", "e"],
            "target_actor_id": [None, "a", "a", "b", None],
            "occurred_at": [1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )
    assert event_edges(ev).rows() == [("b", "a", 2.0), ("d", "b", 4.0)]


def test_event_edges_of_simulated_events_are_the_simulated_edges():
    events = preferential_attachment_events(400, m=2, seed=6)
    assert event_edges(events).equals(preferential_attachment_edges(400, m=2, seed=6))
