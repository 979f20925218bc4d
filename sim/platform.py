"""A seeded generative model of a MoltBook-like platform.

Actors with heavy-tailed activity write posts; every item (post or comment) draws replies by a
Galton–Watson branching process with Poisson offspring whose mean is the branching ratio;
the replier is chosen by preferential attachment. The output is canonical events (posts,
top-level comments, nested replies, each with parent links) written into the event log like
any real source, so every analysis runs on it unchanged.

Model
-----
* Actor ``j`` has an activity weight ``a_j`` drawn from a Pareto distribution with tail
  exponent ``activity_exponent`` (``P(a > x) ~ x^-(activity_exponent - 1)``), normalised to
  mean 1. Posters are drawn with probability proportional to ``a_j``.
* Each actor belongs to one of ``n_communities`` communities with Zipf-distributed sizes;
  a post lives in its author's community.
* Post times are uniform over ``duration_days`` from ``start`` (a homogeneous Poisson
  process conditioned on the count).
* Every item receives ``Poisson(branching_ratio)`` direct replies, so a cascade is a
  Galton–Watson tree: mean size ``1 / (1 - branching_ratio)`` when subcritical, and a size
  distribution with tail ``s^(-3/2)`` at criticality (Harris 1963). Trees are capped at
  ``max_cascade_size`` nodes.
* The replier is drawn with probability proportional to ``attachment_offset * a_j + k_j``,
  where ``k_j`` counts the interactions (replies made plus received) of ``j`` so far: linear
  preferential attachment (Barabási & Albert 1999) with heavy-tailed initial attractiveness
  (Dorogovtsev, Mendes & Samukhin 2000).
* Reply delays are lognormal with median ``median_delay_minutes`` and log-standard
  deviation ``delay_sigma``.

References
----------
.. [1] Harris, T. E. (1963). *The Theory of Branching Processes*. Springer.
.. [2] Barabási, A.-L., & Albert, R. (1999). Emergence of scaling in random networks.
   *Science* 286(5439), 509–512.
.. [3] Dorogovtsev, S. N., Mendes, J. F. F., & Samukhin, A. N. (2000). Structure of growing
   networks with preferential linking. *Physical Review Letters* 85(21), 4633.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import ClassVar

import numpy as np

from netdyn.core import progress
from netdyn.sim._params import SimulationParams, parse_start, require, roots_for_events
from netdyn.store.canonical import Chunk, EventBuffer

__all__ = ["PlatformParams", "simulate_platform", "MODEL"]

#: Model name recorded in the source label, batch uri and run parameters.
MODEL = "platform"


@dataclass(frozen=True)
class PlatformParams(SimulationParams):
    """Parameters of :func:`simulate_platform` (all validated on construction).

    Attributes
    ----------
    n_actors : int
        Number of actors (> 0).
    n_posts : int
        Number of posts, i.e. cascades (> 0).
    branching_ratio : float
        Mean number of direct replies per item, in [0, 1.5].
    activity_exponent : float
        Tail exponent of the activity weights' density (> 1; 2–3 is typical).
    attachment_offset : float
        Weight of initial attractiveness relative to interactions (> 0).
    n_communities : int
        Number of communities (> 0).
    median_delay_minutes, delay_sigma : float
        Lognormal reply delay: median in minutes (> 0) and log-sd (≥ 0).
    duration_days : float
        Time span over which posts arrive (> 0).
    start : str
        ISO-8601 UTC start of the simulated period.
    max_cascade_size : int
        Cap on nodes per cascade (guards supercritical runs).
    seed : int
        Seed of the random generator; the same parameters and seed give identical events.
    """

    model: ClassVar[str] = MODEL

    n_actors: int = 5_000
    n_posts: int = 10_000
    branching_ratio: float = 0.9
    activity_exponent: float = 2.2
    attachment_offset: float = 1.0
    n_communities: int = 20
    median_delay_minutes: float = 30.0
    delay_sigma: float = 1.5
    duration_days: float = 30.0
    start: str = "2026-01-01T00:00:00+00:00"
    max_cascade_size: int = 100_000
    seed: int = 0

    def __post_init__(self) -> None:
        checks = [
            (self.n_actors > 0, f"n_actors must be > 0; got {self.n_actors}"),
            (self.n_posts > 0, f"n_posts must be > 0; got {self.n_posts}"),
            (
                0.0 <= self.branching_ratio <= 1.5,
                f"branching_ratio must be within [0, 1.5]; got {self.branching_ratio}",
            ),
            (
                self.activity_exponent > 1.0,
                f"activity_exponent must be > 1; got {self.activity_exponent}",
            ),
            (self.attachment_offset > 0, "attachment_offset must be > 0"),
            (self.n_communities > 0, "n_communities must be > 0"),
            (self.median_delay_minutes > 0, "median_delay_minutes must be > 0"),
            (self.delay_sigma >= 0, "delay_sigma must be >= 0"),
            (self.duration_days > 0, "duration_days must be > 0"),
            (self.max_cascade_size >= 1, "max_cascade_size must be >= 1"),
        ]
        require(checks)
        # start is not type-checked here: a start that is not text raises TypeError as before
        parse_start(self.start, errors=(ValueError,))

    @classmethod
    def for_events(cls, n_events: int, **kwargs: object) -> PlatformParams:
        """Parameters whose expected number of events is about ``n_events``.

        Sets ``n_posts = round(n_events * (1 - branching_ratio))``, since a subcritical
        Galton–Watson tree has mean size ``1 / (1 - branching_ratio)``.

        Raises
        ------
        InvalidInputError
            If ``branching_ratio >= 1`` (the mean size is infinite) or ``n_events < 1``.
        """
        ratio = float(kwargs.get("branching_ratio", cls.branching_ratio))  # type: ignore[arg-type]
        n_posts = roots_for_events(n_events, ratio, "n_posts")
        return cls(n_posts=n_posts, **kwargs)  # type: ignore[arg-type]


def _activity_weights(rng: np.random.Generator, n: int, exponent: float) -> np.ndarray:
    # Pareto with minimum 1: density ~ a^-exponent
    weights = (1.0 - rng.random(n)) ** (-1.0 / (exponent - 1.0))
    return weights / weights.mean()


def _communities(rng: np.random.Generator, n_actors: int, n_communities: int) -> np.ndarray:
    ranks = np.arange(1, n_communities + 1, dtype=np.float64)
    share = (1.0 / ranks) / np.sum(1.0 / ranks)
    return rng.choice(n_communities, size=n_actors, p=share)


def simulate_platform(params: PlatformParams) -> Chunk:
    """Generate a platform's events.

    Parameters
    ----------
    params : PlatformParams
        Model parameters, including ``seed``.

    Returns
    -------
    Chunk
        Canonical events in time order: one ``post`` per cascade, ``comment`` for direct replies
        to a post and ``reply`` below that; ``uri`` encodes the parameters and ``content_hash``
        is their fingerprint. Actor ids are ``agent_<j>``, communities ``c<k>``, object ids
        ``p<i>`` for posts and ``p<i>.<m>`` for the m-th reply in cascade i.

    Notes
    -----
    The number of events is random: about ``n_posts / (1 - branching_ratio)`` when
    subcritical. The generator is a single ``numpy.random.Generator(PCG64(seed))`` consumed in
    a fixed order, so the same parameters give byte-identical events.

    References
    ----------
    Harris (1963); Barabási & Albert (1999); Dorogovtsev, Mendes & Samukhin (2000).

    Examples
    --------
    >>> chunk = simulate_platform(PlatformParams(n_actors=50, n_posts=20, seed=1))
    >>> chunk.rows.to_frame().filter(kind="post").height
    20
    """
    rng = np.random.Generator(np.random.PCG64(params.seed))
    n = params.n_actors
    activity = _activity_weights(rng, n, params.activity_exponent)
    attract = params.attachment_offset * activity
    cum_attract = np.cumsum(attract)
    total_attract = float(cum_attract[-1])
    community = _communities(rng, n, params.n_communities)
    start = datetime.fromisoformat(params.start).astimezone(UTC)
    horizon = params.duration_days * 86_400.0
    post_times = np.sort(rng.random(params.n_posts) * horizon)
    posters = np.searchsorted(cum_attract, rng.random(params.n_posts) * total_attract)
    posters = np.minimum(posters, n - 1)
    mu = np.log(params.median_delay_minutes * 60.0)

    # urn of past interactions: each entry is an actor index; drawing uniformly from it is
    # drawing proportionally to k_j
    urn = np.empty(1 << 16, dtype=np.int64)
    urn_len = 0

    def pick_replier() -> int:
        nonlocal urn_len
        u = rng.random() * (total_attract + urn_len)
        if u < total_attract:
            return min(int(np.searchsorted(cum_attract, u)), n - 1)
        return int(urn[int(u - total_attract)])

    records: list[tuple[float, str, str, int, str | None, int | None, int, int]] = []
    for i in progress.track(range(params.n_posts), f"simulate {MODEL} (posts)", every=1024):
        post_id = f"p{i}"
        author = int(posters[i])
        records.append((post_times[i], post_id, "post", author, None, None, 0, i))
        # breadth-first Galton–Watson tree: (object id, author, time, depth)
        queue = [(post_id, author, post_times[i], 0)]
        size, head, m = 1, 0, 0
        while head < len(queue) and size < params.max_cascade_size:
            parent_id, parent_author, parent_time, depth = queue[head]
            head += 1
            n_children = int(rng.poisson(params.branching_ratio))
            for _ in range(min(n_children, params.max_cascade_size - size)):
                m += 1
                size += 1
                replier = pick_replier()
                if urn_len + 2 > urn.size:
                    urn = np.concatenate([urn, np.empty_like(urn)])
                urn[urn_len] = replier
                urn[urn_len + 1] = parent_author
                urn_len += 2
                t = parent_time + float(rng.lognormal(mu, params.delay_sigma))
                child_id = f"{post_id}.{m}"
                kind = "comment" if depth == 0 else "reply"
                records.append((t, child_id, kind, replier, parent_id, parent_author, depth + 1, i))
                queue.append((child_id, replier, t, depth + 1))

    records.sort(key=lambda r: (r[0], r[1]))
    chunk = Chunk(uri=params.uri, content_hash=params.fingerprint())
    rows = EventBuffer()
    for t, object_id, kind, actor, parent_id, target, depth, cascade in records:
        rows.add(
            source_event_id=object_id,
            kind=kind,
            occurred_at=start + timedelta(seconds=t),
            actor_id=f"agent_{actor}",
            target_actor_id=None if target is None else f"agent_{target}",
            object_id=object_id,
            parent_object_id=parent_id,
            root_object_id=f"p{cascade}",
            community=f"c{community[posters[cascade]]}",
            attributes={"depth": depth, "model": MODEL},
        )
    chunk.rows = rows
    return chunk
