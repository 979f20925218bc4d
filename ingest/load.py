"""Loading: reader → validation → event log, one batch per input unit.

This is the only place that wires the three layers together; flows call it per input unit.
"""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb

from ingest.canonical import Chunk
from ingest.readers import get_reader
from ingest.validate import validate_rows
from netdyn.errors import InvalidInputError
from netdyn.eventlog import BatchResult, append_batch

__all__ = ["ingest_chunk", "ingest_path", "DEFAULT_MAX_REJECTED_SHARE"]

log = logging.getLogger(__name__)

#: Default ceiling on the share of a batch's records that may be quarantined.
DEFAULT_MAX_REJECTED_SHARE = 0.5


def ingest_chunk(
    con: duckdb.DuckDBPyConnection,
    chunk: Chunk,
    *,
    source: str,
    reader: str,
    max_rejected_share: float = DEFAULT_MAX_REJECTED_SHARE,
) -> BatchResult:
    """Validate one reader chunk and append it to the log as one batch.

    Returns
    -------
    BatchResult
        Counts of the batch (``n_read == n_inserted + n_duplicate + n_quarantined``).

    Raises
    ------
    RejectedShareError
        If more than ``max_rejected_share`` of the chunk's records are rejected.
    EventLogError
        If the database refuses the batch.
    """
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


def ingest_path(
    con: duckdb.DuckDBPyConnection,
    fmt: str,
    path: str | Path,
    *,
    label: str | None = None,
    max_rejected_share: float = DEFAULT_MAX_REJECTED_SHARE,
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

    Returns
    -------
    list of BatchResult
        One per input unit, in reading order.

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
    return [
        ingest_chunk(
            con, chunk, source=source, reader=spec.name, max_rejected_share=max_rejected_share
        )
        for chunk in spec.read(p)
    ]
