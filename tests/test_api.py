"""The notebook API of ``import netdyn``: connect, ingest, analyze, tables, read_table."""

from __future__ import annotations

import polars as pl
import pytest

import netdyn
from netdyn.core.errors import InvalidInputError

T0 = 1_704_067_200  # 2024-01-01T00:00:00Z


@pytest.fixture
def edges(tmp_path):
    """A small edge list: a star into actor 0 plus a ring, one line per second."""
    lines = [f"{i} 0 {T0 + i}" for i in range(1, 40)]
    lines += [f"{i} {i % 39 + 1} {T0 + 100 + i}" for i in range(1, 40)]
    path = tmp_path / "star.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_ingest_counts_each_record_once_and_is_idempotent(edges, tmp_path):
    db = tmp_path / "api.duckdb"
    (first,) = netdyn.ingest_path(edges, "edgelist", db=db, label="star")
    assert (first.source, first.n_read, first.n_inserted, first.status) == (
        "star",
        78,
        78,
        "committed",
    )
    (again,) = netdyn.ingest_path(edges, "edgelist", db=db, label="star")
    assert (again.status, again.n_inserted) == ("skipped", 0)
    events = netdyn.read_table("events", db=db)
    assert isinstance(events, pl.DataFrame) and events.height == 78
    assert {"events", "quarantine", "powerlaw_fits", "mart_actors"} <= set(netdyn.tables(db))


def test_analyze_stores_the_options_and_read_table_filters_by_run(prefect_harness, edges, tmp_path):
    db = tmp_path / "api.duckdb"
    netdyn.ingest_path(edges, "edgelist", db=db, label="star")
    options = netdyn.AnalysisOptions(
        n_bootstrap=0, cp_nulls=2, role_nulls=1, rich_club_nulls=2, mesoscale_nulls=2, seed=5
    )
    run = netdyn.analyze(db, options=options, reports=tmp_path / "reports", n_jobs=1)
    assert run["sources"] == ["star"]
    runs = netdyn.read_table("runs", db=db, run_id=run["run_id"])
    assert runs.height == 1 and runs["status"][0] == "completed"
    import json

    recorded = json.loads(runs["parameters"][0])
    assert recorded["nulls"] == {"core_periphery": 2, "roles": 1, "rich_club": 2, "mesoscale": 2}
    assert recorded["seed"] == 5
    metrics = netdyn.read_table("actor_metrics", db=db, run_id=run["run_id"])
    # 40 actors; actor 0 receives from the other 39
    assert metrics.height == 40
    assert metrics.filter(pl.col("actor_id") == "0")["in_degree"].item() == 39
    assert netdyn.read_table("actor_metrics", db=db, run_id="no-such-run").height == 0


def test_read_table_refuses_unknown_names_and_run_ids_without_a_column(edges, tmp_path):
    db = tmp_path / "api.duckdb"
    netdyn.ingest_path(edges, "edgelist", db=db)
    hostile = 'events" where 1=1; drop table events; --'
    with pytest.raises(InvalidInputError, match="no table or view"):
        netdyn.read_table(hostile, db=db)
    with pytest.raises(InvalidInputError, match="has no run_id column"):
        netdyn.read_table("events", db=db, run_id="x")
    assert netdyn.read_table("events", db=db).height == 78


def test_api_names_never_collide_with_subpackages():
    """A subpackage, once imported, is an attribute of ``netdyn`` and would hide an API name."""
    import pkgutil

    import netdyn.analytics
    import netdyn.flows
    import netdyn.ingest
    import netdyn.sim  # noqa: F401

    subpackages = {info.name for info in pkgutil.iter_modules(netdyn.__path__)}
    subpackages |= {"analytics", "flows", "ingest", "sim", "sql"}
    assert not set(netdyn.__all__) & subpackages
    for name in netdyn.__all__:
        assert callable(getattr(netdyn, name)), name
