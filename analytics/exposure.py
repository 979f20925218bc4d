"""Exposure counting and exposure-response curves of a contagion.

Is adoption a *simple* contagion (one exposure suffices; Romero, Meeder & Kleinberg 2011 call
the opposite "complex", after Centola & Macy) or a *complex* one, where a second exposure from a
different neighbour changes the chance to adopt (Centola 2010)? This module counts the
exposures and draws the exposure-response curve on any contagion — reply-thread
participation, content cascades (n-gram adoption) or simulated contagions — from two generic
tables; :mod:`netdyn.analytics.cox_exposure` fits the Cox model of adoption on the same tables.

``adoptions``
    One row per first adoption: ``contagion_id``, ``actor_id``, ``adopted_at``.
``edges``
    The time-stamped exposure graph: ``exposer_id``, ``exposed_id``, ``formed_at``. An edge
    exists from ``formed_at`` on ("the interaction graph as it stood at each moment").

* :func:`exposure_edges_from_events` — the exposure graph implied by canonical events.
* :func:`count_exposures` — every exposure of every actor to every contagion.
* :func:`exposure_response` — ``P(adopt | k exposures)`` with Wilson intervals
  (:func:`wilson_interval`).

These hold one row per exposure (the reference implementation, for small inputs and tests);
:func:`netdyn.analytics.exposure_counts.exposure_analysis` gives the same curve and Cox fit
chunk by chunk, in memory that does not grow with the number of exposures.

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

References
----------
.. [1] Romero, D. M., Meeder, B., & Kleinberg, J. (2011). Differences in the mechanics of
   information diffusion across topics: idioms, political hashtags, and complex contagion on
   Twitter. *Proceedings of WWW 2011*, 695–704.
.. [2] Centola, D. (2010). The spread of behavior in an online social network experiment.
   *Science* 329(5996), 1194–1197.
.. [3] Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
   inference. *JASA* 22(158), 209–212.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
from scipy import stats

from netdyn.core.errors import InvalidInputError

__all__ = [
    "EXPOSER_IS_TARGET_KINDS",
    "EXPOSER_IS_ACTOR_KINDS",
    "exposure_edges_from_events",
    "count_exposures",
    "exposure_response",
    "wilson_interval",
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
    cost is linear in the output, i.e. the number of (adoption, out-edge) pairs — time and
    memory (about 15 million rows for 89,000 adoptions in the default pipeline run). For
    the curve and the Cox model alone, use
    :func:`netdyn.analytics.exposure_counts.exposure_analysis`, which never holds them.

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


def _curve_from_counts(
    n_exposed: np.ndarray, n_adopted: np.ndarray, max_k: int | None, confidence: float
) -> pl.DataFrame:
    """The exposure-response frame from counts indexed by k (index 0 unused).

    Used by the streamed path (:mod:`netdyn.analytics.exposure_counts`), which keeps per-k
    totals only.
    """
    schema = {
        "k": pl.Int64,
        "n_exposed": pl.Int64,
        "n_adopted": pl.Int64,
        "p": pl.Float64,
        "ci_low": pl.Float64,
        "ci_high": pl.Float64,
    }
    reached = np.flatnonzero(n_exposed)
    if reached.size == 0 and max_k is None:
        return pl.DataFrame(schema=schema)
    top = int(reached[-1]) if max_k is None else max_k
    exposed = np.zeros(top + 1, dtype=np.int64)
    adopted = np.zeros(top + 1, dtype=np.int64)
    exposed[: min(top + 1, n_exposed.size)] = n_exposed[: top + 1]
    adopted[: min(top + 1, n_adopted.size)] = n_adopted[: top + 1]
    exposed, adopted = exposed[1:], adopted[1:]
    low, high = wilson_interval(adopted, exposed, confidence=confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = adopted / exposed
    return pl.DataFrame(
        {
            "k": np.arange(1, top + 1, dtype=np.int64),
            "n_exposed": exposed,
            "n_adopted": adopted,
            "p": pl.Series(p, dtype=pl.Float64).fill_nan(None),
            "ci_low": pl.Series(low, dtype=pl.Float64).fill_nan(None),
            "ci_high": pl.Series(high, dtype=pl.Float64).fill_nan(None),
        },
        schema=schema,
    )
