"""Versioned schema migrations.

Migrations are the files ``sql/schema/NNN_name.sql``, applied in order of ``NNN``, each in
its own transaction, and recorded in ``schema_migrations`` with a checksum, so a database
always says which schema it has. A database migrated by newer code, or a migration file
edited after it was applied, is refused with :class:`netdyn.core.errors.SchemaError`.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from netdyn.core.config import SQL_DIR
from netdyn.core.errors import SchemaError

__all__ = ["Migration", "migrations", "migrate", "schema_version"]

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
