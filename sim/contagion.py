"""Seeded contagion simulators on a directed exposure graph.

Three models of how adoption spreads along edges exposer → exposed:

* :func:`simulate_exposure_hazard` — continuous time. An actor exposed ``k >= 1`` times adopts
  at hazard ``baseline_hazard * hazard_ratio ** (k - 1)``; an adopter exposes its
  out-neighbours at its adoption time (or once the edge forms). ``hazard_ratio = 1`` is a simple
  contagion (one exposure suffices, later ones add nothing), ``< 1`` a complex contagion with
  diminishing returns, ``> 1`` social reinforcement (Centola & Macy 2007; Centola 2010;
  Romero, Meeder & Kleinberg 2011). This is exactly the Cox model with a time-varying exposure
  count that :func:`netdyn.analytics.cox_exposure.cox_exposure` fits, so it plants a known
  hazard ratio.
* :func:`independent_cascade` — the independent cascade model of Kempe, Kleinberg & Tardos
  (2003) in discrete steps: a newly active actor gets one chance to activate each out-neighbour,
  with probability ``p``.
* :func:`linear_threshold` — their linear threshold model: each actor activates once the
  weight of its active in-neighbours (each 1 / in-degree) reaches its threshold
  (Granovetter 1978).

:func:`contagion_events` turns any run into canonical events (edges as ``message``, seed
adoptions as ``post``, other adoptions as ``retweet`` of the infecting parent's item), so cascade
trees and the exposure graph can be rebuilt by :mod:`netdyn.analytics.cascades` and
:func:`netdyn.analytics.exposure.exposure_edges_from_events`.

Graphs
------
A graph is a polars DataFrame with ``exposer_id``, ``exposed_id`` and optionally ``formed_at``
(float seconds; absent or null: 0), or an igraph ``Graph`` (directed; an undirected graph is
used in both directions; vertex attribute ``name`` gives actor ids, else ``agent_<index>``;
optional edge attribute ``formed_at``). Repeated edges count once at their first formation and
self-loops are dropped. Actors are the graph's vertices, ordered as in the igraph graph or, for
a DataFrame, by sorted id; random seeds are drawn in that order.

References
----------
.. [1] Kempe, D., Kleinberg, J., & Tardos, É. (2003). Maximizing the spread of influence
   through a social network. *Proceedings of KDD 2003*, 137–146.
.. [2] Granovetter, M. (1978). Threshold models of collective behavior. *American Journal of
   Sociology* 83(6), 1420–1443.
.. [3] Centola, D., & Macy, M. (2007). Complex contagions and the weakness of long ties.
   *American Journal of Sociology* 113(3), 702–734.
.. [4] Centola, D. (2010). The spread of behavior in an online social network experiment.
   *Science* 329(5996), 1194–1197.
.. [5] Romero, D. M., Meeder, B., & Kleinberg, J. (2011). Differences in the mechanics of
   information diffusion across topics. *Proceedings of WWW 2011*, 695–704.
.. [6] Gillespie, D. T. (1977). Exact stochastic simulation of coupled chemical reactions.
   *Journal of Physical Chemistry* 81(25), 2340–2361.
"""

from __future__ import annotations

import heapq
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import igraph as ig
import numpy as np
import polars as pl

from netdyn.analytics._arrays import unique_values
from netdyn.analytics.cascades import tree_depths
from netdyn.core.errors import InvalidInputError
from netdyn.sim.labels import synthetic_label
from netdyn.store.canonical import EVENT_SCHEMA, sha256_text

__all__ = [
    "MODEL",
    "ContagionRun",
    "simulate_exposure_hazard",
    "independent_cascade",
    "linear_threshold",
    "contagion_events",
]

#: Model name recorded in source labels and event attributes.
MODEL = "contagion"

_ADOPTION_SCHEMA = {
    "contagion_id": pl.String,
    "actor_id": pl.String,
    "adopted_at": pl.Float64,
    "parent_actor_id": pl.String,
    "n_exposures": pl.Int64,
    "is_seed": pl.Boolean,
}
_EXPOSURE_SCHEMA = {
    "contagion_id": pl.String,
    "actor_id": pl.String,
    "exposer_id": pl.String,
    "exposed_at": pl.Float64,
}
_EDGE_SCHEMA = {"exposer_id": pl.String, "exposed_id": pl.String, "formed_at": pl.Float64}


@dataclass(frozen=True)
class ContagionRun:
    """The outcome of one simulator call.

    Attributes
    ----------
    adoptions : polars.DataFrame
        One row per (contagion, adopter): ``contagion_id``, ``actor_id``, ``adopted_at``
        (float seconds, or the step number for the discrete models), ``parent_actor_id`` (the
        infecting parent; null for seeds), ``n_exposures`` (exposures before adopting),
        ``is_seed``. Ordered by contagion, time, actor.
    edges : polars.DataFrame
        The graph used: one row per ordered pair, ``exposer_id``, ``exposed_id``,
        ``formed_at`` (float seconds). Ordered by exposer, exposed.
    exposures : polars.DataFrame
        One row per exposure of a not-yet-adopted actor, as the simulator applied it:
        ``contagion_id``, ``actor_id`` (the exposed), ``exposer_id``, ``exposed_at``.
    params : dict
        The model name and parameters, seed included.
    """

    adoptions: pl.DataFrame
    edges: pl.DataFrame
    exposures: pl.DataFrame
    params: dict = field(default_factory=dict)

    def fingerprint(self) -> str:
        """SHA-256 of the canonical JSON of ``params`` and of the graph's edges."""
        edges_csv = self.edges.write_csv()
        return sha256_text([MODEL, json.dumps(self.params, sort_keys=True), edges_csv])

    @property
    def source_label(self) -> str:
        """``sim:contagion:<first 10 hex digits of the fingerprint>``: stable per run."""
        return synthetic_label(MODEL, self.fingerprint())


# ---------------------------------------------------------------------------------------------
# graphs


@dataclass(frozen=True)
class _Graph:
    names: list[str]  # vertex index -> actor id
    source: np.ndarray  # (E,) exposer index, edges sorted by (source, target)
    target: np.ndarray  # (E,) exposed index
    formed_at: np.ndarray  # (E,)
    indptr: np.ndarray  # (n + 1,) CSR offsets of out-edges

    @property
    def n(self) -> int:
        return len(self.names)

    def edge_frame(self) -> pl.DataFrame:
        names = np.array(self.names, dtype=object)
        return pl.DataFrame(
            {
                "exposer_id": names[self.source].tolist(),
                "exposed_id": names[self.target].tolist(),
                "formed_at": self.formed_at,
            },
            schema=_EDGE_SCHEMA,
        ).sort("exposer_id", "exposed_id")

    def out_edges(self, nodes: np.ndarray) -> np.ndarray:
        """Indices of the out-edges of ``nodes`` (vectorised CSR gather)."""
        starts = self.indptr[nodes]
        lengths = self.indptr[nodes + 1] - starts
        total = int(lengths.sum())
        if total == 0:
            return np.empty(0, dtype=np.int64)
        offsets = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
        return offsets + np.arange(total, dtype=np.int64)


def _as_graph(graph: pl.DataFrame | ig.Graph) -> _Graph:
    if isinstance(graph, ig.Graph):
        n = graph.vcount()
        names = (
            [str(v) for v in graph.vs["name"]]
            if "name" in graph.vs.attributes()
            else [f"agent_{j}" for j in range(n)]
        )
        if len(set(names)) != n:
            raise InvalidInputError("vertex names must be unique; rename duplicated vertices")
        pairs = np.array(graph.get_edgelist(), dtype=np.int64).reshape(-1, 2)
        formed = (
            np.array(graph.es["formed_at"], dtype=np.float64)
            if "formed_at" in graph.es.attributes()
            else np.zeros(len(pairs))
        )
        if not graph.is_directed():
            pairs = np.concatenate([pairs, pairs[:, ::-1]])
            formed = np.concatenate([formed, formed])
        src, dst = pairs[:, 0], pairs[:, 1]
    elif isinstance(graph, pl.DataFrame):
        missing = {"exposer_id", "exposed_id"} - set(graph.columns)
        if missing:
            raise InvalidInputError(
                f"graph frame lacks columns {sorted(missing)}; it needs exposer_id, exposed_id"
            )
        frame = graph.select(
            pl.col("exposer_id").cast(pl.String),
            pl.col("exposed_id").cast(pl.String),
            (
                pl.col("formed_at").cast(pl.Float64)
                if "formed_at" in graph.columns
                else pl.lit(0.0, dtype=pl.Float64)
            )
            .fill_null(0.0)
            .alias("formed_at"),
        )
        if frame["exposer_id"].null_count() + frame["exposed_id"].null_count():
            raise InvalidInputError("graph has null exposer_id/exposed_id; drop those rows")
        vertices = (
            pl.concat([frame["exposer_id"], frame["exposed_id"]])
            .unique()
            .sort()
            .to_frame("name")
            .with_row_index("v")
        )
        ends = frame.join(
            vertices.rename({"name": "exposer_id", "v": "_s"}), on="exposer_id", how="left"
        ).join(vertices.rename({"name": "exposed_id", "v": "_t"}), on="exposed_id", how="left")
        names = vertices["name"].to_list()
        src = ends["_s"].to_numpy().astype(np.int64)
        dst = ends["_t"].to_numpy().astype(np.int64)
        formed = ends["formed_at"].to_numpy().astype(np.float64)
    else:
        raise InvalidInputError(
            f"graph must be a polars DataFrame or an igraph Graph; got {type(graph).__name__}"
        )
    if formed.size and not np.all(np.isfinite(formed)):
        raise InvalidInputError("formed_at must be finite; use 0.0 for edges present from start")
    n = len(names)
    keep = src != dst
    src, dst, formed = src[keep], dst[keep], formed[keep]
    # first formation of each ordered pair
    order = np.lexsort((formed, dst, src))
    src, dst, formed = src[order], dst[order], formed[order]
    first = np.ones(src.size, dtype=bool)
    first[1:] = (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])
    src, dst, formed = src[first], dst[first], formed[first]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, src + 1, 1)
    return _Graph(names, src, dst, formed, np.cumsum(indptr))


def _seed_indices(g: _Graph, seeds: Sequence[str] | int, rng: np.random.Generator) -> np.ndarray:
    if isinstance(seeds, int | np.integer):
        if not 1 <= seeds <= g.n:
            raise InvalidInputError(f"seeds must be between 1 and the {g.n} actors; got {seeds}")
        return np.sort(rng.choice(g.n, size=int(seeds), replace=False))
    index = {name: j for j, name in enumerate(g.names)}
    unknown = [s for s in seeds if s not in index]
    if unknown:
        raise InvalidInputError(f"seeds {unknown[:5]} are not actors of the graph")
    if not seeds:
        raise InvalidInputError("seeds must name at least one actor")
    return np.unique(np.array([index[s] for s in seeds], dtype=np.int64))


# ---------------------------------------------------------------------------------------------
# continuous-time exposure-hazard model


def simulate_exposure_hazard(
    graph: pl.DataFrame | ig.Graph,
    *,
    n_contagions: int,
    n_seeds: int | None = None,
    seeds: Sequence[str] | None = None,
    baseline_hazard: float,
    hazard_ratio: float,
    horizon: float,
    mean_delay: float = 0.0,
    seed: int | None = None,
) -> ContagionRun:
    """Contagions whose adoption hazard depends on the number of exposures.

    Parameters
    ----------
    graph : polars.DataFrame or igraph.Graph
        Directed exposure graph (see the module notes); edges may carry ``formed_at``.
    n_contagions : int
        Independent contagions run on the same graph (>= 1), ids ``c0``, ``c1``, ... zero-padded.
    n_seeds : int, optional
        Actors adopting at time 0 in each contagion, drawn uniformly without replacement.
    seeds : sequence of str, optional
        Instead of ``n_seeds``: the same actors adopt at time 0 in every contagion. Give
        exactly one of the two.
    baseline_hazard : float
        Adoption rate per second of an actor exposed once (> 0).
    hazard_ratio : float
        Multiplier of the hazard per extra exposure (> 0): the hazard after k >= 1 exposures is
        ``baseline_hazard * hazard_ratio ** (k - 1)``.
    horizon : float
        Simulated seconds (> 0); nothing at or after it happens.
    mean_delay : float, default 0
        Mean of an exponential delay between an adoption and the exposures it causes (>= 0);
        0 exposes at once. With delays the exposure times no longer equal
        ``max(adopted_at, formed_at)``, so :func:`netdyn.analytics.exposure.count_exposures` would
        misplace them.
    seed : int, optional
        Seed of ``numpy.random.default_rng``; the same inputs and seed give identical output.

    Returns
    -------
    ContagionRun
        ``adoptions`` (one row per adopter and contagion), ``edges`` (the graph), ``exposures``
        (every exposure of a not-yet-adopted actor before ``horizon``).

    Raises
    ------
    InvalidInputError
        If a parameter is out of range, both or neither of ``n_seeds`` and ``seeds`` are
        given, or the graph is malformed.

    Notes
    -----
    Exact simulation with competing exponential clocks (Gillespie 1977): an actor's hazard is
    constant between its exposures, so at each exposure its adoption clock is redrawn
    (memorylessness makes the discarded clock irrelevant), and one event queue holds every
    pending exposure and adoption. An exposure from u to v happens at
    ``max(adopted_at[u], formed_at[u -> v]) + delay``. The infecting parent is the most recent
    exposer before the adoption (the hazard depends only on the count, so no single exposer
    "fires"); ties in the queue break by insertion order. Contagions run one after another
    from one generator, so their results depend on the order of contagions.

    References
    ----------
    Gillespie (1977); Centola & Macy (2007); Romero, Meeder & Kleinberg (2011).

    Examples
    --------
    A directed 3-cycle with a very high hazard: whoever is seeded, everybody adopts.

    >>> cycle = pl.DataFrame({"exposer_id": ["a", "b", "c"], "exposed_id": ["b", "c", "a"]})
    >>> run = simulate_exposure_hazard(cycle, n_contagions=2, n_seeds=1, baseline_hazard=1e9,
    ...                                hazard_ratio=1.0, horizon=1.0, seed=0)
    >>> run.adoptions.group_by("contagion_id").len().sort("contagion_id")["len"].to_list()
    [3, 3]
    """
    checks = [
        (n_contagions >= 1, f"n_contagions must be >= 1; got {n_contagions}"),
        (baseline_hazard > 0, f"baseline_hazard must be > 0; got {baseline_hazard}"),
        (hazard_ratio > 0, f"hazard_ratio must be > 0; got {hazard_ratio}"),
        (horizon > 0 and math.isfinite(horizon), f"horizon must be finite and > 0; got {horizon}"),
        (mean_delay >= 0, f"mean_delay must be >= 0; got {mean_delay}"),
    ]
    for ok, message in checks:
        if not ok:
            raise InvalidInputError(message)
    if (n_seeds is None) == (seeds is None):
        raise InvalidInputError("give exactly one of n_seeds (a number) and seeds (actor ids)")
    g = _as_graph(graph)
    rng = np.random.default_rng(seed)
    fixed = None if seeds is None else _seed_indices(g, list(seeds), rng)
    if fixed is None and not 1 <= n_seeds <= g.n:  # type: ignore[operator]
        raise InvalidInputError(f"n_seeds must be between 1 and the {g.n} actors; got {n_seeds}")
    width = len(str(n_contagions - 1))
    targets = g.target.tolist()
    formed = g.formed_at.tolist()
    indptr = g.indptr.tolist()
    adoption_cols: dict[str, list] = {name: [] for name in _ADOPTION_SCHEMA}
    exposure_cols: dict[str, list] = {name: [] for name in _EXPOSURE_SCHEMA}
    names = g.names
    for c in range(n_contagions):
        contagion_id = f"c{c:0{width}d}"
        chosen = rng.choice(g.n, size=n_seeds, replace=False) if fixed is None else fixed
        adopted = [False] * g.n
        n_exposed = [0] * g.n
        version = [0] * g.n
        last_exposer = [-1] * g.n
        # (time, tie-break counter, kind, actor, payload): kind 0 = adoption, 1 = exposure
        queue: list[tuple[float, int, int, int, int]] = []
        counter = 0
        for s in sorted(int(v) for v in chosen):
            queue.append((0.0, counter, 0, s, -1))
            counter += 1
        heapq.heapify(queue)
        while queue:
            t, _, kind, v, payload = heapq.heappop(queue)
            if adopted[v]:
                continue
            if kind == 1:  # exposure of v by payload
                n_exposed[v] += 1
                version[v] += 1
                last_exposer[v] = payload
                exposure_cols["contagion_id"].append(contagion_id)
                exposure_cols["actor_id"].append(names[v])
                exposure_cols["exposer_id"].append(names[payload])
                exposure_cols["exposed_at"].append(t)
                rate = baseline_hazard * hazard_ratio ** (n_exposed[v] - 1)
                clock = t + float(rng.exponential(1.0 / rate))
                if clock < horizon:
                    heapq.heappush(queue, (clock, counter, 0, v, version[v]))
                    counter += 1
                continue
            if payload != -1 and payload != version[v]:
                continue  # a clock superseded by a later exposure
            adopted[v] = True
            is_seed = payload == -1
            adoption_cols["contagion_id"].append(contagion_id)
            adoption_cols["actor_id"].append(names[v])
            adoption_cols["adopted_at"].append(t)
            adoption_cols["parent_actor_id"].append(None if is_seed else names[last_exposer[v]])
            adoption_cols["n_exposures"].append(n_exposed[v])
            adoption_cols["is_seed"].append(is_seed)
            for e in range(indptr[v], indptr[v + 1]):
                w = targets[e]
                if adopted[w]:
                    continue
                at = max(t, formed[e])
                if mean_delay > 0:
                    at += float(rng.exponential(mean_delay))
                if at < horizon:
                    heapq.heappush(queue, (at, counter, 1, w, v))
                    counter += 1
    params = {
        "model": "exposure_hazard",
        "n_contagions": n_contagions,
        "n_seeds": n_seeds,
        "seeds": None if seeds is None else [str(s) for s in seeds],
        "baseline_hazard": baseline_hazard,
        "hazard_ratio": hazard_ratio,
        "horizon": horizon,
        "mean_delay": mean_delay,
        "seed": seed,
    }
    return ContagionRun(
        adoptions=pl.DataFrame(adoption_cols, schema=_ADOPTION_SCHEMA).sort(
            "contagion_id", "adopted_at", "actor_id"
        ),
        edges=g.edge_frame(),
        exposures=pl.DataFrame(exposure_cols, schema=_EXPOSURE_SCHEMA).sort(
            "contagion_id", "actor_id", "exposed_at", "exposer_id"
        ),
        params=params,
    )


# ---------------------------------------------------------------------------------------------
# discrete-step models of Kempe, Kleinberg & Tardos


def _first_per_target(
    src: np.ndarray, dst: np.ndarray, key: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each distinct target once, with the source of its edge of smallest ``key``."""
    order = np.lexsort((key, dst))
    src, dst = src[order], dst[order]
    first = np.ones(dst.size, dtype=bool)
    first[1:] = dst[1:] != dst[:-1]
    return dst[first], src[first]


def _spread(
    g: _Graph,
    seeds: np.ndarray,
    max_steps: int | None,
    activate: Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, ...]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[tuple[np.ndarray, np.ndarray, int]]]:
    """Run a discrete-step contagion from ``seeds``, the rule of a model being ``activate``.

    At each step the actors activated at the step before expose their inactive
    out-neighbours; ``activate(src, dst, n_exposures)`` gets those edges and the exposure
    counts so far and returns the actors activated at the next step and their parents.
    Returns the activation step of every actor (-1: never), its parent (-1: none), its
    exposures before activating, and the exposures as ``(exposed, exposer, step)`` arrays.
    """
    step_of = np.full(g.n, -1, dtype=np.int64)
    parent = np.full(g.n, -1, dtype=np.int64)
    n_exposures = np.zeros(g.n, dtype=np.int64)
    step_of[seeds] = 0
    frontier = seeds
    exposures: list[tuple[np.ndarray, np.ndarray, int]] = []
    step = 0
    while frontier.size and (max_steps is None or step < max_steps):
        edges = g.out_edges(frontier)
        edges = edges[step_of[g.target[edges]] < 0]
        src, dst = g.source[edges], g.target[edges]
        exposures.append((dst, src, step))
        np.add.at(n_exposures, dst, 1)
        frontier, parents = activate(src, dst, n_exposures)
        step_of[frontier] = step + 1
        parent[frontier] = parents
        step += 1
    return step_of, parent, n_exposures, exposures


def _step_run(
    g: _Graph,
    contagion_id: str,
    step_of: np.ndarray,
    parent: np.ndarray,
    n_exposures: np.ndarray,
    seeds: np.ndarray,
    exposures: list[tuple[np.ndarray, np.ndarray, int]],
    params: dict,
) -> ContagionRun:
    names = np.array(g.names, dtype=object)
    active = np.flatnonzero(step_of >= 0)
    is_seed = np.zeros(g.n, dtype=bool)
    is_seed[seeds] = True
    adoptions = pl.DataFrame(
        {
            "contagion_id": [contagion_id] * active.size,
            "actor_id": names[active].tolist(),
            "adopted_at": step_of[active].astype(np.float64),
            "parent_actor_id": np.where(
                parent[active] >= 0, names[np.maximum(parent[active], 0)], None
            ).tolist(),
            "n_exposures": n_exposures[active],
            "is_seed": is_seed[active],
        },
        schema=_ADOPTION_SCHEMA,
    ).sort("contagion_id", "adopted_at", "actor_id")
    if exposures:
        exposed = np.concatenate([e[0] for e in exposures])
        exposer = np.concatenate([e[1] for e in exposures])
        at = np.concatenate([np.full(e[0].size, e[2], dtype=np.float64) for e in exposures])
    else:
        exposed = exposer = np.empty(0, dtype=np.int64)
        at = np.empty(0, dtype=np.float64)
    exposure_frame = pl.DataFrame(
        {
            "contagion_id": [contagion_id] * exposed.size,
            "actor_id": names[exposed].tolist(),
            "exposer_id": names[exposer].tolist(),
            "exposed_at": at,
        },
        schema=_EXPOSURE_SCHEMA,
    ).sort("contagion_id", "actor_id", "exposed_at", "exposer_id")
    edges = g.edge_frame().with_columns(formed_at=pl.lit(0.0, dtype=pl.Float64))
    return ContagionRun(adoptions=adoptions, edges=edges, exposures=exposure_frame, params=params)


def independent_cascade(
    graph: pl.DataFrame | ig.Graph,
    *,
    p: float,
    seeds: Sequence[str] | int,
    seed: int | None = None,
    max_steps: int | None = None,
    contagion_id: str = "c0",
) -> ContagionRun:
    """The independent cascade model (Kempe, Kleinberg & Tardos 2003).

    Parameters
    ----------
    graph : polars.DataFrame or igraph.Graph
        Directed graph; ``formed_at`` is ignored (all edges present from step 0).
    p : float
        Activation probability of each edge, in [0, 1].
    seeds : sequence of str or int
        Actor ids active at step 0, or how many to draw uniformly (with ``seed``).
    seed : int, optional
        Seed of ``numpy.random.default_rng``.
    max_steps : int, optional
        Stop after this many steps (>= 0); default: until nobody new activates.
    contagion_id : str, default "c0"
        Id written into the output.

    Returns
    -------
    ContagionRun
        ``adopted_at`` is the step at which the actor became active (seeds 0); the parent is
        the in-neighbour whose attempt succeeded; ``exposures`` lists, at step t, every
        out-neighbour of an actor activated at t that was still inactive then.

    Raises
    ------
    InvalidInputError
        If ``p`` is outside [0, 1], a seed is unknown, or ``max_steps < 0``.

    Notes
    -----
    An actor activated at step t tries each inactive out-neighbour once, succeeding with
    probability p, and a success activates it at step t + 1. When several attempts on the same
    actor succeed in one step, the parent is the one with the smallest uniform draw, i.e. one of
    them uniformly at random. Each step is vectorised over the frontier's out-edges.

    References
    ----------
    Kempe, Kleinberg & Tardos (2003), KDD, 137–146.

    Examples
    --------
    >>> star = pl.DataFrame({"exposer_id": ["hub"] * 3, "exposed_id": ["x", "y", "z"]})
    >>> independent_cascade(star, p=1.0, seeds=["hub"]).adoptions["adopted_at"].to_list()
    [0.0, 1.0, 1.0, 1.0]
    """
    if not 0.0 <= p <= 1.0:
        raise InvalidInputError(f"p must be in [0, 1]; got {p}")
    if max_steps is not None and max_steps < 0:
        raise InvalidInputError(f"max_steps must be >= 0; got {max_steps}")
    g = _as_graph(graph)
    rng = np.random.default_rng(seed)
    seed_idx = _seed_indices(g, seeds, rng)

    def attempts(src: np.ndarray, dst: np.ndarray, _: np.ndarray) -> tuple[np.ndarray, ...]:
        draw = rng.random(src.size)
        ok = draw < p
        # per target, the smallest draw first
        return _first_per_target(src[ok], dst[ok], draw[ok])

    step_of, parent, n_exposures, exposures = _spread(g, seed_idx, max_steps, attempts)
    params = {"model": "independent_cascade", "p": p, "seeds": _seed_param(seeds), "seed": seed}
    return _step_run(g, contagion_id, step_of, parent, n_exposures, seed_idx, exposures, params)


def linear_threshold(
    graph: pl.DataFrame | ig.Graph,
    *,
    seeds: Sequence[str] | int,
    thresholds: float | Sequence[float] | np.ndarray | Mapping[str, float] | None = None,
    seed: int | None = None,
    max_steps: int | None = None,
    contagion_id: str = "c0",
) -> ContagionRun:
    """The linear threshold model (Kempe, Kleinberg & Tardos 2003; Granovetter 1978).

    Parameters
    ----------
    graph : polars.DataFrame or igraph.Graph
        Directed graph; ``formed_at`` is ignored. Each in-edge of v weighs 1 / in-degree(v).
    seeds, max_steps, contagion_id
        As :func:`independent_cascade`.
    thresholds : float, array-like, mapping or None
        Thresholds in (0, 1]: one for everybody, one per actor in vertex order, or a mapping
        actor id → threshold (actors left out draw one). None: uniform on (0, 1] per actor, as
        in Kempe et al.
    seed : int, optional
        Seed of ``numpy.random.default_rng`` (random seeds, then random thresholds).

    Returns
    -------
    ContagionRun
        As :func:`independent_cascade`; the parent is the most recently activated active
        in-neighbour (among several activated in the same step, the first in vertex order).

    Raises
    ------
    InvalidInputError
        If a threshold is outside (0, 1], thresholds have the wrong length, a seed is unknown,
        or ``max_steps < 0``.

    Notes
    -----
    An inactive actor v activates at step t + 1 once ``(active in-neighbours at t) /
    in-degree(v) >= threshold(v)`` (with a 1e-12 tolerance). With threshold 1 an actor needs
    all its in-neighbours; with threshold ``1 / in-degree`` one suffices. Actors without
    in-edges activate only as seeds.

    References
    ----------
    Kempe, Kleinberg & Tardos (2003); Granovetter (1978).

    Examples
    --------
    >>> g = pl.DataFrame({"exposer_id": ["a", "b"], "exposed_id": ["c", "c"]})
    >>> linear_threshold(g, seeds=["a"], thresholds=1.0).adoptions["actor_id"].to_list()
    ['a']
    """
    if max_steps is not None and max_steps < 0:
        raise InvalidInputError(f"max_steps must be >= 0; got {max_steps}")
    g = _as_graph(graph)
    rng = np.random.default_rng(seed)
    seed_idx = _seed_indices(g, seeds, rng)
    theta = _thresholds(g, thresholds, rng)
    in_degree = np.bincount(g.target, minlength=g.n)

    def thresholds_reached(
        src: np.ndarray, dst: np.ndarray, n_exposures: np.ndarray
    ) -> tuple[np.ndarray, ...]:
        candidates = unique_values(dst)
        ready = n_exposures[candidates] / in_degree[candidates] >= theta[candidates] - 1e-12
        frontier = candidates[ready]
        # parent: the frontier in-neighbour first in vertex order
        targets, parents = _first_per_target(src, dst, src)
        first_parent = np.full(g.n, -1, dtype=np.int64)
        first_parent[targets] = parents
        return frontier, first_parent[frontier]

    step_of, parent, n_exposures, exposures = _spread(g, seed_idx, max_steps, thresholds_reached)
    params = {
        "model": "linear_threshold",
        "seeds": _seed_param(seeds),
        "thresholds": _threshold_param(thresholds),
        "seed": seed,
    }
    return _step_run(g, contagion_id, step_of, parent, n_exposures, seed_idx, exposures, params)


def _thresholds(
    g: _Graph,
    thresholds: float | Sequence[float] | np.ndarray | Mapping[str, float] | None,
    rng: np.random.Generator,
) -> np.ndarray:
    if thresholds is None:
        theta = 1.0 - rng.random(g.n)  # uniform on (0, 1]
    elif isinstance(thresholds, Mapping):
        theta = 1.0 - rng.random(g.n)
        index = {name: j for j, name in enumerate(g.names)}
        unknown = [a for a in thresholds if a not in index]
        if unknown:
            raise InvalidInputError(f"thresholds name unknown actors {unknown[:5]}")
        for actor, value in thresholds.items():
            theta[index[actor]] = float(value)
    elif np.ndim(thresholds) == 0:
        theta = np.full(g.n, float(thresholds))  # type: ignore[arg-type]
    else:
        theta = np.asarray(thresholds, dtype=np.float64)
        if theta.shape != (g.n,):
            raise InvalidInputError(
                f"thresholds must have one value per actor ({g.n}); got shape {theta.shape}"
            )
    if np.any(~(theta > 0)) or np.any(theta > 1):
        raise InvalidInputError("thresholds must lie in (0, 1]")
    return theta


def _seed_param(seeds: Sequence[str] | int) -> int | list[str]:
    return int(seeds) if isinstance(seeds, int | np.integer) else [str(s) for s in seeds]


def _threshold_param(thresholds: object) -> object:
    if thresholds is None:
        return None
    if isinstance(thresholds, Mapping):
        return {str(k): float(v) for k, v in sorted(thresholds.items())}
    if np.ndim(thresholds) == 0:
        return float(thresholds)  # type: ignore[arg-type]
    return [float(v) for v in np.asarray(thresholds).ravel()]


# ---------------------------------------------------------------------------------------------
# canonical events


def contagion_events(
    adoptions: pl.DataFrame,
    edges: pl.DataFrame,
    *,
    source_label: str,
    start: datetime = datetime(2026, 1, 1, tzinfo=UTC),
) -> pl.DataFrame:
    """Canonical events of a contagion run.

    Parameters
    ----------
    adoptions : polars.DataFrame
        ``contagion_id``, ``actor_id``, ``adopted_at`` (float seconds after ``start``) and
        ``parent_actor_id`` (null for seeds), e.g. :attr:`ContagionRun.adoptions`. Every parent
        must itself have adopted the same contagion earlier.
    edges : polars.DataFrame
        ``exposer_id``, ``exposed_id``, ``formed_at`` (float seconds after ``start``; null:
        the message gets no time).
    source_label : str
        The source label the events are meant to be appended under (e.g.
        :attr:`ContagionRun.source_label`); recorded in every row's ``attributes``.
    start : datetime, default 2026-01-01 UTC
        Wall-clock time of simulated time 0 (must be timezone-aware).

    Returns
    -------
    polars.DataFrame
        Exactly :data:`netdyn.store.canonical.EVENT_SCHEMA`, one row per edge and per adoption:

        * each edge: ``message`` from exposer to exposed at ``formed_at``,
          ``source_event_id`` ``edge:<i>`` (i in edge order by exposer, exposed);
        * each seed adoption: ``post`` with ``object_id = root_object_id = <contagion>:<actor>``;
        * each other adoption: ``retweet`` of its parent's item: ``target_actor_id`` the parent,
          ``parent_object_id = <contagion>:<parent>``, ``root_object_id`` the seed item its
          chain of parents leads to; ``source_event_id`` ``adopt:<contagion>:<actor>``.

        ``community`` is the contagion id for adoptions. Ordered by time, then messages before
        adoptions, then ``source_event_id``; times are rounded to microseconds.

    Raises
    ------
    InvalidInputError
        If columns are missing, ``start`` is naive, or a parent did not adopt the contagion.

    Notes
    -----
    :func:`netdyn.analytics.cascades.compute_cascades` rebuilds one tree per seed from these events,
    and :func:`netdyn.analytics.exposure.exposure_edges_from_events` rebuilds the edges (a retweet
    also implies the edge parent → adopter, which is already a message when the run came from
    these simulators). The output depends only on the inputs: the same run gives
    byte-identical events.

    Examples
    --------
    >>> ad = pl.DataFrame({"contagion_id": ["c0", "c0"], "actor_id": ["a", "b"],
    ...     "adopted_at": [0.0, 2.0], "parent_actor_id": [None, "a"]})
    >>> ed = pl.DataFrame({"exposer_id": ["a"], "exposed_id": ["b"], "formed_at": [0.0]})
    >>> contagion_events(ad, ed, source_label="sim:x").select("kind", "root_object_id").rows()
    [('message', None), ('post', 'c0:a'), ('retweet', 'c0:a')]
    """
    if start.tzinfo is None:
        raise InvalidInputError("start needs a time zone, e.g. datetime(2026, 1, 1, tzinfo=UTC)")
    for frame, name, columns in (
        (adoptions, "adoptions", ("contagion_id", "actor_id", "adopted_at", "parent_actor_id")),
        (edges, "edges", ("exposer_id", "exposed_id", "formed_at")),
    ):
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise InvalidInputError(f"{name} lacks columns {missing}")
    start_us = int(round(start.astimezone(UTC).timestamp() * 1e6))

    def at(expr: pl.Expr) -> pl.Expr:
        micros = (expr.cast(pl.Float64) * 1e6).round().cast(pl.Int64) + start_us
        return micros.cast(pl.Datetime("us", "UTC"))

    meta = json.dumps({"model": MODEL, "source_label": source_label}, sort_keys=True)
    nulls = {name: pl.lit(None, dtype=dtype) for name, dtype in EVENT_SCHEMA.items()}
    edge_rows = (
        edges.select(
            pl.col("exposer_id").cast(pl.String),
            pl.col("exposed_id").cast(pl.String),
            pl.col("formed_at").cast(pl.Float64),
        )
        .sort("exposer_id", "exposed_id")
        .with_row_index("_i")
        .select(
            ("edge:" + pl.col("_i").cast(pl.String)).alias("source_event_id"),
            pl.lit("message").alias("kind"),
            at(pl.col("formed_at")).alias("occurred_at"),
            pl.col("exposer_id").alias("actor_id"),
            pl.col("exposed_id").alias("target_actor_id"),
            pl.lit(None, dtype=pl.String).alias("community"),
            pl.lit(meta).alias("attributes"),
        )
    )
    ad = (
        adoptions.select(
            pl.col("contagion_id").cast(pl.String),
            pl.col("actor_id").cast(pl.String),
            pl.col("adopted_at").cast(pl.Float64),
            pl.col("parent_actor_id").cast(pl.String),
        )
        .sort("contagion_id", "actor_id")
        .with_columns(object_id=pl.col("contagion_id") + ":" + pl.col("actor_id"))
        .with_columns(
            parent_object_id=pl.when(pl.col("parent_actor_id").is_not_null()).then(
                pl.col("contagion_id") + ":" + pl.col("parent_actor_id")
            )
        )
        .with_row_index("_i")
    )
    parent_index = ad.join(
        ad.select(pl.col("object_id").alias("parent_object_id"), pl.col("_i").alias("_p")),
        on="parent_object_id",
        how="left",
    ).sort("_i")
    dangling = parent_index.filter(
        pl.col("parent_object_id").is_not_null() & pl.col("_p").is_null()
    )
    if dangling.height:
        raise InvalidInputError(
            f"{dangling.height} adoptions name a parent that did not adopt the same contagion, "
            f"e.g. {dangling.row(0, named=True)['object_id']}"
        )
    _depth, top, on_cycle = tree_depths(parent_index["_p"].fill_null(-1).to_numpy())
    if on_cycle.any():
        raise InvalidInputError("parent_actor_id links form a cycle; parents must adopt earlier")
    adoption_meta = pl.struct(
        pl.col("contagion_id"),
        pl.lit(MODEL).alias("model"),
        pl.lit(source_label).alias("source_label"),
    ).struct.json_encode()
    adoption_rows = ad.with_columns(
        root_object_id=ad["object_id"].gather(pl.Series(top, dtype=pl.Int64))
    ).select(
        ("adopt:" + pl.col("object_id")).alias("source_event_id"),
        pl.when(pl.col("parent_actor_id").is_null())
        .then(pl.lit("post"))
        .otherwise(pl.lit("retweet"))
        .alias("kind"),
        at(pl.col("adopted_at")).alias("occurred_at"),
        "actor_id",
        pl.col("parent_actor_id").alias("target_actor_id"),
        "object_id",
        "parent_object_id",
        "root_object_id",
        pl.col("contagion_id").alias("community"),
        adoption_meta.alias("attributes"),
    )
    events = pl.concat([edge_rows, adoption_rows], how="diagonal")
    rank = pl.col("kind").replace_strict({"message": 0, "post": 1, "retweet": 2})
    return (
        events.with_columns(_rank=rank)
        .sort(["occurred_at", "_rank", "source_event_id"], nulls_last=False)
        .select(
            [
                pl.col(name).cast(dtype) if name in events.columns else nulls[name].alias(name)
                for name, dtype in EVENT_SCHEMA.items()
            ]
        )
    )
