"""Elites: concentration, preferential attachment, largest cascades, persistence, paradox.

Measures of whether an agent society develops an elite, as asked by the MoltBook studies
*Do Agent Societies Develop Intellectual Elites?* and *Does Socialization Emerge in AI Agent
Society?*:

* :func:`concentration` — how much of a per-actor quantity (events per actor, total size of
  the cascades an actor rooted) the top 1 % and 10 % hold, and the Gini coefficient.
* :func:`preferential_attachment_kernel` — the attachment kernel ``A(k) ∝ k^β`` measured from
  the timestamped edges by the method of Jeong, Néda & Barabási (2003): linear preferential
  attachment (``β = 1``, Barabási & Albert 1999) makes rich-get-richer elites; ``β = 0`` is
  uniform attachment.
* :func:`largest_cascade_scaling` and :func:`largest_cascade_by_window` — how the largest
  cascade grows with the number of cascades, ``⟨S_max⟩ ∝ N^γ``, against the extreme-value
  prediction ``γ = 1 / (α − 1)`` for sizes drawn from a power law with exponent ``α``
  (Newman 2005, section on the largest value).
* :func:`influence_persistence` — whether the top-k actors of one window stay on top in the
  next (Jaccard overlap, Spearman rank correlation).
* :func:`friendship_paradox` — the share of actors with fewer contacts than their contacts
  have on average (Feld 1991).
* :func:`event_edges` — the timestamped contact edges of canonical events, the input of the
  kernel and paradox measures.

References
----------
.. [1] Jeong, H., Néda, Z., & Barabási, A.-L. (2003). Measuring preferential attachment in
   evolving networks. *Europhysics Letters* 61(4), 567–572.
.. [2] Barabási, A.-L., & Albert, R. (1999). Emergence of scaling in random networks.
   *Science* 286(5439), 509–512.
.. [3] Newman, M. E. J. (2005). Power laws, Pareto distributions and Zipf's law.
   *Contemporary Physics* 46(5), 323–351.
.. [4] Feld, S. L. (1991). Why your friends have more friends than you do. *American Journal
   of Sociology* 96(6), 1464–1477.
.. [5] Gini, C. (1912). *Variabilità e mutabilità*. Bologna: Cuppini.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import igraph as ig
import numpy as np
import polars as pl
from scipy.optimize import minimize_scalar
from scipy.special import gammaln
from scipy.stats import spearmanr

from analytics.interaction_graph import INTERACTION_KINDS
from netdyn.errors import InvalidInputError

__all__ = [
    "Concentration",
    "concentration",
    "AttachmentKernel",
    "preferential_attachment_kernel",
    "CascadeScaling",
    "largest_cascade_scaling",
    "largest_cascade_by_window",
    "influence_persistence",
    "FriendshipParadox",
    "friendship_paradox",
    "event_edges",
    "DEGREES",
]

#: Degree kinds :func:`preferential_attachment_kernel` can measure attachment by.
DEGREES: frozenset[str] = frozenset({"in", "out", "total"})

_EDGE_COLUMNS = ("source_actor_id", "target_actor_id", "occurred_at")


# --------------------------------------------------------------------------- concentration


@dataclass(frozen=True)
class Concentration:
    """How concentrated a per-actor quantity is; the result of :func:`concentration`.

    Attributes
    ----------
    n_actors : int
        Number of actors (values), zeros included.
    total : float
        Sum of the values.
    top_1pct_share, top_10pct_share : float
        Share of ``total`` held by the ``ceil(0.01 n)`` / ``ceil(0.1 n)`` largest values.
    gini : float
        Gini coefficient, in ``[0, 1 − 1/n]``.
    """

    n_actors: int
    total: float
    top_1pct_share: float
    top_10pct_share: float
    gini: float


def concentration(values: Any) -> Concentration:
    """Top-1 %, top-10 % shares and the Gini coefficient of a per-actor quantity.

    Parameters
    ----------
    values : array_like of float, shape (n_actors,)
        One non-negative value per actor, e.g. events per actor (activity) or the total size
        of the cascades an actor rooted (``compute_cascades(ev).cascades.group_by(
        "root_actor_id").agg(pl.col("size").sum())``). Actors with zero belong in the sample:
        leaving them out lowers the measured concentration.

    Returns
    -------
    Concentration
        ``n_actors``, ``total``, ``top_1pct_share``, ``top_10pct_share``, ``gini``. For an
        empty sample or one whose values are all zero the shares and the Gini coefficient
        are ``nan``.

    Raises
    ------
    InvalidInputError
        If ``values`` is not one-dimensional and numeric, or holds a negative, NaN or
        infinite value.

    Notes
    -----
    *Top-q set*: the ``ceil(q · n)`` largest values (at least one actor). Actors tied at the
    boundary hold equal values, so which of them is counted does not change the share.

    *Gini*: ``G = Σ_i Σ_j |x_i − x_j| / (2 n² x̄)`` (mean absolute difference over twice the
    mean, the population form with ``n²``, not ``n (n − 1)``), computed in ``O(n log n)`` as
    ``G = 2 Σ_i i x_(i) / (n Σ x) − (n + 1) / n`` over the ascending order statistics
    ``x_(1) ≤ … ≤ x_(n)``. One actor holding everything gives ``1 − 1/n``; equal values give 0.

    References
    ----------
    Gini (1912).

    Examples
    --------
    >>> c = concentration([0, 0, 0, 1])
    >>> c.gini, c.top_1pct_share, c.top_10pct_share
    (0.75, 1.0, 1.0)
    >>> concentration([2.0, 2.0, 2.0]).gini
    0.0
    """
    x = _as_values(values, "values")
    n = x.size
    total = float(x.sum()) if n else 0.0
    if n == 0 or total == 0.0:
        return Concentration(n, total, math.nan, math.nan, math.nan)
    x = np.sort(x)
    cum_desc = np.cumsum(x[::-1])
    top = {q: float(cum_desc[math.ceil(q * n) - 1] / total) for q in (0.01, 0.1)}
    ranks = np.arange(1, n + 1, dtype=np.float64)
    gini = 2.0 * float(ranks @ x) / (n * total) - (n + 1) / n
    return Concentration(n, total, top[0.01], top[0.1], max(gini, 0.0))


# ------------------------------------------------------------------ preferential attachment


@dataclass(frozen=True)
class AttachmentKernel:
    """A measured attachment kernel; the result of :func:`preferential_attachment_kernel`.

    Attributes
    ----------
    kernel : polars.DataFrame
        One row per degree class present at ``t0``: ``degree`` (k), ``n_nodes`` (nodes of
        degree k at ``t0``), ``n_new_ends`` (edge ends they received in ``[t0, t1)``),
        ``attachment_rate`` (``A(k) = n_new_ends / n_nodes``), ``cumulative_kernel`` (κ(k),
        see Notes of the function), ``is_fitted`` (the class entered the fit of β).
    beta : float
        Exponent of ``A(k) ∝ k^β``; ``nan`` if fewer than two classes can be fitted.
    beta_se : float
        Bootstrap standard error of ``beta`` (``nan`` without bootstrap).
    beta_ci : tuple of float
        Bootstrap 95 % percentile interval of ``beta``.
    degree : str
        ``"in"``, ``"out"`` or ``"total"``.
    t0, t1 : float
        The window, in seconds (epoch seconds for Datetime input); ``t1`` may be ``inf``.
    n_nodes_t0 : int
        Nodes with at least one edge before ``t0``.
    n_edges_t0 : int
        Edges before ``t0`` (the network whose degrees are measured).
    n_new_edges : int
        Edges in ``[t0, t1)``.
    n_new_ends : int
        Ends of those edges counted for the chosen degree that landed on nodes present at
        ``t0`` (ends on newcomers are not counted).
    n_dropped : int
        Edges left out: a null end or time, or a self-loop.
    n_bootstrap : int
        Bootstrap resamples that gave a finite ``beta``.
    """

    kernel: pl.DataFrame
    beta: float
    beta_se: float
    beta_ci: tuple[float, float]
    degree: str
    t0: float
    t1: float
    n_nodes_t0: int
    n_edges_t0: int
    n_new_edges: int
    n_new_ends: int
    n_dropped: int
    n_bootstrap: int


def preferential_attachment_kernel(
    edges: pl.DataFrame,
    *,
    t0: float | datetime | None = None,
    t1: float | datetime | None = None,
    degree: str = "in",
    n_bootstrap: int = 200,
    seed: int | np.random.Generator | None = None,
) -> AttachmentKernel:
    """Measure the attachment kernel ``A(k) ∝ k^β`` (Jeong, Néda & Barabási 2003).

    The network is frozen at ``t0``: each node present then has degree ``k_i(t0)``. Every
    edge end a node receives in ``[t0, t1)`` is one attachment to it. ``A(k)`` is the number
    of attachments to nodes of degree ``k`` divided by the number of such nodes, and ``β``
    is fitted to the cumulative kernel ``κ(k) ∝ k^(β + 1)``, which is far less noisy.

    Parameters
    ----------
    edges : polars.DataFrame
        One row per edge (one interaction; repeats are separate edges): ``source_actor_id``,
        ``target_actor_id`` (any one type, e.g. strings) and ``occurred_at``, either Datetime
        (converted to epoch seconds) or float seconds. :func:`event_edges` builds it from
        canonical events; :func:`sim.growth.preferential_attachment_edges` simulates it.
    t0 : float or datetime, optional
        Start of the window. Default: the time of the edge at the 50 % quantile, the
        ``(n // 2)``-th of the ``n`` dated edges in time order (0-based), so about half the
        edges make the network at ``t0``. A datetime (naive taken as UTC) or epoch seconds.
    t1 : float or datetime, optional
        End of the window (exclusive). Default: after the last edge (``inf``).
    degree : {"in", "out", "total"}, default "in"
        The degree the kernel is a function of, and the ends that count as attachments:
        ``"in"`` — in-degree, target ends (the node being attached to); ``"out"`` —
        out-degree, source ends (activity begets activity); ``"total"`` — degree, both ends
        (undirected growth such as Barabási–Albert).
    n_bootstrap : int, default 200
        Bootstrap resamples of the nodes present at ``t0`` (with their attachments) for the
        standard error and interval of ``beta``; 0 skips it.
    seed : int, numpy.random.Generator or None, default None
        Seed of :func:`numpy.random.default_rng` for the bootstrap.

    Returns
    -------
    AttachmentKernel
        The kernel table (one row per degree class at ``t0``), ``beta`` with its bootstrap
        standard error and 95 % interval, and counts. With no edge before ``t0`` the table is
        empty and ``beta`` is ``nan``; ``beta`` is also ``nan`` when fewer than two classes
        have a positive cumulative kernel (no attachments, or one degree class).

    Raises
    ------
    InvalidInputError
        If a column is missing or ``occurred_at`` is neither Datetime nor numeric, ``degree``
        is unknown, ``t1 ≤ t0``, ``n_bootstrap < 0``, or ``edges`` has no dated edge and no
        ``t0`` is given.

    Notes
    -----
    *Degrees* count edge ends with multiplicity (a repeated contact is another link);
    self-loops are dropped. A node is present at ``t0`` if it has an edge before ``t0``.

    *Cumulative kernel.* ``κ(k)`` is the integral of ``A`` over the observed degree classes
    ``k_0 < k_1 < …`` by the trapezoid rule, ``κ(k_j) = Σ_{i<j} (A(k_i) + A(k_{i+1})) / 2 ·
    (k_{i+1} − k_i)``, starting from the smallest class ``k_0`` (0 for in-degree data
    usually; ``m`` for the total degree of Barabási–Albert growth). The paper integrates
    from 0, where ``κ ∝ k^(β+1)`` exactly; here the missing part below ``k_0`` is allowed
    for: ``β`` minimises the squared log residuals of
    ``κ(k) = C (k^(β+1) − k_0^(β+1))`` over the classes above ``k_0`` (``C`` profiled out),
    which with ``k_0 = 0`` is the paper's straight-line fit in log–log. The trapezoid rule
    is exact for a linear kernel and bridges degree classes missing in the tail. On
    Barabási–Albert growth (``m = 3``, ``2·10^4`` nodes, ``t0`` at half) this gives
    ``β = 1.00 ± 0.02`` with total degree; the plain sum ``Σ_{k'<k} A(k')`` fitted from 0
    gave 0.70, biased by the missing classes below ``m`` and the gaps in the tail. ``β`` is
    searched in ``(−0.98, 5)`` when ``k_0 > 0``; a value at an end means the fit failed.

    *Window.* With ``t1 = inf`` the network grows a lot during the window, but a linear
    kernel stays linear in ``k(t0)`` (in Barabási–Albert growth the expected degree grows as
    ``k(t0) · sqrt(t / t0)``); a short window is closer to the paper and noisier.

    *Bootstrap*: nodes present at ``t0`` are resampled with replacement, the kernel is
    recomputed and refitted; ``beta_se`` is the standard deviation and ``beta_ci`` the
    2.5 % and 97.5 % quantiles of the finite replicate betas.

    References
    ----------
    Jeong, Néda & Barabási (2003); Barabási & Albert (1999).

    Examples
    --------
    >>> e = pl.DataFrame({"source_actor_id": ["b", "c", "d", "e", "f"],
    ...                   "target_actor_id": ["a", "a", "c", "a", "c"],
    ...                   "occurred_at": [0.0, 1.0, 2.0, 3.0, 4.0]})
    >>> res = preferential_attachment_kernel(e, t0=3.0, n_bootstrap=0)
    >>> res.kernel.select("degree", "n_nodes", "n_new_ends").rows()
    [(0, 2, 0), (1, 1, 1), (2, 1, 1)]
    """
    if degree not in DEGREES:
        raise InvalidInputError(f"degree must be one of {sorted(DEGREES)}; got {degree!r}")
    if not isinstance(n_bootstrap, int | np.integer) or n_bootstrap < 0:
        raise InvalidInputError(f"n_bootstrap must be an integer >= 0; got {n_bootstrap!r}")
    src, dst, times, n_dropped, is_datetime = _timed_edges(edges)
    if t0 is None:
        if times.size == 0:
            raise InvalidInputError("edges has no dated edge; pass t0 (and t1) explicitly")
        start = float(np.sort(times)[times.size // 2])
    else:
        start = _as_seconds(t0, "t0", is_datetime)
    stop = math.inf if t1 is None else _as_seconds(t1, "t1", is_datetime)
    if not stop > start:
        raise InvalidInputError(f"t1 must be after t0; got t0={start}, t1={stop}")
    n = int(max(src.max(initial=-1), dst.max(initial=-1))) + 1
    before = times < start
    window = (times >= start) & (times < stop)
    k_in = np.bincount(dst[before], minlength=n)
    k_out = np.bincount(src[before], minlength=n)
    present = (k_in + k_out) > 0
    k = {"in": k_in, "out": k_out, "total": k_in + k_out}[degree]
    gain = np.zeros(n, dtype=np.int64)
    if degree in ("in", "total"):
        gain += np.bincount(dst[window], minlength=n)
    if degree in ("out", "total"):
        gain += np.bincount(src[window], minlength=n)
    k_present, gain_present = k[present], gain[present]
    ks, n_nodes, n_new = _classes(k_present, gain_present)
    rate = n_new / np.maximum(n_nodes, 1)
    kappa = _cumulative(ks.astype(np.float64), rate)
    beta, fitted = _fit_beta(ks.astype(np.float64), kappa)
    boot = np.empty(0)
    if n_bootstrap and k_present.size and math.isfinite(beta):
        rng = np.random.default_rng(seed)
        boot = np.full(n_bootstrap, math.nan)
        for b in range(n_bootstrap):
            pick = rng.integers(0, k_present.size, k_present.size)
            bk, bn, bnew = _classes(k_present[pick], gain_present[pick])
            bks = bk.astype(np.float64)
            boot[b] = _fit_beta(bks, _cumulative(bks, bnew / np.maximum(bn, 1)))[0]
        boot = boot[np.isfinite(boot)]
    if boot.size >= 2:
        beta_se = float(np.std(boot, ddof=1))
        lo, hi = np.quantile(boot, [0.025, 0.975])
        beta_ci = (float(lo), float(hi))
    else:
        beta_se, beta_ci = math.nan, (math.nan, math.nan)
    table = pl.DataFrame(
        {
            "degree": ks,
            "n_nodes": n_nodes,
            "n_new_ends": n_new,
            "attachment_rate": rate,
            "cumulative_kernel": kappa,
            "is_fitted": fitted,
        },
        schema={
            "degree": pl.Int64,
            "n_nodes": pl.Int64,
            "n_new_ends": pl.Int64,
            "attachment_rate": pl.Float64,
            "cumulative_kernel": pl.Float64,
            "is_fitted": pl.Boolean,
        },
    )
    return AttachmentKernel(
        kernel=table,
        beta=beta,
        beta_se=beta_se,
        beta_ci=beta_ci,
        degree=degree,
        t0=start,
        t1=stop,
        n_nodes_t0=int(present.sum()),
        n_edges_t0=int(before.sum()),
        n_new_edges=int(window.sum()),
        n_new_ends=int(gain_present.sum()),
        n_dropped=n_dropped,
        n_bootstrap=int(boot.size),
    )


def _classes(k: np.ndarray, gain: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Observed degree classes, their node counts and their attachment counts."""
    if k.size == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    n_nodes = np.bincount(k)
    n_new = np.bincount(k, weights=gain)
    ks = np.flatnonzero(n_nodes)
    return ks, n_nodes[ks], np.rint(n_new[ks]).astype(np.int64)


def _cumulative(ks: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """Trapezoid integral of the rate over the observed classes, from the first one."""
    if ks.size == 0:
        return np.empty(0)
    steps = 0.5 * (rate[1:] + rate[:-1]) * np.diff(ks)
    return np.concatenate([[0.0], np.cumsum(steps)])


def _fit_beta(ks: np.ndarray, kappa: np.ndarray) -> tuple[float, np.ndarray]:
    """β from ``κ(k) = C (k^(β+1) − k_0^(β+1))`` by least squares in logs (C profiled out)."""
    fitted = np.zeros(ks.size, dtype=bool)
    fitted[1:] = kappa[1:] > 0
    if fitted.sum() < 2:
        return math.nan, np.zeros(ks.size, dtype=bool)
    x, y, k0 = ks[fitted], np.log(kappa[fitted]), ks[0]
    if k0 == 0:
        return float(np.polyfit(np.log(x), y, 1)[0]) - 1.0, fitted
    log_x, log_k0 = np.log(x), math.log(k0)

    def sse(p: float) -> float:
        # log(x^p − k0^p) = p log x + log1p(−(k0/x)^p), stable for x close to k0
        f = p * log_x + np.log(-np.expm1(p * (log_k0 - log_x)))
        r = y - f
        return float(np.sum((r - r.mean()) ** 2))

    res = minimize_scalar(sse, bounds=(0.02, 6.0), method="bounded", options={"xatol": 1e-7})
    return float(res.x) - 1.0, fitted


def _timed_edges(edges: pl.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, bool]:
    """Integer-coded ends and float times of the usable edges, their drop count, time kind."""
    if not isinstance(edges, pl.DataFrame):
        raise InvalidInputError(f"edges must be a polars DataFrame; got {type(edges).__name__}")
    missing = [c for c in _EDGE_COLUMNS if c not in edges.columns]
    if missing:
        raise InvalidInputError(
            f"edges lacks columns {missing}; build it with event_edges(events) or rename "
            "actor_id → source_actor_id"
        )
    dtype = edges.schema["occurred_at"]
    is_datetime = isinstance(dtype, pl.Datetime)
    if is_datetime:
        seconds = pl.col("occurred_at").dt.epoch("us").cast(pl.Float64) / 1e6
    elif dtype.is_numeric():
        seconds = pl.col("occurred_at").cast(pl.Float64)
    else:
        raise InvalidInputError(
            f"occurred_at must be Datetime or float seconds; got {dtype}. Cast it first."
        )
    usable = edges.select(
        s=pl.col("source_actor_id"), d=pl.col("target_actor_id"), t=seconds
    ).filter(
        pl.col("s").is_not_null()
        & pl.col("d").is_not_null()
        & pl.col("t").is_not_null()
        & pl.col("t").is_finite()
        & (pl.col("s") != pl.col("d"))
    )
    src, dst = _encode(usable["s"], usable["d"])
    return src, dst, usable["t"].to_numpy(), edges.height - usable.height, is_datetime


def _encode(a: pl.Series, b: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """Dense 0-based integer codes of two id columns, shared between them."""
    if a.len() == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    codes = pl.concat([a, b]).rank("dense").cast(pl.Int64).to_numpy() - 1
    return codes[: a.len()], codes[a.len() :]


def _as_seconds(value: Any, name: str, is_datetime: bool) -> float:
    if isinstance(value, datetime):
        if not is_datetime:
            raise InvalidInputError(
                f"{name} is a datetime but occurred_at holds seconds; pass {name} in seconds"
            )
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.timestamp()
    if isinstance(value, int | float | np.integer | np.floating) and not math.isnan(value):
        return float(value)
    raise InvalidInputError(f"{name} must be a datetime or a number of seconds; got {value!r}")


# ---------------------------------------------------------------- largest-cascade scaling


@dataclass(frozen=True)
class CascadeScaling:
    """Growth of the largest cascade with the number of cascades, ``⟨S_max⟩ ∝ N^γ``.

    Attributes
    ----------
    table : polars.DataFrame
        The points fitted: for :func:`largest_cascade_scaling` one row per subsample size,
        for :func:`largest_cascade_by_window` one row per window (see each function).
    gamma : float
        Least-squares slope of ``log S_max`` on ``log N``; ``nan`` with fewer than two
        distinct ``N``.
    gamma_se : float
        Its ordinary least-squares standard error (``nan`` with fewer than three points).
    gamma_predicted : float
        ``1 / (alpha − 1)``, the extreme-value prediction, or ``nan`` without ``alpha``.
    alpha : float
        The power-law exponent supplied (``nan`` if none).
    """

    table: pl.DataFrame
    gamma: float
    gamma_se: float
    gamma_predicted: float
    alpha: float


def largest_cascade_scaling(
    cascade_sizes: Any,
    *,
    system_sizes: Sequence[int] | None = None,
    n_subsamples: int = 200,
    alpha: float | None = None,
    seed: int | np.random.Generator | None = None,
) -> CascadeScaling:
    """Mean largest cascade of ``N`` cascades drawn without replacement, and its exponent γ.

    For sizes drawn from a power law ``p(s) ∝ s^-α``, the largest of ``N`` grows as
    ``N^(1/(α−1))`` (Newman 2005): an ``N`` ten times larger makes the largest cascade
    ``10^(1/(α−1))`` times larger. A γ well above the prediction suggests the sample is not
    independent draws from one law (cascades that grow with the system).

    Parameters
    ----------
    cascade_sizes : array_like of float, shape (n_cascades,)
        One size per cascade (nodes), all positive.
    system_sizes : sequence of int, optional
        The subsample sizes ``N``, each in ``[1, n_cascades]``. Default: 12 log-spaced
        integers from 10 to ``n_cascades // 10`` (from 1 to ``n_cascades // 2`` when
        ``n_cascades < 200``), duplicates removed.
    n_subsamples : int, default 200
        Subsamples per ``N``.
    alpha : float, optional
        Power-law exponent of the sizes (e.g. ``fit_power_law(sizes, discrete=True).alpha``);
        gives ``gamma_predicted = 1 / (alpha − 1)``.
    seed : int, numpy.random.Generator or None, default None
        Seed of :func:`numpy.random.default_rng` for the subsamples.

    Returns
    -------
    CascadeScaling
        ``table`` has one row per ``N``: ``n_cascades`` (N), ``n_subsamples``,
        ``mean_max_size`` and ``sd_max_size`` over the subsamples, and
        ``expected_max_size``, the exact mean over all ``C(n, N)`` subsets. ``gamma`` is
        fitted to ``mean_max_size``. With fewer than two cascades the table is empty and
        ``gamma`` is ``nan``.

    Raises
    ------
    InvalidInputError
        If a size is not positive and finite, a system size is outside ``[1, n_cascades]``,
        ``n_subsamples < 1``, or ``alpha ≤ 1``.

    Notes
    -----
    The maximum of a subsample is the value at the smallest rank (in descending order) among
    the ``N`` ranks drawn; that rank ``r`` has ``P(r) = C(n − r, N − 1) / C(n, N)``. Each
    subsample's maximum is drawn from this law (inverse CDF), which has the same
    distribution as materialising ``N`` draws without replacement and costs ``O(n)`` per
    ``N`` instead of ``O(n)`` per subsample; ``expected_max_size`` is its exact mean. For
    ``N`` close to ``n`` every subsample holds the sample's largest values and the curve
    flattens, hence the default upper end ``n // 10``. Subsamples of one sample share its
    largest values, so the points are correlated and ``gamma_se`` understates the
    uncertainty; for ``alpha < 2`` the mean of the maximum is dominated by the sample's
    single largest value.

    References
    ----------
    Newman (2005), section on the largest value.

    Examples
    --------
    >>> res = largest_cascade_scaling([1, 2, 3, 4], system_sizes=[1, 4], seed=0)
    >>> res.table["expected_max_size"].to_list()
    [2.5, 4.0]
    """
    x = _as_values(cascade_sizes, "cascade_sizes")
    if np.any(x <= 0):
        raise InvalidInputError("cascade sizes must be > 0 (a cascade has at least its root)")
    if not isinstance(n_subsamples, int | np.integer) or n_subsamples < 1:
        raise InvalidInputError(f"n_subsamples must be an integer >= 1; got {n_subsamples!r}")
    alpha_value, predicted = _prediction(alpha)
    n = x.size
    schema = {
        "n_cascades": pl.Int64,
        "n_subsamples": pl.Int64,
        "mean_max_size": pl.Float64,
        "sd_max_size": pl.Float64,
        "expected_max_size": pl.Float64,
    }
    if n < 2:
        empty = pl.DataFrame(schema=schema)
        return CascadeScaling(empty, math.nan, math.nan, predicted, alpha_value)
    if system_sizes is None:
        lo, hi = (10, n // 10) if n >= 200 else (1, n // 2)
        sizes = np.unique(np.rint(np.geomspace(lo, hi, 12)).astype(np.int64))
    else:
        sizes = np.unique(np.asarray(list(system_sizes), dtype=np.int64))
        if sizes.size == 0 or sizes[0] < 1 or sizes[-1] > n:
            raise InvalidInputError(
                f"system_sizes must lie in [1, {n}] (the number of cascades); got "
                f"{sorted(set(np.asarray(list(system_sizes)).tolist()))}"
            )
    rng = np.random.default_rng(seed)
    desc = np.sort(x)[::-1]
    rows = []
    for size in sizes.tolist():
        r = np.arange(1, n - size + 2, dtype=np.float64)  # ranks that can be the maximum
        # log C(n − r, N − 1) − log C(n, N)
        log_p = (
            gammaln(n - r + 1)
            - gammaln(size)
            - gammaln(n - r - size + 2)
            - (gammaln(n + 1) - gammaln(size + 1) - gammaln(n - size + 1))
        )
        p = np.exp(log_p)
        cdf = np.cumsum(p)
        cdf /= cdf[-1]
        top = desc[: r.size]
        ranks = np.minimum(np.searchsorted(cdf, rng.random(n_subsamples), side="right"), r.size - 1)
        maxima = top[ranks]
        rows.append(
            (
                size,
                n_subsamples,
                float(maxima.mean()),
                float(maxima.std(ddof=1)) if n_subsamples > 1 else math.nan,
                float(p @ top / p.sum()),
            )
        )
    table = pl.DataFrame(rows, schema=schema, orient="row")
    gamma, gamma_se = _loglog_slope(table["n_cascades"].to_numpy(), table["mean_max_size"])
    return CascadeScaling(table, gamma, gamma_se, predicted, alpha_value)


def largest_cascade_by_window(
    cascades: pl.DataFrame,
    *,
    window_column: str = "window_id",
    size_column: str = "size",
    alpha: float | None = None,
) -> CascadeScaling:
    """Largest cascade per time window against the number of cascades in it.

    Parameters
    ----------
    cascades : polars.DataFrame
        One row per cascade: a window key (``window_column``, any type, e.g. the day the
        cascade started) and its size (``size_column``, positive).
    window_column, size_column : str
        Column names.
    alpha : float, optional
        Power-law exponent of the sizes, for ``gamma_predicted = 1 / (alpha − 1)``.

    Returns
    -------
    CascadeScaling
        ``table`` has one row per window, sorted by window: the window key,
        ``n_cascades`` (N) and ``max_size`` (S_max). ``gamma`` is the slope of
        ``log max_size`` on ``log n_cascades`` across windows (``nan`` if all windows have
        the same N, or there are fewer than two).

    Raises
    ------
    InvalidInputError
        If a column is missing, a size is null or not positive, or ``alpha ≤ 1``.

    Notes
    -----
    Unlike :func:`largest_cascade_scaling`, ``N`` here varies with the activity of each
    window; if cascades get larger in busy windows for other reasons (attention, growth of
    the platform) γ exceeds the independent-draws prediction.

    References
    ----------
    Newman (2005).

    Examples
    --------
    >>> c = pl.DataFrame({"window_id": [1, 2, 2, 2, 2], "size": [3, 1, 12, 2, 1]})
    >>> res = largest_cascade_by_window(c)
    >>> res.table.rows(), round(res.gamma, 12)
    ([(1, 1, 3.0), (2, 4, 12.0)], 1.0)
    """
    missing = [c for c in (window_column, size_column) if c not in cascades.columns]
    if missing:
        raise InvalidInputError(f"cascades lacks columns {missing}; pass window_column/size_column")
    alpha_value, predicted = _prediction(alpha)
    sizes = cascades[size_column]
    if sizes.null_count() or not sizes.dtype.is_numeric():
        raise InvalidInputError(f"{size_column} must be numeric without nulls")
    if cascades.height and (sizes <= 0).any():
        raise InvalidInputError(f"{size_column} must be > 0 (a cascade has at least its root)")
    table = (
        cascades.group_by(window_column)
        .agg(
            n_cascades=pl.len().cast(pl.Int64),
            max_size=pl.col(size_column).max().cast(pl.Float64),
        )
        .sort(window_column)
    )
    gamma, gamma_se = _loglog_slope(table["n_cascades"].to_numpy(), table["max_size"])
    return CascadeScaling(table, gamma, gamma_se, predicted, alpha_value)


def _prediction(alpha: float | None) -> tuple[float, float]:
    if alpha is None:
        return math.nan, math.nan
    if not (isinstance(alpha, int | float | np.floating) and alpha > 1 and math.isfinite(alpha)):
        raise InvalidInputError(f"alpha must be > 1; got {alpha}")
    return float(alpha), 1.0 / (float(alpha) - 1.0)


def _loglog_slope(n: np.ndarray, s: pl.Series) -> tuple[float, float]:
    """OLS slope of log s on log n and its standard error."""
    x = np.log(np.asarray(n, dtype=np.float64))
    y = np.log(s.to_numpy().astype(np.float64))
    if x.size < 2 or np.ptp(x) == 0:
        return math.nan, math.nan
    xc = x - x.mean()
    slope = float(xc @ (y - y.mean()) / (xc @ xc))
    if x.size < 3:
        return slope, math.nan
    resid = y - y.mean() - slope * xc
    return slope, float(math.sqrt((resid @ resid) / (x.size - 2) / (xc @ xc)))


# ---------------------------------------------------------------------------- persistence


def influence_persistence(scores: pl.DataFrame, *, k: int) -> pl.DataFrame:
    """Persistence of the top-k actors between consecutive windows.

    Parameters
    ----------
    scores : polars.DataFrame
        One row per (window, actor): ``window_start`` (any sortable type: Datetime, date,
        number), ``actor_id``, ``score`` (numeric, e.g. replies received in the window).
    k : int
        Size of the elite, ``≥ 1``.

    Returns
    -------
    polars.DataFrame
        One row per pair of consecutive windows, in window order: ``window_start``,
        ``next_window_start``, ``jaccard_top_k`` (``|T ∩ T'| / |T ∪ T'|`` of the two top-k
        sets), ``n_top_common`` (``|T ∩ T'|``), ``spearman_rho`` (Spearman correlation of
        the two windows' scores over the actors scored in both), ``n_common`` (those
        actors). Empty (with these columns) when there are fewer than two windows.

    Raises
    ------
    InvalidInputError
        If a column is missing, ``k < 1``, ``score`` is not numeric or null, or an
        ``(window_start, actor_id)`` pair repeats.

    Notes
    -----
    *Top-k*: the ``k`` highest scores, ties broken by ``actor_id`` ascending so the set is
    deterministic; a window with fewer than ``k`` actors contributes all of them.

    *Spearman* is computed over the actors present in both windows (an actor absent from a
    window has no score there, rather than a zero): this measures whether the order among
    continuing actors persists, not turnover, which the Jaccard overlap measures. It is
    ``nan`` when fewer than two actors are common or either side's scores are constant.

    Examples
    --------
    >>> s = pl.DataFrame({"window_start": [0, 0, 0, 1, 1, 1],
    ...                   "actor_id": ["a", "b", "c", "a", "b", "c"],
    ...                   "score": [3.0, 2.0, 1.0, 1.0, 3.0, 2.0]})
    >>> influence_persistence(s, k=2).select("jaccard_top_k", "spearman_rho").rows()
    [(0.3333333333333333, -0.5)]
    """
    missing = [c for c in ("window_start", "actor_id", "score") if c not in scores.columns]
    if missing:
        raise InvalidInputError(f"scores lacks columns {missing}")
    if not isinstance(k, int | np.integer) or k < 1:
        raise InvalidInputError(f"k must be an integer >= 1; got {k!r}")
    if not scores["score"].dtype.is_numeric() or scores["score"].null_count():
        raise InvalidInputError("score must be numeric without nulls; fill or drop them first")
    if scores.select("window_start", "actor_id").is_duplicated().any():
        raise InvalidInputError(
            "(window_start, actor_id) repeats; aggregate scores to one row per actor per window"
        )
    window_dtype = scores.schema["window_start"]
    schema = {
        "window_start": window_dtype,
        "next_window_start": window_dtype,
        "jaccard_top_k": pl.Float64,
        "n_top_common": pl.Int64,
        "spearman_rho": pl.Float64,
        "n_common": pl.Int64,
    }
    ranked = scores.sort(
        ["window_start", "score", "actor_id"], descending=[False, True, False]
    ).with_columns(rank=pl.int_range(pl.len()).over("window_start"))
    windows = ranked["window_start"].unique(maintain_order=True).to_list()
    by_window = {w[0]: f for w, f in ranked.partition_by("window_start", as_dict=True).items()}
    rows = []
    for w, nxt in zip(windows[:-1], windows[1:], strict=True):
        a, b = by_window[w], by_window[nxt]
        top_a = set(a.filter(pl.col("rank") < k)["actor_id"].to_list())
        top_b = set(b.filter(pl.col("rank") < k)["actor_id"].to_list())
        common = a.select("actor_id", "score").join(
            b.select("actor_id", "score"), on="actor_id", suffix="_next"
        )
        rho = math.nan
        if common.height >= 2:
            sa, sb = common["score"].to_numpy(), common["score_next"].to_numpy()
            if np.ptp(sa) > 0 and np.ptp(sb) > 0:
                rho = float(spearmanr(sa, sb).statistic)
        n_top = len(top_a & top_b)
        rows.append((w, nxt, n_top / len(top_a | top_b), n_top, rho, common.height))
    return pl.DataFrame(rows, schema=schema, orient="row")


# ------------------------------------------------------------------------ friendship paradox


@dataclass(frozen=True)
class FriendshipParadox:
    """The friendship paradox of a contact graph; the result of :func:`friendship_paradox`.

    Attributes
    ----------
    actors : polars.DataFrame
        One row per non-isolated actor: ``actor_id``, ``degree``, ``mean_neighbor_degree``,
        ``is_lower`` (degree strictly below the mean degree of its neighbours).
    n_actors : int
        Non-isolated actors.
    n_isolated : int
        Actors without a contact (only self-loops, or isolated vertices of a graph input).
    share_lower : float
        Share of non-isolated actors with ``is_lower``; ``nan`` if there are none.
    mean_degree : float
        ``⟨k⟩`` over non-isolated actors.
    mean_neighbor_degree : float
        Mean over actors of their neighbours' mean degree.
    edge_end_mean_degree : float
        ``⟨k²⟩ / ⟨k⟩``, the mean degree at the end of a random edge, which exceeds
        ``⟨k⟩`` unless every degree is equal (Feld 1991).
    """

    actors: pl.DataFrame
    n_actors: int
    n_isolated: int
    share_lower: float
    mean_degree: float
    mean_neighbor_degree: float
    edge_end_mean_degree: float


def friendship_paradox(
    contacts: ig.Graph | pl.DataFrame,
    *,
    columns: tuple[str, str] | None = None,
) -> FriendshipParadox:
    """Share of actors with fewer contacts than their contacts have (Feld 1991).

    Parameters
    ----------
    contacts : igraph.Graph or polars.DataFrame
        A graph (vertex attribute ``name`` used as ``actor_id`` if present, else the vertex
        index), or edges with one row per interaction.
    columns : tuple of str, optional
        The two end columns of a DataFrame. Default: ``("source_actor_id",
        "target_actor_id")`` if present, else ``("actor_id", "target_actor_id")``
        (canonical events or :func:`analytics.interaction_graph.interaction_edges`).

    Returns
    -------
    FriendshipParadox
        Per-actor table and summary; for a graph without edges ``share_lower`` and the
        means are ``nan``.

    Raises
    ------
    InvalidInputError
        If ``contacts`` is neither a graph nor a DataFrame, or an end column is missing.

    Notes
    -----
    The contact graph is undirected and simple: direction is ignored, repeated contacts
    are one edge, self-loops are dropped, and rows with a null end are not contacts.
    Isolated actors have no neighbours, so the comparison is undefined for them; they are
    excluded from every share and mean and counted in ``n_isolated``. An actor whose
    degree equals its neighbours' mean is not ``is_lower``.

    References
    ----------
    Feld (1991).

    Examples
    --------
    >>> star = pl.DataFrame({"source_actor_id": ["hub"] * 3, "target_actor_id": ["a", "b", "c"]})
    >>> fp = friendship_paradox(star)
    >>> fp.share_lower, fp.mean_degree, fp.edge_end_mean_degree
    (0.75, 1.5, 2.0)
    """
    if isinstance(contacts, ig.Graph):
        graph = contacts.as_undirected(mode="collapse") if contacts.is_directed() else contacts
        graph = graph.simplify(multiple=True, loops=True)
        names = (
            pl.Series("actor_id", graph.vs["name"])
            if "name" in graph.vs.attributes()
            else pl.Series("actor_id", np.arange(graph.vcount(), dtype=np.int64))
        )
        pairs = np.asarray(graph.get_edgelist(), dtype=np.int64).reshape(-1, 2)
        u, v = pairs[:, 0], pairs[:, 1]
        n_vertices = graph.vcount()
    elif isinstance(contacts, pl.DataFrame):
        a, b = _end_columns(contacts, columns)
        ends = contacts.select(a=pl.col(a), b=pl.col(b)).drop_nulls()
        codes_a, codes_b = _encode(ends["a"], ends["b"])
        names = (
            pl.concat([ends["a"], ends["b"]]).unique().sort().rename("actor_id")
            if ends.height
            else pl.Series("actor_id", [], dtype=contacts.schema[a])
        )
        n_vertices = names.len()
        keep = codes_a != codes_b
        lo = np.minimum(codes_a[keep], codes_b[keep])
        hi = np.maximum(codes_a[keep], codes_b[keep])
        pairs = np.unique(np.column_stack([lo, hi]), axis=0) if lo.size else np.empty((0, 2))
        u, v = pairs[:, 0].astype(np.int64), pairs[:, 1].astype(np.int64)
    else:
        raise InvalidInputError(
            f"contacts must be an igraph.Graph or a polars DataFrame; got {type(contacts).__name__}"
        )
    deg = np.bincount(u, minlength=n_vertices) + np.bincount(v, minlength=n_vertices)
    nbr_sum = np.bincount(u, weights=deg[v], minlength=n_vertices) + np.bincount(
        v, weights=deg[u], minlength=n_vertices
    )
    active = deg > 0
    k = deg[active]
    mean_nbr = nbr_sum[active] / np.maximum(k, 1)
    actors = pl.DataFrame(
        {
            "actor_id": names.filter(pl.Series(active)),
            "degree": k.astype(np.int64),
            "mean_neighbor_degree": mean_nbr,
            "is_lower": k < mean_nbr,
        }
    )
    if k.size == 0:
        nan = math.nan
        return FriendshipParadox(actors, 0, int(n_vertices), nan, nan, nan, nan)
    kf = k.astype(np.float64)
    return FriendshipParadox(
        actors=actors,
        n_actors=int(k.size),
        n_isolated=int(n_vertices - k.size),
        share_lower=float(np.mean(k < mean_nbr)),
        mean_degree=float(kf.mean()),
        mean_neighbor_degree=float(mean_nbr.mean()),
        edge_end_mean_degree=float((kf @ kf) / kf.sum()),
    )


def _end_columns(frame: pl.DataFrame, columns: tuple[str, str] | None) -> tuple[str, str]:
    if columns is None:
        for pair in (("source_actor_id", "target_actor_id"), ("actor_id", "target_actor_id")):
            if all(c in frame.columns for c in pair):
                return pair
        raise InvalidInputError(
            "contacts needs source_actor_id/target_actor_id or actor_id/target_actor_id "
            f"columns, or columns=(a, b); got {frame.columns}"
        )
    missing = [c for c in columns if c not in frame.columns]
    if len(columns) != 2 or missing:
        raise InvalidInputError(f"columns must name two columns of contacts; missing {missing}")
    return columns[0], columns[1]


# ---------------------------------------------------------------------------------- helpers


def event_edges(events: pl.DataFrame, *, kinds: Iterable[str] = INTERACTION_KINDS) -> pl.DataFrame:
    """Timestamped actor → target contact edges of canonical events.

    Parameters
    ----------
    events : polars.DataFrame
        Canonical events with ``kind``, ``actor_id``, ``target_actor_id``, ``occurred_at``.
    kinds : iterable of str, default :data:`analytics.interaction_graph.INTERACTION_KINDS`
        Event kinds that are contacts.

    Returns
    -------
    polars.DataFrame
        One row per event of those kinds with both actors: ``source_actor_id``,
        ``target_actor_id``, ``occurred_at`` (as in the events, possibly null), in the
        events' order. Not aggregated: a repeated contact is another edge.

    Raises
    ------
    InvalidInputError
        If a column is missing.

    Examples
    --------
    >>> ev = pl.DataFrame({"kind": ["post", "reply"], "actor_id": ["a", "b"],
    ...                    "target_actor_id": [None, "a"], "occurred_at": [0.0, 5.0]})
    >>> event_edges(ev).rows()
    [('b', 'a', 5.0)]
    """
    needed = ("kind", "actor_id", "target_actor_id", "occurred_at")
    missing = [c for c in needed if c not in events.columns]
    if missing:
        raise InvalidInputError(f"events lacks columns {missing}")
    return events.filter(
        pl.col("kind").is_in(sorted(set(kinds)))
        & pl.col("actor_id").is_not_null()
        & pl.col("target_actor_id").is_not_null()
    ).select(
        source_actor_id="actor_id",
        target_actor_id="target_actor_id",
        occurred_at="occurred_at",
    )


def _as_values(values: Any, name: str) -> np.ndarray:
    if isinstance(values, pl.Series):
        values = values.to_numpy()
    try:
        x = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise InvalidInputError(f"{name} must be numeric; got {type(values).__name__}") from e
    if x.ndim != 1:
        raise InvalidInputError(f"{name} must be one-dimensional; got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise InvalidInputError(f"{name} holds NaN or infinite values; drop or fill them first")
    if np.any(x < 0):
        raise InvalidInputError(f"{name} must be >= 0; got minimum {x.min()}")
    return x
