"""Core-periphery, roles and mesoscale rows written for a run: a planted core is found and
judged significant through the event log; the rows agree with the pure methods."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from netdyn.ingest.load import ingest_chunk
from netdyn.results.structure import run_graph, write_structure
from netdyn.store.canonical import Chunk
from netdyn.store.db import connect, invariant_violations
from netdyn.store.runs import start_run

T0 = datetime(2026, 4, 1, tzinfo=UTC)


def planted_log(seed: int, *, core: int, n: int, p_cc: float, p_cp: float, p_pp: float) -> Chunk:
    """Messages of a core-periphery block model over two weeks, in two communities."""
    rng = np.random.default_rng(seed)
    chunk = Chunk(f"mem://sbm{seed}", f"sbm{seed}")
    is_core = np.arange(n) < core
    k = 0
    for i in range(n):
        for j in range(i + 1, n):  # one message per linked pair, in a random direction
            p = p_cc if is_core[i] and is_core[j] else p_cp if is_core[i] or is_core[j] else p_pp
            if rng.random() < p:
                a, b = (i, j) if rng.random() < 0.5 else (j, i)
                chunk.rows.add(
                    source_event_id=f"m{k}",
                    kind="message",
                    actor_id=f"a{a:03d}",
                    target_actor_id=f"a{b:03d}",
                    occurred_at=T0 + timedelta(seconds=float(rng.uniform(0, 14 * 86400))),
                    community=f"c{(i + j) % 2}",
                )
                k += 1
    return chunk


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    con = connect(tmp_path_factory.mktemp("structure") / "s.duckdb")
    ingest_chunk(
        con,
        planted_log(3, core=50, n=300, p_cc=0.5, p_cp=0.3, p_pp=0.02),
        source="sbm",
        reader="test",
    )
    run = start_run(con, flow="analyze", parameters={}, sources=["sbm"])
    result = write_structure(
        con,
        run,
        cp_nulls=30,
        role_nulls=3,
        rich_club_nulls=5,
        mesoscale_nulls=5,
        min_community_actors=20,
        seed=2,
        n_jobs=1,
    )
    yield con, run, result
    con.close()


def test_planted_core_is_found_and_significant(planted):
    con, run, result = planted
    fits = {
        m: (q, p, n_core)
        for m, q, p, n_core in con.execute(
            "select method, quality, p_value, n_core from core_periphery_fits where run_id = ?",
            [run],
        ).fetchall()
    }
    # the discrete model answers "is there a core?"; the continuous c c^T pattern is fitted
    # as well by degree-preserving nulls (analytics.core_periphery, Notes), so only its
    # scores are checked here
    assert fits["discrete"][1] < 0.05
    core = {
        a
        for (a,) in con.execute(
            "select actor_id from actor_structure where run_id = ? and is_core", [run]
        ).fetchall()
    }
    planted_core = {f"a{i:03d}" for i in range(50)}
    accuracy = 1 - len(core ^ planted_core) / 300
    assert accuracy >= 0.95, (accuracy, sorted(core ^ planted_core))
    top = [
        a
        for (a,) in con.execute(
            "select actor_id from actor_structure where run_id = ? "
            "order by core_score desc, actor_id limit 50",
            [run],
        ).fetchall()
    ]
    assert len(set(top) & planted_core) >= 45


def test_rows_agree_with_the_graph_and_each_other(planted):
    con, run, result = planted
    graph = run_graph(con, run)
    n = con.execute("select count(*) from actor_structure where run_id = ?", [run]).fetchall()
    assert n == [(graph.vcount(),)] == [(result["n_actors"],)]
    # total coreness of the directed graph equals igraph's coreness by total degree
    stored = dict(
        con.execute(
            "select actor_id, coreness_total from actor_structure where run_id = ?", [run]
        ).fetchall()
    )
    expected = dict(zip(graph.vs["name"], graph.coreness(mode="all"), strict=True))
    assert stored == expected
    roles = con.execute(
        """
        select f.method, f.chosen_k, sum(s.n_actors), count(*) from role_fits f
        join role_sizes s using (run_id, method) where run_id = ? group by all
        """,
        [run],
    ).fetchall()
    assert {m for m, *_ in roles} == {"kmeans", "gmm"}
    assert all(k == n_roles and total == graph.vcount() for _, k, total, n_roles in roles)
    club = con.execute(
        "select count(*), min(n_actors_above) from rich_club where run_id = ?", [run]
    ).fetchall()[0]
    assert club[0] > 5
    labels = con.execute(
        "select count(*) filter (where window_start is null), count(*) from mesoscale_profiles "
        "where run_id = ?",
        [run],
    ).fetchall()[0]
    assert labels[0] == 2 and labels[1] >= 2  # two communities, whole run and weekly windows
    assert not any(invariant_violations(con).values())


def test_random_graph_of_the_same_density_is_not_significant(tmp_path):
    con = connect(tmp_path / "er.duckdb")
    pairs = 50 * 49 / 2 * 0.5 + 50 * 250 * 0.3 + 250 * 249 / 2 * 0.02
    density = pairs / (300 * 299 / 2)
    ingest_chunk(
        con,
        planted_log(4, core=0, n=300, p_cc=density, p_cp=density, p_pp=density),
        source="er",
        reader="test",
    )
    run = start_run(con, flow="analyze", parameters={}, sources=["er"])
    write_structure(
        con,
        run,
        cp_nulls=30,
        role_nulls=2,
        rich_club_nulls=2,
        mesoscale_nulls=2,
        seed=5,
        n_jobs=1,
        window=None,
    )
    p = con.execute(
        "select p_value from core_periphery_fits where run_id = ? and method = 'discrete'",
        [run],
    ).fetchall()[0][0]
    assert p > 0.05
