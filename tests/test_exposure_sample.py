"""The exposure analysis above its size limit: a seeded Bernoulli sample of whole contagions.

Above ``max_pairs`` (adoption, out-edge) pairs, ``exposure_analysis`` keeps each contagion with
probability ``max_pairs / pairs``. Checked here: below the limit nothing changes; the sampled
analysis equals the full analysis of the sampled contagions (found again by the documented
rule, a second path); the planted hazard ratio is still recovered; the sample is seeded; the
report states the approximation in one exact sentence.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from netdyn.analytics.exposure_counts import MIN_SAMPLED_CONTAGIONS, exposure_analysis
from netdyn.core.errors import InvalidInputError
from netdyn.report.spreading_section import _hazard_verdict, _share
from netdyn.sim.contagion import simulate_exposure_hazard

FIELDS = ("hazard_ratio", "coef", "se", "se_naive", "concordance", "ph_statistic", "n_events")


def graph(seed: int, n: int = 600, mean_degree: float = 5.0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    m = int(n * mean_degree)
    return pl.DataFrame(
        {
            "exposer_id": [f"a{i}" for i in rng.integers(0, n, m)],
            "exposed_id": [f"a{i}" for i in rng.integers(0, n, m)],
            "formed_at": rng.uniform(0.0, 4.0, m),
        }
    )


@pytest.fixture(scope="module")
def planted():
    """60 contagions on 600 actors, hazard ratio 1.5 per extra exposure."""
    return simulate_exposure_hazard(
        graph(3),
        n_contagions=60,
        n_seeds=4,
        baseline_hazard=0.2,
        hazard_ratio=1.5,
        horizon=10.0,
        seed=3,
    )


def pairs_of(run) -> int:
    out_degree = run.edges.group_by("exposer_id").len()
    return int(
        run.adoptions.join(out_degree, left_on="actor_id", right_on="exposer_id", how="left")["len"]
        .fill_null(0)
        .sum()
    )


def test_below_the_limit_nothing_changes(planted):
    full = exposure_analysis(planted.adoptions, planted.edges, until=10.0)
    pairs = full.counts.n_pairs
    assert pairs == pairs_of(planted) == full.counts.n_exposures
    for limit in (pairs, pairs + 1):
        same = exposure_analysis(planted.adoptions, planted.edges, until=10.0, max_pairs=limit)
        assert same.counts.sample_rate == 1.0
        assert same.counts.n_contagions_sampled == same.counts.n_contagions == 60
        assert same.cox == full.cox
        assert same.curve.equals(full.curve)


def test_a_sample_is_the_full_analysis_of_the_sampled_contagions(planted):
    full = exposure_analysis(planted.adoptions, planted.edges, until=10.0)
    limit = full.counts.n_pairs // 3
    sampled = exposure_analysis(
        planted.adoptions, planted.edges, until=10.0, max_pairs=limit, seed=11
    )
    q = limit / full.counts.n_pairs
    assert sampled.counts.sample_rate == q
    assert sampled.counts.n_pairs == full.counts.n_pairs
    assert sampled.counts.n_adoptions == full.counts.n_adoptions
    # the documented rule, applied by hand: contagions in sorted id order, uniform draws
    ids = sorted(planted.adoptions["contagion_id"].unique().to_list())
    keep = np.random.default_rng(11).random(len(ids)) < q
    chosen = [c for c, k in zip(ids, keep, strict=True) if k]
    assert sampled.counts.n_contagions_sampled == len(chosen)
    assert 0 < len(chosen) < 60
    direct = exposure_analysis(
        planted.adoptions.filter(pl.col("contagion_id").is_in(chosen)), planted.edges, until=10.0
    )
    assert sampled.counts.n_exposures == direct.counts.n_exposures < full.counts.n_exposures
    assert sampled.curve.equals(direct.curve)
    for name in FIELDS:
        assert getattr(sampled.cox, name) == pytest.approx(getattr(direct.cox, name), rel=1e-12)


def test_the_planted_ratio_is_recovered_from_a_sample(planted):
    full = exposure_analysis(planted.adoptions, planted.edges, until=10.0).cox
    assert full.hazard_ratio == pytest.approx(1.5, abs=0.05)
    n_pairs = exposure_analysis(planted.adoptions, planted.edges, until=10.0).counts.n_pairs
    covered = 0
    for seed in range(5):
        part = exposure_analysis(
            planted.adoptions, planted.edges, until=10.0, max_pairs=n_pairs // 2, seed=seed
        ).cox
        assert part.status == "ok" and part.n_contagions < 60
        assert part.hazard_ratio == pytest.approx(1.5, abs=0.12)
        assert part.se > full.se  # fewer contagions, a wider interval
        covered += part.ci_low <= 1.5 <= part.ci_high
    assert covered >= 4


def test_same_seed_same_sample_other_seed_other_sample(planted):
    n_pairs = exposure_analysis(planted.adoptions, planted.edges).counts.n_pairs

    def run(seed: int):
        return exposure_analysis(
            planted.adoptions, planted.edges, max_pairs=n_pairs // 4, seed=seed
        )

    a, b, c = run(5), run(5), run(6)
    assert a.cox == b.cox and a.curve.equals(b.curve)
    assert a.counts.n_exposures != c.counts.n_exposures


def test_a_tiny_limit_keeps_two_contagions(planted):
    tiny = exposure_analysis(planted.adoptions, planted.edges, max_pairs=1, seed=2)
    assert tiny.counts.n_contagions_sampled == MIN_SAMPLED_CONTAGIONS == 2
    assert tiny.counts.sample_rate == 1 / tiny.counts.n_pairs


@pytest.mark.parametrize("bad", [0, -5, 2.5, True, "10"])
def test_a_bad_limit_is_refused(planted, bad):
    with pytest.raises(InvalidInputError, match="max_pairs must be an integer >= 1 or None"):
        exposure_analysis(planted.adoptions, planted.edges, max_pairs=bad)


def hazard_row(**changes):
    row = {
        "status": "ok",
        "hazard_ratio": 1.6296,
        "ci_low": 1.5984,
        "ci_high": 1.6615,
        "ph_violated": False,
        "ph_p_value": 0.31,
        "static_graph": False,
        "sample_rate": 0.0513,
        "max_pairs": 20_000_000,
        "n_pairs": 389_946_544,
        "n_contagions": 7390,
        "n_contagions_total": 144_129,
    }
    return row | changes


def test_the_report_states_the_sample():
    assert _hazard_verdict(hazard_row()) == (
        "hazard ratio 1.63 per extra exposure (95 % interval 1.60–1.66): each further exposure "
        "raises the chance to adopt — reinforcement, as in a complex contagion. "
        "Proportional-hazards check passed (p = 0.31). Approximation: estimated on a seeded "
        "random sample of the 144,129 contagions, each kept with probability 5.1 % (7,390 "
        "sampled contagions had actors at risk), because counting all 389,946,544 (adoption, "
        "exposed neighbour) pairs exceeds the limit of 20,000,000 (--exposure-max-pairs)"
    )


@pytest.mark.parametrize("rate", [1.0, None, math.nan])
def test_no_sample_no_sentence(rate):
    assert "Approximation" not in _hazard_verdict(hazard_row(sample_rate=rate))


@pytest.mark.parametrize(
    ("rate", "text"),
    [(0.0513, "5.1 %"), (0.5, "50 %"), (0.99991, "99.991 %"), (2e-8, "0.000002 %")],
)
def test_sample_rates_are_never_rounded_to_0_or_100(rate, text):
    assert _share(rate) == text
