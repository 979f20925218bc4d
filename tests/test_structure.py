"""Core-periphery, roles and mesoscale rows written for a run: a planted core is found and
judged significant through the event log; the rows agree with the pure methods."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from netdyn.analytics.curveball import GLOBAL_TRADES
from netdyn.ingest.load import ingest_chunk
from netdyn.report.structure_section import null_test_words, structure_context
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
        cp_nulls=60,
        role_nulls=2,
        rich_club_nulls=2,
        mesoscale_nulls=2,
        seed=5,
        n_jobs=1,
        window=None,
    )
    p, n_nulls, detail = con.execute(
        "select p_value, n_nulls, detail from core_periphery_fits "
        "where run_id = ? and method = 'discrete'",
        [run],
    ).fetchall()[0]
    assert p > 0.05
    # clearly not significant: the sequential test stopped at its 10th null as good as the
    # observed fit, p = 10 / n_nulls (the observed rho of a random graph is one more draw
    # from the null distribution: about 10 / p nulls are drawn, 30 here)
    detail = json.loads(detail)
    assert detail["stopped_early"] and n_nulls < 60 and p == pytest.approx(10 / n_nulls)
    assert (detail["n_nulls_max"], detail["h"]) == (60, 10)


def test_stored_rows_say_how_many_nulls_were_drawn(planted):
    con, run, _ = planted
    n_nulls, detail = con.execute(
        "select n_nulls, detail from core_periphery_fits where run_id = ? and method = 'discrete'",
        [run],
    ).fetchall()[0]
    detail = json.loads(detail)
    # significant: every null drawn, the p-value at its resolution 1 / 31
    assert n_nulls == detail["n_nulls_max"] == 30 and not detail["stopped_early"]
    assert detail["p_value_resolution"] == pytest.approx(1 / 31)
    assert detail["null_sampler"] == "global curveball"
    assert detail["global_trades"] == GLOBAL_TRADES
    assert (detail["starts_max"], detail["start_patience"]) == (10, 3)
    continuous = con.execute(
        "select detail from core_periphery_fits where run_id = ? and method = 'continuous'", [run]
    ).fetchall()[0][0]
    assert "start_patience" not in json.loads(continuous)  # no starts in the continuous fit
    for n, role_detail in con.execute(
        "select n_nulls, detail from role_fits where run_id = ?", [run]
    ).fetchall():
        role_detail = json.loads(role_detail)
        assert 1 <= n <= role_detail["n_nulls_max"] == 3
        assert role_detail["p_value_resolution"] == pytest.approx(1 / 4)
    assert con.execute(
        "select distinct n_nulls from rich_club where run_id = ?", [run]
    ).fetchall() == [(5,)]
    meso = con.execute(
        "select min(n_nulls), max(n_nulls) from mesoscale_profiles where run_id = ?", [run]
    ).fetchall()[0]
    assert 2 <= meso[0] <= meso[1] <= 5


def test_workers_do_not_change_a_single_stored_number(tmp_path):
    tables = ("actor_structure", "core_periphery_fits", "rich_club", "role_fits", "role_sizes")
    stored = []
    for n_jobs in (1, 2):
        con = connect(tmp_path / f"j{n_jobs}.duckdb")
        ingest_chunk(
            con,
            planted_log(6, core=20, n=120, p_cc=0.5, p_cp=0.2, p_pp=0.03),
            source="sbm",
            reader="test",
        )
        run = start_run(con, flow="analyze", parameters={}, sources=["sbm"])
        write_structure(
            con,
            run,
            cp_nulls=40,
            role_nulls=3,
            rich_club_nulls=3,
            mesoscale_nulls=6,
            min_community_actors=20,
            seed=8,
            n_jobs=n_jobs,
        )
        frames = {
            t: con.sql(f"select * exclude (run_id) from {t} order by all").pl()
            for t in (*tables, "mesoscale_profiles")
        }
        stored.append(frames)
        con.close()
    for table, frame in stored[0].items():
        assert frame.equals(stored[1][table]), table


@pytest.mark.parametrize(
    ("numbers", "words"),
    [
        # stopped at the first h draws: every null fitted as well
        ((10 / 10, 10, 99, True), "p = 1 (sequential test stopped after 10 of 99 nulls)"),
        ((10 / 24, 24, 199, True), "p = 0.42 (sequential test stopped after 24 of 199 nulls)"),
        # all drawn, none as extreme: p at its resolution 1 / (n + 1)
        ((1 / 200, 199, 199, False), "p ≤ 0.005 (199 nulls, the smallest p-value they can give)"),
        ((1 / 31, 30, 30, False), "p ≤ 0.032 (30 nulls, the smallest p-value they can give)"),
        # all drawn, some as extreme (the h-th at the last draw is not "stopped early")
        ((5 / 100, 99, 99, False), "p = 0.05 (99 nulls; the smallest possible is 0.01)"),
        ((10 / 99, 99, 99, False), "p = 0.1 (99 nulls; the smallest possible is 0.01)"),
        # no nulls: no test
        ((None, 0, 0, False), "not tested (no nulls drawn)"),
        ((float("nan"), 0, 100, False), "not tested (no nulls drawn)"),
    ],
)
def test_p_values_are_worded_with_the_nulls_behind_them(numbers, words):
    p, n_drawn, n_max, stopped = numbers
    assert null_test_words(p, n_drawn, n_max, stopped_early=stopped) == words


def test_the_report_shows_the_nulls_drawn_next_to_each_p_value(planted):
    con, run, _ = planted
    context = structure_context(con, run, ["sbm"])
    fits = {f["method"]: f["verdict"] for f in context["fits"]}
    assert (
        "p ≤ 0.032 (30 nulls, the smallest p-value they can give): significant"
        in (fits["discrete"])
    )
    assert "(against 5 degree-preserving randomisations)" in context["rich_club_verdict"]
    for r in context["role_fits"]:
        assert "; silhouette test p" in r["verdict"] and "nulls" in r["verdict"], r["verdict"]


def test_methods_appendix_states_the_mesoscale_settings_in_use():
    """The appendix sentence follows the constants the profiles are computed with."""
    from netdyn.report.methods import METHODS

    (core,) = [what for name, what, _ in METHODS if name == "Core and periphery"]
    assert core == (
        "Borgatti–Everett discrete and continuous models; the discrete fit is the best of at "
        "most 10 starts of a heuristic (ending after 3 starts in a row without improvement), "
        "tested against configuration-model nulls refitted the same way; normalised rich-club "
        "coefficient."
    )

    (text,) = [what for name, what, _ in METHODS if name == "Modular or hierarchical"]
    assert text == (
        "Per community: Leiden modularity (2 iterations), core-periphery strength (the discrete "
        "Borgatti–Everett ρ, best of 3 starts of the heuristic), global reaching centrality, "
        "each as a z-score against degree-preserving nulls analysed the same way."
    )
    from netdyn.analytics.hierarchy import LEIDEN_ITERATIONS
    from netdyn.results.structure import MESOSCALE_CP_STARTS

    assert (LEIDEN_ITERATIONS, MESOSCALE_CP_STARTS) == (2, 3)
