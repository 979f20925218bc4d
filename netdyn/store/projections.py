"""Incremental projections of the event log.

A projection is derived state that advances from the last ``event_seq`` it consumed, reading
only the events appended since. It advances in pieces of at most :data:`ADVANCE_CHUNK_EVENTS`
events; each piece's output and its progress row (``projection_progress``) are written in **one
transaction**, so a crash can never leave output without progress or progress without output,
and the next advance resumes where the last committed piece stopped. A transaction's size is
thereby bounded by the setting, not by the log: DuckDB holds a transaction's new rows and
their key index in memory until the commit (one transaction over 10^7 events failed to commit
inside a 1.5 GB ``memory_limit``).

Projections
-----------
``actor_activity`` → ``proj_actor_activity``
    Events per source and actor (upserted counts).
``interactions`` → ``proj_interactions``
    Weighted actor → target edges per source (upserted weights), the interaction graph.
``cascades`` → ``proj_items``, ``proj_cascades``, ``proj_cascade_nodes``, ``proj_forest_flags``
    In two stages with their own progress rows. First the items (nodes of the reply forest)
    are appended, piece by piece (progress ``cascade_items``). Then the cascade metrics (per
    cascade, and depth and delay per node) of every source that received new items are
    recomputed from its items (vectorised, :func:`netdyn.analytics.cascades.compute_cascades`)
    and replaced, one transaction per source, the last one also moving the ``cascades``
    progress to the items' progress. A crash between the stages leaves items ahead of the
    metrics, and the next advance recomputes the sources with items past the ``cascades``
    progress. An item whose parent arrives in a later batch is an orphan until then, and joins
    its cascade on the advance that sees the parent: out-of-order arrivals are resolved, not
    lost.

Every projection result equals what a from-scratch computation over the same events gives
(tested by ingesting a log in halves and whole).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import polars as pl

from netdyn.analytics.cascades import CASCADE_KINDS, compute_cascades
from netdyn.analytics.interaction_graph import INTERACTION_KINDS
from netdyn.core.faults import failpoint

__all__ = [
    "ADVANCE_CHUNK_EVENTS",
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

#: The most events one projection transaction consumes. DuckDB keeps a transaction's new rows
#: and their primary-key index in memory until it commits, so this bounds a commit's memory:
#: 2,000,000 events commit in well under the default 1.5 GB ``memory_limit``.
ADVANCE_CHUNK_EVENTS = 2_000_000

#: The progress row of the cascade projection's first stage (items appended).
_ITEMS_PROGRESS = "cascade_items"

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


def _append_items(con: duckdb.DuckDBPyConnection, since: int, until: int) -> int:
    """Append the items first created by events in ``(since, until]`` (first event wins)."""
    return con.execute(
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
    ).fetchall()[0][0]


def _replace_cascades(con: duckdb.DuckDBPyConnection, source: str) -> int:
    """Recompute one source's cascade metrics from its items and replace the stored ones."""
    # streamed out in record batches and sorted by polars: an ORDER BY, or a result
    # collected whole by DuckDB, would hold every item inside DuckDB's memory_limit
    # (a 10^7-event log ran out of its 1.5 GB here)
    reader = con.sql("select * from proj_items where source = ?", params=[source]).to_arrow_reader(
        _BATCH_ROWS
    )
    items = pl.from_arrow(reader.read_all()).sort("event_seq")
    result = compute_cascades(items)
    del items, reader
    con.execute("delete from proj_cascades where source = ?", [source])
    failpoint("projection-cascades-replaced")
    frame = result.cascades.select(_CASCADE_COLUMNS)
    con.register("_cascades_df", frame.to_arrow())
    con.execute(
        f"insert into proj_cascades by name select {', '.join(_CASCADE_COLUMNS)} from _cascades_df"
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
    return frame.height


_ADVANCERS = {
    "actor_activity": _advance_actor_activity,
    "interactions": _advance_interactions,
    "cascade_items": _append_items,
}


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One transaction; rolled back on any error (a failed commit has already ended it)."""
    con.execute("begin transaction")
    try:
        yield
    except BaseException:
        # a failed commit has already ended the transaction: its error is the one to raise
        with suppress(duckdb.TransactionException):
            con.execute("rollback")
        raise
    con.execute("commit")


def _advance_in_pieces(con: duckdb.DuckDBPyConnection, name: str, since: int, head: int) -> int:
    """Advance ``name`` over ``(since, head]`` one transaction per :data:`ADVANCE_CHUNK_EVENTS`."""
    written = 0
    step = max(1, int(ADVANCE_CHUNK_EVENTS))
    while since < head:
        until = min(head, since + step)
        with _transaction(con):
            written += _ADVANCERS[name](con, since, until)
            failpoint(f"projection-{name}-before-progress")
            _set_progress(con, name, until)
        since = until
    return written


def _advance_cascades(con: duckdb.DuckDBPyConnection, head: int) -> tuple[int, int]:
    """Both stages of the cascade projection; returns (from_event_seq, cascades written)."""
    since = progress(con, "cascades")
    items_since = max(progress(con, _ITEMS_PROGRESS), since)
    _advance_in_pieces(con, _ITEMS_PROGRESS, items_since, head)
    items_head = max(items_since, head)
    if items_head <= since:
        return since, 0
    sources = [
        r[0]
        for r in con.execute(
            "select distinct source from proj_items where event_seq > ? order by source", [since]
        ).fetchall()
    ]
    written = 0
    for i, source in enumerate(sources):
        with _transaction(con):
            written += _replace_cascades(con, source)
            if i == len(sources) - 1:
                failpoint("projection-cascades-before-progress")
                _set_progress(con, "cascades", items_head)
    if not sources:
        with _transaction(con):
            _set_progress(con, "cascades", items_head)
    return since, written


def advance(
    con: duckdb.DuckDBPyConnection, projection: str, *, until: int | None = None
) -> Advance:
    """Advance one projection to ``until`` (default: the log head), in bounded transactions.

    Each transaction consumes at most :data:`ADVANCE_CHUNK_EVENTS` events and writes its
    progress row with its output (the cascade metrics: one transaction per source), so a
    failure or a kill keeps every committed piece and the next call resumes after it.

    Cost: one pass over the new events, O(events) time; memory per transaction bounded by
    :data:`ADVANCE_CHUNK_EVENTS`, except the cascade metrics, which hold one source's items
    (O(items of that source)) while they are recomputed.

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
    if projection not in PROJECTIONS:
        raise ValueError(f"unknown projection {projection!r}; known: {PROJECTIONS}")
    head = log_head(con) if until is None else until
    if projection == "cascades":
        since, written = _advance_cascades(con, head)
        to = max(since, progress(con, "cascades"))
    else:
        since = progress(con, projection)
        if head <= since:
            return Advance(projection, since, since, 0)
        written = _advance_in_pieces(con, projection, since, head)
        to = head
    if to > since:
        log.info("projection %s advanced (%d, %d]: %d rows", projection, since, to, written)
    return Advance(projection, since, to, written)


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
