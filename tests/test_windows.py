"""Time windows: membership against a brute-force count, and per-window metrics by hand."""

from __future__ import annotations

import doctest
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

import netdyn.analytics.windows as windows
from netdyn.analytics.interaction_graph import actor_metrics
from netdyn.analytics.windows import WindowSpec, assign_windows, window_bounds, windowed_statistics
from netdyn.core.errors import InvalidInputError

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def events(rows: list[tuple[float, str, str | None, str]]) -> pl.DataFrame:
    """(hours after T0, actor, target, kind) rows as canonical-looking events."""
    return pl.DataFrame(
        {
            "occurred_at": [T0 + timedelta(hours=h) for h, *_ in rows],
            "actor_id": [a for _, a, _, _ in rows],
            "target_actor_id": [t for _, _, t, _ in rows],
            "kind": [k for *_, k in rows],
            "attributes": [None] * len(rows),
        },
        schema={
            "occurred_at": pl.Datetime("us", "UTC"),
            "actor_id": pl.String,
            "target_actor_id": pl.String,
            "kind": pl.String,
            "attributes": pl.String,
        },
    )


def test_doctests():
    assert doctest.testmod(windows).failed == 0


@pytest.mark.parametrize(
    ("width", "step"), [("1d", None), ("6h", None), ("2d", "12h"), ("5h", "2h")]
)
def test_every_event_lands_in_exactly_the_windows_that_contain_it(width, step):
    spec = WindowSpec.parse(width, step)
    rng = np.random.default_rng(3)
    hours = np.sort(rng.uniform(0, 24 * 9, 400))
    ev = events([(float(h), f"a{i % 7}", f"a{(i + 1) % 7}", "reply") for i, h in enumerate(hours)])
    assigned = assign_windows(ev.with_row_index("i"), spec)
    bounds = window_bounds(ev["occurred_at"].min(), ev["occurred_at"].max(), spec)
    # brute force: every (event, window) pair with start <= t < end
    expected = set()
    for i, t in enumerate(ev["occurred_at"].to_list()):
        for wid, start, end in bounds.iter_rows():
            if start <= t < end:
                expected.add((i, wid))
    got = set(zip(assigned["i"].to_list(), assigned["window_id"].to_list(), strict=True))
    assert got == expected
    per_event = assigned.group_by("i").len()["len"]
    ratio = spec.width_seconds / spec.step_seconds
    assert set(per_event.to_list()) <= {int(np.floor(ratio)), int(np.ceil(ratio))}
    assert (
        assigned["window_end"] - assigned["window_start"]
    ).dt.total_seconds().unique().to_list() == [spec.width_seconds]


def test_daily_windows_start_at_utc_midnight():
    ev = events([(5.0, "a", "b", "reply"), (30.0, "b", "a", "reply")])
    assigned = assign_windows(ev, WindowSpec.parse("1d"))
    assert assigned["window_start"].to_list() == [T0, T0 + timedelta(days=1)]


def test_per_window_metrics_by_hand():
    ev = events(
        [
            # day 0: a -> b, b -> a (reciprocal), c -> a; d posts alone
            (1, "a", "b", "reply"),
            (2, "b", "a", "reply"),
            (3, "c", "a", "comment"),
            (4, "d", None, "post"),
            (5, "a", "b", "reply"),  # repeat: strength 2, one edge
            # day 1: e -> f only
            (25, "e", "f", "message"),
        ]
    )
    stats = windowed_statistics(ev, WindowSpec.parse("1d"))
    day0, day1 = stats.graphs.iter_rows(named=True)
    assert day0["window_start"] == T0 and day0["window_end"] == T0 + timedelta(days=1)
    assert (day0["n_events"], day0["n_actors"], day0["n_active_actors"]) == (5, 4, 4)
    assert day0["n_edges"] == 3
    assert day0["density"] == pytest.approx(3 / 12)
    assert day0["reciprocity"] == pytest.approx(2 / 3)
    assert day0["giant_component_share"] == pytest.approx(3 / 4)  # d is isolated
    assert day0["max_coreness"] == 1
    # friendship paradox on {a-b, a-c}: b and c (degree 1) see a (degree 2); a sees mean 1
    assert day0["paradox_share"] == pytest.approx(2 / 3)
    # activity a:2, b:1, c:1, d:1 -> top 10 % = the single largest = 2 of 5
    assert day0["activity_top10_share"] == pytest.approx(2 / 5)
    assert (day1["n_events"], day1["n_edges"], day1["reciprocity"]) == (1, 1, 0.0)
    a0 = stats.actors.filter((pl.col("window_start") == T0) & (pl.col("actor_id") == "a")).row(
        0, named=True
    )
    assert (a0["in_degree"], a0["out_degree"], a0["out_strength"], a0["n_events"]) == (2, 1, 2, 2)
    # f was only addressed on day 1: present with no events
    f1 = stats.actors.filter(pl.col("actor_id") == "f").row(0, named=True)
    assert f1["n_events"] == 0 and f1["in_degree"] == 1
    assert stats.n_untimed_events == 0


def test_one_window_over_everything_equals_the_whole_log():
    rng = np.random.default_rng(5)
    rows = [
        (float(h), f"a{rng.integers(30)}", f"a{rng.integers(30)}", "reply")
        for h in rng.uniform(0, 20, 500)
    ]
    ev = events(rows)
    stats = windowed_statistics(ev, WindowSpec.parse("30d"))
    assert stats.graphs.height == 1
    whole = actor_metrics(ev)
    assert stats.actors.drop("window_start", "window_end").equals(whole)


def test_cascades_started_per_window_and_untimed_events_counted():
    ev = pl.concat(
        [
            events([(1, "a", "b", "reply"), (26, "b", "a", "reply")]),
            events([(0, "x", "y", "reply")]).with_columns(
                occurred_at=pl.lit(None, dtype=pl.Datetime("us", "UTC"))
            ),
        ]
    )
    cascades = pl.DataFrame(
        {
            "started_at": [
                T0 + timedelta(hours=2),
                T0 + timedelta(hours=3),
                T0 + timedelta(hours=30),
            ],
            "size": [5, 9, 2],
        }
    )
    stats = windowed_statistics(ev, WindowSpec.parse("1d"), cascades=cascades)
    assert stats.graphs["n_cascades_started"].to_list() == [2, 1]
    assert stats.graphs["largest_cascade_size"].to_list() == [9, 2]
    assert stats.n_untimed_events == 1


def test_no_timed_events_gives_empty_tables():
    ev = events([(1, "a", "b", "reply")]).with_columns(
        occurred_at=pl.lit(None, dtype=pl.Datetime("us", "UTC"))
    )
    stats = windowed_statistics(ev, WindowSpec.parse("1d"))
    assert stats.graphs.height == 0 and stats.actors.height == 0
    assert stats.n_untimed_events == 1


@pytest.mark.parametrize(
    ("width", "step", "message"),
    [
        ("0d", None, "positive"),
        ("1 fortnight", None, "duration like"),
        ("1h", "2h", "must not exceed"),
        ("10000h", "1s", "too many"),
    ],
)
def test_bad_specs_say_how_to_fix_them(width, step, message):
    with pytest.raises(InvalidInputError, match=message):
        WindowSpec.parse(width, step)
