"""write_exposure on an event log: the stored rows are the reference per-exposure results.

The writer counts exposures chunk by chunk (``exposure_analysis``); here the same run is
analysed with ``count_exposures`` / ``exposure_response`` / ``cox_exposure`` and the stored
rows must agree to 1e-6, with ``n_exposures`` the reference row count, and the progress task
must carry a total.
"""

from __future__ import annotations

import math

import polars as pl
import pytest

from netdyn.analytics.cox_exposure import cox_exposure
from netdyn.analytics.exposure import (
    count_exposures,
    exposure_edges_from_events,
    exposure_response,
)
from netdyn.core import progress
from netdyn.ingest.load import ingest_chunk
from netdyn.results.cascades import write_cascades
from netdyn.results.contagion import thread_adoptions, write_exposure
from netdyn.results.rows import run_events
from netdyn.sim.platform import PlatformParams, simulate_platform
from netdyn.store.db import connect
from netdyn.store.runs import start_run


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    con = connect(tmp_path_factory.mktemp("exposure_write") / "e.duckdb")
    params = PlatformParams(n_actors=300, n_posts=1200, duration_days=5.0, seed=9)
    ingest_chunk(con, simulate_platform(params), source="sim", reader="test")
    run_id = start_run(con, flow="analyze", parameters={}, sources=["sim"])
    write_cascades(con, run_id, ["sim"])
    yield con, run_id
    con.close()


def reference(con, run_id, adoptions, max_k):
    """The pre-streaming writer's computation: every exposure held as a row."""
    events = run_events(
        con,
        run_id,
        columns=("kind", "actor_id", "target_actor_id", "occurred_at", "seconds_since_root"),
    )
    assert events["occurred_at"].null_count() == 0  # calendar times: observed until the end
    edges = exposure_edges_from_events(events)
    until = events["occurred_at"].max().timestamp()
    exposures = count_exposures(adoptions, edges)
    curve = exposure_response(exposures, adoptions, max_k=max_k)
    return curve, cox_exposure(exposures, adoptions, until=until), exposures.height


@pytest.mark.parametrize("chunk_size", [500, 1_000_000])
def test_stored_rows_match_the_reference_path(run, chunk_size):
    con, run_id = run
    adoptions = thread_adoptions(con, run_id)
    seen = []
    with progress.listen(seen.append):
        summary = write_exposure(
            con, run_id, {"reply_thread": adoptions}, max_k=6, chunk_size=chunk_size
        )
    curve, cox, n_exposures = reference(con, run_id, adoptions, 6)
    assert summary["reply_thread"]["n_exposures"] == n_exposures > 0
    stored = con.sql(
        "select * from exposure_hazard where run_id = ? and contagion_type = 'reply_thread'",
        params=[run_id],
    ).pl()
    row = stored.row(0, named=True)
    assert row["status"] == cox.status == "ok"
    assert row["n_exposures"] == n_exposures and row["static_graph"] is False
    for name in ("n_subjects", "n_events", "n_contagions", "n_intervals"):
        assert row[name] == getattr(cox, name), name
    for name in ("hazard_ratio", "coef", "se", "se_naive", "p_value", "concordance"):
        want = getattr(cox, name)
        assert row[name] == pytest.approx(want, rel=1e-6), name
    for name in ("ph_statistic", "ph_p_value"):
        want = getattr(cox, name)
        assert (row[name] is None and math.isnan(want)) or row[name] == pytest.approx(
            want, rel=1e-6, abs=1e-12
        ), name
    response = con.sql(
        "select k, n_exposed, n_adopted, p_adopt from exposure_response where run_id = ? "
        "order by k",
        params=[run_id],
    ).pl()
    assert (
        response.select("k", "n_exposed", "n_adopted").rows()
        == curve.select(pl.col("k").cast(pl.Int32), "n_exposed", "n_adopted").rows()
    )
    # one progress task with a total (three passes over the chunks), finished at its total
    tasks = [e for e in seen if e.description == "exposure: reply_thread"]
    assert tasks[0].action == "start" and tasks[-1].action == "finish" and tasks[-1].ok
    assert tasks[-1].total is not None and tasks[-1].total % 3 == 0
    assert tasks[-1].completed == tasks[-1].total
    if chunk_size == 500:
        assert tasks[-1].total > 3  # several chunks
