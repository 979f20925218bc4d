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

import hashlib
import importlib
import importlib.util
import sys
from typing import Any

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
    The observed graph is built in NetworKit once per process and reused by the next calls
    with the same edges (the trades leave it unchanged; a test holds the nulls identical to
    those of a fresh build).

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
    graph_module, randomization, engineering = _networkit()
    threads = engineering.getMaxNumberOfThreads()
    engineering.setNumberOfThreads(1)
    try:
        engineering.setSeed(int(seed), False)
        trades = randomization.GlobalCurveball(
            _observed_graph(graph_module, n, u, v), global_trades
        )
        trades.run()
        null = trades.getGraph()
        flat = np.fromiter(
            (x for edge in null.iterEdges() for x in edge),
            dtype=np.int64,
            count=2 * null.numberOfEdges(),
        )
    finally:
        engineering.setNumberOfThreads(threads)
    edges = flat.reshape(-1, 2)
    lo, hi = np.minimum(edges[:, 0], edges[:, 1]), np.maximum(edges[:, 0], edges[:, 1])
    key = np.sort(lo * np.int64(n) + hi)
    return key // n, key % n


#: The last observed graph built by :func:`_observed_graph`: (key, NetworKit graph).
_LAST_GRAPH: list[tuple[tuple[int, int, bytes], object]] = []


def _observed_graph(graph_module: Any, n: int, u: np.ndarray, v: np.ndarray) -> Any:
    """The NetworKit graph of the edges ``u < v``, rebuilt only when they change.

    An ensemble draws every null from the same observed graph, so one process builds it once
    (0.26 CPU-s of the 1.1 per null on the reddit-college graph); the key is a digest of the
    edges, and only the last graph is kept.
    """
    digest = hashlib.blake2b(u.tobytes(), digest_size=16)
    digest.update(v.tobytes())
    key = (n, u.size, digest.digest())
    if not _LAST_GRAPH or _LAST_GRAPH[0][0] != key:
        graph = graph_module.GraphFromCoo(
            (np.ones(u.size), (u.astype(np.uint64), v.astype(np.uint64))), n=n, directed=False
        )
        _LAST_GRAPH[:] = [(key, graph)]
    return _LAST_GRAPH[0][1]


def _networkit() -> tuple[Any, Any, Any]:
    """NetworKit's ``graph``, ``randomization`` and ``engineering`` modules, quickly.

    ``import networkit`` runs the package's ``__init__``, which imports all of NetworKit and
    matplotlib, networkx, pandas and scikit-learn: 3.8 s, paid by every worker process that
    draws a null. The three compiled modules the trades need take 0.6 s. So, when NetworKit
    is not imported yet, the package is registered from its spec without running its
    ``__init__``, the three modules are imported, and the ``__init__`` runs on the first
    attribute anyone else asks of the package: a later ``import networkit`` elsewhere in the
    process still gets the whole package (a test holds it).
    """
    if "networkit" not in sys.modules:
        spec = importlib.util.find_spec("networkit")
        if spec is None or spec.loader is None:  # pragma: no cover - a dependency
            raise ImportError("networkit is not installed: pip install networkit")
        package = importlib.util.module_from_spec(spec)

        def complete(name: str) -> Any:
            if importlib.util.find_spec(f"networkit.{name}") is not None:
                return importlib.import_module(f"networkit.{name}")  # a submodule
            package.__dict__.pop("__getattr__", None)
            spec.loader.exec_module(package)  # the real __init__, in the registered module
            return getattr(package, name)

        package.__getattr__ = complete  # type: ignore[method-assign]
        sys.modules["networkit"] = package
    return tuple(  # type: ignore[return-value]
        importlib.import_module(f"networkit.{name}")
        for name in ("graph", "randomization", "engineering")
    )
