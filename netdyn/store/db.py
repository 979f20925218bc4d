"""DuckDB connections: opening the database (waiting for a writer, the memory limit, the schema
migrations of :mod:`netdyn.store.migrations` and the analyst views of
:mod:`netdyn.store.sqlmodels`), the invariant queries, and small query helpers.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import duckdb

from netdyn.core.config import SQL_DIR, db_path
from netdyn.store.migrations import migrate
from netdyn.store.sqlmodels import apply_models

__all__ = [
    "connect",
    "DEFAULT_MEMORY_LIMIT",
    "memory_limit",
    "out_of_memory_message",
    "invariant_violations",
    "query_dicts",
    "query_one",
]

log = logging.getLogger(__name__)

#: DuckDB's memory ceiling for netdyn connections (``$NETDYN_MEMORY_LIMIT`` overrides it).
#: Larger work spills to a temporary folder, so peak memory stays bounded on big inputs.
DEFAULT_MEMORY_LIMIT = "1.5GB"


def memory_limit() -> str:
    """DuckDB's memory ceiling for netdyn connections: ``$NETDYN_MEMORY_LIMIT`` or the default."""
    return os.environ.get("NETDYN_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT)


def out_of_memory_message(error: BaseException) -> str | None:
    """The one-line fix for an out-of-memory failure, or None if ``error`` is not one.

    DuckDB raises ``OutOfMemoryException`` when a query needs more than its ``memory_limit``
    (and cannot spill); Python raises :class:`MemoryError` when the machine has no more. The
    error's causes are searched too. Running the same step again would fail the same way, so
    such errors are not retried (:func:`netdyn.flows.engine.retriable`).

    Examples
    --------
    >>> out_of_memory_message(ValueError("x")) is None
    True
    >>> out_of_memory_message(MemoryError()).startswith("the machine ran out of memory")
    True
    """
    seen: set[int] = set()
    item: BaseException | None = error
    while item is not None and id(item) not in seen:
        seen.add(id(item))
        if isinstance(item, duckdb.OutOfMemoryException):
            first = (str(item).strip().splitlines() or ["out of memory"])[0]
            return (
                f"DuckDB ran out of memory within its memory_limit of {memory_limit()} ({first}); "
                "set NETDYN_MEMORY_LIMIT higher (e.g. NETDYN_MEMORY_LIMIT=4GB) if the machine "
                "has the memory"
            )
        if isinstance(item, MemoryError):
            return (
                "the machine ran out of memory; lower the analysis size limits "
                "(see 'netdyn analyze --help') or NETDYN_MEMORY_LIMIT, or use a larger machine"
            )
        item = item.__cause__ or item.__context__
    return None


def _is_lock_conflict(error: duckdb.Error) -> bool:
    text = str(error).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


def connect(
    path: str | Path | None = None,
    *,
    read_only: bool = False,
    migrate_schema: bool = True,
    wait_seconds: float = 0.0,
) -> duckdb.DuckDBPyConnection:
    """Open the netdyn database, creating and migrating it if needed.

    DuckDB lets one process write a database file at a time; while it does, other processes
    can open the file neither for writing nor for reading. ``wait_seconds`` retries for that
    long before giving up with a message that says who holds the lock and what to do.

    Parameters
    ----------
    path : str or Path, optional
        The DuckDB file; default ``$NETDYN_DB`` or ``./netdyn.duckdb``. ``":memory:"`` gives a
        throw-away in-memory database.
    read_only : bool
        Open without write access (no migration is attempted). Nothing a read-only connection
        does can change or corrupt the file.
    migrate_schema : bool
        Apply missing migrations (ignored when ``read_only``).
    wait_seconds : float
        How long to keep retrying while another process holds the file's lock.

    Raises
    ------
    SchemaError
        If a migration fails or the database is newer than this code.
    netdyn.core.errors.DatabaseBusyError
        If another process still holds the lock after ``wait_seconds``.
    netdyn.core.errors.EventLogError
        If the file cannot be opened otherwise (not a DuckDB file, no permission).
    """
    import time

    from netdyn.core.errors import DatabaseBusyError, EventLogError

    target = str(path) if str(path) == ":memory:" else str(db_path(path))
    if target != ":memory:" and not read_only:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + max(wait_seconds, 0.0)
    while True:
        try:
            con = duckdb.connect(target, read_only=read_only)
            break
        except duckdb.Error as e:
            if not _is_lock_conflict(e):
                raise EventLogError(f"cannot open database {target}: {e}") from e
            if time.monotonic() >= deadline:
                raise DatabaseBusyError(
                    f"database {target} is locked by another process that is writing it "
                    f"({e}). Wait for that run to finish (or pass --wait SECONDS), or query "
                    "the Parquet export written by 'netdyn export', which needs no lock."
                ) from e
            time.sleep(0.25)
    con.execute("set timezone = 'UTC'")
    con.execute("set enable_progress_bar = false")
    limit = memory_limit()
    try:
        con.execute(f"set memory_limit = '{limit.replace(chr(39), '')}'")
    except duckdb.Error as e:
        con.close()
        raise EventLogError(
            f"NETDYN_MEMORY_LIMIT={limit!r} is not a memory size; use e.g. 1.5GB or 800MB"
        ) from e
    if migrate_schema and not read_only:
        try:
            migrate(con)
            # the analyst views of sql/staging and sql/marts (a no-op when current)
            apply_models(con)
        except BaseException:
            con.close()
            raise
    return con


def invariant_violations(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Run every query of ``sql/invariants/`` and count the rows each returns.

    Each query states an invariant of the event log (keys unique, batches accounted for,
    events only in committed batches) as rows that must not exist.

    Returns
    -------
    dict of str to int
        Query name (file stem) → number of violating rows; all zero on a healthy database.
    """
    return {
        path.stem: len(con.execute(path.read_text(encoding="utf-8")).fetchall())
        for path in sorted((SQL_DIR / "invariants").glob("*.sql"))
    }


def query_dicts(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]
) -> list[dict[str, Any]]:
    """Run ``sql`` with bound ``params`` and return its rows as dicts (column name to value)."""
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def query_one(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> dict[str, Any]:
    """The first row of :func:`query_dicts`, or an empty dict when the query returns none."""
    found = query_dicts(con, sql, params)
    return found[0] if found else {}
