"""The store: schema migrations (applied in order, recorded, idempotent, guarded) and the run
bookkeeping's check for live processes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from netdyn.core.config import SQL_DIR
from netdyn.core.errors import SchemaError
from netdyn.store.db import connect
from netdyn.store.migrations import migrate, migrations, schema_version
from netdyn.store.runs import pid_alive


def test_new_database_gets_every_migration(tmp_path):
    con = connect(tmp_path / "a.duckdb")
    versions = [m.version for m in migrations()]
    assert schema_version(con) == max(versions)
    tables = {
        r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()
    }
    assert {
        "events",
        "ingest_batches",
        "quarantine",
        "runs",
        "cascades",
        "actor_metrics",
        "powerlaw_fits",
        "schema_migrations",
    } <= tables
    assert migrate(con) == []  # nothing left to apply
    con.close()


def test_reopening_applies_nothing_and_keeps_data(tmp_path):
    path = tmp_path / "a.duckdb"
    con = connect(path)
    con.execute(
        "insert into runs (run_id, flow, status, started_at) values ('r', 'x', 'running', now())"
    )
    con.close()
    con = connect(path)
    assert con.execute("select count(*) from runs").fetchall()[0][0] == 1
    con.close()


def test_newer_database_is_refused(tmp_path):
    con = connect(tmp_path / "a.duckdb")
    con.execute(
        "insert into schema_migrations (version, name, checksum) values (999, 'future', 'x')"
    )
    with pytest.raises(SchemaError, match="newer than this netdyn"):
        migrate(con)


def test_edited_migration_is_refused(tmp_path):
    schema = tmp_path / "schema"
    shutil.copytree(SQL_DIR / "schema", schema)
    con = connect(":memory:", migrate_schema=False)
    migrate(con, schema)
    first = sorted(schema.glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- edited\n")
    with pytest.raises(SchemaError, match="changed after it was applied"):
        migrate(con, schema)


def test_failed_migration_leaves_previous_version(tmp_path):
    schema = tmp_path / "schema"
    shutil.copytree(SQL_DIR / "schema", schema)
    (schema / "900_broken.sql").write_text("create table ok_table (a int);\nselect * from nowhere;")
    con = connect(":memory:", migrate_schema=False)
    with pytest.raises(SchemaError, match="900_broken failed"):
        migrate(con, schema)
    assert schema_version(con) == max(m.version for m in migrations())
    tables = {
        r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()
    }
    assert "ok_table" not in tables


def test_db_path_from_environment(tmp_path, monkeypatch):
    from netdyn.core.config import db_path, reports_dir

    monkeypatch.setenv("NETDYN_DB", str(tmp_path / "env.duckdb"))
    monkeypatch.setenv("NETDYN_REPORTS", str(tmp_path / "r"))
    assert db_path() == tmp_path / "env.duckdb"
    assert db_path("x.duckdb").name == "x.duckdb"
    assert reports_dir() == tmp_path / "r"
    monkeypatch.delenv("NETDYN_DB")
    assert str(db_path()) == "netdyn.duckdb"


def test_pid_alive_tells_a_running_process_from_a_finished_one():
    assert pid_alive(os.getpid())
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()  # reaped: no process has its id any more
    assert not pid_alive(finished.pid)
