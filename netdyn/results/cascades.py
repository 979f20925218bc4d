"""Result writers for the cascades of a run and the per-actor metrics of its interaction graph.

Each writer brings the projections it needs up to the log head (:mod:`netdyn.store.projections`),
reads them, calls a pure method of :mod:`netdyn.analytics`, and replaces the run's rows of one
result table in a single transaction, so a retried task never duplicates rows and a failed one
leaves no partial output."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from netdyn.analytics.interaction_graph import actor_metrics_from_edges
from netdyn.core.faults import failpoint
from netdyn.results.rows import replace_run_rows
from netdyn.store.projections import advance, cascade_frame

__all__ = ["write_cascades", "write_actor_metrics"]


def write_cascades(
    con: duckdb.DuckDBPyConnection, run_id: str, sources: Sequence[str]
) -> dict[str, int]:
    """Store the current cascades of ``sources`` for ``run_id``.

    The ``cascades`` projection is advanced to the log head first (a no-op when it is
    current), then its rows for ``sources`` are copied under ``run_id``: one row per cascade
    into ``cascades`` and one row per cascade node (depth, delay) into ``cascade_nodes``, in
    one transaction.

    Returns
    -------
    dict
        ``n_cascades``, ``n_cascade_nodes``, ``n_orphan_nodes``, ``n_cycle_nodes`` (summed
        over ``sources``).
    """
    advance(con, "cascades")
    chosen = list(sources)
    frame = cascade_frame(con, chosen).sort(["size", "cascade_id"], descending=[True, False])
    con.execute("begin transaction")
    try:
        con.execute("delete from cascade_nodes where run_id = ?", [run_id])
        con.execute(
            """
            insert into cascade_nodes by name
            select ? as run_id, source, object_id, cascade_id, depth, delay_seconds
            from proj_cascade_nodes where source in (select unnest(?))
            """,
            [run_id, chosen],
        )
        n_nodes = con.execute(
            "select count(*) from cascade_nodes where run_id = ?", [run_id]
        ).fetchall()[0][0]
        n = replace_run_rows(con, "cascades", run_id, frame, in_transaction=True)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    flags = con.execute(
        """
        select coalesce(sum(n_orphan_nodes), 0), coalesce(sum(n_cycle_nodes), 0)
        from proj_forest_flags where source in (select unnest(?))
        """,
        [chosen],
    ).fetchall()[0]
    return {
        "n_cascades": n,
        "n_cascade_nodes": int(n_nodes),
        "n_orphan_nodes": int(flags[0]),
        "n_cycle_nodes": int(flags[1]),
    }


def write_actor_metrics(
    con: duckdb.DuckDBPyConnection, run_id: str, sources: Sequence[str]
) -> dict[str, int]:
    """Store per-actor metrics of the interaction graph of ``sources`` for ``run_id``.

    The ``actor_activity`` and ``interactions`` projections are advanced to the log head first;
    degrees, strengths and coreness are computed from them over the union of ``sources``.

    Returns
    -------
    dict
        ``n_actors``, ``n_edges`` (distinct ordered pairs with at least one interaction,
        self-loops excluded).
    """
    failpoint("results-before-actor-metrics")
    advance(con, "actor_activity")
    advance(con, "interactions")
    chosen = list(sources)
    edges = con.sql(
        """
        select actor_id, target_actor_id, sum(weight)::bigint as weight from proj_interactions
        where source in (select unnest(?)) group by actor_id, target_actor_id
        order by actor_id, target_actor_id
        """,
        params=[chosen],
    ).pl()
    activity = con.sql(
        """
        select actor_id, sum(n_events)::bigint as n_events from proj_actor_activity
        where source in (select unnest(?)) group by actor_id
        """,
        params=[chosen],
    ).pl()
    metrics = actor_metrics_from_edges(edges, activity)
    n = replace_run_rows(con, "actor_metrics", run_id, metrics)
    n_edges = int(metrics["out_degree"].sum()) if n else 0
    return {"n_actors": n, "n_edges": n_edges}
