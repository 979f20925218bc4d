"""Exposure counting, exposure-response curves and a Cox model of adoption.

Is adoption a *simple* contagion (one exposure suffices; Romero, Meeder & Kleinberg 2011 call
the opposite "complex", after Centola & Macy) or a *complex* one, where a second exposure from a
different neighbour changes the chance to adopt (Centola 2010)? This module measures it on any
contagion — reply-thread participation, content cascades (n-gram adoption) or simulated
contagions — from two generic tables:

``adoptions``
    One row per first adoption: ``contagion_id``, ``actor_id``, ``adopted_at``.
``edges``
    The time-stamped exposure graph: ``exposer_id``, ``exposed_id``, ``formed_at``. An edge
    exists from ``formed_at`` on ("the interaction graph as it stood at each moment").

Conventions
-----------
* **Time.** ``adopted_at`` / ``formed_at`` may be polars ``Datetime`` (converted to float
  seconds since the Unix epoch) or numeric (taken as float seconds on the same clock). Every
  output time is float seconds. Mixing a Datetime column with a numeric one is allowed and means
  the numbers are epoch seconds.
* **Exposure.** Actor v is exposed to contagion c once per in-neighbour u that adopted c; the
  exposure happens at ``max(adopted_at[u], formed_at[u -> v])``. Repeated edges count once, at
  their first formation; an edge with a null ``formed_at`` is present from the start; self-loops
  are ignored.
* **Ties.** An exposure at exactly v's adoption time is *not* before the adoption (flagged
  ``is_after_adoption``). Exposures at the same instant arrive together: v's count jumps by
  their number at once, and v never held the intermediate counts.
* **Risk.** Only exposed actors are at risk: an actor who adopted with no earlier exposure
  (a seed, or an adoption from outside the graph) enters neither the exposure-response curve
  nor the Cox model.

The Cox model (:func:`cox_exposure`) is fitted with an in-house, vectorised Efron partial
likelihood rather than with lifelines, because (checked for lifelines 0.30) ``CoxPHFitter`` with
``entry_col`` computes score and Schoenfeld residuals as if every row entered at time 0, so its
``cluster_col`` standard errors and ``proportional_hazard_test`` are wrong for (start, stop]
data, ``CoxTimeVaryingFitter`` refuses ``robust=True``, and both fit in O(events x rows) time.
The tests check the fit against ``CoxTimeVaryingFitter`` and the sandwich and PH test against
``CoxPHFitter`` on data where lifelines is right.

References
----------
.. [1] Romero, D. M., Meeder, B., & Kleinberg, J. (2011). Differences in the mechanics of
   information diffusion across topics: idioms, political hashtags, and complex contagion on
   Twitter. *Proceedings of WWW 2011*, 695–704.
.. [2] Centola, D. (2010). The spread of behavior in an online social network experiment.
   *Science* 329(5996), 1194–1197.
.. [3] Cox, D. R. (1972). Regression models and life-tables. *JRSS B* 34(2), 187–220.
.. [4] Andersen, P. K., & Gill, R. D. (1982). Cox's regression model for counting processes: a
   large sample study. *Annals of Statistics* 10(4), 1100–1120.
.. [5] Lin, D. Y., & Wei, L. J. (1989). The robust inference for the Cox proportional hazards
   model. *JASA* 84(408), 1074–1078.
.. [6] Grambsch, P. M., & Therneau, T. M. (1994). Proportional hazards tests and diagnostics
   based on weighted residuals. *Biometrika* 81(3), 515–526.
.. [7] Efron, B. (1977). The efficiency of Cox's likelihood function for censored data.
   *JASA* 72(359), 557–565.
.. [8] Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
   inference. *JASA* 22(158), 209–212.
.. [9] Harrell, F. E., Califf, R. M., Pryor, D. B., Lee, K. L., & Rosati, R. A. (1982).
   Evaluating the yield of medical tests. *JAMA* 247(18), 2543–2546.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Literal

import numpy as np
import polars as pl
from scipy import stats

from netdyn.errors import InvalidInputError

__all__ = [
    "EXPOSER_IS_TARGET_KINDS",
    "EXPOSER_IS_ACTOR_KINDS",
    "CoxExposureResult",
    "exposure_edges_from_events",
    "count_exposures",
    "exposure_response",
    "wilson_interval",
    "cox_exposure",
]

#: Kinds where the actor read the target's item: the target exposed the actor.
EXPOSER_IS_TARGET_KINDS: frozenset[str] = frozenset({"reply", "comment", "retweet"})
#: Kinds addressed to the target: the actor exposed the target.
EXPOSER_IS_ACTOR_KINDS: frozenset[str] = frozenset({"message", "mention"})

_EXPOSURE_SCHEMA = {
    "contagion_id": pl.String,
    "actor_id": pl.String,
    "exposer_id": pl.String,
    "exposed_at": pl.Float64,
    "adopted_at": pl.Float64,
    "is_after_adoption": pl.Boolean,
}


# ---------------------------------------------------------------------------------------------
# input normalisation


def _seconds(column: str, dtype: pl.DataType) -> pl.Expr:
    """Float seconds from a Datetime (since the epoch) or numeric column."""
    if isinstance(dtype, pl.Datetime):
        return pl.col(column).dt.epoch("us").cast(pl.Float64) / 1e6
    if dtype.is_numeric():
        return pl.col(column).cast(pl.Float64)
    raise InvalidInputError(
        f"{column} must be a Datetime or numeric (seconds) column; got {dtype}. "
        "Parse text timestamps first, e.g. with pl.col(...).str.to_datetime()"
    )


def _require(frame: pl.DataFrame, name: str, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InvalidInputError(f"{name} lacks columns {missing}; it needs {list(columns)}")


def _adoption_times(adoptions: pl.DataFrame) -> pl.DataFrame:
    """One row per (contagion_id, actor_id): the earliest adopted_at as float seconds."""
    _require(adoptions, "adoptions", ("contagion_id", "actor_id", "adopted_at"))
    frame = adoptions.select(
        pl.col("contagion_id").cast(pl.String),
        pl.col("actor_id").cast(pl.String),
        _seconds("adopted_at", adoptions.schema["adopted_at"]).alias("adopted_at"),
    )
    n_null = frame.filter(pl.any_horizontal(pl.all().is_null())).height
    if n_null:
        raise InvalidInputError(
            f"adoptions has {n_null} rows with a null contagion_id, actor_id or adopted_at; "
            "drop them (an adoption needs a time) before counting exposures"
        )
    if not frame["adopted_at"].is_finite().all():
        raise InvalidInputError("adopted_at must be finite; drop rows with inf/nan times")
    return frame.group_by("contagion_id", "actor_id").agg(pl.col("adopted_at").min())


def _edge_times(edges: pl.DataFrame) -> pl.DataFrame:
    """One row per ordered pair (self-loops dropped): first formed_at, -inf when null."""
    _require(edges, "edges", ("exposer_id", "exposed_id"))
    formed = (
        _seconds("formed_at", edges.schema["formed_at"])
        if "formed_at" in edges.columns
        else pl.lit(None, dtype=pl.Float64)
    )
    return (
        edges.select(
            pl.col("exposer_id").cast(pl.String),
            pl.col("exposed_id").cast(pl.String),
            formed.fill_null(-math.inf).alias("formed_at"),
        )
        .filter(
            pl.col("exposer_id").is_not_null()
            & pl.col("exposed_id").is_not_null()
            & (pl.col("exposer_id") != pl.col("exposed_id"))
        )
        .group_by("exposer_id", "exposed_id")
        .agg(pl.col("formed_at").min())
    )


# ---------------------------------------------------------------------------------------------
# exposure graph and exposure counting


def exposure_edges_from_events(events: pl.DataFrame) -> pl.DataFrame:
    """The time-stamped exposure graph implied by canonical events.

    Parameters
    ----------
    events : polars.DataFrame
        Canonical events with ``kind``, ``actor_id``, ``target_actor_id``, ``occurred_at``
        (Datetime, may be null) and ``seconds_since_root`` (float, may be null); any order.

    Returns
    -------
    polars.DataFrame
        One row per ordered pair: ``exposer_id``, ``exposed_id``, ``formed_at`` (Float64
        seconds: the earliest event making the pair; null if some event making it has no time,
        i.e. the edge is taken to be present from the start). Ordered by ``exposer_id``,
        ``exposed_id``.

    Raises
    ------
    InvalidInputError
        If a required column is missing.

    Notes
    -----
    Direction: for ``reply``, ``comment`` and ``retweet`` the actor read the target's item, so
    the exposer is ``target_actor_id`` and the exposed is ``actor_id``; for ``message`` and
    ``mention`` the exposer is ``actor_id`` and the exposed ``target_actor_id``. Other kinds,
    events with a null actor or target, and self-loops are dropped.

    Time: ``occurred_at`` in seconds since the Unix epoch, or ``seconds_since_root`` when
    ``occurred_at`` is null. The two clocks differ, so do not mix sources that give only
    relative times with sources that give absolute ones.

    Examples
    --------
    >>> ev = pl.DataFrame({"kind": ["reply", "message", "reply"],
    ...     "actor_id": ["b", "a", "b"], "target_actor_id": ["a", "c", "a"],
    ...     "occurred_at": [None, None, None], "seconds_since_root": [5.0, 2.0, 1.0]},
    ...     schema_overrides={"occurred_at": pl.Datetime("us", "UTC")})
    >>> exposure_edges_from_events(ev).rows()
    [('a', 'b', 1.0), ('a', 'c', 2.0)]
    """
    _require(
        events,
        "events",
        ("kind", "actor_id", "target_actor_id", "occurred_at", "seconds_since_root"),
    )
    occurred = _seconds("occurred_at", events.schema["occurred_at"])
    t = pl.coalesce(occurred, pl.col("seconds_since_root").cast(pl.Float64))
    exposer_is_target = pl.col("kind").is_in(sorted(EXPOSER_IS_TARGET_KINDS))
    return (
        events.filter(
            pl.col("kind").is_in(sorted(EXPOSER_IS_TARGET_KINDS | EXPOSER_IS_ACTOR_KINDS))
            & pl.col("actor_id").is_not_null()
            & pl.col("target_actor_id").is_not_null()
            & (pl.col("actor_id") != pl.col("target_actor_id"))
        )
        .select(
            pl.when(exposer_is_target)
            .then(pl.col("target_actor_id"))
            .otherwise(pl.col("actor_id"))
            .alias("exposer_id"),
            pl.when(exposer_is_target)
            .then(pl.col("actor_id"))
            .otherwise(pl.col("target_actor_id"))
            .alias("exposed_id"),
            t.alias("formed_at"),
        )
        .group_by("exposer_id", "exposed_id")
        .agg(
            pl.when(pl.col("formed_at").is_null().any())
            .then(None)
            .otherwise(pl.col("formed_at").min())
            .alias("formed_at")
        )
        .sort("exposer_id", "exposed_id")
    )


def count_exposures(
    adoptions: pl.DataFrame,
    edges: pl.DataFrame,
    *,
    include_after_adoption: bool = True,
) -> pl.DataFrame:
    """Every exposure of every actor to every contagion.

    Parameters
    ----------
    adoptions : polars.DataFrame
        One row per first adoption: ``contagion_id``, ``actor_id``, ``adopted_at`` (Datetime
        or float seconds). Repeated (contagion, actor) rows keep the earliest time.
    edges : polars.DataFrame
        Exposure graph: ``exposer_id``, ``exposed_id`` and optionally ``formed_at`` (Datetime
        or float seconds; null or absent: present from the start). Repeated pairs count once,
        at their first formation; self-loops are ignored.
    include_after_adoption : bool, default True
        Keep exposures at or after the exposed actor's own adoption (flagged). False drops them.

    Returns
    -------
    polars.DataFrame
        One row per (contagion, exposed actor, exposer): ``contagion_id``, ``actor_id`` (the
        exposed), ``exposer_id``, ``exposed_at`` (float seconds), ``adopted_at`` (the exposed
        actor's adoption, float seconds; null if it never adopted), ``is_after_adoption``
        (``exposed_at >= adopted_at``). Ordered by contagion, actor, time, exposer.

    Raises
    ------
    InvalidInputError
        If a column is missing, a time column is neither Datetime nor numeric, or an adoption
        has a null or infinite time.

    Notes
    -----
    The exposure time is ``max(adopted_at[exposer], formed_at[exposer -> actor])``: an
    exposer's adoption becomes visible once the edge exists. One join of the adoptions with the
    adopters' out-edges (all contagions at once) and one join back to the adoptions, so the
    cost is linear in the output, i.e. the number of (adoption, out-edge) pairs.

    References
    ----------
    Romero, Meeder & Kleinberg (2011); Centola (2010).

    Examples
    --------
    >>> adoptions = pl.DataFrame({"contagion_id": ["c"] * 2, "actor_id": ["a", "b"],
    ...                           "adopted_at": [0.0, 5.0]})
    >>> edges = pl.DataFrame({"exposer_id": ["a", "b"], "exposed_id": ["b", "a"],
    ...                       "formed_at": [2.0, 0.0]})
    >>> count_exposures(adoptions, edges).select("actor_id", "exposed_at",
    ...                                          "is_after_adoption").rows()
    [('a', 5.0, True), ('b', 2.0, False)]
    """
    adopted = _adoption_times(adoptions)
    edge_times = _edge_times(edges)
    exposures = (
        adopted.lazy()
        .rename({"actor_id": "exposer_id", "adopted_at": "_t_exposer"})
        .join(edge_times.lazy(), on="exposer_id", how="inner")
        .rename({"exposed_id": "actor_id"})
        .join(adopted.lazy(), on=["contagion_id", "actor_id"], how="left")
        .select(
            "contagion_id",
            "actor_id",
            "exposer_id",
            pl.max_horizontal("_t_exposer", "formed_at").alias("exposed_at"),
            "adopted_at",
        )
        .with_columns(
            is_after_adoption=(pl.col("exposed_at") >= pl.col("adopted_at")).fill_null(False)
        )
    )
    if not include_after_adoption:
        exposures = exposures.filter(~pl.col("is_after_adoption"))
    return (
        exposures.sort("contagion_id", "actor_id", "exposed_at", "exposer_id")
        .collect()
        .select([pl.col(c).cast(t) for c, t in _EXPOSURE_SCHEMA.items()])
    )


def _exposure_steps(
    exposures: pl.DataFrame, adopted: pl.DataFrame, end: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Pre-adoption exposure steps: one row per (contagion, actor, distinct exposure time).

    Ordered by contagion, actor, time. Columns ``contagion_id``, ``actor_id``, ``exposed_at``,
    ``adopted_at`` (null if never), ``k`` (cumulative count after this instant), ``_first_at``
    (the actor's first exposure) and ``_end`` when ``end`` (per-contagion observation end) is
    given. Exposures at/after the adoption, or at/after the observation end, are dropped.
    """
    _require(exposures, "exposures", ("contagion_id", "actor_id", "exposed_at"))
    frame = exposures.select(
        pl.col("contagion_id").cast(pl.String),
        pl.col("actor_id").cast(pl.String),
        _seconds("exposed_at", exposures.schema["exposed_at"]).alias("exposed_at"),
    ).join(adopted, on=["contagion_id", "actor_id"], how="left")
    keep = pl.col("exposed_at").is_not_null() & (
        pl.col("adopted_at").is_null() | (pl.col("exposed_at") < pl.col("adopted_at"))
    )
    if end is not None:
        frame = frame.join(end, on="contagion_id", how="inner")
        keep = keep & (pl.col("exposed_at") < pl.col("_end"))
    # sorted once; runs of equal (contagion, actor) and (.., time) are found with shifts,
    # which is O(n) where group_by / over would hash 10^6-10^7 string keys
    frame = frame.filter(keep).sort("contagion_id", "actor_id", "exposed_at")
    same_actor = (pl.col("contagion_id") == pl.col("contagion_id").shift(1)) & (
        pl.col("actor_id") == pl.col("actor_id").shift(1)
    )
    next_same_time = (
        (pl.col("contagion_id") == pl.col("contagion_id").shift(-1))
        & (pl.col("actor_id") == pl.col("actor_id").shift(-1))
        & (pl.col("exposed_at") == pl.col("exposed_at").shift(-1))
    )
    row = pl.int_range(pl.len(), dtype=pl.Int64)
    first_row = pl.when(same_actor.fill_null(False)).then(None).otherwise(row).forward_fill()
    first_time = (
        pl.when(same_actor.fill_null(False)).then(None).otherwise("exposed_at").forward_fill()
    )
    return (
        frame.with_columns(
            k=row - first_row + 1,
            _first_at=first_time,
            _last=~next_same_time.fill_null(False),
        )
        .filter(pl.col("_last"))
        .drop("_last")
    )


# ---------------------------------------------------------------------------------------------
# exposure-response curve


def wilson_interval(
    n_success: np.ndarray | int, n_trials: np.ndarray | int, *, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion.

    Parameters
    ----------
    n_success, n_trials : int or array-like of int, same shape
        Successes and trials (``0 <= n_success <= n_trials``).
    confidence : float, default 0.95
        Coverage, in (0, 1).

    Returns
    -------
    low, high : numpy.ndarray of float
        Interval bounds, same shape as the inputs; ``nan`` where ``n_trials == 0``.

    Raises
    ------
    InvalidInputError
        If ``confidence`` is outside (0, 1) or counts are negative or inconsistent.

    References
    ----------
    Wilson (1927), *JASA* 22(158), 209–212.

    Examples
    --------
    >>> low, high = wilson_interval(3, 10)
    >>> round(float(low), 4), round(float(high), 4)
    (0.1078, 0.6032)
    """
    if not 0.0 < confidence < 1.0:
        raise InvalidInputError(f"confidence must be in (0, 1); got {confidence}")
    k = np.asarray(n_success, dtype=np.float64)
    n = np.asarray(n_trials, dtype=np.float64)
    if np.any(k < 0) or np.any(k > n):
        raise InvalidInputError("need 0 <= n_success <= n_trials for every entry")
    z = float(stats.norm.ppf(0.5 + confidence / 2.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1.0 + z * z / n
        centre = (p + z * z / (2.0 * n)) / denom
        half = z / denom * np.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n))
    return centre - half, centre + half


def exposure_response(
    exposures: pl.DataFrame,
    adoptions: pl.DataFrame,
    *,
    max_k: int | None = None,
    confidence: float = 0.95,
) -> pl.DataFrame:
    """P(adopt | k exposures): the exposure-response curve of Romero, Meeder & Kleinberg.

    Parameters
    ----------
    exposures : polars.DataFrame
        One row per exposure: ``contagion_id``, ``actor_id`` (the exposed), ``exposed_at``
        (float seconds or Datetime), e.g. from :func:`count_exposures`. Exposures at or after
        the actor's adoption are ignored whatever their flag.
    adoptions : polars.DataFrame
        ``contagion_id``, ``actor_id``, ``adopted_at`` as for :func:`count_exposures`.
    max_k : int, optional
        Largest k reported (>= 1); default: the largest count any actor reached.
    confidence : float, default 0.95
        Coverage of the Wilson intervals.

    Returns
    -------
    polars.DataFrame
        One row per k = 1..max_k: ``k``, ``n_exposed`` (actor-contagion pairs that held exactly
        k exposures before adopting or without ever adopting), ``n_adopted`` (those that adopted
        while holding k), ``p`` (``n_adopted / n_exposed``; null when ``n_exposed == 0``),
        ``ci_low``, ``ci_high`` (Wilson score interval; null when ``n_exposed == 0``). When no
        actor was exposed before adopting: empty (with these columns) if ``max_k`` is None,
        else ``max_k`` rows of zero counts.

    Raises
    ------
    InvalidInputError
        If ``max_k < 1``, ``confidence`` is outside (0, 1), or an input is malformed.

    Notes
    -----
    ``p(k)`` is the fraction of the actors that reached k exposures who adopted after their
    k-th exposure and before a (k+1)-th [1]_. Exposures at the same instant arrive together, so
    an actor whose count jumps from 0 to 2 counts for k = 2 only, not for k = 1. Actors never
    exposed before adopting (seeds) are left out. Each (contagion, actor) pair is one trial.

    References
    ----------
    .. [1] Romero, Meeder & Kleinberg (2011), WWW 2011, 695–704.
    .. [2] Wilson (1927), *JASA* 22(158), 209–212.

    Examples
    --------
    >>> ex = pl.DataFrame({"contagion_id": ["c"] * 3, "actor_id": ["x", "x", "y"],
    ...                    "exposed_at": [1.0, 2.0, 1.0]})
    >>> ad = pl.DataFrame({"contagion_id": ["c"], "actor_id": ["x"], "adopted_at": [3.0]})
    >>> exposure_response(ex, ad).select("k", "n_exposed", "n_adopted", "p").rows()
    [(1, 2, 0, 0.0), (2, 1, 1, 1.0)]
    """
    if max_k is not None and max_k < 1:
        raise InvalidInputError(f"max_k must be >= 1; got {max_k}")
    if not 0.0 < confidence < 1.0:
        raise InvalidInputError(f"confidence must be in (0, 1); got {confidence}")
    steps = _exposure_steps(exposures, _adoption_times(adoptions))
    schema = {
        "k": pl.Int64,
        "n_exposed": pl.Int64,
        "n_adopted": pl.Int64,
        "p": pl.Float64,
        "ci_low": pl.Float64,
        "ci_high": pl.Float64,
    }
    if steps.height == 0 and max_k is None:
        return pl.DataFrame(schema=schema)
    top = int(steps["k"].max()) if max_k is None else max_k
    exposed = steps.group_by("k").agg(n_exposed=pl.len())
    adopted = (
        steps.filter(pl.col("adopted_at").is_not_null())
        .group_by("contagion_id", "actor_id")
        .agg(pl.col("k").max())
        .group_by("k")
        .agg(n_adopted=pl.len())
    )
    curve = (
        pl.DataFrame({"k": np.arange(1, top + 1, dtype=np.int64)})
        .join(exposed.with_columns(pl.col("k").cast(pl.Int64)), on="k", how="left")
        .join(adopted.with_columns(pl.col("k").cast(pl.Int64)), on="k", how="left")
        .with_columns(pl.col("n_exposed", "n_adopted").fill_null(0).cast(pl.Int64))
        .sort("k")
    )
    n_exposed = curve["n_exposed"].to_numpy()
    n_adopted = curve["n_adopted"].to_numpy()
    low, high = wilson_interval(n_adopted, n_exposed, confidence=confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = n_adopted / n_exposed
    return curve.with_columns(
        p=pl.Series(p).fill_nan(None),
        ci_low=pl.Series(low).fill_nan(None),
        ci_high=pl.Series(high).fill_nan(None),
    ).select(list(schema))


# ---------------------------------------------------------------------------------------------
# Cox proportional hazards with a time-varying exposure count


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
    times = np.unique(stop[event])
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
    t = data.stop[ev]
    if transform == "rank":
        g = stats.rankdata(t)
    elif transform == "log":
        g = np.log(t)
    else:
        g = t
    g = g - g.mean()
    denom = float(np.sum(g * g))
    n_events = ev.size
    if denom == 0 or not var_naive > 0:
        return math.nan, math.nan
    scaled = n_events * var_naive * schoenfeld
    statistic = float(np.sum(g * scaled) ** 2 / (n_events * var_naive * denom))
    return statistic, float(stats.chi2.sf(statistic, 1))


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
        (float seconds or Datetime), e.g. :func:`count_exposures`. Exposures at or after the
        actor's adoption or the contagion's observation end are ignored.
    adoptions : polars.DataFrame
        ``contagion_id``, ``actor_id``, ``adopted_at`` as for :func:`count_exposures`.
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

    References
    ----------
    Cox (1972); Efron (1977); Andersen & Gill (1982); Lin & Wei (1989); Grambsch & Therneau
    (1994); Harrell et al. (1982); Romero, Meeder & Kleinberg (2011); Centola (2010).
    """
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
