"""The flow engine: flows run in this process when no Prefect API is configured, through
Prefect otherwise, and store the same results either way."""

from __future__ import annotations

import os
import subprocess
import sys

import duckdb
import pytest
from builders import copy_database, result_rows
from prefect import flow, task

from netdyn.core import progress
from netdyn.core.errors import EventLogError, InvalidInputError
from netdyn.flows import engine
from netdyn.flows.engine import orchestration, run_flow, step, uses_prefect
from netdyn.flows.ingest import io_retry_options
from netdyn.store.db import connect


def test_choice_follows_the_environment(monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setattr(engine, "_api_configured", lambda: False)
    monkeypatch.setenv("NETDYN_ORCHESTRATION", "auto")
    assert not uses_prefect()
    monkeypatch.setattr(engine, "_api_configured", lambda: True)
    assert uses_prefect()
    monkeypatch.setenv("NETDYN_ORCHESTRATION", "local")
    assert not uses_prefect()
    monkeypatch.setenv("NETDYN_ORCHESTRATION", "prefect")
    assert uses_prefect()
    with orchestration("local"):
        assert not uses_prefect()
    monkeypatch.setenv("NETDYN_ORCHESTRATION", "cluster")
    with pytest.raises(InvalidInputError, match="NETDYN_ORCHESTRATION must be one of"):
        uses_prefect()
    with (
        pytest.raises(InvalidInputError, match="orchestration must be one of"),
        orchestration("remote"),  # type: ignore[arg-type]
    ):
        pass


def test_local_steps_retry_io_errors_only():
    calls: list[str] = []

    @task(**io_retry_options(0.0))
    def flaky(kind: str) -> str:
        calls.append(kind)
        if len(calls) < 3:
            raise {"io": OSError, "locked": EventLogError, "bad": InvalidInputError}[kind](kind)
        return "ok"

    with orchestration("local"):
        assert step(flaky, "io") == "ok"
        assert calls == ["io"] * 3
        calls.clear()
        assert step(flaky, "locked") == "ok"
        calls.clear()
        with pytest.raises(InvalidInputError):
            step(flaky, "bad")
        assert calls == ["bad"]  # bad input is not retried

    @task(**io_retry_options(0.0))
    def hungry() -> None:
        calls.append("hungry")
        try:
            raise duckdb.OutOfMemoryException("failed to pin block of size 256.0 KiB")
        except duckdb.Error as e:
            raise RuntimeError("projections failed") from e  # found through the cause too

    calls.clear()
    with orchestration("local"), pytest.raises(RuntimeError):
        step(hungry)
    assert calls == ["hungry"]  # running out of memory is not retried either

    @task(retries=1, retry_delay_seconds=0)
    def always(x: int) -> int:
        calls.append("always")
        raise ValueError(x)

    calls.clear()
    with pytest.raises(ValueError):
        step(always, 1)
    assert calls == ["always", "always"]  # no condition: every error retried, as Prefect does


def test_local_flow_reports_steps_and_validates_parameters():
    @task
    def first(x: int) -> int:
        return x + 1

    @flow(name="two-local-steps")
    def two(x: int) -> int:
        return step(first, step(first, x))

    seen: list[progress.ProgressEvent] = []
    with orchestration("local"), progress.listen(seen.append):
        assert run_flow(two, x="1") == 3  # coerced by the flow's signature, as Prefect does
    notes = [e.description for e in seen if e.action == "note"]
    assert [n.rsplit(" in ", 1)[0] for n in notes] == [
        "two-local-steps: first done",
        "two-local-steps: first done",
    ]
    finish = [e for e in seen if e.action == "finish"]
    assert finish[-1].description.startswith("two-local-steps") and finish[-1].completed == 2


def test_local_and_prefect_runs_store_identical_results(prefect_harness, local_analysis, tmp_path):
    from netdyn.flows.analyze import analyze_flow

    # the simulated log and its analysis in this process (orchestration "local", n_jobs=1)
    # come from the session's shared fixture; the same analysis runs again through Prefect
    db = copy_database(local_analysis["db"], tmp_path / "engine.duckdb")
    label, options, local = (local_analysis[k] for k in ("label", "options", "result"))
    with orchestration("prefect"):
        tracked = run_flow(
            analyze_flow,
            db=db,
            sources=[label],
            reports_dir=str(tmp_path / "prefect"),
            options=options,
            n_jobs=1,
        )
    assert local["run_id"] != tracked["run_id"]
    local_rows = result_rows(db, local["run_id"])
    tracked_rows = result_rows(db, tracked["run_id"])
    assert sum(len(r) for r in local_rows.values()) > 1000
    for table in local_rows:
        assert local_rows[table] == tracked_rows[table], table
    assert local["fits"] == tracked["fits"]
    # each step's cost is recorded either way, in the order the steps ran
    con = connect(db, read_only=True)
    try:
        steps = {
            run: con.execute(
                "select position, step, seconds >= 0, cpu_seconds >= 0, peak_rss_bytes > 0, "
                "is_ok from run_steps where run_id = ? order by position",
                [run],
            ).fetchall()
            for run in (local["run_id"], tracked["run_id"])
        }
    finally:
        con.close()
    assert steps[local["run_id"]] == steps[tracked["run_id"]]
    names = [row[1] for row in steps[local["run_id"]]]
    assert names[0] == "projections_task" and names[-1] == "report_task"
    assert "structure_task" in names and "exposure_task" in names
    assert all(row[2:] == (True, True, True, True) for row in steps[local["run_id"]])


def test_cli_run_needs_no_prefect_server(tmp_path):
    """With no API configured and temporary servers forbidden, `netdyn run` still works:
    nothing in the local path talks to a Prefect API."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API") and k != "CI"}
    env.update(
        PREFECT_SERVER_ALLOW_EPHEMERAL_MODE="false",
        PREFECT_HOME=str(tmp_path / "prefect-home"),
        NETDYN_ORCHESTRATION="auto",
    )
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from netdyn.cli import app; app(prog_name='netdyn')",
            "--quiet",
            "run",
            "--n-events",
            "500",
            "--n-jobs",
            "1",
            "--cp-nulls",
            "5",
            "--role-nulls",
            "2",
            "--rich-club-nulls",
            "2",
            "--mesoscale-nulls",
            "2",
            "--n-bootstrap",
            "10",
            "--db",
            str(tmp_path / "cli.duckdb"),
            "--reports-dir",
            str(tmp_path / "reports"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "temporary server" not in done.stderr
    assert list((tmp_path / "reports").glob("*.html"))


def test_a_failed_run_keeps_the_cost_of_its_steps(tmp_path):
    from netdyn.store.runs import recorded_run

    db = str(tmp_path / "steps.duckdb")
    connect(db).close()

    @task
    def fine() -> int:
        return 1

    @task
    def broken() -> int:
        raise InvalidInputError("no such column")

    with orchestration("local"), pytest.raises(InvalidInputError):  # noqa: SIM117
        with recorded_run(db, flow="analyze", parameters={}, sources=[]) as run:
            step(fine)
            step(broken)
    con = connect(db, read_only=True)
    try:
        rows = con.execute(
            "select position, step, is_ok from run_steps where run_id = ? order by position",
            [run.run_id],
        ).fetchall()
        status = con.execute("select status from runs where run_id = ?", [run.run_id]).fetchall()
    finally:
        con.close()
    assert rows == [(0, "fine", True), (1, "broken", False)]
    assert status == [("failed",)]
