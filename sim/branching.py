"""A calibrated branching (Hawkes-like) model of a reply platform, generated vectorised.

Every item (a post or a reply) draws a random number of direct replies, each of which draws
its own, so a thread is a Galton–Watson tree (Harris 1963) — the discrete-generation skeleton
of a self-exciting Hawkes process whose kernel is the reply-delay distribution (Hawkes 1971;
Crane & Sornette 2008). The model is generated one *generation* at a time: all items of
depth ``d`` draw their offspring counts, their replies' delays and their replies' authors in a
few numpy calls, so ten million events need a few hundred vectorised steps, not a Python loop
per event. :func:`netdyn.sim.calibration.calibrate` estimates every parameter from a real
event log, so a synthetic log of the same size answers "is this structure real, or what a
simple mechanism gives?".

Model
-----
* **Actors.** Actor ``j`` has an activity weight ``a_j = (1 − U_j)^(−1 / (activity_exponent −
  1))``: Pareto with minimum 1 and density ``∝ a^−activity_exponent``. Actors are assigned
  to ``n_communities`` communities with Zipf shares ``∝ rank^−community_exponent``.
* **Roots** (posts): ``n_roots`` times uniform over ``duration_days`` from ``start`` (a
  homogeneous Poisson process conditioned on its count), authors drawn ``∝ a_j``; a post
  lives in its author's community.
* **Offspring.** In each generation, item ``i`` (author ``j``) has mean offspring
  ``μ_i = branching_ratio · g_j / ḡ``, where ``g_j = a_j^attachment_exponent`` and ``ḡ`` is
  the mean of ``g`` over the generation's items (within a block, below). So every generation
  expects exactly ``branching_ratio`` replies per item, and the items compete for them by
  their authors' attractiveness: preferential choice of whom to reply to, with a
  fitness-type kernel (Bianconi & Barabási 2001; Caldarelli et al. 2002). Because an
  actor's items scale with ``a_j``, the replies an actor receives scale as
  ``a_j^(1 + attachment_exponent)``; ``attachment_exponent = 0`` is neutral (every item
  equally likely to be answered). The count is Poisson(``μ_i``), or, with
  ``offspring_dispersion = k``, negative binomial with mean ``μ_i`` and variance
  ``μ_i + μ_i² / k`` (a gamma-mixed Poisson; overdispersed threads, Lloyd-Smith et al. 2005).
* **Repliers.** With probability ``1 − community_mixing`` a reply's author is drawn ``∝ a_j``
  among the actors of the thread's community, otherwise ``∝ a_j`` among all actors; the reply
  is addressed to the parent's author (``target_actor_id``).
* **Delays.** A reply comes ``LogNormal(ln median_delay_seconds, delay_sigma)`` seconds after
  its parent.
* **Cap.** A thread stops growing at ``max_cascade_size`` items; the cut is breadth-first
  (the offspring of one generation are kept in item order until the cap is reached).
* **Blocks.** Roots are processed in blocks of ``block_roots`` consecutive roots, each with
  its own random stream (``SeedSequence(seed, spawn_key=(1 + block,))``; actors and roots use
  ``spawn_key=(0,)``), so a log can be generated block by block in bounded memory
  (:func:`iter_branching_chunks`) and hold exactly the events of :func:`simulate_branching`.
  The preference competition of a generation is among the block's items of that generation.

A subcritical tree (``branching_ratio < 1``) has mean size ``1 / (1 − branching_ratio)``; at
criticality with finite offspring variance the size has the tail ``P(S = s) ∝ s^−3/2``
(Otter 1949; Harris 1963). With ``attachment_exponent > 0`` and heavy-tailed activity the
offspring variance is large (it is finite only because the actors are finitely many), so the
critical tail is only approached for ``attachment_exponent = 0``.

References
----------
.. [1] Harris, T. E. (1963). *The Theory of Branching Processes*. Springer.
.. [2] Otter, R. (1949). The multiplicative process. *Annals of Mathematical Statistics*
   20(2), 206–224.
.. [3] Hawkes, A. G. (1971). Spectra of some self-exciting and mutually exciting point
   processes. *Biometrika* 58(1), 83–90.
.. [4] Crane, R., & Sornette, D. (2008). Robust dynamic classes revealed by measuring the
   response function of a social system. *PNAS* 105(41), 15649–15653.
.. [5] Bianconi, G., & Barabási, A.-L. (2001). Competition and multiscaling in evolving
   networks. *Europhysics Letters* 54(4), 436–442.
.. [6] Caldarelli, G., Capocci, A., De Los Rios, P., & Muñoz, M. A. (2002). Scale-free
   networks from varying vertex intrinsic fitness. *Physical Review Letters* 89(25), 258702.
.. [7] Lloyd-Smith, J. O., Schreiber, S. J., Kopp, P. E., & Getz, W. M. (2005).
   Superspreading and the effect of individual variation on disease emergence. *Nature*
   438, 355–359.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

import numpy as np
import polars as pl

from netdyn.core import progress
from netdyn.core.errors import InvalidInputError
from netdyn.sim._params import SimulationParams, parse_start, require, roots_for_events
from netdyn.store.canonical import EVENT_SCHEMA, Chunk, EventBuffer, sha256_text

__all__ = [
    "MODEL",
    "BranchingParams",
    "simulate_branching",
    "iter_branching_chunks",
]

#: Model name recorded in the source label, the batch uri and every event's ``attributes``.
MODEL = "branching"

_FLOAT_FIELDS = (
    "branching_ratio",
    "activity_exponent",
    "attachment_exponent",
    "community_exponent",
    "community_mixing",
    "median_delay_seconds",
    "delay_sigma",
    "duration_days",
)
_INT_FIELDS = ("n_actors", "n_roots", "n_communities", "max_cascade_size", "block_roots", "seed")


@dataclass(frozen=True)
class BranchingParams(SimulationParams):
    """Parameters of :func:`simulate_branching` (validated on construction).

    Attributes
    ----------
    n_actors : int
        Number of actors, ``≥ 1`` (actors drawn for no event do not appear in the log).
    n_roots : int
        Number of roots (posts), i.e. threads, ``≥ 1``.
    branching_ratio : float
        Mean number of direct replies per item, in ``[0, 1.5]``.
    offspring_dispersion : float or None
        ``None`` for Poisson offspring; ``k > 0`` for negative binomial offspring with
        variance ``μ + μ² / k`` (smaller ``k``, burstier threads).
    activity_exponent : float
        Density exponent of the actors' Pareto activity weights, ``> 1``; the events per
        actor then have a tail ``P(n) ∝ n^−activity_exponent``.
    attachment_exponent : float
        ``γ`` in the attractiveness ``a_j^γ`` of an actor's items, in ``[−3, 3]``; 0 is
        neutral, 1 linear in activity.
    n_communities : int
        Number of communities, ``≥ 1``.
    community_exponent : float
        Zipf exponent of the communities' actor shares, ``≥ 0`` (0: equal sizes).
    community_mixing : float
        Share of replies whose author is drawn from all actors rather than from the thread's
        community, in ``[0, 1]``.
    median_delay_seconds : float
        Median reply delay in seconds, ``> 0``.
    delay_sigma : float
        Log-standard deviation of the lognormal reply delay, ``≥ 0``.
    duration_days : float
        Span over which roots arrive, ``> 0``.
    start : str
        ISO-8601 start of the span, with a time zone.
    max_cascade_size : int
        Cap on items per thread, ``≥ 1``.
    block_roots : int
        Roots per generation block (see the module docstring), ``≥ 1``.
    seed : int
        Seed, ``≥ 0``; the same parameters give byte-identical events.
    """

    model: ClassVar[str] = MODEL

    n_actors: int = 5_000
    n_roots: int = 10_000
    branching_ratio: float = 0.8
    offspring_dispersion: float | None = None
    activity_exponent: float = 2.2
    attachment_exponent: float = 0.5
    n_communities: int = 20
    community_exponent: float = 1.0
    community_mixing: float = 0.1
    median_delay_seconds: float = 1800.0
    delay_sigma: float = 1.5
    duration_days: float = 30.0
    start: str = "2026-01-01T00:00:00+00:00"
    max_cascade_size: int = 100_000
    block_roots: int = 65_536
    seed: int = 0

    def __post_init__(self) -> None:
        for name in _INT_FIELDS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer):
                raise InvalidInputError(f"{name} must be an integer; got {value!r}")
            object.__setattr__(self, name, int(value))
        for name in _FLOAT_FIELDS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float | np.number):
                raise InvalidInputError(f"{name} must be a number; got {value!r}")
            if not math.isfinite(float(value)):
                raise InvalidInputError(f"{name} must be finite; got {value!r}")
            object.__setattr__(self, name, float(value))
        k = self.offspring_dispersion
        if k is not None:
            if isinstance(k, bool) or not isinstance(k, int | float | np.number):
                raise InvalidInputError(f"offspring_dispersion must be None or > 0; got {k!r}")
            object.__setattr__(self, "offspring_dispersion", float(k))
        checks = [
            (self.n_actors >= 1, f"n_actors must be >= 1; got {self.n_actors}"),
            (self.n_roots >= 1, f"n_roots must be >= 1; got {self.n_roots}"),
            (
                0.0 <= self.branching_ratio <= 1.5,
                f"branching_ratio must be within [0, 1.5]; got {self.branching_ratio}",
            ),
            (
                k is None or (math.isfinite(float(k)) and float(k) > 0),
                f"offspring_dispersion must be None (Poisson) or a finite number > 0; got {k}",
            ),
            (
                self.activity_exponent > 1.0,
                f"activity_exponent must be > 1; got {self.activity_exponent}",
            ),
            (
                -3.0 <= self.attachment_exponent <= 3.0,
                f"attachment_exponent must be within [-3, 3]; got {self.attachment_exponent}",
            ),
            (self.n_communities >= 1, f"n_communities must be >= 1; got {self.n_communities}"),
            (
                self.community_exponent >= 0,
                f"community_exponent must be >= 0; got {self.community_exponent}",
            ),
            (
                0.0 <= self.community_mixing <= 1.0,
                f"community_mixing must be within [0, 1]; got {self.community_mixing}",
            ),
            (
                self.median_delay_seconds > 0,
                f"median_delay_seconds must be > 0; got {self.median_delay_seconds}",
            ),
            (self.delay_sigma >= 0, f"delay_sigma must be >= 0; got {self.delay_sigma}"),
            (self.duration_days > 0, f"duration_days must be > 0; got {self.duration_days}"),
            (
                self.max_cascade_size >= 1,
                f"max_cascade_size must be >= 1; got {self.max_cascade_size}",
            ),
            (self.block_roots >= 1, f"block_roots must be >= 1; got {self.block_roots}"),
            (self.seed >= 0, f"seed must be >= 0; got {self.seed}"),
        ]
        require(checks)
        parse_start(self.start)

    @classmethod
    def for_events(cls, n_events: int, **kwargs: Any) -> BranchingParams:
        """Parameters whose expected number of events is about ``n_events``.

        Sets ``n_roots = round(n_events · (1 − branching_ratio))``, since a subcritical tree
        has mean size ``1 / (1 − branching_ratio)`` (ignoring the cap).

        Raises
        ------
        InvalidInputError
            If ``branching_ratio ≥ 1`` (infinite mean size: set ``n_roots`` directly) or
            ``n_events < 1``.

        Examples
        --------
        >>> BranchingParams.for_events(10_000, branching_ratio=0.9).n_roots
        1000
        """
        ratio = float(kwargs.get("branching_ratio", cls.branching_ratio))
        return cls(n_roots=roots_for_events(n_events, ratio, "n_roots"), **kwargs)

    @property
    def n_blocks(self) -> int:
        """Number of generation blocks, ``ceil(n_roots / block_roots)``."""
        return -(-self.n_roots // self.block_roots)


# --------------------------------------------------------------------------- generation


def _stream(seed: int, key: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(key,))))


@dataclass(frozen=True)
class _World:
    """Actors, communities and roots: everything shared by the blocks."""

    attract: np.ndarray  # a_j ** attachment_exponent, per actor
    community: np.ndarray  # community of each actor
    order: np.ndarray  # actors sorted by community (stable)
    cum: np.ndarray  # cumulative activity along ``order``
    lo_pos: np.ndarray  # first position in ``order`` of each community
    hi_pos: np.ndarray  # last position in ``order`` of each community (lo - 1 if empty)
    cum_lo: np.ndarray  # cumulative activity before each community
    cum_hi: np.ndarray  # cumulative activity to the end of each community
    root_time: np.ndarray  # seconds after start, sorted
    root_author: np.ndarray
    start_us: int


def _world(p: BranchingParams) -> _World:
    rng = _stream(p.seed, 0)
    n, k = p.n_actors, p.n_communities
    activity = (1.0 - rng.random(n)) ** (-1.0 / (p.activity_exponent - 1.0))
    share = np.arange(1, k + 1, dtype=np.float64) ** -p.community_exponent
    community = rng.choice(k, size=n, p=share / share.sum())
    order = np.argsort(community, kind="stable")
    cum = np.cumsum(activity[order])
    counts = np.bincount(community, minlength=k)
    hi_pos = np.cumsum(counts) - 1
    lo_pos = hi_pos - counts + 1
    cum_padded = np.concatenate([[0.0], cum])
    cum_lo, cum_hi = cum_padded[lo_pos], cum_padded[hi_pos + 1]
    root_time = np.sort(rng.random(p.n_roots) * (p.duration_days * 86_400.0))
    pos = np.searchsorted(cum, rng.random(p.n_roots) * cum[-1], side="right")
    root_author = order[np.minimum(pos, n - 1)]
    start = datetime.fromisoformat(p.start).astimezone(UTC)
    start_us = round((start - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds() * 1e6)
    return _World(
        attract=activity**p.attachment_exponent,
        community=community,
        order=order,
        cum=cum,
        lo_pos=lo_pos,
        hi_pos=hi_pos,
        cum_lo=cum_lo,
        cum_hi=cum_hi,
        root_time=root_time,
        root_author=root_author,
        start_us=start_us,
    )


def _offspring(rng: np.random.Generator, p: BranchingParams, attract: np.ndarray) -> np.ndarray:
    """Offspring counts of one generation's items (attractiveness ``attract``)."""
    if p.branching_ratio == 0.0:
        return np.zeros(attract.size, dtype=np.int64)
    mean = p.branching_ratio * attract / attract.mean()
    if p.offspring_dispersion is not None:
        k = p.offspring_dispersion
        mean = rng.gamma(k, mean / k)
    return rng.poisson(mean)


def _cap(counts: np.ndarray, cascade: np.ndarray, size: np.ndarray, cap: int) -> np.ndarray:
    """Offspring kept under the cap, breadth-first in item order (``cascade`` sorted)."""
    room = cap - size[cascade]
    if np.all(np.bincount(cascade, weights=counts, minlength=size.size) + size <= cap):
        return counts
    before = np.cumsum(counts) - counts
    is_first = np.empty(cascade.size, dtype=bool)
    is_first[0] = True
    np.not_equal(cascade[1:], cascade[:-1], out=is_first[1:])
    first = np.flatnonzero(is_first)
    within = before - before[first][np.cumsum(is_first) - 1]
    return np.clip(room - within, 0, counts)


def _block(p: BranchingParams, world: _World, block: int) -> dict[str, np.ndarray]:
    """Generate the threads of one block; arrays of items in breadth-first order."""
    rng = _stream(p.seed, 1 + block)
    r0 = block * p.block_roots
    r1 = min(r0 + p.block_roots, p.n_roots)
    n_block = r1 - r0
    mu = math.log(p.median_delay_seconds)
    n_actors = world.attract.size
    root_comm = world.community[world.root_author[r0:r1]]
    size = np.ones(n_block, dtype=np.int64)
    # the current generation
    cascade = np.arange(n_block, dtype=np.int64)
    author = world.root_author[r0:r1]
    time = world.root_time[r0:r1]
    index = np.arange(n_block, dtype=np.int64)
    out: dict[str, list[np.ndarray]] = {
        "cascade": [cascade],
        "parent": [np.full(n_block, -1, dtype=np.int64)],
        "author": [author],
        "time": [time],
        "depth": [np.zeros(n_block, dtype=np.int32)],
    }
    n_items, depth = n_block, 0
    while cascade.size:
        counts = _offspring(rng, p, world.attract[author])
        counts = _cap(counts, cascade, size, p.max_cascade_size)
        n_child = int(counts.sum())
        if n_child == 0:
            break
        size += np.bincount(cascade, weights=counts, minlength=n_block).astype(np.int64)
        parent_pos = np.repeat(np.arange(cascade.size), counts)
        child_time = time[parent_pos] + rng.lognormal(mu, p.delay_sigma, n_child)
        # repliers: in the thread's community, or (mixing) among all actors, ∝ activity
        child_cascade = cascade[parent_pos]
        comm = root_comm[child_cascade]
        is_global = rng.random(n_child) < p.community_mixing
        u = rng.random(n_child)
        lo = np.where(is_global, 0.0, world.cum_lo[comm])
        hi = np.where(is_global, world.cum[-1], world.cum_hi[comm])
        pos = np.searchsorted(world.cum, lo + u * (hi - lo), side="right")
        pos = np.clip(
            pos,
            np.where(is_global, 0, world.lo_pos[comm]),
            np.where(is_global, n_actors - 1, world.hi_pos[comm]),
        )
        child_author = world.order[pos]
        child_index = np.arange(n_items, n_items + n_child, dtype=np.int64)
        depth += 1
        out["cascade"].append(child_cascade)
        out["parent"].append(index[parent_pos])
        out["author"].append(child_author)
        out["time"].append(child_time)
        out["depth"].append(np.full(n_child, depth, dtype=np.int32))
        cascade, author, time, index = child_cascade, child_author, child_time, child_index
        n_items += n_child
    items = {name: np.concatenate(parts) for name, parts in out.items()}
    # rank of each item in its thread, breadth-first (0 for the root)
    by_thread = np.argsort(items["cascade"], kind="stable")
    first = np.concatenate([[0], np.cumsum(size)[:-1]])
    rank = np.empty(n_items, dtype=np.int64)
    rank[by_thread] = np.arange(n_items) - first[items["cascade"][by_thread]]
    parent = items["parent"]
    has_parent = parent >= 0
    safe = np.where(has_parent, parent, 0)
    return {
        "_root": items["cascade"] + r0,
        "_rank": rank,
        "_parent_rank": np.where(has_parent, rank[safe], -1),
        "_actor": items["author"],
        "_target": np.where(has_parent, items["author"][safe], -1),
        "_community": root_comm[items["cascade"]],
        "_depth": items["depth"],
        "_t_us": world.start_us + np.round(items["time"] * 1e6).astype(np.int64),
    }


def _frame(p: BranchingParams, world: _World, blocks: Iterable[int]) -> pl.DataFrame:
    """Canonical rows of the threads of ``blocks``, in time order."""
    numeric = pl.concat([pl.DataFrame(_block(p, world, b)) for b in blocks])
    numeric = numeric.sort("_t_us", maintain_order=True)
    agents = pl.select(
        pl.concat_str(pl.lit("agent_"), pl.int_range(p.n_actors).cast(pl.String))
    ).to_series()
    communities = pl.select(
        pl.concat_str(pl.lit("c"), pl.int_range(p.n_communities).cast(pl.String))
    ).to_series()
    root = pl.concat_str(pl.lit("p"), pl.col("_root").cast(pl.String))
    rank, parent_rank = pl.col("_rank"), pl.col("_parent_rank")
    target = numeric["_target"]
    frame = numeric.select(
        object_id=pl.when(rank == 0)
        .then(root)
        .otherwise(pl.concat_str(root, pl.lit("."), rank.cast(pl.String))),
        parent_object_id=pl.when(parent_rank == 0)
        .then(root)
        .when(parent_rank > 0)
        .then(pl.concat_str(root, pl.lit("."), parent_rank.cast(pl.String))),
        root_object_id=root,
        kind=pl.when(pl.col("_depth") == 0)
        .then(pl.lit("post"))
        .when(pl.col("_depth") == 1)
        .then(pl.lit("comment"))
        .otherwise(pl.lit("reply")),
        occurred_at=pl.col("_t_us").cast(pl.Datetime("us", "UTC")),
        attributes=pl.concat_str(
            pl.lit('{"depth": '),
            pl.col("_depth").cast(pl.String),
            pl.lit(f', "model": "{MODEL}"}}'),
        ),
    ).with_columns(
        source_event_id=pl.col("object_id"),
        actor_id=agents.gather(numeric["_actor"]),
        target_actor_id=agents.gather(target.set(target < 0, None)),
        community=communities.gather(numeric["_community"]),
        seconds_since_root=pl.lit(None, dtype=pl.Float64),
        text=pl.lit(None, dtype=pl.String),
    )
    return frame.select(list(EVENT_SCHEMA)).cast(EVENT_SCHEMA)


def simulate_branching(params: BranchingParams) -> Chunk:
    """Generate a platform's threads by the branching model.

    Parameters
    ----------
    params : BranchingParams
        Model parameters, including ``seed``.

    Returns
    -------
    Chunk
        Canonical events (:data:`netdyn.store.canonical.EVENT_SCHEMA`), one row per item, in time
        order (ties in breadth-first generation order): ``post`` for roots, ``comment`` for
        depth 1, ``reply`` below. Object ids are ``p<i>`` for root ``i`` and ``p<i>.<m>`` for
        the ``m``-th item of its thread in breadth-first order; actors ``agent_<j>``;
        communities ``c<k>``; ``target_actor_id`` is the parent's author; ``attributes`` is
        ``{"depth": d, "model": "branching"}``; ``seconds_since_root`` and ``text`` are null.
        ``uri`` encodes the parameters and ``content_hash`` is their fingerprint.

    Notes
    -----
    The number of events is random: about ``n_roots / (1 − branching_ratio)`` when
    subcritical; at or above criticality it is bounded only by ``n_roots ·
    max_cascade_size``, so lower the cap for such runs. Every random draw comes from
    ``numpy.random.PCG64`` streams seeded by ``SeedSequence(seed, spawn_key=...)`` and
    consumed in a fixed order, so the same parameters give byte-identical events. Cost: a
    few numpy passes per generation of each block; 10 million events in about 10 s, but
    about 2.9 GB at once — generate large logs with :func:`iter_branching_chunks`
    (``benchmarks/bench_generate.py``).

    References
    ----------
    Harris (1963); Otter (1949); Hawkes (1971); Bianconi & Barabási (2001).

    Examples
    --------
    >>> p = BranchingParams(n_actors=50, n_roots=20, branching_ratio=0.5, seed=1)
    >>> ev = simulate_branching(p).rows.to_frame()
    >>> ev.filter(kind="post").height, ev["parent_object_id"].null_count()
    (20, 20)
    """
    world = _world(params)
    chunk = Chunk(uri=params.uri, content_hash=params.fingerprint())
    blocks = progress.track(range(params.n_blocks), f"simulate {MODEL} (blocks)")
    chunk.rows.add_frame(_frame(params, world, blocks))
    return chunk


def iter_branching_chunks(params: BranchingParams, *, blocks_per_chunk: int = 1) -> Iterator[Chunk]:
    """The events of :func:`simulate_branching` in chunks of whole generation blocks.

    Parameters
    ----------
    params : BranchingParams
        Model parameters.
    blocks_per_chunk : int, default 1
        Generation blocks (``params.block_roots`` consecutive roots each) per chunk, ``≥ 1``.

    Yields
    ------
    Chunk
        The threads of ``blocks_per_chunk`` consecutive blocks, each chunk in time order;
        together the chunks hold exactly the rows of ``simulate_branching(params)`` (in
        chunk order rather than one global time order). Each chunk's ``uri`` and
        ``content_hash`` name the parameters and the chunk, so each is its own batch.

    Raises
    ------
    InvalidInputError
        If ``blocks_per_chunk < 1``.

    Examples
    --------
    >>> p = BranchingParams(n_actors=50, n_roots=30, block_roots=10, seed=1)
    >>> [c.rows.to_frame().filter(kind="post").height for c in iter_branching_chunks(
    ...     p, blocks_per_chunk=2)]
    [20, 10]
    """
    if isinstance(blocks_per_chunk, bool) or not isinstance(blocks_per_chunk, int):
        raise InvalidInputError(f"blocks_per_chunk must be an integer; got {blocks_per_chunk!r}")
    if blocks_per_chunk < 1:
        raise InvalidInputError(f"blocks_per_chunk must be >= 1; got {blocks_per_chunk}")
    world = _world(params)
    n_chunks = -(-params.n_blocks // blocks_per_chunk)
    for c in progress.track(range(n_chunks), f"simulate {MODEL} (chunks)"):
        blocks = range(c * blocks_per_chunk, min((c + 1) * blocks_per_chunk, params.n_blocks))
        chunk = Chunk(
            uri=f"{params.uri}&chunk={c}&blocks_per_chunk={blocks_per_chunk}",
            content_hash=sha256_text([params.fingerprint(), f"chunk={c}/{blocks_per_chunk}"]),
        )
        rows = EventBuffer()
        rows.add_frame(_frame(params, world, blocks))
        chunk.rows = rows
        yield chunk
