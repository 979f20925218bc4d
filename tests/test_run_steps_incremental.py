"""``run_steps`` rows are written as each step ends, so a run killed mid-step keeps them.

* A real analysis run, killed with SIGKILL as its structure step starts (the failpoint
  ``step-structure_task`` of :func:`netdyn.flows.engine.step`), leaves the rows of every
  earlier step, with positive times, and none of its own.
* A completed run has exactly one row per step: the final write replaces, never duplicates.
* Each row is in the database by the time the next step starts, through Prefect and locally.
* A row that cannot be written at once (another process holds the file) is written at the end.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from prefect import flow, task

from netdyn.core import progress, timing
from netdyn.core.faults import FAILPOINT_ENV
from netdyn.flows.engine import orchestration, run_flow, step
from netdyn.store import runs
from netdyn.store.db import connect

REPO = Path(__file__).resolve().parents[1]

#: Small analysis options: every step runs, quickly.
OPTIONS = {
    "seed": 5,
    "n_bootstrap": 5,
    "cp_nulls": 3,
    "role_nulls": 2,
    "rich_club_nulls": 2,
    "mesoscale_nulls": 2,
}


def _rows(db: str | Path, run_id: str) -> list[tuple]:
    con = connect(db, read_only=True)
    try:
        return con.execute(
            "select position, step, seconds, cpu_seconds, peak_rss_bytes, is_ok "
            "from run_steps where run_id = ? order by position",
            [run_id],
        ).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def simulated(tmp_path_factory) -> tuple[Path, str]:
    """A small simulated log, and its source label."""
    from netdyn.flows.simulate import simulate_flow

    db = tmp_path_factory.mktemp("steps") / "steps.duckdb"
    with orchestration("local"):
        label = run_flow(simulate_flow, db=str(db), n_events=1500, seed=5)["label"]
    return db, label


@pytest.fixture(scope="module")
def completed(simulated, tmp_path_factory) -> tuple[str, list[str]]:
    """A completed local analysis run of the log: its run id and the steps it reported."""
    from netdyn.flows.analyze import analyze_flow
    from netdyn.flows.options import AnalysisOptions

    db, label = simulated
    seen: list[progress.ProgressEvent] = []
    with orchestration("local"), progress.listen(seen.append):
        result = run_flow(
            analyze_flow,
            db=str(db),
            sources=[label],
            reports_dir=str(tmp_path_factory.mktemp("reports")),
            options=AnalysisOptions(**OPTIONS),
            n_jobs=1,
        )
    # each finished step is a note "<flow>: <step> done in 1.2 s", in the order they ran
    notes = [
        re.match(r"^.+: (\S+) done in [0-9.]+ s$", e.description)
        for e in seen
        if e.action == "note"
    ]
    return result["run_id"], [m.group(1) for m in notes if m is not None]


def test_a_completed_run_has_exactly_one_row_per_step(simulated, completed):
    db, _ = simulated
    run_id, reported = completed
    rows = _rows(db, run_id)
    assert [(r[0], r[1]) for r in rows] == list(enumerate(reported))
    assert "structure_task" in reported and reported[-1] == "report_task"
    assert all(r[2] > 0 and r[3] >= 0 and r[4] > 0 and r[5] for r in rows)
    con = connect(db, read_only=True)
    try:
        (count, distinct), *_ = con.execute(
            "select count(*), count(distinct position) from run_steps where run_id = ?", [run_id]
        ).fetchall()
        status = con.execute("select status from runs where run_id = ?", [run_id]).fetchall()
    finally:
        con.close()
    assert count == distinct == len(reported)
    assert status == [("completed",)]


def test_a_run_killed_in_its_structure_step_keeps_every_earlier_step(simulated, completed):
    db, label = simulated
    _, reported = completed
    code = (
        "from netdyn.flows.analyze import analyze_flow\n"
        "from netdyn.flows.engine import orchestration, run_flow\n"
        "from netdyn.flows.options import AnalysisOptions\n"
        "with orchestration('local'):\n"
        f"    run_flow(analyze_flow, db={str(db)!r}, sources=[{label!r}],\n"
        f"             reports_dir={str(db.parent / 'killed')!r},\n"
        f"             options=AnalysisOptions(**{OPTIONS!r}), n_jobs=1)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != FAILPOINT_ENV}
    env.update({FAILPOINT_ENV: "step-structure_task", "NETDYN_ORCHESTRATION": "local"})
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, timeout=900
    )
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()[-2000:]
    con = connect(db, read_only=True)
    try:
        killed = con.execute(
            "select run_id, status from runs where flow = 'analyze' and run_id <> ? ",
            [completed[0]],
        ).fetchall()
    finally:
        con.close()
    assert len(killed) == 1 and killed[0][1] == "running"  # nobody marked its end
    rows = _rows(db, killed[0][0])
    earlier = reported[: reported.index("structure_task")]
    assert len(earlier) >= 2
    assert [(r[0], r[1]) for r in rows] == list(enumerate(earlier))
    assert all(r[2] > 0 and r[3] >= 0 and r[4] > 0 and r[5] for r in rows)


# ------------------------------------------------------------- each row as its step ends


@task
def peek(db: str, run_id: str) -> list[tuple]:
    """A step that, like the flows' tasks, opens its own connection: the rows it sees."""
    con = connect(db)
    try:
        return con.execute(
            "select position, step, is_ok from run_steps where run_id = ? order by position",
            [run_id],
        ).fetchall()
    finally:
        con.close()


@flow(name="three-peeks")
def three_peeks(db: str) -> tuple[str, list[list[tuple]]]:
    with runs.recorded_run(db, flow="analyze", parameters={}, sources=[]) as run:
        seen = [step(peek, db, run.run_id) for _ in range(3)]
    return run.run_id, seen


@pytest.mark.parametrize("path", ["local", "prefect"])
def test_each_row_is_written_before_the_next_step_starts(path, tmp_path, request):
    if path == "prefect":
        request.getfixturevalue("prefect_harness")
    db = str(tmp_path / "peek.duckdb")
    connect(db).close()
    with orchestration(path):  # type: ignore[arg-type]
        run_id, seen = run_flow(three_peeks, db=db)
    assert seen == [[], [(0, "peek", True)], [(0, "peek", True), (1, "peek", True)]]
    assert [(r[0], r[1], r[5]) for r in _rows(db, run_id)] == [
        (0, "peek", True),
        (1, "peek", True),
        (2, "peek", True),
    ]


def test_a_failing_step_writes_its_row_at_once(tmp_path):
    db = str(tmp_path / "fail.duckdb")
    connect(db).close()
    seen_by_step: list[list[tuple]] = []

    @task
    def broken() -> None:
        raise ValueError("no such column")

    with orchestration("local"), pytest.raises(ValueError):  # noqa: SIM117
        with runs.recorded_run(db, flow="analyze", parameters={}, sources=[]) as run:
            try:
                step(broken)
            except ValueError:
                seen_by_step.append(peek.fn(db, run.run_id))  # before the run ends
                raise
    assert seen_by_step == [[(0, "broken", False)]]
    assert [(r[0], r[1], r[5]) for r in _rows(db, run.run_id)] == [(0, "broken", False)]


def test_a_row_the_lock_keeps_out_is_written_when_the_run_ends(tmp_path, monkeypatch, caplog):
    db = str(tmp_path / "busy.duckdb")
    connect(db).close()
    monkeypatch.setattr(runs, "STEP_WRITE_WAIT_SECONDS", 0.2)
    con = connect(db)
    try:
        run_id = runs.start_run(con, flow="analyze", parameters={}, sources=[])
    finally:
        con.close()
    measured = timing.StepTime("slow_task", 0, 1.5, 1.0, 1 << 20, True)
    code = (
        "import time; from netdyn.store.db import connect; "
        f"con = connect({db!r}); print('locked', flush=True); time.sleep(30)"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with caplog.at_level(logging.WARNING, logger="netdyn.store.runs"):
            runs._store_step_now(db, run_id, measured)  # gives up quietly, does not raise
    finally:
        holder.kill()
        holder.wait()
    assert "slow_task recorded at the end of the run only" in caplog.text
    assert _rows(db, run_id) == []
    run = runs.RecordedRun(run_id, 0)
    runs._end_run(db, run, [measured], status="completed")
    assert _rows(db, run_id) == [(0, "slow_task", 1.5, 1.0, 1 << 20, True)]
    runs._end_run(db, run, [measured], status="completed")  # again: still one row
    assert len(_rows(db, run_id)) == 1
