"""The append-only event log: ``events``, ``ingest_batches`` and ``quarantine`` in DuckDB.

The log knows nothing about readers or projections. It appends batches of canonical rows
(:mod:`ingest.canonical`) and reads them back by position.

Guarantees
----------
* **Idempotent.** ``(source, source_event_id)`` is unique. A row whose key is already stored,
  or that repeats an earlier row of the same batch, is counted as a *duplicate* and not
  inserted. If its identity columns (kind, times, actors, object links) differ from the stored
  row it is not a harmless repeat: it goes to ``quarantine`` as ``conflicting_duplicate``.
  Text, community and attributes may differ between snapshots of one event (vote counts,
  edited text); the first stored snapshot is kept.
* **Atomic.** A batch (its events, its quarantined rows and its ``ingest_batches`` row) is one
  transaction: all of it is stored or none. A batch that fails is recorded afterwards with
  status ``failed`` and zero inserted rows.
* **Accounted.** ``n_read = n_inserted + n_duplicate + n_quarantined`` for every committed batch.
* **Ordered.** ``event_seq`` is assigned on append, gap-free, in the order the reader produced
  the rows; projections record the last ``event_seq`` they consumed.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import polars as pl

from ingest.canonical import EVENT_SCHEMA, Rejected
from netdyn.errors import EventLogError, RejectedShareError

__all__ = [
    "BatchResult",
    "append_batch",
    "find_committed_batch",
    "read_events",
    "EVENT_COLUMNS",
    "IDENTITY_COLUMNS",
    "RAW_LIMIT",
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

    @property
    def rejected_share(self) -> float:
        return self.n_quarantined / self.n_read if self.n_read else 0.0


def _split_in_batch_repeats(rows: pl.DataFrame) -> tuple[pl.DataFrame, int, pl.DataFrame]:
    """Keep the first row per key; count exact repeats; return conflicting repeats apart."""
    if rows.height == 0:
        return rows, 0, rows
    ident = pl.struct([pl.col(c) for c in IDENTITY_COLUMNS]).hash(seed=0)
    tagged = rows.with_columns(_ident=ident, _first=pl.col("source_event_id").is_first_distinct())
    first_ident = tagged.filter(pl.col("_first")).select(
        "source_event_id", pl.col("_ident").alias("_first_ident")
    )
    repeats = tagged.filter(~pl.col("_first")).join(first_ident, on="source_event_id", how="left")
    conflicting = repeats.filter(pl.col("_ident") != pl.col("_first_ident"))
    n_exact = repeats.height - conflicting.height
    keep = tagged.filter(pl.col("_first")).drop("_ident", "_first")
    return keep, n_exact, conflicting.drop("_ident", "_first", "_first_ident")


def _conflict_rejects(rows: pl.DataFrame, uri: str, why: str) -> list[Rejected]:
    out = []
    for row in rows.iter_rows(named=True):
        raw = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
        out.append(
            Rejected(
                locator=f"{uri}#{row['source_event_id']}",
                reason="conflicting_duplicate",
                detail=why,
                raw=str(raw),
            )
        )
    return out


def append_batch(
    con: duckdb.DuckDBPyConnection,
    *,
    source: str,
    reader: str,
    uri: str,
    content_hash: str,
    rows: pl.DataFrame,
    rejects: Sequence[Rejected] = (),
    max_rejected_share: float = 1.0,
) -> BatchResult:
    """Append one batch of canonical rows to the log, in one transaction.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        An open, migrated netdyn database (:func:`netdyn.db.connect`).
    source : str
        The source label written into every event (``twitter15-16``, ``sim:platform:...``).
    reader : str
        The format or generator that produced the rows.
    uri, content_hash : str
        The input unit and the SHA-256 of its bytes.
    rows : polars.DataFrame
        Canonical rows with exactly the columns of :data:`ingest.canonical.EVENT_SCHEMA`, in the
        order they should get ``event_seq``.
    rejects : sequence of Rejected
        Records the reader or validation could not convert; they go to ``quarantine``.
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
        If ``rows`` does not have the canonical columns.
    """
    if list(rows.columns) != list(EVENT_SCHEMA):
        raise ValueError(f"rows must have exactly the canonical columns {list(EVENT_SCHEMA)}")
    if not 0.0 <= max_rejected_share <= 1.0:
        raise ValueError(f"max_rejected_share must be within [0, 1]; got {max_rejected_share}")
    rows = rows.cast(EVENT_SCHEMA)  # type: ignore[arg-type]
    n_read = rows.height + len(rejects)
    keep, n_repeat, conflicts = _split_in_batch_repeats(rows)
    quarantined = list(rejects) + _conflict_rejects(
        conflicts, uri, "repeats an earlier row of this batch with different identity columns"
    )
    started_at = datetime.now(UTC)
    batch_id = con.execute("select nextval('ingest_batch_id_seq')").fetchall()[0][0]
    staged = keep.with_row_index("_rn")
    ident_differs = " or ".join(f"s.{c} is distinct from e.{c}" for c in IDENTITY_COLUMNS)
    try:
        con.execute("begin transaction")
        con.register("_staged_df", staged.to_arrow())
        con.execute("create or replace temp table _staged as select * from _staged_df")
        con.unregister("_staged_df")
        con.execute(
            f"""
            create or replace temp table _matched as
            select s._rn, ({ident_differs}) as is_conflict
            from _staged s join events e
              on e.source = ? and e.source_event_id = s.source_event_id
            """,
            [source],
        )
        n_stored_dup = con.execute(
            "select count(*) from _matched where not is_conflict"
        ).fetchall()[0][0]
        stored_conflicts = con.sql(
            "select s.* exclude (_rn) from _staged s join _matched m using (_rn) "
            "where m.is_conflict"
        ).pl()
        quarantined += _conflict_rejects(
            stored_conflicts, uri, "the log already holds this source_event_id with other identity"
        )
        share = len(quarantined) / n_read if n_read else 0.0
        if share > max_rejected_share:
            raise RejectedShareError(
                f"{uri}: {len(quarantined)} of {n_read} records rejected ({share:.1%}), above the "
                f"allowed {max_rejected_share:.1%}; check that --source names the right format, "
                "or raise --max-rejected-share"
            )
        n_inserted = con.execute(
            """
            insert into events
            select (select coalesce(max(event_seq), 0) from events)
                       + row_number() over (order by s._rn) as event_seq,
                   ? as source, s.source_event_id, s.kind, s.occurred_at, s.seconds_since_root,
                   s.actor_id, s.target_actor_id, s.object_id, s.parent_object_id,
                   s.root_object_id, s.community, s.text, s.attributes::json,
                   ? as batch_id, current_timestamp as ingested_at
            from _staged s anti join _matched m using (_rn)
            order by s._rn
            """,
            [source, batch_id],
        ).fetchall()[0][0]
        n_requarantined = 0
        if quarantined:
            q = pl.DataFrame(
                {
                    "locator": [r.locator for r in quarantined],
                    "reason": [r.reason for r in quarantined],
                    "detail": [r.detail for r in quarantined],
                    "raw": [r.raw[:RAW_LIMIT] for r in quarantined],
                }
            ).with_row_index("_rn")
            con.register("_q_df", q.to_arrow())
            # a record quarantined by an earlier batch (same locator, reason and raw text) is
            # a duplicate: re-reading a file must not grow the quarantine
            n_new_rejects = con.execute(
                """
                insert into quarantine
                select (select coalesce(max(quarantine_id), 0) from quarantine)
                           + row_number() over (order by _rn),
                       ?, ?, locator, reason, detail, raw, current_timestamp
                from _q_df q
                where not exists (
                    select 1 from quarantine x
                    where x.source = ? and x.locator = q.locator and x.reason = q.reason
                      and x.raw is not distinct from q.raw)
                order by _rn
                """,
                [batch_id, source, source],
            ).fetchall()[0][0]
            con.unregister("_q_df")
            n_requarantined = len(quarantined) - n_new_rejects
        n_duplicate = n_repeat + n_stored_dup + n_requarantined
        n_quarantined = len(quarantined) - n_requarantined
        con.execute(
            """
            insert into ingest_batches (batch_id, source, reader, uri, content_hash, n_read,
                n_inserted, n_duplicate, n_quarantined, status, started_at, finished_at)
            values (?, ?, ?, ?, ?, ?, ?, ?, ?, 'committed', ?, ?)
            """,
            [
                batch_id,
                source,
                reader,
                uri,
                content_hash,
                n_read,
                n_inserted,
                n_duplicate,
                n_quarantined,
                started_at,
                datetime.now(UTC),
            ],
        )
        con.execute("drop table if exists _staged")
        con.execute("drop table if exists _matched")
        con.execute("commit")
    except Exception as e:
        with contextlib.suppress(duckdb.Error):
            con.execute("rollback")
        _record_failed_batch(
            con, batch_id, source, reader, uri, content_hash, n_read, started_at, e
        )
        if isinstance(e, RejectedShareError):
            raise
        if isinstance(e, duckdb.Error):
            raise EventLogError(f"appending {uri} failed, nothing stored: {e}") from e
        raise
    assert n_read == n_inserted + n_duplicate + n_quarantined
    result = BatchResult(
        batch_id, source, uri, n_read, n_inserted, n_duplicate, n_quarantined, "committed"
    )
    log.info(
        "batch %d %s: read %d, inserted %d, duplicate %d, quarantined %d",
        batch_id,
        uri,
        n_read,
        n_inserted,
        n_duplicate,
        n_quarantined,
    )
    return result


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


def _record_failed_batch(
    con: duckdb.DuckDBPyConnection,
    batch_id: int,
    source: str,
    reader: str,
    uri: str,
    content_hash: str,
    n_read: int,
    started_at: datetime,
    error: BaseException,
) -> None:
    try:
        con.execute(
            """
            insert into ingest_batches (batch_id, source, reader, uri, content_hash, n_read,
                status, error, started_at, finished_at)
            values (?, ?, ?, ?, ?, ?, 'failed', ?, ?, ?)
            """,
            [
                batch_id,
                source,
                reader,
                uri,
                content_hash,
                n_read,
                str(error)[:4000],
                started_at,
                datetime.now(UTC),
            ],
        )
    except duckdb.Error:
        log.exception("could not record failed batch %d", batch_id)


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
