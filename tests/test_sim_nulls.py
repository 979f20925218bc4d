"""Null-model replays keep exactly what they claim and randomise the rest."""

from __future__ import annotations

import doctest
from collections import Counter
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

import netdyn.sim.nulls as nulls
from netdyn.core.errors import InvalidInputError
from netdyn.sim.nulls import (
    inter_event_shuffle,
    link_shuffle,
    null_source_label,
    replay_null,
    timeline_shuffle,
    timestamp_shuffle,
)
from netdyn.store.canonical import EVENT_SCHEMA

T0 = datetime(2026, 2, 1, tzinfo=UTC)


def log(seed: int = 0, n: int = 2000, n_actors: int = 60) -> pl.DataFrame:
    """Messages between heavy-tailed actors at bursty times, plus posts with parent links."""
    rng = np.random.default_rng(seed)
    weights = rng.pareto(1.5, n_actors) + 1
    p = weights / weights.sum()
    actors = rng.choice(n_actors, n, p=p)
    targets = rng.choice(n_actors, n, p=p)
    keep = actors != targets
    actors, targets = actors[keep], targets[keep]
    m = actors.size
    seconds = np.cumsum(rng.exponential(60.0, m) * rng.choice([0.1, 10.0], m))
    rows = {
        "source_event_id": [f"m{i}" for i in range(m)],
        "kind": ["message" if i % 3 else "reply" for i in range(m)],
        "occurred_at": [T0 + timedelta(seconds=float(s)) for s in seconds],
        "seconds_since_root": [None] * m,
        "actor_id": [f"a{a}" for a in actors],
        "target_actor_id": [f"a{t}" for t in targets],
        "object_id": [f"o{i}" if i % 3 == 0 else None for i in range(m)],
        "parent_object_id": [f"o{i - 3}" if i % 3 == 0 and i else None for i in range(m)],
        "root_object_id": ["o0" if i % 3 == 0 else None for i in range(m)],
        "community": ["c"] * m,
        "text": [None] * m,
        "attributes": [None] * m,
    }
    posts = {
        "source_event_id": ["p0", "p1"],
        "kind": ["post", "post"],
        "occurred_at": [T0, None],
        "seconds_since_root": [None, 0.0],
        "actor_id": ["a1", "a2"],
        "target_actor_id": [None, None],
        "object_id": ["q0", "q1"],
        "parent_object_id": [None, None],
        "root_object_id": ["q0", "q1"],
        "community": ["c", "c"],
        "text": ["hello", None],
        "attributes": [None, None],
    }
    return pl.concat(
        [pl.DataFrame(rows, schema=EVENT_SCHEMA), pl.DataFrame(posts, schema=EVENT_SCHEMA)]
    )


def degrees(frame: pl.DataFrame) -> tuple[Counter, Counter]:
    links = frame.filter(pl.col("target_actor_id").is_not_null())
    return Counter(links["actor_id"].to_list()), Counter(links["target_actor_id"].to_list())


def timelines(frame: pl.DataFrame) -> dict[tuple[str, str], list]:
    out: dict[tuple[str, str], list] = {}
    links = frame.filter(pl.col("target_actor_id").is_not_null()).sort("occurred_at")
    for a, t, when in links.select("actor_id", "target_actor_id", "occurred_at").iter_rows():
        out.setdefault((a, t), []).append(when)
    return out


def test_doctests():
    assert doctest.testmod(nulls).failed == 0


@pytest.mark.parametrize("model", sorted(nulls.NULL_MODELS))
def test_same_seed_same_events_and_schema(model):
    ev = log()
    a, b = replay_null(ev, model, seed=4), replay_null(ev, model, seed=4)
    assert a.events.equals(b.events)
    assert a.events.schema == pl.Schema(EVENT_SCHEMA)
    assert a.events["source_event_id"].to_list() == ev["source_event_id"].to_list()
    assert not replay_null(ev, model, seed=5).events.equals(a.events)
    # events outside the model's scope are copied unchanged
    posts = ev.filter(pl.col("kind") == "post")
    if model != "timestamp_shuffle":
        assert a.events.filter(pl.col("kind") == "post").equals(posts)


def test_timestamp_shuffle_keeps_the_time_multiset_and_who_with_whom():
    ev = log(1)
    out = timestamp_shuffle(ev, seed=2).events
    assert sorted(out["occurred_at"].drop_nulls().to_list()) == sorted(
        ev["occurred_at"].drop_nulls().to_list()
    )
    assert out["seconds_since_root"].null_count() == ev["seconds_since_root"].null_count()
    for column in ("actor_id", "target_actor_id", "parent_object_id", "kind"):
        assert out[column].equals(ev[column])
    assert not out["occurred_at"].equals(ev["occurred_at"])


def test_link_shuffle_keeps_both_degree_sequences_and_times():
    ev = log(2)
    result = link_shuffle(ev, seed=3)
    out = result.events
    assert degrees(out) == degrees(ev)
    assert out["occurred_at"].equals(ev["occurred_at"])
    links = out.filter(pl.col("target_actor_id").is_not_null())
    assert (links["actor_id"] == links["target_actor_id"]).sum() == 0  # no new self-loops
    assert links["parent_object_id"].null_count() == links.height
    # who-with-whom is randomised: most events get another target
    changed = (out["target_actor_id"] != ev["target_actor_id"]).sum()
    assert changed > 0.8 * links.height
    assert result.n_kept == 2  # the two posts


def test_timeline_shuffle_keeps_the_static_graph_and_the_timelines():
    ev = log(3)
    out = timeline_shuffle(ev, seed=1).events
    before, after = timelines(ev), timelines(out)
    assert {k: len(v) for k, v in before.items()} == {k: len(v) for k, v in after.items()}
    assert sorted(map(tuple, before.values())) == sorted(map(tuple, after.values()))
    moved = sum(before[k] != after[k] for k in before)
    assert moved > 0.3 * len(before)


def test_inter_event_shuffle_keeps_first_last_and_gap_multiset_per_link():
    ev = log(4)
    out = inter_event_shuffle(ev, seed=6).events
    before, after = timelines(ev), timelines(out)
    assert before.keys() == after.keys()
    reordered = 0
    for key, times in before.items():
        new = after[key]
        assert new[0] == times[0] and new[-1] == times[-1] and len(new) == len(times)
        gaps = sorted(b - a for a, b in zip(times, times[1:], strict=False))
        new_gaps = sorted(b - a for a, b in zip(new, new[1:], strict=False))
        assert gaps == new_gaps
        reordered += new != times
    assert reordered > 0


def test_labels_and_guards():
    assert null_source_label("twitter15-16", "link_shuffle", 1).startswith("null:link_shuffle:")
    assert null_source_label("a", "link_shuffle", 1) != null_source_label("a", "link_shuffle", 2)
    with pytest.raises(InvalidInputError, match="unknown null model"):
        replay_null(log(), "shuffle_everything", seed=0)
    with pytest.raises(InvalidInputError, match="lack columns"):
        timestamp_shuffle(pl.DataFrame({"kind": ["post"]}), seed=0)
