"""Shared fixtures: the real datasets in ../shared/data and a Prefect test harness."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
