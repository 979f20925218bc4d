"""Exposure counting and exposure-response curves.

Hand-worked timelines, a plain-Python reference implementation and scipy's Wilson interval.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import polars as pl
import pytest
from builders import adoptions_frame, edges_frame, exposures_frame
from scipy.stats import binomtest

from netdyn.analytics.cox_exposure import (
    _counting_process,
)
from netdyn.analytics.exposure import (
    count_exposures,
    exposure_edges_from_events,
    exposure_response,
    wilson_interval,
)
from netdyn.core.errors import InvalidInputError

# ---------------------------------------------------------------------------------------------
# exposure graph from events


def test_exposure_edges_direction_time_and_dedup():
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    ts = lambda s: datetime.fromtimestamp(t0.timestamp() + s, tz=UTC)  # noqa: E731
    events = pl.DataFrame(
        {
            "kind": [
                "reply",
                "comment",
                "retweet",
                "message",
                "mention",
                "post",
                "vote",
                "reply",
                "reply",
                "message",
                "reply",
            ],
            "actor_id": ["b", "c", "d", "a", "a", "a", "z", "b", "e", "f", "g"],
            "target_actor_id": ["a", "a", "a", "x", "y", None, "a", "a", "e", None, "h"],
            "occurred_at": [
                ts(10),
                ts(20),
                ts(30),
                ts(5),
                ts(6),
                ts(1),
                ts(2),
                ts(3),
                ts(4),
                ts(7),
                None,
            ],
            "seconds_since_root": [None] * 10 + [42.0],
        },
        schema_overrides={"occurred_at": pl.Datetime("us", "UTC")},
    )
    got = {(r[0], r[1]): r[2] for r in exposure_edges_from_events(events).rows()}
    base = t0.timestamp()
    assert got == {
        ("a", "b"): base + 3,  # reply by b to a: a exposed b; first of the two replies
        ("a", "c"): base + 20,
        ("a", "d"): base + 30,
        ("a", "x"): base + 5,  # message from a to x: a exposed x
        ("a", "y"): base + 6,
        ("h", "g"): 42.0,  # no occurred_at: seconds_since_root
    }


def test_exposure_edges_null_time_means_present_from_start():
    events = pl.DataFrame(
        {
            "kind": ["message", "message"],
            "actor_id": ["a", "a"],
            "target_actor_id": ["b", "b"],
            "occurred_at": [None, None],
            "seconds_since_root": [3.0, None],
        },
        schema_overrides={"occurred_at": pl.Datetime("us", "UTC")},
    )
    assert exposure_edges_from_events(events).rows() == [("a", "b", None)]


# ---------------------------------------------------------------------------------------------
# exposure counting: hand-made timelines


def rows_of(frame: pl.DataFrame) -> list[tuple]:
    return frame.select(
        "contagion_id", "actor_id", "exposer_id", "exposed_at", "adopted_at", "is_after_adoption"
    ).rows()


def test_edge_formed_after_adoption_exposes_at_formation():
    ad = adoptions_frame([("c", "u", 1.0), ("c", "v", 6.0)])
    ed = edges_frame([("u", "v", 4.0)])
    assert rows_of(count_exposures(ad, ed)) == [("c", "v", "u", 4.0, 6.0, False)]


def test_edge_formed_after_exposed_adoption_is_flagged():
    ad = adoptions_frame([("c", "u", 1.0), ("c", "v", 3.0)])
    ed = edges_frame([("u", "v", 4.0)])
    assert rows_of(count_exposures(ad, ed)) == [("c", "v", "u", 4.0, 3.0, True)]


def test_repeated_edges_count_once_at_first_formation():
    ad = adoptions_frame([("c", "u", 2.0)])
    ed = edges_frame([("u", "v", 3.0), ("u", "v", 5.0), ("u", "v", 2.5)])
    # never-adopting v: adopted_at null, not after adoption
    assert rows_of(count_exposures(ad, ed)) == [("c", "v", "u", 2.5, None, False)]


def test_two_exposers_adopting_at_the_same_time():
    ad = adoptions_frame([("c", "u1", 2.0), ("c", "u2", 2.0), ("c", "v", 5.0)])
    ed = edges_frame([("u1", "v", 0.0), ("u2", "v", 0.0), ("u1", "u2", 0.0)])
    got = rows_of(count_exposures(ad, ed))
    assert got == [
        ("c", "u2", "u1", 2.0, 2.0, True),  # same instant as u2's own adoption: not before it
        ("c", "v", "u1", 2.0, 5.0, False),
        ("c", "v", "u2", 2.0, 5.0, False),
    ]
    ex = count_exposures(ad, ed)
    # the count jumps 0 -> 2: v reached k = 2, never k = 1
    curve = exposure_response(ex, ad)
    assert curve.select("k", "n_exposed", "n_adopted").rows() == [(1, 0, 0), (2, 1, 1)]
    assert curve["p"].to_list() == [None, 1.0]
    rows = _counting_process(ex, ad, None, "first_exposure")
    assert rows.select("actor_id", "start", "stop", "event", "x").rows() == [
        ("v", 0.0, 3.0, True, 2.0)
    ]


def test_exposure_after_own_adoption_kept_flagged_or_dropped():
    ad = adoptions_frame([("c", "v", 1.0), ("c", "u", 3.0), ("c", "w", 0.5)])
    ed = edges_frame([("u", "v", 0.0), ("w", "v", None)])
    got = rows_of(count_exposures(ad, ed))
    assert got == [
        ("c", "v", "w", 0.5, 1.0, False),  # null formed_at: the edge was always there
        ("c", "v", "u", 3.0, 1.0, True),
    ]
    kept = rows_of(count_exposures(ad, ed, include_after_adoption=False))
    assert kept == [("c", "v", "w", 0.5, 1.0, False)]


def test_contagions_self_loops_and_repeated_adoptions():
    ad = adoptions_frame([("c1", "u", 1.0), ("c1", "u", 0.5), ("c2", "v", 0.0), ("c2", "u", 9.0)])
    ed = edges_frame([("u", "v", 0.0), ("u", "u", 0.0), ("v", "w", 0.0)])
    got = rows_of(count_exposures(ad, ed))
    assert got == [
        ("c1", "v", "u", 0.5, None, False),  # u's first adoption of c1 is 0.5; no self-loop
        ("c2", "v", "u", 9.0, 0.0, True),  # u adopted c2 after v did
        ("c2", "w", "v", 0.0, None, False),
    ]


def test_datetime_adoptions_are_epoch_seconds():
    t = datetime(2026, 1, 1, tzinfo=UTC)
    ad = pl.DataFrame(
        {"contagion_id": ["c", "c"], "actor_id": ["u", "v"], "adopted_at": [t, t]},
        schema_overrides={"adopted_at": pl.Datetime("us", "UTC")},
    ).with_columns(pl.col("adopted_at") + pl.duration(seconds=pl.Series([0, 10])))
    ed = edges_frame([("u", "v", t.timestamp() + 4.0)])
    assert rows_of(count_exposures(ad, ed)) == [
        ("c", "v", "u", t.timestamp() + 4.0, t.timestamp() + 10.0, False)
    ]


def test_count_exposures_guards():
    ad = adoptions_frame([("c", "u", 1.0)])
    with pytest.raises(InvalidInputError, match="lacks columns"):
        count_exposures(ad.drop("adopted_at"), edges_frame([]))
    with pytest.raises(InvalidInputError, match="null"):
        count_exposures(
            pl.DataFrame(
                {"contagion_id": ["c"], "actor_id": ["u"], "adopted_at": [None]},
                schema_overrides={"adopted_at": pl.Float64},
            ),
            edges_frame([]),
        )
    with pytest.raises(InvalidInputError, match="Datetime or numeric"):
        count_exposures(ad.with_columns(pl.col("adopted_at").cast(pl.String)), edges_frame([]))


def reference_exposures(adoptions, edges):
    """Plain-Python exposure counting, straight from the definition."""
    first_adoption = {}
    for c, a, t in adoptions:
        key = (c, a)
        first_adoption[key] = min(t, first_adoption.get(key, math.inf))
    first_edge = {}
    for u, v, f in edges:
        if u == v:
            continue
        f = -math.inf if f is None else f
        first_edge[u, v] = min(f, first_edge.get((u, v), math.inf))
    out = []
    for (c, u), tu in first_adoption.items():
        for (x, v), f in first_edge.items():
            if x != u:
                continue
            at = max(tu, f)
            tv = first_adoption.get((c, v))
            out.append((c, v, u, at, tv, tv is not None and at >= tv))
    return sorted(out, key=lambda r: (r[0], r[1], r[3], r[2]))


def reference_response(adoptions, exposures, max_k):
    """Plain-Python Romero et al. p(k) with simultaneous exposures arriving together."""
    adopted = {}
    for c, a, t in adoptions:
        adopted[c, a] = min(t, adopted.get((c, a), math.inf))
    times = {}
    for c, v, _u, at, _tv, _flag in exposures:
        tv = adopted.get((c, v))
        if tv is None or at < tv:
            times.setdefault((c, v), []).append(at)
    n_exposed = [0] * (max_k + 1)
    n_adopted = [0] * (max_k + 1)
    for key, ts in times.items():
        reached = []
        for t in sorted(set(ts)):
            reached.append(sum(1 for s in ts if s <= t))
        for k in reached:
            if k <= max_k:
                n_exposed[k] += 1
        if key in adopted and reached[-1] <= max_k:
            n_adopted[reached[-1]] += 1
    return [(k, n_exposed[k], n_adopted[k]) for k in range(1, max_k + 1)]


@pytest.mark.parametrize("trial", range(8))
def test_count_exposures_and_response_match_reference_on_random_inputs(trial):
    rng = np.random.default_rng(100 + trial)
    actors = [f"a{i}" for i in range(int(rng.integers(3, 12)))]
    adoptions = [
        (
            f"c{int(rng.integers(0, 3))}",
            actors[int(rng.integers(len(actors)))],
            float(rng.integers(0, 6)),
        )
        for _ in range(int(rng.integers(1, 25)))
    ]
    edges = [
        (
            actors[int(rng.integers(len(actors)))],
            actors[int(rng.integers(len(actors)))],
            None if rng.random() < 0.15 else float(rng.integers(0, 6)),
        )
        for _ in range(int(rng.integers(0, 40)))
    ]
    ad, ed = adoptions_frame(adoptions), edges_frame(edges)
    got = count_exposures(ad, ed)
    expected = reference_exposures(adoptions, edges)
    assert rows_of(got) == expected
    curve = exposure_response(got, ad, max_k=6)
    assert curve.select("k", "n_exposed", "n_adopted").rows() == reference_response(
        adoptions, expected, 6
    )


# ---------------------------------------------------------------------------------------------
# exposure-response curve and Wilson intervals


def test_exposure_response_hand_example():
    # x: exposed at 1 and 2, adopts at 3 -> reached 1 and 2, adopted at 2
    # y: exposed at 1, adopts at 1.5 -> reached 1, adopted at 1
    # z: exposed twice at 1, never adopts -> reached 2 only
    # w: exposed at 1, 2 and 4, adopts at 4 -> the exposure at 4 is not before; adopted at 2
    ex = exposures_frame(
        [
            ("c", "x", 1.0),
            ("c", "x", 2.0),
            ("c", "y", 1.0),
            ("c", "z", 1.0),
            ("c", "z", 1.0),
            ("c", "w", 1.0),
            ("c", "w", 2.0),
            ("c", "w", 4.0),
        ]
    )
    ad = adoptions_frame([("c", "x", 3.0), ("c", "y", 1.5), ("c", "w", 4.0), ("c", "s", 0.0)])
    curve = exposure_response(ex, ad, max_k=3)
    assert curve.select("k", "n_exposed", "n_adopted").rows() == [(1, 3, 1), (2, 3, 2), (3, 0, 0)]
    assert curve["p"].to_list()[:2] == pytest.approx([1 / 3, 2 / 3])
    assert curve.row(2, named=True)["p"] is None and curve.row(2, named=True)["ci_low"] is None
    low, high = binomtest(1, 3).proportion_ci(confidence_level=0.95, method="wilson")
    assert curve.row(0, named=True)["ci_low"] == pytest.approx(low, rel=1e-12)
    assert curve.row(0, named=True)["ci_high"] == pytest.approx(high, rel=1e-12)


def test_exposure_response_empty_and_guards():
    ad = adoptions_frame([("c", "s", 0.0)])
    empty = exposure_response(exposures_frame([]), ad)
    assert empty.height == 0 and empty.columns == [
        "k",
        "n_exposed",
        "n_adopted",
        "p",
        "ci_low",
        "ci_high",
    ]
    zeros = exposure_response(exposures_frame([]), ad, max_k=2)
    assert zeros.select("k", "n_exposed", "n_adopted", "p").rows() == [
        (1, 0, 0, None),
        (2, 0, 0, None),
    ]
    with pytest.raises(InvalidInputError, match="max_k must be >= 1"):
        exposure_response(exposures_frame([]), ad, max_k=0)


@pytest.mark.parametrize("confidence", [0.8, 0.95, 0.99])
def test_wilson_interval_matches_scipy(confidence):
    ks, ns = [], []
    for n in [1, 2, 5, 17, 100, 1000]:
        for k in sorted({0, 1, n // 3, n // 2, n - 1, n}):
            ks.append(k)
            ns.append(n)
    low, high = wilson_interval(np.array(ks), np.array(ns), confidence=confidence)
    for k, n, lo, hi in zip(ks, ns, low, high, strict=True):
        ref = binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
        assert (lo, hi) == pytest.approx((ref.low, ref.high), rel=1e-10, abs=1e-14)
    low0, high0 = wilson_interval(0, 0)
    assert math.isnan(float(low0)) and math.isnan(float(high0))
    with pytest.raises(InvalidInputError, match="confidence"):
        wilson_interval(1, 2, confidence=1.0)
