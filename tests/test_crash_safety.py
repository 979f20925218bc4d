"""Crash safety: real subprocesses killed with SIGKILL mid-ingest and mid-projection.

After every kill the database must be consistent (no partial batch, no projection output
without its progress, no result rows of a dead run) and the next run must complete the work.
Kills come from failpoints (``NETDYN_FAILPOINT``, exact places inside the transactions) and from
a timer (wherever the process happens to be).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from netdyn.core.faults import FAILPOINT_ENV
from netdyn.ingest.load import ingest_path
from netdyn.store.db import connect, invariant_violations
from netdyn.store.projections import advance_all

REPO = Path(__file__).resolve().parents[1]


def write_edges(path: Path, n: int, seed: int, start: int = 1_500_000_000) -> None:
    rng = np.random.default_rng(seed)
    frame = pl.DataFrame(
        {
            "src": rng.integers(0, 5_000, n),
            "dst": rng.integers(0, 5_000, n),
            "ts": np.sort(rng.integers(start, start + 10_000_000, n)),
        }
    )
    frame.write_csv(path, separator=" ", include_header=False)


def run_python(code: str, *, failpoint: str | None = None, kill_after: float | None = None):
    env = {k: v for k, v in os.environ.items() if k != FAILPOINT_ENV}
    if failpoint:
        env[FAILPOINT_ENV] = failpoint
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, env=env)
    if kill_after is not None:
        time.sleep(kill_after)
        proc.send_signal(signal.SIGKILL)
    return proc.wait(timeout=300)


def ingest_code(db: Path, path: Path) -> str:
    return (
        "from netdyn.store.db import connect; from netdyn.ingest.load import ingest_path; "
        f"con = connect({str(db)!r}); ingest_path(con, 'edgelist', {str(path)!r}, label='e')"
    )


def state(db: Path) -> tuple[int, int, list[tuple]]:
    con = connect(db)
    try:
        assert set(invariant_violations(con).values()) == {0}
        events = con.execute("select count(*) from events").fetchall()[0][0]
        quarantined = con.execute("select count(*) from quarantine").fetchall()[0][0]
        batches = con.execute(
            "select uri, status, n_inserted from ingest_batches order by batch_id"
        ).fetchall()
    finally:
        con.close()
    return events, quarantined, batches


@pytest.fixture(scope="module")
def baseline_db(tmp_path_factory) -> Path:
    """5,000 edges ingested into a new database, closed; built once for the module."""
    folder = tmp_path_factory.mktemp("baseline")
    first = folder / "first.txt"
    write_edges(first, 5_000, seed=1)
    con = connect(folder / "crash.duckdb")
    ingest_path(con, "edgelist", first, label="e")
    con.close()
    return folder / "crash.duckdb"


@pytest.fixture
def baseline(baseline_db, tmp_path):
    """A fresh copy of the baseline database for each test."""
    db = tmp_path / baseline_db.name
    shutil.copy(baseline_db, db)
    return db


@pytest.mark.parametrize(
    "point", ["append-before-events", "append-after-events", "append-before-commit"]
)
def test_killed_ingest_leaves_no_partial_batch_and_resumes(baseline, tmp_path, point):
    db = baseline
    before = state(db)
    second = tmp_path / "second.txt"
    write_edges(second, 20_000, seed=2, start=1_600_000_000)
    assert run_python(ingest_code(db, second), failpoint=point) == -signal.SIGKILL
    events, quarantined, batches = state(db)
    assert (events, quarantined) == before[:2]
    assert [b for b in batches if b[0] == str(second) and b[1] == "committed"] == []
    # the next run appends the whole file
    assert run_python(ingest_code(db, second)) == 0
    events, _, batches = state(db)
    assert events == before[0] + 20_000
    assert batches[-1] == (str(second), "committed", 20_000)


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> Path:
    """1.5 M edge lines, written once for the module (the tests only read the file)."""
    path = tmp_path_factory.mktemp("big") / "big.txt"
    write_edges(path, 1_500_000, seed=3)
    return path


@pytest.mark.parametrize("delay", [0.6, 1.4, 2.2, 3.5])
def test_ingest_killed_at_a_random_moment_is_all_or_nothing(tmp_path, big, delay):
    db = tmp_path / "timed.duckdb"
    run_python(ingest_code(db, big), kill_after=delay)
    events, _, batches = state(db) if db.exists() else (0, 0, [])
    committed = [b for b in batches if b[1] == "committed"]
    assert events in (0, 1_500_000)
    assert (events == 1_500_000) == (committed == [(str(big), "committed", 1_500_000)])
    assert run_python(ingest_code(db, big)) == 0
    assert state(db)[0] == 1_500_000


PROJECTION_CODE = (
    "from netdyn.store.db import connect; from netdyn.store.projections import advance_all; "
    "con = connect({db!r}); advance_all(con)"
)


PROJECTION_TABLES = [
    "projection_progress",
    "proj_actor_activity",
    "proj_interactions",
    "proj_items",
    "proj_cascades",
    "proj_forest_flags",
]


def snap(c) -> dict[str, pl.DataFrame]:
    """Every row of the projection tables (sorted; minus what legitimately differs)."""

    def drop(t):
        return "updated_at" if t == "projection_progress" else "source"

    return {
        t: c.sql(f"select * exclude ({drop(t)}) from {t}").pl().sort(pl.all())
        for t in PROJECTION_TABLES
    }


@pytest.fixture(scope="module")
def projected(tmp_path_factory) -> tuple[Path, dict[str, pl.DataFrame]]:
    """A log projected up to its head, then appended to; the projections as they were before
    the append. Built once for the module; each test kills a projection on a copy."""
    from netdyn.ingest.load import ingest_chunk
    from netdyn.sim.platform import PlatformParams, simulate_platform

    db = tmp_path_factory.mktemp("proj") / "proj.duckdb"
    con = connect(db)
    ingest_chunk(
        con,
        simulate_platform(PlatformParams(n_actors=100, n_posts=200, seed=1)),
        source="a",
        reader="sim",
    )
    advance_all(con)
    before = snap(con)
    ingest_chunk(
        con,
        simulate_platform(PlatformParams(n_actors=100, n_posts=200, seed=2)),
        source="a",
        reader="sim2",
    )
    con.close()
    return db, before


@pytest.mark.parametrize(
    "point",
    [
        "projection-actor_activity-before-progress",
        "projection-interactions-before-progress",
        "projection-cascade_items-before-progress",
        "projection-cascades-replaced",
        "projection-cascades-before-progress",
    ],
)
def test_killed_projection_keeps_output_and_progress_together(tmp_path, projected, point):
    db = tmp_path / "proj.duckdb"
    shutil.copy(projected[0], db)
    before, tables = projected[1], PROJECTION_TABLES
    code = PROJECTION_CODE.format(db=str(db))
    assert run_python(code, failpoint=point) == -signal.SIGKILL
    con = connect(db)
    after = snap(con)
    killed = point.removeprefix("projection-").split("-")[0]
    # the killed projection's transaction left no trace; earlier ones may have committed
    # (the cascade projection's items stage, "cascade_items", commits before its metrics)
    order = ["actor_activity", "interactions", "cascade_items", "cascades"]
    untouched = {
        "actor_activity": ["proj_actor_activity"],
        "interactions": ["proj_interactions"],
        "cascade_items": ["proj_items", "proj_cascades", "proj_forest_flags"],
        "cascades": ["proj_cascades", "proj_forest_flags"],
    }
    for table in untouched[killed]:
        assert after[table].equals(before[table]), table
    progress = dict(
        con.execute("select projection, last_event_seq from projection_progress").fetchall()
    )
    before_progress = dict(
        zip(
            before["projection_progress"]["projection"],
            before["projection_progress"]["last_event_seq"],
            strict=True,
        )
    )
    assert progress[killed] == before_progress[killed]
    for name in order[: order.index(killed)]:
        assert progress[name] > before_progress[name]
    con.close()
    # resuming gives exactly a from-scratch projection of the same events
    assert run_python(code) == 0
    con = connect(db)
    resumed = snap(con)
    con.close()
    fresh = connect(tmp_path / "fresh.duckdb")
    fresh.execute(f"attach '{db}' as old (read_only)")
    fresh.execute("insert into events select * from old.events")
    fresh.execute("detach old")
    advance_all(fresh)
    scratch = snap(fresh)
    for table in tables[1:]:
        assert resumed[table].equals(scratch[table]), table
    fresh.close()


def test_killed_analysis_run_is_abandoned_with_its_partial_results(tmp_path, baseline):
    db = baseline
    code = (
        "from netdyn.store.db import connect; from netdyn.store.runs import start_run; "
        "from netdyn.results.cascades import write_cascades, write_actor_metrics; "
        f"con = connect({str(db)!r}); "
        "run = start_run(con, flow='analyze', parameters={}, sources=['e']); "
        "write_cascades(con, run, ['e']); write_actor_metrics(con, run, ['e'])"
    )
    assert run_python(code, failpoint="results-before-actor-metrics") == -signal.SIGKILL
    con = connect(db)
    ((dead_run, status),) = con.execute("select run_id, status from runs").fetchall()
    assert status == "running"
    from netdyn.store.runs import start_run

    start_run(con, flow="analyze", parameters={}, sources=["e"])
    assert con.execute("select status from runs where run_id = ?", [dead_run]).fetchall() == [
        ("abandoned",)
    ]
    for table in ("cascades", "actor_metrics", "powerlaw_fits"):
        assert con.execute(
            f"select count(*) from {table} where run_id = ?", [dead_run]
        ).fetchall() == [(0,)]
    # no result row anywhere lacks its run
    orphans = con.execute(
        "select count(*) from (select run_id from cascades union all select run_id from "
        "actor_metrics union all select run_id from powerlaw_fits) r "
        "anti join runs using (run_id)"
    ).fetchall()
    assert orphans == [(0,)]
    con.close()
