"""Structural roles of actors, and how much of them the degree sequence alone explains.

Role discovery groups vertices by the *shape* of their position — hub, bridge, member of a
dense core, periphery — rather than by who they are connected to (Rossi & Ahmed 2015;
RolX, Henderson et al. 2012). Here each actor of the directed interaction graph is described
by six structural features (:mod:`netdyn.analytics.role_features`), the features are
clustered by k-means and by a Gaussian mixture, and the number of roles is chosen by the
silhouette (Rousseeuw 1987).

A high silhouette alone says little: heavy-tailed degree features (a few hubs, a mass of
degree-one actors) form well-separated clusters in any graph with that degree sequence. The
null baseline therefore repeats the whole feature extraction and clustering on
degree-preserving randomisations of the graph (Maslov & Sneppen 2002) and reports the
observed silhouette against the distribution of null silhouettes: "the degree sequence alone
gives a silhouette of 0.88 ± 0.01 against 0.91 observed". The one-sided p-value of that
comparison is a sequential Monte-Carlo test (Besag & Clifford 1991): nulls are drawn until
``h`` of them cluster as clearly as the observed graph, or the maximum is reached.

For very large graphs the clustering models can be fitted on a seeded random sample of
``fit_size`` actors and every actor then assigned by the fitted model (the sample-then-assign
strategy of CLARA, Kaufman & Rousseeuw 1990, and of model-based clustering of large data
sets, Fraley, Raftery & Wehrens 2005). By default every actor is used.

* :func:`structural_roles` — k-means and Gaussian-mixture roles, k chosen by silhouette.
* :func:`degree_preserving_null` — one Maslov–Sneppen rewiring of a directed graph that keeps
  every actor's in- and out-degree.
* :func:`role_null_baseline` — the silhouette and chosen k over many rewirings.
* :func:`roles_with_baseline` — features, roles and baseline in one call.

References
----------
.. [1] Rossi, R. A., & Ahmed, N. K. (2015). Role discovery in networks. *IEEE Transactions
   on Knowledge and Data Engineering* 27(4), 1112–1131.
.. [2] Henderson, K., Gallagher, B., Eliassi-Rad, T., Tong, H., Basu, S., Akoglu, L.,
   Koutra, D., Faloutsos, C., & Li, L. (2012). RolX: structural role extraction & mining in
   large graphs. *Proc. KDD 2012*, 1231–1239.
.. [3] Rousseeuw, P. J. (1987). Silhouettes: a graphical aid to the interpretation and
   validation of cluster analysis. *Journal of Computational and Applied Mathematics* 20,
   53–65.
.. [4] Maslov, S., & Sneppen, K. (2002). Specificity and stability in topology of protein
   networks. *Science* 296(5569), 910–913.
.. [5] Besag, J., & Clifford, P. (1991). Sequential Monte Carlo p-values. *Biometrika*
   78(2), 301–304.
.. [6] Kaufman, L., & Rousseeuw, P. J. (1990). Clustering large applications (program
   CLARA). Chapter 3 of *Finding Groups in Data: An Introduction to Cluster Analysis*.
   Wiley, 126–163.
.. [7] Fraley, C., Raftery, A. E., & Wehrens, R. (2005). Incremental model-based clustering
   for large datasets with small clusters. *Journal of Computational and Graphical
   Statistics* 14(3), 529–546.
"""

from __future__ import annotations

import logging
import math
import os
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import igraph as ig
import numpy as np
import polars as pl
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics.pairwise import euclidean_distances
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits

from netdyn.analytics._igraph_random import (
    child_seed,
    child_seeds,
    igraph_seeded,
    int_seed,
    seed_sequence,
)
from netdyn.analytics.monte_carlo import (
    DEFAULT_H,
    SequentialPValue,
    ordered_map,
    sequential_p_values,
)
from netdyn.analytics.role_features import (
    AUTO_EXACT_MAX_VERTICES,
    FEATURES,
    _check_graph,
    _check_positive_int,
    _feature_frame,
    _resolve_betweenness,
    _simple_directed,
)
from netdyn.core.errors import InvalidInputError

__all__ = [
    "METHODS",
    "RoleClustering",
    "structural_roles",
    "degree_preserving_null",
    "RoleNullBaseline",
    "role_null_baseline",
    "RoleAnalysis",
    "roles_with_baseline",
]

logger = logging.getLogger(__name__)

#: Clustering methods :func:`structural_roles` knows.
METHODS: frozenset[str] = frozenset({"kmeans", "gmm"})
#: Random restarts of k-means (fixed, so results do not depend on a library default).
KMEANS_N_INIT: int = 5


# -------------------------------------------------------------------------- clustering


@dataclass(frozen=True)
class RoleClustering:
    """Roles found by one clustering method; one value of :func:`structural_roles`.

    Attributes
    ----------
    method : str
        ``"kmeans"`` or ``"gmm"``.
    chosen_k : int
        Number of roles with the best silhouette (1 if no k gave a silhouette).
    silhouette : float
        The best silhouette (``nan`` if none could be computed).
    silhouette_by_k : polars.DataFrame
        One row per k tried: ``k``, ``silhouette`` (``nan`` where fewer than k distinct
        roles came out, or fewer than 2 in the silhouette sample).
    labels : polars.DataFrame
        One row per actor: ``actor_id``, ``role`` (int64, 0 = the largest role).
    sizes : polars.DataFrame
        One row per role: ``role``, ``n_actors``, ``share_actors``.
    centroids : polars.DataFrame
        One row per role: ``role``, ``n_actors`` and the mean of each raw feature over the
        role's actors, in original units (``in_degree`` … ``betweenness``).
    n_fit_actors : int
        Number of actors the clustering models were fitted on: every actor, or the seeded
        random sample of ``fit_size`` of them (:func:`structural_roles`), after which every
        actor was assigned by the fitted model.
    """

    method: str
    chosen_k: int
    silhouette: float
    silhouette_by_k: pl.DataFrame
    labels: pl.DataFrame
    sizes: pl.DataFrame
    centroids: pl.DataFrame
    n_fit_actors: int

    def describe_fit(self) -> str:
        """One phrase for a report: on how many actors the models were fitted, and how."""
        n = self.labels.height
        if self.n_fit_actors >= n:
            return f"clusters fitted on all {n:,} actors"
        rule = "nearest cluster centre" if self.method == "kmeans" else "most probable component"
        return (
            f"clusters fitted on a random sample of {self.n_fit_actors:,} of {n:,} actors, "
            f"every actor then assigned to its {rule}"
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python summary: method, chosen k, silhouette per k, role sizes and centroids."""
        return {
            "method": self.method,
            "n_fit_actors": self.n_fit_actors,
            "chosen_k": self.chosen_k,
            "silhouette": self.silhouette,
            "silhouette_by_k": dict(
                zip(
                    self.silhouette_by_k["k"].to_list(),
                    self.silhouette_by_k["silhouette"].to_list(),
                    strict=True,
                )
            ),
            "roles": self.centroids.join(self.sizes, on=["role", "n_actors"]).to_dicts(),
        }


def _fit_labels(
    method: str, x: np.ndarray, k: int, seed: int, fit_rows: np.ndarray | None = None
) -> np.ndarray:
    """Labels of every row of ``x``; the model is fitted on ``x[fit_rows]`` if given."""
    model: KMeans | GaussianMixture
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if method == "kmeans":
            model = KMeans(n_clusters=k, n_init=KMEANS_N_INIT, random_state=seed)
            if fit_rows is None:
                return model.fit_predict(x)
        else:
            model = GaussianMixture(n_components=k, covariance_type="full", random_state=seed)
            if fit_rows is None:
                return model.fit(x).predict(x)
        # fitted on the sample, then every actor assigned: nearest centre / most probable
        # component (CLARA, Kaufman & Rousseeuw 1990; Fraley, Raftery & Wehrens 2005)
        return model.fit(x[fit_rows]).predict(x)


def _canonical_labels(labels: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Relabel 0..r-1 by decreasing size, ties broken by the centroid's coordinates."""
    uniq, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    centres = np.array([x[inverse == i].mean(axis=0) for i in range(uniq.size)])
    order = sorted(range(uniq.size), key=lambda i: (-counts[i], *centres[i].tolist()))
    rank = np.empty(uniq.size, dtype=np.int64)
    rank[np.asarray(order, dtype=np.int64)] = np.arange(uniq.size)
    return rank[inverse]


#: Most points whose pairwise distances :class:`_Silhouette` keeps in memory (8 bytes each:
#: 3,000 points hold 72 MB); above it the distances are recomputed per clustering, in blocks.
SILHOUETTE_CACHE_POINTS = 3_000


class _Silhouette:
    """Mean silhouette (Rousseeuw 1987) of many labellings of the same points.

    The Euclidean distances between the points are computed once and every labelling is
    scored from them: for labels with k clusters, the sum of distances from each point to
    each cluster is one product ``D @ onehot`` (n x n by n x k), instead of a pass over the
    distance matrix per labelling as ``sklearn.metrics.silhouette_score`` makes. The
    value is sklearn's (tested to 1e-9): ``a`` the mean distance to the point's own cluster
    (others only), ``b`` the smallest mean distance to another cluster, ``(b - a) / max(a,
    b)`` per point, 0 for a point alone in its cluster, averaged over the points.
    """

    def __init__(self, x: np.ndarray) -> None:
        self.x = x
        n = x.shape[0]
        self.distances = self._block(0, n) if n <= SILHOUETTE_CACHE_POINTS else None

    def _block(self, start: int, stop: int) -> np.ndarray:
        # the distances sklearn's silhouette_score computes (pairwise_distances, Euclidean)
        return euclidean_distances(self.x[start:stop], self.x)

    def _cluster_sums(self, onehot: np.ndarray) -> np.ndarray:
        if self.distances is not None:
            return self.distances @ onehot
        n = self.x.shape[0]
        step = max(1, (SILHOUETTE_CACHE_POINTS**2) // (4 * n))
        return np.vstack([self._block(i, min(n, i + step)) @ onehot for i in range(0, n, step)])

    def score(self, labels: np.ndarray) -> float:
        """The mean silhouette of ``labels`` (one per point); NaN unless 2 <= k <= n - 1."""
        uniq, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
        n, k = inverse.size, uniq.size
        if k < 2 or k >= n:
            return math.nan
        onehot = np.zeros((n, k))
        onehot[np.arange(n), inverse] = 1.0
        sums = self._cluster_sums(onehot)
        rows = np.arange(n)
        own = counts[inverse]
        with np.errstate(divide="ignore", invalid="ignore"):
            a = sums[rows, inverse] / (own - 1)
            means = sums / counts
            means[rows, inverse] = np.inf
            b = means.min(axis=1)
            s = (b - a) / np.maximum(a, b)
        s[own == 1] = 0.0
        return float(np.mean(np.nan_to_num(s)))


def _cluster_one(
    x: np.ndarray,
    method: str,
    ks: Sequence[int],
    subsample: np.ndarray | None,
    ss: np.random.SeedSequence,
    fit_rows: np.ndarray | None,
    silhouette: _Silhouette,
) -> tuple[int, float, list[float], np.ndarray]:
    """Best k, its silhouette, silhouette per k and the canonical labels of the best k.

    The models are fitted on ``x[fit_rows]`` (every row if ``None``) and label every row;
    the silhouette is on the rows ``subsample`` (every row if ``None``), scored by
    ``silhouette`` (built from those rows).
    """
    best_k, best_s, best_labels = 1, math.nan, np.zeros(x.shape[0], dtype=np.int64)
    scores: list[float] = []
    for k, child in zip(ks, child_seeds(ss, len(ks)), strict=True):
        labels = _fit_labels(method, x, k, int_seed(child), fit_rows)
        scored = labels if subsample is None else labels[subsample]
        s = math.nan if np.unique(labels).size < k else silhouette.score(scored)
        scores.append(s)
        if not math.isnan(s) and (math.isnan(best_s) or s > best_s):
            best_k, best_s, best_labels = k, s, labels
    return best_k, best_s, scores, _canonical_labels(best_labels, x)


def _check_cluster_args(
    k_range: Iterable[int], methods: Iterable[str], sample_size: Any
) -> tuple[list[int], list[str], int]:
    ks = sorted({_check_positive_int(k, "every k in k_range", minimum=2) for k in k_range})
    if not ks:
        raise InvalidInputError("k_range must hold at least one k >= 2; got an empty range")
    if isinstance(methods, str):
        methods = (methods,)
    chosen = list(dict.fromkeys(methods))
    unknown = [m for m in chosen if m not in METHODS]
    if unknown or not chosen:
        raise InvalidInputError(
            f"methods must be a non-empty subset of {sorted(METHODS)}; got {chosen}"
        )
    return ks, chosen, _check_positive_int(sample_size, "sample_size", minimum=2)


def _check_fit_size(fit_size: Any, ks: list[int]) -> int | None:
    """``None`` or an integer large enough to fit the largest k (``ks`` is sorted)."""
    if fit_size is None:
        return None
    return _check_positive_int(fit_size, "fit_size (or None to fit on every actor)", ks[-1] + 1)


def _n_fit(n: int, fit_size: int | None) -> int:
    """Number of actors the models are fitted on, out of ``n``."""
    return n if fit_size is None else min(n, fit_size)


def _z_matrix(features: pl.DataFrame) -> np.ndarray:
    if not isinstance(features, pl.DataFrame):
        raise InvalidInputError(
            f"features must be a polars DataFrame from role_features; got {type(features).__name__}"
        )
    needed = ["actor_id", *FEATURES, *(f"z_{f}" for f in FEATURES)]
    missing = [c for c in needed if c not in features.columns]
    if missing:
        raise InvalidInputError(
            f"features lacks columns {missing}; pass the frame returned by role_features"
        )
    x = features.select(f"z_{f}" for f in FEATURES).to_numpy().astype(float)
    if not np.isfinite(x).all():
        raise InvalidInputError("features hold nan or infinite z-scores; recompute role_features")
    return x


def _clusterings(
    features: pl.DataFrame,
    ks: list[int],
    methods: list[str],
    sample_size: int,
    ss: np.random.SeedSequence,
    fit_size: int | None = None,
) -> dict[str, tuple[int, float, list[float], np.ndarray]]:
    x = _z_matrix(features)
    n = x.shape[0]
    if n < 3:
        raise InvalidInputError(f"structural roles need at least 3 actors; got {n}")
    usable = [k for k in ks if k < n]
    if not usable:
        raise InvalidInputError(
            f"every k in k_range must be < the number of actors ({n}); got {ks}"
        )
    sub_ss, *method_ss = child_seeds(ss, 1 + len(methods))
    subsample = (
        np.sort(np.random.default_rng(sub_ss).choice(n, size=sample_size, replace=False))
        if n > sample_size
        else None
    )
    # the fit sample: one per graph, shared by every method and k, from a grandchild of the
    # subsample's seed (so the existing seeds, and the results without it, are unchanged)
    fit_rows = (
        np.sort(
            np.random.default_rng(child_seed(sub_ss, 0)).choice(n, size=fit_size, replace=False)
        )
        if fit_size is not None and n > fit_size
        else None
    )
    out = {}
    with threadpool_limits(limits=1):
        # one distance matrix for every method and k
        silhouette = _Silhouette(x if subsample is None else x[subsample])
        for method, child in zip(methods, method_ss, strict=True):
            best_k, best_s, scores, labels = _cluster_one(
                x, method, usable, subsample, child, fit_rows, silhouette
            )
            scores += [math.nan] * (len(ks) - len(usable))
            out[method] = (best_k, best_s, scores, labels)
    return out


def structural_roles(
    features: pl.DataFrame,
    *,
    k_range: Iterable[int] = range(2, 11),
    methods: Iterable[str] = ("kmeans", "gmm"),
    sample_size: int = 5_000,
    fit_size: int | None = None,
    seed: int | np.random.SeedSequence | None = None,
) -> dict[str, RoleClustering]:
    """Cluster actors into structural roles; choose the number of roles by silhouette.

    Parameters
    ----------
    features : polars.DataFrame
        One row per actor, as returned by
        :func:`netdyn.analytics.role_features.role_features`; the ``z_*`` columns are
        clustered, the raw columns give the centroids.
    k_range : iterable of int, default range(2, 11)
        Numbers of roles to try, each ≥ 2; values ≥ the number of actors are skipped
        (silhouette ``nan``).
    methods : iterable of {"kmeans", "gmm"}, default ("kmeans", "gmm")
        k-means (``n_init`` = :data:`KMEANS_N_INIT`) and/or a Gaussian mixture with full
        covariance matrices (k-means initialisation, scikit-learn's default ``reg_covar``).
    sample_size : int, default 5000
        The silhouette is computed on a seeded uniform subsample of this many actors when
        there are more (the same subsample for every method and k); exactly otherwise.
    fit_size : int or None, default None
        With more actors than this, every model (each method and k) is fitted on one seeded
        uniform random sample of ``fit_size`` actors, and every actor is then labelled by
        the fitted model: its nearest k-means centre, or its most probable mixture
        component. ``None`` (or ``fit_size`` ≥ the number of actors) fits on every actor.
        Must be ≥ the largest k + 1. An approximation for very large graphs; see Notes.
    seed : int, numpy.random.SeedSequence or None
        Seeds the subsample, the fit sample and every fit (one SeedSequence child per method
        and k).

    Returns
    -------
    dict of str to RoleClustering
        One entry per method, in the order given: chosen k, best silhouette, silhouette per
        k, the role of each actor, role sizes, centroids and the number of actors fitted on
        (``n_fit_actors``; see :class:`RoleClustering`).

    Raises
    ------
    InvalidInputError
        If ``features`` lacks the columns of
        :func:`netdyn.analytics.role_features.role_features` or holds non-finite values, has
        fewer than 3 actors, no k in ``k_range`` is usable (each must be ≥ 2 and < the number
        of actors), a method is unknown, ``sample_size`` < 2, or ``fit_size`` is neither
        ``None`` nor an integer ≥ the largest k + 1.

    Notes
    -----
    *Choice of k*: the k with the largest mean silhouette ``s = (b − a) / max(a, b)``
    (Rousseeuw 1987), Euclidean distance on the z-scores; ties go to the smaller k. A k
    for which the fit produced fewer than k distinct roles (possible when many actors share
    one feature vector) is not realised and gets ``nan``. If no k gives a silhouette, every
    actor is role 0, ``chosen_k = 1`` and ``silhouette = nan``.

    *Labels*: role 0 is the largest role, then by decreasing size (ties by centroid), so
    labels are comparable between methods and runs. The fits run single-threaded, so the
    same seed gives the same roles on any machine load.

    *Fitting on a sample* (``fit_size``): the sample-then-assign strategy for large data
    sets. CLARA (Kaufman & Rousseeuw 1990) clusters a random sample and assigns every
    object to its nearest representative, as done here with the k-means centres; Fraley,
    Raftery & Wehrens (2005) start from a Gaussian mixture fitted to a random sample, which
    here classifies every actor as is (without their further EM iterations on all the
    data). The sample is drawn once, without replacement, from a SeedSequence child of
    ``seed`` and shared by every method and k; labels, canonical order, sizes and centroids
    then cover every actor, and the silhouette is computed on the ``sample_size`` subsample
    as without it. Cost per method and k: the fit is O(fit_size · k · iterations) (times
    d² = 36 per point and component for the full-covariance mixture) instead of
    O(n · k · iterations), and the assignment O(n · k) (O(n · k · d²) for the mixture), a
    single pass. The price is sampling error: the centres and components are those of the
    sample, so a role with few actors in the sample may be missed or merged (the caveat of
    Fraley, Raftery & Wehrens 2005) — a role holding a share p of the actors has about
    p · fit_size sample members (20 for p = 0.1 % and fit_size = 20,000) — and when two k
    have nearly equal silhouettes the chosen k may differ from the fit on every actor. The
    number of actors fitted on is recorded as :attr:`RoleClustering.n_fit_actors`.

    References
    ----------
    Rousseeuw (1987); Rossi & Ahmed (2015); Kaufman & Rousseeuw (1990), ch. 3; Fraley,
    Raftery & Wehrens (2005).

    Examples
    --------
    >>> f = pl.DataFrame({"actor_id": list("abcdef")} | {c: [0, 0, 0, 5, 5, 5]
    ...     for c in (*FEATURES, *(f"z_{c}" for c in FEATURES))})
    >>> r = structural_roles(f, k_range=[2, 3], methods=["kmeans"], seed=1)["kmeans"]
    >>> r.chosen_k, r.silhouette, r.labels["role"].to_list()
    (2, 1.0, [0, 0, 0, 1, 1, 1])
    """
    ks, chosen, sample_size = _check_cluster_args(k_range, methods, sample_size)
    fit_size = _check_fit_size(fit_size, ks)
    fits = _clusterings(features, ks, chosen, sample_size, seed_sequence(seed), fit_size)
    out = {}
    n = features.height
    for method, (best_k, best_s, scores, labels) in fits.items():
        labelled = features.select("actor_id", *FEATURES).with_columns(role=pl.Series(labels))
        sizes = (
            labelled.group_by("role")
            .agg(n_actors=pl.len().cast(pl.Int64))
            .with_columns(share_actors=pl.col("n_actors") / n)
            .sort("role")
        )
        centroids = (
            labelled.group_by("role")
            .agg(pl.len().cast(pl.Int64).alias("n_actors"), *(pl.col(f).mean() for f in FEATURES))
            .sort("role")
        )
        out[method] = RoleClustering(
            method=method,
            chosen_k=best_k,
            silhouette=best_s,
            silhouette_by_k=pl.DataFrame(
                {"k": ks, "silhouette": scores}, schema={"k": pl.Int64, "silhouette": pl.Float64}
            ),
            labels=labelled.select("actor_id", "role"),
            sizes=sizes,
            centroids=centroids,
            n_fit_actors=_n_fit(n, fit_size),
        )
    return out


# ----------------------------------------------------------------------------- null model


def _rewire(g: ig.Graph, n_swaps: int, seed: int) -> ig.Graph:
    null = g.copy()
    if null.ecount() >= 2:
        with igraph_seeded(seed):
            null.rewire(n=n_swaps, allowed_edge_types="simple")
        # igraph rebuilds the edges (and drops their attributes) on long rewirings: put the
        # weights back in their edge slots, or every null's PageRank would be NaN
        for name in g.es.attributes():
            null.es[name] = g.es[name]
    return null


def degree_preserving_null(
    graph: ig.Graph,
    *,
    swaps_per_edge: float = 10.0,
    seed: int | np.random.SeedSequence | None = None,
) -> ig.Graph:
    """One degree-preserving randomisation of a directed graph (Maslov–Sneppen rewiring).

    Parameters
    ----------
    graph : igraph.Graph
        Directed graph; it is not modified.
    swaps_per_edge : float, default 10
        Rewiring trials per edge (``round(swaps_per_edge · m)`` trials in all).
    seed : int, numpy.random.SeedSequence or None
        Seeds igraph's random numbers for the rewiring.

    Returns
    -------
    igraph.Graph
        A simple directed graph with the same vertices (and ``name``) and, vertex by vertex,
        the same in- and out-degree as ``graph`` after loops and multiple edges are removed.
        Edge weights (and any other edge attribute) stay with the edge slots — edge ``i`` of
        the null has the value of edge ``i`` of ``graph`` — so the multiset of weights is kept
        but not each actor's strength.

    Raises
    ------
    InvalidInputError
        If ``graph`` is not a directed igraph Graph or ``swaps_per_edge`` is not positive.

    Notes
    -----
    igraph's ``rewire`` picks two edges ``a→b``, ``c→d`` and replaces them by ``a→d``,
    ``c→b`` unless that would make a loop or a multiple edge; each vertex keeps its in- and
    out-degree (Maslov & Sneppen 2002). igraph's global random generator is set to a seeded
    ``random.Random`` during the call and reset to the :mod:`random` module afterwards.

    References
    ----------
    Maslov & Sneppen (2002).

    Examples
    --------
    >>> g = ig.Graph.Ring(6, directed=True)
    >>> h = degree_preserving_null(g, seed=3)
    >>> h.indegree() == g.indegree(), h.outdegree() == g.outdegree()
    (True, True)
    """
    _check_graph(graph)
    if not isinstance(swaps_per_edge, int | float) or not swaps_per_edge > 0:
        raise InvalidInputError(f"swaps_per_edge must be > 0; got {swaps_per_edge!r}")
    g = _simple_directed(graph)
    n_swaps = max(1, round(swaps_per_edge * g.ecount()))
    return _rewire(g, n_swaps, int_seed(seed_sequence(seed)))


def _share_absent(g: ig.Graph, null: ig.Graph) -> float:
    """The share of ``g``'s edges that ``null`` does not have (nan without edges)."""
    if g.ecount() == 0:
        return math.nan
    # igraph looks each pair up in the null's sorted adjacency (np.isin on edge codes cost
    # 5 CPU-s per null of a 2.9-million-edge graph, this 0.9)
    found = np.asarray(null.get_eids(g.get_edgelist(), directed=True, error=False))
    return float(np.mean(found < 0))


def _null_replicate(
    args: tuple[ig.Graph, np.random.SeedSequence, dict[str, Any]],
) -> tuple[dict[str, tuple[int, float]], float]:
    """One null: rewire, extract features, cluster. Top level so worker processes can run it."""
    g, ss, opts = args
    rewire_ss, feature_ss, cluster_ss = child_seeds(ss, 3)
    with threadpool_limits(limits=1):
        null = _rewire(g, opts["n_swaps"], int_seed(rewire_ss))
        features = _feature_frame(
            null, betweenness=opts["betweenness"], n_samples=opts["n_samples"], ss=feature_ss
        )
        fits = _clusterings(
            features,
            opts["ks"],
            opts["methods"],
            opts["sample_size"],
            cluster_ss,
            opts["fit_size"],
        )
    moved = _share_absent(g, null)
    return {m: (fit[0], fit[1]) for m, fit in fits.items()}, moved


@dataclass(frozen=True)
class RoleNullBaseline:
    """Silhouettes of the roles of degree-preserving nulls; see :func:`role_null_baseline`.

    Attributes
    ----------
    nulls : polars.DataFrame
        One row per null graph and method: ``null_index``, ``method``, ``chosen_k``,
        ``silhouette``, ``share_edges_rewired`` (share of the original edges absent from
        that null graph — how well the rewiring mixed).
    summary : polars.DataFrame
        One row per method: ``method``, ``observed_k``, ``observed_silhouette``, ``n_nulls``,
        ``null_mean_silhouette``, ``null_sd_silhouette`` (ddof 1; nulls without a
        silhouette left out), ``null_modal_k`` (most frequent chosen k, ties to the smaller),
        ``null_share`` (null mean / observed: the share of the observed silhouette the
        degree sequence alone reproduces), ``z_score`` ((observed − null mean) / null sd),
        ``p_value`` (one-sided sequential Monte-Carlo p-value, Besag & Clifford 1991:
        ``h / n_nulls`` when the test stopped early, else
        ``(1 + #{null ≥ observed}) / (1 + n_nulls_max)``), ``n_nulls_max`` (the most nulls
        the test could draw), ``stopped_early`` and ``p_value_resolution``
        (``1 / (n_nulls_max + 1)``). ``n_nulls`` and the null statistics count the nulls
        of that method's test; ``nulls`` lists every null drawn (the most of any method).
    n_fit_actors : int
        Number of actors each null's clustering models were fitted on (every actor, or the
        ``fit_size`` sample; the nulls keep the observed vertices).
    """

    nulls: pl.DataFrame
    summary: pl.DataFrame
    n_fit_actors: int

    def describe(self, method: str) -> str:
        """One sentence comparing the null with the observed silhouette for ``method``."""
        row = self.summary.filter(pl.col("method") == method)
        if row.height == 0:
            raise InvalidInputError(
                f"method {method!r} was not run; choose one of {self.summary['method'].to_list()}"
            )
        r = row.row(0, named=True)
        return (
            f"{method}: the degree sequence alone gives a silhouette of "
            f"{r['null_mean_silhouette']:.2f} ± {r['null_sd_silhouette']:.2f} "
            f"(k = {r['null_modal_k']}, {r['n_nulls']} rewirings) against "
            f"{r['observed_silhouette']:.2f} observed (k = {r['observed_k']})"
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python summary: one dict per method, with the null silhouettes listed."""
        out = {}
        for r in self.summary.to_dicts():
            null = self.nulls.filter(pl.col("method") == r["method"])
            out[r["method"]] = r | {
                "null_silhouettes": null["silhouette"].to_list(),
                "null_ks": null["chosen_k"].to_list(),
                "description": self.describe(r["method"]),
            }
        return out


def _summarise(
    observed: Mapping[str, RoleClustering],
    nulls: pl.DataFrame,
    methods: list[str],
    tests: Mapping[str, SequentialPValue],
) -> pl.DataFrame:
    rows = []
    for method in methods:
        obs = observed[method]
        test = tests[method]
        null = nulls.filter((pl.col("method") == method) & (pl.col("null_index") < test.n_drawn))
        s = null["silhouette"].drop_nans().drop_nulls().to_numpy()
        mean = float(s.mean()) if s.size else math.nan
        sd = float(s.std(ddof=1)) if s.size >= 2 else math.nan
        ks = null["chosen_k"].to_numpy()
        modal_k = int(np.bincount(ks).argmax()) if ks.size else None
        o = obs.silhouette
        rows.append(
            {
                "method": method,
                "observed_k": obs.chosen_k,
                "observed_silhouette": o,
                "n_nulls": null.height,
                "null_mean_silhouette": mean,
                "null_sd_silhouette": sd,
                "null_modal_k": modal_k,
                "null_share": mean / o if o and not math.isnan(o) else math.nan,
                "z_score": (o - mean) / sd if sd and not math.isnan(sd) else math.nan,
                "p_value": test.p_value if s.size else math.nan,
                "n_nulls_max": test.n_max,
                "stopped_early": test.stopped_early,
                "p_value_resolution": test.resolution,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "method": pl.String,
            "observed_k": pl.Int64,
            "observed_silhouette": pl.Float64,
            "n_nulls": pl.Int64,
            "null_mean_silhouette": pl.Float64,
            "null_sd_silhouette": pl.Float64,
            "null_modal_k": pl.Int64,
            "null_share": pl.Float64,
            "z_score": pl.Float64,
            "p_value": pl.Float64,
            "n_nulls_max": pl.Int64,
            "stopped_early": pl.Boolean,
            "p_value_resolution": pl.Float64,
        },
    )


def role_null_baseline(
    graph: ig.Graph,
    *,
    n_nulls: int = 20,
    k_range: Iterable[int] = range(2, 11),
    methods: Iterable[str] = ("kmeans", "gmm"),
    betweenness: str = "auto",
    n_samples: int = 500,
    sample_size: int = 5_000,
    fit_size: int | None = None,
    swaps_per_edge: float = 10.0,
    observed: Mapping[str, RoleClustering] | None = None,
    h: int = DEFAULT_H,
    n_jobs: int | None = 1,
    seed: int | np.random.SeedSequence | None = None,
) -> RoleNullBaseline:
    """How much of the role silhouette the degree sequence alone explains.

    The feature extraction and clustering of
    :func:`netdyn.analytics.role_features.role_features` and :func:`structural_roles` are
    repeated on ``n_nulls`` degree-preserving rewirings of the graph
    (:func:`degree_preserving_null`), with the same options as the observed analysis.

    Parameters
    ----------
    graph : igraph.Graph
        Directed interaction graph, as for :func:`netdyn.analytics.role_features.role_features`.
    n_nulls : int, default 20
        The most rewired graphs to draw (the sequential test stops earlier once ``h`` nulls
        have a silhouette at least the observed one, for every method).
    k_range, methods, sample_size, fit_size
        As for :func:`structural_roles`; every null is clustered with the same options,
        ``fit_size`` sample drawn from that null's own seed.
    betweenness, n_samples
        As for :func:`netdyn.analytics.role_features.role_features`.
    swaps_per_edge : float, default 10
        Rewiring trials per edge.
    observed : mapping of str to RoleClustering, optional
        The observed roles (:func:`structural_roles` with the same options); computed here
        (from the first SeedSequence child of ``seed``) if not given.
    h : int, default 10
        Nulls at least as extreme that stop a method's sequential test, ≥ 1 (Besag &
        Clifford 1991); ``h > n_nulls`` draws all ``n_nulls``.
    n_jobs : int or None, default 1
        Worker processes for the nulls (``None`` or ``-1``: one per CPU). The result does
        not depend on it.
    seed : int, numpy.random.SeedSequence or None
        Root of the seeds: the observed analysis uses SeedSequence child 0 of ``seed``;
        null ``i`` uses child ``i`` of child 1, for its rewiring, pivots and fits alike.

    Returns
    -------
    RoleNullBaseline
        ``nulls`` (one row per null and method), ``summary`` (one row per method:
        observed against null silhouette, ``null_share``, ``z_score``, ``p_value``) and
        ``n_fit_actors``.

    Raises
    ------
    InvalidInputError
        For a bad graph or option (see :func:`netdyn.analytics.role_features.role_features`,
        :func:`structural_roles`), if ``n_nulls`` < 1, ``h`` < 1, ``n_jobs`` is 0 or below
        -1, or ``observed`` lacks a method.

    Notes
    -----
    Rewiring keeps each actor's in- and out-degree exactly, so the degree features of every
    actor are unchanged; coreness, clustering, PageRank and betweenness are those of a
    random graph with that degree sequence. A null share near 1 means the role structure is
    what the degree sequence implies; a silhouette far above the null (large ``z_score``,
    small ``p_value``) means structure beyond it.

    *Sequential test* (Besag & Clifford 1991,
    :func:`netdyn.analytics.monte_carlo.sequential_p_values`): nulls are drawn in index
    order; a method's test stops once ``h`` null silhouettes are ≥ the observed one
    (``p = h / l``), and drawing stops when every method's test has stopped or
    ``n_nulls`` are drawn. A null without a silhouette (no k realised) is never extreme.
    The nulls run in a process pool, each from its own SeedSequence child and
    single-threaded, a few ahead of the one consumed, and are consumed in index order, so
    ``n_jobs`` does not change the output.

    *Cost* per null: a rewiring (``swaps_per_edge · m`` trials), the features (exact
    betweenness O(n m), sampled O(n_samples · m)) and ``len(k_range) × len(methods)``
    clusterings of n actors with a silhouette on at most ``sample_size`` of them
    (O(sample_size²)). With ``fit_size`` < n each clustering is fitted on ``fit_size``
    actors (O(fit_size · k · iterations)) and assigns all n (O(n · k)); see
    :func:`structural_roles`.

    References
    ----------
    .. [1] Maslov, S., & Sneppen, K. (2002). Specificity and stability in topology of
       protein networks. *Science* 296(5569), 910–913.
    .. [2] Rousseeuw, P. J. (1987). Silhouettes. *J. Comput. Appl. Math.* 20, 53–65.
    .. [3] Besag, J., & Clifford, P. (1991). Sequential Monte Carlo p-values.
       *Biometrika* 78(2), 301–304.
    """
    _check_graph(graph)
    n_nulls = _check_positive_int(n_nulls, "n_nulls")
    h = _check_positive_int(h, "h")
    n_samples = _resolve_betweenness(betweenness, n_samples)
    ks, chosen, sample_size = _check_cluster_args(k_range, methods, sample_size)
    fit_size = _check_fit_size(fit_size, ks)
    if not isinstance(swaps_per_edge, int | float) or not swaps_per_edge > 0:
        raise InvalidInputError(f"swaps_per_edge must be > 0; got {swaps_per_edge!r}")
    if n_jobs is None or n_jobs == -1:
        n_jobs = os.cpu_count() or 1
    n_jobs = _check_positive_int(n_jobs, "n_jobs (or -1 / None for all CPUs)")
    ss = seed_sequence(seed)
    g = _simple_directed(graph)
    if observed is None:
        _, observed = _observed_roles(
            g, betweenness, n_samples, ks, chosen, sample_size, child_seed(ss, 0), fit_size
        )
    missing = [m for m in chosen if m not in observed]
    if missing:
        raise InvalidInputError(f"observed lacks methods {missing}; run structural_roles with them")
    opts = {
        "n_swaps": max(1, round(swaps_per_edge * g.ecount())),
        "betweenness": betweenness,
        "n_samples": n_samples,
        "ks": ks,
        "methods": chosen,
        "sample_size": sample_size,
        "fit_size": fit_size,
    }
    tasks = [(g, child, opts) for child in child_seeds(child_seed(ss, 1), n_nulls)]
    results: list[tuple[dict[str, tuple[int, float]], float]] = []

    def silhouettes() -> Iterator[list[float]]:
        stream = ordered_map(_null_replicate, tasks, n_jobs=n_jobs, label="role silhouette nulls")
        try:
            for result in stream:
                results.append(result)
                yield [result[0][m][1] for m in chosen]
        finally:
            stream.close()  # stops the worker pool when the test stops early

    tests = sequential_p_values(
        [observed[m].silhouette for m in chosen], silhouettes(), n_max=n_nulls, h=h
    )
    if not results:  # no method had an observed silhouette to test: describe all nulls
        results = [_null_replicate(t) for t in tasks]
    rows = [
        {
            "null_index": i,
            "method": m,
            "chosen_k": fits[m][0],
            "silhouette": fits[m][1],
            "share_edges_rewired": moved,
        }
        for i, (fits, moved) in enumerate(results)
        for m in chosen
    ]
    nulls = pl.DataFrame(
        rows,
        schema={
            "null_index": pl.Int64,
            "method": pl.String,
            "chosen_k": pl.Int64,
            "silhouette": pl.Float64,
            "share_edges_rewired": pl.Float64,
        },
    )
    logger.debug("role null baseline: %d of %d nulls, %d jobs", len(results), n_nulls, n_jobs)
    by_method = {
        m: t if t.n_drawn else _all_drawn(t, len(results))
        for m, t in zip(chosen, tests, strict=True)
    }
    return RoleNullBaseline(
        nulls=nulls,
        summary=_summarise(observed, nulls, chosen, by_method),
        n_fit_actors=_n_fit(g.vcount(), fit_size),
    )


def _all_drawn(test: SequentialPValue, n: int) -> SequentialPValue:
    """An untested method (no observed silhouette): its summary describes all ``n`` nulls."""
    return SequentialPValue(
        p_value=math.nan,
        n_drawn=n,
        n_max=test.n_max,
        n_extreme=0,
        h=test.h,
        stopped_early=False,
        statistics=np.empty(0),
    )


# ------------------------------------------------------------------------------ one call


def _observed_roles(
    g: ig.Graph,
    betweenness: str,
    n_samples: int,
    ks: list[int],
    methods: list[str],
    sample_size: int,
    ss: np.random.SeedSequence,
    fit_size: int | None = None,
) -> tuple[pl.DataFrame, dict[str, RoleClustering]]:
    """Features and roles of the observed (simple) graph from seed ``ss``."""
    features = _feature_frame(g, betweenness=betweenness, n_samples=n_samples, ss=child_seed(ss, 0))
    roles = structural_roles(
        features,
        k_range=ks,
        methods=methods,
        sample_size=sample_size,
        fit_size=fit_size,
        seed=child_seed(ss, 1),
    )
    return features, roles


@dataclass(frozen=True)
class RoleAnalysis:
    """Features, roles and their null baseline; the result of :func:`roles_with_baseline`.

    Attributes
    ----------
    features : polars.DataFrame
        One row per actor (:func:`netdyn.analytics.role_features.role_features`).
    roles : dict of str to RoleClustering
        One entry per method (:func:`structural_roles`).
    baseline : RoleNullBaseline
        The degree-preserving null (:func:`role_null_baseline`).
    betweenness : str
        ``"exact"`` or ``"sampled"``: how betweenness was computed.
    fit_size : int or None
        The ``fit_size`` option: ``None`` when the clusterings were fitted on every actor;
        the actors actually fitted on are ``roles[method].n_fit_actors`` (observed graph)
        and ``baseline.n_fit_actors`` (each null).
    """

    features: pl.DataFrame
    roles: dict[str, RoleClustering]
    baseline: RoleNullBaseline
    betweenness: str
    fit_size: int | None

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python summary for reports: sizes, roles per method and the null baseline."""
        return {
            "n_actors": self.features.height,
            "betweenness": self.betweenness,
            "fit_size": self.fit_size,
            "roles": {m: r.to_dict() for m, r in self.roles.items()},
            "null_baseline": self.baseline.to_dict(),
        }


def roles_with_baseline(
    graph: ig.Graph,
    *,
    k_range: Iterable[int] = range(2, 11),
    methods: Iterable[str] = ("kmeans", "gmm"),
    n_nulls: int = 20,
    betweenness: str = "auto",
    n_samples: int = 500,
    sample_size: int = 5_000,
    fit_size: int | None = None,
    swaps_per_edge: float = 10.0,
    h: int = DEFAULT_H,
    n_jobs: int | None = 1,
    seed: int | np.random.SeedSequence | None = None,
) -> RoleAnalysis:
    """Structural roles of a directed graph and their degree-preserving null, in one call.

    Parameters
    ----------
    graph : igraph.Graph
        Directed interaction graph (:func:`build_interaction_graph`).
    k_range, methods, sample_size, fit_size
        As for :func:`structural_roles`; ``fit_size`` applies to the observed graph and to
        every null alike.
    n_nulls, swaps_per_edge, h, n_jobs
        As for :func:`role_null_baseline`.
    betweenness, n_samples
        As for :func:`netdyn.analytics.role_features.role_features`.
    seed : int, numpy.random.SeedSequence or None
        Root seed; the observed analysis and the nulls use separate SeedSequence children,
        exactly as :func:`role_null_baseline` with the same ``seed``.

    Returns
    -------
    RoleAnalysis
        ``features``, ``roles``, ``baseline``, ``betweenness``, ``fit_size`` and
        :meth:`RoleAnalysis.to_dict`.

    Raises
    ------
    InvalidInputError
        As for the three functions it calls.

    Notes
    -----
    *Cost*: with ``fit_size`` = None, every clustering (each method and k, on the observed
    graph and on each null) is fitted on all n actors — the dominant cost at 10⁵–10⁶
    actors. With ``fit_size`` < n each is fitted on a seeded random sample of ``fit_size``
    actors (O(fit_size · k · iterations)) and every actor then assigned to its nearest
    k-means centre or most probable mixture component (O(n · k)); the sampling
    approximation and its sources are described in :func:`structural_roles`.

    Examples
    --------
    >>> a = roles_with_baseline(ig.Graph.Ring(8, directed=True), k_range=[2],
    ...                         methods=["kmeans"], n_nulls=2, seed=0)
    >>> a.roles["kmeans"].chosen_k, a.to_dict()["n_actors"]
    (1, 8)
    """
    _check_graph(graph)
    n_samples = _resolve_betweenness(betweenness, n_samples)
    ks, chosen, sample_size = _check_cluster_args(k_range, methods, sample_size)
    fit_size = _check_fit_size(fit_size, ks)
    ss = seed_sequence(seed)
    g = _simple_directed(graph)
    features, roles = _observed_roles(
        g, betweenness, n_samples, ks, chosen, sample_size, child_seed(ss, 0), fit_size
    )
    baseline = role_null_baseline(
        g,
        n_nulls=n_nulls,
        k_range=ks,
        methods=chosen,
        betweenness=betweenness,
        n_samples=n_samples,
        sample_size=sample_size,
        fit_size=fit_size,
        swaps_per_edge=swaps_per_edge,
        observed=roles,
        h=h,
        n_jobs=n_jobs,
        seed=ss,
    )
    exact = betweenness == "exact" or (
        betweenness == "auto" and g.vcount() <= AUTO_EXACT_MAX_VERTICES
    )
    return RoleAnalysis(
        features=features,
        roles=roles,
        baseline=baseline,
        betweenness="exact" if exact else "sampled",
        fit_size=fit_size,
    )
