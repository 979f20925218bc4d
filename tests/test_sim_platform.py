"""The platform simulator: determinism, planted parameters, and valid events."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from netdyn.analytics.cascades import compute_cascades
from netdyn.core.errors import InvalidInputError
from netdyn.sim.platform import PlatformParams, simulate_platform


def frame(params: PlatformParams) -> pl.DataFrame:
    return simulate_platform(params).rows.to_frame()


def test_same_seed_gives_identical_events_and_other_seed_differs():
    p = PlatformParams(n_actors=300, n_posts=400, seed=11)
    a, b = frame(p), frame(p)
    assert a.equals(b)
    assert a.write_csv() == b.write_csv()
    c = frame(PlatformParams(n_actors=300, n_posts=400, seed=12))
    assert not a.equals(c)
    assert p.source_label == PlatformParams(n_actors=300, n_posts=400, seed=11).source_label
    assert p.source_label != PlatformParams(n_actors=300, n_posts=400, seed=12).source_label


@pytest.mark.parametrize("ratio", [0.5, 0.8])
def test_branching_ratio_and_mean_cascade_size_are_recovered(ratio):
    p = PlatformParams(n_actors=2000, n_posts=20_000, branching_ratio=ratio, seed=3)
    ev = frame(p)
    n_items = ev.height
    n_replies = ev.filter(pl.col("kind") != "post").height
    # every item draws Poisson(ratio) children: replies / items estimates the ratio
    # (standard error sqrt(ratio / n_items) < 0.006 here; tolerance 0.02)
    assert n_replies / n_items == pytest.approx(ratio, abs=0.02)
    mean_size = n_items / p.n_posts
    assert mean_size == pytest.approx(1 / (1 - ratio), rel=0.05)


def test_events_form_valid_trees_in_time_order():
    ev = frame(PlatformParams(n_actors=500, n_posts=1000, seed=5))
    assert ev["occurred_at"].is_sorted()
    times = dict(zip(ev["object_id"], ev["occurred_at"], strict=True))
    child = ev.filter(pl.col("parent_object_id").is_not_null())
    assert all(
        times[p] < t for p, t in zip(child["parent_object_id"], child["occurred_at"], strict=True)
    )
    cascades = compute_cascades(ev.with_row_index("event_seq").with_columns(source=pl.lit("s")))
    assert cascades.cascades.height == 1000
    assert cascades.n_orphan_nodes == 0 and cascades.n_cycle_nodes == 0
    assert int(cascades.cascades["size"].sum()) == ev.height
    # kinds follow MoltBook: comment at depth 1, reply below
    depth = ev["attributes"].str.json_path_match("$.depth").cast(pl.Int64)
    kinds = ev.with_columns(depth=depth)
    assert kinds.filter(pl.col("depth") == 1)["kind"].unique().to_list() == ["comment"]
    assert set(kinds.filter(pl.col("depth") > 1)["kind"].unique()) <= {"reply"}


def test_heavy_tailed_activity():
    ev = frame(PlatformParams(n_actors=2000, n_posts=5000, seed=9, activity_exponent=2.2))
    posts = ev.filter(pl.col("kind") == "post").group_by("actor_id").len()["len"].to_numpy()
    # top 1% of posters write far more than 1% of posts under a Pareto(2.2) activity
    top = np.sort(posts)[::-1][: max(1, len(posts) // 100)].sum() / posts.sum()
    assert top > 0.1


def test_preferential_attachment_concentrates_replies():
    ev = frame(PlatformParams(n_actors=1000, n_posts=8000, branching_ratio=0.8, seed=2))
    replies = ev.filter(pl.col("kind") != "post").group_by("actor_id").len()["len"].to_numpy()
    # Gini of reply counts well above a uniform choice (which gives about 0.1 here)
    x = np.sort(replies)
    n = x.size
    gini = (2 * np.arange(1, n + 1) - n - 1) @ x / (n * x.sum())
    assert gini > 0.4


def test_for_events_and_guards():
    p = PlatformParams.for_events(10_000, branching_ratio=0.9)
    assert p.n_posts == 1000
    with pytest.raises(InvalidInputError, match="branching_ratio < 1"):
        PlatformParams.for_events(100, branching_ratio=1.0)
    with pytest.raises(InvalidInputError, match="activity_exponent must be > 1"):
        PlatformParams(activity_exponent=0.8)
    with pytest.raises(InvalidInputError, match="time zone"):
        PlatformParams(start="2026-01-01T00:00:00")
