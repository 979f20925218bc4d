"""The ingest flow: discover input units, then append each one as a batch (one task each).

Also the retry policy every I/O task of the flows shares (:func:`io_retry_options`):
exponential backoff with jitter, and no retry for bad input, which would fail the same way
again. Appends are idempotent (keys and content hashes, :mod:`netdyn.store.eventlog`), so a retried
unit never stores a row twice.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NONE
from prefect.tasks import exponential_backoff

from netdyn.core.errors import InvalidInputError
from netdyn.flows.engine import flow_logger, in_flow_run, retriable, step
from netdyn.ingest.load import DEFAULT_MAX_REJECTED_SHARE
from netdyn.ingest.load import ingest_unit as load_unit
from netdyn.ingest.readers import get_reader
from netdyn.store.db import connect
from netdyn.store.runs import recorded_run

__all__ = [
    "ingest_flow",
    "discover_inputs",
    "ingest_unit",
    "io_retry_options",
    "plain_rows",
    "batch_table",
    "BATCH_COLUMNS",
    "IO_RETRIES",
    "IO_BACKOFF_SECONDS",
    "IO_JITTER_FACTOR",
]

#: Retries of an I/O task after its first attempt.
IO_RETRIES = 3
#: Delay before the first retry; each further retry waits twice as long (2, 4, 8 s).
IO_BACKOFF_SECONDS = 2.0
#: Each delay is drawn at random with its nominal value as mean and at most
#: ``(1 + IO_JITTER_FACTOR)`` times it (spreads apart retries of tasks hitting one busy database).
IO_JITTER_FACTOR = 0.5


def _retry_unless_bad_input(task, task_run, state) -> bool:
    """Retry I/O and database hiccups, not inputs that will fail the same way again."""
    try:
        state.result()
    except Exception as e:
        return retriable(e)
    return False


def io_retry_options(backoff_seconds: float = IO_BACKOFF_SECONDS) -> dict[str, Any]:
    """Prefect task options for an I/O task: retries with exponential backoff and jitter.

    Parameters
    ----------
    backoff_seconds : float
        Delay before the first retry, in seconds; retry ``k`` waits
        ``backoff_seconds * 2**(k-1)`` on average (default 2 s: 2, 4, 8 s), jittered up to
        ``1 + IO_JITTER_FACTOR`` times that.

    Returns
    -------
    dict
        ``retries``, ``retry_delay_seconds``, ``retry_jitter_factor`` and
        ``retry_condition_fn`` for ``@task(...)`` or ``task.with_options(...)``.

    Raises
    ------
    InvalidInputError
        If ``backoff_seconds`` is negative.

    Notes
    -----
    Only I/O and database hiccups are retried: any exception that is not a
    :class:`~netdyn.core.errors.NetDynError`, and :class:`~netdyn.core.errors.EventLogError` (which
    includes a database locked by another writer). Bad input
    (:class:`~netdyn.core.errors.InvalidInputError`, an unknown format, too many rejected rows,
    a schema error) fails at once. The jitter is Prefect's and is not seeded; it changes
    only when a retry happens, never a result.

    Examples
    --------
    >>> io_retry_options(1.0)["retry_delay_seconds"](3)
    [1.0, 2.0, 4.0]
    """
    if not backoff_seconds >= 0:
        raise InvalidInputError(f"backoff_seconds must be >= 0; got {backoff_seconds}")
    return {
        "retries": IO_RETRIES,
        "retry_delay_seconds": exponential_backoff(backoff_factor=backoff_seconds),
        "retry_jitter_factor": IO_JITTER_FACTOR,
        "retry_condition_fn": _retry_unless_bad_input,
    }


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return _plain(value.item())
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


def plain_rows(rows: Iterable[Mapping[str, Any]], columns: Iterable[str]) -> list[dict[str, Any]]:
    """Rows of a Prefect table artifact: the named columns, as plain JSON values.

    Parameters
    ----------
    rows : iterable of mapping
        One mapping per row (e.g. ``DataFrame.to_dicts()`` or batch dicts).
    columns : iterable of str
        The columns to keep, in order; a column a row lacks becomes null.

    Returns
    -------
    list of dict
        One dict per row; values are None, bool, int, float (finite), str, or lists and
        dicts of those. NaN and infinities become None, datetimes ISO 8601 text, numpy
        scalars Python numbers, anything else its ``str``.

    Examples
    --------
    >>> plain_rows([{"a": float("inf"), "b": 2, "c": "x"}], ["a", "b"])
    [{'a': None, 'b': 2}]
    """
    columns = list(columns)
    return [{c: _plain(row.get(c)) for c in columns} for row in rows]


#: Columns of the ``netdyn-ingest-batches`` table artifact (as in ``ingest_batches``).
BATCH_COLUMNS = (
    "batch_id",
    "source",
    "status",
    "uri",
    "n_read",
    "n_inserted",
    "n_duplicate",
    "n_quarantined",
)


def batch_table(batches: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows of the ``netdyn-ingest-batches`` artifact: one per batch, :data:`BATCH_COLUMNS`."""
    return plain_rows(batches, BATCH_COLUMNS)


@task(cache_policy=NONE, **io_retry_options())
def discover_inputs(source: str, path: str, options: dict[str, str] | None = None) -> list[str]:
    """The input units under ``path`` for the reader ``source`` (files, or one archive)."""
    spec = get_reader(source, options)
    p = Path(path)
    if not p.exists():
        raise InvalidInputError(f"path {p} does not exist; pass the file or folder to ingest")
    return [str(u) for u in spec.inputs(p)]


@task(cache_policy=NONE, **io_retry_options())
def ingest_unit(
    db: str,
    source: str,
    unit: str,
    label: str,
    max_rejected_share: float,
    force: bool = False,
    options: dict[str, str] | None = None,
) -> list[dict]:
    """Read one input unit and append it as batches; safe to retry (appends are idempotent)."""
    spec = get_reader(source, options)
    con = connect(db)
    try:
        results = load_unit(
            con,
            spec,
            Path(unit),
            source=label,
            max_rejected_share=max_rejected_share,
            force=force,
        )
        return [asdict(r) for r in results]
    finally:
        con.close()


@flow(name="netdyn-ingest")
def ingest_flow(
    source: str,
    path: str,
    db: str = "netdyn.duckdb",
    label: str | None = None,
    max_rejected_share: float = DEFAULT_MAX_REJECTED_SHARE,
    force: bool = False,
    options: dict[str, str] | None = None,
    publish_artifacts: bool = True,
) -> dict:
    """Ingest a file or folder in format ``source`` into the event log.

    Parameters
    ----------
    source : str
        Reader name (:data:`netdyn.ingest.readers.READERS`): ``twitter15-16``, ``moltbook-api``,
        ``moltbook-observatory``, ``edgelist``, ``table``, ``scholp``.
    path : str
        File or folder to read.
    db : str
        DuckDB file of the event log.
    label : str, optional
        ``source`` label of the events (default: the reader's).
    max_rejected_share : float
        A batch rejecting a larger share of its records fails and stores nothing.
    force : bool
        Re-read files whose content (SHA-256) was already committed; by default they are
        skipped without reading.
    options : dict of str to str, optional
        Reader options, e.g. the column mapping of the ``table`` format.
    publish_artifacts : bool
        Publish the ``netdyn-ingest-batches`` table artifact (a parent flow that publishes
        its own passes False, so each key gets one version per top-level run).

    Returns
    -------
    dict
        ``label``, ``run_id`` and ``batches`` (one dict of counts per batch).
    """
    logger = flow_logger()
    spec = get_reader(source, options)
    label = label or spec.default_label(Path(path))
    parameters = {
        "source": source,
        "path": path,
        "label": label,
        "force": force,
        "max_rejected_share": max_rejected_share,
        "options": options or {},
    }
    with recorded_run(
        db, flow="ingest", parameters=parameters, sources=[label], sources_grow=True
    ) as run:
        batches: list[dict] = []
        for unit in step(discover_inputs, source, path, options):
            batches.extend(
                step(ingest_unit, db, source, unit, label, max_rejected_share, force, options)
            )
    run_id = run.run_id
    totals = {
        k: sum(b[k] for b in batches)
        for k in ("n_read", "n_inserted", "n_duplicate", "n_quarantined")
    }
    totals["n_skipped"] = sum(b["status"] == "skipped" for b in batches)
    logger.info("ingested %s from %s: %s", label, path, totals)
    if publish_artifacts and in_flow_run():
        create_table_artifact(
            key="netdyn-ingest-batches",
            table=batch_table(batches),
            description=f"Batches of {label} ingested from {path}",
        )
    return {"label": label, "run_id": run_id, "batches": batches, **totals}
