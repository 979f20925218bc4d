"""Parameter sweeps: one task per grid point, the same results on threads and on Dask."""

from __future__ import annotations

import json

import pytest

from netdyn.core.errors import InvalidInputError
from netdyn.flows.sweep import sweep_flow, sweep_grid
from netdyn.store.db import connect, invariant_violations

AXES = {"branching_ratio": [0.3, 0.8], "activity_exponent": [2.0, 3.0]}


def stored(db: str, run_id: str) -> dict[tuple[str, str], float]:
    con = connect(db, read_only=True)
    try:
        assert not any(invariant_violations(con).values())
        return {
            (p, s): v
            for p, s, v in con.execute(
                "select parameters::varchar, statistic, value from sweep_results where run_id = ?",
                [run_id],
            ).fetchall()
        }
    finally:
        con.close()


def test_grid_and_guards():
    assert sweep_grid(AXES) == [
        {"branching_ratio": 0.3, "activity_exponent": 2.0},
        {"branching_ratio": 0.3, "activity_exponent": 3.0},
        {"branching_ratio": 0.8, "activity_exponent": 2.0},
        {"branching_ratio": 0.8, "activity_exponent": 3.0},
    ]
    with pytest.raises(InvalidInputError, match="cannot sweep"):
        sweep_grid({"temperature": [1.0]})
    with pytest.raises(InvalidInputError, match="at least one value"):
        sweep_grid({"branching_ratio": []})


def test_sweep_on_threads_and_on_a_local_dask_cluster_agree(prefect_harness, tmp_path):
    from prefect_dask import DaskTaskRunner

    db = str(tmp_path / "sweep.duckdb")
    threads = sweep_flow(axes=AXES, db=db, n_events=1500, seed=3)
    assert threads["n_points"] == 4
    values = stored(db, threads["run_id"])
    sizes = {
        json.loads(p)["branching_ratio"]: v
        for (p, s), v in values.items()
        if s == "mean_cascade_size" and json.loads(p)["activity_exponent"] == 2.0
    }
    # Galton-Watson: mean tree size 1 / (1 - r): 1.43 at r = 0.3, 5 at r = 0.8 (capped, noisy)
    assert sizes[0.3] == pytest.approx(1 / 0.7, rel=0.15)
    assert 3.5 < sizes[0.8] < 6.5
    dask_flow = sweep_flow.with_options(
        task_runner=DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1})
    )
    on_dask = dask_flow(axes=AXES, db=db, n_events=1500, seed=3)
    assert stored(db, on_dask["run_id"]) == values  # no code change, same answers
