"""Spreading and elites writers: the stored rows agree with the pure methods on the same data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from netdyn.analytics.concentration import concentration
from netdyn.analytics.content_cascades import ContentParams, content_cascades
from netdyn.analytics.windows import WindowSpec
from netdyn.ingest.load import ingest_chunk
from netdyn.results.cascades import write_actor_metrics, write_cascades
from netdyn.results.contagion import (
    content_adoptions,
    thread_adoptions,
    write_content_cascades,
    write_exposure,
)
from netdyn.results.elites import write_elites
from netdyn.results.heavy_tails import write_powerlaw_fits
from netdyn.results.rows import run_events
from netdyn.results.windows import write_windows
from netdyn.sim.contagion import contagion_events, simulate_exposure_hazard
from netdyn.sim.platform import PlatformParams, simulate_platform
from netdyn.store.canonical import Chunk
from netdyn.store.db import connect, invariant_violations
from netdyn.store.runs import start_run


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    con = connect(tmp_path_factory.mktemp("spreading") / "s.duckdb")
    params = PlatformParams(n_actors=400, n_posts=1500, duration_days=6.0, seed=4)
    ingest_chunk(con, simulate_platform(params), source="sim", reader="test")
    run = start_run(con, flow="analyze", parameters={}, sources=["sim"])
    write_cascades(con, run, ["sim"])
    write_actor_metrics(con, run, ["sim"])
    write_powerlaw_fits(con, run, n_resamples=0)
    elites = write_elites(con, run, n_bootstrap=20, seed=1)
    windows = write_windows(con, run, WindowSpec.parse("1d"), top_k=5)
    yield con, run, elites, windows
    con.close()


def test_concentration_rows_are_those_of_the_stored_actor_metrics(analysed):
    con, run, *_ = analysed
    activity = con.sql("select n_events from actor_metrics where run_id = ?", params=[run]).pl()[
        "n_events"
    ]
    expected = concentration(activity.to_numpy())
    row = con.execute(
        "select n_actors, top_1pct_share, top_10pct_share, gini from concentration "
        "where run_id = ? and quantity = 'activity'",
        [run],
    ).fetchall()[0]
    assert row == pytest.approx(
        (expected.n_actors, expected.top_1pct_share, expected.top_10pct_share, expected.gini)
    )
    quantities = {
        r[0]
        for r in con.execute(
            "select quantity from concentration where run_id = ?", [run]
        ).fetchall()
    }
    assert quantities == {"activity", "cascade_volume", "in_strength"}


def test_windows_cover_every_timed_event_once(analysed):
    con, run, _, windows = analysed
    n_events = run_events(con, run).height
    total, n_windows = con.execute(
        "select sum(n_events), count(*) from window_graph_metrics where run_id = ?", [run]
    ).fetchall()[0]
    assert total == n_events  # tumbling windows: each event in exactly one
    assert n_windows == windows["n_windows"] >= 6
    starts = con.execute(
        "select window_start from window_graph_metrics where run_id = ? order by 1", [run]
    ).fetchall()
    assert all(s[0].hour == 0 and s[0].minute == 0 for s in starts)  # UTC midnight
    n_pairs = con.execute(
        "select count(*) from influence_persistence where run_id = ?", [run]
    ).fetchall()[0][0]
    assert n_pairs == n_windows - 1


def test_statistics_rows_and_scaling_points(analysed):
    con, run, *_ = analysed
    stats = {
        (a, s): v
        for a, s, v in con.execute(
            "select analysis, statistic, value from run_statistics where run_id = ?", [run]
        ).fetchall()
    }
    assert stats["attachment_kernel", "beta"] is not None
    assert 0.0 < stats["friendship_paradox", "share_lower"] < 1.0
    assert stats["largest_cascade", "gamma"] > 0
    methods = dict(
        con.execute(
            "select method, count(*) from largest_cascade_scaling where run_id = ? group by 1",
            [run],
        ).fetchall()
    )
    assert methods["subsample"] >= 5 and methods["window"] >= 6
    assert not any(invariant_violations(con).values())


def test_rewriting_replaces_rows_instead_of_adding(analysed):
    con, run, *_ = analysed
    before = con.execute("select count(*) from run_statistics where run_id = ?", [run]).fetchall()
    write_windows(con, run, WindowSpec.parse("1d"), top_k=5)
    write_elites(con, run, n_bootstrap=20, seed=1)
    after = con.execute("select count(*) from run_statistics where run_id = ?", [run]).fetchall()
    assert before == after
    methods = con.execute(
        "select method, count(*) from largest_cascade_scaling where run_id = ? "
        "group by 1 order by 1",
        [run],
    ).fetchall()
    assert [m for m, _ in methods] == ["subsample", "window"]


def test_logs_without_absolute_times_skip_windowed_analyses_with_a_reason(tmp_path):
    con = connect(tmp_path / "rel.duckdb")
    chunk = Chunk("mem://rel", "h")
    chunk.rows.add(
        source_event_id="p",
        kind="post",
        actor_id="a",
        object_id="p",
        root_object_id="p",
        seconds_since_root=0.0,
    )
    for i in range(30):
        chunk.rows.add(
            source_event_id=f"r{i}",
            kind="retweet",
            actor_id=f"u{i}",
            target_actor_id="a",
            object_id=f"r{i}",
            parent_object_id="p",
            root_object_id="p",
            seconds_since_root=60.0 * i,
        )
    ingest_chunk(con, chunk, source="rel", reader="test")
    run = start_run(con, flow="analyze", parameters={}, sources=["rel"])
    write_cascades(con, run, ["rel"])
    write_actor_metrics(con, run, ["rel"])
    write_elites(con, run, n_bootstrap=0)
    result = write_windows(con, run, WindowSpec.parse("1d"))
    assert result["n_windows"] == 0 and result["n_untimed_events"] == 31
    detail = con.execute(
        "select value, detail from run_statistics where run_id = ? and analysis = "
        "'attachment_kernel'",
        [run],
    ).fetchall()[0]
    assert detail[0] is None and "absolute times" in detail[1]


def test_thread_adoptions_and_exposure_rows(analysed):
    con, run, *_ = analysed
    adoptions = thread_adoptions(con, run)
    n_nodes_actors = con.execute(
        """
        select count(distinct (n.cascade_id, i.actor_id)) from cascade_nodes n
        join proj_items i using (source, object_id) where n.run_id = ?
        """,
        [run],
    ).fetchall()[0][0]
    assert adoptions.height == n_nodes_actors
    summary = write_exposure(con, run, {"reply_thread": adoptions}, max_k=5)
    assert summary["reply_thread"]["n_adoptions"] == adoptions.height
    ks = con.execute(
        "select k from exposure_response where run_id = ? order by k", [run]
    ).fetchall()
    assert [k for (k,) in ks] == [1, 2, 3, 4, 5]
    row = con.execute(
        "select status, static_graph from exposure_hazard where run_id = ?", [run]
    ).fetchall()
    assert row == [("ok", False)]


@pytest.mark.parametrize("planted", [0.5, 1.0])
def test_planted_hazard_ratio_survives_the_event_log(tmp_path, planted):
    """Simulated contagion → canonical events → event log → cascades → Cox: ratio recovered."""
    rng = np.random.default_rng(11)
    n, m = 800, 4000
    graph = pl.DataFrame(
        {
            "exposer_id": [f"a{i}" for i in rng.integers(0, n, m)],
            "exposed_id": [f"a{i}" for i in rng.integers(0, n, m)],
            "formed_at": rng.uniform(0.0, 2.0, m),
        }
    ).filter(pl.col("exposer_id") != pl.col("exposed_id"))
    sim = simulate_exposure_hazard(
        graph,
        n_contagions=30,
        n_seeds=1,  # one seed: each contagion is one reply tree
        baseline_hazard=0.3,
        hazard_ratio=planted,
        horizon=10.0,
        seed=5,
    )
    chunk = Chunk("mem://contagion", sim.fingerprint())
    chunk.rows.add_frame(contagion_events(sim.adoptions, sim.edges, source_label="sim:c"))
    con = connect(tmp_path / "c.duckdb")
    ingest_chunk(con, chunk, source="sim:c", reader="test")
    run = start_run(con, flow="analyze", parameters={}, sources=["sim:c"])
    write_cascades(con, run, ["sim:c"])
    adoptions = thread_adoptions(con, run)
    assert adoptions.height == sim.adoptions.height
    write_exposure(con, run, {"reply_thread": adoptions})
    status, hr, lo, hi = con.execute(
        "select status, hazard_ratio, ci_low, ci_high from exposure_hazard where run_id = ?",
        [run],
    ).fetchall()[0]
    assert status == "ok"
    assert lo <= planted <= hi
    assert hr == pytest.approx(planted, abs=0.06)


def test_content_cascades_are_stored_and_feed_the_exposure_analysis(tmp_path):
    con = connect(tmp_path / "text.duckdb")
    chunk = Chunk("mem://text", "h")
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    texts = {
        "a": "we should test the pipeline #netdyn https://example.org/x",
        "b": "I think we should test the pipeline now",
        "c": "see https://example.org/x and #NetDyn",
        "d": "nothing shared here",
    }
    for i, (actor, text) in enumerate(texts.items()):
        chunk.rows.add(
            source_event_id=f"p{i}",
            kind="post",
            actor_id=actor,
            object_id=f"p{i}",
            root_object_id=f"p{i}",
            occurred_at=t0 + timedelta(hours=i),
            text=text,
        )
    chunk.rows.add(
        source_event_id="m0",
        kind="message",
        actor_id="a",
        target_actor_id="b",
        occurred_at=t0 - timedelta(hours=1),
    )
    ingest_chunk(con, chunk, source="text", reader="test")
    run = start_run(con, flow="analyze", parameters={}, sources=["text"])
    counts = write_content_cascades(con, run, ContentParams(n=3, min_adopters=2))
    events = run_events(
        con,
        run,
        columns=(
            "event_seq",
            "kind",
            "actor_id",
            "occurred_at",
            "seconds_since_root",
            "community",
            "text",
        ),
    )
    expected = content_cascades(events, ContentParams(n=3, min_adopters=2))
    stored = con.sql(
        "select * exclude (run_id) from content_cascades where run_id = ? "
        "order by n_adopters desc, cascade_id",
        params=[run],
    ).pl()
    assert stored.equals(expected.cascades.select(stored.columns))
    assert counts["by_kind"] == {"hashtag": 1, "ngram": 3, "url": 1}
    # "we should test", "should test the", "test the pipeline": a then b
    adopters = con.execute(
        """
        select c.feature, string_agg(a.actor_id, ',' order by a.adoption_rank)
        from content_adoptions a join content_cascades c using (run_id, cascade_id)
        where run_id = ? group by c.feature order by c.feature
        """,
        [run],
    ).fetchall()
    assert ("test the pipeline", "a,b") in adopters and ("#netdyn", "a,c") in adopters
    adoptions = content_adoptions(con, run)
    assert adoptions.height == 10
    write_cascades(con, run, ["text"])
    summary = write_exposure(con, run, {"content": adoptions})
    # b hears from a (message a -> b before any post): a exposes b to all five of a's
    # cascades; b adopts the three n-grams after a and never the hashtag or the URL
    assert summary["content"]["n_exposures"] >= 5
    response = con.execute(
        "select k, n_exposed, n_adopted from exposure_response where run_id = ? and k = 1",
        [run],
    ).fetchall()
    assert response == [(1, 5, 3)]
