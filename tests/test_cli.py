"""The command line: options, environment, errors that say how to fix the call."""

from __future__ import annotations

from typer.testing import CliRunner

from netdyn.cli import app

runner = CliRunner()


def test_help_lists_commands_and_examples():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("run", "ingest", "analyze", "simulate", "status", "sql"):
        assert command in result.output
    run_help = runner.invoke(app, ["run", "--help"])
    assert "--source" in run_help.output and "NETDYN_DB" in run_help.output


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
            "select count(*) filter (where source like 'null:link_shuffle:%') = "
            "count(*) filter (where source like 'sim:platform:%') as same from events",
        ],
    )
    assert "True" in counts.output or "true" in counts.output
    unpaired = runner.invoke(app, ["simulate", "--null", "link_shuffle"])
    assert unpaired.exit_code == 2 and "--replay" in unpaired.output


def test_unknown_format_and_missing_path_are_clear(prefect_harness, tmp_path):
    db = str(tmp_path / "x.duckdb")
    bad = runner.invoke(app, ["ingest", "--source", "csv", "--path", str(tmp_path), "--db", db])
    assert bad.exit_code == 2
    assert "unknown source format 'csv'" in bad.output and "edgelist" in bad.output
    missing = runner.invoke(
        app, ["ingest", "--source", "edgelist", "--path", str(tmp_path / "nope.txt"), "--db", db]
    )
    assert missing.exit_code == 2 and "does not exist" in missing.output


def test_sql_without_database_and_bad_query(tmp_path):
    db = str(tmp_path / "none.duckdb")
    result = runner.invoke(app, ["sql", "select 1", "--db", db])
    assert result.exit_code == 2 and "no database" in result.output
