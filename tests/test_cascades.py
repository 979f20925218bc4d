"""Cascade metrics: known trees, a second implementation, and the degenerate cases."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import polars as pl
import pytest

from netdyn.analytics.cascades import compute_cascades, structural_virality, tree_depths

SCHEMA = {
    "event_seq": pl.Int64,
    "source": pl.String,
    "object_id": pl.String,
    "parent_object_id": pl.String,
    "root_object_id": pl.String,
    "actor_id": pl.String,
    "community": pl.String,
    "occurred_at": pl.Datetime("us", "UTC"),
    "seconds_since_root": pl.Float64,
}


def events_from_parents(parents: list[int], *, prefix: str = "n", times=None) -> pl.DataFrame:
    """One cascade: node i has parent parents[i] (-1 for the root)."""
    root = f"{prefix}0"
    return pl.DataFrame(
        {
            "event_seq": list(range(len(parents))),
            "source": ["s"] * len(parents),
            "object_id": [f"{prefix}{i}" for i in range(len(parents))],
            "parent_object_id": [None if p < 0 else f"{prefix}{p}" for p in parents],
            "root_object_id": [root] * len(parents),
            "actor_id": [f"a{i % 3}" for i in range(len(parents))],
            "community": ["c"] * len(parents),
            "occurred_at": [None] * len(parents),
            "seconds_since_root": times or [float(i) for i in range(len(parents))],
        },
        schema=SCHEMA,
    )


@pytest.mark.parametrize("n", [2, 3, 10, 101])
def test_star_virality_is_2_n_minus_1_over_n(n):
    parents = [-1] + [0] * (n - 1)
    assert structural_virality(parents) == pytest.approx(2 * (n - 1) / n)
    row = compute_cascades(events_from_parents(parents)).cascades.row(0, named=True)
    assert row["structural_virality"] == pytest.approx(2 * (n - 1) / n)
    assert (row["size"], row["depth"], row["max_breadth"]) == (n, 1, n - 1)


@pytest.mark.parametrize("n", [2, 3, 10, 101])
def test_path_virality_is_n_plus_1_over_3(n):
    parents = [-1] + list(range(n - 1))
    assert structural_virality(parents) == pytest.approx((n + 1) / 3)
    row = compute_cascades(events_from_parents(parents)).cascades.row(0, named=True)
    assert row["structural_virality"] == pytest.approx((n + 1) / 3)
    assert (row["size"], row["depth"], row["max_breadth"]) == (n, n - 1, 1)


def test_virality_agrees_with_networkx_wiener_index_on_random_trees():
    rng = np.random.default_rng(7)
    frames = []
    expected = {}
    for k in range(20):
        n = int(rng.integers(2, 300))
        parents = [-1] + [int(rng.integers(0, i)) for i in range(1, n)]
        tree = nx.Graph([(i, parents[i]) for i in range(1, n)])
        expected[f"t{k}_0"] = nx.wiener_index(tree) / (n * (n - 1) / 2)
        depth = nx.shortest_path_length(tree, 0)
        expected[f"t{k}_0", "depth"] = max(depth.values())
        frames.append(events_from_parents(parents, prefix=f"t{k}_"))
    cascades = compute_cascades(pl.concat(frames)).cascades
    assert cascades.height == 20
    for row in cascades.iter_rows(named=True):
        assert row["structural_virality"] == pytest.approx(expected[row["cascade_id"]], rel=1e-12)
        assert row["depth"] == expected[row["cascade_id"], "depth"]


def test_one_node_cascade_has_null_virality_and_zero_lifetime():
    row = compute_cascades(events_from_parents([-1])).cascades.row(0, named=True)
    assert row["size"] == 1 and row["depth"] == 0 and row["max_breadth"] == 1
    assert row["structural_virality"] is None
    assert row["lifetime_seconds"] == 0.0
    assert math.isnan(structural_virality([-1]))


def test_known_tree_breadth_lifetime_and_actors():
    #        0
    #     1     2
    #   3 4 5    6
    #            7
    parents = [-1, 0, 0, 1, 1, 1, 2, 6]
    times = [0.0, 5.0, 7.0, 9.0, 11.0, 12.0, 30.0, 95.5]
    result = compute_cascades(events_from_parents(parents, times=times))
    row = result.cascades.row(0, named=True)
    assert (row["size"], row["depth"], row["max_breadth"]) == (8, 3, 4)
    assert row["lifetime_seconds"] == pytest.approx(95.5)
    assert row["n_actors"] == 3
    # half of 8 nodes = the 4th in time order (9 s); 90 % = ceil(7.2) = the 8th (95.5 s)
    assert row["time_to_50pct_seconds"] == pytest.approx(9.0)
    assert row["time_to_90pct_seconds"] == pytest.approx(95.5)
    nodes = result.nodes.sort("object_id")
    depth_of = dict(zip(nodes["object_id"], nodes["depth"], strict=True))
    assert depth_of == {"n0": 0, "n1": 1, "n2": 1, "n3": 2, "n4": 2, "n5": 2, "n6": 2, "n7": 3}


def test_time_to_half_and_ninety_percent_agree_with_a_direct_count():
    rng = np.random.default_rng(11)
    frames, expected = [], {}
    for k in range(15):
        n = int(rng.integers(1, 60))
        parents = [-1] + [int(rng.integers(0, i)) for i in range(1, n)]
        times = [100.0] + list(100.0 + rng.exponential(50.0, n - 1))
        frames.append(events_from_parents(parents, prefix=f"t{k}_", times=times))
        for q in (0.5, 0.9):
            # the first moment at which at least q * n nodes have appeared
            first = min(t for t in times if sum(u <= t for u in times) >= q * n)
            expected[f"t{k}_0", q] = first - 100.0
    for row in compute_cascades(pl.concat(frames)).cascades.iter_rows(named=True):
        assert row["time_to_50pct_seconds"] == pytest.approx(expected[row["cascade_id"], 0.5])
        assert row["time_to_90pct_seconds"] == pytest.approx(expected[row["cascade_id"], 0.9])


def test_time_to_quantile_is_null_when_a_node_has_no_time():
    frame = events_from_parents([-1, 0, 0], times=[0.0, None, 4.0])
    row = compute_cascades(frame).cascades.row(0, named=True)
    assert row["time_to_50pct_seconds"] is None and row["time_to_90pct_seconds"] is None
    assert row["lifetime_seconds"] == pytest.approx(4.0)


def test_orphans_and_cycles_are_counted_not_lost():
    good = events_from_parents([-1, 0, 0])
    extra = pl.DataFrame(
        {
            "event_seq": [10, 11, 12, 13],
            "source": ["s"] * 4,
            "object_id": ["x", "y", "q1", "q2"],
            "parent_object_id": ["never-seen", "x", "q2", "q1"],
            "root_object_id": ["n0", "n0", "zz", "zz"],
            "actor_id": ["a"] * 4,
            "community": ["c"] * 4,
            "occurred_at": [None] * 4,
            "seconds_since_root": [1.0] * 4,
        },
        schema=SCHEMA,
    )
    result = compute_cascades(pl.concat([good, extra]))
    assert result.cascades.height == 1
    row = result.cascades.row(0, named=True)
    assert row["size"] == 3 and row["n_orphans"] == 2
    assert result.n_orphan_nodes == 2 and result.n_cycle_nodes == 2


def test_absolute_times_take_precedence_and_duplicates_keep_first():
    from datetime import UTC, datetime

    frame = events_from_parents([-1, 0]).with_columns(
        occurred_at=pl.Series(
            [datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, 1, tzinfo=UTC)]
        )
    )
    dup = frame.tail(1).with_columns(event_seq=pl.lit(99, dtype=pl.Int64))
    row = compute_cascades(pl.concat([frame, dup])).cascades.row(0, named=True)
    assert row["lifetime_seconds"] == pytest.approx(3600.0)
    assert row["size"] == 2


def test_tree_depths_flags_two_cycles_and_self_loops():
    depth, top, on_cycle = tree_depths(np.array([-1, 0, 3, 2, 4]))
    assert on_cycle.tolist() == [False, False, True, True, True]
    assert depth.tolist()[:2] == [0, 1] and top.tolist()[:2] == [0, 0]


def test_structural_virality_guards():
    with pytest.raises(ValueError, match="exactly one root"):
        structural_virality([0, 1])
    with pytest.raises(ValueError, match="at least one node"):
        structural_virality([])


def test_two_sources_may_share_item_ids():
    a = events_from_parents([-1, 0, 0])
    b = events_from_parents([-1, 0, 1, 2], times=[0.0, 1.0, 2.0, 3.0]).with_columns(
        source=pl.lit("t"), event_seq=pl.col("event_seq") + 100
    )
    result = compute_cascades(pl.concat([b, a]))  # not in log order: sorted inside
    by_source = {r["source"]: r for r in result.cascades.iter_rows(named=True)}
    assert by_source["s"]["size"] == 3 and by_source["s"]["depth"] == 1
    assert by_source["t"]["size"] == 4 and by_source["t"]["depth"] == 3
    assert result.nodes.height == 7
