"""The actor interaction graph and per-actor degree and coreness.

An edge runs from the actor of an event to its ``target_actor_id`` — the author of the item
replied to, commented on or reshared, or the recipient of a message. Repeated interactions
between the same ordered pair are one edge with ``weight`` = the number of interactions
(aggregated source rows contribute their ``attributes.weight``). :func:`event_edges` keeps the
interactions apart instead, one timestamped edge per event, for measures of growth in time
(:mod:`netdyn.analytics.attachment_kernel`, :mod:`netdyn.analytics.friendship_paradox`).

Conventions
-----------
* Kinds counted as interactions: :data:`INTERACTION_KINDS` (mentions are left out by default:
  in scraped data they are often regex fragments, not people).
* Self-interactions (replying to oneself) are kept as a loop edge with its weight but do not
  count toward degree or coreness.
* ``in_degree`` / ``out_degree`` count distinct neighbours; ``in_strength`` / ``out_strength``
  count interactions. ``coreness`` is the k-core index of the undirected simple graph
  (Batagelj & Zaversnik 2003), computed by igraph.

References
----------
.. [1] Seidman, S. B. (1983). Network structure and minimum degree. *Social Networks* 5(3).
.. [2] Batagelj, V., & Zaversnik, M. (2003). An O(m) algorithm for cores decomposition of
   networks. arXiv:cs/0310049.
"""

from __future__ import annotations

from collections.abc import Iterable

import igraph as ig
import numpy as np
import polars as pl

from netdyn.core.errors import InvalidInputError

__all__ = [
    "INTERACTION_KINDS",
    "interaction_edges",
    "build_interaction_graph",
    "actor_metrics",
    "actor_metrics_from_edges",
    "event_edges",
]

#: Event kinds that make an edge actor → target_actor.
INTERACTION_KINDS: frozenset[str] = frozenset({"comment", "reply", "retweet", "message"})


def interaction_edges(
    events: pl.DataFrame, *, kinds: Iterable[str] = INTERACTION_KINDS
) -> pl.DataFrame:
    """Aggregate events into weighted directed actor → target edges.

    Parameters
    ----------
    events : polars.DataFrame
        Events with ``kind``, ``actor_id``, ``target_actor_id`` and ``attributes`` (JSON text).
    kinds : iterable of str
        Event kinds that count as interactions.

    Returns
    -------
    polars.DataFrame
        One row per ordered actor pair: ``actor_id``, ``target_actor_id``, ``weight`` (int64,
        number of interactions). Events without an actor or a target are not edges.
    """
    weight = (
        pl.col("attributes").str.json_path_match("$.weight").cast(pl.Int64, strict=False)
        if "attributes" in events.columns
        else pl.lit(None, dtype=pl.Int64)
    )
    return (
        events.filter(
            pl.col("kind").is_in(sorted(set(kinds)))
            & pl.col("actor_id").is_not_null()
            & pl.col("target_actor_id").is_not_null()
        )
        .with_columns(_w=weight.fill_null(1))
        .group_by("actor_id", "target_actor_id")
        .agg(weight=pl.col("_w").sum().cast(pl.Int64))
        .sort("actor_id", "target_actor_id")
    )


def build_interaction_graph(edges: pl.DataFrame, actors: Iterable[str] = ()) -> ig.Graph:
    """A directed igraph Graph from aggregated edges.

    Parameters
    ----------
    edges : polars.DataFrame
        ``actor_id``, ``target_actor_id``, ``weight`` (from :func:`interaction_edges`).
    actors : iterable of str
        Extra actors to include as isolated vertices (active actors without interactions).

    Returns
    -------
    igraph.Graph
        Directed; vertex attribute ``name`` (actor id), edge attribute ``weight``. Vertices are
        ordered by actor id.
    """
    names = (
        pl.concat(
            [
                edges.select(pl.col("actor_id").alias("name")),
                edges.select(pl.col("target_actor_id").alias("name")),
                pl.DataFrame({"name": list(actors)}, schema={"name": pl.String}),
            ]
        )
        .unique()
        .sort("name")
        .with_row_index("v")
    )
    ends = edges.join(names.rename({"name": "actor_id", "v": "_s"}), on="actor_id").join(
        names.rename({"name": "target_actor_id", "v": "_t"}), on="target_actor_id"
    )
    graph = ig.Graph(
        n=names.height,
        edges=np.column_stack([ends["_s"].to_numpy(), ends["_t"].to_numpy()]).tolist(),
        directed=True,
    )
    graph.vs["name"] = names["name"].to_list()
    graph.es["weight"] = ends["weight"].to_list()
    return graph


def actor_metrics(
    events: pl.DataFrame, *, kinds: Iterable[str] = INTERACTION_KINDS
) -> pl.DataFrame:
    """Per-actor activity, degree, strength and coreness.

    Parameters
    ----------
    events : polars.DataFrame
        Events with ``kind``, ``actor_id``, ``target_actor_id``, ``attributes``.
    kinds : iterable of str
        Event kinds that count as interactions.

    Returns
    -------
    polars.DataFrame
        One row per actor who acted or was addressed: ``actor_id``, ``n_events`` (events the
        actor performed, all kinds), ``in_degree``, ``out_degree`` (distinct neighbours, loops
        excluded), ``in_strength``, ``out_strength`` (interactions, loops excluded),
        ``coreness`` (k-core index of the undirected simple graph without loops). Ordered by
        ``actor_id``.

    Examples
    --------
    >>> ev = pl.DataFrame({"kind": ["reply"] * 3, "actor_id": ["a", "b", "c"],
    ...                    "target_actor_id": ["b", "c", "a"], "attributes": [None] * 3},
    ...                   schema_overrides={"attributes": pl.String})
    >>> actor_metrics(ev)["coreness"].to_list()
    [2, 2, 2]
    """
    edges = interaction_edges(events, kinds=kinds)
    active = (
        events.filter(pl.col("actor_id").is_not_null()).group_by("actor_id").agg(n_events=pl.len())
    )
    return actor_metrics_from_edges(edges, active)


def actor_metrics_from_edges(edges: pl.DataFrame, activity: pl.DataFrame) -> pl.DataFrame:
    """Per-actor metrics from aggregated edges and activity counts.

    Parameters
    ----------
    edges : polars.DataFrame
        One row per ordered pair: ``actor_id``, ``target_actor_id``, ``weight``
        (:func:`interaction_edges`, or the ``proj_interactions`` projection).
    activity : polars.DataFrame
        One row per actor: ``actor_id``, ``n_events``.

    Returns
    -------
    polars.DataFrame
        As :func:`actor_metrics`: one row per actor in either input, ordered by ``actor_id``.
    """
    active = activity.select("actor_id", "n_events")
    graph = build_interaction_graph(edges, actors=active["actor_id"].to_list())
    simple = graph.as_undirected(mode="collapse")
    simple.simplify(multiple=True, loops=True)
    coreness = pl.DataFrame(
        {"actor_id": graph.vs["name"], "coreness": simple.coreness()},
        schema={"actor_id": pl.String, "coreness": pl.Int32},
    )
    proper = edges.filter(pl.col("actor_id") != pl.col("target_actor_id"))
    out_stats = proper.group_by("actor_id").agg(
        out_degree=pl.len(), out_strength=pl.col("weight").sum()
    )
    in_stats = proper.group_by(pl.col("target_actor_id").alias("actor_id")).agg(
        in_degree=pl.len(), in_strength=pl.col("weight").sum()
    )
    return (
        coreness.join(active, on="actor_id", how="left")
        .join(out_stats, on="actor_id", how="left")
        .join(in_stats, on="actor_id", how="left")
        .select(
            "actor_id",
            pl.col("n_events").fill_null(0).cast(pl.Int64),
            pl.col("in_degree").fill_null(0).cast(pl.Int64),
            pl.col("out_degree").fill_null(0).cast(pl.Int64),
            pl.col("in_strength").fill_null(0).cast(pl.Int64),
            pl.col("out_strength").fill_null(0).cast(pl.Int64),
            "coreness",
        )
        .sort("actor_id")
    )


def event_edges(events: pl.DataFrame, *, kinds: Iterable[str] = INTERACTION_KINDS) -> pl.DataFrame:
    """Timestamped actor → target contact edges of canonical events.

    Parameters
    ----------
    events : polars.DataFrame
        Canonical events with ``kind``, ``actor_id``, ``target_actor_id``, ``occurred_at``.
    kinds : iterable of str, default :data:`netdyn.analytics.interaction_graph.INTERACTION_KINDS`
        Event kinds that are contacts.

    Returns
    -------
    polars.DataFrame
        One row per event of those kinds with both actors: ``source_actor_id``,
        ``target_actor_id``, ``occurred_at`` (as in the events, possibly null), in the
        events' order. Not aggregated: a repeated contact is another edge.

    Raises
    ------
    InvalidInputError
        If a column is missing.

    Examples
    --------
    >>> ev = pl.DataFrame({"kind": ["post", "reply"], "actor_id": ["a", "b"],
    ...                    "target_actor_id": [None, "a"], "occurred_at": [0.0, 5.0]})
    >>> event_edges(ev).rows()
    [('b', 'a', 5.0)]
    """
    needed = ("kind", "actor_id", "target_actor_id", "occurred_at")
    missing = [c for c in needed if c not in events.columns]
    if missing:
        raise InvalidInputError(f"events lacks columns {missing}")
    return events.filter(
        pl.col("kind").is_in(sorted(set(kinds)))
        & pl.col("actor_id").is_not_null()
        & pl.col("target_actor_id").is_not_null()
    ).select(
        source_actor_id="actor_id",
        target_actor_id="target_actor_id",
        occurred_at="occurred_at",
    )
