"""Degree-preserving null graphs by global curveball trades (NetworKit).

The null model of the core-periphery test and of the rich-club normalisation is the set of
simple undirected graphs with the observed degree sequence, sampled uniformly. Edge switching
(igraph ``rewire``) samples it too, but slowly on graphs with hubs: each switch that touches
a hub updates the hub's sorted adjacency list, so on the Twitter15/16 graph (677,640 actors,
822,743 edges, a hub of degree 35,310) three switching trials per edge took 9.3 CPU-s and
still left twice the share of observed edges an independent draw shares. A *curveball trade*
(Strona et al. 2014) takes two vertices and deals the neighbours they do not share out between
them at random; a *global trade* pairs every vertex with another at once. Carstens et al.
(2018) show the chain of global trades has the uniform distribution over the graphs of the
degree sequence as its stationary distribution and mixes in a few global trades;
NetworKit's ``GlobalCurveball`` implements it.
"""

from __future__ import annotations

import numpy as np

from netdyn.core.errors import InvalidInputError

__all__ = ["GLOBAL_TRADES", "check_global_trades", "curveball_edges"]

#: Global trades per null. Measured with ``benchmarks/bench_null_mixing.py`` (seed 1): the
#: share of the observed edges still present in a null, which falls to what an independent
#: draw shares once the chain has mixed. Default run's graph (3,937 actors, 65,527 edges):
#: 0.266, 0.254, 0.229, 0.218, 0.212 after 1, 2, 5, 10, 20 global trades (0.19 CPU-s for
#: 10), against 0.405, 0.227, 0.214 after 1, 3, 10 igraph switching trials per edge
#: (0.38, 0.42, 0.96 CPU-s). Twitter15/16: 0.0125 after one trade and 0.0128 after 10
#: (4.1 CPU-s, conversions included), against 0.0255 after 3 switching trials per edge
#: (10.3 CPU-s).
GLOBAL_TRADES = 10


def check_global_trades(global_trades: object) -> int:
    """``global_trades`` as an int, checked.

    Raises
    ------
    InvalidInputError
        If it is not an integer >= 1 (a bool or a float is refused).

    Examples
    --------
    >>> check_global_trades(10)
    10
    """
    if isinstance(global_trades, bool) or not isinstance(global_trades, int | np.integer):
        raise InvalidInputError(f"global_trades must be an integer >= 1; got {global_trades!r}")
    if global_trades < 1:
        raise InvalidInputError(f"global_trades must be an integer >= 1; got {global_trades!r}")
    return int(global_trades)


def curveball_edges(
    n: int, u: np.ndarray, v: np.ndarray, *, global_trades: int = GLOBAL_TRADES, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """A random simple undirected graph with the degree sequence of the edges ``u < v``.

    Parameters
    ----------
    n : int
        Vertices, numbered ``0 .. n − 1``.
    u, v : numpy.ndarray of int, shape (m,)
        The observed simple undirected edges, each pair once (``u < v``, no loops).
    global_trades : int, default :data:`GLOBAL_TRADES`
        Global curveball trades (≥ 1); each pairs every vertex with another and trades
        their neighbourhoods.
    seed : int
        Seed of NetworKit's generator, in ``[0, 2**63)``; the same seed gives the same graph.

    Returns
    -------
    tuple of numpy.ndarray, each of shape (m,)
        The null's edges as ``u < v`` pairs, sorted: every vertex keeps its degree, no
        loop, no repeated pair.

    Raises
    ------
    InvalidInputError
        If ``global_trades`` < 1, the arrays differ in length, or a pair is not ``u < v``.

    Notes
    -----
    NetworKit runs on one thread here (its global setting is restored after), so the
    graph depends only on ``seed``, not on the machine or the number of worker processes.
    Cost: O(global_trades · m) for the trades, plus O(m log m) to read the edges back.

    References
    ----------
    .. [1] Carstens, C. J., Hamann, M., Meyer, U., Penschuck, M., Tran, H., & Wagner, D.
       (2018). Parallel and I/O-efficient randomisation of massive networks using global
       curveball trades. *ESA 2018*, LIPIcs 112, 11:1–11:15.
    .. [2] Strona, G., Nappo, D., Boccacci, F., Fattorini, S., & San-Miguel-Ayanz, J. (2014).
       A fast and unbiased procedure to randomize ecological binary matrices with fixed row
       and column totals. *Nature Communications* 5, 4114.

    Examples
    --------
    >>> u, v = np.array([0, 0, 1, 2]), np.array([1, 2, 2, 3])  # a triangle with a tail
    >>> a, b = curveball_edges(4, u, v, seed=1)
    >>> np.bincount(np.r_[a, b], minlength=4).tolist()  # the degrees are kept
    [2, 2, 3, 1]
    """
    global_trades = check_global_trades(global_trades)
    u = np.asarray(u, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    if u.shape != v.shape or np.any(u >= v):
        raise InvalidInputError("u and v must be equal-length arrays of pairs with u < v")
    if u.size < 2:
        return u.copy(), v.copy()
    import networkit as nk  # imported here: only the nulls need it

    threads = nk.getMaxNumberOfThreads()
    nk.setNumberOfThreads(1)
    try:
        nk.setSeed(int(seed), False)
        graph = nk.graph.GraphFromCoo(
            (np.ones(u.size), (u.astype(np.uint64), v.astype(np.uint64))), n=n, directed=False
        )
        trades = nk.randomization.GlobalCurveball(graph, global_trades)
        trades.run()
        null = trades.getGraph()
        flat = np.fromiter(
            (x for edge in null.iterEdges() for x in edge),
            dtype=np.int64,
            count=2 * null.numberOfEdges(),
        )
    finally:
        nk.setNumberOfThreads(threads)
    edges = flat.reshape(-1, 2)
    lo, hi = np.minimum(edges[:, 0], edges[:, 1]), np.maximum(edges[:, 0], edges[:, 1])
    key = np.sort(lo * np.int64(n) + hi)
    return key // n, key % n
