"""The one-covariate Cox fit of :mod:`netdyn.analytics.cox_exposure` from aggregated tables.

With one covariate, the Efron partial likelihood (Cox 1972; Efron 1977) of counting-process
rows (Andersen & Gill 1982) depends on the risk sets only through how many rows of each
covariate value are at risk, and die, at each event time. So does everything else
:class:`netdyn.analytics.cox_exposure.CoxExposureResult` reports: the concordance, the
Grambsch & Therneau (1994) test, and — up to a per-cluster sum — the Lin & Wei (1989)
sandwich. This module builds those tables from (start, stop] rows handed over in chunks,
and fits the model from them, so that no caller ever holds all rows at once.

Representation
--------------
With ``V`` distinct covariate values and ``m`` distinct event times, the at-risk counts are
not stored as a dense ``V x m`` table but as their changes: one entry per (value, event-time
index) where some row enters (its first event time after ``start``) or leaves (its first
event time after ``stop``), with the net number of rows entering. The table is rebuilt in
blocks of event times, ``V x block`` cells at a time, with exact integer counts (no
floating-point cancellation), for each Newton step.

The clustered score of Lin & Wei is, for each cluster, the sum over its rows of
``-(C[a, hi] - C[a, lo])`` plus a term per event, where ``C[a, j]`` is the cumulative
compensator of value ``a`` before event-time index ``j``. ``(a, lo)`` and ``(a, hi)`` are
exactly the keys of the change table, so after the fit ``C`` is evaluated at those keys only,
and a second pass over the rows, chunk by chunk, adds up each cluster's score.

References
----------
.. [1] Cox, D. R. (1972). Regression models and life-tables. *JRSS B* 34(2), 187–220.
.. [2] Efron, B. (1977). The efficiency of Cox's likelihood function for censored data.
   *JASA* 72(359), 557–565.
.. [3] Andersen, P. K., & Gill, R. D. (1982). Cox's regression model for counting processes: a
   large sample study. *Annals of Statistics* 10(4), 1100–1120.
.. [4] Lin, D. Y., & Wei, L. J. (1989). The robust inference for the Cox proportional hazards
   model. *JASA* 84(408), 1074–1078.
.. [5] Grambsch, P. M., & Therneau, T. M. (1994). Proportional hazards tests and diagnostics
   based on weighted residuals. *Biometrika* 81(3), 515–526.
.. [6] Harrell, F. E., Califf, R. M., Pryor, D. B., Lee, K. L., & Rosati, R. A. (1982).
   Evaluating the yield of medical tests. *JAMA* 247(18), 2543–2546.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from netdyn.analytics.cox_exposure import CoxExposureResult, grambsch_therneau

__all__: list[str] = []

#: Cells (values x event times) of one dense block of the at-risk table: 8 MB per float array.
BLOCK_CELLS = 1 << 20
#: (value, event time) cells up to which the tables are accumulated densely: 72 MB.
DENSE_KEYS = 1 << 23


class _SparseSum:
    """A growing sum of integer weights on int64 keys in [0, n_keys), kept with touched keys.

    Dense (an int64 array and a flag per key) when ``n_keys <= DENSE_KEYS``; otherwise the
    batches are merged by sorting once they outgrow the distinct keys seen so far.
    Memory: O(min(n_keys, distinct keys + pending batches)).
    """

    def __init__(self, n_keys: int, *, dense: bool = True) -> None:
        self.keys = np.zeros(0, dtype=np.int64)
        self.weights = np.zeros(0, dtype=np.int64)
        self._dense = dense and n_keys <= DENSE_KEYS
        if self._dense:
            self._sum = np.zeros(n_keys, dtype=np.int64)
            self._touched = np.zeros(n_keys, dtype=bool)
        self._pending: list[tuple[np.ndarray, np.ndarray]] = []
        self._n_pending = 0

    def add(self, keys: np.ndarray, weights: np.ndarray) -> None:
        if self._dense:
            np.add.at(self._sum, keys, weights.astype(np.int64))
            self._touched[keys] = True
            return
        self._pending.append((keys.astype(np.int64), weights.astype(np.int64)))
        self._n_pending += keys.size
        if self._n_pending > max(2 * self.keys.size, 1 << 20):
            self.compact()

    def compact(self) -> None:
        if self._dense:
            self.keys = np.flatnonzero(self._touched).astype(np.int64)
            self.weights = self._sum[self.keys]
            return
        if not self._pending:
            return
        keys = np.concatenate([self.keys, *(k for k, _ in self._pending)])
        weights = np.concatenate([self.weights, *(w for _, w in self._pending)])
        self._pending, self._n_pending = [], 0
        self.keys, inverse = np.unique(keys, return_inverse=True)
        self.weights = np.bincount(inverse, weights, minlength=self.keys.size).astype(np.int64)


@dataclass(frozen=True)
class RiskTables:
    """Sparse at-risk and death counts per (covariate value, event time).

    Keys are ``j * V + a`` for event-time index ``j`` (0..m; ``m`` means "after the last
    event time") and value index ``a``, ascending.
    """

    values: np.ndarray  # (V,) distinct covariate values, ascending
    times: np.ndarray  # (m,) distinct event times, ascending
    change_key: np.ndarray  # (nnz,) keys where rows enter (lo) or leave (hi)
    change: np.ndarray  # (nnz,) net rows entering there (int64)
    death_key: np.ndarray  # (n_cells,) keys (a, j) with at least one event
    death_count: np.ndarray  # (n_cells,) events there
    deaths: np.ndarray  # (m,) events per event time
    x_events: float  # sum of the covariate over events


class RiskTableBuilder:
    """Adds (start, stop] rows chunk by chunk into :class:`RiskTables`.

    ``values`` and ``times`` (all distinct covariate values and event times) must be known
    first. Memory O(nnz of the change table + one chunk).

    Examples
    --------
    Two subjects at risk at the one event time, holding 1 (dies) and 2 exposures:

    >>> builder = RiskTableBuilder(np.array([1.0, 2.0]), np.array([1.0]))
    >>> builder.add(np.array([1.0, 2.0]), np.zeros(2), np.ones(2), np.array([True, False]))
    >>> terms = efron_terms(builder.finish(), 0.0)
    >>> float(terms.score), float(terms.information)
    (-0.5, 0.25)
    """

    def __init__(self, values: np.ndarray, times: np.ndarray) -> None:
        self.values = np.asarray(values, dtype=np.float64)
        self.times = np.asarray(times, dtype=np.float64)
        n_keys = (self.times.size + 1) * self.values.size
        self._change = _SparseSum(n_keys)
        self._deaths = _SparseSum(n_keys, dense=False)  # at most one key per event

    def locate(
        self, x: np.ndarray, start: np.ndarray, stop: np.ndarray, last: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Value index, first event-time index at risk (lo) and one past the last (hi).

        ``last`` (optional) flags the rows whose ``stop`` is not the next row's ``start``;
        the others take ``hi`` from the next row's ``lo`` instead of a second search.
        """
        a = np.searchsorted(self.values, x)
        lo = np.searchsorted(self.times, start, side="right")
        if last is None:
            hi = np.searchsorted(self.times, stop, side="right")
        else:
            hi = np.empty_like(lo)
            hi[:-1] = lo[1:]
            hi[last] = np.searchsorted(self.times, stop[last], side="right")
        return a, lo, hi

    def add(
        self,
        x: np.ndarray,
        start: np.ndarray,
        stop: np.ndarray,
        event: np.ndarray,
        last: np.ndarray | None = None,
    ) -> None:
        """Add rows (covariate, start, stop, event flag, optional ``last`` as in ``locate``)."""
        n_values = self.values.size
        a, lo, hi = self.locate(x, start, stop, last)
        live = lo < hi  # rows without an event time inside (start, stop] weigh nothing
        a, lo, hi = a[live], lo[live], hi[live]
        ones = np.ones(a.size, dtype=np.int64)
        self._change.add(np.concatenate([lo * n_values + a, hi * n_values + a]), np.r_[ones, -ones])
        ev = event[live]
        self._deaths.add((hi[ev] - 1) * n_values + a[ev], ones[: int(ev.sum())])

    def finish(self) -> RiskTables:
        self._change.compact()
        self._deaths.compact()
        n_values = self.values.size
        deaths = np.bincount(
            self._deaths.keys // n_values, self._deaths.weights, minlength=self.times.size
        ).astype(np.int64)
        x_events = float(np.sum(self._deaths.weights * self.values[self._deaths.keys % n_values]))
        return RiskTables(
            values=self.values,
            times=self.times,
            change_key=self._change.keys,
            change=self._change.weights,
            death_key=self._deaths.keys,
            death_count=self._deaths.weights,
            deaths=deaths,
            x_events=x_events,
        )


def _blocks(tables: RiskTables) -> Iterator[tuple[int, int, np.ndarray, np.ndarray]]:
    """Dense (V x block) at-risk and death counts, block by block of event times."""
    n_values, m = tables.values.size, tables.times.size
    width = max(1, BLOCK_CELLS // max(n_values, 1))
    running = np.zeros(n_values, dtype=np.float64)
    for j0 in range(0, m, width):
        j1 = min(m, j0 + width)
        b = j1 - j0
        s, e = np.searchsorted(tables.change_key, [j0 * n_values, j1 * n_values])
        key = tables.change_key[s:e]
        cells = (key % n_values) * b + (key // n_values - j0)
        entering = np.bincount(cells, tables.change[s:e], minlength=n_values * b)
        at_risk = np.cumsum(entering.reshape(n_values, b), axis=1) + running[:, None]
        running = at_risk[:, -1].copy()
        s, e = np.searchsorted(tables.death_key, [j0 * n_values, j1 * n_values])
        key = tables.death_key[s:e]
        cells = (key % n_values) * b + (key // n_values - j0)
        dead = np.bincount(cells, tables.death_count[s:e], minlength=n_values * b)
        yield j0, j1, at_risk, dead.reshape(n_values, b)


def _weights(values: np.ndarray, at_risk: np.ndarray, beta: float) -> tuple[np.ndarray, np.ndarray]:
    """exp(beta v - shift_j), shift_j the largest beta v at risk at j; 0 where nobody is."""
    present = at_risk > 0
    bv = beta * values[:, None]
    shift = np.max(np.where(present, bv, -np.inf), axis=0)
    return np.where(present, np.exp(np.minimum(bv - shift, 0.0)), 0.0), shift


@dataclass(frozen=True)
class EfronTerms:
    """Efron log partial likelihood, score, information and what the residuals need."""

    loglik: float
    score: float
    information: float
    tie_time: np.ndarray  # (n_events,) event-time index of each Efron term
    tie_frac: np.ndarray  # (n_events,) l / d
    s0: np.ndarray  # (n_events,) shifted Efron denominators
    xbar: np.ndarray  # (n_events,) Efron weighted means


def efron_terms(tables: RiskTables, beta: float) -> EfronTerms:
    """Efron terms at ``beta`` from the tables; O(V x m) time, O(V x block + m) memory."""
    m = tables.times.size
    v = tables.values[:, None]
    sums = np.zeros((6, m))
    shift = np.zeros(m)
    for j0, j1, at_risk, dead in _blocks(tables):
        weight, shift[j0:j1] = _weights(tables.values, at_risk, beta)
        risk, tied = at_risk * weight, dead * weight
        sums[0, j0:j1], sums[1, j0:j1], sums[2, j0:j1] = (
            risk.sum(0),
            (risk * v).sum(0),
            (risk * v * v).sum(0),
        )
        sums[3, j0:j1], sums[4, j0:j1], sums[5, j0:j1] = (
            tied.sum(0),
            (tied * v).sum(0),
            (tied * v * v).sum(0),
        )
    d = tables.deaths
    tie_time = np.repeat(np.arange(m), d)
    offsets = np.repeat(np.cumsum(d) - d, d)
    tie_frac = (np.arange(tie_time.size) - offsets) / d[tie_time]
    s0 = sums[0, tie_time] - tie_frac * sums[3, tie_time]
    s1 = sums[1, tie_time] - tie_frac * sums[4, tie_time]
    s2 = sums[2, tie_time] - tie_frac * sums[5, tie_time]
    xbar = s1 / s0
    loglik = beta * tables.x_events - float(np.sum(d * shift)) - float(np.sum(np.log(s0)))
    return EfronTerms(
        loglik=loglik,
        score=tables.x_events - float(xbar.sum()),
        information=float(np.sum(s2 / s0 - xbar * xbar)),
        tie_time=tie_time,
        tie_frac=tie_frac,
        s0=s0,
        xbar=xbar,
    )


def newton(tables: RiskTables, *, max_iter: int = 60, tol: float = 1e-10) -> float | None:
    """Maximum partial likelihood estimate of beta, or None if it does not converge.

    Newton–Raphson from 0 with steps clipped to 5 and halved while the likelihood drops, as
    :func:`netdyn.analytics.cox_exposure.cox_exposure`.
    """
    beta = 0.0
    terms = efron_terms(tables, beta)
    for _ in range(max_iter):
        if not terms.information > 0:
            return None
        step = float(np.clip(terms.score / terms.information, -5.0, 5.0))
        candidate = efron_terms(tables, beta + step)
        halvings = 0
        while candidate.loglik < terms.loglik - 1e-12 * abs(terms.loglik) and halvings < 30:
            step /= 2.0
            candidate = efron_terms(tables, beta + step)
            halvings += 1
        beta += step
        terms = candidate
        if abs(step) < tol * max(1.0, abs(beta)):
            return beta if abs(beta) < 50.0 else None
    return None


@dataclass(frozen=True)
class Residuals:
    """What the per-cluster score sums need after the fit, and the concordance."""

    cumulative: np.ndarray  # (nnz,) compensator of value a before index j, at each change key
    dense: np.ndarray | None  # the same indexed by key, when there are <= DENSE_KEYS keys
    death_term: np.ndarray  # (n_cells,) score-residual term of one event in each death cell
    concordance: float


def residual_terms(tables: RiskTables, terms: EfronTerms, beta: float) -> Residuals:
    """Compensators at the change keys, event terms per death cell, and Harrell's C.

    One sweep over the blocks: O(V x m + nnz) time, O(V x block + nnz) memory.
    """
    n_values, m = tables.values.size, tables.times.size
    inv = 1.0 / terms.s0
    keep = 1.0 - terms.tie_frac
    a1 = np.bincount(terms.tie_time, inv, minlength=m)
    b1 = np.bincount(terms.tie_time, terms.xbar * inv, minlength=m)
    a2 = np.bincount(terms.tie_time, keep * inv, minlength=m)
    b2 = np.bincount(terms.tie_time, keep * terms.xbar * inv, minlength=m)
    mean_xbar = np.bincount(terms.tie_time, terms.xbar, minlength=m) / tables.deaths
    v = tables.values[:, None]
    cumulative = np.zeros(tables.change_key.size)
    death_weight = np.zeros(tables.death_key.size)
    running = np.zeros(n_values)
    order = np.argsort(beta * tables.values, kind="stable")
    total = concordant = tied = 0.0
    for j0, j1, at_risk, dead in _blocks(tables):
        weight, _ = _weights(tables.values, at_risk, beta)
        block = np.cumsum(weight * (v * a1[j0:j1] - b1[j0:j1]), axis=1)
        before = np.concatenate([np.zeros((n_values, 1)), block], axis=1) + running[:, None]
        s, e = np.searchsorted(tables.change_key, [j0 * n_values, j1 * n_values])
        key = tables.change_key[s:e]
        cumulative[s:e] = before[key % n_values, key // n_values - j0]
        running = before[:, -1].copy()
        s, e = np.searchsorted(tables.death_key, [j0 * n_values, j1 * n_values])
        key = tables.death_key[s:e]
        death_weight[s:e] = weight[key % n_values, key // n_values - j0]
        others = at_risk - dead
        total += float((dead * others.sum(0)).sum())
        ranked_others, ranked_deaths = others[order], dead[order]
        lower = np.cumsum(ranked_others, axis=0) - ranked_others
        concordant += float((ranked_deaths * lower).sum())
        tied += float((ranked_deaths * ranked_others).sum())
    # keys at index m (rows censored after the last event time) see the whole sum
    tail = tables.change_key >= m * n_values
    cumulative[tail] = running[tables.change_key[tail] % n_values]
    if total == 0:
        concordance = math.nan
    elif beta == 0.0:
        concordance = 0.5
    else:
        concordance = (concordant + 0.5 * tied) / total
    j = tables.death_key // n_values
    xe = tables.values[tables.death_key % n_values]
    w = death_weight
    death_term = w * (xe * a1[j] - b1[j]) - w * (xe * a2[j] - b2[j]) + xe - mean_xbar[j]
    dense = None
    if (m + 1) * n_values <= DENSE_KEYS:
        dense = np.zeros((m + 1) * n_values)
        dense[tables.change_key] = cumulative
    return Residuals(
        cumulative=cumulative, dense=dense, death_term=death_term, concordance=concordance
    )


def cluster_scores(
    builder: RiskTableBuilder,
    tables: RiskTables,
    residuals: Residuals,
    cluster: np.ndarray,
    x: np.ndarray,
    start: np.ndarray,
    stop: np.ndarray,
    event: np.ndarray,
    last: np.ndarray | None,
    n_clusters: int,
) -> np.ndarray:
    """Sum of the score residuals of a chunk of rows per cluster code (0..n_clusters-1).

    The rows must be among those added to ``builder``; ``last`` as for ``locate``.
    """
    n_values = tables.values.size
    a, lo, hi = builder.locate(x, start, stop, last)
    live = lo < hi
    a, lo, hi, cluster, event = a[live], lo[live], hi[live], cluster[live], event[live]
    key_lo, key_hi = lo * n_values + a, hi * n_values + a
    if residuals.dense is not None:
        resid = residuals.dense[key_lo] - residuals.dense[key_hi]
    else:
        at_lo = np.searchsorted(tables.change_key, key_lo)
        at_hi = np.searchsorted(tables.change_key, key_hi)
        resid = residuals.cumulative[at_lo] - residuals.cumulative[at_hi]
    cells = np.searchsorted(tables.death_key, key_hi[event] - n_values)
    resid[event] += residuals.death_term[cells]
    return np.bincount(cluster, resid, minlength=n_clusters)


def ph_test(
    tables: RiskTables, terms: EfronTerms, var_naive: float, transform: str
) -> tuple[float, float]:
    """Grambsch–Therneau score test of the scaled Schoenfeld residuals against g(time).

    O(n_events) time and memory.
    """
    n_values, m = tables.values.size, tables.times.size
    mean_xbar = np.bincount(terms.tie_time, terms.xbar, minlength=m) / tables.deaths
    j = np.repeat(tables.death_key // n_values, tables.death_count)
    schoenfeld = tables.values[np.repeat(tables.death_key % n_values, tables.death_count)]
    schoenfeld = schoenfeld - mean_xbar[j]
    return grambsch_therneau(schoenfeld, tables.times[j], var_naive, transform)


def cox_result(
    status: str, sizes: dict[str, int], options: dict[str, object], **fields: float
) -> CoxExposureResult:
    """A result with ``status``, the sizes and options given, and ``nan`` where not fitted."""
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
        math.nan,
    )
    base.update(fields)
    ph_p = base["ph_p_value"]
    return CoxExposureResult(
        status=status,
        ph_violated=None if math.isnan(ph_p) else bool(ph_p < 0.05),
        **sizes,
        **options,
        **base,
    )
