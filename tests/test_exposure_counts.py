"""The streamed exposure analysis against the per-exposure reference path.

``exposure_analysis`` must give the curve of ``exposure_response`` and the fit of
``cox_exposure`` on ``count_exposures`` to 1e-6, whatever the chunking, on seeded random
inputs with ties, censoring, static graphs, per-contagion observation ends, one or many
contagions and every degenerate status; and its aggregated tables must be the dense tables
of the reference engine.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import polars as pl
import pytest
from builders import adoptions_frame, edges_frame

from netdyn.analytics import cox_tables
from netdyn.analytics.cox_exposure import _counting_process, _cox_data, cox_exposure
from netdyn.analytics.exposure import count_exposures, exposure_response
from netdyn.analytics.exposure_counts import exposure_analysis
from netdyn.core.errors import InvalidInputError
from netdyn.sim.contagion import simulate_exposure_hazard

FLOAT_FIELDS = (
    "hazard_ratio",
    "ci_low",
    "ci_high",
    "coef",
    "se",
    "se_naive",
    "p_value",
    "concordance",
    "ph_statistic",
    "ph_p_value",
)
EXACT_FIELDS = (
    "status",
    "n_subjects",
    "n_events",
    "n_contagions",
    "n_intervals",
    "ph_violated",
    "ph_time_transform",
    "time_origin",
    "confidence",
)


def assert_same(adoptions, edges, *, chunk_size=1_000_000, max_k=None, **cox_options):
    """New path == reference path: curve exactly (p and CI to 1e-12), the fit to 1e-6."""
    exposures = count_exposures(adoptions, edges)
    reference_curve = exposure_response(exposures, adoptions, max_k=max_k)
    reference = cox_exposure(exposures, adoptions, **cox_options)
    curve, cox, counts = exposure_analysis(
        adoptions, edges, max_k=max_k, chunk_size=chunk_size, **cox_options
    )
    assert counts.n_exposures == exposures.height
    assert (
        counts.n_exposures_before_adoption == exposures.filter(~pl.col("is_after_adoption")).height
    )
    assert curve.columns == reference_curve.columns
    assert (
        curve.select("k", "n_exposed", "n_adopted").rows()
        == reference_curve.select("k", "n_exposed", "n_adopted").rows()
    )
    for column in ("p", "ci_low", "ci_high"):
        got, want = curve[column].to_list(), reference_curve[column].to_list()
        assert [g is None for g in got] == [w is None for w in want], column
        assert [g for g in got if g is not None] == pytest.approx(
            [w for w in want if w is not None], rel=1e-12
        )
    for name in EXACT_FIELDS:
        assert getattr(cox, name) == getattr(reference, name), name
    for name in FLOAT_FIELDS:
        want, got = getattr(reference, name), getattr(cox, name)
        if math.isnan(want):
            assert math.isnan(got), name
        else:
            assert got == pytest.approx(want, rel=1e-6, abs=1e-9), name
    return reference


def random_inputs(seed: int, *, n_contagions: int, null_formed: float = 0.2):
    """Small integer-time inputs: many ties, repeated adoptions and edges, self-loops."""
    rng = np.random.default_rng(seed)
    actors = [f"a{i}" for i in range(int(rng.integers(4, 30)))]
    adoptions = [
        (
            f"c{int(rng.integers(0, n_contagions))}",
            actors[int(rng.integers(len(actors)))],
            float(rng.integers(0, 8)),
        )
        for _ in range(int(rng.integers(2, 90)))
    ]
    edges = [
        (
            actors[int(rng.integers(len(actors)))],
            actors[int(rng.integers(len(actors)))],
            None if rng.random() < null_formed else float(rng.integers(0, 8)),
        )
        for _ in range(int(rng.integers(1, 160)))
    ]
    return adoptions_frame(adoptions), edges_frame(edges), rng


@pytest.mark.parametrize("seed", range(40))
def test_matches_reference_on_random_inputs(seed):
    ad, ed, rng = random_inputs(seed, n_contagions=1 + seed % 5)
    options = {}
    if seed % 4 == 1:
        options["until"] = float(rng.integers(2, 10))  # censors some adopters
    elif seed % 4 == 2:
        ids = sorted(set(ad["contagion_id"]))
        kept = ids[: max(1, len(ids) - 1)]  # a contagion missing from until is left out
        options["until"] = pl.DataFrame(
            {"contagion_id": kept, "until": rng.integers(2, 10, len(kept)).astype(float)}
        )
    if seed % 3 == 0:
        options["time_origin"] = "contagion_start"
    options["ph_time_transform"] = ("rank", "identity", "log")[seed % 3]
    if seed % 7 == 3:
        options["max_exposures"] = 2
    for chunk_size in (1, 13, 1_000_000):
        assert_same(ad, ed, chunk_size=chunk_size, max_k=(None, 3)[seed % 2], **options)


@pytest.mark.parametrize("seed", range(6))
def test_matches_reference_on_a_static_graph(seed):
    ad, ed, _ = random_inputs(50 + seed, n_contagions=3, null_formed=1.0)
    assert_same(ad, ed, chunk_size=5)
    assert_same(ad, ed.drop("formed_at"), chunk_size=5)


def test_every_status_and_single_contagion_match_reference():
    seen = set()
    for seed in range(120):
        ad, ed, rng = random_inputs(200 + seed, n_contagions=1 + seed % 3)
        until = float(rng.integers(1, 9)) if seed % 2 else None
        seen.add(assert_same(ad, ed, chunk_size=7, until=until).status)
    assert seen >= {
        "ok",
        "single_contagion",
        "no_events",
        "no_exposed_actors",
        "no_covariate_variation",
        "not_converged",
    }


@pytest.mark.parametrize("seed", [0, 1])
def test_matches_reference_on_simulated_contagions(seed):
    """Continuous times, a growing graph, thousands of subjects, many chunks."""
    edges = pl.DataFrame(
        {
            "exposer_id": [f"a{i}" for i in np.random.default_rng(seed).integers(0, 400, 2000)],
            "exposed_id": [f"a{i}" for i in np.random.default_rng(seed + 9).integers(0, 400, 2000)],
            "formed_at": np.random.default_rng(seed + 5).uniform(0.0, 4.0, 2000),
        }
    )
    run = simulate_exposure_hazard(
        edges,
        n_contagions=8,
        n_seeds=4,
        baseline_hazard=0.3,
        hazard_ratio=0.6,
        horizon=10.0,
        seed=seed,
    )
    reference = assert_same(run.adoptions, run.edges, chunk_size=3000, until=10.0)
    assert reference.status == "ok" and reference.n_events > 500
    assert_same(
        run.adoptions,
        run.edges,
        chunk_size=3000,
        until=10.0,
        time_origin="contagion_start",
        max_k=10,
    )


def test_datetime_inputs_are_epoch_seconds():
    t = datetime(2026, 1, 1, tzinfo=UTC)
    ad, ed, _ = random_inputs(7, n_contagions=3)
    as_dt = ad.with_columns(
        adopted_at=pl.lit(t) + pl.duration(seconds=pl.col("adopted_at").cast(pl.Int64))
    )
    until = datetime.fromtimestamp(t.timestamp() + 6.0, tz=UTC)
    shifted = ed.with_columns(pl.col("formed_at") + t.timestamp())
    got = exposure_analysis(as_dt, shifted, until=until).cox
    want = exposure_analysis(ad, ed, until=6.0).cox
    assert got.status == want.status and got.n_intervals == want.n_intervals
    assert got.coef == pytest.approx(want.coef, rel=1e-9, nan_ok=True)
    assert_same(as_dt, shifted, until=until, chunk_size=4)


def test_hand_worked_example():
    # x: exposed by a at 0 and b at 1, adopts at 3 -> k = 1 then 2, adopted at 2
    # y: exposed by a at 0, never adopts -> censored at the last adoption (3)
    ad = adoptions_frame([("c", "a", 0.0), ("c", "b", 1.0), ("c", "x", 3.0)])
    ed = edges_frame([("a", "x", None), ("b", "x", None), ("a", "y", None)])
    curve, cox, counts = exposure_analysis(ad, ed)
    assert curve.select("k", "n_exposed", "n_adopted").rows() == [(1, 2, 0), (2, 1, 1)]
    assert (cox.n_subjects, cox.n_events, cox.n_intervals, cox.n_contagions) == (2, 1, 3, 1)
    assert counts.n_exposures == 3 and counts.n_exposures_before_adoption == 3
    # rows: x (0,1] k=1, x (1,3] k=2 event; y (0,3] k=1 -> at the one event time (t = 3)
    # x holds 2 and y holds 1: L(b) = e^{2b} / (e^{2b} + e^{b}) increases without bound
    assert cox.status == "not_converged"


def test_chunking_and_progress():
    ad, ed, _ = random_inputs(3, n_contagions=4)
    calls = []
    one = exposure_analysis(ad, ed, chunk_size=10**9, progress=lambda d, t: calls.append((d, t)))
    assert one.counts.n_chunks == 1 and calls[0] == (0, 3) and calls[-1] == (3, 3)
    calls.clear()
    many = exposure_analysis(ad, ed, chunk_size=1, progress=lambda d, t: calls.append((d, t)))
    assert many.counts.n_chunks == 4  # one per contagion: never split
    assert calls[-1] == (12, 12) and [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert many.curve.equals(one.curve)
    assert many.cox.coef == pytest.approx(one.cox.coef, rel=1e-12, nan_ok=True)


def test_tables_rebuild_the_dense_reference_tables(monkeypatch):
    """Blocks of the sparse change table are the reference engine's dense tables."""
    monkeypatch.setattr(cox_tables, "BLOCK_CELLS", 7)  # many blocks of one or two times
    ad, ed, _ = random_inputs(11, n_contagions=3)
    rows = _counting_process(count_exposures(ad, ed), ad, 6.0, "first_exposure")
    start, stop = rows["start"].to_numpy(), rows["stop"].to_numpy()
    event, x = rows["event"].to_numpy(), rows["x"].to_numpy()
    dense = _cox_data(start, stop, event, x)
    builder = cox_tables.RiskTableBuilder(dense.values, dense.times)
    half = x.size // 2
    builder.add(x[:half], start[:half], stop[:half], event[:half])
    builder.add(x[half:], start[half:], stop[half:], event[half:])
    tables = builder.finish()
    at_risk = np.zeros_like(dense.n_at_risk)
    dead = np.zeros_like(dense.n_deaths)
    for j0, j1, block_risk, block_dead in cox_tables._blocks(tables):
        at_risk[:, j0:j1], dead[:, j0:j1] = block_risk, block_dead
    assert np.array_equal(at_risk, dense.n_at_risk) and np.array_equal(dead, dense.n_deaths)
    assert np.array_equal(tables.deaths, dense.deaths)
    assert tables.x_events == pytest.approx(float(x[event].sum()), rel=1e-15)
    assert_same(ad, ed, until=6.0, chunk_size=3)


def test_guards():
    ad = adoptions_frame([("c", "a", 0.0)])
    ed = edges_frame([])
    with pytest.raises(InvalidInputError, match="chunk_size"):
        exposure_analysis(ad, ed, chunk_size=0)
    with pytest.raises(InvalidInputError, match="max_k must be >= 1"):
        exposure_analysis(ad, ed, max_k=0)
    with pytest.raises(InvalidInputError, match="time_origin"):
        exposure_analysis(ad, ed, time_origin="calendar")
    with pytest.raises(InvalidInputError, match="until must be finite"):
        exposure_analysis(ad, ed, until=math.inf)
    with pytest.raises(InvalidInputError, match="repeated contagion_id"):
        exposure_analysis(
            ad, ed, until=pl.DataFrame({"contagion_id": ["c", "c"], "until": [1.0, 2.0]})
        )
    with pytest.raises(InvalidInputError, match="lacks columns"):
        exposure_analysis(ad.drop("adopted_at"), ed)
    empty = exposure_analysis(ad, ed)
    assert empty.curve.height == 0 and empty.cox.status == "no_exposed_actors"
    assert empty.counts.n_exposures == 0


@pytest.mark.parametrize("dense_keys", [0, 1 << 23])
def test_sparse_and_dense_change_tables_agree(monkeypatch, dense_keys):
    """Above DENSE_KEYS cells the change table is merged by sorting, and blocks are small."""
    monkeypatch.setattr(cox_tables, "DENSE_KEYS", dense_keys)
    monkeypatch.setattr(cox_tables, "BLOCK_CELLS", 50)
    for seed in (21, 22, 23):
        ad, ed, rng = random_inputs(seed, n_contagions=4)
        assert_same(ad, ed, chunk_size=3, until=float(rng.integers(3, 9)))
        assert_same(ad, ed, chunk_size=3, time_origin="contagion_start")
