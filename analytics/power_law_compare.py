"""Is it a power law? Likelihood-ratio tests against alternatives, and a verdict in words.

Completes the procedure of Clauset, Shalizi & Newman (2009) begun in
:mod:`netdyn.analytics.power_law` (the fit, section 3; the bootstrap goodness of fit, section 4):
:func:`compare_alternatives` fits each alternative by maximum likelihood to the same tail
(``x ≥ xmin``) and compares it with the power law by Vuong's likelihood-ratio test (CSN
section 5); :func:`verdict` states the outcome with CSN's rules.

The alternatives and their densities on ``x ≥ xmin`` (continuous; CSN table 2.1):

* ``lognormal`` (``mu``, ``sigma``): ``∝ x**-1 exp(−(ln x − mu)**2 / (2 sigma**2))``;
* ``exponential`` (``lambda``): ``∝ exp(−lambda x)``;
* ``stretched_exponential`` (``lambda``, ``beta``; Weibull):
  ``∝ (lambda x)**(beta − 1) exp(−(lambda x)**beta)``;
* ``truncated_power_law`` (``alpha``, ``lambda``; power law with exponential cutoff):
  ``∝ x**-alpha exp(−lambda x)``; it contains the power law (``lambda = 0``).

For discrete tails each is a probability mass function on the integers ``≥ xmin``, built as
the ``powerlaw`` package (Alstott et al., v2.0.0) builds it with its default
``discrete_normalization="round"``: the exponential and the truncated power law are
normalised by their exact sums (a geometric series; a Lerch-type series
``Σ k**-alpha exp(−lambda k)``), while the lognormal and the stretched exponential, which
have no closed-form sum, give each integer ``k`` the probability of ``[k − ½, k + ½)`` under
the continuous law restricted to ``x ≥ xmin − ½`` (so it sums to one exactly). The power law
itself is the exact zeta-normalised law of :func:`netdyn.analytics.power_law.fit_power_law`.

References
----------
.. [1] A. Clauset, C. R. Shalizi and M. E. J. Newman, "Power-law distributions in empirical
   data", SIAM Review 51(4):661–703, 2009. https://doi.org/10.1137/070710111
.. [2] Q. H. Vuong, "Likelihood ratio tests for model selection and non-nested
   hypotheses", Econometrica 57(2):307–333, 1989.
.. [3] J. Alstott, E. Bullmore and D. Plenz, "powerlaw: a Python package for analysis of
   heavy-tailed distributions", PLoS ONE 9(1):e85777, 2014.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import integrate, optimize
from scipy.special import erfc, log_ndtr, zeta
from scipy.stats import chi2
from threadpoolctl import threadpool_limits

from netdyn.analytics.power_law import GofResult, PowerLawFit, _as_sample
from netdyn.core.errors import InvalidInputError

__all__ = [
    "Comparison",
    "compare_alternatives",
    "verdict",
    "ALTERNATIVES",
    "SIGNIFICANCE",
]

#: The alternatives :func:`compare_alternatives` knows, in its default order.
ALTERNATIVES: tuple[str, ...] = (
    "lognormal",
    "exponential",
    "stretched_exponential",
    "truncated_power_law",
)

#: CSN's threshold: a goodness-of-fit p below it rules the power law out, and a
#: likelihood-ratio p below it makes the sign of the ratio significant.
SIGNIFICANCE: float = 0.1

_BETA_RANGE = (1e-3, 20.0)  # stretched exponential
_TPL_ALPHA_RANGE = (0.0, 20.0)  # truncated power law; powerlaw's default is (0, 3)
_EM_TERMS = 256  # terms summed exactly before the Euler–Maclaurin tail of a discrete TPL sum


@dataclass(frozen=True)
class Comparison:
    """The power law against one alternative on the same tail; see :func:`compare_alternatives`.

    Attributes
    ----------
    alternative : str
        One of :data:`ALTERNATIVES`.
    loglikelihood_ratio : float
        ``R = L_power_law − L_alternative`` over the ``n_tail`` tail values (natural logs);
        positive favours the power law.
    normalized_ratio : float
        ``R / (σ sqrt(n_tail))``, with ``σ`` the standard deviation of the pointwise
        log-likelihood differences; ``nan`` if they are all equal.
    p_value : float
        Significance of the sign of ``R``: ``erfc(|R| / (σ sqrt(2 n_tail)))`` (Vuong,
        two-sided; CSN eq. 5.4), or for the nested ``truncated_power_law`` the chi-squared
        (one degree of freedom) tail probability of ``2 |R|`` (CSN section 5.1).
    nested : bool
        Whether the power law is a special case of the alternative.
    parameters : dict of str to float
        The alternative's fitted parameters (``mu``/``sigma``, ``lambda``, ``beta``,
        ``alpha``); ``lambda`` is in inverse units of the data.
    loglikelihood : float
        The alternative's log-likelihood of the tail.
    """

    alternative: str
    loglikelihood_ratio: float
    normalized_ratio: float
    p_value: float
    nested: bool
    parameters: dict[str, float] = field(default_factory=dict)
    loglikelihood: float = math.nan


def compare_alternatives(
    values: Any,
    fit: PowerLawFit,
    *,
    alternatives: Sequence[str] = ALTERNATIVES,
) -> list[Comparison]:
    """Likelihood-ratio tests of the fitted power law against alternative laws (CSN section 5).

    Parameters
    ----------
    values : array_like of float, shape (n,)
        The sample the fit was made on.
    fit : PowerLawFit
        A fit with ``status == "ok"`` and no ``xmax``, from
        :func:`netdyn.analytics.power_law.fit_power_law` on ``values``. Its ``xmin``, ``alpha`` and
        ``discrete`` are used as they are; each alternative is fitted on the same tail.
    alternatives : sequence of str, default :data:`ALTERNATIVES`
        Which alternatives, in the order of the result.

    Returns
    -------
    list of Comparison
        One per alternative, in the order asked for.

    Raises
    ------
    InvalidInputError
        If the fit's status is not ``"ok"``, it has an ``xmax``, or it was not made on
        ``values`` (its tail size differs); or if an alternative is unknown.

    Notes
    -----
    *Fitting.* Exponential: closed form (continuous ``1 / mean(x − xmin)``, discrete
    ``ln(1 + 1 / mean(x − xmin))``). Continuous stretched exponential: ``lambda**beta`` is
    profiled out in closed form and ``beta`` found by a bounded 1-D search. The others:
    numerical maximisation (L-BFGS-B, polished by Nelder–Mead) from the moment-based starts
    ``powerlaw`` uses. Ranges: ``beta`` in ``[1e-3, 20]``, cutoff ``alpha`` in ``[0, 20]``,
    ``lambda ≥ 0``. The truncated power law is never reported worse than the power law it
    contains: if no ``lambda > 0`` does better, it is reported at ``lambda = 0`` with the
    power law's ``alpha`` (``R = 0``, ``p = 1``).

    *Agreement with ``powerlaw``* 2.0.0 (``Fit(x, xmin=fit.xmin, discrete=...,
    estimate_discrete=False).distribution_compare("power_law", name)``): the same
    likelihoods (see the module docstring), the same statistics (``R``, the population
    variance of the pointwise differences, ``erfc`` for non-nested and ``1 − chi2.cdf(2|R|,
    1)`` for nested pairs). Our maximisation is tighter than its Nelder–Mead with
    ``tol=1e-4``, so an alternative's log-likelihood here is at least as large, and ``R``
    can be a little smaller.

    Examples
    --------
    >>> import numpy as np
    >>> from netdyn.analytics.power_law import fit_power_law
    >>> x = np.random.default_rng(1).exponential(10.0, 2000) + 1.0
    >>> fit = fit_power_law(x, discrete=False, xmin=1.0)
    >>> c = compare_alternatives(x, fit, alternatives=["exponential"])[0]
    >>> c.loglikelihood_ratio < 0, c.p_value < 0.001
    (True, True)
    """
    unknown = [a for a in alternatives if a not in _FITTERS]
    if unknown:
        raise InvalidInputError(f"unknown alternatives {unknown}; choose from {list(ALTERNATIVES)}")
    tail, weights = _tail(values, fit)
    lpl = _power_law_logpmf(tail, fit.alpha, fit.xmin, fit.discrete)
    out = []
    for name in alternatives:
        # one BLAS thread: the optimiser's linear algebra is on 2-3 parameters, where
        # OpenBLAS's threads only wait for each other (measured: 3x the CPU time on 2 cores)
        with threadpool_limits(limits=1):
            params, logp = _FITTERS[name](tail, weights, fit)
        nested = name == "truncated_power_law"
        r, norm, p = _vuong(lpl - logp, weights, nested=nested)
        out.append(
            Comparison(
                alternative=name,
                loglikelihood_ratio=r,
                normalized_ratio=norm,
                p_value=p,
                nested=nested,
                parameters=params,
                loglikelihood=float(np.dot(weights, logp)),
            )
        )
    return out


def verdict(
    fit: PowerLawFit,
    gof: GofResult | None,
    comparisons: Sequence[Comparison] = (),
) -> str:
    """The outcome of the CSN procedure in words.

    Parameters
    ----------
    fit : PowerLawFit
        The fit.
    gof : GofResult or None
        Its bootstrap test (:func:`netdyn.analytics.power_law.bootstrap_gof`); ``None`` if not run.
    comparisons : sequence of Comparison, default ()
        From :func:`compare_alternatives`.

    Returns
    -------
    str
        Clauses joined by ``"; "``: first the goodness of fit, then one per comparison.

    Notes
    -----
    CSN's rules (sections 4.1 and 5.1; :data:`SIGNIFICANCE` is 0.1): a goodness-of-fit
    ``p < 0.1`` rules the power law out, otherwise the data are consistent with it. An
    alternative is *rejected* (``R > 0``) or *favoured* (``R < 0``) only when its
    likelihood-ratio ``p < 0.1``; otherwise it is *not excluded* (the test cannot tell the
    two apart). For the nested truncated power law, a significant ``R < 0`` means the cutoff
    is needed ("power law with cutoff favoured"), otherwise "cutoff not needed".
    p-values below 0.001 are written ``p < 0.001``.

    Examples
    --------
    >>> from netdyn.analytics.power_law import fit_power_law
    >>> fit = fit_power_law([1, 1, 2, 2, 4, 4, 8, 8, 16, 16], discrete=False, xmin=1)
    >>> c = Comparison("exponential", 12.3, 3.1, 0.0002, False, {"lambda": 0.1})
    >>> verdict(fit, None, [c])
    'goodness of fit not tested; exponential rejected (R = 12.3, p < 0.001)'
    """
    if fit.status != "ok":
        return f"no power-law fit ({fit.status})"
    if gof is None:
        clauses = ["goodness of fit not tested"]
    elif gof.status != "ok":
        clauses = [f"goodness of fit not tested ({gof.status})"]
    elif gof.p_value < SIGNIFICANCE:
        clauses = [f"power law ruled out ({_p(gof.p_value)})"]
    else:
        clauses = [f"consistent with a power law ({_p(gof.p_value)})"]
    for c in comparisons:
        name = c.alternative.replace("_", " ")
        significant = c.p_value < SIGNIFICANCE
        if c.nested:
            if significant and c.loglikelihood_ratio < 0:
                clauses.append(
                    f"power law with cutoff favoured (R = {c.loglikelihood_ratio:.1f}, "
                    f"{_p(c.p_value)})"
                )
            else:
                clauses.append(f"cutoff not needed ({_p(c.p_value)})")
        elif not significant:
            clauses.append(f"{name} not excluded ({_p(c.p_value)})")
        elif c.loglikelihood_ratio > 0:
            clauses.append(f"{name} rejected (R = {c.loglikelihood_ratio:.1f}, {_p(c.p_value)})")
        else:
            clauses.append(f"{name} favoured (R = {c.loglikelihood_ratio:.1f}, {_p(c.p_value)})")
    return "; ".join(clauses)


# --------------------------------------------------------------------------- internals


def _exp_or_inf(v: float) -> float:
    return math.exp(v) if v < 709.0 else math.inf


def _p(p: float) -> str:
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"


def _tail(values: Any, fit: PowerLawFit) -> tuple[np.ndarray, np.ndarray]:
    """Distinct tail values and their counts; checks the fit against the sample."""
    if not isinstance(fit, PowerLawFit):
        raise InvalidInputError(f"fit must be a PowerLawFit; got {type(fit).__name__}")
    if fit.status != "ok":
        raise InvalidInputError(
            f"the fit's status is {fit.status!r}; there is no fitted power law to compare — "
            "check fit.status before comparing"
        )
    if fit.xmax is not None:
        raise InvalidInputError(
            f"compare_alternatives handles unbounded fits only; got xmax={fit.xmax!r} — "
            "re-fit with xmax=None"
        )
    x = _as_sample(values)
    x = x[x >= fit.xmin]  # NaN compares False
    if x.size != fit.n_tail:
        raise InvalidInputError(
            f"the fit has n_tail={fit.n_tail} but values has {x.size} at or above "
            f"xmin={fit.xmin:g}; pass the sample the fit was made on"
        )
    u, c = np.unique(x, return_counts=True)
    return u, c.astype(float)


def _vuong(d: np.ndarray, w: np.ndarray, *, nested: bool) -> tuple[float, float, float]:
    """R, R / (σ sqrt(n)) and p from pointwise differences ``d`` with multiplicities ``w``."""
    n = float(w.sum())
    r = float(np.dot(w, d))
    var = float(np.dot(w, (d - r / n) ** 2)) / n
    norm = r / math.sqrt(n * var) if var > 0 else math.nan
    if nested:
        p = float(chi2.sf(abs(2.0 * r), 1))
    elif var > 0:
        p = float(erfc(abs(r) / math.sqrt(2.0 * n * var)))
    else:
        p = 1.0 if r == 0 else 0.0
    return r, norm, p


def _power_law_logpmf(x: np.ndarray, alpha: float, xmin: float, discrete: bool) -> np.ndarray:
    if discrete:
        return -alpha * np.log(x) - math.log(zeta(alpha, xmin))
    return math.log(alpha - 1.0) - math.log(xmin) - alpha * np.log(x / xmin)


def _maximise(
    negll: Callable[[np.ndarray], float],
    starts: Sequence[Sequence[float]],
    bounds: Sequence[tuple[float | None, float | None]] | None = None,
) -> np.ndarray:
    """Minimise ``negll`` from several starts (L-BFGS-B, then Nelder–Mead); the best point."""

    def safe(p: np.ndarray) -> float:
        try:
            v = negll(p)
        except (OverflowError, ValueError, ZeroDivisionError):
            return 1e300
        return v if math.isfinite(v) else 1e300

    best, best_v = None, math.inf
    for s in starts:
        r1 = optimize.minimize(safe, np.asarray(s, float), method="L-BFGS-B", bounds=bounds)
        r2 = optimize.minimize(
            safe,
            r1.x,
            method="Nelder-Mead",
            bounds=bounds,
            options={"xatol": 1e-9, "fatol": 1e-10, "maxiter": 4000},
        )
        for r in (r1, r2):
            if r.fun < best_v:
                best, best_v = r.x, float(r.fun)
    return np.asarray(best)


def _log_diff_sf(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``ln(S(a) − S(b))``, ``S`` the standard-normal survival function and ``a < b``."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # upper side: S(a) (1 − S(b)/S(a)); lower side: Φ(b) (1 − Φ(a)/Φ(b))
        upper = log_ndtr(-a) + np.log1p(-np.exp(log_ndtr(-b) - log_ndtr(-a)))
        lower = log_ndtr(b) + np.log1p(-np.exp(log_ndtr(a) - log_ndtr(b)))
    return np.where(a > 0, upper, lower)


# --- lognormal


def _lognormal_logpmf(
    x: np.ndarray, mu: float, sigma: float, xmin: float, discrete: bool
) -> np.ndarray:
    if discrete:
        z_lo = (np.log(x - 0.5) - mu) / sigma
        z_hi = (np.log(x + 0.5) - mu) / sigma
        return _log_diff_sf(z_lo, z_hi) - log_ndtr(-(math.log(xmin - 0.5) - mu) / sigma)
    z = (np.log(x) - mu) / sigma
    zmin = (math.log(xmin) - mu) / sigma
    return (
        -np.log(x) - math.log(sigma) - 0.5 * math.log(2 * math.pi) - 0.5 * z * z
        - log_ndtr(-zmin)
    )  # fmt: skip


def _fit_lognormal(x: np.ndarray, w: np.ndarray, fit: PowerLawFit) -> tuple[dict, np.ndarray]:
    logx = np.log(x)
    n = w.sum()
    m = float(np.dot(w, logx) / n)
    s = float(math.sqrt(max(np.dot(w, (logx - m) ** 2) / n, 1e-12)))

    def negll(p: np.ndarray) -> float:
        return -float(np.dot(w, _lognormal_logpmf(x, p[0], math.exp(p[1]), fit.xmin, fit.discrete)))

    mu, log_sigma = _maximise(negll, [(m, math.log(s)), (m - 2 * s, math.log(2 * s))])
    sigma = math.exp(log_sigma)
    return (
        {"mu": float(mu), "sigma": sigma},
        _lognormal_logpmf(x, mu, sigma, fit.xmin, fit.discrete),
    )


# --- exponential


def _fit_exponential(x: np.ndarray, w: np.ndarray, fit: PowerLawFit) -> tuple[dict, np.ndarray]:
    excess = float(np.dot(w, x - fit.xmin) / w.sum())
    if fit.discrete:
        lam = math.log1p(1.0 / excess)
        logp = math.log(-math.expm1(-lam)) - lam * (x - fit.xmin)
    else:
        lam = 1.0 / excess
        logp = math.log(lam) - lam * (x - fit.xmin)
    return {"lambda": lam}, logp


# --- stretched exponential


def _stretched_logpmf(
    x: np.ndarray, lam: float, beta: float, xmin: float, discrete: bool
) -> np.ndarray:
    """Log-probabilities of the tail; the discrete law rounds the continuous one."""
    if not discrete:
        theta = (lam * xmin) ** beta
        return _stretched_continuous_logpdf(x, theta, beta, xmin)
    log_lam = math.log(lam)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        a = np.exp(beta * (log_lam + np.log(x - 0.5)))
        b = np.exp(beta * (log_lam + np.log(x + 0.5)))
        a0 = math.exp(beta * (log_lam + math.log(xmin - 0.5)))
        return a0 - a + np.log(-np.expm1(a - b))


def _stretched_theta(x: np.ndarray, w: np.ndarray, xmin: float, beta: float) -> float:
    """Continuous MLE of ``theta = (lambda xmin)**beta`` given ``beta``: ``n / Σ(y**beta − 1)``."""
    s = float(np.dot(w, np.expm1(beta * np.log(x / xmin))))
    return float(w.sum()) / s


def _stretched_continuous_logpdf(
    x: np.ndarray, theta: float, beta: float, xmin: float
) -> np.ndarray:
    """The continuous law in ``theta = (lambda xmin)**beta``, which cannot overflow."""
    logy = np.log(x / xmin)
    return (
        math.log(beta) + math.log(theta) - math.log(xmin) + (beta - 1.0) * logy
        - theta * np.expm1(beta * logy)
    )  # fmt: skip


def _fit_stretched(x: np.ndarray, w: np.ndarray, fit: PowerLawFit) -> tuple[dict, np.ndarray]:
    xmin = fit.xmin

    def profile_negll(log_beta: float) -> float:
        beta = math.exp(log_beta)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            theta = _stretched_theta(x, w, xmin, beta)
            v = -float(np.dot(w, _stretched_continuous_logpdf(x, theta, beta, xmin)))
        return v if math.isfinite(v) else 1e300

    lo, hi = (math.log(b) for b in _BETA_RANGE)
    res = optimize.minimize_scalar(
        profile_negll, bounds=(lo, hi), method="bounded", options={"xatol": 1e-10}
    )
    beta = math.exp(res.x)
    theta = _stretched_theta(x, w, xmin, beta)
    log_lam = math.log(theta) / beta - math.log(xmin)
    if not fit.discrete:
        logp = _stretched_continuous_logpdf(x, theta, beta, xmin)
        return {"lambda": _exp_or_inf(log_lam), "beta": beta}, logp

    def negll(p: np.ndarray) -> float:
        logp = _stretched_logpmf(x, math.exp(p[0]), math.exp(p[1]), xmin, True)
        return -float(np.dot(w, logp))

    bounds = [(-700.0, 700.0), (lo, hi)]
    mean = float(np.dot(w, x) / w.sum())
    starts = [(float(np.clip(log_lam, -700, 700)), math.log(beta)), (-math.log(mean), 0.0)]
    log_lam, log_beta = _maximise(negll, starts, bounds)
    lam, beta = math.exp(log_lam), math.exp(log_beta)
    return {"lambda": lam, "beta": beta}, _stretched_logpmf(x, lam, beta, xmin, True)


# --- truncated power law


def _scaled_upper(alpha: float, c: float) -> float:
    """``∫_1^∞ s**-alpha exp(−c (s − 1)) ds`` for ``c > 0``, by quadrature in ``u = ln s``."""
    if c <= 0:
        return 1.0 / (alpha - 1.0) if alpha > 1 else math.inf

    def f(u: float) -> float:
        return math.exp((1.0 - alpha) * u - c * math.expm1(u))

    u_hi = math.log1p((750.0 + max(0.0, 1.0 - alpha) * (math.log1p(750.0 / c) + 50.0)) / c)
    if alpha > 1:
        u_hi = min(u_hi, 750.0 / (alpha - 1.0))
    points = [min(u_hi / 2, math.log1p(1.0 / c))]
    if alpha < 1 and (1.0 - alpha) / c > 1:  # the integrand peaks inside
        points.append(math.log((1.0 - alpha) / c))
    points = sorted(p for p in points if 0 < p < u_hi)
    val, _ = integrate.quad(f, 0.0, u_hi, points=points or None, limit=400, epsrel=1e-12)
    return val


def _tpl_log_norm(alpha: float, lam: float, xmin: float, discrete: bool) -> float:
    """ln of the normaliser of ``(x / xmin)**-alpha exp(−lambda (x − xmin))`` on ``x ≥ xmin``."""
    if lam == 0:
        if alpha <= 1:
            return math.inf
        if discrete:
            return math.log(zeta(alpha, xmin)) + alpha * math.log(xmin)
        return math.log(xmin / (alpha - 1.0))
    if not discrete:
        return math.log(xmin) + math.log(_scaled_upper(alpha, lam * xmin))
    # exact sum of the first terms, then Euler–Maclaurin from k0 on (remainder O(f^(5)))
    k = xmin + np.arange(_EM_TERMS, dtype=float)
    head = float(np.exp(-alpha * np.log(k / xmin) - lam * (k - xmin)).sum())
    k0 = xmin + _EM_TERMS
    f0 = math.exp(-alpha * math.log(k0 / xmin) - lam * (k0 - xmin))
    g1, g2, g3 = -alpha / k0 - lam, alpha / k0**2, -2.0 * alpha / k0**3  # (ln f)', '', '''
    d1 = f0 * g1
    d3 = f0 * (g1**3 + 3 * g1 * g2 + g3)
    integral = k0 * f0 * _scaled_upper(alpha, lam * k0)  # ∫_{k0}^∞ f
    return math.log(head + integral + f0 / 2.0 - d1 / 12.0 + d3 / 720.0)


def _tpl_logpmf(x: np.ndarray, alpha: float, lam: float, xmin: float, discrete: bool) -> np.ndarray:
    return -alpha * np.log(x / xmin) - lam * (x - xmin) - _tpl_log_norm(alpha, lam, xmin, discrete)


def _fit_truncated(x: np.ndarray, w: np.ndarray, fit: PowerLawFit) -> tuple[dict, np.ndarray]:
    xmin, discrete = fit.xmin, fit.discrete
    n = float(w.sum())
    sum_ratio = float(np.dot(w, np.log(x / xmin)))
    sum_excess = float(np.dot(w, x - xmin))

    def negll(p: np.ndarray) -> float:
        alpha, lam = p[0], math.exp(p[1]) / xmin
        ln_norm = _tpl_log_norm(alpha, lam, xmin, discrete)
        return alpha * sum_ratio + lam * sum_excess + n * ln_norm

    mean = float(np.dot(w, x) / n)
    alpha0 = 1.0 + n / sum_ratio  # powerlaw's starting point
    starts = [(min(fit.alpha, 19.0), math.log(1e-3)), (min(alpha0, 19.0), math.log(xmin / mean))]
    bounds = [_TPL_ALPHA_RANGE, (math.log(1e-12), math.log(1e4))]
    alpha, log_c = _maximise(negll, starts, bounds)
    lam = math.exp(log_c) / xmin
    logp = _tpl_logpmf(x, alpha, lam, xmin, discrete)
    lpl = _power_law_logpmf(x, fit.alpha, xmin, discrete)
    if float(np.dot(w, logp)) <= float(np.dot(w, lpl)):  # the boundary lambda = 0 is best
        return {"alpha": fit.alpha, "lambda": 0.0}, lpl
    return {"alpha": float(alpha), "lambda": lam}, logp


_FITTERS: dict[str, Callable[[np.ndarray, np.ndarray, PowerLawFit], tuple[dict, np.ndarray]]] = {
    "lognormal": _fit_lognormal,
    "exponential": _fit_exponential,
    "stretched_exponential": _fit_stretched,
    "truncated_power_law": _fit_truncated,
}
