"""The command line and the progress reporter behind its bars.

* :mod:`netdyn.core.progress`: events arrive in order with the right totals, a block that raises
  still finishes its task, nothing happens when nobody listens, the ingest and simulation
  steps report their units, and Prefect's run logs become one note per finished task.
* ``netdyn``: every command's help carries examples that parse as real invocations; bad
  input ends with one ``error:`` line, exit code 2 and no traceback; ``status`` reports what
  the log holds and flags running runs whose process died; ``sql`` is read-only and prints
  tables, CSV and JSON.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
import typer
from rich.console import Console
from rich.progress import Progress
from typer.testing import CliRunner

from netdyn.cli.common import _RichListener, app
from netdyn.core import progress
from netdyn.core.errors import InvalidInputError

runner = CliRunner()

EDGES = "a b 1700000000\nb a 1700000060\na c 1700000120\nbad line\nc a 1700003600\n"


def _edge_db(tmp_path: Path) -> Path:
    """A database with 4 messages of ``edgelist:m`` and 1 quarantined line (no Prefect)."""
    from netdyn.ingest.load import ingest_path
    from netdyn.store.db import connect

    (tmp_path / "m.txt").write_text(EDGES)
    db = tmp_path / "edges.duckdb"
    con = connect(db)
    try:
        ingest_path(con, "edgelist", tmp_path / "m.txt")
    finally:
        con.close()
    return db


# ------------------------------------------------------------------ progress reporter


def _actions(events: list[progress.ProgressEvent]) -> list[tuple]:
    return [(e.action, e.description, e.completed, e.total, e.ok) for e in events]


def test_events_arrive_in_order_with_totals():
    seen: list[progress.ProgressEvent] = []
    with progress.listen(seen.append):
        assert progress.is_listening()
        with progress.task("read files", total=3) as bar:
            bar.advance()
            bar.advance(2)
            bar.update(description="read files (done)")
        progress.note("skipped x.gz")
    assert not progress.is_listening()
    assert _actions(seen) == [
        ("start", "read files", 0.0, 3.0, True),
        ("advance", "read files", 1.0, 3.0, True),
        ("advance", "read files", 3.0, 3.0, True),
        ("update", "read files (done)", 3.0, 3.0, True),
        ("finish", "read files (done)", 3.0, 3.0, True),
        ("note", "skipped x.gz", 0.0, None, True),
    ]
    assert len({e.task_id for e in seen[:5]}) == 1 and seen[5].task_id == 0


def test_a_block_that_raises_finishes_its_task_not_ok():
    seen: list[progress.ProgressEvent] = []
    with (
        progress.listen(seen.append),
        pytest.raises(KeyError),
        progress.task("doomed", total=2) as bar,
    ):
        bar.advance()
        raise KeyError("boom")
    assert [(e.action, e.completed, e.ok) for e in seen] == [
        ("start", 0.0, True),
        ("advance", 1.0, True),
        ("finish", 1.0, False),
    ]


def test_track_counts_every_item_and_reports_in_steps():
    seen: list[progress.ProgressEvent] = []
    with progress.listen(seen.append):
        items = list(progress.track(range(2500), "posts", every=1000))
        letters = list(progress.track(iter("abc"), "letters"))  # no len: unknown total
    assert items == list(range(2500)) and letters == ["a", "b", "c"]
    posts = [e for e in seen if e.description == "posts"]
    assert [(e.action, e.completed) for e in posts] == [
        ("start", 0.0),
        ("advance", 1000.0),
        ("advance", 2000.0),
        ("advance", 2500.0),
        ("finish", 2500.0),
    ]
    assert {e.total for e in posts} == {2500.0}
    assert {e.total for e in seen if e.description == "letters"} == {None}
    assert seen[-1].completed == 3.0


def test_nothing_happens_when_nobody_listens():
    seen: list[progress.ProgressEvent] = []
    with progress.listen(seen.append):
        pass
    assert not progress.is_listening()
    with progress.task("quiet", total=5) as bar:
        bar.advance(5)
        bar.update(total=7)
        assert bar.completed == 0.0 and bar.total is None  # the shared no-op task
    assert list(progress.track([1, 2], "quiet")) == [1, 2]
    progress.note("nobody hears this")
    with progress.flow_steps():
        pass
    assert seen == []


def test_bad_progress_arguments_say_how_to_fix_them():
    with pytest.raises(InvalidInputError, match="total must be >= 0"), progress.task("x", total=-1):
        pass
    with (
        progress.listen(lambda e: None),
        progress.task("x") as bar,
        pytest.raises(InvalidInputError, match="n >= 0"),
    ):
        bar.advance(-2)
    with pytest.raises(InvalidInputError, match="every must be an integer >= 1"):
        list(progress.track([1], "x", every=0))
    with (
        pytest.raises(InvalidInputError, match="callable"),
        progress.listen("not a function"),  # type: ignore[arg-type]
    ):
        pass


def test_ingest_reports_units_and_batches(tmp_path):
    from netdyn.ingest.load import ingest_path
    from netdyn.store.db import connect

    folder = tmp_path / "edges"
    folder.mkdir()
    (folder / "one.txt").write_text("a b 1700000000\nb a 1700000060\n")
    (folder / "two.txt").write_text("a c 1700000120\n")
    seen: list[progress.ProgressEvent] = []
    con = connect(tmp_path / "p.duckdb")
    try:
        with progress.listen(seen.append):
            results = ingest_path(con, "edgelist", folder, label="edges")
    finally:
        con.close()
    assert sum(r.n_inserted for r in results) == 3
    units = [e for e in seen if e.description == "ingest edges"]
    assert [(e.action, e.completed, e.total) for e in units] == [
        ("start", 0.0, 2.0),
        ("advance", 1.0, 2.0),
        ("advance", 2.0, 2.0),
        ("finish", 2.0, 2.0),
    ]
    loads = [e.description for e in seen if e.action == "finish" and e.ok]
    assert loads == ["load one.txt", "load two.txt", "ingest edges"]


def test_simulators_report_their_units():
    from netdyn.sim.branching import BranchingParams, iter_branching_chunks
    from netdyn.sim.platform import PlatformParams, simulate_platform

    seen: list[progress.ProgressEvent] = []
    with progress.listen(seen.append):
        simulate_platform(PlatformParams(n_actors=50, n_posts=1100, seed=1))
        chunks = list(
            iter_branching_chunks(
                BranchingParams(n_actors=50, n_roots=30, block_roots=10, seed=1),
                blocks_per_chunk=2,
            )
        )
    finished = {e.description: (e.completed, e.total) for e in seen if e.action == "finish"}
    assert finished["simulate platform (posts)"] == (1100.0, 1100.0)
    assert len(chunks) == 2 and finished["simulate branching (chunks)"] == (2.0, 2.0)


def test_prefect_task_runs_become_notes(prefect_harness):
    from prefect import flow, task

    @task
    def first_step() -> int:
        return 1

    @task
    def second_step(x: int) -> int:
        time.sleep(0.2)
        return x + 1

    @flow(name="two-steps")
    def two_steps() -> int:
        return second_step(first_step())

    seen: list[progress.ProgressEvent] = []
    with progress.listen(seen.append), progress.flow_steps():
        assert two_steps() == 2
    notes = [e.description for e in seen if e.action == "note"]
    assert [re.sub(r"[0-9.]+ s$", "T s", n) for n in notes] == [
        "two-steps: first_step done in T s",
        "two-steps: second_step done in T s",
    ]
    assert float(notes[1].split(" in ")[1].removesuffix(" s")) >= 0.2
    flow_events = [e for e in seen if e.action != "note"]
    assert flow_events[0].action == "start" and flow_events[0].description == "two-steps"
    assert flow_events[-1].action == "finish" and flow_events[-1].ok
    assert flow_events[-1].completed == 2.0


def test_rich_listener_draws_and_removes_bars():
    buffer = io.StringIO()
    bars = Progress(console=Console(file=buffer, width=100))
    listener = _RichListener(bars)
    with progress.listen(listener):
        with progress.task("read [archive].tar.gz", total=4) as bar:
            (shown,) = bars.tasks
            assert shown.total == 4 and shown.description == r"read \[archive].tar.gz"
            bar.advance(3)
            assert bars.tasks[0].completed == 3
        progress.note("flow: step done in 1.0 s")
    assert bars.tasks == []
    assert "flow: step done in 1.0 s" in buffer.getvalue()


# --------------------------------------------------------------------------- help


def _examples(help_text: str) -> list[list[str]]:
    """The ``netdyn ...`` command lines of the help's code block, as argv lists."""
    block = help_text.split("```")[1]
    lines: list[str] = []
    pending = ""
    for line in block.splitlines():
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        lines.append(pending + line)
        pending = ""
    commands = []
    for line in lines:
        line = re.split(r"\s[|>#]\s?", line.strip() + " ")[0]
        if line.startswith("netdyn "):
            commands.append(shlex.split(line)[1:])
    return commands


def test_every_command_has_examples_that_parse():
    group = typer.main.get_command(app)
    assert _examples(group.help)
    names = sorted(group.commands)
    assert names == sorted(
        [
            "run",
            "ingest",
            "analyze",
            "simulate",
            "compare",
            "sweep",
            "serve",
            "status",
            "sql",
            "export",
        ]
    )
    seen_commands = set()
    for name in names:
        examples = _examples(group.commands[name].help)
        assert examples, f"netdyn {name} --help has no examples"
        for argv in examples + _examples(group.help):
            command = group.commands[argv[0]]
            # parses every option and argument as the real invocation would
            ctx = command.make_context(argv[0], argv[1:])
            assert ctx.params is not None
            seen_commands.add(argv[0])
    assert seen_commands == set(names)


def test_help_renders_examples_and_environment():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("run", "ingest", "analyze", "simulate", "status", "sql", "compare"):
        assert command in result.output
    run_help = runner.invoke(app, ["run", "--help"], env={"COLUMNS": "80"})
    assert "--source" in run_help.output and "NETDYN_DB" in run_help.output
    assert "Examples" in run_help.output and "netdyn run --source twitter15-16" in run_help.output
    # the code block keeps each example line intact at 80 columns
    assert max(len(line) for line in run_help.output.splitlines()) <= 80


# ------------------------------------------------------------------------- errors


def _assert_clean_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)


def test_bad_input_fails_at_once_with_the_fix(tmp_path):
    db = _edge_db(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.md").write_text("no edges here")
    junk = tmp_path / "junk.duckdb"
    junk.write_text("not a database")
    d = ["--db", str(db)]
    cases = [
        (["ingest", "--source", "csv", "--path", str(tmp_path), *d], "unknown source format"),
        (["ingest", "--source", "edgelist", "--path", str(tmp_path / "no.txt"), *d], "exist"),
        (["ingest", "--source", "edgelist", "--path", str(empty), *d], "holds no edgelist"),
        (["ingest", "--source", "edgelist", "--path", str(empty), "--option", "x"], "KEY=VALUE"),
        (
            ["ingest", "--source", "edgelist", "--path", str(tmp_path / "m.txt"), "--db", "/"],
            "is a folder",
        ),
        (
            [
                "ingest",
                "--source",
                "edgelist",
                "--path",
                str(tmp_path / "m.txt"),
                "--option",
                "a=b",
                *d,
            ],
            "takes no options",
        ),
        (
            ["ingest", "--source", "table", "--path", str(empty)]
            + ["--options-file", str(tmp_path / "none.toml"), *d],
            "cannot read --options-file",
        ),
        (["simulate", "--db", str(tmp_path / "m.txt" / "x.duckdb")], "in a folder you can write"),
        (["run", "--source", "edgelist", *d], "give both --source and --path"),
        (["analyze", "--window", "3x", *d], "--window: window width must be a duration"),
        (["analyze", "--window-step", "zz", *d], "--window-step"),
        (["analyze", "--source", "nope", *d], "known sources: edgelist:m"),
        (["analyze", "--db", str(tmp_path / "none.duckdb")], "no database at"),
        (["simulate", "--null", "link_shuffle", *d], "--replay"),
        (["simulate", "--null", "shuffle_all", "--replay", "edgelist:m", *d], "link_shuffle"),
        (["simulate", "--calibrate-from", "nope", *d], "known sources"),
        (["simulate", "--branching-ratio", "1.2", *d], "--branching-ratio must be < 1"),
        (["compare", "edgelist:m", "edgelist:m", *d], "two distinct source labels"),
        (["compare", "edgelist:m", "null:x", *d], "'null:x'"),
        (["sweep", "--vary", "branching_ratio", *d], "NAME=V1,V2"),
        (["sweep", "--vary", "branching_ratio=a,b", *d], "must be numbers"),
        (["sweep", "--vary", "gravity=1,2", *d], "sweepable parameters"),
        (["sweep", "--vary", "branching_ratio=0.5,1.5", *d], "must be < 1"),
        (["sweep", "--vary", "branching_ratio=0.5", "--dask", "my laptop", *d], "tcp://"),
        (["status", "--db", str(tmp_path / "none.duckdb")], "no database at"),
        (["status", "--db", str(junk)], "not a valid DuckDB database"),
        (["sql", *d], "either as an argument"),
        (["sql", "select 1", "--file", str(tmp_path / "q.sql"), *d], "not both"),
        (["sql", "--file", str(tmp_path / "q.sql"), *d], "cannot read --file"),
        (["sql", "delete from events", *d], "refused a statement of type DELETE"),
        (["sql", "attach 'other.duckdb' as o", *d], "of type ATTACH"),
        (["sql", "selec 1", *d], "does not parse"),
        (["sql", "select * from nope", *d], 'netdyn sql "show tables"'),
        (["export", "--out", str(tmp_path / "m.txt"), *d], "is a file"),
    ]
    for argv, fragment in cases:
        _assert_clean_error(runner.invoke(app, argv), fragment)
    # nothing was changed: the same 4 events, 1 batch, no new run
    result = runner.invoke(app, ["status", "--json", *d])
    data = json.loads(result.stdout)
    assert data["sources"][0]["n_events"] == 4 and data["runs"] == []


def test_usage_errors_exit_2_with_the_range():
    result = runner.invoke(app, ["analyze", "--top-k", "0"])
    assert result.exit_code == 2 and "--top-k" in result.output
    result = runner.invoke(app, ["simulate", "--seed", "-1"])
    assert result.exit_code == 2 and "--seed" in result.output


def test_a_database_held_by_another_writer_is_named_with_the_fix(tmp_path):
    db = _edge_db(tmp_path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
            "print('locked', flush=True); time.sleep(60)",
            str(db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        status = runner.invoke(app, ["status", "--db", str(db), "--wait", "0.5"])
        assert time.monotonic() - started >= 0.5
        _assert_clean_error(status, "locked by another process", "--wait", "netdyn export")
        ingest = runner.invoke(
            app,
            ["ingest", "--source", "edgelist", "--path", str(tmp_path / "m.txt")]
            + ["--db", str(db), "--wait", "0"],
        )
        _assert_clean_error(ingest, "locked by another process")
    finally:
        holder.kill()
        holder.wait()


def test_running_out_of_duckdb_memory_names_the_setting(tmp_path):
    """A real out-of-memory error (a 1 MB memory_limit) ends in one line naming the limit and
    NETDYN_MEMORY_LIMIT, exit 2, no traceback."""
    db = _edge_db(tmp_path)
    result = runner.invoke(
        app,
        ["analyze", "--db", str(db)],
        env={"COLUMNS": "400", "NETDYN_ORCHESTRATION": "local", "NETDYN_MEMORY_LIMIT": "1MB"},
    )
    _assert_clean_error(
        result, "DuckDB ran out of memory within its memory_limit of 1MB", "NETDYN_MEMORY_LIMIT="
    )


def test_an_error_inside_a_flow_ends_in_one_line_without_traceback(prefect_harness, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("garbage\n{{{\n")
    result = runner.invoke(
        app,
        ["ingest", "--source", "twitter15-16", "--path", str(bad)]
        + ["--db", str(tmp_path / "x.duckdb")],
    )
    _assert_clean_error(result, "is not a Twitter15/16 archive", "did you mean --source")


# ------------------------------------------------------------------------- status


def test_status_reports_the_log_and_flags_dead_runs(tmp_path):
    from netdyn.store.db import connect
    from netdyn.store.runs import finish_run, start_run

    db = _edge_db(tmp_path)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    con = connect(db)
    try:
        done = start_run(con, flow="analyze", parameters={}, sources=["edgelist:m"])
        finish_run(con, done, status="completed", report_path="reports/r.html")
        time.sleep(0.01)
        killed = start_run(con, flow="ingest", parameters={}, sources=["edgelist:m"])
        time.sleep(0.01)
        alive = start_run(con, flow="simulate", parameters={}, sources=[])
        # the ingest's process was killed (status reads; it marks nothing abandoned)
        con.execute("update runs set pid = ? where run_id = ?", [dead.pid, killed])
    finally:
        con.close()

    result = runner.invoke(app, ["status", "--json", "--db", str(db)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["database"] == str(db) and data["schema_version"] >= 9
    (source,) = data["sources"]
    assert source == {
        "source": "edgelist:m",
        "n_events": 4,
        "kinds": {"message": 4},
        "first_occurred_at": "2023-11-14T22:13:20+00:00",
        "last_occurred_at": "2023-11-14T23:13:20+00:00",
        "first_event_seq": source["first_event_seq"],
        "last_event_seq": source["first_event_seq"] + 3,
        "n_batches": 1,
        "n_failed_batches": 0,
        "n_quarantined": 1,
    }
    runs = {r["run_id"]: r for r in data["runs"]}
    assert [r["run_id"] for r in data["runs"]] == [alive, killed, done]  # newest first
    assert runs[killed]["status"] == "running" and runs[killed]["is_process_dead"] is True
    assert runs[alive]["is_process_dead"] is False  # this test process
    assert runs[done]["is_process_dead"] is None and runs[done]["report_path"] == "reports/r.html"
    assert runs[done]["duration_seconds"] >= 0 and runs[done]["finished_at"] is not None

    table = runner.invoke(app, ["status", "--db", str(db), "--runs", "2"], env={"COLUMNS": "200"})
    assert table.exit_code == 0
    assert f"process {dead.pid} is gone" in table.output and done not in table.output
    assert "message 4" in table.output and "edgelist:m" in table.output


# ---------------------------------------------------------------------------- sql


def test_sql_formats_agree_and_read_files(tmp_path):
    db = _edge_db(tmp_path)
    query = (
        "select actor_id, count(*) as n_sent, list(target_actor_id order by event_seq) as targets "
        "from events group by actor_id order by actor_id"
    )
    as_json = runner.invoke(app, ["sql", query, "--format", "json", "--db", str(db)])
    assert as_json.exit_code == 0, as_json.output
    rows = json.loads(as_json.stdout)
    assert rows == [
        {"actor_id": "a", "n_sent": 2, "targets": ["b", "c"]},
        {"actor_id": "b", "n_sent": 1, "targets": ["a"]},
        {"actor_id": "c", "n_sent": 1, "targets": ["a"]},
    ]
    as_csv = runner.invoke(app, ["sql", query, "--format", "csv", "--db", str(db)])
    parsed = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [(r["actor_id"], int(r["n_sent"]), json.loads(r["targets"])) for r in parsed] == [
        (r["actor_id"], r["n_sent"], r["targets"]) for r in rows
    ]
    (tmp_path / "q.sql").write_text(query)
    from_file = runner.invoke(app, ["sql", "--file", str(tmp_path / "q.sql"), "--db", str(db)])
    assert from_file.exit_code == 0 and "n_sent" in from_file.stdout
    from_stdin = runner.invoke(
        app, ["sql", "--file", "-", "--format", "json", "--db", str(db)], input=query
    )
    assert json.loads(from_stdin.stdout) == rows
    table = runner.invoke(app, ["sql", "select count(*) as n from quarantine", "--db", str(db)])
    assert table.exit_code == 0 and re.search(r"│\s*1\s*│", table.stdout)
    # reading settings and pragmas are allowed; the file is unchanged afterwards
    pragma = runner.invoke(app, ["sql", "pragma table_info('events')", "--db", str(db)])
    assert pragma.exit_code == 0 and "event_seq" in pragma.stdout
    frame = pl.read_json(io.StringIO(as_json.stdout))
    assert frame.height == 3


def test_simulate_then_sql_and_status_via_environment(prefect_harness, tmp_path, monkeypatch):
    monkeypatch.setenv("NETDYN_DB", str(tmp_path / "cli.duckdb"))
    result = runner.invoke(app, ["simulate", "--n-events", "300", "--seed", "4"])
    assert result.exit_code == 0, result.output
    assert "sim:platform:" in result.output
    sql = runner.invoke(app, ["sql", "select count(*) as n from events where kind = 'post'"])
    assert sql.exit_code == 0, sql.output
    assert "30" in sql.output  # round(300 * (1 - 0.9)) posts
    status = runner.invoke(app, ["status"])
    assert status.exit_code == 0 and "simulate" in status.output
    # a null-model replay of the simulated source becomes a source of its own
    label = next(w for w in result.output.split() if w.startswith("sim:platform:")).rstrip(":")
    null = runner.invoke(app, ["simulate", "--null", "link_shuffle", "--replay", label])
    assert null.exit_code == 0, repr(null.exception)
    counts = runner.invoke(
        app,
        [
            "sql",
            "--format",
            "json",
            "select count(*) filter (where source like 'null:link_shuffle:%') = "
            "count(*) filter (where source like 'sim:platform:%') as same from events",
        ],
    )
    assert json.loads(counts.stdout) == [{"same": True}]


def test_sql_runs_named_queries_with_bound_parameters(tmp_path):
    db = _edge_db(tmp_path)
    listed = runner.invoke(app, ["sql", "--list"])
    assert listed.exit_code == 0 and "sources_overview" in listed.stdout
    named = runner.invoke(
        app,
        ["sql", "--query", "sources_overview", "--param", "source=edgelist:m", "--format",
         "json", "--db", str(db)],
    )  # fmt: skip
    assert named.exit_code == 0, named.output
    (row,) = json.loads(named.stdout)
    # 4 messages and 1 quarantined line, from 3 actors
    assert (row["source"], row["n_events"], row["n_actors"], row["n_quarantined"]) == (
        "edgelist:m",
        4,
        3,
        1,
    )
    # a hostile value is a value: nothing matches, the log is intact
    hostile = runner.invoke(
        app,
        ["sql", "--query", "sources_overview", "--param", "source=x'; drop table events; --",
         "--format", "json", "--db", str(db)],
    )  # fmt: skip
    assert hostile.exit_code == 0 and json.loads(hostile.stdout) == []
    count = runner.invoke(app, ["sql", "select count(*) as n from events", "--format", "json",
                                "--db", str(db)])  # fmt: skip
    assert json.loads(count.stdout) == [{"n": 4}]
    for args, message in (
        (["--query", "no_such_query"], "unknown query 'no_such_query'"),
        (["--query", "most_active_actors", "--param", "nope=1"], "has no parameter 'nope'"),
        (["--query", "most_active_actors", "--param", "source"], "must be NAME=VALUE"),
        (["select 1", "--query", "most_active_actors"], "not both"),
        (["select 1", "--param", "a=b"], "--param goes with --query"),
    ):
        failed = runner.invoke(app, ["sql", *args, "--db", str(db)])
        assert failed.exit_code == 2 and message in failed.output, (args, failed.output)


def test_serve_checks_its_call_then_hands_every_option_to_the_flow(tmp_path, monkeypatch):
    import netdyn.cli.commands_serve
    import netdyn.flows.serve
    from netdyn.flows.options import AnalysisOptions

    calls: list[dict] = []
    monkeypatch.setattr(netdyn.flows.serve, "serve", lambda **kwargs: calls.append(kwargs))
    monkeypatch.setattr(netdyn.cli.commands_serve, "_prefect_api_url", lambda: None)
    no_server = runner.invoke(app, ["serve"])
    assert no_server.exit_code == 2 and "prefect server start" in no_server.output
    monkeypatch.setattr(
        netdyn.cli.commands_serve, "_prefect_api_url", lambda: "http://127.0.0.1:4200/api"
    )
    for args, message in (
        (["--watch", str(tmp_path)], "give both --watch FOLDER and --source FORMAT"),
        (["--cron", "* * * * *", "--interval", "60"], "--cron or --interval, not both"),
        (["--window", "1 fortnight"], "window"),
    ):
        failed = runner.invoke(app, ["serve", *args])
        assert failed.exit_code == 2 and message in failed.output, (args, failed.output)
    assert calls == []
    served = runner.invoke(
        app,
        ["serve", "--watch", str(tmp_path), "--source", "edgelist", "--cron", "*/5 * * * *",
         "--cp-nulls", "7", "--option", "delimiter=,", "--db", str(tmp_path / "x.duckdb"),
         "--reports-dir", str(tmp_path / "r")],
    )  # fmt: skip
    assert served.exit_code == 0, served.output
    (call,) = calls
    assert call["watch"] == str(tmp_path) and call["source_format"] == "edgelist"
    assert call["cron"] == "*/5 * * * *" and call["interval_seconds"] is None
    assert call["options"].cp_nulls == 7 and call["reader_options"] == {"delimiter": ","}
    assert call["options"] == AnalysisOptions(cp_nulls=7) and call["n_jobs"] is None
    assert call["db"] == str(tmp_path / "x.duckdb")
    assert call["reports_dir"] == str(tmp_path / "r")


@pytest.mark.parametrize("n_late", [1, 2])
def test_ingest_says_how_many_replies_lack_their_parent(tmp_path, n_late):
    """Replies whose parent is not in the log keep an unknown target, and the command says so
    in a sentence whose number and grammar match the count."""
    rows = ["kind,actor,object,parent,ts", "post,a,p1,,1700000000", "reply,b,r1,p1,1700000060"]
    rows += [f"reply,c,late{i},gone{i},1700000120" for i in range(n_late)]
    path = tmp_path / "thread.csv"
    path.write_text("\n".join(rows) + "\n")
    options = [
        f"--option={k}={v}"
        for k, v in (
            ("kind", "kind"),
            ("actor_id", "actor"),
            ("object_id", "object"),
            ("parent_object_id", "parent"),
            ("occurred_at", "ts"),
            ("time_format", "unix_s"),
        )
    ]
    db = tmp_path / "t.duckdb"
    result = runner.invoke(
        app,
        ["ingest", "--source", "table", "--path", str(path), *options, "--db", str(db)],
        env={"COLUMNS": "200", "NETDYN_ORCHESTRATION": "local"},
    )
    assert result.exit_code == 0, result.output
    expected = (
        "1 inserted reply answers an item that is not in the log: its target actor stays "
        "unknown (ingest the parents' file first)"
        if n_late == 1
        else "2 inserted replies answer an item that is not in the log: their target actor "
        "stays unknown (ingest the parents' file first)"
    )
    assert expected in " ".join(result.stdout.split())
