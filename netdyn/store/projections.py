"""Incremental projections of the event log.

A projection is derived state that advances from the last ``event_seq`` it consumed, reading
only the events appended since. Its output and its progress row (``projection_progress``) are
written in **one transaction**, so a crash can never leave output without progress or progress
without output, and the next advance resumes where the last committed one stopped.

Projections
-----------
``actor_activity`` → ``proj_actor_activity``
    Events per source and actor (upserted counts).
``interactions`` → ``proj_interactions``
    Weighted actor → target edges per source (upserted weights), the interaction graph.
``cascades`` → ``proj_items``, ``proj_cascades``, ``proj_cascade_nodes``, ``proj_forest_flags``
    The items (nodes of the reply forest) are appended; then the cascade metrics (per cascade,
    and depth and delay per node) of every source that received new items are recomputed from
    its items (vectorised, :func:`netdyn.analytics.cascades.compute_cascades`) and replaced. An item
    whose parent arrives in a later batch is an orphan until then, and joins its cascade on the
    advance that sees the parent: out-of-order arrivals are resolved, not lost.

Every projection result equals what a from-scratch computation over the same events gives
(tested by ingesting a log in halves and whole).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import polars as pl

from netdyn.analytics.cascades import CASCADE_KINDS, compute_cascades
from netdyn.analytics.interaction_graph import INTERACTION_KINDS
from netdyn.core.faults import failpoint

__all__ = [
    "PROJECTIONS",
    "Advance",
    "advance",
    "advance_all",
    "cascade_frame",
    "progress",
    "log_head",
]

log = logging.getLogger(__name__)

#: Projection names in the order they advance.
PROJECTIONS: tuple[str, ...] = ("actor_activity", "interactions", "cascades")

#: Rows per record batch when items are read out of DuckDB for the cascade computation.
_BATCH_ROWS = 500_000

_CASCADE_COLUMNS = (
    "source",
    "cascade_id",
    "root_event_seq",
    "root_actor_id",
    "community",
    "size",
    "depth",
    "max_breadth",
    "structural_virality",
    "lifetime_seconds",
    "n_actors",
    "n_orphans",
    "started_at",
    "time_to_50pct_seconds",
    "time_to_90pct_seconds",
)


@dataclass(frozen=True)
class Advance:
    """One projection's advance: the event range it consumed and the rows it touched."""

    projection: str
    from_event_seq: int
    to_event_seq: int
    rows_written: int


def progress(con: duckdb.DuckDBPyConnection, projection: str) -> int:
    """The last ``event_seq`` the projection consumed (0 if it never ran)."""
    rows = con.execute(
        "select last_event_seq from projection_progress where projection = ?", [projection]
    ).fetchall()
    return rows[0][0] if rows else 0


def log_head(con: duckdb.DuckDBPyConnection) -> int:
    """The largest ``event_seq`` in the log (0 for an empty log)."""
    return con.execute("select coalesce(max(event_seq), 0) from events").fetchall()[0][0]


def _set_progress(con: duckdb.DuckDBPyConnection, projection: str, seq: int) -> None:
    con.execute(
        """
        insert into projection_progress values (?, ?, ?)
        on conflict (projection) do update
        set last_event_seq = excluded.last_event_seq, updated_at = excluded.updated_at
        """,
        [projection, seq, datetime.now(UTC)],
    )


def _advance_actor_activity(con: duckdb.DuckDBPyConnection, since: int, until: int) -> int:
    return con.execute(
        """
        insert into proj_actor_activity
        select source, actor_id, count(*), min(event_seq), max(event_seq)
        from events
        where event_seq > ? and event_seq <= ? and actor_id is not null
        group by source, actor_id
        on conflict (source, actor_id) do update
        set n_events = proj_actor_activity.n_events + excluded.n_events,
            first_event_seq = least(proj_actor_activity.first_event_seq, excluded.first_event_seq),
            last_event_seq = greatest(proj_actor_activity.last_event_seq, excluded.last_event_seq)
        """,
        [since, until],
    ).fetchall()[0][0]


def _advance_interactions(con: duckdb.DuckDBPyConnection, since: int, until: int) -> int:
    return con.execute(
        """
        insert into proj_interactions
        select source, actor_id, target_actor_id,
               sum(coalesce(try_cast(json_extract_string(attributes, '$.weight') as bigint), 1))
        from events
        where event_seq > ? and event_seq <= ?
          and kind in (select unnest(?))
          and actor_id is not null and target_actor_id is not null
        group by source, actor_id, target_actor_id
        on conflict (source, actor_id, target_actor_id) do update
        set weight = proj_interactions.weight + excluded.weight
        """,
        [since, until, sorted(INTERACTION_KINDS)],
    ).fetchall()[0][0]


def _advance_cascades(con: duckdb.DuckDBPyConnection, since: int, until: int) -> int:
    con.execute(
        """
        insert into proj_items
        select source, object_id, event_seq, parent_object_id, root_object_id, actor_id,
               community, occurred_at, seconds_since_root
        from (
            select *, row_number() over (partition by source, object_id order by event_seq) as nth
            from events
            where event_seq > ? and event_seq <= ? and object_id is not null
              and kind in (select unnest(?))
        )
        where nth = 1
        on conflict (source, object_id) do nothing
        """,
        [since, until, sorted(CASCADE_KINDS)],
    )
    sources = [
        r[0]
        for r in con.execute(
            """
            select distinct source from events
            where event_seq > ? and event_seq <= ? and object_id is not null
              and kind in (select unnest(?))
            order by source
            """,
            [since, until, sorted(CASCADE_KINDS)],
        ).fetchall()
    ]
    written = 0
    for source in sources:
        # streamed out in record batches and sorted by polars: an ORDER BY, or a result
        # collected whole by DuckDB, would hold every item inside DuckDB's memory_limit
        # (a 10^7-event log ran out of its 1.5 GB here)
        reader = con.sql(
            "select * from proj_items where source = ?", params=[source]
        ).to_arrow_reader(_BATCH_ROWS)
        items = pl.from_arrow(reader.read_all()).sort("event_seq")
        result = compute_cascades(items)
        con.execute("delete from proj_cascades where source = ?", [source])
        failpoint("projection-cascades-replaced")
        frame = result.cascades.select(_CASCADE_COLUMNS)
        con.register("_cascades_df", frame.to_arrow())
        con.execute(
            f"insert into proj_cascades by name select {', '.join(_CASCADE_COLUMNS)} "
            "from _cascades_df"
        )
        con.unregister("_cascades_df")
        con.execute("delete from proj_cascade_nodes where source = ?", [source])
        con.register("_nodes_df", result.nodes.to_arrow())
        con.execute("insert into proj_cascade_nodes by name select * from _nodes_df")
        con.unregister("_nodes_df")
        con.execute(
            """
            insert into proj_forest_flags values (?, ?, ?)
            on conflict (source) do update
            set n_orphan_nodes = excluded.n_orphan_nodes, n_cycle_nodes = excluded.n_cycle_nodes
            """,
            [source, result.n_orphan_nodes, result.n_cycle_nodes],
        )
        written += frame.height
    return written


_ADVANCERS = {
    "actor_activity": _advance_actor_activity,
    "interactions": _advance_interactions,
    "cascades": _advance_cascades,
}


def advance(
    con: duckdb.DuckDBPyConnection, projection: str, *, until: int | None = None
) -> Advance:
    """Advance one projection to ``until`` (default: the log head), in one transaction.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The netdyn database (the single writer).
    projection : str
        One of :data:`PROJECTIONS`.
    until : int, optional
        The ``event_seq`` to advance to.

    Returns
    -------
    Advance
        The consumed range ``(from_event_seq, to_event_seq]`` and rows written.

    Raises
    ------
    ValueError
        If ``projection`` is unknown.
    """
    if projection not in _ADVANCERS:
        raise ValueError(f"unknown projection {projection!r}; known: {PROJECTIONS}")
    head = log_head(con) if until is None else until
    since = progress(con, projection)
    if head <= since:
        return Advance(projection, since, since, 0)
    con.execute("begin transaction")
    try:
        written = _ADVANCERS[projection](con, since, head)
        failpoint(f"projection-{projection}-before-progress")
        _set_progress(con, projection, head)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    log.info("projection %s advanced (%d, %d]: %d rows", projection, since, head, written)
    return Advance(projection, since, head, written)


def advance_all(con: duckdb.DuckDBPyConnection) -> dict[str, Advance]:
    """Advance every projection to the current log head; returns each one's advance."""
    head = log_head(con)
    return {name: advance(con, name, until=head) for name in PROJECTIONS}


def cascade_frame(con: duckdb.DuckDBPyConnection, sources: list[str]) -> pl.DataFrame:
    """The current cascades of ``sources`` from the projection (one row per cascade)."""
    return con.sql(
        "select * from proj_cascades where source in (select unnest(?)) "
        "order by source, cascade_id",
        params=[sources],
    ).pl()
