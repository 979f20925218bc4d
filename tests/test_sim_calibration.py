"""Calibration of the branching model: planted parameters recovered, censored caps, guards."""

from __future__ import annotations

import polars as pl
import pytest

from netdyn.core.errors import InvalidInputError
from netdyn.ingest.load import ingest_chunk
from netdyn.sim.branching import BranchingParams, iter_branching_chunks, simulate_branching
from netdyn.sim.calibration import calibrate
from netdyn.store.db import connect
from netdyn.store.eventlog import read_events


def frame(params: BranchingParams) -> pl.DataFrame:
    return simulate_branching(params).rows.to_frame()


def with_log_columns(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_row_index("event_seq", offset=1).with_columns(source=pl.lit("sim"))


# ----------------------------------------------------------------------- calibration

# Three parameter sets of about 80k-160k events. Standard errors of the estimators at these
# sizes (from the diagnostics, checked across seeds 0-5): branching ratio sd(n)/sqrt(n_items)
# ~ 0.003-0.005 (tolerance 0.03 = 6-10 SE); log-median delay sigma/sqrt(n_delays) ~ 0.5 %
# (tolerance 10 % = 20 SE); delay sigma sigma/sqrt(2 n) ~ 0.004 (tolerance 0.1 = 25 SE);
# activity exponent: per-community CSN fits combined, SE ~ 0.02-0.04, plus the xmin choice
# and the Poisson noise of counts near xmin (across seeds the estimates spread ±0.08;
# tolerance 0.25); attachment exponent SE ~ 0.003-0.02 (tolerance 0.1); community mixing
# within 0.03 (spread across seeds ±0.015) and community exponent within 0.1.
PLANTED = [
    dict(n_actors=5_000, n_roots=20_000, branching_ratio=0.8, seed=1),
    dict(
        n_actors=3_000,
        n_roots=40_000,
        branching_ratio=0.5,
        activity_exponent=2.6,
        attachment_exponent=0.0,
        median_delay_seconds=600.0,
        delay_sigma=1.0,
        n_communities=5,
        community_mixing=0.3,
        seed=2,
    ),
    dict(
        n_actors=10_000,
        n_roots=15_000,
        branching_ratio=0.9,
        offspring_dispersion=0.5,
        activity_exponent=2.4,
        attachment_exponent=1.0,
        median_delay_seconds=7_200.0,
        delay_sigma=2.0,
        n_communities=10,
        community_exponent=0.5,
        seed=3,
    ),
]


@pytest.mark.parametrize("planted", PLANTED, ids=["default-like", "neutral", "overdispersed"])
def test_calibration_recovers_planted_parameters(planted):
    truth = BranchingParams(**planted)
    events = frame(truth)
    fit = calibrate(events, seed=truth.seed)
    got = fit.params
    assert 50_000 < events.height < 200_000
    assert got.branching_ratio == pytest.approx(truth.branching_ratio, abs=0.03)
    assert got.median_delay_seconds == pytest.approx(truth.median_delay_seconds, rel=0.10)
    assert got.delay_sigma == pytest.approx(truth.delay_sigma, abs=0.1)
    assert got.activity_exponent == pytest.approx(truth.activity_exponent, abs=0.25)
    assert got.attachment_exponent == pytest.approx(truth.attachment_exponent, abs=0.1)
    assert got.community_mixing == pytest.approx(truth.community_mixing, abs=0.03)
    assert got.community_exponent == pytest.approx(truth.community_exponent, abs=0.1)
    if truth.offspring_dispersion is None:
        assert got.offspring_dispersion is None
    else:
        assert got.offspring_dispersion == pytest.approx(truth.offspring_dispersion, rel=0.15)
    # exact or nearly exact: counts and the arrival window
    assert got.n_roots == truth.n_roots
    assert got.n_communities == truth.n_communities
    assert got.duration_days == pytest.approx(truth.duration_days, rel=0.01)
    assert got.max_cascade_size == truth.max_cascade_size  # no thread near the cap
    # every estimate says how it was made, and the estimates' SEs are small
    assert set(fit.diagnostics) >= {"branching_ratio", "delay_sigma", "activity_exponent", "log"}
    assert all("method" in d for k, d in fit.diagnostics.items() if k != "log")
    assert fit.diagnostics["branching_ratio"]["se"] < 0.01
    assert fit.diagnostics["log"]["n_orphans"] == 0
    # a log of the same size: the calibrated model's expected items match within 5 %
    expected = got.n_roots / (1 - got.branching_ratio)
    assert expected == pytest.approx(events.height, rel=0.05)


def test_calibration_from_relative_times_matches_absolute():
    truth = BranchingParams(n_actors=1_000, n_roots=5_000, branching_ratio=0.6, seed=8)
    events = frame(truth)
    absolute = calibrate(events)
    root_time = events.filter(kind="post").select("object_id", root_t="occurred_at")
    relative = (
        events.join(root_time, left_on="root_object_id", right_on="object_id", how="left")
        .with_columns(
            seconds_since_root=(pl.col("occurred_at") - pl.col("root_t")).dt.total_microseconds()
            / 1e6,
            occurred_at=pl.lit(None, dtype=pl.Datetime("us", "UTC")),
        )
        .drop("root_t")
    )
    fit = calibrate(relative)
    assert fit.params.median_delay_seconds == pytest.approx(
        absolute.params.median_delay_seconds, rel=1e-9
    )
    assert fit.params.delay_sigma == pytest.approx(absolute.params.delay_sigma, rel=1e-9)
    assert fit.diagnostics["log"]["clock"] == "seconds_since_root"
    # no absolute times: the window keeps its defaults, and says so
    assert fit.params.duration_days == BranchingParams().duration_days
    assert fit.diagnostics["duration_days"]["method"].startswith("default kept")


def test_capped_threads_are_censored_not_counted_as_childless():
    # critical threads cut at 300 items: in a cut thread the last generations never drew
    # their replies, so (items with parent) / items is biased low; the censored MLE is not
    truth = BranchingParams(
        n_actors=500,
        n_roots=3_000,
        branching_ratio=1.0,
        attachment_exponent=0.0,
        max_cascade_size=300,
        seed=6,
    )
    events = frame(truth)
    fit = calibrate(events)
    naive = 1 - truth.n_roots / events.height
    assert fit.diagnostics["log"]["n_capped_threads"] > 50
    assert fit.params.max_cascade_size == 300
    assert naive < 0.98
    assert fit.params.branching_ratio == pytest.approx(1.0, abs=0.01)


def test_chunks_ingest_as_batches_and_calibrate_from_the_log(tmp_path):
    p = BranchingParams(n_actors=500, n_roots=2_000, branching_ratio=0.6, block_roots=1_000, seed=2)
    con = connect(tmp_path / "sim.duckdb")
    try:
        results = [
            ingest_chunk(con, chunk, source=p.source_label, reader="branching")
            for chunk in iter_branching_chunks(p)
        ]
        again = ingest_chunk(
            con, next(iter_branching_chunks(p)), source=p.source_label, reader="branching"
        )
        stored = read_events(con, sources=[p.source_label])
    finally:
        con.close()
    assert [r.status for r in results] == ["committed", "committed"]
    assert sum(r.n_quarantined for r in results) == 0
    assert again.status == "skipped"
    assert stored.height == sum(r.n_inserted for r in results) == frame(p).height
    fit = calibrate(stored)
    assert fit.params.n_roots == p.n_roots
    assert fit.params.branching_ratio == pytest.approx(0.6, abs=0.03)


# ----------------------------------------------------------------------- degenerate input


def test_no_replies_gives_ratio_zero_and_keeps_delay_defaults():
    ev = frame(BranchingParams(n_actors=50, n_roots=200, branching_ratio=0.0, seed=1))
    assert ev.height == 200 and set(ev["kind"]) == {"post"}
    fit = calibrate(ev)
    assert fit.params.branching_ratio == 0.0
    assert fit.params.offspring_dispersion is None
    assert fit.params.median_delay_seconds == BranchingParams().median_delay_seconds
    assert fit.diagnostics["median_delay_seconds"]["method"].startswith("default kept")


def test_calibration_guards():
    ev = frame(BranchingParams(n_actors=50, n_roots=100, seed=1))
    with pytest.raises(InvalidInputError, match="lack columns"):
        calibrate(ev.drop("parent_object_id"))
    two = pl.concat([with_log_columns(ev), with_log_columns(ev).with_columns(source=pl.lit("b"))])
    with pytest.raises(InvalidInputError, match="2 sources"):
        calibrate(two)
    with pytest.raises(InvalidInputError, match="no reply-tree item"):
        calibrate(ev.filter(pl.lit(False)))
    with pytest.raises(InvalidInputError, match="no complete tree"):
        calibrate(ev.filter(pl.col("kind") != "post"))
    with pytest.raises(InvalidInputError, match="max_cascade_size must be"):
        calibrate(ev, max_cascade_size=0)


def test_cap_is_not_detected_from_ties_of_small_threads():
    # 300 roots at ratio 0.1: the largest threads (here 6 of size 3) tie, but fewer share
    # the largest size than the size below it, so no cap is inferred and every item counts
    ev = frame(BranchingParams(n_actors=100, n_roots=300, branching_ratio=0.1, seed=4))
    sizes = ev.group_by("root_object_id").len()["len"]
    assert (sizes == sizes.max()).sum() >= 3  # the tie the naive rule would call a cap
    fit = calibrate(ev)
    assert fit.diagnostics["log"]["n_capped_threads"] == 0
    assert fit.params.branching_ratio == pytest.approx(1 - 300 / ev.height, abs=1e-12)
