"""netdyn compare: a source against its null-model replays, through the Prefect flow."""

from __future__ import annotations

from pathlib import Path

from netdyn.flows.analyze import analysis_parameters
from netdyn.flows.compare import compare_flow, reusable_analysis
from netdyn.flows.engine import orchestration, run_flow
from netdyn.flows.options import AnalysisOptions
from netdyn.flows.simulate import null_replay_flow, simulate_flow
from netdyn.store.db import connect, invariant_violations


def test_compare_against_null_replays(tmp_path):
    # in this process (the local path, tests/test_engine.py holds it equal to Prefect's)
    with orchestration("local"):
        _compare_against_null_replays(tmp_path)


def _compare_against_null_replays(tmp_path):
    db = str(tmp_path / "cmp.duckdb")
    real = run_flow(simulate_flow, db=db, n_events=2500, seed=8, n_actors=400)["label"]
    shuffled = run_flow(null_replay_flow, db=db, source=real, model="timestamp_shuffle", seed=1)[
        "label"
    ]
    rewired = run_flow(null_replay_flow, db=db, source=real, model="link_shuffle", seed=1)["label"]
    options = AnalysisOptions(n_bootstrap=0, cp_nulls=5, role_nulls=1, mesoscale_nulls=2)
    result = run_flow(
        compare_flow,
        sources=[real, shuffled, rewired],
        db=db,
        reports_dir=str(tmp_path),
        options=options,
    )
    con = connect(db, read_only=True)
    distances = {
        (q, s): d
        for q, s, d in con.execute(
            "select quantity, source, ks_distance from comparison_distances where run_id = ?",
            [result["run_id"]],
        ).fetchall()
    }
    stats = dict(
        con.execute(
            """
            select source || '|' || statistic, value from comparison_statistics
            where run_id = ?
            """,
            [result["run_id"]],
        ).fetchall()
    )
    reference = con.execute(
        "select distinct source from comparison_statistics where run_id = ? and is_reference",
        [result["run_id"]],
    ).fetchall()
    assert not any(invariant_violations(con).values())
    con.close()
    assert reference == [(real,)]
    # a timestamp shuffle keeps who-with-whom: degree and activity distributions are identical
    for quantity in ("in_degree", "out_degree", "activity", "cascade_size"):
        assert distances[quantity, shuffled] == 0.0, quantity
    # a link shuffle keeps events per actor (activity) but breaks the reply trees
    assert distances["activity", rewired] == 0.0
    assert distances["cascade_size", rewired] > 0.3
    assert stats[f"{rewired}|max_cascade_size"] == 1.0
    assert stats[f"{real}|n_actors"] == stats[f"{shuffled}|n_actors"]
    # the core share is the Borgatti-Everett core over the actors; a timestamp shuffle keeps
    # the interaction graph, so the same seeded fit finds the same core
    con = connect(db, read_only=True)
    n_core, rho = con.execute(
        "select n_core, quality from core_periphery_fits where run_id = ? and method = 'discrete'",
        [result["analyses"][real]],
    ).fetchall()[0]
    con.close()
    assert stats[f"{real}|core_share:discrete"] == n_core / stats[f"{real}|n_actors"] > 0
    assert stats[f"{real}|core_periphery_rho:discrete"] == rho
    for statistic in ("core_share:discrete", "core_periphery_rho:discrete"):
        assert stats[f"{shuffled}|{statistic}"] == stats[f"{real}|{statistic}"]
    html = Path(result["report"]).read_text(encoding="utf-8")
    assert real in html and "Kolmogorov" in html and html.count("<img") >= 5

    # comparing again with the same options reuses both analyses: no new analyze run
    again = run_flow(
        compare_flow, sources=[real, shuffled], db=db, reports_dir=str(tmp_path), options=options
    )
    assert again["reused"] == [real, shuffled]
    assert again["analyses"] == {s: result["analyses"][s] for s in (real, shuffled)}
    con = connect(db)
    n_analyses = con.execute("select count(*) from runs where flow = 'analyze'").fetchall()
    assert n_analyses == [(3,)]
    same = analysis_parameters([real], options, reports_dir="elsewhere")
    assert reusable_analysis(con, real, same) == result["analyses"][real]
    # other options (any field, the rich-club nulls included), or events appended since (a
    # changed fingerprint), are not reused
    assert reusable_analysis(con, real, same | {"nulls": {**same["nulls"], "roles": 2}}) is None
    for change in ({"role_nulls": 2}, {"rich_club_nulls": 3}, {"mesoscale_window": "1d"}):
        other = analysis_parameters([real], options.replace(**change), reports_dir="elsewhere")
        assert reusable_analysis(con, real, other) is None, change
    con.execute(
        "update runs set data_fingerprint = 'changed' where run_id = ?", [result["analyses"][real]]
    )
    assert reusable_analysis(con, real, same) is None
    con.close()


def test_calibrated_model_of_a_source_is_appended_with_its_parameters(prefect_harness, tmp_path):
    import json

    from netdyn.flows.simulate import calibrated_flow

    db = str(tmp_path / "cal.duckdb")
    real = simulate_flow(db=db, n_events=3000, seed=2, n_actors=300)
    fitted = calibrated_flow(db=db, source=real["label"], seed=1)
    assert fitted["label"].startswith("sim:branching:")
    # the platform was simulated with branching ratio 0.9: the fit sees it
    assert abs(fitted["params"]["branching_ratio"] - 0.9) < 0.1, fitted["params"]
    # the same number of threads; near-critical trees make the total size noisy
    assert fitted["params"]["n_roots"] == 300
    assert 0.5 * real["n_inserted"] < fitted["n_inserted"] < 2.0 * real["n_inserted"]
    con = connect(db, read_only=True)
    parameters, sources = con.execute(
        "select parameters, sources from runs where run_id = ?", [fitted["run_id"]]
    ).fetchall()[0]
    con.close()
    stored = json.loads(parameters)
    assert stored["calibrated_from"] == real["label"] and "diagnostics" in stored
    assert sources == [fitted["label"]]
