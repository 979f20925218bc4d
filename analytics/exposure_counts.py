"""Exposure-response curve and Cox model of exposure, streamed over contagions in chunks.

:func:`exposure_analysis` gives what :func:`netdyn.analytics.exposure.count_exposures`,
:func:`netdyn.analytics.exposure.exposure_response` and
:func:`netdyn.analytics.cox_exposure.cox_exposure` give together — the exposure-response
curve of Romero, Meeder & Kleinberg (2011) and the Cox (1972) hazard ratio per extra exposure
with its Lin & Wei (1989) clustered standard error, concordance and Grambsch & Therneau (1994)
test — without ever holding one row per exposure. The exposures of a chunk of contagions are
counted (integer codes and numpy, one expansion of the adoptions over the adopters' out-edges),
reduced to (start, stop] rows, and folded into aggregated tables
(:mod:`netdyn.analytics.cox_tables`); then the chunk is dropped. Same conventions for time,
ties and risk as :mod:`netdyn.analytics.exposure`, same estimates as the per-exposure path
(the tests compare them to 1e-6).

Passes
------
1. Count: the curve, the counts, the distinct exposure counts and the event times.
2. Tables: at-risk changes and deaths per (exposure count, event time); then the Efron fit
   (Cox 1972; Efron 1977) on the tables alone (Andersen & Gill 1982 counting process).
3. Clusters: each contagion's score-residual sum, for the sandwich of Lin & Wei (1989).

Chunks are recounted in passes 2 and 3, except those whose rows fit, together, in a
cache of ``chunk_size`` rows (for small inputs: all of them, counted once).

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
.. [6] Romero, D. M., Meeder, B., & Kleinberg, J. (2011). Differences in the mechanics of
   information diffusion across topics: idioms, political hashtags, and complex contagion on
   Twitter. *Proceedings of WWW 2011*, 695–704.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal, NamedTuple

import numpy as np
import polars as pl
from scipy import stats

from netdyn.analytics import cox_tables
from netdyn.analytics._arrays import unique_values
from netdyn.analytics.cox_exposure import CoxExposureResult, check_cox_options
from netdyn.analytics.exposure import (
    _adoption_times,
    _curve_from_counts,
    _edge_times,
    _require,
    _seconds,
)
from netdyn.core.errors import InvalidInputError

__all__ = ["ExposureCounts", "ExposureAnalysis", "exposure_analysis"]

#: Default exposures (adoption x out-edge pairs) expanded per chunk: ~170 MB of temporaries.
DEFAULT_CHUNK_SIZE = 1_000_000


@dataclass(frozen=True)
class ExposureCounts:
    """Sizes of an exposure analysis.

    Attributes
    ----------
    n_adoptions : int
        Distinct (contagion, actor) adoptions of the input (sampled or not).
    n_exposures : int
        Exposures counted: (adoption, out-edge of the adopter) pairs, self-loops excluded —
        the rows :func:`netdyn.analytics.exposure.count_exposures` would return (of the
        sampled contagions, when ``sample_rate`` < 1).
    n_exposures_before_adoption : int
        Of those, exposures before the exposed actor's adoption (or of a never-adopter).
    n_chunks : int
        Chunks of contagions the exposures were counted in.
    n_contagions : int
        Contagions in the input (with at least one adoption), sampled or not.
    n_pairs : int
        (adoption, out-edge of the adopter) pairs of all the input's contagions: the work of
        counting every exposure; ``n_exposures`` when nothing was sampled.
    sample_rate : float
        Probability with which each contagion was analysed: 1.0 when all were, else
        ``max_pairs / n_pairs`` (:func:`exposure_analysis`).
    n_contagions_sampled : int
        Contagions analysed (all of them when ``sample_rate`` is 1.0).
    """

    n_adoptions: int
    n_exposures: int
    n_exposures_before_adoption: int
    n_chunks: int
    n_contagions: int = 0
    n_pairs: int = 0
    sample_rate: float = 1.0
    n_contagions_sampled: int = 0


class ExposureAnalysis(NamedTuple):
    """What :func:`exposure_analysis` returns: ``curve, cox, counts``."""

    curve: pl.DataFrame
    cox: CoxExposureResult
    counts: ExposureCounts


@dataclass(frozen=True)
class _Prepared:
    """Integer-coded adoptions (sorted by contagion, actor) and the out-edge CSR."""

    n_actors: int
    n_contagions: int
    contagion: np.ndarray  # (n_adoptions,) contagion code
    actor: np.ndarray  # (n_adoptions,) actor code
    adopted_at: np.ndarray  # (n_adoptions,) float seconds
    key: np.ndarray  # (n_adoptions,) contagion * n_actors + actor, ascending
    first_row: np.ndarray  # (n_contagions + 1,) first adoption row of each contagion
    indptr: np.ndarray  # (n_actors + 1,) out-edges of each actor in target/formed
    target: np.ndarray
    formed: np.ndarray  # -inf: present from the start
    end: np.ndarray  # (n_contagions,) observation end; nan: left out of the Cox model
    origin: np.ndarray  # (n_contagions,) first adoption
    adopted_rank: np.ndarray  # (n_adoptions,) dense rank of adopted_at among all times
    formed_rank: np.ndarray  # (n_edges,) dense rank of formed among all times
    n_ranks: int


def _prepare(
    adoptions: pl.DataFrame, edges: pl.DataFrame, until: float | datetime | pl.DataFrame | None
) -> _Prepared:
    adopted = _adoption_times(adoptions)
    edge_times = _edge_times(edges)
    actors = (
        pl.concat(
            [
                adopted.select(id="actor_id"),
                edge_times.select(id="exposer_id"),
                edge_times.select(id="exposed_id"),
            ]
        )
        .unique()
        .sort("id")
        .with_row_index("code")
    )
    contagions = adopted.select(id="contagion_id").unique().sort("id").with_row_index("code")
    code = pl.col("code").cast(pl.Int64)
    coded = (
        adopted.join(contagions.select("id", c=code), left_on="contagion_id", right_on="id")
        .join(actors.select("id", a=code), left_on="actor_id", right_on="id")
        .sort("c", "a")
    )
    coded_edges = (
        edge_times.join(actors.select("id", u=code), left_on="exposer_id", right_on="id")
        .join(actors.select("id", v=code), left_on="exposed_id", right_on="id")
        .sort("u", "v")
    )
    n_actors, n_contagions = actors.height, contagions.height
    contagion = coded["c"].to_numpy()
    adopted_at = coded["adopted_at"].to_numpy()
    origin = np.full(n_contagions, np.inf)
    np.minimum.at(origin, contagion, adopted_at)
    if until is None:
        end = np.full(n_contagions, -np.inf)
        np.maximum.at(end, contagion, adopted_at)
    elif isinstance(until, pl.DataFrame):
        _require(until, "until", ("contagion_id", "until"))
        frame = until.select(
            pl.col("contagion_id").cast(pl.String),
            _seconds("until", until.schema["until"]).alias("_end"),
        )
        if frame["contagion_id"].is_duplicated().any():
            raise InvalidInputError(
                "until has repeated contagion_id rows; give one observation end per contagion"
            )
        end = (
            contagions.join(frame, left_on="id", right_on="contagion_id", how="left")
            .sort("code")["_end"]
            .fill_null(math.nan)
            .to_numpy()
            .astype(np.float64)
        )
    else:
        value = until.timestamp() if isinstance(until, datetime) else float(until)
        if not math.isfinite(value):
            raise InvalidInputError(f"until must be finite; got {until}")
        end = np.full(n_contagions, value)
    formed = coded_edges["formed_at"].to_numpy().astype(np.float64)
    # an exposure happens at max(adopted, formed): its rank among these instants is the max
    # of the two ranks, so exposures sort by (pair, time) with one integer sort
    instants = unique_values(np.concatenate([adopted_at, formed]))
    return _Prepared(
        n_actors=n_actors,
        n_contagions=n_contagions,
        contagion=contagion,
        actor=coded["a"].to_numpy(),
        adopted_at=adopted_at,
        key=contagion * max(n_actors, 1) + coded["a"].to_numpy(),
        first_row=np.searchsorted(contagion, np.arange(n_contagions + 1)),
        indptr=np.searchsorted(coded_edges["u"].to_numpy(), np.arange(n_actors + 1)),
        target=coded_edges["v"].to_numpy(),
        formed=formed,
        end=end,
        origin=origin,
        adopted_rank=np.searchsorted(instants, adopted_at),
        formed_rank=np.searchsorted(instants, formed),
        n_ranks=max(instants.size, 1),
    )


def _pairs_per_contagion(prep: _Prepared) -> np.ndarray:
    """(adoption, out-edge of the adopter) pairs of each contagion: shape (n_contagions,)."""
    degree = prep.indptr[prep.actor + 1] - prep.indptr[prep.actor]
    return np.bincount(prep.contagion, degree, minlength=prep.n_contagions).astype(np.int64)


#: Contagions kept at the least when sampling (the clustered errors need two).
MIN_SAMPLED_CONTAGIONS = 2


def _sample_contagions(
    prep: _Prepared, per_contagion: np.ndarray, max_pairs: int, seed: int
) -> tuple[_Prepared, float]:
    """A Bernoulli sample of whole contagions with expected pairs ``max_pairs``.

    Each contagion is kept independently with probability ``q = max_pairs / total pairs``
    (uniform draws from ``seed``); if fewer than :data:`MIN_SAMPLED_CONTAGIONS` are kept,
    those with the smallest draws are. Returns the coded inputs of the kept contagions
    (codes renumbered in order, so the key order is kept) and ``q``.
    """
    total = int(per_contagion.sum())
    q = max_pairs / total
    draws = np.random.default_rng(seed).random(prep.n_contagions)
    keep = draws < q
    if keep.sum() < min(MIN_SAMPLED_CONTAGIONS, prep.n_contagions):
        keep[np.argsort(draws, kind="stable")[:MIN_SAMPLED_CONTAGIONS]] = True
    code = np.cumsum(keep) - 1
    rows = keep[prep.contagion]
    contagion = code[prep.contagion[rows]]
    actor = prep.actor[rows]
    n_kept = int(keep.sum())
    sampled = replace(
        prep,
        n_contagions=n_kept,
        contagion=contagion,
        actor=actor,
        adopted_at=prep.adopted_at[rows],
        key=contagion * max(prep.n_actors, 1) + actor,
        first_row=np.searchsorted(contagion, np.arange(n_kept + 1)),
        end=prep.end[keep],
        origin=prep.origin[keep],
        adopted_rank=prep.adopted_rank[rows],
    )
    return sampled, q


def _chunks(prep: _Prepared, chunk_size: int) -> list[tuple[int, int]]:
    """Contagion ranges [c0, c1): those whose first exposure falls in one chunk_size window."""
    per_contagion = _pairs_per_contagion(prep)
    before = np.cumsum(per_contagion) - per_contagion
    label = (before // chunk_size).astype(np.int64)
    bounds = np.flatnonzero(np.diff(label)) + 1
    edges = np.concatenate([[0], bounds, [prep.n_contagions]]).astype(np.int64)
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]


@dataclass(frozen=True)
class _Chunk:
    """One chunk's curve counts and Cox (start, stop] rows."""

    n_exposures: int
    n_before: int
    k_steps: np.ndarray  # k of every (pair, exposure instant) before adoption
    k_adopted: np.ndarray  # k held at adoption by every adopting exposed pair
    cluster: np.ndarray  # Cox rows: contagion code
    x: np.ndarray
    start: np.ndarray
    stop: np.ndarray
    event: np.ndarray
    last: np.ndarray  # last row of its (contagion, actor): stop is not the next start
    n_subjects: int


def _count_chunk(
    prep: _Prepared, c0: int, c1: int, time_origin: str, max_exposures: int | None
) -> _Chunk:
    """Exposures of contagions [c0, c1): O(e log e) time and O(e) memory for e exposures."""
    r0, r1 = prep.first_row[c0], prep.first_row[c1]
    exposer = prep.actor[r0:r1]
    first_edge = prep.indptr[exposer]
    degree = prep.indptr[exposer + 1] - first_edge
    n_exposures = int(degree.sum())
    row = np.repeat(np.arange(r1 - r0), degree)
    edge = first_edge[row] + np.arange(n_exposures) - (np.cumsum(degree) - degree)[row]
    exposed_at = np.maximum(prep.adopted_at[r0:r1][row], prep.formed[edge])
    rank = np.maximum(prep.adopted_rank[r0:r1][row], prep.formed_rank[edge])
    key = prep.contagion[r0:r1][row] * max(prep.n_actors, 1) + prep.target[edge]
    del row, edge
    order = _pair_time_order(key, rank, prep.n_ranks, exposed_at)
    key, exposed_at = key[order], exposed_at[order]
    del order, rank
    # the exposed actor's adoption, looked up once per (contagion, actor) pair, in key order
    pair_first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if key.size else key
    pair_key = key[pair_first]
    found = np.minimum(np.searchsorted(prep.key, pair_key), max(prep.key.size - 1, 0))
    hit = prep.key[found] == pair_key if prep.key.size else np.zeros(pair_key.size, dtype=bool)
    pair_adopted = np.where(hit, prep.adopted_at[found], np.inf)
    adopted_at = np.repeat(pair_adopted, np.diff(np.r_[pair_first, key.size]))
    before = exposed_at < adopted_at
    key, exposed_at, adopted_at = key[before], exposed_at[before], adopted_at[before]
    del found, hit, before, pair_first, pair_key, pair_adopted
    n = key.size
    new_pair = np.ones(n, dtype=bool)
    new_pair[1:] = key[1:] != key[:-1]
    instant_end = np.ones(n, dtype=bool)
    instant_end[:-1] = new_pair[1:] | (exposed_at[1:] != exposed_at[:-1])
    pair_start = np.maximum.accumulate(np.where(new_pair, np.arange(n), 0))
    steps = np.flatnonzero(instant_end)
    k = steps - pair_start[steps] + 1
    first_at = exposed_at[pair_start[steps]]
    key, exposed_at, adopted_at = key[steps], exposed_at[steps], adopted_at[steps]
    last = np.ones(steps.size, dtype=bool)
    last[:-1] = key[1:] != key[:-1]
    k_adopted = k[last & np.isfinite(adopted_at)]
    # Cox rows: instants before the contagion's observation end (a prefix of each pair)
    contagion = key // max(prep.n_actors, 1)
    end = prep.end[contagion]
    with np.errstate(invalid="ignore"):
        observed = exposed_at < end
    k_steps = k
    key, contagion, end = key[observed], contagion[observed], end[observed]
    t, adopted_at, first_at, k = (
        exposed_at[observed],
        adopted_at[observed],
        first_at[observed],
        k[observed],
    )
    same_next = np.zeros(key.size, dtype=bool)
    same_next[:-1] = key[1:] == key[:-1]
    stop = np.minimum(adopted_at, end)
    stop[:-1] = np.where(same_next[:-1], t[1:], stop[:-1])
    event = ~same_next & np.isfinite(adopted_at) & (adopted_at <= end)
    shift = first_at if time_origin == "first_exposure" else prep.origin[contagion]
    x = k.astype(np.float64)
    if max_exposures is not None:
        x = np.minimum(x, float(max_exposures))
    n_subjects = int(key.size and 1 + np.count_nonzero(key[1:] != key[:-1]))
    return _Chunk(
        n_exposures=n_exposures,
        n_before=n,
        k_steps=k_steps,
        k_adopted=k_adopted,
        cluster=contagion,
        x=x,
        start=t - shift,
        stop=stop - shift,
        event=event,
        last=~same_next,
        n_subjects=n_subjects,
    )


def _pair_time_order(key: np.ndarray, rank: np.ndarray, n_ranks: int, t: np.ndarray) -> np.ndarray:
    """Order by (key, time): one integer sort of key x n_ranks + rank when it fits in int64."""
    if key.size == 0:
        return np.zeros(0, dtype=np.int64)
    low, span = int(key.min()), int(key.max() - key.min()) + 1
    if span * n_ranks >= 1 << 62:
        return np.lexsort((t, key))
    return np.argsort((key - low) * n_ranks + rank, kind="stable")


def _add_counts(total: np.ndarray, values: np.ndarray) -> np.ndarray:
    counts = np.bincount(values)
    if counts.size > total.size:
        total = np.concatenate([total, np.zeros(counts.size - total.size, dtype=np.int64)])
    total[: counts.size] += counts
    return total


def exposure_analysis(
    adoptions: pl.DataFrame,
    edges: pl.DataFrame,
    *,
    until: float | datetime | pl.DataFrame | None = None,
    max_k: int | None = None,
    time_origin: Literal["first_exposure", "contagion_start"] = "first_exposure",
    confidence: float = 0.95,
    ph_time_transform: Literal["rank", "identity", "log"] = "rank",
    max_exposures: int | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    max_pairs: int | None = None,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> ExposureAnalysis:
    """Exposure-response curve and Cox model of exposure, counted chunk by chunk.

    The same as ``exposure_response(ex, adoptions, max_k=max_k, confidence=confidence)`` and
    ``cox_exposure(ex, adoptions, until=until, ...)`` with
    ``ex = count_exposures(adoptions, edges)``, in memory that does not grow with the number
    of exposures.

    Parameters
    ----------
    adoptions : polars.DataFrame
        One row per first adoption: ``contagion_id``, ``actor_id``, ``adopted_at`` (Datetime
        or float seconds). Repeated (contagion, actor) rows keep the earliest time.
    edges : polars.DataFrame
        Exposure graph: ``exposer_id``, ``exposed_id`` and optionally ``formed_at`` (Datetime
        or float seconds on the adoptions' clock; null or absent: present from the start).
    until : float, datetime or polars.DataFrame, optional
        Observation end of the Cox model, as for
        :func:`netdyn.analytics.cox_exposure.cox_exposure`: one time (seconds or datetime),
        or a frame with ``contagion_id`` and ``until`` (one row per contagion; contagions
        missing from it, or with a null end, are left out). Default: each contagion's last
        adoption. The curve ignores it.
    max_k : int, optional
        Largest k of the curve (>= 1); default the largest count any actor reached.
    time_origin : {"first_exposure", "contagion_start"}
        Time axis of the baseline hazard (see ``cox_exposure``).
    confidence : float, default 0.95
        Coverage of the Wilson intervals and of the hazard-ratio interval.
    ph_time_transform : {"rank", "identity", "log"}
        Time function of the Grambsch–Therneau test.
    max_exposures : int, optional
        Top-code the Cox covariate at this count (>= 1). Default: no cap.
    chunk_size : int, default 1_000_000
        Exposures (adoption x out-edge pairs) expanded at once (>= 1). Contagions are taken
        in order into chunks of at most ``chunk_size`` exposures plus those of the chunk's
        last contagion (a contagion is never split). About 170 bytes of temporaries per
        exposure, so the default holds ~170 MB; the (start, stop] rows of up to
        ``chunk_size`` intervals are also kept across the passes (34 bytes each).
    max_pairs : int, optional
        Most (adoption, out-edge of the adopter) pairs to count (>= 1). When the input holds
        more, a seeded random sample of whole contagions is analysed: each is kept with
        probability ``max_pairs / pairs`` (Bernoulli sampling; at least
        :data:`MIN_SAMPLED_CONTAGIONS` kept), so about ``max_pairs`` pairs are counted.
        ``counts.sample_rate`` records the probability. Default: count every pair.
    seed : int, default 0
        Seed of the contagion sample (used only when sampling).
    progress : callable, optional
        Called as ``progress(0, total)`` first, then ``progress(done, total)`` after each
        chunk of each pass (``total`` is three passes times the chunks); passes that are not
        needed count as done at the end.

    Returns
    -------
    ExposureAnalysis
        ``curve``: one row per k, as
        :func:`netdyn.analytics.exposure.exposure_response`; ``cox``: the
        :class:`netdyn.analytics.cox_exposure.CoxExposureResult`; ``counts``: the
        :class:`ExposureCounts` (``n_exposures`` is the row count of ``count_exposures``).

    Raises
    ------
    InvalidInputError
        If an option is out of range (``max_k``, ``confidence``, ``time_origin``,
        ``ph_time_transform``, ``max_exposures``, ``chunk_size`` < 1), ``until`` is not finite
        or repeats a contagion, or an input is malformed (as ``count_exposures``).

    Notes
    -----
    Exposure counting: the adoptions and edges are coded as integers; a chunk's adoptions are
    expanded over the adopters' out-edges (a CSR), each exposure is matched with the exposed
    actor's adoption by binary search, the exposures before it are sorted by (pair, time),
    and runs of one instant give the steps of the count. The curve needs only per-k totals.

    Cox model: with one covariate the Efron likelihood depends on the risk sets only through
    the number of rows of each exposure count at risk and dying at each event time, so the
    rows are folded into those counts (stored sparsely, as the changes of the at-risk counts;
    :mod:`netdyn.analytics.cox_tables`). The Lin & Wei sandwich needs each contagion's sum of
    score residuals, a sum over its rows of cumulative compensators at (count, entry index)
    and (count, exit index) — the keys of the change table — plus a term per event, so a third
    pass adds them up per contagion once the fit is known.

    Cost, for ``e`` exposures, ``a`` adoptions, ``n`` actors, ``E`` edges, ``V`` distinct
    exposure counts (at most the largest in-degree), ``m`` distinct event times (at most
    ``a``), ``r`` (start, stop] intervals and ``s`` keys of the change table
    (``s <= min(2 r, V (m + 1))``):

    * time: O(e log e) per pass over the chunks (three passes; chunks whose rows fit the
      cache are counted once), plus O(V m + s) per Newton step and for the residuals;
    * memory: O(a + n + E) for the coded inputs; one chunk at a time, at most
      ``chunk_size`` plus one contagion's exposures (a contagion has at most ``E``), at about
      170 bytes per exposure; the cache (at most ``chunk_size`` rows, 34 bytes each); and the
      tables: O(m + V) vectors, the change table — a dense array of ``V (m + 1)`` cells when
      that is at most 2**23 cells (72 MB, plus 64 MB for the compensators of the third
      pass), else its ``s`` keys, sorted — and dense blocks of ``V x max(1, 2**20 / V)``
      cells while fitting. In all, O(a + n + E + chunk_size + min(s, V m)): it does not grow
      with ``e`` (``s`` can grow with the intervals only up to ``V (m + 1)``).

    *Sampling* (``max_pairs``): the work grows with the pairs, which grow faster than the
    log (adoptions times the adopters' degrees: 14.8 million pairs at 10^5 simulated events,
    390 million at 10^6). Whole contagions are sampled, so each analysed contagion keeps
    every one of its exposures and risk sets, and the curve and the Cox model estimate the
    same quantities as on all contagions, from fewer of them (the clustered standard error
    is that of the sample, so it widens as about ``1 / sqrt(sample_rate)``). Contagions are
    sampled with equal probability whatever their size, so a few very large contagions can
    be left out; the pairs counted are ``max_pairs`` on average, not exactly.

    At the default pipeline size (88,794 adoptions, 14.8 million exposures, V = 114,
    m = 51,551) this is about 400 MB above the process's baseline instead of 4 GB.

    References
    ----------
    Cox (1972); Efron (1977); Andersen & Gill (1982); Lin & Wei (1989); Grambsch & Therneau
    (1994); Romero, Meeder & Kleinberg (2011).

    Examples
    --------
    Two contagions on one graph: x reaches 2 exposures and adopts c, y holds 1 and adopts d
    while x (again at 2) does not, so neither count is favoured (``hazard_ratio == 1``):

    >>> ad = pl.DataFrame({"contagion_id": ["c"] * 3 + ["d"] * 3,
    ...                    "actor_id": ["a", "b", "x", "a", "b", "y"],
    ...                    "adopted_at": [0.0, 1.0, 3.0, 0.0, 1.0, 2.0]})
    >>> ed = pl.DataFrame({"exposer_id": ["a", "b", "a"], "exposed_id": ["x", "x", "y"]})
    >>> curve, cox, counts = exposure_analysis(ad, ed)
    >>> curve.select("k", "n_exposed", "n_adopted").rows()
    [(1, 4, 1), (2, 2, 1)]
    >>> cox.status, round(cox.hazard_ratio, 9), round(cox.se_naive ** 2, 9), cox.n_intervals
    ('ok', 1.0, 2.0, 6)
    >>> counts.n_exposures, counts.n_chunks
    (6, 1)
    """
    if max_k is not None and max_k < 1:
        raise InvalidInputError(f"max_k must be >= 1; got {max_k}")
    check_cox_options(time_origin, ph_time_transform, confidence, max_exposures)
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise InvalidInputError(f"chunk_size must be an integer >= 1; got {chunk_size!r}")
    if max_pairs is not None and (
        isinstance(max_pairs, bool) or not isinstance(max_pairs, int) or max_pairs < 1
    ):
        raise InvalidInputError(f"max_pairs must be an integer >= 1 or None; got {max_pairs!r}")
    prep = _prepare(adoptions, edges, until)
    n_contagions_in, n_adoptions_in = prep.n_contagions, int(prep.key.size)
    per_contagion = _pairs_per_contagion(prep)
    n_pairs = int(per_contagion.sum())
    sample_rate = 1.0
    if max_pairs is not None and n_pairs > max_pairs:
        prep, sample_rate = _sample_contagions(prep, per_contagion, max_pairs, seed)
    del per_contagion
    chunks = _chunks(prep, chunk_size)
    units, done = 3 * len(chunks), 0
    if progress is not None:
        progress(0, units)  # the total is known before the first chunk

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, units)

    cache: dict[int, tuple[np.ndarray, ...]] = {}
    cached = 0

    def rows_of(i: int) -> tuple[np.ndarray, ...]:
        if i in cache:
            return cache[i]
        ch = _count_chunk(prep, *chunks[i], time_origin, max_exposures)
        return ch.cluster, ch.x, ch.start, ch.stop, ch.event, ch.last

    # pass 1: curve, counts, distinct covariate values and event times
    n_exposed = np.zeros(1, dtype=np.int64)
    n_adopted = np.zeros(1, dtype=np.int64)
    n_exposures = n_before = n_subjects = n_intervals = n_events = 0
    observed = np.zeros(prep.n_contagions, dtype=bool)
    value_parts, time_parts = [np.zeros(0)], [np.zeros(0)]
    for i, (c0, c1) in enumerate(chunks):
        ch = _count_chunk(prep, c0, c1, time_origin, max_exposures)
        n_exposures += ch.n_exposures
        n_before += ch.n_before
        n_exposed = _add_counts(n_exposed, ch.k_steps)
        n_adopted = _add_counts(n_adopted, ch.k_adopted)
        n_subjects += ch.n_subjects
        n_intervals += ch.x.size
        n_events += int(ch.event.sum())
        observed[ch.cluster] = True
        value_parts.append(unique_values(ch.x))
        time_parts.append(unique_values(ch.stop[ch.event]))
        if cached + ch.x.size <= chunk_size:
            cache[i] = (ch.cluster, ch.x, ch.start, ch.stop, ch.event, ch.last)
            cached += ch.x.size
        del ch
        tick()
    curve = _curve_from_counts(n_exposed, n_adopted, max_k, confidence)
    counts = ExposureCounts(
        n_adoptions=n_adoptions_in,
        n_exposures=n_exposures,
        n_exposures_before_adoption=n_before,
        n_chunks=len(chunks),
        n_contagions=n_contagions_in,
        n_pairs=n_pairs,
        sample_rate=sample_rate,
        n_contagions_sampled=prep.n_contagions,
    )
    n_contagions = int(observed.sum())
    sizes = {
        "n_subjects": n_subjects,
        "n_events": n_events,
        "n_contagions": n_contagions,
        "n_intervals": n_intervals,
    }
    options = {
        "ph_time_transform": ph_time_transform,
        "time_origin": time_origin,
        "confidence": confidence,
    }
    values = unique_values(np.concatenate(value_parts))
    times = unique_values(np.concatenate(time_parts))
    del value_parts, time_parts

    def finish(status: str, **fields: float) -> ExposureAnalysis:
        if progress is not None and done < units:
            progress(units, units)
        return ExposureAnalysis(
            curve, cox_tables.cox_result(status, sizes, options, **fields), counts
        )

    if n_subjects == 0:
        return finish("no_exposed_actors")
    if n_events == 0:
        return finish("no_events")
    if values.size < 2:
        return finish("no_covariate_variation")
    # pass 2: at-risk and death tables, then the fit
    builder = cox_tables.RiskTableBuilder(values, times)
    for i in range(len(chunks)):
        _, x, start, stop, event, last = rows_of(i)
        builder.add(x, start, stop, event, last)
        tick()
    tables = builder.finish()
    if not cox_tables.efron_terms(tables, 0.0).information > 0:
        return finish("no_covariate_variation")
    beta = cox_tables.newton(tables)
    if beta is None:
        return finish("not_converged")
    terms = cox_tables.efron_terms(tables, beta)
    var_naive = 1.0 / terms.information
    residuals = cox_tables.residual_terms(tables, terms, beta)
    ph_statistic, ph_p_value = cox_tables.ph_test(tables, terms, var_naive, ph_time_transform)
    fields = {
        "hazard_ratio": math.exp(beta),
        "coef": beta,
        "se_naive": math.sqrt(var_naive),
        "concordance": residuals.concordance,
        "ph_statistic": ph_statistic,
        "ph_p_value": ph_p_value,
    }
    if n_contagions < 2:
        return finish("single_contagion", **fields)
    # pass 3: each contagion's sum of score residuals, for the clustered sandwich
    scores = np.zeros(prep.n_contagions)
    for i in range(len(chunks)):
        cluster, x, start, stop, event, last = rows_of(i)
        scores += cox_tables.cluster_scores(
            builder, tables, residuals, cluster, x, start, stop, event, last, prep.n_contagions
        )
        tick()
    se = math.sqrt(float(np.sum((scores * var_naive) ** 2)))
    z = float(stats.norm.ppf(0.5 + confidence / 2.0))
    return finish(
        "ok",
        se=se,
        ci_low=math.exp(beta - z * se),
        ci_high=math.exp(beta + z * se),
        p_value=float(2.0 * stats.norm.sf(abs(beta) / se)) if se > 0 else math.nan,
        **fields,
    )
