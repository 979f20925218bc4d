"""Modular or hierarchical? Mesoscale structure judged against size-matched null models.

Whether a network is *modular* (dense groups loosely tied to each other) or *core-periphery /
hierarchical* (a core that everyone reaches or that reaches everyone) cannot be read off raw
scores: modularity, core-periphery strength and hierarchy measures all drift with size and
density, so a large submolt and a small one are not comparable. As in *Modular versus
Hierarchical* (on LLM-agent and online social networks), each score is therefore judged
against null graphs of the same size and degree sequence, and reported as a z-score.

* :func:`global_reaching_centrality` — the hierarchy measure GRC of Mones, Vicsek & Vicsek
  (2012): how unequal the vertices' reach along directed edges is (1 for an out-star,
  0 for a cycle). Computed on the condensation DAG with bitsets, so graphs of 10⁴–10⁵
  vertices take seconds; :func:`local_reaching_centrality` gives the per-vertex values.
* :func:`modularity_leiden` — Newman's modularity Q (Newman 2006) of the partition found by
  the Leiden algorithm (Traag, Waltman & van Eck 2019), seeded.
* :func:`mesoscale_profile` — the three statistics (Q, core-periphery strength in the
  sense of Borgatti & Everett 2000, GRC) on a graph and on degree-preserving randomisations of
  it, with null mean, sd, z-score and empirical p-value, parallel and seeded.
* :func:`community_profiles` — the profile of every community (submolt, subreddit) and,
  optionally, every time window of an event log, each labelled "modular",
  "core-periphery/hierarchical", "both" or "neither".

Conventions
-----------
* Direction: an interaction edge runs actor → target ("who replies to whom",
  :mod:`analytics.interaction_graph`), and reach follows out-edges. A vertex with high local
  reaching centrality is one whose replies chain out to much of the community; a reply tree
  in which everyone answers one hub (in-star) has GRC ≈ 0 as everybody reaches only the hub,
  while a hub that answers everyone (out-star) has GRC = 1.
* Nulls: ``igraph.Graph.rewire`` with about ``10 m`` edge swaps on a copy, keeping the in-
  and out-degree of every vertex (the degree sequence for undirected graphs), no loops and
  no multi-edges.
* Randomness: every random step draws from a seed derived with
  :class:`numpy.random.SeedSequence`; igraph's own generator (used by Leiden and by
  ``rewire``) is swapped for a seeded :class:`random.Random` for the call and restored to
  Python's :mod:`random` module (igraph's default) afterwards.

References
----------
.. [1] Mones, E., Vicsek, L., & Vicsek, T. (2012). Hierarchy measure for complex networks.
   *PLoS ONE* 7(3), e33799. doi:10.1371/journal.pone.0033799
.. [2] Traag, V. A., Waltman, L., & van Eck, N. J. (2019). From Louvain to Leiden:
   guaranteeing well-connected communities. *Scientific Reports* 9, 5233.
.. [3] Newman, M. E. J. (2006). Modularity and community structure in networks. *PNAS*
   103(23), 8577–8582.
.. [4] Borgatti, S. P., & Everett, M. G. (2000). Models of core/periphery structures.
   *Social Networks* 21(4), 375–395.
.. [5] Maslov, S., & Sneppen, K. (2002). Specificity and stability in topology of protein
   networks. *Science* 296(5569), 910–913. (degree-preserving edge swaps)
"""

from __future__ import annotations

import math
import multiprocessing
import os
import pickle
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, NamedTuple

import igraph as ig
import numpy as np
import polars as pl
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from analytics._igraph_random import igraph_seeded
from analytics.interaction_graph import (
    INTERACTION_KINDS,
    build_interaction_graph,
    interaction_edges,
)
from analytics.windows import WindowSpec, assign_windows
from netdyn.errors import InvalidInputError

__all__ = [
    "STATISTICS",
    "LABELS",
    "local_reaching_centrality",
    "global_reaching_centrality",
    "ModularityPartition",
    "modularity_leiden",
    "MesoscaleProfile",
    "mesoscale_profile",
    "CommunityProfiles",
    "community_profiles",
]

#: The statistics of a mesoscale profile, in column order.
STATISTICS: tuple[str, ...] = (
    "modularity",
    "core_periphery_strength",
    "global_reaching_centrality",
)

#: The labels of :func:`mesoscale_profile` and :func:`community_profiles`.
LABELS: tuple[str, ...] = ("modular", "core-periphery/hierarchical", "both", "neither")

_WINDOW_TYPE = pl.Datetime("us", "UTC")
_BLOCK_TARGETS = 4096  # bits per reachability block: k × 512 bytes of bitsets
_EDGE_CHUNK = 65536  # DAG edges merged at once (≤ 32 MB of gathered bitsets)
_WEIGHTED_CHUNK = 4_000_000  # sources × vertices per Dijkstra chunk (≈ 100 MB of work arrays)
_MAX_SEED = 2**63 - 1

CpStrength = Callable[..., float]


# --------------------------------------------------------------------------------------------
# Global reaching centrality
# --------------------------------------------------------------------------------------------


def local_reaching_centrality(
    graph: ig.Graph,
    *,
    weighted: bool = False,
    max_targets: int | None = None,
    seed: int | np.random.Generator | np.random.SeedSequence | None = None,
) -> np.ndarray:
    """Local reaching centrality C_R(i) of every vertex (Mones et al. 2012).

    Parameters
    ----------
    graph : igraph.Graph
        Directed graph, N vertices. An undirected graph is read as a directed one with both
        directions of every edge.
    weighted : bool
        False (default): C_R(i) is the share of the other N − 1 vertices reachable from i
        along out-edges. True: the weighted version of Mones et al. (eq. 2), as networkx
        computes it — the mean edge weight along the shortest path to each reachable vertex
        (path length ``1 / weight`` per edge), weights divided by their mean, summed and
        divided by N − 1. Needs the edge attribute ``weight`` (finite, > 0).
    max_targets : int, optional
        Unweighted only. When the graph has more strongly connected components than this,
        estimate each reach from ``max_targets`` vertices sampled uniformly without
        replacement instead of counting it exactly (standard error ≤ ``0.5 /
        sqrt(max_targets)`` per vertex). None (default): always exact.
    seed : int, numpy Generator or SeedSequence, optional
        Seeds the sample of ``max_targets``; unused when the count is exact.

    Returns
    -------
    numpy.ndarray
        Shape (N,), float64 in [0, 1] (the weighted version can exceed 1 when the paths use
        heavier-than-average edges), indexed by vertex id. Empty for N = 0; ``[nan]`` for
        N = 1.

    Raises
    ------
    InvalidInputError
        If ``weighted`` and the weights are missing, not finite or not positive; if
        ``max_targets`` < 1 or is combined with ``weighted``.

    Notes
    -----
    Unweighted algorithm: the strongly connected components (SCCs) are contracted to a DAG
    of k nodes and k' edges; every vertex of an SCC reaches the same set, the SCC and its
    descendants. Descendant sets are bitsets over blocks of B = 4096 target SCCs, filled by a
    dynamic programme over the DAG's height levels (sinks first, each level one vectorised
    ``bitwise_or.reduceat``), and counted by a byte-wise weighted popcount. Time
    O(k/B · (k' + k) · B/64) word operations (about k · k'/64 + k²/8), memory O(k · B/8)
    bytes (≈ 50 MB at k = 10⁵), plus one Python step per DAG level. Reply graphs have a
    giant SCC and a shallow DAG, so k ≪ N in practice. ``max_targets`` turns the count into
    one pass over a uniform sample of target vertices (O(k' · S/64)), for graphs where
    k²/8 bytes of work is too much.

    Weighted algorithm: Dijkstra from every source (scipy), then the weight sum and hop count
    of every shortest-path tree branch by pointer doubling; O(N · (m + N log N)) time, so
    meant for graphs up to ~10⁴ vertices. Among equally short paths the first found wins,
    which can differ from networkx on ties.

    References
    ----------
    .. [1] Mones, E., Vicsek, L., & Vicsek, T. (2012). Hierarchy measure for complex
       networks. *PLoS ONE* 7(3), e33799.

    Examples
    --------
    >>> local_reaching_centrality(ig.Graph([(0, 1), (1, 2)], directed=True)).tolist()
    [1.0, 0.5, 0.0]
    """
    n = graph.vcount()
    if max_targets is not None and (int(max_targets) != max_targets or max_targets < 1):
        raise InvalidInputError(
            f"max_targets must be a positive integer or None; got {max_targets!r}"
        )
    if weighted and max_targets is not None:
        raise InvalidInputError(
            "max_targets (sampling) applies to unweighted reach only; drop max_targets or "
            "pass weighted=False"
        )
    if n == 0:
        return np.empty(0, dtype=np.float64)
    if n == 1:
        return np.array([np.nan])
    directed = graph if graph.is_directed() else graph.as_directed(mode="mutual")
    if weighted:
        return _weighted_lrc(directed)
    reach = _reach_counts(directed, max_targets=max_targets, seed=seed)
    return np.clip((reach - 1.0) / (n - 1), 0.0, 1.0)


def global_reaching_centrality(
    graph: ig.Graph,
    *,
    weighted: bool = False,
    max_targets: int | None = None,
    seed: int | np.random.Generator | np.random.SeedSequence | None = None,
) -> float:
    """Global reaching centrality GRC = Σ_i (C_R^max − C_R(i)) / (N − 1) (Mones et al. 2012).

    Parameters
    ----------
    graph : igraph.Graph
        Directed graph, N vertices; reach follows out-edges (actor → target in an
        interaction graph: "who replies to whom"). An undirected graph is read with both
        directions of every edge, so a connected undirected graph has GRC 0.
    weighted : bool
        Use the weighted local reaching centrality (edge attribute ``weight``); see
        :func:`local_reaching_centrality`.
    max_targets : int, optional
        Estimate reach from this many sampled target vertices when the graph has more
        strongly connected components (unweighted only); None (default) is exact.
    seed : int, numpy Generator or SeedSequence, optional
        Seeds the sample of ``max_targets``.

    Returns
    -------
    float
        GRC in [0, 1] for the unweighted measure: 1 for an out-star seen from its centre,
        0 when every vertex reaches the same share (a cycle, a strongly connected graph, a
        graph without edges). ``nan`` for fewer than 2 vertices.

    Raises
    ------
    InvalidInputError
        As :func:`local_reaching_centrality`.

    Notes
    -----
    networkx's ``global_reaching_centrality`` gives the same value (tested) but raises on a
    graph without edges, where this function returns 0; it costs O(N · m), this one
    O(k² / 8 + k k' / 64) for k strongly connected components and k' edges between them
    (see :func:`local_reaching_centrality`). Isolated vertices count in N: each adds
    C_R^max / (N − 1).

    References
    ----------
    .. [1] Mones, E., Vicsek, L., & Vicsek, T. (2012). Hierarchy measure for complex
       networks. *PLoS ONE* 7(3), e33799.

    Examples
    --------
    >>> global_reaching_centrality(ig.Graph.Star(5, mode="out"))
    1.0
    >>> global_reaching_centrality(ig.Graph.Ring(5, directed=True))
    0.0
    """
    n = graph.vcount()
    if n < 2:
        return float("nan")
    lrc = local_reaching_centrality(graph, weighted=weighted, max_targets=max_targets, seed=seed)
    return float(np.sum(lrc.max() - lrc) / (n - 1))


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(s, s + l)`` for every (s, l), vectorised."""
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
    return offsets + np.arange(total, dtype=np.int64)


def _reach_counts(
    graph: ig.Graph,
    *,
    max_targets: int | None,
    seed: int | np.random.Generator | np.random.SeedSequence | None,
) -> np.ndarray:
    """Vertices reachable from each vertex, itself included (float64, shape (N,))."""
    n = graph.vcount()
    components = graph.connected_components(mode="strong")
    membership = np.asarray(components.membership, dtype=np.int64)
    k = len(components)
    sizes = np.bincount(membership, minlength=k).astype(np.float64)
    dag = components.cluster_graph(combine_vertices=False, combine_edges=False)
    dag.simplify(multiple=True, loops=True)
    dag_edges = np.asarray(dag.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    src, dst = dag_edges[:, 0], dag_edges[:, 1]

    # Height levels: sinks are level 0, a node's level exceeds all its children's.
    order_by_dst = np.argsort(dst, kind="stable")
    parents = src[order_by_dst]
    parent_ptr = np.concatenate(([0], np.cumsum(np.bincount(dst, minlength=k))))
    remaining = np.bincount(src, minlength=k)
    level = np.full(k, -1, dtype=np.int64)
    frontier = np.flatnonzero(remaining == 0)
    height = 0
    while frontier.size:
        level[frontier] = height
        ps = parents[_ranges(parent_ptr[frontier], parent_ptr[frontier + 1] - parent_ptr[frontier])]
        remaining -= np.bincount(ps, minlength=k)
        frontier = np.unique(ps[remaining[ps] == 0])
        height += 1
    # Out-edges grouped by source, sources ordered by level: one slice per level.
    order = np.lexsort((src, level[src]))
    src_sorted, dst_sorted = src[order], dst[order]
    edge_level = level[src_sorted]
    level_bounds = np.searchsorted(edge_level, np.arange(height + 1))

    if max_targets is not None and k > max_targets:
        rng = np.random.default_rng(seed)
        sample = rng.choice(n, size=int(max_targets), replace=False)
        target_scc = membership[sample]
        target_weight = np.full(sample.size, n / sample.size)
    else:
        target_scc = np.arange(k, dtype=np.int64)
        target_weight = sizes
    reach_scc = np.zeros(k, dtype=np.float64)
    for first in range(0, target_scc.size, _BLOCK_TARGETS):
        block_scc = target_scc[first : first + _BLOCK_TARGETS]
        n_words = -(-block_scc.size // 64)
        masks = np.zeros((k, n_words), dtype=np.uint64)
        bits = np.arange(block_scc.size)
        np.bitwise_or.at(
            masks,
            (block_scc, bits // 64),
            np.left_shift(np.uint64(1), (bits % 64).astype(np.uint64)),
        )
        for h in range(1, height):
            for lo in range(level_bounds[h], level_bounds[h + 1], _EDGE_CHUNK):
                hi = min(lo + _EDGE_CHUNK, level_bounds[h + 1])
                s = src_sorted[lo:hi]
                starts = np.flatnonzero(np.concatenate(([True], s[1:] != s[:-1])))
                merged = np.bitwise_or.reduceat(masks[dst_sorted[lo:hi]], starts, axis=0)
                masks[s[starts]] |= merged
        reach_scc += _weighted_popcount(masks, target_weight[first : first + _BLOCK_TARGETS])
    return reach_scc[membership]


def _weighted_popcount(masks: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Σ_j weight[j] · bit j of each row of ``masks`` (bit j: word j // 64, bit j % 64)."""
    if (weight == weight[0]).all() and hasattr(np, "bitwise_count"):
        return np.bitwise_count(masks).sum(axis=1, dtype=np.int64) * float(weight[0])
    odd = np.flatnonzero(weight != 1.0)
    if hasattr(np, "bitwise_count") and odd.size <= 64:
        # popcount, then correct the few targets whose weight is not 1 (SCCs of size > 1)
        total = np.bitwise_count(masks).sum(axis=1, dtype=np.int64).astype(np.float64)
        for j in odd:
            bit = (masks[:, j // 64] >> np.uint64(j % 64)) & np.uint64(1)
            total += (weight[j] - 1.0) * bit.astype(np.float64)
        return total
    # byte-wise lookup tables: table_c[v] = Σ of the weights of the bits set in byte v
    as_bytes = masks.astype("<u8", copy=False).view(np.uint8)  # bit j ↔ byte j // 8, bit j % 8
    padded = np.zeros(masks.shape[1] * 64)
    padded[: weight.size] = weight
    bit_values = (np.arange(256)[:, None] >> np.arange(8)[None, :]) & 1  # (256, 8)
    total = np.zeros(masks.shape[0])
    for column in range(as_bytes.shape[1]):
        total += (bit_values @ padded[8 * column : 8 * column + 8])[as_bytes[:, column]]
    return total


def _weighted_lrc(graph: ig.Graph) -> np.ndarray:
    """Weighted local reaching centrality as in networkx (normalized=True)."""
    n, m = graph.vcount(), graph.ecount()
    if m == 0:
        return np.zeros(n)
    if "weight" not in graph.es.attributes():
        raise InvalidInputError(
            "weighted=True needs the edge attribute 'weight'; set graph.es['weight'] or pass "
            "weighted=False"
        )
    weight = np.asarray(graph.es["weight"], dtype=np.float64)
    if not np.all(np.isfinite(weight)) or np.any(weight <= 0):
        raise InvalidInputError(
            "edge weights must be finite and > 0 for weighted reaching centrality; got "
            f"min {np.nanmin(weight)!r}"
        )
    norm = weight.mean()
    edges = np.asarray(graph.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    proper = edges[:, 0] != edges[:, 1]
    src, dst, weight = edges[proper, 0], edges[proper, 1], weight[proper]
    key = src * n + dst
    # multi-edges: the heaviest is the shortest
    order = np.lexsort((-weight, key))
    key, weight = key[order], weight[order]
    first = np.concatenate(([True], key[1:] != key[:-1]))
    key, weight = key[first], weight[first]
    lengths = csr_matrix((1.0 / weight, (key // n, key % n)), shape=(n, n))
    lrc = np.zeros(n)
    chunk = max(1, _WEIGHTED_CHUNK // n)
    for lo in range(0, n, chunk):
        sources = np.arange(lo, min(n, lo + chunk))
        _, pred = dijkstra(lengths, directed=True, indices=sources, return_predecessors=True)
        rows = np.arange(sources.size)[:, None]
        has = pred >= 0
        ancestor = np.where(has, pred, -1)
        edge_key = np.where(has, pred, 0).astype(np.int64) * n + np.arange(n)[None, :]
        position = np.clip(np.searchsorted(key, edge_key), 0, key.size - 1)
        total = np.where(has, weight[position], 0.0)
        hops = has.astype(np.int64)
        while (ancestor >= 0).any():
            live = ancestor >= 0
            a = np.where(live, ancestor, 0)
            total = total + np.where(live, total[rows, a], 0.0)
            hops = hops + np.where(live, hops[rows, a], 0)
            ancestor = np.where(live, ancestor[rows, a], -1)
        mean_weight = np.divide(total, hops, out=np.zeros_like(total), where=hops > 0)
        lrc[sources] = mean_weight.sum(axis=1) / norm / (n - 1)
    return lrc


# --------------------------------------------------------------------------------------------
# Modularity
# --------------------------------------------------------------------------------------------


class ModularityPartition(NamedTuple):
    """Result of :func:`modularity_leiden`.

    Attributes
    ----------
    modularity : float
        Q of the partition (at the given resolution; Newman's Q at 1.0).
    membership : numpy.ndarray
        Shape (N,), int64: the community index of every vertex, 0 … n_communities − 1.
    """

    modularity: float
    membership: np.ndarray


def _seed_ints(
    seed: int | np.random.Generator | np.random.SeedSequence | None, n: int
) -> list[int]:
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    return [int(v) for v in rng.integers(0, _MAX_SEED, size=n)]


def _undirected(graph: ig.Graph, weights: str | None) -> tuple[ig.Graph, list[float] | None]:
    """Undirected simple graph without loops; reciprocal and parallel weights summed."""
    use = weights is not None and weights in graph.es.attributes()
    und = ig.Graph(n=graph.vcount(), edges=graph.get_edgelist(), directed=False)
    if use:
        und.es["weight"] = [float(w) for w in graph.es[weights]]
        und.simplify(multiple=True, loops=True, combine_edges={"weight": "sum"})
        return und, und.es["weight"]
    und.simplify(multiple=True, loops=True)
    return und, None


def modularity_leiden(
    graph: ig.Graph,
    *,
    seed: int | np.random.Generator | np.random.SeedSequence | None = None,
    resolution: float = 1.0,
    n_iterations: int = -1,
    weights: str | None = "weight",
) -> ModularityPartition:
    """Modularity-maximising partition by the Leiden algorithm, seeded.

    Parameters
    ----------
    graph : igraph.Graph
        N vertices, directed or not; read as undirected: reciprocal and parallel edges are
        merged (weights summed), loops dropped.
    seed : int, numpy Generator or SeedSequence, optional
        Seeds igraph's random number generator for the run (see Notes). The same seed on the
        same graph gives the same partition.
    resolution : float
        Resolution γ > 0 of the modularity objective (1.0: Newman's modularity).
    n_iterations : int
        Leiden iterations; negative (default) iterates until the partition is stable.
    weights : str or None
        Edge attribute holding weights, used when present; None ignores weights.

    Returns
    -------
    ModularityPartition
        ``(modularity, membership)``. A graph without edges has modularity ``nan`` and every
        vertex alone in its community; N = 0 gives ``(nan, empty array)``.

    Raises
    ------
    InvalidInputError
        If ``resolution`` is not a finite positive number or ``n_iterations`` is 0.

    Notes
    -----
    Determinism: python-igraph draws random numbers through a Python object, by default the
    :mod:`random` module. For the call, it is replaced by ``random.Random(s)`` with ``s``
    derived from ``seed`` (via :func:`numpy.random.default_rng`), then restored to
    :mod:`random`; the global :mod:`random` state is not touched. igraph's generator is
    process-wide, so do not run this concurrently in threads of one process (processes are
    fine). ``Q`` is recomputed by ``Graph.modularity`` on the returned membership.

    References
    ----------
    .. [1] Traag, V. A., Waltman, L., & van Eck, N. J. (2019). From Louvain to Leiden:
       guaranteeing well-connected communities. *Scientific Reports* 9, 5233.
    .. [2] Newman, M. E. J. (2006). Modularity and community structure in networks. *PNAS*
       103(23), 8577–8582.

    Examples
    --------
    >>> two_triangles = ig.Graph([(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3), (2, 3)])
    >>> q, membership = modularity_leiden(two_triangles, seed=1)
    >>> round(q, 4), membership.tolist()
    (0.3571, [0, 0, 0, 1, 1, 1])
    """
    if not (isinstance(resolution, int | float) and math.isfinite(resolution) and resolution > 0):
        raise InvalidInputError(f"resolution must be a finite number > 0; got {resolution!r}")
    if int(n_iterations) != n_iterations or n_iterations == 0:
        raise InvalidInputError(
            "n_iterations must be a non-zero integer (negative: until stable); "
            f"got {n_iterations!r}"
        )
    n = graph.vcount()
    und, w = _undirected(graph, weights)
    if und.ecount() == 0:
        return ModularityPartition(float("nan"), np.arange(n, dtype=np.int64))
    (leiden_seed,) = _seed_ints(seed, 1)
    with igraph_seeded(leiden_seed):
        partition = und.community_leiden(
            objective_function="modularity",
            weights=w,
            resolution=resolution,
            n_iterations=int(n_iterations),
        )
    membership = np.asarray(partition.membership, dtype=np.int64)
    # relabel by first appearance so equal partitions have equal labels
    _, first, inverse = np.unique(membership, return_index=True, return_inverse=True)
    membership = np.argsort(np.argsort(first))[inverse].astype(np.int64)
    q = und.modularity(membership.tolist(), weights=w, resolution=resolution, directed=False)
    return ModularityPartition(float(q), membership)


# --------------------------------------------------------------------------------------------
# Observed versus null
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MesoscaleProfile:
    """Result of :func:`mesoscale_profile`.

    Attributes
    ----------
    summary : polars.DataFrame
        One row per statistic (:data:`STATISTICS` order): ``statistic``, ``observed``,
        ``null_mean``, ``null_sd`` (ddof 1), ``z_score``, ``p_value`` (empirical,
        two-sided), ``n_nulls`` (nulls with a finite value).
    null_values : polars.DataFrame
        One row per null graph: ``null_index`` and one column per statistic.
    n_vertices : int
    n_edges : int
        Of the analysed graph (loops and multi-edges removed).
    n_communities : int
        Leiden communities of the observed graph (0 without edges).
    label : str
        One of :data:`LABELS` (see :func:`mesoscale_profile`, Notes).
    """

    summary: pl.DataFrame
    null_values: pl.DataFrame
    n_vertices: int
    n_edges: int
    n_communities: int
    label: str

    def z(self, statistic: str) -> float:
        """The z-score of one statistic (``"modularity"``, ``"core_periphery_strength"``,
        ``"global_reaching_centrality"``)."""
        if statistic not in STATISTICS:
            raise InvalidInputError(f"statistic must be one of {STATISTICS}; got {statistic!r}")
        return float(self.summary.filter(pl.col("statistic") == statistic)["z_score"][0])


def _resolve_cp(cp_strength: CpStrength | None) -> CpStrength:
    if cp_strength is None:
        try:
            from analytics.core_periphery import core_periphery_strength
        except ImportError as e:  # pragma: no cover - depends on the sibling module
            raise ImportError(
                "cp_strength=None uses analytics.core_periphery.core_periphery_strength(graph, "
                "*, seed=None) -> float, which could not be imported; pass a callable instead"
            ) from e
        return core_periphery_strength
    if not callable(cp_strength):
        raise InvalidInputError(
            f"cp_strength must be a callable (graph, *, seed) -> float or None; got {cp_strength!r}"
        )
    return cp_strength


def _prepare(graph: ig.Graph, weighted: bool) -> ig.Graph:
    """A bare copy: same vertices, no loops, no multi-edges, only ``weight`` if weighted."""
    edges = graph.get_edgelist()
    bare = ig.Graph(n=graph.vcount(), edges=edges, directed=graph.is_directed())
    if weighted:
        if "weight" not in graph.es.attributes():
            raise InvalidInputError(
                "weighted=True needs the edge attribute 'weight'; set it or pass weighted=False"
            )
        bare.es["weight"] = [float(w) for w in graph.es["weight"]]
        bare.simplify(multiple=True, loops=True, combine_edges={"weight": "sum"})
    else:
        bare.simplify(multiple=True, loops=True)
    return bare


def _statistics(
    graph: ig.Graph, seeds: list[int], cp_strength: CpStrength, weighted: bool
) -> tuple[float, float, float, int]:
    partition = modularity_leiden(graph, seed=seeds[0], weights="weight" if weighted else None)
    cp = graph.vcount() >= 2 and graph.ecount() > 0
    cp_value = float(cp_strength(graph, seed=seeds[1])) if cp else float("nan")
    grc = global_reaching_centrality(graph, weighted=weighted)
    n_communities = int(partition.membership.max()) + 1 if graph.ecount() else 0
    return partition.modularity, cp_value, grc, n_communities


def _task(
    args: tuple[ig.Graph, np.random.SeedSequence, bool, CpStrength, bool, int],
) -> tuple[float, float, float, int]:
    """One graph's statistics: the observed graph or one rewired null of it."""
    graph, sequence, is_null, cp_strength, weighted, swaps_per_edge = args
    rewire_seed, leiden_seed, cp_seed, weight_seed = _seed_ints(sequence, 4)
    if is_null:
        graph = graph.copy()
        if graph.ecount() >= 2:
            with igraph_seeded(rewire_seed):
                graph.rewire(n=swaps_per_edge * graph.ecount(), allowed_edge_types="simple")
        if weighted:
            # rewire drops edge attributes: deal the observed weights out at random
            observed = np.asarray(args[0].es["weight"], dtype=np.float64)
            graph.es["weight"] = np.random.default_rng(weight_seed).permutation(observed).tolist()
    return _statistics(graph, [leiden_seed, cp_seed], cp_strength, weighted)


def _run_tasks(tasks: list[tuple], n_jobs: int) -> list[tuple[float, float, float, int]]:
    if n_jobs == 1 or len(tasks) <= 1:
        return [_task(t) for t in tasks]
    workers = min(n_jobs, len(tasks))
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(_task, tasks, chunksize=max(1, len(tasks) // (4 * workers))))


def _check_common(n_nulls: int, n_jobs: int | None, swaps_per_edge: int, z_threshold: float) -> int:
    if int(n_nulls) != n_nulls or n_nulls < 2:
        raise InvalidInputError(f"n_nulls must be an integer >= 2 (for a null sd); got {n_nulls!r}")
    if int(swaps_per_edge) != swaps_per_edge or swaps_per_edge < 1:
        raise InvalidInputError(f"swaps_per_edge must be an integer >= 1; got {swaps_per_edge!r}")
    if not math.isfinite(z_threshold):
        raise InvalidInputError(f"z_threshold must be finite; got {z_threshold!r}")
    if n_jobs is None or n_jobs == -1:
        return os.cpu_count() or 1
    if int(n_jobs) != n_jobs or n_jobs < 1:
        raise InvalidInputError(f"n_jobs must be >= 1, -1 or None (all cores); got {n_jobs!r}")
    return int(n_jobs)


def _check_picklable(cp_strength: CpStrength, n_jobs: int) -> None:
    if n_jobs == 1:
        return
    try:
        pickle.dumps(cp_strength)
    except Exception as e:
        raise InvalidInputError(
            "cp_strength must be a module-level function to run with n_jobs > 1 (worker "
            f"processes import it by name); got {cp_strength!r}; use n_jobs=1 or define it at "
            "module level"
        ) from e


def _label(z: dict[str, float], threshold: float) -> str:
    modular = z["modularity"] > threshold
    hierarchical = (
        z["core_periphery_strength"] > threshold or z["global_reaching_centrality"] > threshold
    )  # nan compares False
    if modular and hierarchical:
        return "both"
    if modular:
        return "modular"
    if hierarchical:
        return "core-periphery/hierarchical"
    return "neither"


def _summarise(observed: tuple, nulls: list[tuple]) -> tuple[pl.DataFrame, pl.DataFrame]:
    null_matrix = np.array([r[:3] for r in nulls], dtype=np.float64).reshape(-1, 3)
    rows = []
    for j, name in enumerate(STATISTICS):
        values = null_matrix[:, j]
        values = values[np.isfinite(values)]
        obs = float(observed[j])
        n_finite = int(values.size)
        mean = float(values.mean()) if n_finite else float("nan")
        sd = float(values.std(ddof=1)) if n_finite >= 2 else float("nan")
        # rounding can leave a sd of ~1e-17 for identical nulls: that is a sd of 0
        flat = not math.isfinite(sd) or sd <= 1e-12 * max(1.0, abs(mean))
        z = math.nan if flat or not math.isfinite(obs) else (obs - mean) / sd
        if math.isfinite(obs) and n_finite:
            upper = (1 + np.count_nonzero(values >= obs)) / (n_finite + 1)
            lower = (1 + np.count_nonzero(values <= obs)) / (n_finite + 1)
            p = min(1.0, 2 * min(upper, lower))
        else:
            p = float("nan")
        rows.append(
            {
                "statistic": name,
                "observed": obs,
                "null_mean": mean,
                "null_sd": sd,
                "z_score": z,
                "p_value": p,
                "n_nulls": n_finite,
            }
        )
    summary = pl.DataFrame(
        rows,
        schema={
            "statistic": pl.String,
            "observed": pl.Float64,
            "null_mean": pl.Float64,
            "null_sd": pl.Float64,
            "z_score": pl.Float64,
            "p_value": pl.Float64,
            "n_nulls": pl.Int64,
        },
    )
    null_values = pl.DataFrame(
        {"null_index": np.arange(len(nulls), dtype=np.int64)}
        | {name: null_matrix[:, j] for j, name in enumerate(STATISTICS)}
    )
    return summary, null_values


def _profile_from(
    graph: ig.Graph, observed: tuple, nulls: list[tuple], z_threshold: float
) -> MesoscaleProfile:
    summary, null_values = _summarise(observed, nulls)
    z = dict(zip(summary["statistic"], summary["z_score"], strict=True))
    return MesoscaleProfile(
        summary=summary,
        null_values=null_values,
        n_vertices=graph.vcount(),
        n_edges=graph.ecount(),
        n_communities=int(observed[3]),
        label=_label(z, z_threshold),
    )


def mesoscale_profile(
    graph: ig.Graph,
    *,
    cp_strength: CpStrength | None = None,
    n_nulls: int = 100,
    weighted: bool = False,
    swaps_per_edge: int = 10,
    z_threshold: float = 2.0,
    seed: int | None = None,
    n_jobs: int | None = 1,
) -> MesoscaleProfile:
    """Modularity, core-periphery strength and GRC against degree-preserving nulls.

    Parameters
    ----------
    graph : igraph.Graph
        Directed (interaction graph, actor → target) or undirected; N vertices. Loops and
        multi-edges are removed first (weights summed); isolated vertices are kept.
    cp_strength : callable, optional
        ``cp_strength(graph, *, seed) -> float``, the core-periphery strength of a graph
        (larger = more core-periphery). It receives the directed simple graph (with a
        ``weight`` edge attribute only if ``weighted``) and an int seed. None (default):
        :func:`analytics.core_periphery.core_periphery_strength`, imported when called. Must
        be a module-level function when ``n_jobs`` > 1.
    n_nulls : int
        Null graphs (>= 2; 100 by default).
    weighted : bool
        Weighted modularity and weighted GRC (edge attribute ``weight``); the nulls deal the
        observed weights out to the rewired edges at random. Default False.
    swaps_per_edge : int
        Rewiring trials per edge for each null (10 by default).
    z_threshold : float
        z above which a statistic counts as significant for the label (2.0).
    seed : int, optional
        Root seed; the observed graph and null i use the (i + 1)-th child of
        ``SeedSequence(seed)``, so results do not depend on ``n_jobs``.
    n_jobs : int or None
        Worker processes (spawned); 1 (default) runs in this process, -1 or None uses all
        cores.

    Returns
    -------
    MesoscaleProfile
        ``summary`` (one row per statistic), ``null_values`` (one row per null), sizes,
        the observed number of Leiden communities and the label.

    Raises
    ------
    InvalidInputError
        If ``n_nulls`` < 2, ``swaps_per_edge`` < 1, ``n_jobs`` is not >= 1 / -1 / None,
        ``cp_strength`` is not callable (or not picklable with ``n_jobs`` > 1), or
        ``weighted`` without a ``weight`` attribute.

    Notes
    -----
    z = (observed − null mean) / null sd, ``nan`` when the sd is 0 or not finite (a graph
    whose rewirings are all the same, e.g. a complete graph or fewer than two edges). The
    empirical two-sided p-value is ``min(1, 2 min(1 + #{null ≥ obs}, 1 + #{null ≤ obs}) /
    (n + 1))`` over the n nulls with a finite value (Davison & Hinkley 1997, eq. 4.11).

    Label rule: *modular* if z(modularity) > ``z_threshold``; *core-periphery/hierarchical*
    if z(core-periphery strength) > ``z_threshold`` or z(GRC) > ``z_threshold``; *both* if
    both hold; *neither* otherwise (a ``nan`` z never counts). Only excess over the null
    counts: a graph less modular than its nulls is not "anti-modular" here.

    What the nulls keep matters: they keep every vertex's in- and out-degree, so structure
    implied by the degrees is not counted as excess. A pure out-tree (in-degree ≤ 1) keeps
    much of its hierarchy under rewiring — its nulls are forests hanging from the same root
    plus cycles — and reaches only z(GRC) ≈ 1–2 (measured on 3-ary trees of 121–364
    vertices), whereas a branching hierarchy in which vertices have several bosses is far
    more hierarchical than its nulls, which form a giant strongly connected component.

    The modularity of each graph is that of its own Leiden partition (the nulls are
    partitioned afresh), as Q of a random graph is large for small sparse graphs
    (Guimerà, Sales-Pardo & Amaral 2004); this is why Q is compared with nulls of the same
    degree sequence.

    References
    ----------
    .. [1] Mones, E., Vicsek, L., & Vicsek, T. (2012). Hierarchy measure for complex
       networks. *PLoS ONE* 7(3), e33799.
    .. [2] Traag, V. A., Waltman, L., & van Eck, N. J. (2019). From Louvain to Leiden.
       *Scientific Reports* 9, 5233.
    .. [3] Newman, M. E. J. (2006). Modularity and community structure in networks. *PNAS*
       103(23), 8577–8582.
    .. [4] Borgatti, S. P., & Everett, M. G. (2000). Models of core/periphery structures.
       *Social Networks* 21(4), 375–395.
    .. [5] Guimerà, R., Sales-Pardo, M., & Amaral, L. A. N. (2004). Modularity from
       fluctuations in random graphs and complex networks. *Phys. Rev. E* 70, 025101.
    .. [6] Davison, A. C., & Hinkley, D. V. (1997). *Bootstrap Methods and their
       Application*. Cambridge University Press.
    """
    workers = _check_common(n_nulls, n_jobs, swaps_per_edge, z_threshold)
    cp = _resolve_cp(cp_strength)
    _check_picklable(cp, workers)
    bare = _prepare(graph, weighted)
    children = np.random.SeedSequence(seed).spawn(n_nulls + 1)
    tasks = [
        (bare, child, i > 0, cp, weighted, int(swaps_per_edge)) for i, child in enumerate(children)
    ]
    results = _run_tasks(tasks, workers)
    return _profile_from(bare, results[0], results[1:], z_threshold)


# --------------------------------------------------------------------------------------------
# Per community and window
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommunityProfiles:
    """Result of :func:`community_profiles`.

    Attributes
    ----------
    profiles : polars.DataFrame
        One row per (community, window) with at least ``min_actors`` actors; see
        :func:`community_profiles`, Returns.
    skipped : polars.DataFrame
        One row per (community, window) below ``min_actors``: the key columns, ``n_events``,
        ``n_actors``, ``n_edges``.
    n_unassigned_events : int
        Rows without a community (null ``by`` column), left out.
    n_untimed_events : int
        Rows without ``occurred_at``, left out when windows were asked for (0 otherwise).
    """

    profiles: pl.DataFrame
    skipped: pl.DataFrame
    n_unassigned_events: int
    n_untimed_events: int

    @property
    def n_skipped(self) -> int:
        """Groups skipped for having fewer than ``min_actors`` actors."""
        return self.skipped.height


def _with_windows(
    frame: pl.DataFrame, windows: WindowSpec | str | None
) -> tuple[pl.DataFrame, int]:
    if windows is not None:
        spec = windows if isinstance(windows, WindowSpec) else WindowSpec.parse(windows)
        if "occurred_at" not in frame.columns:
            raise InvalidInputError(
                "windows need an 'occurred_at' column; pass events with times or windows=None"
            )
        n_untimed = frame.filter(pl.col("occurred_at").is_null()).height
        return assign_windows(frame, spec).drop("window_id"), n_untimed
    if {"window_start", "window_end"} <= set(frame.columns):
        return frame, 0  # already cut by analytics.windows.assign_windows
    return frame.with_columns(
        window_start=pl.lit(None, dtype=_WINDOW_TYPE),
        window_end=pl.lit(None, dtype=_WINDOW_TYPE),
    ), 0


def _group_edges(group: pl.DataFrame, is_events: bool, kinds: frozenset[str]) -> pl.DataFrame:
    if is_events:
        edges = interaction_edges(group, kinds=kinds)
    else:
        weight = pl.col("weight") if "weight" in group.columns else pl.lit(1)
        edges = (
            group.filter(pl.col("actor_id").is_not_null() & pl.col("target_actor_id").is_not_null())
            .group_by("actor_id", "target_actor_id")
            .agg(weight=weight.sum().cast(pl.Int64))
            .sort("actor_id", "target_actor_id")
        )
    return edges.filter(pl.col("actor_id") != pl.col("target_actor_id"))


def community_profiles(
    events: pl.DataFrame,
    *,
    by: str = "community",
    windows: WindowSpec | str | None = None,
    min_actors: int = 20,
    kinds: Iterable[str] = INTERACTION_KINDS,
    cp_strength: CpStrength | None = None,
    n_nulls: int = 100,
    weighted: bool = False,
    swaps_per_edge: int = 10,
    z_threshold: float = 2.0,
    seed: int | None = None,
    n_jobs: int | None = 1,
) -> CommunityProfiles:
    """The mesoscale profile of every community (and window) of an event log.

    Parameters
    ----------
    events : polars.DataFrame
        Either canonical events, one row per event (``kind``, ``actor_id``,
        ``target_actor_id``, ``attributes`` optional, ``occurred_at`` if windowed, and the
        ``by`` column), or aggregated edges without a ``kind`` column, one row per
        interaction or pair (``actor_id``, ``target_actor_id``, optional ``weight``, the
        ``by`` column). Rows already cut by :func:`analytics.windows.assign_windows`
        (``window_start``, ``window_end``) are grouped by window too when ``windows`` is None.
    by : str
        The grouping column (``community``: a submolt, a subreddit).
    windows : WindowSpec or str, optional
        Cut each community further into time windows (e.g. ``"7d"``); events fall into
        windows as in :func:`analytics.windows.assign_windows`.
    min_actors : int
        Groups whose interaction graph has fewer actors are skipped and listed in
        ``skipped`` (>= 2; 20 by default).
    kinds : iterable of str
        Event kinds that make an edge actor → target (events input only).
    cp_strength, n_nulls, weighted, swaps_per_edge, z_threshold, n_jobs
        As in :func:`mesoscale_profile`; all groups' graphs share one pool of workers.
    seed : int, optional
        Root seed; group g (in the output order, skipped groups included) uses the g-th
        child of ``SeedSequence(seed)``.

    Returns
    -------
    CommunityProfiles
        ``profiles``: one row per (community, window) with enough actors, ordered by
        (``by``, ``window_start``): the ``by`` column, ``window_start``, ``window_end`` (null
        without windows), ``n_events`` (rows of the group), ``n_actors``, ``n_edges``,
        ``n_communities`` (Leiden), then for each statistic ``s`` in :data:`STATISTICS`:
        ``s``, ``s_null_mean``, ``s_null_sd``, ``s_z``, ``s_p_value``; and ``label``.

    Raises
    ------
    InvalidInputError
        If ``by`` or the actor columns are missing, ``min_actors`` < 2, or as
        :func:`mesoscale_profile`.

    Notes
    -----
    A group's graph is built by :func:`analytics.interaction_graph.interaction_edges` and
    :func:`analytics.interaction_graph.build_interaction_graph` from the group's rows only;
    self-interactions are left out, so ``n_actors`` counts actors with at least one
    interaction with someone else in the group (as actor or as target, who may have posted
    elsewhere) and ``n_edges`` counts distinct ordered pairs. Label rule as in
    :func:`mesoscale_profile`. Cost: ``n_nulls + 1`` Leiden runs, core-periphery fits and
    GRCs per group.

    References
    ----------
    .. [1] Mones, E., Vicsek, L., & Vicsek, T. (2012). Hierarchy measure for complex
       networks. *PLoS ONE* 7(3), e33799.
    .. [2] Traag, V. A., Waltman, L., & van Eck, N. J. (2019). From Louvain to Leiden.
       *Scientific Reports* 9, 5233.
    .. [3] Newman, M. E. J. (2006). Modularity and community structure in networks. *PNAS*
       103(23), 8577–8582.
    .. [4] Borgatti, S. P., & Everett, M. G. (2000). Models of core/periphery structures.
       *Social Networks* 21(4), 375–395.
    """
    missing = {by, "actor_id", "target_actor_id"} - set(events.columns)
    if missing:
        raise InvalidInputError(
            f"events lack the column(s) {sorted(missing)}; pass canonical events or edges "
            f"with actor_id, target_actor_id and {by!r}"
        )
    if int(min_actors) != min_actors or min_actors < 2:
        raise InvalidInputError(f"min_actors must be an integer >= 2; got {min_actors!r}")
    workers = _check_common(n_nulls, n_jobs, swaps_per_edge, z_threshold)
    cp = _resolve_cp(cp_strength)
    _check_picklable(cp, workers)
    kinds = frozenset(kinds)
    is_events = "kind" in events.columns

    n_unassigned = events.filter(pl.col(by).is_null()).height
    frame, n_untimed = _with_windows(events.filter(pl.col(by).is_not_null()), windows)
    keys = [by, "window_start", "window_end"]
    groups = frame.sort(keys, nulls_last=True).partition_by(keys, maintain_order=True)
    children = np.random.SeedSequence(seed).spawn(len(groups))

    kept, skipped_rows, tasks = [], [], []
    for group, child in zip(groups, children, strict=True):
        key = group.select(keys).row(0, named=True)
        graph = build_interaction_graph(_group_edges(group, is_events, kinds))
        bare = _prepare(graph, weighted)
        sizes = {
            "n_events": group.height,
            "n_actors": bare.vcount(),
            "n_edges": bare.ecount(),
        }
        if bare.vcount() < min_actors:
            skipped_rows.append(key | sizes)
            continue
        kept.append((key | sizes, bare, len(tasks)))
        tasks.extend(
            (bare, c, i > 0, cp, weighted, int(swaps_per_edge))
            for i, c in enumerate(child.spawn(n_nulls + 1))
        )
    results = _run_tasks(tasks, workers)

    key_schema = {by: frame.schema[by], "window_start": _WINDOW_TYPE, "window_end": _WINDOW_TYPE}
    size_schema = {"n_events": pl.Int64, "n_actors": pl.Int64, "n_edges": pl.Int64}
    rows = []
    for base, bare, start in kept:
        profile = _profile_from(
            bare, results[start], results[start + 1 : start + 1 + n_nulls], z_threshold
        )
        row: dict[str, Any] = base | {"n_communities": profile.n_communities}
        for stat in profile.summary.iter_rows(named=True):
            s = stat["statistic"]
            row |= {
                s: stat["observed"],
                f"{s}_null_mean": stat["null_mean"],
                f"{s}_null_sd": stat["null_sd"],
                f"{s}_z": stat["z_score"],
                f"{s}_p_value": stat["p_value"],
            }
        rows.append(row | {"label": profile.label})
    stat_schema = {
        f"{s}{suffix}": pl.Float64
        for s in STATISTICS
        for suffix in ("", "_null_mean", "_null_sd", "_z", "_p_value")
    }
    schema = key_schema | size_schema | {"n_communities": pl.Int64} | stat_schema
    schema |= {"label": pl.String}
    return CommunityProfiles(
        profiles=pl.DataFrame(rows, schema=schema),
        skipped=pl.DataFrame(skipped_rows, schema=key_schema | size_schema),
        n_unassigned_events=n_unassigned,
        n_untimed_events=n_untimed,
    )
