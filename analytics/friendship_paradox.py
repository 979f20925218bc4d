"""The friendship paradox: most actors have fewer contacts than their contacts have.

:func:`friendship_paradox` measures, on the undirected simple contact graph, the share of
actors whose degree is below the mean degree of their neighbours, and the mean degree at the
end of a random edge, ``⟨k²⟩ / ⟨k⟩``, which exceeds ``⟨k⟩`` unless every degree is equal
(Feld 1991). One of the measures of the MoltBook studies *Do Agent Societies Develop
Intellectual Elites?* and *Does Socialization Emerge in AI Agent Society?*.

References
----------
.. [1] Feld, S. L. (1991). Why your friends have more friends than you do. *American Journal
   of Sociology* 96(6), 1464–1477.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import igraph as ig
import numpy as np
import polars as pl

from netdyn.analytics._arrays import dense_codes
from netdyn.core.errors import InvalidInputError

__all__ = ["FriendshipParadox", "friendship_paradox"]


@dataclass(frozen=True)
class FriendshipParadox:
    """The friendship paradox of a contact graph; the result of :func:`friendship_paradox`.

    Attributes
    ----------
    actors : polars.DataFrame
        One row per non-isolated actor: ``actor_id``, ``degree``, ``mean_neighbor_degree``,
        ``is_lower`` (degree strictly below the mean degree of its neighbours).
    n_actors : int
        Non-isolated actors.
    n_isolated : int
        Actors without a contact (only self-loops, or isolated vertices of a graph input).
    share_lower : float
        Share of non-isolated actors with ``is_lower``; ``nan`` if there are none.
    mean_degree : float
        ``⟨k⟩`` over non-isolated actors.
    mean_neighbor_degree : float
        Mean over actors of their neighbours' mean degree.
    edge_end_mean_degree : float
        ``⟨k²⟩ / ⟨k⟩``, the mean degree at the end of a random edge, which exceeds
        ``⟨k⟩`` unless every degree is equal (Feld 1991).
    """

    actors: pl.DataFrame
    n_actors: int
    n_isolated: int
    share_lower: float
    mean_degree: float
    mean_neighbor_degree: float
    edge_end_mean_degree: float


def friendship_paradox(
    contacts: ig.Graph | pl.DataFrame,
    *,
    columns: tuple[str, str] | None = None,
) -> FriendshipParadox:
    """Share of actors with fewer contacts than their contacts have (Feld 1991).

    Parameters
    ----------
    contacts : igraph.Graph or polars.DataFrame
        A graph (vertex attribute ``name`` used as ``actor_id`` if present, else the vertex
        index), or edges with one row per interaction.
    columns : tuple of str, optional
        The two end columns of a DataFrame. Default: ``("source_actor_id",
        "target_actor_id")`` if present, else ``("actor_id", "target_actor_id")``
        (canonical events or :func:`netdyn.analytics.interaction_graph.interaction_edges`).

    Returns
    -------
    FriendshipParadox
        Per-actor table and summary; for a graph without edges ``share_lower`` and the
        means are ``nan``.

    Raises
    ------
    InvalidInputError
        If ``contacts`` is neither a graph nor a DataFrame, or an end column is missing.

    Notes
    -----
    The contact graph is undirected and simple: direction is ignored, repeated contacts
    are one edge, self-loops are dropped, and rows with a null end are not contacts.
    Isolated actors have no neighbours, so the comparison is undefined for them; they are
    excluded from every share and mean and counted in ``n_isolated``. An actor whose
    degree equals its neighbours' mean is not ``is_lower``.

    References
    ----------
    Feld (1991).

    Examples
    --------
    >>> star = pl.DataFrame({"source_actor_id": ["hub"] * 3, "target_actor_id": ["a", "b", "c"]})
    >>> fp = friendship_paradox(star)
    >>> fp.share_lower, fp.mean_degree, fp.edge_end_mean_degree
    (0.75, 1.5, 2.0)
    """
    if isinstance(contacts, ig.Graph):
        graph = contacts.as_undirected(mode="collapse") if contacts.is_directed() else contacts
        graph = graph.simplify(multiple=True, loops=True)
        names = (
            pl.Series("actor_id", graph.vs["name"])
            if "name" in graph.vs.attributes()
            else pl.Series("actor_id", np.arange(graph.vcount(), dtype=np.int64))
        )
        pairs = np.asarray(graph.get_edgelist(), dtype=np.int64).reshape(-1, 2)
        u, v = pairs[:, 0], pairs[:, 1]
        n_vertices = graph.vcount()
    elif isinstance(contacts, pl.DataFrame):
        a, b = _end_columns(contacts, columns)
        ends = contacts.select(a=pl.col(a), b=pl.col(b)).drop_nulls()
        codes_a, codes_b = dense_codes(ends["a"], ends["b"])
        names = (
            pl.concat([ends["a"], ends["b"]]).unique().sort().rename("actor_id")
            if ends.height
            else pl.Series("actor_id", [], dtype=contacts.schema[a])
        )
        n_vertices = names.len()
        keep = codes_a != codes_b
        lo = np.minimum(codes_a[keep], codes_b[keep])
        hi = np.maximum(codes_a[keep], codes_b[keep])
        pairs = np.unique(np.column_stack([lo, hi]), axis=0) if lo.size else np.empty((0, 2))
        u, v = pairs[:, 0].astype(np.int64), pairs[:, 1].astype(np.int64)
    else:
        raise InvalidInputError(
            f"contacts must be an igraph.Graph or a polars DataFrame; got {type(contacts).__name__}"
        )
    deg = np.bincount(u, minlength=n_vertices) + np.bincount(v, minlength=n_vertices)
    nbr_sum = np.bincount(u, weights=deg[v], minlength=n_vertices) + np.bincount(
        v, weights=deg[u], minlength=n_vertices
    )
    active = deg > 0
    k = deg[active]
    mean_nbr = nbr_sum[active] / np.maximum(k, 1)
    actors = pl.DataFrame(
        {
            "actor_id": names.filter(pl.Series(active)),
            "degree": k.astype(np.int64),
            "mean_neighbor_degree": mean_nbr,
            "is_lower": k < mean_nbr,
        }
    )
    if k.size == 0:
        nan = math.nan
        return FriendshipParadox(actors, 0, int(n_vertices), nan, nan, nan, nan)
    kf = k.astype(np.float64)
    return FriendshipParadox(
        actors=actors,
        n_actors=int(k.size),
        n_isolated=int(n_vertices - k.size),
        share_lower=float(np.mean(k < mean_nbr)),
        mean_degree=float(kf.mean()),
        mean_neighbor_degree=float(mean_nbr.mean()),
        edge_end_mean_degree=float((kf @ kf) / kf.sum()),
    )


def _end_columns(frame: pl.DataFrame, columns: tuple[str, str] | None) -> tuple[str, str]:
    if columns is None:
        for pair in (("source_actor_id", "target_actor_id"), ("actor_id", "target_actor_id")):
            if all(c in frame.columns for c in pair):
                return pair
        raise InvalidInputError(
            "contacts needs source_actor_id/target_actor_id or actor_id/target_actor_id "
            f"columns, or columns=(a, b); got {frame.columns}"
        )
    missing = [c for c in columns if c not in frame.columns]
    if len(columns) != 2 or missing:
        raise InvalidInputError(f"columns must name two columns of contacts; missing {missing}")
    return columns[0], columns[1]
