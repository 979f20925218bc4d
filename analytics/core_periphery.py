"""Core–periphery structure: k-cores and s-cores, and Borgatti–Everett fits with a test.

Views of whether a network has a dense core and a sparse periphery, each with the check
that the claim needs (the rich club is in :mod:`netdyn.analytics.rich_club`):

* :func:`coreness` — the k-core index of every vertex (Seidman 1983; Batagelj & Zaversnik
  2003), by total, in- or out-degree on directed graphs, and its weighted generalisation, the
  s-core index by strength (the generalised cores of Batagelj & Zaversnik 2002 with the sum
  of edge weights as vertex property; the s-cores of Eidsaether & Garas 2016).
* :func:`borgatti_everett` — the discrete and continuous core–periphery models of Borgatti &
  Everett (2000), the discrete one fitted by a seeded heuristic and the continuous one by
  least squares (MINRES, Boyd et al. 2010), both scaling to 10**5 vertices and 10**6 edges,
  with a test against configuration-model nulls (the permutation form of the q–s test of
  Kojaku & Masuda 2018): every null is a degree-preserving randomisation of the same graph,
  refitted by the same algorithm, and the nulls are drawn until the answer is clear (the
  sequential Monte-Carlo test of Besag & Clifford 1991,
  :mod:`netdyn.analytics.monte_carlo`). :func:`core_periphery_strength` is its one-number summary.

Conventions
-----------
* Borgatti–Everett fits use the undirected simple graph: directions are dropped,
  loops and repeated edges removed, weights ignored.
* Randomness is seeded through :class:`numpy.random.SeedSequence`; each null's global
  curveball trades (:mod:`netdyn.analytics.curveball`) take a seed drawn from its own
  child. Results do not depend on ``n_jobs``.

References
----------
.. [1] Seidman, S. B. (1983). Network structure and minimum degree. *Social Networks* 5(3),
   269–287.
.. [2] Batagelj, V., & Zaversnik, M. (2003). An O(m) algorithm for cores decomposition of
   networks. arXiv:cs/0310049.
.. [3] Batagelj, V., & Zaversnik, M. (2002). Generalized cores. arXiv:cs/0202039.
.. [4] Eidsaether, M., & Garas, A. (2016). Identifying and characterizing the cores of
   weighted networks. *Physica A* 445, 99–108 (the s-core: every vertex has strength ≥ s).
.. [5] Borgatti, S. P., & Everett, M. G. (2000). Models of core/periphery structures.
   *Social Networks* 21(4), 375–395.
.. [6] Kojaku, S., & Masuda, N. (2018). A generalised significance test for individual
   communities in networks. *Scientific Reports* 8, 7351 (the q–s test); and
   Core-periphery structure requires something else in the network. *New Journal of
   Physics* 20, 043012.
.. [7] Maslov, S., & Sneppen, K. (2002). Specificity and stability in topology of protein
   networks. *Science* 296, 910–913 (degree-preserving edge switching).
.. [10] Carstens, C. J., Hamann, M., Meyer, U., Penschuck, M., Tran, H., & Wagner, D.
   (2018). Parallel and I/O-efficient randomisation of massive networks using global
   curveball trades. *ESA 2018* (the nulls' sampler).
.. [8] Boyd, J. P., Fitzgerald, W. J., Mahutga, M. C., & Smith, D. A. (2010). Computing
   continuous core/periphery structures for social relations data with MINRES/SVD.
   *Social Networks* 32(2), 125–137.
.. [9] Besag, J., & Clifford, P. (1991). Sequential Monte Carlo p-values. *Biometrika*
   78(2), 301–304.
"""

from __future__ import annotations

import heapq
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import igraph as ig
import numpy as np
import polars as pl
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from netdyn.analytics._arrays import unique_values
from netdyn.analytics._igraph_random import child_seed
from netdyn.analytics.curveball import GLOBAL_TRADES, check_global_trades, curveball_edges
from netdyn.analytics.monte_carlo import DEFAULT_H, ordered_map, sequential_p_value
from netdyn.core.errors import InvalidInputError
from netdyn.core.parallel import map_ordered

__all__ = [
    "coreness",
    "CorePeripheryFit",
    "borgatti_everett",
    "core_periphery_strength",
    "MODES",
    "MODELS",
]

#: Degree modes of :func:`coreness` (ignored on undirected graphs).
MODES: tuple[str, ...] = ("all", "in", "out")

#: Borgatti–Everett models of :func:`borgatti_everett`.
MODELS: tuple[str, ...] = ("discrete", "continuous")

#: Starts of the discrete heuristic (``n_starts``): the best of them is kept.
DEFAULT_STARTS = 10
#: The discrete heuristic stops early after this many consecutive starts that do not raise
#: the best rho by more than 1e-12 (observed graph and nulls alike).
START_PATIENCE = 3
_REFINE_ROUNDS = 100  # at most this many improving rounds per start of the discrete fit
_RHO_TOL = 1e-12  # an improvement of rho smaller than this ends a start
_LBFGS_OPTIONS = {"maxiter": 3000, "ftol": 1e-13, "gtol": 1e-9, "maxcor": 20}


# --------------------------------------------------------------------------- graph helpers


def _check_graph(graph: Any) -> ig.Graph:
    if not isinstance(graph, ig.Graph):
        raise InvalidInputError(
            f"graph must be an igraph.Graph; got {type(graph).__name__} "
            "(build one with analytics.interaction_graph.build_interaction_graph)"
        )
    return graph


def _actor_ids(graph: ig.Graph) -> pl.Series:
    """Vertex attribute ``name`` as strings, or the vertex index when there is none."""
    if "name" in graph.vs.attributes():
        values = [None if v is None else str(v) for v in graph.vs["name"]]
    else:
        values = [str(i) for i in range(graph.vcount())]
    return pl.Series("actor_id", values, dtype=pl.String)


def _edge_array(graph: ig.Graph) -> np.ndarray:
    """The edge list as an int64 array of shape (m, 2)."""
    return np.asarray(graph.get_edgelist(), dtype=np.int64).reshape(-1, 2)


def _simple_undirected(n: int, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique unordered pairs ``u < v`` without loops: arrays ``u`` and ``v`` of shape (m,)."""
    u = np.minimum(edges[:, 0], edges[:, 1])
    v = np.maximum(edges[:, 0], edges[:, 1])
    keep = u != v
    key = unique_values(u[keep] * np.int64(max(n, 1)) + v[keep])
    return key // max(n, 1), key % max(n, 1)


def _adjacency(n: int, u: np.ndarray, v: np.ndarray) -> sp.csr_matrix:
    """Symmetric 0/1 adjacency (float64 CSR) of the simple undirected edges ``u < v``."""
    data = np.ones(2 * u.size)
    return sp.csr_matrix((data, (np.concatenate([u, v]), np.concatenate([v, u]))), shape=(n, n))


def _check_jobs(n_jobs: int | None) -> int:
    if n_jobs is None:
        return os.cpu_count() or 1
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs < 1:
        raise InvalidInputError(
            f"n_jobs must be an integer ≥ 1 or None (all cores); got {n_jobs!r}"
        )
    return int(n_jobs)


def _check_count(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InvalidInputError(f"{name} must be an integer ≥ {minimum}; got {value!r}")
    return int(value)


def _null_edges(
    n: int, u: np.ndarray, v: np.ndarray, global_trades: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """A uniform degree-preserving null of the simple undirected graph ``u < v``, as ``u < v``."""
    return curveball_edges(n, u, v, global_trades=global_trades, seed=int(rng.integers(2**63)))


def _run_chunks(worker: Any, tasks: list[Any], n_jobs: int, **progress_kw: Any) -> list[Any]:
    """``[worker(t) for t in tasks]``, spread over ``n_jobs`` processes when > 1."""
    # forked workers, as before (the pieces use numpy and igraph only), or the Dask cluster
    return map_ordered(worker, tasks, n_jobs=n_jobs, start_method=None, **progress_kw)


def _chunks(items: Sequence[Any], n_jobs: int) -> list[Sequence[Any]]:
    n_chunks = max(1, min(len(items), 4 * n_jobs))
    bounds = np.linspace(0, len(items), n_chunks + 1).astype(int)
    return [items[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a]


# --------------------------------------------------------------------------- coreness


def coreness(graph: ig.Graph, *, mode: str = "all", weighted: bool = False) -> pl.DataFrame:
    """The k-core index (or, weighted, the s-core index) of every vertex.

    Parameters
    ----------
    graph : igraph.Graph
        Directed or undirected. Vertex attribute ``name`` gives ``actor_id``; with
        ``weighted=True`` the edge attribute ``weight`` (finite, ≥ 0) is used.
    mode : {"all", "in", "out"}, default "all"
        On directed graphs: cores by total degree (in + out), in-degree or out-degree.
        Ignored on undirected graphs.
    weighted : bool, default False
        False: the k-core index (by number of distinct neighbours). True: the s-core index
        by strength (sum of weights).

    Returns
    -------
    polars.DataFrame
        One row per vertex, in vertex order: ``actor_id`` (str; the vertex index as text when
        the graph has no ``name`` attribute) and ``coreness`` (Int64 unweighted, Float64
        weighted). A graph without vertices gives an empty frame with these columns.

    Raises
    ------
    InvalidInputError
        If ``graph`` is not an igraph Graph, ``mode`` is not one of :data:`MODES`, or
        ``weighted=True`` and the graph has no ``weight`` edge attribute or a weight is
        negative, NaN or infinite.

    Notes
    -----
    *Graph.* Loops are dropped and repeated edges merged first (their weights summed), so a
    vertex's degree counts distinct neighbours. On a directed graph an edge ``u → v`` and its
    reverse ``v → u`` are different edges: with ``mode="all"`` each counts, so a mutual pair
    adds 2 to the total degree, as in :func:`networkx.core_number` on a ``DiGraph``.

    *k-cores* (Seidman 1983). The k-core is the largest subgraph in which every vertex has
    degree ≥ k (in-degree, out-degree or total degree within the subgraph for directed
    modes); a vertex's coreness is the largest k whose k-core contains it. Computed by
    igraph's ``coreness`` (Batagelj & Zaversnik 2003, O(m)).

    *s-cores* (``weighted=True``). The generalised cores of Batagelj & Zaversnik (2002) with
    the vertex property ``p(v, C) = Σ_{u ∈ C} w(u, v)``, the strength of ``v`` inside ``C``
    (in-, out- or total strength): the s-core is the largest subgraph in which every vertex
    has strength ≥ s — the s-core of Eidsaether & Garas (2016) — and a vertex's index is the
    largest such s, a real number. Not the k-shell variant of Garas, Schweitzer & Havlin
    (2012), which mixes degree and weight. Computed by peeling: repeatedly remove the vertex
    of smallest current strength (a binary heap with lazy deletion, O(m log n)); its index is
    the largest current strength seen at any removal so far. Integer weights give exact
    indices; real weights are summed in floating point. Cost: a Python loop over the edges,
    about 1–2 s per 10**6 edges.

    References
    ----------
    .. [1] Batagelj, V., & Zaversnik, M. (2003). An O(m) algorithm for cores decomposition
       of networks. arXiv:cs/0310049.
    .. [2] Batagelj, V., & Zaversnik, M. (2002). Generalized cores. arXiv:cs/0202039.
    .. [3] Eidsaether, M., & Garas, A. (2016). Identifying and characterizing the cores of
       weighted networks. *Physica A* 445, 99–108.

    Examples
    --------
    >>> g = ig.Graph([(0, 1), (1, 2), (2, 0), (2, 3)])
    >>> coreness(g)["coreness"].to_list()
    [2, 2, 2, 1]
    >>> g.es["weight"] = [1.0, 1.0, 1.0, 5.0]
    >>> coreness(g, weighted=True)["coreness"].to_list()
    [2.0, 2.0, 5.0, 5.0]
    """
    graph = _check_graph(graph)
    if mode not in MODES:
        raise InvalidInputError(f"mode must be one of {MODES}; got {mode!r}")
    if not isinstance(weighted, (bool, np.bool_)):
        raise InvalidInputError(f"weighted must be True or False; got {weighted!r}")
    ids = _actor_ids(graph)
    n, directed = graph.vcount(), graph.is_directed()
    edges = _edge_array(graph)
    if weighted:
        if "weight" not in graph.es.attributes():
            raise InvalidInputError(
                "weighted=True needs the edge attribute 'weight'; set graph.es['weight'] "
                "or call with weighted=False"
            )
        w = np.asarray(graph.es["weight"], dtype=float).reshape(-1)
        if w.size and (not np.all(np.isfinite(w)) or np.any(w < 0)):
            raise InvalidInputError(
                "edge weights must be finite and ≥ 0 for s-cores; drop or fix the "
                "negative, NaN or infinite weights"
            )
        values = _strength_cores(n, edges, w, mode=mode if directed else "all", directed=directed)
        col = pl.Series("coreness", values, dtype=pl.Float64)
    else:
        src, dst = _simple_pairs(n, edges, directed)
        simple = ig.Graph(n=n, edges=np.column_stack([src, dst]).tolist(), directed=directed)
        col = pl.Series("coreness", simple.coreness(mode=mode), dtype=pl.Int64)
    return pl.DataFrame([ids, col])


def _simple_pairs(n: int, edges: np.ndarray, directed: bool) -> tuple[np.ndarray, np.ndarray]:
    """Unique pairs without loops: ordered pairs if ``directed``, else ``u < v``."""
    if not directed:
        return _simple_undirected(n, edges)
    keep = edges[:, 0] != edges[:, 1]
    key = unique_values(edges[keep, 0] * np.int64(max(n, 1)) + edges[keep, 1])
    return key // max(n, 1), key % max(n, 1)


def _strength_cores(
    n: int, edges: np.ndarray, w: np.ndarray, *, mode: str, directed: bool
) -> np.ndarray:
    """s-core index by heap peeling (generalised cores with the sum of weights)."""
    if n == 0:
        return np.empty(0)
    keep = edges[:, 0] != edges[:, 1]
    src, dst, w = edges[keep, 0], edges[keep, 1], w[keep]
    if not directed:
        src, dst = np.minimum(src, dst), np.maximum(src, dst)
    key, inverse = np.unique(src * np.int64(n) + dst, return_inverse=True)
    w = np.bincount(inverse.reshape(-1), weights=w, minlength=key.size)  # merge repeats
    src, dst = key // n, key % n
    # Removing vertex a lowers the strength of b by w for every listed arc a → b.
    if not directed or mode == "all":
        a, b, ww = np.concatenate([src, dst]), np.concatenate([dst, src]), np.concatenate([w, w])
    elif mode == "in":  # strength of b counts arcs into b
        a, b, ww = src, dst, w
    else:  # "out": strength of b counts arcs out of b, lowered when their head a goes
        a, b, ww = dst, src, w
    order = np.argsort(a, kind="stable")
    indptr = np.concatenate([[0], np.cumsum(np.bincount(a, minlength=n))]).tolist()
    heads, weights = b[order].tolist(), ww[order].tolist()
    strength = np.bincount(b, weights=ww, minlength=n).tolist()
    heap = [(s, v) for v, s in enumerate(strength)]
    heapq.heapify(heap)
    removed = [False] * n
    core = [0.0] * n
    level = 0.0
    pop, push = heapq.heappop, heapq.heappush
    while heap:
        s, v = pop(heap)
        if removed[v] or s != strength[v]:
            continue  # stale entry: v was removed or its strength fell since
        removed[v] = True
        if s > level:
            level = s
        core[v] = level
        for k in range(indptr[v], indptr[v + 1]):
            u = heads[k]
            if not removed[u] and weights[k] > 0.0:
                strength[u] -= weights[k]
                push(heap, (strength[u], u))
    return np.asarray(core)


# --------------------------------------------------------------------------- Borgatti–Everett


@dataclass(frozen=True)
class CorePeripheryFit:
    """A Borgatti–Everett core–periphery fit and its test; the result of :func:`borgatti_everett`.

    Attributes
    ----------
    actors : polars.DataFrame
        One row per vertex, in vertex order: ``actor_id`` (str), ``core_score`` (Float64:
        0 or 1 for the discrete model, in [0, 1] with maximum 1 for the continuous one) and
        ``is_core`` (bool).
    model : str
        ``"discrete"`` or ``"continuous"``.
    rho : float
        Fit quality: the Pearson correlation between the adjacency matrix and the ideal
        pattern over the ``n (n − 1) / 2`` vertex pairs; NaN for a degenerate graph.
    n_core : int
        Vertices with ``is_core``.
    n_vertices, n_edges : int
        Size of the undirected simple graph that was fitted.
    p_value : float
        The sequential Monte-Carlo p-value (Besag & Clifford 1991): ``h / n_nulls`` when the
        test stopped early, else ``(1 + #{null rho ≥ rho}) / (1 + n_nulls_max)``; NaN when
        no null was drawn.
    n_nulls : int
        Null graphs drawn and refitted (0 when ``n_nulls=0`` was asked or the graph is
        degenerate; below ``n_nulls_max`` when the test stopped early).
    null_rho_mean, null_rho_sd : float
        Mean and sample sd of the nulls' ``rho``; NaN without (two) nulls.
    z : float
        ``(rho − null_rho_mean) / null_rho_sd``; NaN when the sd is 0 or undefined.
    n_nulls_max : int
        The most nulls the test could draw (the ``n_nulls`` asked for; 0 without a test).
    h : int
        Nulls with ``rho`` at least the observed one that stop the test early.
    stopped_early : bool
        True when the test stopped after ``h`` such nulls, before ``n_nulls_max``.
    global_trades : int
        Global curveball trades made for each null (:mod:`netdyn.analytics.curveball`).
    seed_entropy : int
        Entropy of the root :class:`numpy.random.SeedSequence`; passing it as ``seed``
        reproduces the fit.
    null_rhos : numpy.ndarray of float, shape (n_nulls,)
        The nulls' ``rho``, in null order.
    """

    actors: pl.DataFrame = field(repr=False, compare=False)
    model: str
    rho: float
    n_core: int
    n_vertices: int
    n_edges: int
    p_value: float
    n_nulls: int
    null_rho_mean: float
    null_rho_sd: float
    z: float
    n_nulls_max: int
    h: int
    stopped_early: bool
    global_trades: int
    seed_entropy: int
    null_rhos: np.ndarray = field(repr=False, compare=False)

    @property
    def p_value_resolution(self) -> float:
        """The smallest p-value the test can give, ``1 / (n_nulls_max + 1)`` (NaN without nulls)."""
        return 1.0 / (self.n_nulls_max + 1) if self.n_nulls_max > 0 else math.nan

    def to_dict(self) -> dict[str, Any]:
        """The scalar fields as a plain dict (one row of a results table).

        Returns
        -------
        dict
            Every field except ``actors`` and ``null_rhos``, and ``p_value_resolution``.
        """
        skip = {"actors", "null_rhos"}
        out = {k: getattr(self, k) for k in self.__dataclass_fields__ if k not in skip}
        return out | {"p_value_resolution": self.p_value_resolution}


def borgatti_everett(
    graph: ig.Graph,
    *,
    model: str = "discrete",
    n_nulls: int = 100,
    n_starts: int = DEFAULT_STARTS,
    global_trades: int = GLOBAL_TRADES,
    h: int = DEFAULT_H,
    seed: int | np.random.SeedSequence | None = None,
    n_jobs: int | None = None,
) -> CorePeripheryFit:
    """Fit the Borgatti–Everett core–periphery model and test it against configuration nulls.

    Parameters
    ----------
    graph : igraph.Graph
        Any graph; its undirected simple version is fitted (see Notes).
    model : {"discrete", "continuous"}, default "discrete"
        Discrete: a core set. Continuous: a core score per vertex.
    n_nulls : int, default 100
        The most degree-preserving null graphs to refit, ≥ 0 (0: no test). The test is
        sequential: it stops once ``h`` nulls fit at least as well as the observed graph,
        so only significant results draw them all. 99 or more give a p-value resolution of
        0.01.
    n_starts : int, default 10
        The most starts of the discrete heuristic, ≥ 1 (not used by the continuous model);
        it stops after :data:`START_PATIENCE` consecutive starts that do not improve on the
        best.
    global_trades : int, default :data:`netdyn.analytics.curveball.GLOBAL_TRADES`
        Global curveball trades for each null (:func:`netdyn.analytics.curveball.curveball_edges`).
    h : int, default 10
        Nulls at least as extreme as the observation that stop the sequential test, ≥ 1
        (Besag & Clifford 1991); ``h > n_nulls`` gives the fixed test over all ``n_nulls``.
    seed : int, numpy.random.SeedSequence or None, default None
        Root seed of the fit and the nulls; ``None`` draws fresh entropy (kept in
        :attr:`CorePeripheryFit.seed_entropy`).
    n_jobs : int, optional
        Worker processes for the nulls, ≥ 1; default :func:`os.cpu_count`. The result does
        not depend on it.

    Returns
    -------
    CorePeripheryFit
        Per-actor scores (one row per vertex), ``rho``, core size and the test. A degenerate
        graph — fewer than 3 vertices, no edge, or every pair linked — has no defined
        correlation: ``rho`` and the test fields are NaN, no vertex is core, no null is drawn.

    Raises
    ------
    InvalidInputError
        If ``graph`` is not an igraph Graph, ``model`` is not one of :data:`MODELS`, or a
        count or ``global_trades`` is out of range.

    Notes
    -----
    *Graph.* Directions are dropped, loops and repeated edges removed, weights ignored.
    Pairs are the ``N = n (n − 1) / 2`` unordered vertex pairs (no diagonal).

    *Discrete model* (Borgatti & Everett 2000, section 3). With core indicator ``x`` the
    ideal pattern is ``Δ_ij = x_i + x_j − x_i x_j`` — 1 when either vertex is in the core,
    so core–core and core–periphery pairs are expected linked and periphery–periphery pairs
    not: BE's idealised core/periphery matrix with core–periphery ties present, the
    pattern of cpnet's ``BE`` and of Kojaku & Masuda (2018). (BE's variant that treats
    core–periphery pairs as missing data is not implemented.) ``rho`` is
    the Pearson correlation of ``A_ij`` and ``Δ_ij``; it depends only on the core size ``c``
    and the number ``E_pp`` of edges inside the periphery:
    ``rho = (s − a p) / sqrt(a (1 − a) p (1 − p))`` with ``a = m / N``,
    ``p = 1 − (n − c)(n − c − 1) / (2N)`` and ``s = (m − E_pp) / N``, so a vertex move
    changes it in O(1) given the vertex's number of periphery neighbours.

    *Discrete heuristic.* Any vertex order defines ``n`` nested core sets (its prefixes);
    ``E_pp`` of every prefix follows at once from each edge's earlier endpoint, so the best
    prefix is found in O(m + n). A start is an order — by degree, or a random core set —
    and is improved in rounds: with ``np_v`` the number of periphery neighbours of ``v``
    (a sparse product), the core sorted by ``np`` descending followed by the periphery
    sorted likewise (its prefixes include every single-vertex addition and removal that is
    best by the O(1) update, so a round never loses), and all vertices sorted by ``np``
    (which proposes swaps); the best prefix of either becomes the new core, until no round
    improves ``rho`` by more than 1e-12. Ties are broken at random, and the best of
    the starts is kept: at most ``n_starts``, and no more once :data:`START_PATIENCE` (3)
    starts in a row have not raised the best ``rho`` by more than 1e-12 (on large sparse
    graphs every start tends to find the same core, so most fits stop after 4 starts).
    Each round costs O(m + n log n).

    *Continuous model* (Borgatti & Everett 2000, section 4): the pattern ``Δ_ij = c_i c_j``
    with core scores ``c ≥ 0``. Maximising the correlation of ``A_ij`` with ``c_i c_j``
    over ``c`` directly is ill-posed: with ``c = 1 − ε d`` and ``ε → 0`` the pattern tends
    to ``1 − ε (d_i + d_j)``, so the correlation tends to that of the *additive* pattern
    ``d_i + d_j``, which often beats every product pattern (0.449 against 0.409 on the
    planted graph of the tests), and an optimiser drifts to scores that are all ≈ 1. The
    scores are therefore fitted by least squares, minimising ``Σ_{i<j} (A_ij − c_i c_j)²``
    over ``c ≥ 0`` — the MINRES estimator of the continuous model (Boyd et al. 2010) —
    by L-BFGS-B from the configuration model's rank-1 fit ``d / sqrt(2m)``, with the loss
    and gradient computed exactly in O(m + n) from ``Σc²``, ``Σc⁴`` and ``Ac`` (never an
    n × n matrix). ``rho`` is then the correlation of ``A_ij`` with ``c_i c_j`` at the
    fit, computed the same way. Scores are reported divided by their maximum; ``is_core``
    marks the prefix of the score order (highest first) whose discrete ``rho`` is largest.
    The configuration model's expected adjacency is itself the rank-1 ``d dᵀ / 2m``, so
    its nulls fit this pattern well: on the planted graph of the tests the discrete test
    gives p = 0.0099 but the continuous one p = 1 (null ``rho`` 0.466 ± 0.002 against
    0.409), because the planted core–periphery block pattern is not rank-1.

    *Test* (Kojaku & Masuda 2018, permutation form). Each null is the observed graph after
    ``global_trades`` global curveball trades (Carstens et al. 2018: a uniform sample of
    the simple graphs with the same degree sequence), refitted by the same model and
    heuristic — the same estimator as the observed fit, since a weaker fit on the nulls
    would bias the test.
    Nulls are drawn in index order and the test is Besag & Clifford's (1991) sequential
    Monte-Carlo test (:func:`netdyn.analytics.monte_carlo.sequential_p_value`): it stops at
    the first ``l`` with ``h`` nulls of ``rho ≥`` the observed one, ``p_value = h / l``;
    otherwise all ``n_nulls`` are drawn and ``p_value = (1 + #{null rho ≥ rho}) /
    (1 + n_nulls)``. The mean, sd and ``z`` are over the nulls drawn. This is the q–s test of Kojaku
    & Masuda without its conditioning on size: they weight each null by how close its core
    size is to the observed one (a Gaussian kernel), a refinement not implemented here.
    Degree heterogeneity alone makes a core in this model, which is why the
    nulls keep the degrees: a significant ``rho`` means more core–periphery structure than
    the degrees imply.

    *Seeding.* Child 0 of ``SeedSequence(seed)`` seeds the observed fit and child ``1 + i``
    null ``i``; with workers the nulls are computed a few ahead but consumed in index order,
    so the p-value, the nulls drawn and every number are identical for any ``n_jobs``.

    *Cost.* The observed fit and each null: O(m + n log n) per round of the heuristic, a
    few rounds per start, at most ``n_starts`` starts; each null adds O(global_trades · m) for its
    trades (0.19 CPU-s for 10 on 65,527 edges, 4.1 on 822,743). Non-significant graphs
    stop after about ``h / p`` nulls; significant ones draw all ``n_nulls``.

    References
    ----------
    .. [1] Borgatti, S. P., & Everett, M. G. (2000). Models of core/periphery structures.
       *Social Networks* 21(4), 375–395.
    .. [2] Kojaku, S., & Masuda, N. (2018). Core-periphery structure requires something else
       in the network. *New Journal of Physics* 20, 043012.
    .. [3] Kojaku, S., & Masuda, N. (2018). A generalised significance test for individual
       communities in networks. *Scientific Reports* 8, 7351.
    .. [4] Boyd, J. P., Fitzgerald, W. J., Mahutga, M. C., & Smith, D. A. (2010). Computing
       continuous core/periphery structures for social relations data with MINRES/SVD.
       *Social Networks* 32(2), 125–137.
    .. [5] Besag, J., & Clifford, P. (1991). Sequential Monte Carlo p-values. *Biometrika*
       78(2), 301–304.

    Examples
    --------
    >>> fit = borgatti_everett(ig.Graph.Star(5), n_nulls=0, seed=1)
    >>> fit.actors["is_core"].to_list(), round(fit.rho, 12), fit.n_core
    ([True, False, False, False, False], 1.0, 1)
    """
    graph = _check_graph(graph)
    if model not in MODELS:
        raise InvalidInputError(f"model must be one of {MODELS}; got {model!r}")
    n_nulls = _check_count("n_nulls", n_nulls, 0)
    n_starts = _check_count("n_starts", n_starts, 1)
    trades = check_global_trades(global_trades)
    h = _check_count("h", h, 1)
    n_jobs = _check_jobs(n_jobs)
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    n = graph.vcount()
    u, v = _simple_undirected(n, _edge_array(graph))
    ids = _actor_ids(graph)
    nan = math.nan
    score, is_core, rho = _fit(n, u, v, model, n_starts, np.random.default_rng(child_seed(root, 0)))
    actors = pl.DataFrame(
        [
            ids,
            pl.Series("core_score", score, dtype=pl.Float64),
            pl.Series("is_core", is_core, dtype=pl.Boolean),
        ]
    )
    n_max = n_nulls if math.isfinite(rho) else 0
    tasks = [(n, u, v, model, n_starts, trades, child_seed(root, 1 + i)) for i in range(n_max)]
    test = sequential_p_value(
        rho,
        ordered_map(_null_fit, tasks, n_jobs=n_jobs, label=f"core-periphery nulls ({model})"),
        n_max=n_max,
        h=h,
    )
    null_rhos = test.statistics
    k = null_rhos.size
    mean = float(null_rhos.mean()) if k else nan
    sd = float(null_rhos.std(ddof=1)) if k > 1 else nan
    z = (rho - mean) / sd if k > 1 and sd > 0 else nan
    return CorePeripheryFit(
        actors=actors,
        model=model,
        rho=float(rho),
        n_core=int(np.count_nonzero(is_core)),
        n_vertices=n,
        n_edges=int(u.size),
        p_value=float(test.p_value),
        n_nulls=k,
        null_rho_mean=mean,
        null_rho_sd=sd,
        z=float(z),
        n_nulls_max=n_max,
        h=h,
        stopped_early=test.stopped_early,
        global_trades=trades,
        seed_entropy=int(root.entropy),
        null_rhos=null_rhos,
    )


def core_periphery_strength(
    graph: ig.Graph,
    *,
    seed: int | np.random.SeedSequence | None = None,
    n_starts: int = DEFAULT_STARTS,
) -> float:
    """The strength of core–periphery structure as one number: the discrete BE ``rho``.

    Parameters
    ----------
    graph : igraph.Graph
        Any graph; its undirected simple version is fitted.
    seed : int, numpy.random.SeedSequence or None, default None
        Seed of the heuristic's random starts and tie-breaks.
    n_starts : int, default 10
        The most starts of the discrete heuristic, ≥ 1 (it stops after
        :data:`START_PATIENCE` starts in a row without improvement).

    Returns
    -------
    float
        ``borgatti_everett(graph, model="discrete", n_nulls=0, n_starts=n_starts,
        seed=seed).rho``: the
        correlation in [−1, 1] between the adjacency matrix and the best ideal core–periphery
        pattern found; NaN for a degenerate graph (fewer than 3 vertices, no edge, or
        complete). No significance test is run.

    Raises
    ------
    InvalidInputError
        If ``graph`` is not an igraph Graph.

    Notes
    -----
    Without a null model the number is descriptive only: degree heterogeneity alone gives
    high values (Kojaku & Masuda 2018); use :func:`borgatti_everett` for the test.

    References
    ----------
    .. [1] Borgatti, S. P., & Everett, M. G. (2000). Models of core/periphery structures.
       *Social Networks* 21(4), 375–395.

    Examples
    --------
    >>> round(core_periphery_strength(ig.Graph.Star(6), seed=0), 12)
    1.0
    """
    # borgatti_everett's observed fit without its per-actor table (this runs once per
    # mesoscale null: building the table of names cost a third of a small graph's fit)
    graph = _check_graph(graph)
    n_starts = _check_count("n_starts", n_starts, 1)
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    n = graph.vcount()
    u, v = _simple_undirected(n, _edge_array(graph))
    return float(_fit(n, u, v, "discrete", n_starts, np.random.default_rng(child_seed(root, 0)))[2])


def _null_fit(task: tuple[Any, ...]) -> float:
    """The ``rho`` of one null: randomise the graph ``u < v`` from the null's seed, refit."""
    n, u, v, model, n_starts, trades, seed = task
    rng = np.random.default_rng(seed)
    ru, rv = _null_edges(n, u, v, trades, rng)
    return _fit(n, ru, rv, model, n_starts, rng)[2]


def _fit(
    n: int, u: np.ndarray, v: np.ndarray, model: str, n_starts: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, float]:
    """Core scores, core flags and rho of the undirected simple graph ``u < v``."""
    n_pairs = n * (n - 1) / 2
    if n < 3 or u.size == 0 or u.size >= n_pairs:
        return np.zeros(n), np.zeros(n, dtype=bool), math.nan
    adj = _adjacency(n, u, v)
    if model == "discrete":
        x, rho = _fit_discrete(n, u, v, adj, n_starts, rng)
        return x.astype(float), x, rho
    score, rho = _fit_continuous(n, u, v, adj)
    order = _order_by(score, rng)
    c, _ = _Prefixes.of(n, u.size).best(u, v, order)
    x = np.zeros(n, dtype=bool)
    x[order[:c]] = True
    return score, x, rho


def _discrete_rho(n: int, m: int, c: np.ndarray, e_pp: np.ndarray) -> np.ndarray:
    """Correlation of A with Δ = x_i + x_j − x_i x_j for core size c and periphery edges e_pp.

    NaN where it is undefined (no core, or fewer than two periphery vertices).
    """
    n_pairs = n * (n - 1) / 2.0
    a = m / n_pairs
    periphery = (n - np.asarray(c)).astype(float)
    p = 1.0 - periphery * (periphery - 1.0) / (2.0 * n_pairs)
    s = (m - np.asarray(e_pp)) / n_pairs
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = (s - a * p) / np.sqrt(a * (1.0 - a) * p * (1.0 - p))
    return np.where((p > 0) & (p < 1), rho, np.nan)


@dataclass(frozen=True)
class _Prefixes:
    """The terms of the discrete rho of every core size c = 1 .. n − 2 of one graph."""

    n: int
    m: int
    offset: np.ndarray  # rho = (covered / N − a p) / sqrt(a (1 − a) p (1 − p)) = ...
    scale: np.ndarray  # ... = covered · scale − offset

    @classmethod
    def of(cls, n: int, m: int) -> _Prefixes:
        n_pairs = n * (n - 1) / 2.0
        a = m / n_pairs
        periphery = n - np.arange(1, n - 1, dtype=float)
        p = 1.0 - periphery * (periphery - 1.0) / (2.0 * n_pairs)
        inv = 1.0 / np.sqrt(a * (1.0 - a) * p * (1.0 - p))
        return cls(n, m, a * p * inv, inv / n_pairs)

    def best(self, u: np.ndarray, v: np.ndarray, order: np.ndarray) -> tuple[int, float]:
        """The core size whose prefix of ``order`` maximises rho, and that rho."""
        rank = np.empty(self.n, dtype=np.int64)
        rank[order] = np.arange(self.n)
        first = np.minimum(rank[u], rank[v])  # an edge is covered once its earlier end is core
        covered = np.cumsum(np.bincount(first, minlength=self.n))[: self.n - 2]
        rho = covered * self.scale - self.offset  # covered[i] is for core size c = i + 1
        best = int(np.argmax(rho))
        return best + 1, float(rho[best])


def _order_by(score: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Vertices by descending score, ties in a uniformly random order.

    The order of ``perm[np.lexsort((-score[perm],))]`` with ``perm = rng.permutation(n)``
    (a test holds it to that); integral scores (degrees, neighbour counts) are sorted by
    :func:`_stable_argsort`'s radix passes, others by a stable float sort.
    """
    perm = rng.permutation(score.size)
    ranked = score[perm]
    top = ranked.max(initial=0.0)
    if ranked.min(initial=0.0) >= 0 and top < _INT_KEYS and np.all(ranked == np.floor(ranked)):
        return perm[_stable_argsort((top - ranked).astype(np.int64))]
    return perm[np.argsort(-ranked, kind="stable")]


#: Integer sort keys must be below this (two 16-bit radix passes); degrees are far smaller.
_INT_KEYS = 2**32


def _stable_argsort(key: np.ndarray) -> np.ndarray:
    """``np.argsort(key, kind="stable")`` for integer keys in ``[0, 2**32)``, by radix passes.

    numpy sorts 16-bit integers stably by radix sort in O(n) but larger ones by timsort;
    keys of 16 bits or fewer take one pass, larger ones two (low half, then high half).
    """
    if key.size == 0 or key.max() < 2**16:
        return np.argsort(key.astype(np.uint16), kind="stable")
    low = np.argsort((key & 0xFFFF).astype(np.uint16), kind="stable")
    return low[np.argsort((key[low] >> 16).astype(np.uint16), kind="stable")]


def _fit_discrete(
    n: int,
    u: np.ndarray,
    v: np.ndarray,
    adj: sp.csr_matrix,
    n_starts: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, float]:
    degree = np.asarray(adj.sum(axis=1)).ravel()
    prefixes = _Prefixes.of(n, u.size)
    best_x, best_rho = np.zeros(n, dtype=bool), -math.inf
    stale = 0  # consecutive starts that did not raise the best rho
    for start in range(n_starts):
        if start == 0:  # by degree
            order = _order_by(degree, rng)
        else:  # a random core set of random size, then its np order
            x0 = rng.random(n) < rng.uniform(0.02, 0.98)
            order = _split_order(x0, adj @ (~x0).astype(float), rng)
        c, rho = prefixes.best(u, v, order)
        x = np.zeros(n, dtype=bool)
        x[order[:c]] = True
        for _ in range(_REFINE_ROUNDS):
            n_peri = adj @ (~x).astype(float)
            candidates = [_split_order(x, n_peri, rng), _order_by(n_peri, rng)]
            c_new, rho_new, order_new = -1, -math.inf, None
            for cand in candidates:
                cc, rr = prefixes.best(u, v, cand)
                if rr > rho_new:
                    c_new, rho_new, order_new = cc, rr, cand
            if rho_new <= rho + _RHO_TOL:
                break
            x = np.zeros(n, dtype=bool)
            x[order_new[:c_new]] = True
            rho = rho_new
        stale = 0 if rho > best_rho + _RHO_TOL else stale + 1
        if rho > best_rho:
            best_x, best_rho = x, rho
        if stale >= START_PATIENCE:
            break
    return best_x, float(best_rho)


def _split_order(x: np.ndarray, n_peri: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Core vertices, then periphery vertices, each by descending periphery-neighbour count.

    Ties in a uniformly random order: ``perm[np.lexsort((-n_peri[perm], ~x[perm]))]`` with
    ``perm = rng.permutation(n)`` (a test holds it to that). It is :func:`_order_by` of
    ``n_peri`` raised by more than its maximum on the core, so core vertices come first.
    """
    return _order_by(n_peri + x * (n_peri.max(initial=0.0) + 1.0), rng)


def _continuous_rho(c: np.ndarray, adj: sp.csr_matrix, m: int) -> float:
    """Pearson correlation of A_ij with c_i c_j over the pairs i < j, in O(m + n)."""
    n = c.size
    n_pairs = n * (n - 1) / 2.0
    s1, s2, s4 = c.sum(), c @ c, np.sum(c**4)
    mean_x = m / n_pairs
    mean_y = (s1 * s1 - s2) / (2.0 * n_pairs)
    mean_xy = (c @ (adj @ c)) / (2.0 * n_pairs)
    var_y = (s2 * s2 - s4) / (2.0 * n_pairs) - mean_y * mean_y
    if var_y <= 0:
        return math.nan
    return float((mean_xy - mean_x * mean_y) / math.sqrt(mean_x * (1.0 - mean_x) * var_y))


def _minres_objective(c: np.ndarray, adj: sp.csr_matrix, m: int) -> tuple[float, np.ndarray]:
    """Σ_{i<j} (A_ij − c_i c_j)² and its gradient, in O(m + n)."""
    s2 = c @ c
    ac = adj @ c
    loss = m - c @ ac + (s2 * s2 - np.sum(c**4)) / 2.0
    return float(loss), 2.0 * (c * (s2 - c * c) - ac)


def _fit_continuous(
    n: int, u: np.ndarray, v: np.ndarray, adj: sp.csr_matrix
) -> tuple[np.ndarray, float]:
    from scipy.optimize import Bounds, minimize  # 0.9 s to import: only this model needs it

    degree = np.asarray(adj.sum(axis=1)).ravel()
    # BLAS threads only slow L-BFGS-B's small dense steps (and fight over shared cores).
    with threadpool_limits(limits=1):
        result = minimize(
            _minres_objective,
            degree / math.sqrt(2.0 * u.size),  # the configuration model's rank-1 fit
            args=(adj, u.size),
            jac=True,
            method="L-BFGS-B",
            bounds=Bounds(np.zeros(n), np.full(n, np.inf)),
            options=_LBFGS_OPTIONS,
        )
    c = np.clip(result.x, 0.0, None)
    if c.max() <= 0:
        return np.zeros(n), math.nan
    c = c / c.max()
    return c, _continuous_rho(c, adj, u.size)
