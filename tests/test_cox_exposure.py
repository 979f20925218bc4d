"""The Cox model of adoption against the number of exposures.

lifelines where lifelines is right, hand-made counting-process rows, degenerate inputs, and
planted hazard ratios recovered from simulations.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import polars as pl
import pytest
from builders import adoptions_frame, edges_frame, exposures_frame
from lifelines import CoxPHFitter, CoxTimeVaryingFitter
from lifelines.statistics import proportional_hazard_test

from netdyn.analytics.cox_exposure import (
    _counting_process,
    _cox_data,
    _efron_terms,
    _fit_counting_process,
    _score_residuals,
    cox_exposure,
)
from netdyn.analytics.exposure import (
    count_exposures,
)
from netdyn.analytics.exposure_counts import exposure_analysis
from netdyn.core.errors import InvalidInputError
from netdyn.sim.contagion import simulate_exposure_hazard

# ---------------------------------------------------------------------------------------------
# the Cox engine against lifelines, where lifelines is right


def right_censored(seed: int, *, n: int = 300, beta: float = 0.5, n_clusters: int = 15):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 4, n).astype(float)
    t = rng.exponential(1.0 / np.exp(beta * x))
    c = rng.exponential(1.5, n)
    return pd.DataFrame(
        {
            "stop": np.minimum(t, c),
            "event": (t < c).astype(int),
            "x": x,
            "cluster": np.arange(n) % n_clusters,
        }
    )


def as_rows(df: pd.DataFrame, start=None) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "contagion_id": df["cluster"].astype(str).to_numpy(),
            "actor_id": np.arange(len(df)).astype(str),
            "start": np.zeros(len(df)) if start is None else start,
            "stop": df["stop"].to_numpy(),
            "event": df["event"].to_numpy().astype(bool),
            "x": df["x"].to_numpy(),
        }
    )


def fit(rows: pl.DataFrame, transform: str = "rank"):
    return _fit_counting_process(
        rows, time_origin="first_exposure", confidence=0.95, ph_time_transform=transform
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_cox_matches_lifelines_on_right_censored_data(seed):
    df = right_censored(seed)
    robust = CoxPHFitter().fit(df, "stop", "event", cluster_col="cluster")
    naive = CoxPHFitter().fit(df.drop(columns="cluster"), "stop", "event")
    ours = fit(as_rows(df))
    assert ours.status == "ok"
    assert ours.coef == pytest.approx(robust.params_["x"], rel=1e-5)
    assert ours.se == pytest.approx(robust.standard_errors_["x"], rel=1e-5)
    assert ours.se_naive == pytest.approx(naive.standard_errors_["x"], rel=1e-5)
    assert ours.concordance == pytest.approx(naive.concordance_index_, rel=1e-9)
    for transform in ("rank", "identity", "log"):
        ph = proportional_hazard_test(naive, df.drop(columns="cluster"), time_transform=transform)
        mine = fit(as_rows(df), transform)
        assert mine.ph_statistic == pytest.approx(float(np.asarray(ph.test_statistic)[0]), rel=1e-4)
        assert mine.ph_p_value == pytest.approx(float(np.asarray(ph.p_value)[0]), rel=1e-4)


def test_cox_efron_ties_and_late_entry_match_coxtimevaryingfitter():
    rng = np.random.default_rng(5)
    n = 250
    start = rng.integers(0, 3, n).astype(float)
    stop = start + rng.integers(1, 5, n)  # integer times: many ties
    x = rng.integers(0, 3, n).astype(float)
    event = rng.random(n) < 0.3 + 0.2 * x
    df = pd.DataFrame(
        {"start": start, "stop": stop, "event": event.astype(int), "x": x, "id": np.arange(n)}
    )
    ctv = CoxTimeVaryingFitter().fit(
        df, id_col="id", event_col="event", start_col="start", stop_col="stop"
    )
    rows = pl.DataFrame(
        {
            "contagion_id": (np.arange(n) % 10).astype(str),
            "actor_id": np.arange(n).astype(str),
            "start": start,
            "stop": stop,
            "event": event,
            "x": x,
        }
    )
    ours = fit(rows)
    assert ours.coef == pytest.approx(ctv.params_["x"], rel=1e-5)
    assert ours.se_naive == pytest.approx(ctv.standard_errors_["x"], rel=1e-5)


def test_score_residuals_sum_to_numerical_score_with_ties():
    rng = np.random.default_rng(8)
    n = 120
    start = rng.integers(0, 3, n).astype(float)
    stop = start + rng.integers(1, 4, n)
    x = rng.integers(0, 4, n).astype(float)
    event = rng.random(n) < 0.5
    data = _cox_data(start, stop, event, x)
    for beta in (-0.7, 0.0, 0.4):
        terms = _efron_terms(data, beta)
        h = 1e-6
        numeric = (_efron_terms(data, beta + h).loglik - _efron_terms(data, beta - h).loglik) / (
            2 * h
        )
        assert terms.score == pytest.approx(numeric, rel=1e-6, abs=1e-6)
        assert _score_residuals(data, terms).sum() == pytest.approx(terms.score, abs=1e-9)


def test_splitting_rows_changes_nothing():
    """(start, stop] rows of a constant covariate are the same data: same fit, same sandwich.

    lifelines 0.30 fails this (its residuals ignore entry_col), which is why netdyn fits itself.
    """
    df = right_censored(3)
    whole = fit(as_rows(df))
    rng = np.random.default_rng(0)
    cut = df["stop"].to_numpy() * rng.uniform(0.1, 0.9, len(df))
    first = as_rows(df).with_columns(stop=pl.Series(cut), event=pl.lit(False))
    second = as_rows(df, start=cut)
    split = fit(pl.concat([first, second]))
    for name in ("coef", "se", "se_naive", "ph_statistic", "concordance"):
        assert getattr(split, name) == pytest.approx(getattr(whole, name), rel=1e-9), name
    assert split.n_subjects == whole.n_subjects and split.n_intervals == 2 * whole.n_intervals


def test_concordance_matches_brute_force_on_time_varying_rows():
    rng = np.random.default_rng(11)
    n = 80
    start = rng.integers(0, 4, n).astype(float)
    stop = start + rng.integers(1, 4, n)
    x = rng.integers(1, 5, n).astype(float)
    event = rng.random(n) < 0.4
    rows = pl.DataFrame(
        {
            "contagion_id": (np.arange(n) % 4).astype(str),
            "actor_id": np.arange(n).astype(str),
            "start": start,
            "stop": stop,
            "event": event,
            "x": x,
        }
    )
    result = fit(rows)
    risk = result.coef * x
    concordant = tied = total = 0.0
    for i in np.flatnonzero(event):
        t = stop[i]
        for j in range(n):
            if j == i or not (start[j] < t <= stop[j]) or (event[j] and stop[j] == t):
                continue
            total += 1
            concordant += risk[i] > risk[j]
            tied += risk[i] == risk[j]
    assert result.concordance == pytest.approx((concordant + 0.5 * tied) / total, rel=1e-12)


def test_ph_test_detects_a_hazard_ratio_that_changes_over_time():
    # x = 1 triples the hazard before t = 1 and divides it by 3 afterwards
    rng = np.random.default_rng(4)
    n = 3000
    x = rng.integers(0, 2, n).astype(float)
    early = rng.exponential(1.0 / np.where(x == 1, 3.0, 1.0))
    late = 1.0 + rng.exponential(1.0 / np.where(x == 1, 1 / 3, 1.0))
    t = np.where(early < 1.0, early, late)
    df = pd.DataFrame(
        {
            "stop": np.minimum(t, 4.0),
            "event": (t < 4.0).astype(int),
            "x": x,
            "cluster": np.arange(n) % 30,
        }
    )
    result = fit(as_rows(df))
    assert result.ph_violated is True and result.ph_p_value < 1e-6


# ---------------------------------------------------------------------------------------------
# cox_exposure: counting-process rows and degenerate inputs


def test_counting_process_rows_by_hand():
    # v: exposed at 1 (u1) and 3 (u2, u3 together), adopts at 7
    # w: exposed at 2, never adopts -> censored at the contagion's last adoption (7)
    ad = adoptions_frame([("c", "u1", 1.0), ("c", "u2", 3.0), ("c", "u3", 3.0), ("c", "v", 7.0)])
    ed = edges_frame([("u1", "v", 0.0), ("u2", "v", 0.0), ("u3", "v", 0.0), ("u1", "w", 2.0)])
    ex = count_exposures(ad, ed)
    rows = _counting_process(ex, ad, None, "first_exposure")
    assert rows.sort("actor_id", "start").select(
        "actor_id", "start", "stop", "event", "x"
    ).rows() == [
        ("v", 0.0, 2.0, False, 1.0),
        ("v", 2.0, 6.0, True, 3.0),
        ("w", 0.0, 5.0, False, 1.0),
    ]
    late = _counting_process(ex, ad, 10.0, "contagion_start")
    assert late.sort("actor_id", "start").select(
        "actor_id", "start", "stop", "event", "x"
    ).rows() == [
        ("v", 0.0, 2.0, False, 1.0),
        ("v", 2.0, 6.0, True, 3.0),
        ("w", 1.0, 9.0, False, 1.0),
    ]
    # an observation end before v adopts censors v there and drops later exposures
    early = _counting_process(ex, ad, 2.5, "first_exposure")
    assert early.sort("actor_id").select("actor_id", "start", "stop", "event", "x").rows() == [
        ("v", 0.0, 1.5, False, 1.0),
        ("w", 0.0, 0.5, False, 1.0),
    ]


def test_cox_degenerate_inputs_have_a_status():
    ad = adoptions_frame([("c", "s", 0.0)])
    none = cox_exposure(exposures_frame([]), ad)
    assert none.status == "no_exposed_actors" and math.isnan(none.hazard_ratio)
    assert none.n_subjects == 0 and none.ph_violated is None
    no_events = cox_exposure(exposures_frame([("c", "x", 1.0), ("c", "x", 2.0)]), ad, until=5.0)
    assert no_events.status == "no_events" and no_events.n_subjects == 1
    flat = cox_exposure(
        exposures_frame([("c", "x", 0.0), ("d", "y", 0.0)]),
        adoptions_frame([("c", "x", 1.0), ("d", "y", 2.0)]),
        until=3.0,
    )
    assert flat.status == "no_covariate_variation" and math.isnan(flat.se)
    assert set(flat.to_dict()) >= {
        "hazard_ratio",
        "ci_low",
        "ci_high",
        "coef",
        "se",
        "p_value",
        "concordance",
        "n_subjects",
        "n_events",
        "n_contagions",
        "ph_statistic",
        "ph_p_value",
        "ph_violated",
        "status",
    }


def test_cox_single_contagion_reports_coef_without_clustered_se():
    run = simulate_exposure_hazard(
        ring_lattice(300, 4),
        n_contagions=1,
        n_seeds=10,
        baseline_hazard=0.5,
        hazard_ratio=0.5,
        horizon=20.0,
        seed=3,
    )
    result = cox_exposure(count_exposures(run.adoptions, run.edges), run.adoptions, until=20.0)
    assert result.status == "single_contagion" and result.n_contagions == 1
    assert math.isfinite(result.coef) and math.isnan(result.se) and math.isnan(result.ci_low)


def test_cox_guards():
    ad = adoptions_frame([("c", "s", 0.0)])
    with pytest.raises(InvalidInputError, match="time_origin"):
        cox_exposure(exposures_frame([]), ad, time_origin="calendar")
    with pytest.raises(InvalidInputError, match="confidence"):
        cox_exposure(exposures_frame([]), ad, confidence=95)
    with pytest.raises(InvalidInputError, match="ph_time_transform"):
        cox_exposure(exposures_frame([]), ad, ph_time_transform="km")


# ---------------------------------------------------------------------------------------------
# planted hazard ratios (the acceptance criterion)


def ring_lattice(n: int, k: int) -> pl.DataFrame:
    """Directed ring where each actor exposes its k nearest successors and predecessors."""
    src, dst = [], []
    for i in range(n):
        for step in range(1, k + 1):
            for j in ((i + step) % n, (i - step) % n):
                src.append(f"a{i:04d}")
                dst.append(f"a{j:04d}")
    return pl.DataFrame({"exposer_id": src, "exposed_id": dst})


def random_digraph(seed: int, n: int = 1000, mean_degree: float = 5.0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    m = int(n * mean_degree)
    return pl.DataFrame(
        {
            "exposer_id": [f"a{i}" for i in rng.integers(0, n, m)],
            "exposed_id": [f"a{i}" for i in rng.integers(0, n, m)],
            # the graph grows: an edge exists only from formed_at on
            "formed_at": rng.uniform(0.0, 4.0, m),
        }
    )


@pytest.mark.parametrize("planted", [0.5, 1.0])
def test_planted_hazard_ratio_is_recovered(planted):
    """Planted ratio inside the 95 % interval in >= 4 of 5 seeds, and within 0.03 in all.

    20 contagions x 1000 actors gives about 12,000 (ratio 0.5) to 17,000 (ratio 1.0) adoptions
    after an exposure; the clustered standard error of log HR is about 0.01–0.02.
    """
    covered, fits = 0, []
    for seed in range(5):
        run = simulate_exposure_hazard(
            random_digraph(seed),
            n_contagions=20,
            n_seeds=5,
            baseline_hazard=0.3,
            hazard_ratio=planted,
            horizon=10.0,
            seed=seed,
        )
        result = cox_exposure(count_exposures(run.adoptions, run.edges), run.adoptions, until=10.0)
        # the streamed path, in several chunks, recovers the same ratio
        streamed = exposure_analysis(run.adoptions, run.edges, until=10.0, chunk_size=20_000).cox
        for fit_ in (result, streamed):
            assert fit_.status == "ok" and fit_.n_contagions == 20
            assert fit_.n_events > 5000
            assert fit_.hazard_ratio == pytest.approx(planted, abs=0.03)
        for name in ("coef", "se", "se_naive", "concordance", "ph_statistic"):
            assert getattr(streamed, name) == pytest.approx(getattr(result, name), rel=1e-6)
        covered += result.ci_low <= planted <= result.ci_high
        fits.append(result)
    assert covered >= 4
    other = 1.0 if planted == 0.5 else 0.5
    assert all(not (f.ci_low <= other <= f.ci_high) for f in fits)  # the test can tell them apart
    assert sum(f.ph_violated for f in fits) <= 1  # proportional hazards hold by construction


def test_planted_ratio_recovered_on_contagion_time_axis():
    run = simulate_exposure_hazard(
        random_digraph(7),
        n_contagions=20,
        n_seeds=5,
        baseline_hazard=0.3,
        hazard_ratio=0.5,
        horizon=10.0,
        seed=7,
    )
    ex = count_exposures(run.adoptions, run.edges)
    result = cox_exposure(ex, run.adoptions, until=10.0, time_origin="contagion_start")
    streamed = exposure_analysis(
        run.adoptions, run.edges, until=10.0, time_origin="contagion_start", chunk_size=20_000
    )
    assert streamed.counts.n_chunks > 1 and streamed.counts.n_exposures == ex.height
    for fit_ in (result, streamed.cox):
        assert fit_.ci_low <= 0.5 <= fit_.ci_high
        assert fit_.hazard_ratio == pytest.approx(0.5, abs=0.03)
    assert streamed.cox.se == pytest.approx(result.se, rel=1e-6)


def test_cox_is_shift_invariant_far_beyond_exp_overflow():
    """exp(beta * x) overflows for x ~ 5000; the per-time rescaling must not care."""
    rows = as_rows(right_censored(6))
    base = fit(rows)
    shifted = fit(rows.with_columns(pl.col("x") + 5000.0))
    for name in ("coef", "se", "se_naive", "concordance", "ph_statistic"):
        assert getattr(shifted, name) == pytest.approx(getattr(base, name), rel=1e-8), name


def test_until_per_contagion_frame():
    ad = adoptions_frame([("c", "u", 0.0), ("c", "v", 4.0), ("d", "u", 0.0), ("d", "v", 4.0)])
    ed = edges_frame([("u", "v", 1.0)])
    ex = count_exposures(ad, ed)
    until = pl.DataFrame({"contagion_id": ["c", "d"], "until": [10.0, 3.0]})
    rows = _counting_process(ex, ad, until, "first_exposure").sort("contagion_id")
    assert rows.select("contagion_id", "start", "stop", "event").rows() == [
        ("c", 0.0, 3.0, True),
        ("d", 0.0, 2.0, False),  # v adopted d at 4, after d's observation end 3
    ]


def test_max_exposures_top_codes_the_covariate():
    run = simulate_exposure_hazard(
        random_digraph(2, n=300),
        n_contagions=6,
        n_seeds=3,
        baseline_hazard=0.3,
        hazard_ratio=0.5,
        horizon=10.0,
        seed=2,
    )
    ex = count_exposures(run.adoptions, run.edges)
    plain = cox_exposure(ex, run.adoptions, until=10.0)
    loose = cox_exposure(ex, run.adoptions, until=10.0, max_exposures=10_000)
    assert loose.coef == plain.coef and loose.se == plain.se
    capped = cox_exposure(ex, run.adoptions, until=10.0, max_exposures=1)
    assert capped.status == "no_covariate_variation" and capped.n_events == plain.n_events
    with pytest.raises(InvalidInputError, match="max_exposures"):
        cox_exposure(ex, run.adoptions, max_exposures=0)
