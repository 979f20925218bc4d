"""Shared fixtures: the real datasets in ../shared/data and a Prefect test harness."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

# One BLAS thread, as the command line sets for its runs (netdyn/cli/__init__.py): the tests
# call the flows and analytics in this process, so it is set here, before numpy loads (and is
# inherited by the subprocesses and workers the tests start). netdyn's linear algebra is on
# tiny matrices, where OpenBLAS's threads only spin (2-3x the CPU time on 2 cores).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def require_data(path: Path) -> Path:
    """Return ``path`` if it exists; fail loudly under CI, skip otherwise."""
    if path.exists():
        return path
    message = f"real dataset {path} is missing (expected ../shared/data beside the repository)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real datasets, ``<repo>/../shared/data``."""
    return require_data(SHARED_DATA)


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect API for the whole session (about 10 s to start)."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


# --- analysed databases shared by several test files ----------------------------------------------


@pytest.fixture(scope="session")
def simulated_pipeline(prefect_harness, tmp_path_factory) -> dict[str, Any]:
    """One pipeline run through Prefect, shared by the tests that check what it left behind.

    The pipeline flow simulates about 4,000 platform events (seed 3) and analyses them with
    small null and bootstrap counts (:data:`builders.SMALL_ANALYSIS`) and the default
    ``n_jobs`` (worker processes). ``tests/test_pipeline.py`` checks what it stored and
    reported, ``tests/test_serve.py`` the artifacts it published. The database is closed; a
    test that writes to it works on a copy (:func:`builders.copy_database`).

    Returns
    -------
    dict
        ``db``, ``reports``, ``options``, ``result`` (the flow's return value),
        ``flow_run_id``, and the number of versions of each artifact key just ``before`` and
        ``after`` the run.
    """
    from builders import SMALL_ANALYSIS, count_artifacts

    from netdyn.flows.analyze import BATCHES_KEY, FITS_KEY, SUMMARY_KEY
    from netdyn.flows.options import AnalysisOptions
    from netdyn.flows.pipeline import pipeline_flow

    folder = tmp_path_factory.mktemp("pipeline")
    options = AnalysisOptions(seed=3, **SMALL_ANALYSIS)  # seeds the simulation and the analysis
    keys = (SUMMARY_KEY, FITS_KEY, BATCHES_KEY)
    before = {k: count_artifacts(k) for k in keys}
    state = pipeline_flow(
        db=str(folder / "pipe.duckdb"),
        reports_dir=str(folder / "reports"),
        n_events=4000,
        options=options,
        return_state=True,
    )
    result = state.result()
    return {
        "db": str(folder / "pipe.duckdb"),
        "reports": folder / "reports",
        "options": options,
        "result": result,
        "flow_run_id": state.state_details.flow_run_id,
        "before": before,
        "after": {k: count_artifacts(k) for k in keys},
    }


@pytest.fixture(scope="session")
def local_analysis(tmp_path_factory) -> dict[str, Any]:
    """A simulated log analysed in this process (no Prefect, ``n_jobs=1``), shared by the tests
    that run the same analysis another way and compare every stored row with it: through
    Prefect (``tests/test_engine.py``) and on a Dask cluster (``tests/test_parallel.py``).

    The database is closed; each test analyses a copy (:func:`builders.copy_database`).

    Returns
    -------
    dict
        ``db``, ``label`` (the simulated source), ``options`` and ``result`` (the analysis's).
    """
    from netdyn.flows.analyze import analyze_flow
    from netdyn.flows.engine import orchestration, run_flow
    from netdyn.flows.options import AnalysisOptions
    from netdyn.flows.simulate import simulate_flow

    folder = tmp_path_factory.mktemp("local_analysis")
    db = str(folder / "local.duckdb")
    options = AnalysisOptions(
        seed=5, n_bootstrap=20, cp_nulls=10, role_nulls=2, rich_club_nulls=3, mesoscale_nulls=3
    )
    with orchestration("local"):
        label = run_flow(simulate_flow, db=db, n_events=2500, seed=5)["label"]
        result = run_flow(
            analyze_flow,
            db=db,
            sources=[label],
            reports_dir=str(folder / "reports"),
            options=options,
            n_jobs=1,
        )
    return {"db": db, "label": label, "options": options, "result": result}
