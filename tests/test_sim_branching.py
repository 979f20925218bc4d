"""The branching platform model: determinism, planted parameters recovered by calibration,
the Galton–Watson critical tail, and events every analysis accepts."""

from __future__ import annotations

import hashlib
import io
import math

import duckdb
import numpy as np
import polars as pl
import pytest

from analytics.cascades import compute_cascades
from analytics.power_law import fit_power_law
from ingest.load import ingest_chunk
from ingest.validate import validation_sql
from netdyn.db import connect
from netdyn.errors import InvalidInputError
from netdyn.eventlog import read_events
from sim.branching import (
    BranchingParams,
    calibrate,
    iter_branching_chunks,
    simulate_branching,
)


def frame(params: BranchingParams) -> pl.DataFrame:
    return simulate_branching(params).rows.to_frame()


def ipc_sha256(df: pl.DataFrame) -> str:
    buffer = io.BytesIO()
    df.write_ipc(buffer)
    return hashlib.sha256(buffer.getvalue()).hexdigest()


def with_log_columns(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_row_index("event_seq", offset=1).with_columns(source=pl.lit("sim"))


# ----------------------------------------------------------------------- determinism


def test_same_seed_gives_byte_identical_events_and_other_seed_differs():
    p = BranchingParams(n_actors=400, n_roots=2_000, offspring_dispersion=1.0, seed=11)
    a, b = (
        frame(p),
        frame(BranchingParams(n_actors=400, n_roots=2_000, offspring_dispersion=1.0, seed=11)),
    )
    assert ipc_sha256(a) == ipc_sha256(b)
    assert (
        hashlib.sha256(a.write_csv().encode()).digest()
        == hashlib.sha256(b.write_csv().encode()).digest()
    )
    c = frame(BranchingParams(n_actors=400, n_roots=2_000, offspring_dispersion=1.0, seed=12))
    assert ipc_sha256(a) != ipc_sha256(c)
    assert p.source_label.startswith("sim:branching:") and len(p.source_label) == 24
    assert p.source_label != BranchingParams(n_actors=400, n_roots=2_000, seed=12).source_label
    # numerically equal parameters have one label (ints are normalised to floats)
    assert BranchingParams(duration_days=30).source_label == BranchingParams().source_label


def test_chunks_hold_exactly_the_events_of_one_run():
    p = BranchingParams(n_actors=300, n_roots=1_000, branching_ratio=0.7, block_roots=300, seed=4)
    whole = frame(p)
    chunks = list(iter_branching_chunks(p, blocks_per_chunk=2))
    assert len(chunks) == 2  # blocks of 300 roots: 4 blocks, 2 per chunk
    parts = [c.rows.to_frame() for c in chunks]
    assert all(part["occurred_at"].is_sorted() for part in parts)
    assert len({c.content_hash for c in chunks}) == 2 and len({c.uri for c in chunks}) == 2
    assert pl.concat(parts).sort("object_id").equals(whole.sort("object_id"))
    # roots 0-599 in the first chunk, 600-999 in the second
    assert parts[0].filter(kind="post").height == 600


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


# ----------------------------------------------------------------------- branching theory


def test_critical_branching_has_the_otter_tail():
    # Poisson(1) offspring: total progeny is Borel(1), P(S = s) = e^-s s^(s-1) / s!
    # ~ s^(-3/2) / sqrt(2 pi) (Otter 1949; Harris 1963). Threads at the cap are left out of
    # the fit by xmax.
    cap = 2_000
    p = BranchingParams(
        n_actors=2_000,
        n_roots=5_000,
        branching_ratio=1.0,
        attachment_exponent=0.0,
        max_cascade_size=cap,
        seed=7,
    )
    sizes = frame(p).group_by("root_object_id").len()["len"].to_numpy()
    fit = fit_power_law(sizes, discrete=True, xmax=cap - 1)
    assert fit.status == "ok" and fit.n_tail > 1_000
    assert abs(fit.alpha - 1.5) < 0.1
    assert abs(fit.alpha - 1.5) < 4 * fit.sigma + 0.02
    # the head of the Borel law, each within 4 binomial standard errors
    for s in (1, 2, 3):
        exact = math.exp(-s) * s ** (s - 1) / math.factorial(s)
        se = math.sqrt(exact * (1 - exact) / sizes.size)
        assert abs(np.mean(sizes == s) - exact) < 4 * se


@pytest.mark.parametrize(("ratio", "dispersion"), [(0.5, None), (0.75, 2.0)])
def test_subcritical_mean_thread_size(ratio, dispersion):
    p = BranchingParams(
        n_actors=1_000,
        n_roots=20_000,
        branching_ratio=ratio,
        offspring_dispersion=dispersion,
        seed=5,
    )
    events = frame(p)
    # mean size 1 / (1 - ratio); standard error of the mean size below 1 % here
    assert events.height / p.n_roots == pytest.approx(1 / (1 - ratio), rel=0.04)


def test_preferential_attachment_concentrates_replies_on_active_authors():
    def top_share(gamma: float) -> float:
        p = BranchingParams(n_actors=2_000, n_roots=10_000, attachment_exponent=gamma, seed=9)
        ev = frame(p)
        received = ev.filter(pl.col("target_actor_id").is_not_null())["target_actor_id"]
        counts = np.sort(received.value_counts()["count"].to_numpy())[::-1]
        return float(counts[: len(counts) // 100].sum() / counts.sum())

    neutral, linear = top_share(0.0), top_share(1.0)
    # replies received grow as a^(1 + gamma): the top 1 % of targets take far more at gamma 1
    assert linear > neutral + 0.2


# ----------------------------------------------------------------------- valid events


def test_events_validate_and_rebuild_into_the_planted_trees():
    p = BranchingParams(
        n_actors=500, n_roots=3_000, branching_ratio=0.9, max_cascade_size=200, seed=5
    )
    ev = frame(p)
    assert ev["occurred_at"].is_sorted()
    reason, _ = validation_sql()
    with duckdb.connect() as con:
        con.register("rows", ev.to_arrow())
        bad = con.execute(f"select count(*) from rows where ({reason}) is not null").fetchone()
    assert bad == (0,)
    result = compute_cascades(with_log_columns(ev))
    assert result.n_orphan_nodes == 0 and result.n_cycle_nodes == 0
    assert result.cascades.height == p.n_roots
    planted = ev.group_by(cascade_id="root_object_id").agg(planted=pl.len())
    sizes = result.cascades.join(planted, on="cascade_id")
    assert sizes.height == p.n_roots and (sizes["size"] == sizes["planted"]).all()
    assert int(sizes["size"].max()) <= 200
    # depth in attributes = depth rebuilt from parent links; kinds follow depth
    depth = ev.select(
        "object_id", "kind", d=pl.col("attributes").str.json_path_match("$.depth").cast(pl.Int32)
    ).join(result.nodes.select("object_id", "depth"), on="object_id")
    assert (depth["d"] == depth["depth"]).all()
    expected_kind = pl.when(pl.col("d") == 0).then(pl.lit("post"))
    expected_kind = expected_kind.when(pl.col("d") == 1).then(pl.lit("comment"))
    assert depth.select((pl.col("kind") == expected_kind.otherwise(pl.lit("reply"))).all()).item()
    # the target is the parent's author, and a reply comes after its parent
    parents = ev.select(
        parent_object_id="object_id", parent_actor="actor_id", parent_at="occurred_at"
    )
    children = ev.filter(pl.col("parent_object_id").is_not_null()).join(
        parents, on="parent_object_id"
    )
    assert children.height == ev.height - p.n_roots
    assert (children["target_actor_id"] == children["parent_actor"]).all()
    assert (children["occurred_at"] >= children["parent_at"]).all()
    # a thread lives in one community
    assert ev.group_by("root_object_id").agg(pl.col("community").n_unique())["community"].max() == 1


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


def test_guards():
    with pytest.raises(InvalidInputError, match="activity_exponent must be > 1"):
        BranchingParams(activity_exponent=0.8)
    with pytest.raises(InvalidInputError, match="offspring_dispersion must be None"):
        BranchingParams(offspring_dispersion=0.0)
    with pytest.raises(InvalidInputError, match="community_mixing must be within"):
        BranchingParams(community_mixing=1.5)
    with pytest.raises(InvalidInputError, match="n_roots must be an integer"):
        BranchingParams(n_roots=10.5)
    with pytest.raises(InvalidInputError, match="time zone"):
        BranchingParams(start="2026-01-01T00:00:00")
    with pytest.raises(InvalidInputError, match="branching_ratio < 1"):
        BranchingParams.for_events(100, branching_ratio=1.0)
    assert BranchingParams.for_events(10_000, branching_ratio=0.9).n_roots == 1_000
    with pytest.raises(InvalidInputError, match="blocks_per_chunk must be >= 1"):
        next(iter_branching_chunks(BranchingParams(n_roots=10), blocks_per_chunk=0))
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
