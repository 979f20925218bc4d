"""The analysis options (flows/options.py): one validated object from the command line to
``runs.parameters``.

* defaults: :class:`AnalysisOptions` holds the documented defaults, and no flow, command or
  writer repeats them (the flows and commands take the object whole);
* validation: every minimum is accepted and the value below it refused, with one line that
  names the option as the command line spells it; windows and types likewise;
* round trip: for every command that analyses (``run``, ``analyze``, ``compare``, ``serve``)
  and every field, a value given on the command line arrives in the flow's options (and, for
  ``serve``, in the deployment's parameters and back); a real, tiny ``netdyn analyze`` records
  exactly :meth:`AnalysisOptions.to_parameters` in ``runs.parameters``, and every field changes
  what is recorded (so every field decides ``netdyn compare``'s reuse);
* documentation: the README's option table is the one generated from the fields, and
  ``prefect.yaml``'s parameters validate against the scheduled flow.
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from netdyn.cli import app
from netdyn.core.errors import InvalidInputError
from netdyn.flows.options import (
    DEFAULT_ANALYSIS,
    AnalysisOptions,
    check_n_jobs,
    cli_flag,
    markdown_table,
)

REPO = Path(__file__).resolve().parents[1]
FIELDS = list(AnalysisOptions.model_fields)
runner = CliRunner()

#: The defaults as the README documents them (written here on purpose: a changed default must
#: be a deliberate change of this table and of the README).
DOCUMENTED_DEFAULTS = {
    "seed": 0,
    "n_bootstrap": 200,
    "window": "1d",
    "window_step": None,
    "top_k": 10,
    "ngram": 3,
    "min_adopters": 2,
    "cp_nulls": 100,
    "role_nulls": 10,
    "rich_club_nulls": 20,
    "mesoscale_nulls": 20,
    "mesoscale_window": "7d",
    "exposure_max_pairs": 20_000_000,
    "role_fit_actors": 20_000,
    "betweenness_exact_max_actors": 2_000,
    "betweenness_pivots": 200,
    "reach_max_targets": 4_096,
}

#: A value other than the default for every field, cheap enough for a real analysis.
NON_DEFAULT = {
    "seed": 7,
    "n_bootstrap": 3,
    "window": "2d",
    "window_step": "12h",
    "top_k": 3,
    "ngram": 2,
    "min_adopters": 3,
    "cp_nulls": 2,
    "role_nulls": 2,
    "rich_club_nulls": 3,
    "mesoscale_nulls": 3,
    "mesoscale_window": "3d",
    "exposure_max_pairs": 5_000,
    "role_fit_actors": 100,
    "betweenness_exact_max_actors": 10,
    "betweenness_pivots": 5,
    "reach_max_targets": 3,
}

#: The smallest accepted value of each count.
MINIMA = {
    "seed": 0,
    "n_bootstrap": 0,
    "top_k": 1,
    "ngram": 1,
    "min_adopters": 1,
    "cp_nulls": 0,
    "role_nulls": 1,
    "rich_club_nulls": 0,
    "mesoscale_nulls": 2,
    "exposure_max_pairs": 0,
    "role_fit_actors": 0,
    "betweenness_exact_max_actors": 0,
    "betweenness_pivots": 1,
    "reach_max_targets": 0,
}


def cli_args(values: dict) -> list[str]:
    """``--name value`` for every item."""
    return [arg for name, value in values.items() for arg in (cli_flag(name), str(value))]


# --------------------------------------------------------------------------- defaults


def test_defaults_are_the_documented_ones():
    assert AnalysisOptions().model_dump() == DOCUMENTED_DEFAULTS
    assert AnalysisOptions() == DEFAULT_ANALYSIS
    assert set(NON_DEFAULT) == set(FIELDS) == set(DOCUMENTED_DEFAULTS)
    assert all(NON_DEFAULT[name] != DOCUMENTED_DEFAULTS[name] for name in FIELDS)
    assert all(AnalysisOptions.model_fields[name].description for name in FIELDS)


def test_the_docstring_documents_every_field_with_its_default():
    documented = dict(
        re.findall(
            r"^    (\w+) : [^\n]*?(?:default (\S+)|optional)$", AnalysisOptions.__doc__, re.M
        )
    )
    assert list(documented) == FIELDS
    for name, text in documented.items():
        default = DOCUMENTED_DEFAULTS[name]
        assert (text.strip('`"') or None) == (None if default is None else str(default)), name


def test_flows_and_commands_take_the_object_whole_and_repeat_no_default():
    import netdyn.cli.commands_run as commands
    import netdyn.cli.commands_serve as scheduling
    from netdyn.flows.analyze import analysis_parameters, analyze_flow
    from netdyn.flows.compare import compare_flow
    from netdyn.flows.pipeline import pipeline_flow
    from netdyn.flows.serve import scheduled_flow, serve

    flows = (analyze_flow.fn, pipeline_flow.fn, compare_flow.fn, scheduled_flow.fn, serve)
    # the command functions as written, before analysis_options expands their signature
    cli = [inspect.unwrap(c) for c in (commands.run, commands.analyze, commands.compare)]
    cli.append(inspect.unwrap(scheduling.serve))
    for function, name in [(f, "options") for f in (*flows, analysis_parameters)] + [
        (c, "analysis") for c in cli
    ]:
        parameters = inspect.signature(function).parameters
        assert not set(FIELDS) & set(parameters), function.__qualname__
        assert name in parameters, function.__qualname__
        default = parameters[name].default
        assert default is inspect.Parameter.empty or default is DEFAULT_ANALYSIS
    # no other module of the package spells a default of the options again
    sources = [
        p
        for folder in ("flows", "netdyn/cli", "netdyn/results/structure.py")
        for p in ((REPO / folder).rglob("*.py") if (REPO / folder).is_dir() else [REPO / folder])
        if p.name != "options.py"
    ]
    for name, default in DOCUMENTED_DEFAULTS.items():
        if default is None or name == "seed":  # a seed of 0 is every simulator's default too
            continue
        value = re.escape(str(default))
        literal = rf"[\"']{value}[\"']" if isinstance(default, str) else rf"{value}(?![\w.])"
        pattern = re.compile(rf"\b{name}\b[^=\n(]*=\s*{literal}")
        for path in sources:
            found = pattern.findall(path.read_text(encoding="utf-8"))
            assert not found, (path, found)


# ------------------------------------------------------------------------- validation


@pytest.mark.parametrize("name", sorted(MINIMA))
def test_each_minimum_is_accepted_and_the_value_below_refused(name):
    lowest = MINIMA[name]
    assert getattr(AnalysisOptions(**{name: lowest}), name) == lowest
    with pytest.raises(InvalidInputError) as caught:
        AnalysisOptions(**{name: lowest - 1})
    assert str(caught.value) == f"{cli_flag(name)} must be at least {lowest}; got {lowest - 1}"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"cp_nulls": -1}, "--cp-nulls must be at least 0; got -1"),
        ({"top_k": 0}, "--top-k must be at least 1; got 0"),
        (
            {"cp_nulls": -1, "mesoscale_nulls": 1},
            "--cp-nulls must be at least 0; got -1; --mesoscale-nulls must be at least 2; got 1",
        ),
        ({"window": "3x"}, "--window: window width must be a duration like"),
        ({"window": "0d"}, "--window: window width must be a positive duration; got '0d'"),
        ({"window_step": "zz"}, "--window-step: window step must be a duration like"),
        (
            {"window": "1h", "window_step": "2h"},
            "--window-step: window step (7200 s) must not exceed the width (3600 s)",
        ),
        ({"mesoscale_window": "weekly"}, "--mesoscale-window: window width must be a duration"),
        ({"cp_nulls": "many"}, "--cp-nulls: input should be a valid integer"),
        ({"cp_nulls": 1.5}, "--cp-nulls: input should be a valid integer"),
        ({"role_nulls": None}, "--role-nulls: input should be a valid integer; got None"),
        ({"cp_null": 5}, "unknown analysis option 'cp_null'; the options are seed, n_bootstrap"),
        (
            {"role_fit_actors": 99},
            "--role-fit-actors must be 0 (fit on every actor) or at least 100; got 99",
        ),
    ],
)
def test_bad_options_fail_with_one_line_naming_the_option(values, message):
    with pytest.raises(InvalidInputError) as caught:
        AnalysisOptions(**values)
    error = caught.value
    assert type(error) is InvalidInputError and not isinstance(error, ValidationError)
    assert str(error).startswith(message), str(error)
    assert "\n" not in str(error) and error.__cause__ is None
    # the same message through pydantic (how Prefect validates a deployment's mapping)
    with pytest.raises(ValidationError) as through_pydantic:
        AnalysisOptions.model_validate(values)
    assert [e["msg"] for e in through_pydantic.value.errors()] == [str(error)]


def test_boundary_windows_and_steps_are_accepted():
    options = AnalysisOptions(window="1s", window_step="1s", mesoscale_window="1s")
    assert options.window_spec().kind == "tumbling"
    assert AnalysisOptions(window="2d", window_step="2d").window_spec().kind == "tumbling"
    assert AnalysisOptions(window="2d", window_step="12h").window_spec().kind == "sliding"


def test_the_object_is_frozen_and_replace_validates():
    options = AnalysisOptions(cp_nulls=5)
    with pytest.raises(ValidationError):
        options.cp_nulls = 6  # type: ignore[misc]
    assert options.replace(role_nulls=3) == AnalysisOptions(cp_nulls=5, role_nulls=3)
    assert options.replace(role_nulls=3).non_defaults() == {"cp_nulls": 5, "role_nulls": 3}
    with pytest.raises(InvalidInputError, match="--role-nulls must be at least 1; got 0"):
        options.replace(role_nulls=0)
    assert AnalysisOptions.from_mapping(None) == DEFAULT_ANALYSIS
    assert AnalysisOptions.from_mapping({"cp_nulls": 5}) == options
    assert hash(options) == hash(AnalysisOptions(cp_nulls=5))


@pytest.mark.parametrize(
    ("n_jobs", "ok"),
    [(None, True), (-1, True), (1, True), (4, True)]
    + [(0, False), (-2, False), (1.5, False), (True, False)],
)
def test_n_jobs_is_none_minus_one_or_positive(n_jobs, ok):
    if ok:
        check_n_jobs(n_jobs)
        return
    with pytest.raises(InvalidInputError, match=r"^--n-jobs must be >= 1, or -1 / None"):
        check_n_jobs(n_jobs, name="--n-jobs")


# ------------------------------------------------------------------- what is recorded


def test_every_field_changes_what_runs_parameters_record():
    default = DEFAULT_ANALYSIS.to_parameters()
    assert set(default) == {
        "n_bootstrap",
        "seed",
        "window",
        "top_k",
        "content",
        "nulls",
        "mesoscale_window",
        "approximations",
    }
    assert default["nulls"] == {
        "core_periphery": 100,
        "roles": 10,
        "rich_club": 20,
        "mesoscale": 20,
    }
    assert json.loads(json.dumps(default)) == default  # plain JSON
    for name in FIELDS:
        changed = AnalysisOptions(**{name: NON_DEFAULT[name]}).to_parameters()
        assert changed != default, name


def test_analysis_parameters_add_sources_and_reports_dir():
    from netdyn.flows.analyze import analysis_parameters

    options = AnalysisOptions(**NON_DEFAULT)
    assert analysis_parameters(["a"], options, reports_dir="r") == {
        "sources": ["a"],
        "reports_dir": "r",
        **options.to_parameters(),
    }


# ------------------------------------------------------------------------ round trip


def _edge_db(tmp_path: Path, labels: tuple[str, ...] = ("m",), n: int = 300) -> Path:
    """A database with ``n`` messages among 30 actors over about six days per label."""
    from netdyn.ingest.load import ingest_path
    from netdyn.store.db import connect

    db = tmp_path / "edges.duckdb"
    con = connect(db)
    try:
        for i, label in enumerate(labels):
            rng = np.random.default_rng(i)
            src = rng.integers(0, 30, n)
            dst = (src + rng.integers(1, 30, n)) % 30  # never a self-loop
            times = 1_700_000_000 + np.cumsum(rng.integers(1, 3600, n))
            path = tmp_path / f"{label}.txt"
            path.write_text(
                "".join(f"{s} {d} {t}\n" for s, d, t in zip(src, dst, times, strict=True))
            )
            ingest_path(con, "edgelist", path)
    finally:
        con.close()
    return db


_ANALYSIS_RESULT = {
    "run_id": "r1",
    "report": "r1.html",
    "n_cascades": 0,
    "n_orphan_nodes": 0,
    "n_actors": 0,
    "n_edges": 0,
    "fits": [],
}


@pytest.fixture
def captured(tmp_path, monkeypatch):
    """Replace the flows the commands call by recorders; return (calls, argv per command).

    A recorder checks that its keyword arguments bind to the real flow's signature, records
    them and answers like the flow would.
    """
    import netdyn.cli.commands_serve
    import netdyn.flows.analyze
    import netdyn.flows.compare
    import netdyn.flows.pipeline
    import netdyn.flows.serve

    calls: dict[str, dict] = {}

    def recorder(command, real, answer):
        def record(**kwargs):
            inspect.signature(real).bind(**kwargs)
            calls[command] = kwargs
            return answer

        return record

    served: dict = {}
    monkeypatch.setattr(
        netdyn.flows.pipeline,
        "pipeline_flow",
        recorder(
            "run",
            netdyn.flows.pipeline.pipeline_flow.fn,
            {"load": {}, "analysis": _ANALYSIS_RESULT},
        ),
    )
    monkeypatch.setattr(
        netdyn.flows.analyze,
        "analyze_flow",
        recorder("analyze", netdyn.flows.analyze.analyze_flow.fn, _ANALYSIS_RESULT),
    )
    monkeypatch.setattr(
        netdyn.flows.compare,
        "compare_flow",
        recorder(
            "compare",
            netdyn.flows.compare.compare_flow.fn,
            {"run_id": "c1", "analyses": {}, "report": "c1.html"},
        ),
    )
    # serve: the real function, down to the deployment it would serve
    real_serve = netdyn.flows.serve.serve

    def serve_and_record(**kwargs):
        calls["serve"] = kwargs
        real_serve(**kwargs)

    monkeypatch.setattr(netdyn.flows.serve, "serve", serve_and_record)
    monkeypatch.setattr(netdyn.flows.serve.scheduled_flow, "serve", lambda **kw: served.update(kw))
    monkeypatch.setattr(
        netdyn.cli.commands_serve, "_prefect_api_url", lambda: "http://127.0.0.1:4200/api"
    )
    db = _edge_db(tmp_path, labels=("a", "b"), n=20)
    common = ["--db", str(db), "--reports-dir", str(tmp_path / "reports")]
    argv = {
        "run": ["run", *common],
        "analyze": ["analyze", "--source", "edgelist:a", *common],
        "compare": ["compare", "edgelist:a", "edgelist:b", *common],
        "serve": ["serve", "--db", str(tmp_path / "s.duckdb")],
    }
    return calls, argv, served


COMMANDS = ("run", "analyze", "compare", "serve")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_field_given_on_the_command_line_reaches_the_flow(captured, command):
    """Each field alone, then all of them together, for every command that analyses."""
    from netdyn.flows.serve import scheduled_flow

    calls, argv, served = captured
    cases = [{name: NON_DEFAULT[name]} for name in FIELDS] + [NON_DEFAULT, {}]
    for values in cases:
        calls.clear()
        result = runner.invoke(app, [*argv[command], *cli_args(values), "--n-jobs", "1"])
        assert result.exit_code == 0, (values, result.output)
        call = calls[command]
        assert call["options"] == AnalysisOptions(**values), values
        assert call["options"].non_defaults() == values
        assert call["n_jobs"] == 1
        if command == "serve":  # and on through the deployment into the scheduled flow
            parameters = served["parameters"]
            assert parameters["n_jobs"] == 1
            validated = scheduled_flow.validate_parameters(parameters)
            assert validated["options"] == AnalysisOptions(**values), values


@pytest.mark.parametrize("command", COMMANDS)
def test_bad_options_stop_every_command_before_its_flow(captured, command):
    calls, argv, _ = captured
    for extra, message in (
        (["--cp-nulls", "-1"], "--cp-nulls must be at least 0; got -1"),
        (["--mesoscale-window", "3x"], "--mesoscale-window: window width must be a duration"),
        (["--rich-club-nulls", "-1"], "--rich-club-nulls must be at least 0; got -1"),
        (["--n-jobs", "0"], "--n-jobs must be >= 1, or -1 / None for every core; got 0"),
    ):
        result = runner.invoke(app, [*argv[command], *extra])
        assert result.exit_code == 2, result.output
        errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1 and message in errors[0], result.stderr
        assert "Traceback" not in result.output
    assert calls == {}


def test_help_of_every_analysing_command_lists_every_option_with_its_description():
    for command in COMMANDS:
        result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "400"})
        assert result.exit_code == 0
        text = " ".join(result.output.replace("│", " ").split())
        for name in FIELDS:
            assert cli_flag(name) in text, (command, name)
            description = " ".join(AnalysisOptions.model_fields[name].description.split())
            assert description in text, (command, name)
        assert "--n-jobs" in text


def test_analyze_records_every_option_in_runs_parameters(tmp_path, monkeypatch):
    """A real, tiny ``netdyn analyze`` with every field off its default (in this process:
    the local path, which tests/test_engine.py holds equal to Prefect's)."""
    import netdyn.results.structure
    from netdyn.flows.analyze import analysis_parameters
    from netdyn.store.db import connect

    club_calls: list[int] = []
    real_rich_club = netdyn.results.structure.rich_club

    def spy(graph, **kwargs):
        club_calls.append(kwargs["n_randomisations"])
        return real_rich_club(graph, **kwargs)

    monkeypatch.setattr(netdyn.results.structure, "rich_club", spy)
    monkeypatch.setenv("NETDYN_ORCHESTRATION", "local")
    db = _edge_db(tmp_path)
    reports = tmp_path / "reports"
    result = runner.invoke(
        app,
        ["analyze", "--source", "edgelist:m", "--db", str(db), "--reports-dir", str(reports)]
        + [*cli_args(NON_DEFAULT), "--n-jobs", "1"],
    )
    assert result.exit_code == 0, result.output
    expected = AnalysisOptions(**NON_DEFAULT)
    con = connect(db, read_only=True)
    try:
        ((run_id, stored),) = con.execute(
            "select run_id, parameters from runs where flow = 'analyze'"
        ).fetchall()
        resamples = con.execute(
            "select distinct n_resamples from powerlaw_fits where run_id = ? and status = 'ok'",
            [run_id],
        ).fetchall()
        cp_nulls = con.execute(
            "select n_nulls from core_periphery_fits where run_id = ? and method = 'discrete'",
            [run_id],
        ).fetchall()
        widths = con.execute(
            "select distinct epoch(window_end) - epoch(window_start) from window_graph_metrics "
            "where run_id = ?",
            [run_id],
        ).fetchall()
        steps = con.execute(
            """
            select distinct epoch(window_start)
                            - lag(epoch(window_start)) over (order by window_start)
            from (select distinct window_start from window_graph_metrics where run_id = ?)
            """,
            [run_id],
        ).fetchall()
    finally:
        con.close()
    stored = json.loads(stored) if isinstance(stored, str) else stored
    assert stored == json.loads(
        json.dumps(analysis_parameters(["edgelist:m"], expected, reports_dir=str(reports)))
    )
    assert {k: v for k, v in stored.items() if k not in ("sources", "reports_dir")} == (
        json.loads(json.dumps(expected.to_parameters()))
    )
    assert stored["nulls"] == {"core_periphery": 2, "roles": 2, "rich_club": 3, "mesoscale": 3}
    # and the analysis itself ran with them
    assert resamples == [(3,)]
    assert cp_nulls == [(2,)]
    assert widths == [(2 * 86400,)]
    assert {s for (s,) in steps if s is not None} == {12 * 3600}
    assert club_calls == [3]


# ---------------------------------------------------------------------- documentation


def test_readme_lists_every_option_with_its_default_and_description():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = markdown_table()
    assert table in readme, "README's analysis-option table is stale: paste markdown_table()"
    rows = [line for line in table.splitlines()[2:]]
    assert [re.match(r"\| `(--[a-z-]+)`", row).group(1) for row in rows] == [
        cli_flag(name) for name in FIELDS
    ]
    for row, name in zip(rows, FIELDS, strict=True):
        default = DOCUMENTED_DEFAULTS[name]
        assert f"| {'none' if default is None else f'`{default}`'} |" in row
        assert AnalysisOptions.model_fields[name].description in row


def test_prefect_yaml_parameters_validate_against_the_scheduled_flow():
    import yaml

    from netdyn.flows.serve import scheduled_flow

    config = yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))
    (deployment,) = config["deployments"]
    parameters = {
        k: ("/srv/x" if isinstance(v, str) and "{{" in v else v)
        for k, v in deployment["parameters"].items()
    }
    validated = scheduled_flow.validate_parameters(parameters)
    assert isinstance(validated["options"], AnalysisOptions)
    assert validated["options"] == AnalysisOptions(**deployment["parameters"]["options"])
    # the entrypoint names the flow's module path, importable wherever netdyn is installed
    module, _, name = deployment["entrypoint"].rpartition(".")
    assert getattr(importlib.import_module(module), name) is scheduled_flow
