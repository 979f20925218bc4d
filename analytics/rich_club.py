"""The rich club: how densely the high-degree vertices link among themselves.

:func:`rich_club` gives the rich-club coefficient ``φ(k)`` of every degree ``k`` — the
density of the subgraph of vertices of degree greater than ``k`` (Zhou & Mondragón 2004) —
and its ratio to the mean over degree-preserving randomisations (Colizza et al. 2006),
which removes the part of ``φ(k)`` that the degrees alone imply: even a random graph has
``φ(k)`` rising with ``k``.

Conventions: the undirected simple graph is used (directions dropped, loops and repeated
edges removed, weights ignored); randomisations are global curveball trades
(:mod:`netdyn.analytics.curveball`) seeded through :class:`numpy.random.SeedSequence`, one
child per randomisation, so results do not depend on ``n_jobs``.

References
----------
.. [1] Zhou, S., & Mondragón, R. J. (2004). The rich-club phenomenon in the Internet
   topology. *IEEE Communications Letters* 8(3), 180–182.
.. [2] Colizza, V., Flammini, A., Serrano, M. A., & Vespignani, A. (2006). Detecting
   rich-club ordering in complex networks. *Nature Physics* 2, 110–115.
.. [3] Maslov, S., & Sneppen, K. (2002). Specificity and stability in topology of protein
   networks. *Science* 296, 910–913.
"""

from __future__ import annotations

from typing import Any

import igraph as ig
import numpy as np
import polars as pl

from netdyn.analytics.core_periphery import (
    _check_count,
    _check_graph,
    _check_jobs,
    _chunks,
    _edge_array,
    _null_edges,
    _run_chunks,
    _simple_undirected,
)
from netdyn.analytics.curveball import GLOBAL_TRADES, check_global_trades

__all__ = ["rich_club"]


def rich_club(
    graph: ig.Graph,
    *,
    n_randomisations: int = 20,
    global_trades: int = GLOBAL_TRADES,
    seed: int | np.random.SeedSequence | None = None,
    n_jobs: int | None = None,
) -> pl.DataFrame:
    """The rich-club coefficient of every degree, raw and normalised by randomisations.

    Parameters
    ----------
    graph : igraph.Graph
        Any graph; its undirected simple version is used (see Notes).
    n_randomisations : int, default 20
        Degree-preserving randomisations for the normalisation, ≥ 0 (0: raw coefficient
        only, the random columns are null).
    global_trades : int, default :data:`netdyn.analytics.curveball.GLOBAL_TRADES`
        Global curveball trades per randomisation
        (:func:`netdyn.analytics.curveball.curveball_edges`).
    seed : int, numpy.random.SeedSequence or None, default None
        Root of the randomisations' seeds.
    n_jobs : int, optional
        Worker processes, ≥ 1; default :func:`os.cpu_count`. The result does not depend on
        it.

    Returns
    -------
    polars.DataFrame
        One row per degree ``k = 0, 1, ...`` while at least two vertices have degree > k:
        ``degree`` (k), ``n_rich`` (vertices of degree > k), ``n_rich_edges`` (edges among
        them), ``phi`` (``2 n_rich_edges / (n_rich (n_rich − 1))``), ``phi_random_mean`` and
        ``phi_random_sd`` (mean and sample sd over the randomisations), ``phi_normalised``
        (``phi / phi_random_mean``; NaN where that mean is 0) and ``n_randomisations``. A
        graph without edges gives an empty frame.

    Raises
    ------
    InvalidInputError
        If ``graph`` is not an igraph Graph, or ``n_randomisations``, ``global_trades`` or
        ``n_jobs`` is out of range.

    Notes
    -----
    *Graph.* Directions are dropped, loops and repeated edges removed, weights ignored; the
    raw ``phi`` then equals ``networkx.rich_club_coefficient(G, normalized=False)`` key by
    key (Zhou & Mondragón 2004, with degree *greater than* k).

    *Normalisation* (Colizza et al. 2006). ``phi_normalised = φ(k) / ⟨φ_rand(k)⟩`` over
    ``n_randomisations`` independent degree-preserving randomisations of the graph, each
    started from the observed graph: uniform samples of the simple graphs with its degree
    sequence by global curveball trades (Carstens et al. 2018), where Colizza et al. used
    edge switching (Maslov & Sneppen 2002) and networkx uses 100 switches per edge and a
    single randomisation. Degrees are preserved, so every randomisation has the same
    ``n_rich``. Values above 1 indicate rich-club
    ordering beyond what the degrees imply.

    *A fixed number of randomisations.* The normalisation is a ratio to a mean, not a test,
    so there is no decision to stop on (a sequential Monte-Carlo test,
    :mod:`netdyn.analytics.monte_carlo`, serves p-values). Each randomisation only costs
    its trades (nothing is refitted). The
    closed-form expectation for uncorrelated networks, ``φ_unc(k) ≈ k² / (⟨k⟩ n)``
    (Colizza et al. 2006), ignores the structural cut-off of simple graphs with hubs and is
    not used.

    *Cost*: O(m) for the raw coefficient; O(n_randomisations · global_trades · m) for the
    normalisation.

    References
    ----------
    Zhou & Mondragón (2004); Colizza et al. (2006); Carstens et al. (2018).

    Examples
    --------
    >>> g = ig.Graph([(0, 1), (0, 2), (1, 2), (1, 3), (1, 4), (4, 5)])
    >>> rich_club(g, n_randomisations=0)["phi"].to_list()
    [0.4, 0.6666666666666666]
    """
    graph = _check_graph(graph)
    n_rand = _check_count("n_randomisations", n_randomisations, 0)
    trades = check_global_trades(global_trades)
    n_jobs = _check_jobs(n_jobs)
    n = graph.vcount()
    u, v = _simple_undirected(n, _edge_array(graph))
    schema = {
        "degree": pl.Int64, "n_rich": pl.Int64, "n_rich_edges": pl.Int64, "phi": pl.Float64,
        "phi_random_mean": pl.Float64, "phi_random_sd": pl.Float64,
        "phi_normalised": pl.Float64, "n_randomisations": pl.Int64,
    }  # fmt: skip
    if u.size == 0:
        return pl.DataFrame(schema=schema)
    degree = np.bincount(np.concatenate([u, v]), minlength=n)
    n_rich = n - np.cumsum(np.bincount(degree))
    n_rich = n_rich[n_rich > 1]  # degrees k = 0 .. K with at least two richer vertices
    n_edges = _rich_edges(degree, u, v, n_rich.size)
    phi = _phi(n_edges, n_rich)
    mean = sd = np.full(n_rich.size, np.nan)
    if n_rand > 0:
        root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        seeds = root.spawn(n_rand)
        tasks = [(n, u, v, trades, n_rich, list(part)) for part in _chunks(seeds, n_jobs)]
        rand = np.concatenate(
            _run_chunks(
                _rich_club_chunk,
                tasks,
                n_jobs,
                label="rich-club randomisations",
                units=[len(t[-1]) for t in tasks],
            ),
            axis=0,
        )
        mean = rand.mean(axis=0)
        sd = rand.std(axis=0, ddof=1) if n_rand > 1 else np.full(n_rich.size, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        normalised = np.where(mean > 0, phi / np.where(mean > 0, mean, 1.0), np.nan)
    out = pl.DataFrame(
        {
            "degree": np.arange(n_rich.size, dtype=np.int64),
            "n_rich": n_rich.astype(np.int64),
            "n_rich_edges": n_edges.astype(np.int64),
            "phi": phi,
            "phi_random_mean": mean,
            "phi_random_sd": sd,
            "phi_normalised": normalised,
            "n_randomisations": np.full(n_rich.size, n_rand, dtype=np.int64),
        },
        schema=schema,
    )
    if n_rand == 0:  # not computed: null, not NaN
        out = out.with_columns(
            pl.lit(None, dtype=pl.Float64).alias(c)
            for c in ("phi_random_mean", "phi_random_sd", "phi_normalised")
        )
    return out


def _rich_edges(degree: np.ndarray, u: np.ndarray, v: np.ndarray, n_k: int) -> np.ndarray:
    """Edges whose endpoints both have degree > k, for k = 0 .. n_k − 1."""
    low = np.minimum(degree[u], degree[v])  # an edge is rich at k < low
    at_most = np.cumsum(np.bincount(low, minlength=n_k))[:n_k]  # edges with low ≤ k
    return u.size - at_most


def _phi(n_edges: np.ndarray, n_rich: np.ndarray) -> np.ndarray:
    return 2.0 * n_edges / (n_rich.astype(float) * (n_rich - 1).astype(float))


def _rich_club_chunk(task: tuple[Any, ...]) -> np.ndarray:
    n, u, v, trades, n_rich, seeds = task
    out = np.empty((len(seeds), n_rich.size))
    for i, s in enumerate(seeds):
        ru, rv = _null_edges(n, u, v, trades, np.random.default_rng(s))
        degree = np.bincount(np.concatenate([ru, rv]), minlength=n)
        out[i] = _phi(_rich_edges(degree, ru, rv, n_rich.size), n_rich)
    return out
