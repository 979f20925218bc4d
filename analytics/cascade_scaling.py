"""How the largest cascade grows with the number of cascades, ``⟨S_max⟩ ∝ N^γ``.

For sizes drawn independently from a power law ``p(s) ∝ s^-α``, the largest of ``N`` grows as
``N^(1/(α−1))`` (Newman 2005, section on the largest value); a γ well above this
extreme-value prediction suggests the cascades are not independent draws from one law.

* :func:`largest_cascade_scaling` — the mean largest of ``N`` cascades drawn without
  replacement from one sample, for a range of ``N``.
* :func:`largest_cascade_by_window` — the largest cascade of each time window against the
  number of cascades in it.

One of the elite measures of the MoltBook studies *Do Agent Societies Develop Intellectual
Elites?* and *Does Socialization Emerge in AI Agent Society?*.

References
----------
.. [1] Newman, M. E. J. (2005). Power laws, Pareto distributions and Zipf's law.
   *Contemporary Physics* 46(5), 323–351.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from scipy.special import gammaln

from netdyn.analytics._arrays import as_values
from netdyn.core.errors import InvalidInputError

__all__ = ["CascadeScaling", "largest_cascade_scaling", "largest_cascade_by_window"]


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
    x = as_values(cascade_sizes, "cascade_sizes")
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
