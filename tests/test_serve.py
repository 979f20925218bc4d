"""Scheduled runs (flows/serve.py, netdyn/watch.py): incremental ingest of a watched folder,
re-analysis only when something changed, retries, artifacts, and the served deployment."""

from __future__ import annotations

import doctest
import json
import os
import time
from pathlib import Path

import numpy as np
import pytest

from netdyn.flows.options import AnalysisOptions
from netdyn.store.db import connect

TINY = {
    "options": AnalysisOptions(
        cp_nulls=5, role_nulls=2, rich_club_nulls=2, mesoscale_nulls=2, n_bootstrap=10
    ),
    "n_jobs": 1,
}
OLD = time.time() - 3600  # an mtime well past any settle time


def write_edges(path: Path, *, seed: int, n: int, t0: int, n_nodes: int = 30) -> set[str]:
    """A temporal edge list of ``n`` messages among ``n_nodes`` actors; returns the actors."""
    rng = np.random.default_rng(seed)
    src = rng.integers(0, n_nodes, n)
    dst = (src + rng.integers(1, n_nodes, n)) % n_nodes  # never a self-loop
    times = t0 + np.cumsum(rng.integers(1, 600, n))
    path.write_text("".join(f"{s} {d} {t}\n" for s, d, t in zip(src, dst, times, strict=True)))
    os.utime(path, (OLD, OLD))
    return {str(v) for v in np.concatenate([src, dst])}


def read_artifacts(flow_run_id) -> dict[str, object]:
    """The keyed artifacts of one flow run, by key."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    by_key = {}
    for a in found:
        if a.key is None:  # Prefect's own result record of a failed run
            continue
        assert a.key not in by_key, f"two versions of {a.key} in one run"
        by_key[a.key] = a
    return by_key


def run_scheduled(**kwargs):
    """Run the scheduled flow; return (result or exception, flow run id)."""
    from netdyn.flows.serve import scheduled_flow

    state = scheduled_flow(return_state=True, retry_backoff_seconds=0.01, **{**TINY, **kwargs})
    return state.result(raise_on_failure=False), state.state_details.flow_run_id


# --- the watched folder, without Prefect ---------------------------------------------------


def test_scan_folder_leaves_hidden_partial_and_fresh_files(tmp_path):
    from netdyn.core.errors import InvalidInputError
    from netdyn.flows.watch import scan_folder

    for name in ("a.txt", ".hidden.txt", "b.txt.part", "c.tmp", "d.txt", "notes~"):
        (tmp_path / name).write_text("1 2 3\n")
        os.utime(tmp_path / name, (OLD, OLD))
    os.utime(tmp_path / "d.txt", (OLD + 3590, OLD + 3590))  # modified 10 s before "now"
    (tmp_path / "sub").mkdir()
    scan = scan_folder(tmp_path, settle_seconds=60, now=OLD + 3600)
    assert dict(scan.select("name", "skip_reason").rows()) == {
        ".hidden.txt": "hidden",
        "a.txt": None,
        "b.txt.part": "partial",
        "c.tmp": "partial",
        "d.txt": "settling",
        "notes~": "partial",
    }
    assert scan.filter("is_ready")["name"].to_list() == ["a.txt"]
    assert scan_folder(tmp_path, settle_seconds=5, now=OLD + 3600)["is_ready"].sum() == 2
    assert scan_folder(tmp_path, patterns=["*.md"]).height == 0
    with pytest.raises(InvalidInputError, match="settle_seconds must be >= 0; got -1"):
        scan_folder(tmp_path, settle_seconds=-1)
    with pytest.raises(InvalidInputError, match="does not exist or is not a folder"):
        scan_folder(tmp_path / "nope")


def test_hash_cache_reuses_unchanged_files_and_rehashes_changed_ones(tmp_path):
    import hashlib

    from netdyn.flows.watch import hash_files, scan_folder

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.txt").write_text("1 2 3\n")
    (inbox / "b.txt").write_text("2 3 4\n")
    cache = tmp_path / "db.duckdb.watch-hashes.json"
    first = hash_files(scan_folder(inbox, settle_seconds=0), cache=cache)
    assert first["content_hash"].to_list() == [
        hashlib.sha256(b"1 2 3\n").hexdigest(),
        hashlib.sha256(b"2 3 4\n").hexdigest(),
    ]
    assert first["is_hash_cached"].to_list() == [False, False]
    (inbox / "b.txt").write_text("2 3 5\n")  # same size, new content, new mtime
    os.utime(inbox / "b.txt", ns=(1, 1))
    second = hash_files(scan_folder(inbox, settle_seconds=0), cache=cache)
    assert second["is_hash_cached"].to_list() == [True, False]
    assert second["content_hash"][1] == hashlib.sha256(b"2 3 5\n").hexdigest()
    cache.write_text("not json")  # a corrupt cache is ignored, not fatal
    third = hash_files(scan_folder(inbox, settle_seconds=0), cache=cache)
    assert third["content_hash"].to_list() == second["content_hash"].to_list()
    assert json.loads(cache.read_text())["version"] == 1


def test_doctests():
    import netdyn.flows.ingest
    import netdyn.flows.serve
    import netdyn.flows.watch

    for module in (netdyn.flows.watch, netdyn.flows.serve, netdyn.flows.ingest):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__


def test_watch_patterns_refuse_folder_formats():
    from netdyn.core.errors import InvalidInputError
    from netdyn.flows.serve import watch_patterns

    assert "*.txt" in watch_patterns("edgelist")
    assert watch_patterns("moltbook-api")[0] == "*.json"
    with pytest.raises(InvalidInputError, match="cannot be watched file by file"):
        watch_patterns("scholp")
    with pytest.raises(InvalidInputError, match="unknown source format"):
        watch_patterns("nope")


def test_io_retry_options_back_off_exponentially():
    from netdyn.core.errors import InvalidInputError
    from netdyn.flows.ingest import io_retry_options

    opts = io_retry_options(2.0)
    assert opts["retries"] == 3 and opts["retry_jitter_factor"] == 0.5
    assert opts["retry_delay_seconds"](opts["retries"]) == [2.0, 4.0, 8.0]
    with pytest.raises(InvalidInputError, match="backoff_seconds must be >= 0; got -1"):
        io_retry_options(-1)


# --- scheduled runs ---------------------------------------------------------------------------


def test_scheduled_runs_ingest_only_new_files_retry_io_and_reanalyse(
    prefect_harness, tmp_path, monkeypatch
):
    import netdyn.flows.ingest
    from netdyn.core.errors import InvalidInputError
    from netdyn.flows.analyze import BATCHES_KEY, FITS_KEY, SUMMARY_KEY
    from netdyn.flows.serve import FILES_KEY

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    db = str(tmp_path / "sched.duckdb")
    actors_a = write_edges(inbox / "a.txt", seed=1, n=300, t0=1_600_000_000)
    (inbox / ".a.txt").write_text("junk")  # an editor's hidden file
    (inbox / "b.txt.part").write_text("1 2 3\n")  # a copy in progress: no pattern matches it
    (inbox / "fresh.txt").write_text("1 2 1600000000\n")  # still being written: settling
    os.utime(inbox / "fresh.txt", (time.time() + 3600,) * 2)  # (however slow the test)
    options = {
        "watch": str(inbox),
        "source_format": "edgelist",
        "db": db,
        "reports_dir": str(tmp_path / "reports"),
        "settle_seconds": 60,
    }
    calls: list[str] = []
    real = netdyn.flows.ingest.load_unit

    def flaky(con, spec, unit, **kwargs):
        """The loader, failing the first attempt at b.txt with an I/O error."""
        calls.append(Path(unit).name)
        if Path(unit).name == "b.txt" and calls.count("b.txt") == 1:
            raise OSError("Input/output error (injected)")
        return real(con, spec, unit, **kwargs)

    monkeypatch.setattr(netdyn.flows.ingest, "load_unit", flaky)

    # run 1: a.txt is new; hidden and settling files wait; never analysed, so analyse
    first, run1 = run_scheduled(**options)
    assert first["label"] == "edgelist:inbox"
    assert {f["name"]: f["status"] for f in first["files"]} == {
        ".a.txt": "hidden",
        "a.txt": "ingested",
        "fresh.txt": "settling",
    }
    assert first["n_new_files"] == 1 and first["n_inserted"] == 300 and calls == ["a.txt"]
    assert first["is_analysed"] and first["analysis_reason"] == "never_analysed"
    assert first["analysis"]["n_actors"] == len(actors_a)

    # run 2: b.txt arrives (its first read fails with an I/O error: retried) and so does a
    # bad file (JSON, not an edge list: not retried); only b.txt is ingested, and re-analysed
    calls.clear()
    actors_b = write_edges(inbox / "b.txt", seed=2, n=200, t0=1_700_000_000)
    (inbox / "c.txt").write_text('{"post": {"id": "p1"}}\n')
    os.utime(inbox / "c.txt", (OLD, OLD))
    error, run2 = run_scheduled(**options)
    assert isinstance(error, InvalidInputError)
    assert "c.txt: UnknownFormatError" in str(error) and "b.txt" not in str(error)
    assert calls == ["b.txt", "b.txt", "c.txt"]  # a.txt not read again, b retried, c once

    # run 3: the bad file is still new and fails again at once; nothing else happens
    calls.clear()
    error, run3 = run_scheduled(**options)
    assert isinstance(error, InvalidInputError) and calls == ["c.txt"]

    # run 4: the bad file is moved away; nothing new, so no ingest and no analysis
    (inbox / "c.txt").rename(tmp_path / "c.txt")
    calls.clear()
    fourth, run4 = run_scheduled(**options)
    assert calls == [] and fourth["n_new_files"] == 0 and fourth["ingest_run_id"] is None
    assert not fourth["is_analysed"] and fourth["analysis_reason"] == "up_to_date"

    con = connect(db, read_only=True)
    batches = con.sql(
        "select batch_id, source, status, uri, n_read, n_inserted, n_duplicate, n_quarantined "
        "from ingest_batches where status = 'committed' order by batch_id"
    ).pl()
    runs = con.execute(
        "select run_id, flow, status, sources from runs order by started_at"
    ).fetchall()
    n_events = con.execute("select count(*) from events").fetchall()[0][0]
    con.close()
    assert [Path(u).name for u in batches["uri"]] == ["a.txt", "b.txt"]
    assert n_events == 500
    cached = json.loads(Path(f"{db}.watch-hashes.json").read_text())["files"]
    assert sorted(Path(p).name for p in cached) == ["a.txt", "b.txt"]  # ready files of run 4
    assert [(flow, status) for _, flow, status, _ in runs] == [
        ("ingest", "completed"),
        ("analyze", "completed"),
        ("ingest", "failed"),  # c.txt failed; b.txt's batch is committed all the same
        ("analyze", "completed"),
        ("ingest", "failed"),
    ]
    last_analysis = runs[3][0]
    assert runs[3][3] == ["edgelist:inbox"]
    con = connect(db, read_only=True)
    n_actors = con.execute(
        "select count(*) from actor_metrics where run_id = ?", [last_analysis]
    ).fetchall()[0][0]
    con.close()
    assert n_actors == len(actors_a | actors_b)  # the re-analysis saw both files

    # artifacts: one version of each key per run; tables hold plain rows that match the DB
    arts = [read_artifacts(r) for r in (run1, run2, run3, run4)]
    assert set(arts[0]) == set(arts[1]) == {SUMMARY_KEY, FITS_KEY, BATCHES_KEY, FILES_KEY}
    assert set(arts[2]) == set(arts[3]) == {SUMMARY_KEY, BATCHES_KEY, FILES_KEY}
    assert (
        json.loads(arts[1][BATCHES_KEY].data)
        == batches.filter(batches["uri"].str.ends_with("b.txt")).to_dicts()
    )
    assert json.loads(arts[3][BATCHES_KEY].data) == []
    fits = json.loads(arts[1][FITS_KEY].data)
    con = connect(db, read_only=True)
    stored = dict(
        con.execute(
            "select quantity, alpha from powerlaw_fits where run_id = ?", [last_analysis]
        ).fetchall()
    )
    con.close()
    assert {f["quantity"]: f["alpha"] for f in fits} == stored
    assert all(f["run_id"] == last_analysis for f in fits)
    summary2 = arts[1][SUMMARY_KEY].data
    assert "ingested `b.txt`: batch 2, 200 new events" in summary2
    assert "**failed**" in summary2 and "c.txt" in summary2 and last_analysis in summary2
    assert (
        f"analysis skipped: nothing new since analysis run `{last_analysis}`"
        in arts[3][SUMMARY_KEY].data
    )
    files2 = {f["name"]: f["status"] for f in json.loads(arts[1][FILES_KEY].data)}
    assert files2 == {
        ".a.txt": "hidden",
        "a.txt": "already_ingested",
        "b.txt": "ingested",
        "c.txt": "failed",
        "fresh.txt": "settling",
    }


def test_scheduled_run_checks_arguments_before_reading(prefect_harness, tmp_path):
    from prefect.exceptions import ParameterTypeError

    from netdyn.core.errors import InvalidInputError

    db = str(tmp_path / "x.duckdb")
    # a deployment gives the analysis options as a mapping: Prefect validates it before the
    # run starts, with the option's own message
    bad_analysis = TINY["options"].model_dump() | {"top_k": 0}
    for kwargs, kind, message in (
        ({"watch": str(tmp_path)}, InvalidInputError, "give the format of the watched files"),
        (
            {"watch": str(tmp_path / "nope"), "source_format": "edgelist"},
            InvalidInputError,
            "does not exist",
        ),
        ({"source_format": "edgelist"}, InvalidInputError, "need a watched folder"),
        ({"n_jobs": 0}, InvalidInputError, "n_jobs must be >= 1, or -1 / None"),
        (
            {"watch": str(tmp_path), "source_format": "edgelist", "options": bad_analysis},
            ParameterTypeError,
            "--top-k must be at least 1; got 0",
        ),
    ):
        error, _ = run_scheduled(db=db, reports_dir=str(tmp_path), **kwargs)
        assert isinstance(error, kind) and message in str(error), kwargs
    assert not Path(db).exists()


def test_pipeline_publishes_each_key_once(simulated_pipeline):
    from netdyn.flows.analyze import BATCHES_KEY, FITS_KEY, SUMMARY_KEY

    # the session's pipeline run (conftest.py), with the versions of each key counted just
    # before and just after it
    before, after = simulated_pipeline["before"], simulated_pipeline["after"]
    assert set(before) == {SUMMARY_KEY, FITS_KEY, BATCHES_KEY}
    assert {k: after[k] - before[k] for k in before} == {k: 1 for k in before}
    result = simulated_pipeline["result"]
    arts = read_artifacts(simulated_pipeline["flow_run_id"])
    assert result["analysis"]["run_id"] in arts[SUMMARY_KEY].data
    assert "simulated `sim:platform:" in arts[SUMMARY_KEY].data
    assert len(json.loads(arts[FITS_KEY].data)) == len(result["analysis"]["fits"]) == 7


# --- serving ----------------------------------------------------------------------------------


def test_serve_builds_a_cron_deployment_of_the_scheduled_flow(tmp_path, monkeypatch):
    from prefect.client.schemas.objects import ConcurrencyLimitStrategy

    import netdyn.flows.serve
    from netdyn.core.errors import InvalidInputError

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    captured = {}
    monkeypatch.setattr(
        netdyn.flows.serve.scheduled_flow, "serve", lambda **kw: captured.update(kw)
    )
    monkeypatch.chdir(tmp_path)
    netdyn.flows.serve.serve(
        watch="inbox", source_format="edgelist", db="n.duckdb", cron="*/1 * * * *", **TINY
    )
    assert captured["name"] == "netdyn-scheduled"
    assert [s.cron for s in captured["schedules"]] == ["*/1 * * * *"]
    params = captured["parameters"]
    assert params["watch"] == str(inbox) and params["db"] == str(tmp_path / "n.duckdb")
    assert params["options"] == TINY["options"].model_dump(mode="json")
    assert params["options"]["cp_nulls"] == 5 and params["n_jobs"] == 1
    assert params["source_format"] == "edgelist"
    limit = captured["global_limit"]
    assert (limit.limit, limit.collision_strategy) == (1, ConcurrencyLimitStrategy.CANCEL_NEW)

    # the same options make a deployment whose schedule, parameters and entrypoint are these
    opts = {k: v for k, v in captured.items() if k != "global_limit"}
    deployment = netdyn.flows.serve.scheduled_flow.to_deployment(**opts, concurrency_limit=limit)
    assert deployment.schedules[0].schedule.cron == "*/1 * * * *"
    assert deployment.entrypoint == "netdyn.flows.serve.scheduled_flow"
    assert deployment.parameters["watch"] == str(inbox)
    # the stored mapping validates back into the same options
    validated = netdyn.flows.serve.scheduled_flow.validate_parameters(deployment.parameters)
    assert validated["options"] == TINY["options"]

    captured.clear()
    netdyn.flows.serve.serve(interval_seconds=90, n_events=1000)
    assert captured["schedules"][0].interval.total_seconds() == 90
    assert captured["parameters"]["watch"] is None
    captured.clear()
    for kwargs, message in (
        ({"cron": "every minute"}, "cron must be five fields"),
        ({"cron": "* * * * *", "interval_seconds": 60}, "exactly one of cron"),
        ({"interval_seconds": 0}, "interval_seconds must be > 0"),
        ({"watch": "inbox"}, "give --source"),
        ({"watch": "nope", "source_format": "edgelist"}, "does not exist"),
        ({"watch": "inbox", "source_format": "scholp"}, "cannot be watched"),
        ({"n_jobs": 0}, "n_jobs must be >= 1, or -1 / None"),
    ):
        with pytest.raises(InvalidInputError, match=message):
            netdyn.flows.serve.serve(**kwargs)
    with pytest.raises(InvalidInputError, match="--cp-nulls must be at least 0; got -1"):
        netdyn.flows.serve.serve(options=AnalysisOptions(cp_nulls=-1))
    assert not captured
