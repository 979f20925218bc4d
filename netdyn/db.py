"""DuckDB connections and versioned schema migrations.

Migrations are the files ``sql/schema/NNN_name.sql``, applied in order of ``NNN``, each in
its own transaction, and recorded in ``schema_migrations`` with a checksum, so a database
always says which schema it has. A database migrated by newer code, or a migration file
edited after it was applied, is refused with :class:`netdyn.errors.SchemaError`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from netdyn.config import SQL_DIR, db_path
from netdyn.errors import SchemaError

__all__ = [
    "Migration",
    "migrations",
    "connect",
    "migrate",
    "schema_version",
    "DEFAULT_MEMORY_LIMIT",
    "invariant_violations",
]

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    """One schema migration file."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()


def migrations(schema_dir: Path | None = None) -> list[Migration]:
    """The migration files in ``sql/schema``, ordered by version.

    Raises
    ------
    SchemaError
        If the folder is missing (netdyn was installed without its ``sql/`` folder: install
        it with ``pip install -e .`` from a checkout) or two files share a version.
    """
    folder = schema_dir or SQL_DIR / "schema"
    if not folder.is_dir():
        raise SchemaError(
            f"schema folder {folder} not found; "
            "install netdyn from a checkout with 'pip install -e .'"
        )
    found: dict[int, Migration] = {}
    for path in sorted(folder.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise SchemaError(f"migration file {path.name} must be named NNN_snake_case.sql")
        version = int(match.group(1))
        if version in found:
            raise SchemaError(f"two migrations have version {version:03d}")
        found[version] = Migration(version, match.group(2), path.read_text(encoding="utf-8"))
    return [found[v] for v in sorted(found)]


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The highest migration version applied to the database (0 for a new database)."""
    exists = con.execute(
        "select count(*) from information_schema.tables where table_name = 'schema_migrations'"
    ).fetchall()[0][0]
    if not exists:
        return 0
    return con.execute("select coalesce(max(version), 0) from schema_migrations").fetchall()[0][0]


def migrate(con: duckdb.DuckDBPyConnection, schema_dir: Path | None = None) -> list[int]:
    """Apply the migrations the database lacks; return the versions applied.

    Each migration runs in one transaction together with its ``schema_migrations`` row, so a
    failure leaves the database at the previous version.

    Raises
    ------
    SchemaError
        If the database has a version this code does not know, an applied migration file
        changed since, or a migration fails.
    """
    con.execute(
        """
        create table if not exists schema_migrations (
            version integer primary key,
            name varchar not null,
            checksum varchar not null,
            applied_at timestamptz not null default current_timestamp
        )
        """
    )
    applied = {
        v: (n, c)
        for v, n, c in con.execute(
            "select version, name, checksum from schema_migrations"
        ).fetchall()
    }
    known = {m.version: m for m in migrations(schema_dir)}
    unknown = sorted(set(applied) - set(known))
    if unknown:
        raise SchemaError(
            f"the database has schema version {max(unknown):03d}, newer than this netdyn "
            f"(knows up to {max(known, default=0):03d}); upgrade netdyn or use another --db"
        )
    done: list[int] = []
    for version, migration in sorted(known.items()):
        if version in applied:
            if applied[version][1] != migration.checksum:
                raise SchemaError(
                    f"migration {version:03d}_{migration.name}.sql changed after it was applied; "
                    "add a new migration instead of editing an applied one"
                )
            continue
        try:
            con.execute("begin transaction")
            con.execute(migration.sql)
            con.execute(
                "insert into schema_migrations (version, name, checksum) values (?, ?, ?)",
                [version, migration.name, migration.checksum],
            )
            con.execute("commit")
        except duckdb.Error as e:
            con.execute("rollback")
            raise SchemaError(f"migration {version:03d}_{migration.name} failed: {e}") from e
        log.info("applied migration %03d_%s", version, migration.name)
        done.append(version)
    return done


#: DuckDB's memory ceiling for netdyn connections (``$NETDYN_MEMORY_LIMIT`` overrides it).
#: Larger work spills to a temporary folder, so peak memory stays bounded on big inputs.
DEFAULT_MEMORY_LIMIT = "1.5GB"


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
    netdyn.errors.DatabaseBusyError
        If another process still holds the lock after ``wait_seconds``.
    netdyn.errors.EventLogError
        If the file cannot be opened otherwise (not a DuckDB file, no permission).
    """
    import time

    from netdyn.errors import DatabaseBusyError, EventLogError

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
    limit = os.environ.get("NETDYN_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT)
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
            from netdyn.sqlmodels import apply_models

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
