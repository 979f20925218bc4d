"""The Prefect flows end to end: simulate → analyse → report, and real data through the CLI path."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import SMALL_ANALYSIS, copy_database

from netdyn.store.db import connect


@pytest.fixture
def db(tmp_path):
    return str(tmp_path / "pipe.duckdb")


def table_counts(db: str, run_id: str) -> dict[str, int]:
    con = connect(db, read_only=True)
    try:
        return {
            t: con.execute(f"select count(*) from {t} where run_id = ?", [run_id]).fetchall()[0][0]
            for t in ("cascades", "actor_metrics", "powerlaw_fits")
        }
    finally:
        con.close()


def test_pipeline_simulates_analyses_and_reports(simulated_pipeline, db, tmp_path):
    from netdyn.flows.pipeline import pipeline_flow

    # the session's pipeline run (conftest.py): about 4,000 events simulated with seed 3 and
    # analysed with small null counts in worker processes; this test writes to a copy
    seeded = simulated_pipeline["options"]
    assert seeded.seed == 3  # seeds the simulation and the analysis
    copy_database(simulated_pipeline["db"], db)
    result = simulated_pipeline["result"]
    load, analysis = result["load"], result["analysis"]
    assert load["label"].startswith("sim:platform:")
    assert load["n_read"] == load["n_inserted"] > 3000
    run_id = analysis["run_id"]
    counts = table_counts(db, run_id)
    from netdyn.results.heavy_tails import FITTED_QUANTITIES

    assert counts["powerlaw_fits"] == len(FITTED_QUANTITIES) == 7
    # the spreading and elites analyses ran too (the simulation has no text: no content)
    con = connect(db, read_only=True)
    spreading = {
        t: con.execute(f"select count(*) from {t} where run_id = ?", [run_id]).fetchall()[0][0]
        for t in (
            "window_graph_metrics",
            "window_actor_metrics",
            "concentration",
            "attachment_kernel",
            "largest_cascade_scaling",
            "influence_persistence",
            "exposure_response",
            "exposure_hazard",
            "content_cascades",
            "cascade_nodes",
            "actor_structure",
            "core_periphery_fits",
            "rich_club",
            "role_fits",
            "role_sizes",
            "mesoscale_profiles",
        )
    }
    statistics = {
        (a, s)
        for a, s in con.execute(
            "select analysis, statistic from run_statistics where run_id = ? and value is not null",
            [run_id],
        ).fetchall()
    }
    con.close()
    assert spreading["content_cascades"] == 0 and spreading["concentration"] == 3
    assert spreading["exposure_hazard"] == 1
    assert all(n > 0 for t, n in spreading.items() if t != "content_cascades"), spreading
    assert {
        ("attachment_kernel", "beta"),
        ("largest_cascade", "gamma"),
        ("friendship_paradox", "share_lower"),
        ("windows", "n_windows"),
    } <= statistics
    con = connect(db, read_only=True)
    fits = dict(
        con.execute(
            "select quantity, status from powerlaw_fits where run_id = ?", [run_id]
        ).fetchall()
    )
    times = con.execute(
        "select discrete from powerlaw_fits where run_id = ? and quantity = 'inter_event_time'",
        [run_id],
    ).fetchall()
    con.close()
    assert fits["cascade_size"] == "ok" and fits["inter_event_time"] == "ok"
    assert times == [(False,)]
    # every fitted quantity carries its bootstrap p-value, intervals, verdict and comparisons
    con = connect(db, read_only=True)
    tested = con.execute(
        """
        select count(*) filter (where p_value between 0 and 1 and n_resamples = ?
                                  and alpha_ci_low <= alpha and alpha <= alpha_ci_high
                                  and verdict is not null),
               count(*) filter (where status = 'ok')
        from powerlaw_fits where run_id = ?
        """,
        [seeded.n_bootstrap, run_id],
    ).fetchall()[0]
    alternatives = con.execute(
        "select quantity, count(*) from powerlaw_comparisons where run_id = ? group by quantity",
        [run_id],
    ).fetchall()
    con.close()
    assert tested[0] == tested[1] >= 5
    assert len(alternatives) == tested[1] and {n for _, n in alternatives} == {4}
    assert counts["cascades"] == analysis["n_cascades"] == load["params"]["n_posts"]
    assert counts["actor_metrics"] == analysis["n_actors"] > 0
    con = connect(db, read_only=True)
    runs = dict(con.execute("select flow, status from runs").fetchall())
    sim_params = con.execute(
        "select parameters->>'$.seed', parameters->>'$.model' from runs where flow = 'simulate'"
    ).fetchall()
    con.close()
    assert runs == {"simulate": "completed", "analyze": "completed"}
    assert sim_params == [("3", "platform")]
    assert Path(analysis["report"]) == simulated_pipeline["reports"] / f"{run_id}.html"
    html = Path(analysis["report"]).read_text()
    assert "data:image/png;base64," in html and "cascade size" in html
    assert "p (GOF)" in html and "truncated_power_law" in html
    # the same seed again adds nothing and a second analysis is a new run (in this process:
    # the counts do not depend on where the pieces ran)
    again = pipeline_flow(
        db=db, reports_dir=str(tmp_path / "reports"), n_events=4000, options=seeded, n_jobs=1
    )
    assert again["load"]["n_inserted"] == 0
    assert again["load"]["label"] == load["label"]
    assert again["analysis"]["run_id"] != run_id
    assert table_counts(db, again["analysis"]["run_id"]) == counts
    # every SQL example in the README runs against the tables it documents
    con = connect(db, read_only=True)
    for query in readme_sql():
        con.execute(query).fetchall()
    tables = {
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_type = 'BASE TABLE'"
        ).fetchall()
    }
    con.close()
    # the README's table reference documents exactly the tables the database has (the
    # analyst views of sql/staging and sql/marts are documented in docs/sql.md)
    assert readme_tables() == tables


def readme_tables() -> set[str]:
    """Table names in the first column of the README's "Tables" section."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = text.split("## Tables", 1)[1].split("\n## ", 1)[0]
    first_cells = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    return {name for cell in first_cells for name in re.findall(r"`([a-z_]+)`", cell)}


def readme_sql() -> list[str]:
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    blocks = re.findall(r"```sql\n(.*?)```", text, re.S)
    assert blocks, "the README has no SQL example"
    return [q.strip().rstrip(";") for b in blocks for q in b.split(";\n") if q.strip()]


def test_pipeline_on_real_moltbook_sample(prefect_harness, db, tmp_path, shared_data):
    from netdyn.flows.options import AnalysisOptions
    from netdyn.flows.pipeline import pipeline_flow

    result = pipeline_flow(
        db=db,
        reports_dir=str(tmp_path / "reports"),
        source="moltbook-api",
        path=str(shared_data / "moltbook-api-sample" / "posts"),
        options=AnalysisOptions(**SMALL_ANALYSIS),
        n_jobs=1,
    )
    run_id = result["analysis"]["run_id"]
    con = connect(db, read_only=True)
    deepest = con.execute(
        "select max(depth), count(*) from cascades where run_id = ?", [run_id]
    ).fetchall()[0]
    con.close()
    assert deepest == (5, 123)


def test_pipeline_refuses_half_a_source(prefect_harness, db, tmp_path):
    from netdyn.core.errors import InvalidInputError
    from netdyn.flows.pipeline import pipeline_flow

    with pytest.raises(InvalidInputError, match="both --source and --path"):
        pipeline_flow(db=db, reports_dir=str(tmp_path), source="edgelist")


def test_analyze_unknown_source_says_what_exists(prefect_harness, db, tmp_path):
    from netdyn.core.errors import InvalidInputError
    from netdyn.flows.analyze import analyze_flow
    from netdyn.flows.simulate import simulate_flow

    with pytest.raises(InvalidInputError, match="event log .* is empty"):
        analyze_flow(db=db, reports_dir=str(tmp_path))
    label = simulate_flow(db=db, n_events=500, seed=1)["label"]
    with pytest.raises(InvalidInputError, match=f"known sources: \\['{label}'\\]"):
        analyze_flow(db=db, sources=["nope"], reports_dir=str(tmp_path))
