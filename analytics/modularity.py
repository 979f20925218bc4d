"""Modularity-maximising partitions by the Leiden algorithm, seeded.

:func:`modularity_leiden` finds the communities of a graph with the Leiden algorithm of
Traag, Waltman & van Eck (2019), which guarantees connected communities, and reports
Newman's modularity Q (Newman 2006) of the partition. igraph's random generator is seeded
for the call (:func:`netdyn.analytics._igraph_random.igraph_seeded`), so the same seed on the
same graph gives the same partition.

References
----------
.. [1] Traag, V. A., Waltman, L., & van Eck, N. J. (2019). From Louvain to Leiden:
   guaranteeing well-connected communities. *Scientific Reports* 9, 5233.
.. [2] Newman, M. E. J. (2006). Modularity and community structure in networks. *PNAS*
   103(23), 8577–8582.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import igraph as ig
import numpy as np

from netdyn.analytics._igraph_random import igraph_seeded, seed_ints
from netdyn.core.errors import InvalidInputError

__all__ = ["ModularityPartition", "modularity_leiden"]


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
    Traag, Waltman & van Eck (2019); Newman (2006).

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
    (leiden_seed,) = seed_ints(seed, 1)
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
