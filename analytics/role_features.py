"""Structural features of the actors of a directed interaction graph, raw and standardised.

The input of role discovery (:mod:`netdyn.analytics.roles`): each actor is described by the
shape of its position rather than by who it is connected to (Rossi & Ahmed 2015; RolX,
Henderson et al. 2012) — in-degree, out-degree, coreness (Batagelj & Zaversnik 2003), local
clustering, PageRank (Brin & Page 1998) and betweenness, exact or estimated from sampled
pivot sources (Brandes & Pich 2007) — log-transformed where heavy-tailed and standardised.

* :func:`role_features` — the feature table, one row per actor.

References
----------
.. [1] Rossi, R. A., & Ahmed, N. K. (2015). Role discovery in networks. *IEEE Transactions
   on Knowledge and Data Engineering* 27(4), 1112–1131.
.. [2] Henderson, K., Gallagher, B., Eliassi-Rad, T., Tong, H., Basu, S., Akoglu, L.,
   Koutra, D., Faloutsos, C., & Li, L. (2012). RolX: structural role extraction & mining in
   large graphs. *Proc. KDD 2012*, 1231–1239.
.. [3] Brandes, U., & Pich, C. (2007). Centrality estimation in large networks.
   *International Journal of Bifurcation and Chaos* 17(7), 2303–2318.
.. [4] Batagelj, V., & Zaversnik, M. (2003). An O(m) algorithm for cores decomposition of
   networks. arXiv:cs/0310049.
.. [5] Brin, S., & Page, L. (1998). The anatomy of a large-scale hypertextual Web search
   engine. *Computer Networks and ISDN Systems* 30(1–7), 107–117.
"""

from __future__ import annotations

from typing import Any

import igraph as ig
import numpy as np
import polars as pl

from netdyn.analytics._igraph_random import seed_sequence
from netdyn.core.errors import InvalidInputError

__all__ = [
    "FEATURES",
    "LOG_FEATURES",
    "AUTO_EXACT_MAX_VERTICES",
    "DAMPING",
    "role_features",
]

#: The structural features, in column order.
FEATURES: tuple[str, ...] = (
    "in_degree",
    "out_degree",
    "coreness",
    "clustering",
    "pagerank",
    "betweenness",
)
#: Heavy-tailed features standardised after ``log1p`` (PageRank after scaling by ``n``).
LOG_FEATURES: frozenset[str] = frozenset(
    {"in_degree", "out_degree", "coreness", "pagerank", "betweenness"}
)
#: ``betweenness="auto"`` is exact up to this many vertices and source-sampled above.
AUTO_EXACT_MAX_VERTICES: int = 5_000
#: PageRank damping factor.
DAMPING: float = 0.85

_BETWEENNESS_MODES = ("exact", "sampled", "auto")


def _check_graph(graph: Any) -> None:
    if not isinstance(graph, ig.Graph):
        raise InvalidInputError(
            f"graph must be an igraph.Graph (see build_interaction_graph); got "
            f"{type(graph).__name__}"
        )
    if not graph.is_directed():
        raise InvalidInputError(
            "graph must be directed (actor -> target); convert an undirected graph with "
            "graph.as_directed(mode='mutual')"
        )


def _simple_directed(graph: ig.Graph) -> ig.Graph:
    """A copy without loops, multiple edges merged (weights summed), ``name`` filled in."""
    g = graph.copy()
    if "name" not in g.vs.attributes():
        g.vs["name"] = [str(i) for i in range(g.vcount())]
    if "weight" in g.es.attributes():
        g.simplify(multiple=True, loops=True, combine_edges={"weight": "sum"})
    else:
        g.simplify(multiple=True, loops=True)
    return g


def _check_positive_int(value: Any, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise InvalidInputError(f"{name} must be an integer >= {minimum}; got {value!r}")
    return int(value)


def _pagerank(g: ig.Graph, weights: str | None, *, tol: float = 1e-13) -> np.ndarray:
    """PageRank by power iteration on a sparse matrix: deterministic to the last bit.

    Dangling vertices (no out-edges) spread their rank uniformly, as in igraph and networkx.
    """
    import scipy.sparse as sp

    n = g.vcount()
    if n == 0:
        return np.zeros(0)
    edges = np.asarray(g.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    w = (
        np.asarray(g.es[weights], dtype=float)
        if weights is not None and edges.size
        else np.ones(edges.shape[0])
    )
    out = np.bincount(edges[:, 0], weights=w, minlength=n) if edges.size else np.zeros(n)
    dangling = out == 0
    scale = np.where(dangling, 0.0, 1.0 / np.where(dangling, 1.0, out))
    # transition matrix M[j, i] = w_ij / out_i (column-stochastic on non-dangling columns)
    m = (
        sp.csr_matrix((w * scale[edges[:, 0]], (edges[:, 1], edges[:, 0])), shape=(n, n))
        if edges.size
        else sp.csr_matrix((n, n))
    )
    rank = np.full(n, 1.0 / n)
    for _ in range(10_000):
        spread = DAMPING * rank[dangling].sum() / n + (1.0 - DAMPING) / n
        new = DAMPING * (m @ rank) + spread
        new /= new.sum()
        if np.abs(new - rank).sum() < tol:
            return new
        rank = new
    return rank


def _sampled_betweenness(g: ig.Graph, n_samples: int, rng: np.random.Generator) -> np.ndarray:
    n = g.vcount()
    k = min(n_samples, n)
    sources = np.sort(rng.choice(n, size=k, replace=False))
    partial = np.asarray(g.betweenness(directed=True, sources=sources.tolist()), dtype=float)
    return partial * (n / k)


def _standardise(values: np.ndarray) -> np.ndarray:
    if values.size == 0:
        return np.zeros(0, dtype=float)
    sd = values.std()
    # rounding noise (PageRank of a regular graph) is not variation: treat it as constant
    if not np.isfinite(sd) or sd <= 1e-9 * max(1.0, float(np.abs(values).max())):
        return np.zeros_like(values, dtype=float)
    return (values - values.mean()) / sd


def _feature_frame(
    g: ig.Graph, *, betweenness: str, n_samples: int, ss: np.random.SeedSequence
) -> pl.DataFrame:
    """Features of an already simple directed graph ``g``."""
    n = g.vcount()
    undirected = g.as_undirected(mode="collapse")
    if n == 0:
        columns = {
            "actor_id": pl.String,
            "in_degree": pl.Int64,
            "out_degree": pl.Int64,
            "coreness": pl.Int64,
        }
        columns |= {f: pl.Float64 for f in FEATURES[3:]}
        columns |= {f"z_{f}": pl.Float64 for f in FEATURES}
        return pl.DataFrame(schema=columns)
    weights = "weight" if "weight" in g.es.attributes() else None
    use_exact = betweenness == "exact" or (betweenness == "auto" and n <= AUTO_EXACT_MAX_VERTICES)
    if use_exact:
        between = np.asarray(g.betweenness(directed=True), dtype=float)
    else:
        between = _sampled_betweenness(g, n_samples, np.random.default_rng(ss))
    raw = {
        "in_degree": np.asarray(g.indegree(), dtype=np.int64),
        "out_degree": np.asarray(g.outdegree(), dtype=np.int64),
        "coreness": np.asarray(undirected.coreness(mode="all"), dtype=np.int64),
        "clustering": np.asarray(undirected.transitivity_local_undirected(mode="zero"), float),
        "pagerank": _pagerank(g, weights),
        "betweenness": between,
    }
    frame = {"actor_id": list(g.vs["name"])} | raw
    for name in FEATURES:
        x = raw[name].astype(float)
        if name == "pagerank":
            x = x * n  # mean 1, so log1p is not the identity on values ~ 1/n
        if name in LOG_FEATURES:
            x = np.log1p(np.maximum(x, 0.0))
        frame[f"z_{name}"] = _standardise(x)
    return pl.DataFrame(frame, schema_overrides={"actor_id": pl.String})


def _resolve_betweenness(betweenness: str, n_samples: Any) -> int:
    if betweenness not in _BETWEENNESS_MODES:
        raise InvalidInputError(
            f"betweenness must be one of {_BETWEENNESS_MODES}; got {betweenness!r}"
        )
    return _check_positive_int(n_samples, "n_samples")


def role_features(
    graph: ig.Graph,
    *,
    betweenness: str = "auto",
    n_samples: int = 500,
    seed: int | np.random.SeedSequence | None = None,
) -> pl.DataFrame:
    """Per-actor structural features, raw and standardised.

    Parameters
    ----------
    graph : igraph.Graph
        Directed interaction graph, edges actor → target (:func:`build_interaction_graph`);
        vertex attribute ``name`` = ``actor_id`` (the vertex index as text if absent),
        optional edge attribute ``weight`` (number of interactions).
    betweenness : {"exact", "sampled", "auto"}, default "auto"
        ``"exact"``: igraph's Brandes betweenness, ``O(n m)``. ``"sampled"``: the
        source-sampling estimate of Brandes & Pich (2007) from ``n_samples`` random pivot
        sources. ``"auto"``: exact up to :data:`AUTO_EXACT_MAX_VERTICES` (5,000) vertices,
        sampled above.
    n_samples : int, default 500
        Number of pivot sources of the sampled estimate (all vertices if ``n_samples >= n``,
        which gives the exact value).
    seed : int, numpy.random.SeedSequence or None
        Seeds the choice of pivots; unused by exact betweenness.

    Returns
    -------
    polars.DataFrame
        One row per vertex (actor), in vertex order: ``actor_id``; the raw features
        ``in_degree``, ``out_degree``, ``coreness`` (int64), ``clustering``, ``pagerank``,
        ``betweenness`` (float64); and their standardised versions ``z_in_degree`` …
        ``z_betweenness`` (float64, mean 0, population sd 1). An empty graph gives an empty
        frame with these columns.

    Raises
    ------
    InvalidInputError
        If ``graph`` is not a directed igraph Graph, ``betweenness`` is not a known mode or
        ``n_samples`` is not a positive integer.

    Notes
    -----
    *Graph*: loops are dropped and multiple edges merged (weights summed) before anything
    is computed, so degrees count distinct neighbours, as in :func:`actor_metrics`.

    *Features*: ``in_degree``/``out_degree`` — distinct actors interacting with / addressed
    by the actor. ``coreness`` — k-core index of the undirected simple graph (Batagelj &
    Zaversnik 2003). ``clustering`` — local clustering coefficient of the undirected simple
    graph, 0 for actors with fewer than two neighbours. ``pagerank`` — PageRank of the
    directed graph, damping 0.85, weighted by ``weight`` when present (it sums to 1), by
    sparse power iteration to 1e-13 (igraph's PRPACK differs between calls in the last
    digits, which would break same-seed, same-output).
    ``betweenness`` — directed, unweighted (hop-count) shortest paths over ordered pairs,
    endpoints not counted, not normalised.

    *Sampled betweenness*: with pivot set ``S`` of ``k`` sources drawn uniformly without
    replacement, ``b̂(v) = (n / k) Σ_{s ∈ S} δ_s(v)``, where ``δ_s(v)`` is the dependency of
    ``s`` on ``v`` from one breadth-first search (igraph's subset betweenness with
    ``sources=S``). The estimate is unbiased; its relative error shrinks as ``1/√k`` for
    high-betweenness vertices. igraph's ``cutoff=`` is not used: it computes a different
    (path-length-limited) measure, not an estimate of the full one.

    *Standardisation*: ``in_degree``, ``out_degree``, ``coreness``, ``betweenness`` and
    ``n · pagerank`` (mean 1) are transformed by ``log1p`` (:data:`LOG_FEATURES`);
    ``clustering`` (bounded in [0, 1]) is not. Each is then z-scored; a feature constant
    over all actors gets ``z = 0``.

    References
    ----------
    Brandes & Pich (2007); Batagelj & Zaversnik (2003).

    Examples
    --------
    >>> star = ig.Graph([(1, 0), (2, 0), (3, 0)], directed=True)
    >>> f = role_features(star, betweenness="exact")
    >>> f["in_degree"].to_list(), f["coreness"].to_list(), f["betweenness"].to_list()
    ([3, 0, 0, 0], [1, 1, 1, 1], [0.0, 0.0, 0.0, 0.0])
    """
    _check_graph(graph)
    n_samples = _resolve_betweenness(betweenness, n_samples)
    g = _simple_directed(graph)
    return _feature_frame(g, betweenness=betweenness, n_samples=n_samples, ss=seed_sequence(seed))
