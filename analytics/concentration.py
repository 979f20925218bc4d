"""Concentration of a per-actor quantity: top-1 % and top-10 % shares and the Gini coefficient.

One of the elite measures asked for by the MoltBook studies *Do Agent Societies Develop
Intellectual Elites?* and *Does Socialization Emerge in AI Agent Society?*: how much of the
activity (events per actor) or of the attention (the total size of the cascades an actor
rooted) the top 1 % and 10 % of actors hold, and the Gini coefficient of the whole
distribution.

References
----------
.. [1] Gini, C. (1912). *Variabilità e mutabilità*. Bologna: Cuppini.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from netdyn.analytics._arrays import as_values

__all__ = ["Concentration", "concentration"]


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
    x = as_values(values, "values")
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
