"""Readers and writers at the same time: read-only queries wait or fail clearly; exports."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import duckdb
import polars as pl
from typer.testing import CliRunner

from netdyn.cli.common import app
from netdyn.ingest.load import ingest_chunk
from netdyn.sim.platform import PlatformParams, simulate_platform
from netdyn.store.db import connect
from netdyn.store.export import export_parquet
from netdyn.store.projections import advance_all

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()


def make_db(path: Path) -> None:
    con = connect(path)
    ingest_chunk(
        con,
        simulate_platform(PlatformParams(n_actors=80, n_posts=120, seed=4)),
        source="sim:a",
        reader="sim",
    )
    advance_all(con)
    con.close()


def hold_write_lock(path: Path, seconds: float) -> subprocess.Popen:
    """A separate process that opens the database for writing and keeps it open."""
    code = (
        "import sys, time; from netdyn.store.db import connect; "
        f"con = connect({str(path)!r}); print('locked', flush=True); time.sleep({seconds})"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_sql_fails_clearly_while_a_writer_holds_the_lock(tmp_path):
    db = tmp_path / "busy.duckdb"
    make_db(db)
    writer = hold_write_lock(db, 30)
    try:
        started = time.monotonic()
        result = runner.invoke(
            app, ["sql", "select count(*) from events", "--db", str(db), "--wait", "1"]
        )
        waited = time.monotonic() - started
    finally:
        writer.kill()
        writer.wait()
    assert result.exit_code == 2
    assert "locked by another process" in result.output and "netdyn export" in result.output
    assert waited >= 1.0
    # the writer's database is intact and readable once it is gone
    ok = runner.invoke(app, ["sql", "select count(*) as n from events", "--db", str(db)])
    assert ok.exit_code == 0, ok.output


def test_sql_waits_for_a_short_writer(tmp_path):
    db = tmp_path / "short.duckdb"
    make_db(db)
    writer = hold_write_lock(db, 1.5)
    try:
        result = runner.invoke(
            app, ["sql", "select count(*) as n from runs", "--db", str(db), "--wait", "20"]
        )
    finally:
        writer.wait()
    assert result.exit_code == 0, result.output


def test_sql_cannot_write(tmp_path):
    db = tmp_path / "ro.duckdb"
    make_db(db)
    result = runner.invoke(app, ["sql", "delete from events", "--db", str(db)])
    assert result.exit_code == 2 and "read-only" in result.output.lower()
    con = connect(db, read_only=True)
    assert con.execute("select count(*) from events").fetchall()[0][0] > 0
    con.close()


def test_export_is_readable_without_the_database(tmp_path):
    db = tmp_path / "x.duckdb"
    make_db(db)
    con = connect(db)
    from netdyn.results.cascades import write_cascades
    from netdyn.store.runs import start_run

    run = start_run(con, flow="analyze", parameters={}, sources=["sim:a"])
    write_cascades(con, run, ["sim:a"])
    out = tmp_path / "export"
    counts = export_parquet(con, out)
    n_events = con.execute("select count(*) from events").fetchall()[0][0]
    days = con.execute(
        "select count(distinct strftime(occurred_at, '%Y-%m-%d')) from events"
    ).fetchall()[0][0]
    con.close()
    assert counts["events"] == n_events
    # a writer holds the database; the export is still readable by another engine
    writer = hold_write_lock(db, 30)
    try:
        events = pl.scan_parquet(out / "events" / "**" / "*.parquet", hive_partitioning=True)
        frame = events.collect()
        other = duckdb.connect()
        n = other.execute(
            f"select count(*) from read_parquet('{out}/events/**/*.parquet', "
            "hive_partitioning = true) where source = 'sim:a'"
        ).fetchall()[0][0]
        cascades = other.execute(
            f"select count(*) from read_parquet('{out}/cascades/**/*.parquet', "
            "hive_partitioning = true)"
        ).fetchall()[0][0]
    finally:
        writer.kill()
        writer.wait()
    assert frame.height == n == n_events
    assert frame["day"].n_unique() == days
    assert cascades == 120
    # exporting again replaces the folder atomically
    con = connect(db, read_only=True)
    export_parquet(con, out)
    con.close()
    assert not list(tmp_path.glob(".export.*"))
