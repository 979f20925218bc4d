"""A Cox model of the adoption hazard against the number of exposures so far.

:func:`cox_exposure` fits the proportional hazards model of Cox (1972) with a time-varying
covariate, the exposure count, in counting-process form (Andersen & Gill 1982): each exposed
(contagion, actor) is at risk from its first exposure and its time is split at every later
exposure. ``exp(coef)`` is the hazard ratio per extra exposure: 1 for a simple contagion,
below 1 for diminishing returns, above 1 for social reinforcement (Centola 2010; Romero,
Meeder & Kleinberg 2011). The inputs are the tables of :mod:`netdyn.analytics.exposure`:
exposures (e.g. :func:`netdyn.analytics.exposure.count_exposures`) and adoptions, with the
same conventions for time, ties and risk. For large inputs,
:func:`netdyn.analytics.exposure_counts.exposure_analysis` fits the same model from
aggregated tables without holding the exposures (:mod:`netdyn.analytics.cox_tables`).

The model is fitted with an in-house, vectorised Efron partial likelihood rather than with
lifelines, because (checked for lifelines 0.30) ``CoxPHFitter`` with ``entry_col`` computes
score and Schoenfeld residuals as if every row entered at time 0, so its ``cluster_col``
standard errors and ``proportional_hazard_test`` are wrong for (start, stop] data,
``CoxTimeVaryingFitter`` refuses ``robust=True``, and both fit in O(events x rows) time. The
tests check the fit against ``CoxTimeVaryingFitter`` and the sandwich and PH test against
``CoxPHFitter`` on data where lifelines is right.

References
----------
.. [1] Cox, D. R. (1972). Regression models and life-tables. *JRSS B* 34(2), 187–220.
.. [2] Andersen, P. K., & Gill, R. D. (1982). Cox's regression model for counting processes: a
   large sample study. *Annals of Statistics* 10(4), 1100–1120.
.. [3] Lin, D. Y., & Wei, L. J. (1989). The robust inference for the Cox proportional hazards
   model. *JASA* 84(408), 1074–1078.
.. [4] Grambsch, P. M., & Therneau, T. M. (1994). Proportional hazards tests and diagnostics
   based on weighted residuals. *Biometrika* 81(3), 515–526.
.. [5] Efron, B. (1977). The efficiency of Cox's likelihood function for censored data.
   *JASA* 72(359), 557–565.
.. [6] Harrell, F. E., Califf, R. M., Pryor, D. B., Lee, K. L., & Rosati, R. A. (1982).
   Evaluating the yield of medical tests. *JAMA* 247(18), 2543–2546.
.. [7] Romero, D. M., Meeder, B., & Kleinberg, J. (2011). Differences in the mechanics of
   information diffusion across topics: idioms, political hashtags, and complex contagion on
   Twitter. *Proceedings of WWW 2011*, 695–704.
.. [8] Centola, D. (2010). The spread of behavior in an online social network experiment.
   *Science* 329(5996), 1194–1197.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Literal

import numpy as np
import polars as pl
from scipy import stats

from netdyn.analytics._arrays import unique_values
from netdyn.analytics.exposure import _adoption_times, _exposure_steps, _require, _seconds
from netdyn.core.errors import InvalidInputError

__all__ = ["CoxExposureResult", "cox_exposure"]


@dataclass(frozen=True)
class CoxExposureResult:
    """Cox model of adoption hazard against the number of exposures so far.

    Attributes
    ----------
    status : str
        ``"ok"``; or why fields are ``nan``: ``"no_exposed_actors"`` (nobody at risk),
        ``"no_events"`` (nobody adopted after an exposure), ``"no_covariate_variation"`` (every
        interval has the same exposure count, so the ratio is not identifiable),
        ``"not_converged"`` (Newton–Raphson failed, e.g. a monotone likelihood), or
        ``"single_contagion"`` (coefficient fitted, but one cluster gives no clustered
        variance: ``se``, ``ci_*``, ``p_value`` are ``nan``).
    hazard_ratio : float
        ``exp(coef)``: multiplicative change of the adoption hazard per extra exposure.
    ci_low, ci_high : float
        Confidence interval of the hazard ratio from the clustered standard error.
    coef, se : float
        Log hazard ratio and its robust standard error clustered by contagion.
    se_naive : float
        Model-based standard error (inverse information).
    p_value : float
        Two-sided Wald test of ``coef == 0`` with the clustered standard error.
    concordance : float
        Time-dependent Harrell's C: over every event time, the share of (adopter, other actor
        at risk) pairs in which the adopter had the higher hazard (ties count 1/2).
    n_subjects, n_events, n_contagions, n_intervals : int
        Exposed (contagion, actor) pairs at risk, adoptions observed among them, contagions
        they belong to, and counting-process rows.
    ph_statistic, ph_p_value : float
        Grambsch–Therneau chi-square (1 df) test of the scaled Schoenfeld residuals against
        ``ph_time_transform`` of the event time.
    ph_violated : bool or None
        ``ph_p_value < 0.05``; None when the test could not be computed.
    ph_time_transform : str
        ``"rank"``, ``"identity"`` or ``"log"``.
    time_origin : str
        ``"first_exposure"`` or ``"contagion_start"``.
    confidence : float
        Coverage of the interval.
    """

    status: str
    hazard_ratio: float
    ci_low: float
    ci_high: float
    coef: float
    se: float
    se_naive: float
    p_value: float
    concordance: float
    n_subjects: int
    n_events: int
    n_contagions: int
    n_intervals: int
    ph_statistic: float
    ph_p_value: float
    ph_violated: bool | None
    ph_time_transform: str
    time_origin: str
    confidence: float

    def to_dict(self) -> dict[str, object]:
        """The fields as a plain dict (floats stay floats, ``nan`` included)."""
        return asdict(self)


def _counting_process(
    exposures: pl.DataFrame,
    adoptions: pl.DataFrame,
    until: float | datetime | pl.DataFrame | None,
    time_origin: str,
) -> pl.DataFrame:
    """(start, stop] rows: one per (contagion, actor, interval between exposure instants)."""
    adopted = _adoption_times(adoptions)
    if until is None:
        end = adopted.group_by("contagion_id").agg(_end=pl.col("adopted_at").max())
    elif isinstance(until, pl.DataFrame):
        _require(until, "until", ("contagion_id", "until"))
        end = until.select(
            pl.col("contagion_id").cast(pl.String),
            _seconds("until", until.schema["until"]).alias("_end"),
        )
    else:
        value = until.timestamp() if isinstance(until, datetime) else float(until)
        if not math.isfinite(value):
            raise InvalidInputError(f"until must be finite; got {until}")
        ids = pl.concat(
            [
                adopted.select("contagion_id"),
                exposures.select(pl.col("contagion_id").cast(pl.String)),
            ]
        ).unique()
        end = ids.with_columns(_end=pl.lit(value, dtype=pl.Float64))
    origin = adopted.group_by("contagion_id").agg(_origin=pl.col("adopted_at").min())
    steps = _exposure_steps(exposures, adopted, end)
    next_same_actor = (pl.col("contagion_id") == pl.col("contagion_id").shift(-1)) & (
        pl.col("actor_id") == pl.col("actor_id").shift(-1)
    )
    rows = steps.with_columns(
        start=pl.col("exposed_at"),
        _next=pl.when(next_same_actor.fill_null(False)).then(pl.col("exposed_at").shift(-1)),
        _exit=pl.min_horizontal(pl.col("adopted_at").fill_null(math.inf), pl.col("_end")),
    ).with_columns(
        stop=pl.coalesce("_next", "_exit"),
        event=(
            pl.col("_next").is_null()
            & pl.col("adopted_at").is_not_null()
            & (pl.col("adopted_at") <= pl.col("_end"))
        ),
    )
    if time_origin == "first_exposure":
        shift = pl.col("_first_at")
    else:
        rows = rows.join(origin, on="contagion_id", how="left")
        shift = pl.col("_origin")
    return rows.select(
        "contagion_id",
        "actor_id",
        (pl.col("start") - shift).alias("start"),
        (pl.col("stop") - shift).alias("stop"),
        pl.col("event"),
        pl.col("k").cast(pl.Float64).alias("x"),
    )


@dataclass(frozen=True)
class _CoxData:
    """Dense event-time x covariate-value tables for a one-covariate Efron fit."""

    start: np.ndarray
    stop: np.ndarray
    event: np.ndarray
    x: np.ndarray
    value_index: np.ndarray  # row -> index into values
    values: np.ndarray  # (V,) distinct covariate values, ascending
    times: np.ndarray  # (m,) distinct event times, ascending
    n_at_risk: np.ndarray  # (V, m) rows with that value at risk at that time
    n_deaths: np.ndarray  # (V, m) event rows with that value at that time
    deaths: np.ndarray  # (m,) events per time
    lo: np.ndarray  # row -> first event-time index inside (start, stop]
    hi: np.ndarray  # row -> one past the last


def _cox_data(start: np.ndarray, stop: np.ndarray, event: np.ndarray, x: np.ndarray) -> _CoxData:
    values, value_index = np.unique(x, return_inverse=True)
    times = unique_values(stop[event])
    n_values, m = values.size, times.size
    n_at_risk = np.zeros((n_values, m), dtype=np.float64)
    for a in range(n_values):  # a loop over distinct covariate values, not rows
        rows = value_index == a
        entered = np.searchsorted(np.sort(start[rows]), times, side="left")
        left = np.searchsorted(np.sort(stop[rows]), times, side="left")
        n_at_risk[a] = entered - left
    death_time = np.searchsorted(times, stop[event])
    n_deaths = np.zeros((n_values, m), dtype=np.float64)
    np.add.at(n_deaths, (value_index[event], death_time), 1.0)
    return _CoxData(
        start=start,
        stop=stop,
        event=event,
        x=x,
        value_index=value_index,
        values=values,
        times=times,
        n_at_risk=n_at_risk,
        n_deaths=n_deaths,
        deaths=n_deaths.sum(axis=0).astype(np.int64),
        lo=np.searchsorted(times, start, side="right"),
        hi=np.searchsorted(times, stop, side="right"),
    )


@dataclass(frozen=True)
class _EfronTerms:
    loglik: float
    score: float
    information: float
    weight: np.ndarray  # (V, m) exp(beta v - shift_j), 0 where nobody with v is at risk
    tie_time: np.ndarray  # (n_events,) event-time index of each Efron term
    tie_frac: np.ndarray  # (n_events,) l / d
    s0: np.ndarray  # (n_events,) shifted Efron denominators
    xbar: np.ndarray  # (n_events,) Efron weighted means


def _efron_terms(data: _CoxData, beta: float) -> _EfronTerms:
    """Efron log partial likelihood, score and information at ``beta`` (one covariate).

    Risk sums are built from exact counts per covariate value and rescaled per event time by
    the largest ``beta * v`` at risk, so nothing overflows or cancels whatever the spread of v.
    """
    v = data.values[:, None]
    present = data.n_at_risk > 0
    bv = beta * v
    shift = np.max(np.where(present, bv, -np.inf), axis=0)
    weight = np.where(present, np.exp(np.minimum(bv - shift, 0.0)), 0.0)
    risk = data.n_at_risk * weight
    tied = data.n_deaths * weight
    s0_risk, s1_risk, s2_risk = risk.sum(0), (risk * v).sum(0), (risk * v * v).sum(0)
    s0_tie, s1_tie, s2_tie = tied.sum(0), (tied * v).sum(0), (tied * v * v).sum(0)
    d = data.deaths
    tie_time = np.repeat(np.arange(d.size), d)
    offsets = np.repeat(np.cumsum(d) - d, d)
    tie_frac = (np.arange(tie_time.size) - offsets) / d[tie_time]
    s0 = s0_risk[tie_time] - tie_frac * s0_tie[tie_time]
    s1 = s1_risk[tie_time] - tie_frac * s1_tie[tie_time]
    s2 = s2_risk[tie_time] - tie_frac * s2_tie[tie_time]
    xbar = s1 / s0
    x_events = float(data.x[data.event].sum())
    loglik = beta * x_events - float(np.sum(d * shift)) - float(np.sum(np.log(s0)))
    return _EfronTerms(
        loglik=loglik,
        score=x_events - float(xbar.sum()),
        information=float(np.sum(s2 / s0 - xbar * xbar)),
        weight=weight,
        tie_time=tie_time,
        tie_frac=tie_frac,
        s0=s0,
        xbar=xbar,
    )


def _newton(data: _CoxData, *, max_iter: int = 60, tol: float = 1e-10) -> float | None:
    """Maximum partial likelihood estimate of beta, or None if it does not converge."""
    beta = 0.0
    terms = _efron_terms(data, beta)
    for _ in range(max_iter):
        if not terms.information > 0:
            return None
        step = terms.score / terms.information
        step = float(np.clip(step, -5.0, 5.0))
        candidate = _efron_terms(data, beta + step)
        halvings = 0
        while candidate.loglik < terms.loglik - 1e-12 * abs(terms.loglik) and halvings < 30:
            step /= 2.0
            candidate = _efron_terms(data, beta + step)
            halvings += 1
        beta += step
        terms = candidate
        if abs(step) < tol * max(1.0, abs(beta)):
            return beta if abs(beta) < 50.0 else None
    return None


def _score_residuals(data: _CoxData, terms: _EfronTerms) -> np.ndarray:
    """Per-row score residuals (Efron ties, counting-process risk sets); they sum to the score."""
    m = data.times.size
    inv = 1.0 / terms.s0
    keep = 1.0 - terms.tie_frac
    a1 = np.bincount(terms.tie_time, inv, minlength=m)
    b1 = np.bincount(terms.tie_time, terms.xbar * inv, minlength=m)
    a2 = np.bincount(terms.tie_time, keep * inv, minlength=m)
    b2 = np.bincount(terms.tie_time, keep * terms.xbar * inv, minlength=m)
    mean_xbar = np.bincount(terms.tie_time, terms.xbar, minlength=m) / data.deaths
    v = data.values[:, None]
    compensator = terms.weight * (v * a1 - b1)
    cumulative = np.concatenate([np.zeros((v.size, 1)), np.cumsum(compensator, axis=1)], axis=1)
    a = data.value_index
    resid = -(cumulative[a, data.hi] - cumulative[a, data.lo])
    ev = np.flatnonzero(data.event)
    j = data.hi[ev] - 1
    xe, w = data.x[ev], terms.weight[a[ev], j]
    # a tied death weighs (1 - l/d) in the l-th Efron denominator instead of 1
    resid[ev] += w * (xe * a1[j] - b1[j]) - w * (xe * a2[j] - b2[j]) + xe - mean_xbar[j]
    return resid


def _concordance(data: _CoxData, beta: float) -> float:
    """Harrell's C over risk sets at event times (tied event times are not compared)."""
    others = data.n_at_risk - data.n_deaths
    total = float((data.n_deaths * others.sum(0)).sum())
    if total == 0:
        return math.nan
    if beta == 0.0:
        return 0.5
    order = np.argsort(beta * data.values, kind="stable")
    ranked_others, ranked_deaths = others[order], data.n_deaths[order]
    lower = np.cumsum(ranked_others, axis=0) - ranked_others
    concordant = float((ranked_deaths * lower).sum())
    tied = float((ranked_deaths * ranked_others).sum())
    return (concordant + 0.5 * tied) / total


def _ph_test(
    data: _CoxData, terms: _EfronTerms, var_naive: float, transform: str
) -> tuple[float, float]:
    """Grambsch–Therneau score test of the scaled Schoenfeld residuals against g(time)."""
    ev = np.flatnonzero(data.event)
    j = data.hi[ev] - 1
    mean_xbar = np.bincount(terms.tie_time, terms.xbar, minlength=data.times.size) / data.deaths
    schoenfeld = data.x[ev] - mean_xbar[j]
    return grambsch_therneau(schoenfeld, data.stop[ev], var_naive, transform)


def grambsch_therneau(
    schoenfeld: np.ndarray, times: np.ndarray, var_naive: float, transform: str
) -> tuple[float, float]:
    """Grambsch–Therneau (1994) chi-square (1 df) of the scaled Schoenfeld residuals against
    ``transform`` (``"rank"``, ``"log"`` or ``"identity"``) of the event times.

    ``schoenfeld`` and ``times`` have one entry per event; ``var_naive`` is the model-based
    variance of the coefficient. Returns ``(statistic, p_value)``, both ``nan`` when the times
    do not vary or the variance is not positive. Shared by the per-row fit and the fit from
    aggregated tables (:mod:`netdyn.analytics.cox_tables`).
    """
    if transform == "rank":
        g = stats.rankdata(times)
    elif transform == "log":
        g = np.log(times)
    else:
        g = times
    g = g - g.mean()
    denom = float(np.sum(g * g))
    n_events = times.size
    if denom == 0 or not var_naive > 0:
        return math.nan, math.nan
    scaled = n_events * var_naive * schoenfeld
    statistic = float(np.sum(g * scaled) ** 2 / (n_events * var_naive * denom))
    return statistic, float(stats.chi2.sf(statistic, 1))


def check_cox_options(
    time_origin: str, ph_time_transform: str, confidence: float, max_exposures: int | None
) -> None:
    """Raise :class:`InvalidInputError` for an option of :func:`cox_exposure` out of range."""
    if time_origin not in ("first_exposure", "contagion_start"):
        raise InvalidInputError(
            f"time_origin must be 'first_exposure' or 'contagion_start'; got {time_origin!r}"
        )
    if ph_time_transform not in ("rank", "identity", "log"):
        raise InvalidInputError(
            f"ph_time_transform must be 'rank', 'identity' or 'log'; got {ph_time_transform!r}"
        )
    if not 0.0 < confidence < 1.0:
        raise InvalidInputError(f"confidence must be in (0, 1); got {confidence}")
    if max_exposures is not None and max_exposures < 1:
        raise InvalidInputError(f"max_exposures must be >= 1; got {max_exposures}")


def cox_exposure(
    exposures: pl.DataFrame,
    adoptions: pl.DataFrame,
    *,
    until: float | datetime | pl.DataFrame | None = None,
    time_origin: Literal["first_exposure", "contagion_start"] = "first_exposure",
    confidence: float = 0.95,
    ph_time_transform: Literal["rank", "identity", "log"] = "rank",
    max_exposures: int | None = None,
) -> CoxExposureResult:
    """Cox model of the adoption hazard against the number of exposures so far.

    Parameters
    ----------
    exposures : polars.DataFrame
        One row per exposure: ``contagion_id``, ``actor_id`` (the exposed), ``exposed_at``
        (float seconds or Datetime), e.g.
        :func:`netdyn.analytics.exposure.count_exposures`. Exposures at or after the actor's
        adoption or the contagion's observation end are ignored.
    adoptions : polars.DataFrame
        ``contagion_id``, ``actor_id``, ``adopted_at`` as for
        :func:`netdyn.analytics.exposure.count_exposures`.
    until : float, datetime or polars.DataFrame, optional
        Observation end: one time for all contagions (seconds on the adoptions' clock, or a
        datetime), or a frame with ``contagion_id`` and ``until`` (contagions missing from it
        are left out). Default: each contagion's last adoption. Adoptions after it are
        censored at it.
    time_origin : {"first_exposure", "contagion_start"}
        Time axis of the baseline hazard: time since the actor's first exposure (every subject
        enters at 0), or time since the contagion's first adoption (subjects enter late, at
        their first exposure).
    confidence : float, default 0.95
        Coverage of the hazard-ratio interval.
    ph_time_transform : {"rank", "identity", "log"}
        Function of the event time the scaled Schoenfeld residuals are tested against.
    max_exposures : int, optional
        Top-code the covariate: counts above it are set to it (>= 1). Default: no cap.

    Returns
    -------
    CoxExposureResult
        The fit; degenerate inputs give ``nan`` fields and a ``status`` saying why.

    Raises
    ------
    InvalidInputError
        If an option is out of range or an input is malformed.

    Notes
    -----
    Counting-process form (Andersen & Gill 1982): each exposed (contagion, actor) is at risk
    from its first exposure; its time is split at every later exposure instant into
    (start, stop] rows whose covariate is the number of exposures so far, so
    ``exp(coef)`` is the hazard ratio per extra exposure, and ``exp(coef) < 1`` means
    diminishing returns. The last row ends at the adoption (event) or at the observation end
    (censored). The partial likelihood (Cox 1972) uses Efron's (1977) tie correction and is
    maximised by Newton–Raphson with step halving.

    The standard error is the robust sandwich of Lin & Wei (1989), clustered by contagion:
    ``sum over contagions of (sum of dfbeta)^2`` with dfbeta = score residual / information,
    without a small-sample factor (as R's ``coxph`` and lifelines). With few contagions it is
    biased downwards; with one it is zero, so ``status = "single_contagion"`` and ``se = nan``.

    The proportional-hazards check is the Grambsch & Therneau (1994) approximate score test
    (R's ``cox.zph`` before 2019, lifelines' ``proportional_hazard_test``) with the model-based
    variance. Concordance is computed over risk sets at event times with the exposure count
    held at that time.

    Memory and time are O(event times x distinct exposure counts) per Newton step; set
    ``max_exposures`` if there are very many distinct counts. Risk sums are rescaled per event
    time, so large counts cannot overflow ``exp(coef * count)``.

    lifelines (0.30) is not used for the fit: ``CoxPHFitter(entry_col=...)`` computes its
    score and Schoenfeld residuals as if every row entered at time 0, so its ``cluster_col``
    standard errors and ``proportional_hazard_test`` are wrong for (start, stop] rows (the same
    data split into two rows per subject changes its clustered SE), ``CoxTimeVaryingFitter``
    raises on ``robust=True``, and both take O(event times x rows). The tests check this
    implementation against both where lifelines is right.

    This function needs every exposure as a row and builds one (start, stop] row per exposure
    instant: memory grows with the number of exposures.
    :func:`netdyn.analytics.exposure_counts.exposure_analysis` gives the same result (to
    1e-6) from adoptions and edges in chunks, in memory that does not.

    References
    ----------
    Cox (1972); Efron (1977); Andersen & Gill (1982); Lin & Wei (1989); Grambsch & Therneau
    (1994); Harrell et al. (1982); Romero, Meeder & Kleinberg (2011); Centola (2010).

    Examples
    --------
    x (2 exposures) adopts c while y holds 1; y (1) adopts d while x holds 2 — no count is
    favoured:

    >>> ex = pl.DataFrame({"contagion_id": ["c", "c", "c", "d", "d", "d"],
    ...     "actor_id": ["x", "x", "y", "x", "x", "y"],
    ...     "exposed_at": [0.0, 1.0, 0.0, 0.0, 1.0, 0.0]})
    >>> ad = pl.DataFrame({"contagion_id": ["c", "c", "d", "d"], "actor_id": ["a", "x", "a", "y"],
    ...     "adopted_at": [0.0, 3.0, 0.0, 2.0]})
    >>> fit = cox_exposure(ex, ad)
    >>> fit.status, round(fit.hazard_ratio, 9), fit.n_subjects, fit.n_intervals
    ('ok', 1.0, 4, 6)
    """
    check_cox_options(time_origin, ph_time_transform, confidence, max_exposures)
    rows = _counting_process(exposures, adoptions, until, time_origin)
    if max_exposures is not None:
        rows = rows.with_columns(pl.col("x").clip(upper_bound=float(max_exposures)))
    return _fit_counting_process(
        rows, time_origin=time_origin, confidence=confidence, ph_time_transform=ph_time_transform
    )


def _fit_counting_process(
    rows: pl.DataFrame, *, time_origin: str, confidence: float, ph_time_transform: str
) -> CoxExposureResult:
    """Fit the one-covariate Cox model on (start, stop] rows clustered by contagion_id.

    ``rows`` has ``contagion_id``, ``actor_id``, ``start``, ``stop``, ``event``, ``x``.
    """
    nan = math.nan
    n_subjects = rows.select("contagion_id", "actor_id").n_unique() if rows.height else 0
    n_events = int(rows["event"].sum()) if rows.height else 0
    n_contagions = rows["contagion_id"].n_unique() if rows.height else 0

    def result(status: str, **fields: float) -> CoxExposureResult:
        base = dict.fromkeys(
            (
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
            ),
            nan,
        )
        base.update(fields)
        ph_p = base["ph_p_value"]
        return CoxExposureResult(
            status=status,
            n_subjects=n_subjects,
            n_events=n_events,
            n_contagions=n_contagions,
            n_intervals=rows.height,
            ph_violated=None if math.isnan(ph_p) else bool(ph_p < 0.05),
            ph_time_transform=ph_time_transform,
            time_origin=time_origin,
            confidence=confidence,
            **base,
        )

    if n_subjects == 0:
        return result("no_exposed_actors")
    if n_events == 0:
        return result("no_events")
    if rows["x"].n_unique() < 2:
        return result("no_covariate_variation")
    data = _cox_data(
        rows["start"].to_numpy().astype(np.float64),
        rows["stop"].to_numpy().astype(np.float64),
        rows["event"].to_numpy().astype(bool),
        rows["x"].to_numpy().astype(np.float64),
    )
    if not _efron_terms(data, 0.0).information > 0:
        return result("no_covariate_variation")
    beta = _newton(data)
    if beta is None:
        return result("not_converged")
    terms = _efron_terms(data, beta)
    var_naive = 1.0 / terms.information
    resid = _score_residuals(data, terms)
    codes = rows.select(pl.col("contagion_id").rank("dense") - 1)["contagion_id"].to_numpy()
    per_cluster = np.bincount(codes.astype(np.int64), resid * var_naive)
    se = math.sqrt(float(np.sum(per_cluster**2)))
    ph_statistic, ph_p_value = _ph_test(data, terms, var_naive, ph_time_transform)
    fields = {
        "hazard_ratio": math.exp(beta),
        "coef": beta,
        "se_naive": math.sqrt(var_naive),
        "concordance": _concordance(data, beta),
        "ph_statistic": ph_statistic,
        "ph_p_value": ph_p_value,
    }
    if n_contagions < 2:
        return result("single_contagion", **fields)
    z = float(stats.norm.ppf(0.5 + confidence / 2.0))
    return result(
        "ok",
        se=se,
        ci_low=math.exp(beta - z * se),
        ci_high=math.exp(beta + z * se),
        p_value=float(2.0 * stats.norm.sf(abs(beta) / se)) if se > 0 else nan,
        **fields,
    )
