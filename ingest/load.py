"""Loading: reader → validation → event log, one batch per input unit.

This is the only place that wires the three layers together; flows call :func:`ingest_unit`
once per input unit (each a retriable task).

An input file whose SHA-256 was already committed under the same source label and reader is
recognised before it is read and skipped (a ``skipped`` result that points at the earlier
batch). ``force=True`` re-reads it; the event log then counts every row as a duplicate.
"""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb

from ingest.canonical import Chunk, sha256_file
from ingest.readers import ReaderSpec, get_reader
from ingest.validate import validate_rows
from netdyn.errors import InvalidInputError
from netdyn.eventlog import BatchResult, append_batch, find_committed_batch

__all__ = ["ingest_chunk", "ingest_unit", "ingest_path", "DEFAULT_MAX_REJECTED_SHARE"]

log = logging.getLogger(__name__)

#: Default ceiling on the share of a batch's records that may be quarantined.
DEFAULT_MAX_REJECTED_SHARE = 0.5


def _skipped(batch_id: int, source: str, uri: str) -> BatchResult:
    log.info("skipping %s: its content was committed in batch %d", uri, batch_id)
    return BatchResult(batch_id, source, uri, 0, 0, 0, 0, "skipped")


def ingest_chunk(
    con: duckdb.DuckDBPyConnection,
    chunk: Chunk,
    *,
    source: str,
    reader: str,
    max_rejected_share: float = DEFAULT_MAX_REJECTED_SHARE,
    force: bool = False,
) -> BatchResult:
    """Validate one reader chunk and append it to the log as one batch.

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
    valid, rejected = validate_rows(chunk.rows.to_frame(), uri=chunk.uri)
    return append_batch(
        con,
        source=source,
        reader=reader,
        uri=chunk.uri,
        content_hash=chunk.content_hash,
        rows=valid,
        rejects=[*chunk.rejects, *rejected],
        max_rejected_share=max_rejected_share,
    )


def ingest_unit(
    con: duckdb.DuckDBPyConnection,
    spec: ReaderSpec,
    unit: Path,
    *,
    source: str,
    max_rejected_share: float = DEFAULT_MAX_REJECTED_SHARE,
    force: bool = False,
) -> list[BatchResult]:
    """Read one input unit (a file, or a folder the reader walks) and append its chunks.

    A file already committed with the same SHA-256 is skipped before it is read.

    Returns
    -------
    list of BatchResult
        One per chunk the reader yields (a single ``skipped`` result for a skipped file).
    """
    if unit.is_file() and not force:
        earlier = find_committed_batch(
            con, source=source, reader=spec.name, content_hash=sha256_file(str(unit))
        )
        if earlier is not None:
            return [_skipped(earlier, source, str(unit.resolve()))]
    return [
        ingest_chunk(
            con,
            chunk,
            source=source,
            reader=spec.name,
            max_rejected_share=max_rejected_share,
            force=force,
        )
        for chunk in spec.read(unit)
    ]


def ingest_path(
    con: duckdb.DuckDBPyConnection,
    fmt: str,
    path: str | Path,
    *,
    label: str | None = None,
    max_rejected_share: float = DEFAULT_MAX_REJECTED_SHARE,
    force: bool = False,
) -> list[BatchResult]:
    """Read ``path`` with the reader for ``fmt`` and append every input unit as a batch.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        An open, migrated netdyn database.
    fmt : str
        A reader name of :data:`ingest.readers.READERS` (``twitter15-16``, ``moltbook-api``,
        ``moltbook-observatory``, ``edgelist``).
    path : str or Path
        A file or folder in that format.
    label : str, optional
        The ``source`` label for the events (default: the reader's, e.g. ``twitter15-16`` or
        ``edgelist:<file stem>``).
    max_rejected_share : float
        Fail a batch that rejects more than this share of its records.
    force : bool
        Re-read inputs whose content was already committed.

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
    spec = get_reader(fmt)
    p = Path(path)
    if not p.exists():
        raise InvalidInputError(f"path {p} does not exist; pass the file or folder to ingest")
    source = label or spec.default_label(p)
    results: list[BatchResult] = []
    for unit in spec.inputs(p):
        results.extend(
            ingest_unit(
                con, spec, unit, source=source, max_rejected_share=max_rejected_share, force=force
            )
        )
    return results
