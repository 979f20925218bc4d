"""Independent pieces of work run here, in worker processes or on a Dask cluster, with the
same answers in the same order; an analysis on a local two-worker Dask cluster stores the
same results as one in this process."""

from __future__ import annotations

import math

import pytest
from builders import copy_database, result_rows

from netdyn.core.errors import InvalidInputError
from netdyn.core.parallel import (
    active_cluster,
    check_dask_address,
    dask_cluster,
    map_ordered,
    worker_count,
)


def _square_root(x: float) -> float:  # module level: workers import it by name
    return math.sqrt(x)


def test_map_ordered_agrees_here_in_processes_and_on_dask():
    items = [float(i * i) for i in range(40)]
    here = map_ordered(_square_root, items, n_jobs=1)
    assert here == [float(i) for i in range(40)]
    assert map_ordered(_square_root, items, n_jobs=2) == here
    assert map_ordered(_square_root, items, n_jobs=2, start_method=None) == here
    assert active_cluster() is None
    with dask_cluster("local") as client:
        assert active_cluster() is client
        assert map_ordered(_square_root, items, n_jobs=1) == here  # n_jobs ignored
    assert active_cluster() is None
    with dask_cluster(None) as nothing:
        assert nothing is None and map_ordered(_square_root, [4.0]) == [2.0]


def test_bad_addresses_and_worker_counts_are_refused():
    assert check_dask_address("local") == "local"
    assert check_dask_address("10.0.0.5:8786") == "10.0.0.5:8786"
    with pytest.raises(InvalidInputError, match="--dask 'my laptop' is not a scheduler address"):
        check_dask_address("my laptop")
    with pytest.raises(InvalidInputError, match="n_jobs must be >= 1"):
        worker_count(0)
    assert worker_count(3) == 3 and worker_count(None) >= 1


def test_analysis_on_a_local_dask_cluster_stores_what_a_local_run_stores(local_analysis, tmp_path):
    from netdyn.flows.analyze import analyze_flow
    from netdyn.flows.engine import orchestration, run_flow

    # the simulated log and its analysis in this process (n_jobs=1) come from the session's
    # shared fixture; the same analysis runs again with its pieces on the Dask workers
    db = copy_database(local_analysis["db"], tmp_path / "dask.duckdb")
    here = local_analysis["result"]
    kwargs = dict(db=db, sources=[local_analysis["label"]], options=local_analysis["options"])
    with orchestration("local"), dask_cluster("local"):
        there = run_flow(analyze_flow, reports_dir=str(tmp_path / "dask"), n_jobs=1, **kwargs)
    assert result_rows(db, here["run_id"]) == result_rows(db, there["run_id"])
