"""Loading: reader → validation → event log, one batch per input unit.

This is the only place that wires the three layers together; flows call :func:`ingest_unit`
once per input unit (each a retriable task). Readers come in two kinds:

* *row readers* (``ReaderSpec.read``) yield :class:`netdyn.store.canonical.Chunk` objects, which are
  staged from an Arrow table;
* *SQL readers* (``ReaderSpec.stage``) stage their rows inside DuckDB directly (tabular
  formats: edge lists, CSV, Parquet, NDJSON), streaming the file without Python row objects.

Either way validation is applied as one SQL expression while staging, and the event log
appends the staged batch in one transaction (:func:`netdyn.store.eventlog.append_staged`).

An input file whose SHA-256 was already committed under the same source label and reader is
recognised before it is read and skipped (a ``skipped`` result that points at the earlier
batch). ``force=True`` re-reads it; the event log then counts every row as a duplicate.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from netdyn.core import progress
from netdyn.core.errors import InvalidInputError
from netdyn.ingest.readers import ReaderSpec, StagedInput, get_reader
from netdyn.ingest.validate import validation_sql
from netdyn.store.canonical import EVENT_SCHEMA, Chunk, sha256_file
from netdyn.store.eventlog import BatchResult, append_staged, find_committed_batch

__all__ = [
    "ingest_chunk",
    "ingest_unit",
    "ingest_path",
    "stage_chunk",
    "DEFAULT_MAX_REJECTED_SHARE",
]

log = logging.getLogger(__name__)

#: Default ceiling on the share of a batch's records that may be quarantined.
DEFAULT_MAX_REJECTED_SHARE = 0.5

_REJECT_SCHEMA = {"locator": pl.String, "reason": pl.String, "detail": pl.String, "raw": pl.String}


def _skipped(batch_id: int, source: str, uri: str) -> BatchResult:
    log.info("skipping %s: its content was committed in batch %d", uri, batch_id)
    return BatchResult(batch_id, source, uri, 0, 0, 0, 0, "skipped")


def stage_chunk(
    con: duckdb.DuckDBPyConnection, chunk: Chunk, *, now: datetime | None = None
) -> None:
    """Stage a row reader's chunk as ``_staged`` / ``_rejects``, validating every row.

    ``_pos`` is the row's 1-based position in the chunk (the reader's order).
    """
    frame = chunk.rows.to_frame().with_row_index("_pos", offset=1)
    rejects = pl.DataFrame(
        {
            "locator": [r.locator for r in chunk.rejects],
            "reason": [r.reason for r in chunk.rejects],
            "detail": [r.detail for r in chunk.rejects],
            "raw": [r.raw for r in chunk.rejects],
        },
        schema=_REJECT_SCHEMA,
    )
    reason, detail = validation_sql(now)
    columns = ", ".join(EVENT_SCHEMA)
    con.register("_chunk_rows", frame.to_arrow())
    con.register("_chunk_rejects", rejects.to_arrow())
    try:
        con.execute(
            f"""
            create or replace temp table _staged as
            select _pos::bigint as _pos, {columns}, {reason} as _reason, {detail} as _detail,
                   null::varchar as _raw
            from _chunk_rows
            """
        )
        con.execute("create or replace temp table _rejects as select * from _chunk_rejects")
    finally:
        con.unregister("_chunk_rows")
        con.unregister("_chunk_rejects")


def _drop_staged(con: duckdb.DuckDBPyConnection, temporary: tuple[str, ...] = ()) -> None:
    for statement in (
        "drop view if exists _staged",
        "drop table if exists _staged",
        "drop table if exists _rejects",
        *(f"drop table if exists {t}" for t in temporary),
    ):
        with contextlib.suppress(duckdb.Error):
            con.execute(statement)


def ingest_chunk(
    con: duckdb.DuckDBPyConnection,
    chunk: Chunk,
    *,
    source: str,
    reader: str,
    max_rejected_share: float = DEFAULT_MAX_REJECTED_SHARE,
    force: bool = False,
) -> BatchResult:
    """Validate one row reader's chunk and append it to the log as one batch.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        An open, migrated netdyn database.
    chunk : Chunk
        What a reader or generator made of one input unit.
    source, reader : str
        The events' source label and the format or generator name.
    max_rejected_share : float
        Fail the batch (storing nothing) if more than this share of records is rejected.
    force : bool
        Append even if a batch with the same content hash was already committed.

    Returns
    -------
    BatchResult
        Counts of the batch (``n_read == n_inserted + n_duplicate + n_quarantined``), or a
        ``skipped`` result with zero counts pointing at the earlier batch.

    Raises
    ------
    RejectedShareError
        If more than ``max_rejected_share`` of the chunk's records are rejected.
    EventLogError
        If the database refuses the batch.
    """
    if not force:
        earlier = find_committed_batch(
            con, source=source, reader=reader, content_hash=chunk.content_hash
        )
        if earlier is not None:
            return _skipped(earlier, source, chunk.uri)
    try:
        stage_chunk(con, chunk)
        return append_staged(
            con,
            source=source,
            reader=reader,
            uri=chunk.uri,
            content_hash=chunk.content_hash,
            max_rejected_share=max_rejected_share,
        )
    finally:
        _drop_staged(con)


def ingest_unit(
    con: duckdb.DuckDBPyConnection,
    spec: ReaderSpec,
    unit: Path,
    *,
    source: str,
    max_rejected_share: float = DEFAULT_MAX_REJECTED_SHARE,
    force: bool = False,
) -> list[BatchResult]:
    """Read one input unit (a file, or a folder the reader walks) and append its batches.

    A file already committed with the same SHA-256 is skipped before it is read. A file a
    reader splits into several batches gets, after its last batch, an empty marker batch
    carrying the whole file's hash, so that it too is skipped unread next time.

    Returns
    -------
    list of BatchResult
        One per batch (a single ``skipped`` result for a skipped file).

    Raises
    ------
    UnknownFormatError
        If the unit is not in the reader's format.
    RejectedShareError, EventLogError
        As :func:`netdyn.store.eventlog.append_staged`.
    """
    content_hash = sha256_file(str(unit)) if unit.is_file() else None
    if content_hash is not None and not force:
        earlier = find_committed_batch(
            con, source=source, reader=spec.name, content_hash=content_hash
        )
        if earlier is not None:
            return [_skipped(earlier, source, str(unit.resolve()))]
    if spec.stage is not None:
        if content_hash is None:
            raise InvalidInputError(f"{unit} is not a file; the {spec.name} reader reads files")
        staged = StagedInput()
        try:
            with progress.task(f"load {unit.name}", total=1) as bar:
                staged = spec.stage(con, unit)
                result = append_staged(
                    con,
                    source=source,
                    reader=spec.name,
                    uri=str(unit.resolve()),
                    content_hash=content_hash,
                    check_repeats=staged.check_repeats,
                    max_rejected_share=max_rejected_share,
                )
                bar.advance()
            return [result]
        finally:
            _drop_staged(con, staged.temporary)
    results: list[BatchResult] = []
    with progress.task(f"load {unit.name} (batches)") as bar:
        for chunk in spec.read(unit):
            results.append(
                ingest_chunk(
                    con,
                    chunk,
                    source=source,
                    reader=spec.name,
                    max_rejected_share=max_rejected_share,
                    force=force,
                )
            )
            bar.advance()
    if content_hash is not None and any(r.uri != str(unit.resolve()) for r in results):
        # the file was appended as several batches (blocks of a large NDJSON file): once all
        # of them are in, record the whole file's hash so the next ingest skips it unread
        marker = Chunk(uri=str(unit.resolve()), content_hash=content_hash)
        ingest_chunk(con, marker, source=source, reader=spec.name, force=True)
    return results


def ingest_path(
    con: duckdb.DuckDBPyConnection,
    fmt: str,
    path: str | Path,
    *,
    label: str | None = None,
    max_rejected_share: float = DEFAULT_MAX_REJECTED_SHARE,
    force: bool = False,
    options: Mapping[str, str] | None = None,
) -> list[BatchResult]:
    """Read ``path`` with the reader for ``fmt`` and append every input unit as a batch.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        An open, migrated netdyn database.
    fmt : str
        A reader name of :data:`netdyn.ingest.readers.READERS` (``twitter15-16``, ``moltbook-api``,
        ``moltbook-observatory``, ``edgelist``, ...).
    path : str or Path
        A file or folder in that format.
    label : str, optional
        The ``source`` label for the events (default: the reader's, e.g. ``twitter15-16`` or
        ``edgelist:<file stem>``).
    max_rejected_share : float
        Fail a batch that rejects more than this share of its records.
    force : bool
        Re-read inputs whose content was already committed.
    options : mapping of str to str, optional
        Reader options, e.g. the column mapping of the ``table`` format.

    Returns
    -------
    list of BatchResult
        One per batch, in reading order.

    Raises
    ------
    InvalidInputError
        If ``fmt`` is unknown or ``path`` does not exist.
    UnknownFormatError
        If the file is not in the format ``fmt`` names.
    """
    spec = get_reader(fmt, options)
    p = Path(path)
    if not p.exists():
        raise InvalidInputError(f"path {p} does not exist; pass the file or folder to ingest")
    source = label or spec.default_label(p)
    results: list[BatchResult] = []
    for unit in progress.track(spec.inputs(p), f"ingest {p.name}"):
        results.extend(
            ingest_unit(
                con, spec, unit, source=source, max_rejected_share=max_rejected_share, force=force
            )
        )
    return results
