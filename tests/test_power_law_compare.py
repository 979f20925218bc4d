"""Tests of analytics.power_law_compare: known answers, normalisation, the `powerlaw` package.

Tolerances, and where they come from:

* against ``powerlaw`` 2.0.0 (``Fit(x, xmin=fit.xmin, discrete=..., estimate_discrete=False)``,
  so both use the same tail and the same exact power law): the same sign of ``R`` and ``R``
  within 5 % (plus 0.01 absolute), on samples where its Nelder-Mead fits converge (observed
  agreement: to the third decimal); where they do not (a power-law sample, whose lognormal and
  stretched-exponential fits run off towards their power-law limits), ours is at least as
  likely, which is the property checked;
* normalisation: pmfs sum to 1 and densities integrate to 1 within 1e-8.
"""

from __future__ import annotations

import doctest
import math
import warnings

import numpy as np
import pytest
from scipy import integrate
from scipy.special import erfc

from netdyn.analytics import power_law_compare
from netdyn.analytics.power_law import fit_power_law, sample_discrete_power_law
from netdyn.analytics.power_law_compare import (
    ALTERNATIVES,
    Comparison,
    compare_alternatives,
    verdict,
)
from netdyn.core.errors import InvalidInputError


def lognormal_sample(seed: int = 5, n: int = 3000) -> np.ndarray:
    return np.random.default_rng(seed).lognormal(2.0, 1.0, n)


def cutoff_sample(seed: int = 9, n: int = 3000) -> np.ndarray:
    """Discrete power law (alpha 1.8) thinned by exp(-x / 50): a real exponential cutoff."""
    x = sample_discrete_power_law(8 * n, 1.8, 1, seed=seed)
    keep = np.random.default_rng([seed, 1]).random(x.size) < np.exp(-x / 50.0)
    return x[keep][:n].astype(float)


@pytest.fixture(scope="module")
def powerlaw_pkg():
    return pytest.importorskip("powerlaw")


def reference(powerlaw_pkg, x, fit):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # DeprecationWarnings and fitting UserWarnings
        return powerlaw_pkg.Fit(
            x, xmin=fit.xmin, discrete=fit.discrete, verbose=False, estimate_discrete=False
        )


def test_docstring_examples_run():
    result = doctest.testmod(power_law_compare)
    assert result.attempted >= 4
    assert result.failed == 0


@pytest.mark.parametrize(("sample", "discrete"), [(lognormal_sample, False), (cutoff_sample, True)])
def test_agrees_with_powerlaw_distribution_compare(powerlaw_pkg, sample, discrete):
    x = sample()
    fit = fit_power_law(x, discrete=discrete)
    ref = reference(powerlaw_pkg, x, fit)
    assert ref.power_law.alpha == pytest.approx(fit.alpha, abs=1e-3)
    for c in compare_alternatives(x, fit):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r_ref, p_ref = ref.distribution_compare("power_law", c.alternative)
            params_ref = getattr(ref, c.alternative).parameters
        assert np.sign(c.loglikelihood_ratio) == np.sign(r_ref), c.alternative
        assert c.loglikelihood_ratio == pytest.approx(r_ref, rel=0.05, abs=0.01)
        assert c.p_value == pytest.approx(p_ref, rel=0.05, abs=1e-3)
        for name, value in params_ref.items():
            assert c.parameters[name.lower()] == pytest.approx(value, rel=0.01), name


@pytest.mark.parametrize("discrete", [False, True])
def test_at_least_as_likely_as_powerlaw_where_its_fit_stalls(powerlaw_pkg, discrete):
    # on a power-law sample the lognormal and stretched exponential tend to their power-law
    # limits (mu -> -inf, beta -> 0), where powerlaw's Nelder-Mead stops early
    rng = np.random.default_rng(3)
    if discrete:
        x = sample_discrete_power_law(3000, 2.5, 2, seed=5).astype(float)
    else:
        x = 2.0 * (1.0 - rng.random(3000)) ** (-1 / 1.5)
    fit = fit_power_law(x, discrete=discrete)
    ref = reference(powerlaw_pkg, x, fit)
    for c in compare_alternatives(x, fit):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r_ref, _ = ref.distribution_compare("power_law", c.alternative)
        assert c.loglikelihood_ratio <= r_ref + 1e-6, c.alternative
        assert math.isfinite(c.loglikelihood) and 0.0 <= c.p_value <= 1.0


@pytest.mark.parametrize("discrete", [False, True])
def test_exponential_sample_disfavours_the_power_law(discrete):
    x = np.random.default_rng(11).exponential(10.0, 3000) + 1.0
    if discrete:
        x = np.floor(x)
    fit = fit_power_law(x, discrete=discrete, xmin=1.0)
    (c,) = compare_alternatives(x, fit, alternatives=["exponential"])
    assert c.loglikelihood_ratio < -100 and c.p_value < 1e-6 and not c.nested
    assert c.normalized_ratio < -3
    assert c.parameters["lambda"] == pytest.approx(0.1, rel=0.1)


@pytest.mark.parametrize("discrete", [False, True])
def test_nested_truncated_power_law(discrete):
    if discrete:
        x = sample_discrete_power_law(2000, 2.2, 1, seed=4).astype(float)
    else:
        x = (1.0 - np.random.default_rng(4).random(2000)) ** (-1 / 1.2)
    fit = fit_power_law(x, discrete=discrete)
    (c,) = compare_alternatives(x, fit, alternatives=["truncated_power_law"])
    assert c.nested and c.loglikelihood_ratio <= 0.0 and 0.0 <= c.p_value <= 1.0
    assert c.p_value == pytest.approx(1.0 - _chi2_cdf(-2 * c.loglikelihood_ratio))
    # with a real cutoff the nested test finds it
    y = cutoff_sample()
    fit_y = fit_power_law(y, discrete=True, xmin=1)
    (cy,) = compare_alternatives(y, fit_y, alternatives=["truncated_power_law"])
    assert cy.loglikelihood_ratio < -10 and cy.p_value < 1e-4
    assert cy.parameters["lambda"] == pytest.approx(1 / 50, rel=0.5)


def _chi2_cdf(v: float) -> float:
    from scipy.stats import chi2

    return float(chi2.cdf(v, 1))


def test_vuong_statistics_known_answer():
    d = np.array([1.0, -0.5, 2.0])
    w = np.array([2.0, 1.0, 1.0])  # points 1, 1, -0.5, 2
    r, norm, p = power_law_compare._vuong(d, w, nested=False)
    pts = np.array([1.0, 1.0, -0.5, 2.0])
    sd = pts.std()  # population standard deviation, as CSN and powerlaw
    assert r == pytest.approx(3.5)
    assert norm == pytest.approx(3.5 / (sd * 2.0))
    assert p == pytest.approx(erfc(3.5 / (sd * math.sqrt(8.0))))


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("lognormal", (1.0, 1.5)),
        ("stretched_exponential", (0.2, 0.6)),
        ("truncated_power_law", (1.7, 0.05)),
    ],
)
@pytest.mark.parametrize("xmin", [1.0, 7.0])
def test_discrete_laws_sum_to_one(name, params, xmin):
    k = np.arange(xmin, xmin + 200000.0)
    if name == "lognormal":
        logp = power_law_compare._lognormal_logpmf(k, *params, xmin, True)
    elif name == "stretched_exponential":
        logp = power_law_compare._stretched_logpmf(k, *params, xmin, True)
    else:
        logp = power_law_compare._tpl_logpmf(k, *params, xmin, True)
    assert np.exp(logp).sum() == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize(("alpha", "lam"), [(0.5, 0.3), (1.5, 1e-4), (2.5, 2.0), (2.0, 0.05)])
def test_truncated_power_law_normalisers(alpha, lam):
    xmin = 3.0
    dens, _ = integrate.quad(
        lambda t: math.exp(
            power_law_compare._tpl_logpmf(np.array([t]), alpha, lam, xmin, False)[0]
        ),
        xmin,
        np.inf,
        limit=500,
    )
    assert dens == pytest.approx(1.0, rel=1e-6)
    mpmath = pytest.importorskip("mpmath")  # the Lerch transcendent powerlaw uses
    exact = float(mpmath.exp(-lam * xmin) * mpmath.lerchphi(mpmath.exp(-lam), alpha, xmin))
    log_norm = power_law_compare._tpl_log_norm(alpha, lam, xmin, True)
    assert log_norm - alpha * math.log(xmin) - lam * xmin == pytest.approx(
        math.log(exact), abs=1e-9
    )


def test_verdict_follows_csn_rules():
    fit = fit_power_law([1, 1, 2, 2, 4, 4, 8, 8, 16, 16], discrete=False, xmin=1)

    class Gof:  # the two fields verdict reads
        status, p_value = "ok", 0.42

    comps = [
        Comparison("lognormal", -0.8, -0.5, 0.31, False, {}),
        Comparison("exponential", 12.3, 4.0, 0.0002, False, {}),
        Comparison("stretched_exponential", -5.0, -2.5, 0.05, False, {}),
        Comparison("truncated_power_law", -0.2, -0.3, 0.52, True, {}),
    ]
    assert verdict(fit, Gof(), comps) == (
        "consistent with a power law (p = 0.42); lognormal not excluded (p = 0.31); "
        "exponential rejected (R = 12.3, p < 0.001); stretched exponential favoured "
        "(R = -5.0, p = 0.05); cutoff not needed (p = 0.52)"
    )
    Gof.p_value = 0.03
    cut = Comparison("truncated_power_law", -9.0, -2.0, 0.004, True, {})
    assert verdict(fit, Gof(), [cut]) == (
        "power law ruled out (p = 0.03); power law with cutoff favoured (R = -9.0, p = 0.004)"
    )
    bad = fit_power_law([3, 3, 3], discrete=True)
    assert verdict(bad, None) == "no power-law fit (too_few)"


def test_bad_arguments_raise_with_a_fix():
    x = lognormal_sample()
    fit = fit_power_law(x, discrete=False)
    with pytest.raises(InvalidInputError, match="choose from"):
        compare_alternatives(x, fit, alternatives=["pareto"])
    with pytest.raises(InvalidInputError, match="the sample the fit was made on"):
        compare_alternatives(x[:100], fit)
    with pytest.raises(InvalidInputError, match="check fit.status"):
        compare_alternatives([3, 3, 3], fit_power_law([3, 3, 3], discrete=True))
    with pytest.raises(InvalidInputError, match="xmax=None"):
        compare_alternatives(x, fit_power_law(x, discrete=False, xmax=1000.0))
    assert set(ALTERNATIVES) == set(power_law_compare._FITTERS)
