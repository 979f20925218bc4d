"""The append-only event log: ``events``, ``ingest_batches`` and ``quarantine`` in DuckDB.

The log knows nothing about readers or projections. It appends batches of canonical rows
(:mod:`netdyn.store.canonical`) that a loader has *staged* in temporary tables, and reads them back
by position.

Guarantees
----------
* **Idempotent.** ``(source, source_event_id)`` is unique. A row whose key is already stored,
  or that repeats an earlier row of the same batch, is counted as a *duplicate* and not
  inserted. If its identity columns (kind, times, actors, object links) differ from the first
  row it is not a harmless repeat: it goes to ``quarantine`` as ``conflicting_duplicate``.
  Text, community and attributes may differ between snapshots of one event (vote counts,
  edited text); the first stored snapshot is kept. A rejected record already quarantined
  (same source, locator, reason and raw text) also counts as a duplicate.
* **Atomic.** A batch (its events, its quarantined rows and its ``ingest_batches`` row) is one
  transaction: all of it is stored or none. A batch that fails is recorded afterwards with
  status ``failed`` and zero inserted rows.
* **Accounted.** ``n_read = n_inserted + n_duplicate + n_quarantined`` for every committed batch.
* **Ordered.** ``event_seq`` increases in append order: within a batch it follows the staged
  position ``_pos`` (the record's place in its input), starting above the log's maximum. It may
  have gaps (rejected and duplicate records keep their positions); projections record the
  last ``event_seq`` they consumed.

* **Replies address the parent's author.** An event with a ``parent_object_id`` and no
  ``target_actor_id`` gets as its target the ``actor_id`` of the parent item: the first event
  (lowest ``event_seq``) of the same ``source`` whose ``object_id`` is the parent, looked up in
  the log, or else the first valid row of the same batch (lowest ``_pos``) that creates it. This
  is done here, once, so every reader and generator gets it. A parent whose author was deleted
  (null ``actor_id``) gives a null target (unknown), and a reply to one's own item a self-loop.
  Parents in other sources are never used.
* **Late parents stay unresolved.** The log is append-only: a reply stored before its parent
  keeps its null target; the parent arriving in a later batch changes nothing already stored.
  Such replies are counted per batch (``BatchResult.n_unresolved_targets``, and a log
  warning). Ingest parents before their replies (the ``table`` reader takes the files of an
  options file's ``[files]`` sections in the order written) to avoid them.
* **Derived targets do not break idempotency.** The derived target is not part of what is
  compared with a stored event: a staged row whose reader gave no target matches a stored
  event whose target is null or equals the target derived now (a parent's author never
  changes once stored, so the derivation only ever goes from unknown to known). Re-ingesting
  the same records therefore counts duplicates whether or not the parent had been seen the
  first time; a stored target that differs from the parent's author is a conflict.

The keys are enforced here, by the only writer, inside single-writer DuckDB transactions: an
ART unique index on ``(source, source_event_id)`` made a 10-million-row append six times slower.
``sql/invariants/`` holds the queries that check them.

Staging contract
----------------
``append_staged`` reads two temporary tables that the loader fills:

``_staged``
    ``_pos`` (BIGINT, strictly increasing within the batch), the canonical columns of
    :data:`netdyn.store.canonical.EVENT_SCHEMA` (``attributes`` as JSON text), and ``_reason`` /
    ``_detail`` / ``_raw`` (VARCHAR): null for a valid row, or the reason code of a row that
    validation rejected, with an explanation and the raw record.
``_rejects``
    ``locator``, ``reason``, ``detail``, ``raw``: records the reader could not parse at all.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import polars as pl

from netdyn.core.errors import EventLogError, RejectedShareError
from netdyn.core.faults import failpoint
from netdyn.store.canonical import EVENT_SCHEMA

__all__ = [
    "BatchResult",
    "append_staged",
    "find_committed_batch",
    "read_events",
    "EVENT_COLUMNS",
    "IDENTITY_COLUMNS",
    "RAW_LIMIT",
    "STAGED_COLUMNS",
]

log = logging.getLogger(__name__)

#: Columns that define what an event *is*; a repeat that differs in these is a conflict.
IDENTITY_COLUMNS: tuple[str, ...] = (
    "kind",
    "occurred_at",
    "seconds_since_root",
    "actor_id",
    "target_actor_id",
    "object_id",
    "parent_object_id",
    "root_object_id",
)

#: Columns of the ``events`` table, in order.
EVENT_COLUMNS: tuple[str, ...] = (
    "event_seq",
    "source",
    *EVENT_SCHEMA,
    "batch_id",
    "ingested_at",
)

#: Columns of the ``_staged`` table, in order.
STAGED_COLUMNS: tuple[str, ...] = ("_pos", *EVENT_SCHEMA, "_reason", "_detail", "_raw")

#: Raw text kept per quarantined row, in characters.
RAW_LIMIT = 65_536


@dataclass(frozen=True)
class BatchResult:
    """Counts of one appended batch (one row of ``ingest_batches``)."""

    batch_id: int
    source: str
    uri: str
    n_read: int
    n_inserted: int
    n_duplicate: int
    n_quarantined: int
    status: str  # committed | skipped (same content already committed in batch_id)
    #: inserted events with a parent and no target whose parent item is in neither the batch
    #: nor the log: their target stays null (see the module docstring)
    n_unresolved_targets: int = 0

    @property
    def rejected_share(self) -> float:
        return self.n_quarantined / self.n_read if self.n_read else 0.0


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()) -> int:
    return con.execute(sql, list(params)).fetchall()[0][0]


def append_staged(
    con: duckdb.DuckDBPyConnection,
    *,
    source: str,
    reader: str,
    uri: str,
    content_hash: str,
    check_repeats: bool = True,
    max_rejected_share: float = 1.0,
) -> BatchResult:
    """Append the staged batch (``_staged`` and ``_rejects``) to the log, in one transaction.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        An open, migrated netdyn database holding the staged temporary tables (see the module
        docstring for their columns).
    source : str
        The source label written into every event (``twitter15-16``, ``sim:platform:...``).
    reader : str
        The format or generator that produced the rows.
    uri, content_hash : str
        The input unit and the SHA-256 of its bytes.
    check_repeats : bool
        Look for keys repeated within the batch. A reader whose keys are unique by
        construction (the edge-list reader numbers repeated lines) may pass False.
    max_rejected_share : float
        Largest allowed ``n_quarantined / n_read`` (0–1). Above it nothing of the batch is
        stored and :class:`RejectedShareError` is raised.

    Returns
    -------
    BatchResult
        The batch's counts; ``n_read == n_inserted + n_duplicate + n_quarantined``.

    Raises
    ------
    RejectedShareError
        If the share of quarantined rows exceeds ``max_rejected_share``.
    EventLogError
        If the database refuses the batch; nothing of it was stored.
    ValueError
        If ``max_rejected_share`` is outside [0, 1].
    """
    if not 0.0 <= max_rejected_share <= 1.0:
        raise ValueError(f"max_rejected_share must be within [0, 1]; got {max_rejected_share}")
    started_at = datetime.now(UTC)
    batch_id = _scalar(con, "select nextval('ingest_batch_id_seq')")
    n_read = 0
    try:
        con.execute("begin transaction")
        n_staged = _scalar(con, "select count(*) from _staged")
        n_reader_rejects = _scalar(con, "select count(*) from _rejects")
        n_read = n_staged + n_reader_rejects
        has_events = _scalar(
            con,
            "select count(*) from ingest_batches where source = ? and n_inserted > 0",
            [source],
        )
        # 0. the targets of replies: the parent item's author (in the log, else the batch)
        _derive_targets(con, source=source, in_log=bool(has_events))
        identity = ", ".join(IDENTITY_COLUMNS)
        ident_differs = " or ".join(
            f"s.{c} is distinct from e.{c}" for c in IDENTITY_COLUMNS if c != "target_actor_id"
        )
        # a derived target matches a stored one that is null (its parent came later) or equal
        ident_differs += """
            or case when s._given_target is null and s.parent_object_id is not null
                    then e.target_actor_id is not null
                         and e.target_actor_id is distinct from s.target_actor_id
                    else s._given_target is distinct from e.target_actor_id end"""
        # 1. repeats inside the batch: the first row (by _pos) of each key wins
        if check_repeats:
            con.execute(
                f"""
                create or replace temp table _repeat as
                with valid as (
                    select _pos, source_event_id, hash({identity}) as ident
                    from _resolved where _reason is null
                ),
                ranked as (
                    select *,
                           first_value(ident) over w as first_ident,
                           row_number() over w as nth
                    from valid
                    window w as (partition by source_event_id order by _pos)
                )
                select _pos, ident <> first_ident as is_conflict from ranked where nth > 1
                """
            )
        else:
            con.execute("create or replace temp table _repeat (_pos bigint, is_conflict boolean)")
        # 2. keys already in the log (only if this source has events at all)
        if has_events:
            con.execute(
                f"""
                create or replace temp table _matched as
                select s._pos, ({ident_differs}) as is_conflict
                from _resolved s join events e
                  on e.source = ? and e.source_event_id = s.source_event_id
                where s._reason is null
                  and s._pos not in (select _pos from _repeat)
                """,
                [source],
            )
        else:
            con.execute("create or replace temp table _matched (_pos bigint, is_conflict boolean)")
        n_dup = _scalar(
            con,
            "select (select count(*) from _repeat where not is_conflict)"
            " + (select count(*) from _matched where not is_conflict)",
        )
        # 3. everything rejected, as quarantine rows (raw: the canonical record as JSON)
        record = ", ".join(f"{c} := {c}" for c in EVENT_SCHEMA)
        record_s = ", ".join(f"{c} := s.{c}" for c in EVENT_SCHEMA)
        con.execute(
            f"""
            create or replace temp table _q as
            select locator, reason, detail, left(raw, {RAW_LIMIT}) as raw, 0 as _pos
            from _rejects
            union all
            select ? || '#' || coalesce(source_event_id, 'record=' || _pos), _reason,
                   coalesce(_detail, _reason),
                   left(coalesce(_raw, to_json(struct_pack({record}))::varchar), {RAW_LIMIT}),
                   _pos
            from _resolved where _reason is not null
            union all
            select ? || '#' || s.source_event_id, 'conflicting_duplicate',
                   case when c.src = 'batch'
                        then 'repeats an earlier row of this batch with other identity columns'
                        else 'the log already holds this source_event_id with other identity'
                   end,
                   left(to_json(struct_pack({record_s}))::varchar, {RAW_LIMIT}), s._pos
            from _resolved s
            join (select _pos, 'batch' as src from _repeat where is_conflict
                  union all
                  select _pos, 'log' from _matched where is_conflict) c using (_pos)
            """,
            [uri, uri],
        )
        n_rejected = _scalar(con, "select count(*) from _q")
        share = n_rejected / n_read if n_read else 0.0
        if share > max_rejected_share:
            raise RejectedShareError(
                f"{uri}: {n_rejected} of {n_read} records rejected ({share:.1%}), above the "
                f"allowed {max_rejected_share:.1%}; check that --source names the right format, "
                "or raise --max-rejected-share"
            )
        # 4. the new events, positioned after everything already in the log
        offset = _scalar(
            con,
            "select (select coalesce(max(event_seq), 0) from events)"
            " - (select coalesce(min(_pos), 1) from _resolved) + 1",
        )
        columns = ", ".join(f"s.{c}" for c in EVENT_SCHEMA).replace(
            "s.attributes", "s.attributes::json"
        )
        excluded = " ".join(
            f"and s._pos not in (select _pos from {t})"
            for t in ("_repeat", "_matched")
            if _scalar(con, f"select count(*) from {t}")
        )
        failpoint("append-before-events")
        n_unresolved = (
            _scalar(
                con,
                f"""
                select count(*) from _resolved s
                where s._reason is null and s._unresolved {excluded}
                """,
            )
            if _scalar(con, "select count(*) from _target where not found")
            else 0
        )
        n_inserted = _scalar(
            con,
            f"""
            insert into events
            select ? + s._pos, ?, {columns}, ?, ?
            from _resolved s
            where s._reason is null {excluded}
            """,
            [offset, source, batch_id, started_at],
        )
        # 5. quarantine: records quarantined before by the same source count as duplicates
        n_new_rejects = _scalar(
            con,
            """
            insert into quarantine
            select (select coalesce(max(quarantine_id), 0) from quarantine)
                       + row_number() over (order by q._pos, q.locator),
                   ?, ?, q.locator, q.reason, q.detail, q.raw, ?
            from _q q
            where not exists (
                select 1 from quarantine x
                where x.source = ? and x.locator = q.locator and x.reason = q.reason
                  and x.raw is not distinct from q.raw)
            """,
            [batch_id, source, started_at, source],
        )
        failpoint("append-after-events")
        n_duplicate = n_dup + (n_rejected - n_new_rejects)
        n_quarantined = n_new_rejects
        _insert_batch(
            con,
            (batch_id, source, reader, uri, content_hash, n_read, started_at),
            status="committed",
            counts=(n_inserted, n_duplicate, n_quarantined),
        )
        failpoint("append-before-commit")
        con.execute("commit")
    except Exception as e:
        with contextlib.suppress(duckdb.Error):
            con.execute("rollback")
        _record_failed_batch(
            con, (batch_id, source, reader, uri, content_hash, n_read, started_at), e
        )
        if isinstance(e, duckdb.Error):
            raise EventLogError(f"appending {uri} failed, nothing stored: {e}") from e
        raise
    finally:
        for statement in (
            "drop view if exists _resolved",
            *(f"drop table if exists {t}" for t in ("_repeat", "_matched", "_q", "_target")),
        ):
            with contextlib.suppress(duckdb.Error):
                con.execute(statement)
    if n_read != n_inserted + n_duplicate + n_quarantined:  # pragma: no cover - a bug guard
        raise EventLogError(f"batch {batch_id} counts do not add up")
    log.info(
        "batch %d %s: read %d, inserted %d, duplicate %d, quarantined %d",
        batch_id,
        uri,
        n_read,
        n_inserted,
        n_duplicate,
        n_quarantined,
    )
    if n_unresolved:
        log.warning(
            "batch %d %s: %d inserted events reply to an item that is in neither the batch nor "
            "the log; their target_actor_id stays null (ingest parents before replies)",
            batch_id,
            uri,
            n_unresolved,
        )
    return BatchResult(
        batch_id,
        source,
        uri,
        n_read,
        n_inserted,
        n_duplicate,
        n_quarantined,
        "committed",
        n_unresolved,
    )


def _derive_targets(con: duckdb.DuckDBPyConnection, *, source: str, in_log: bool) -> None:
    """Create ``_target`` (the parent items' authors) and the view ``_resolved`` over ``_staged``.

    ``_target`` has one row per parent item referenced by a valid staged row without a target:
    ``parent_object_id``, ``target_actor_id`` (the parent's ``actor_id``, null if deleted or not
    found) and ``found``. ``_resolved`` is ``_staged`` with those targets filled in, plus
    ``_given_target`` (the target as staged) and ``_unresolved`` (the parent was not found).
    """
    needed = """
        select distinct parent_object_id from _staged
        where _reason is null and target_actor_id is null and parent_object_id is not null
    """
    if _scalar(
        con,
        "select count(*) from (select 1 from _staged where _reason is null"
        " and target_actor_id is null and parent_object_id is not null limit 1)",
    ):
        from_log = (
            """
            select object_id, actor_id, 0 as rank_source, event_seq as rank_pos from events
            where source = ? and object_id in (select parent_object_id from _needed)
            """
            if in_log
            else (
                "select null::varchar as object_id, null::varchar as actor_id, "
                "0 as rank_source, 0::bigint as rank_pos where false"
            )
        )
        con.execute(
            f"""
            create or replace temp table _target as
            with _needed as ({needed}),
            candidates as (
                {from_log}
                union all
                select object_id, actor_id, 1, _pos from _staged
                where _reason is null and object_id in (select parent_object_id from _needed)
            ),
            first_item as (
                select object_id, actor_id from candidates
                qualify row_number() over (
                    partition by object_id order by rank_source, rank_pos) = 1
            )
            select n.parent_object_id, f.actor_id as target_actor_id,
                   f.object_id is not null as found
            from _needed n left join first_item f on f.object_id = n.parent_object_id
            """,
            [source] if in_log else [],
        )
        con.execute(
            """
            create or replace temp view _resolved as
            select s.* replace (coalesce(s.target_actor_id, t.target_actor_id) as target_actor_id),
                   s.target_actor_id as _given_target,
                   coalesce(not t.found, false) as _unresolved
            from _staged s
            left join _target t
              on s._reason is null and s.target_actor_id is null
             and t.parent_object_id = s.parent_object_id
            """
        )
    else:
        con.execute(
            """
            create or replace temp table _target
            (parent_object_id varchar, target_actor_id varchar, found boolean)
            """
        )
        con.execute(
            """
            create or replace temp view _resolved as
            select *, target_actor_id as _given_target, false as _unresolved from _staged
            """
        )


def find_committed_batch(
    con: duckdb.DuckDBPyConnection, *, source: str, reader: str, content_hash: str
) -> int | None:
    """The ``batch_id`` of a committed batch with this content, or None.

    An input whose bytes (SHA-256) were already appended whole under the same source label and
    reader adds nothing when read again, so the loader skips it without reading it.
    """
    rows = con.execute(
        """
        select min(batch_id) from ingest_batches
        where source = ? and reader = ? and content_hash = ? and status = 'committed'
        """,
        [source, reader, content_hash],
    ).fetchall()
    return rows[0][0]


def _insert_batch(
    con: duckdb.DuckDBPyConnection,
    batch: tuple[int, str, str, str, str, int, datetime],
    *,
    status: str,
    counts: tuple[int, int, int] = (0, 0, 0),
    error: str | None = None,
) -> None:
    """Insert the ``ingest_batches`` row of a batch that ends now.

    ``batch`` is ``(batch_id, source, reader, uri, content_hash, n_read, started_at)``;
    ``counts`` is ``(n_inserted, n_duplicate, n_quarantined)``.
    """
    con.execute(
        """
        insert into ingest_batches (batch_id, source, reader, uri, content_hash, n_read,
            started_at, n_inserted, n_duplicate, n_quarantined, status, error, finished_at)
        values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [*batch, *counts, status, error, datetime.now(UTC)],
    )


def _record_failed_batch(
    con: duckdb.DuckDBPyConnection,
    batch: tuple[int, str, str, str, str, int, datetime],
    error: BaseException,
) -> None:
    """Record a batch that failed (``batch`` as in :func:`_insert_batch`), never raising."""
    try:
        _insert_batch(con, batch, status="failed", error=str(error)[:4000])
    except duckdb.Error:
        log.exception("could not record failed batch %d", batch[0])


def read_events(
    con: duckdb.DuckDBPyConnection,
    *,
    sources: Sequence[str] = (),
    kinds: Sequence[str] = (),
    since: int | None = None,
    until: int | None = None,
    columns: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Read events in log order.

    Parameters
    ----------
    sources, kinds : sequence of str
        Keep only these source labels / kinds (empty: all).
    since, until : int, optional
        Keep ``since < event_seq <= until`` (a projection passes its last consumed
        ``event_seq`` as ``since``).
    columns : sequence of str, optional
        Columns to return (default all).

    Returns
    -------
    polars.DataFrame
        One row per event, ordered by ``event_seq``.

    Raises
    ------
    ValueError
        If ``columns`` names a column the ``events`` table does not have.
    """
    where, params = ["true"], []
    if sources:
        where.append("source in (select unnest(?))")
        params.append(list(sources))
    if kinds:
        where.append("kind in (select unnest(?))")
        params.append(list(kinds))
    if since is not None:
        where.append("event_seq > ?")
        params.append(since)
    if until is not None:
        where.append("event_seq <= ?")
        params.append(until)
    if columns:
        unknown = set(columns) - set(EVENT_COLUMNS)
        if unknown:
            raise ValueError(f"unknown event columns {sorted(unknown)}; known: {EVENT_COLUMNS}")
    cols = ", ".join(columns) if columns else "*"
    sql = f"select {cols} from events where {' and '.join(where)} order by event_seq"
    return con.sql(sql, params=params).pl()
