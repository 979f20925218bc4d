"""The SQL layer: staging and mart views, the query library, and how parameters are bound.

One fixture database per module holds real content: a seeded platform simulation run
through the pipeline flow (the session's, shared with other test files), a link-shuffle null
replay of it analysed and compared against it, an edge list that grows between two analyses,
a tiny calibrated-branching simulation, the corpus baseline of every reader (with quarantined
rows) and an ingest run that fails. Every model's key is checked unique, the marts are checked
against the raw tables, and every query's answer is recomputed in polars from the raw tables.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from builders import copy_database
from polars.testing import assert_frame_equal

from netdyn.core.config import SQL_DIR
from netdyn.core.errors import EventLogError, InvalidInputError, SchemaError
from netdyn.store.db import connect, invariant_violations
from netdyn.store.migrations import migrate
from netdyn.store.queries import Query, list_queries, load_query, run_query
from netdyn.store.sqlmodels import LAYERS, apply_models, list_models, models_current

CORPUS = Path(__file__).resolve().parent / "corpus"
#: small null counts and a single worker keep the three analyses to a few seconds each
ANALYSIS = {
    "n_bootstrap": 20,
    "cp_nulls": 5,
    "role_nulls": 2,
    "rich_club_nulls": 2,
    "mesoscale_nulls": 2,
}
GROWING = "edgelist:growing"
T0 = 1_704_067_200  # 2024-01-01T00:00:00Z
HOSTILE = "x'; drop table events; --"


# --- the fixture database ----------------------------------------------------------------------


def growing_edges(path: Path, *, part: int, seed: int) -> Path:
    """300 messages among 40 actors over six days; in part 2 actors a10-a14 become hubs."""
    rng = np.random.default_rng(seed)
    n = 300
    src = rng.integers(0, 40, n)
    hubs = rng.integers(0, 5, n) if part == 1 else rng.integers(10, 15, n)
    dst = np.where(rng.random(n) < 0.6, hubs, rng.integers(0, 40, n))
    if part == 2:  # the new hubs also message each other
        src = np.where(rng.random(n) < 0.4, rng.integers(10, 15, n), src)
    dst = np.where(dst == src, (dst + 1) % 40, dst)
    start = T0 + (part - 1) * 6 * 86_400
    times = np.sort(start + rng.integers(0, 6 * 86_400, n))
    path.write_text("".join(f"a{s} a{d} {t}\n" for s, d, t in zip(src, dst, times, strict=True)))
    return path


def scholp_folder(folder: Path) -> Path:
    """Three simplices {1, 2}, {1, 2, 3}, {4} of a dataset called ``tiny``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tiny-nverts.txt").write_text("2\n3\n1\n")
    (folder / "tiny-simplices.txt").write_text("1\n2\n1\n2\n3\n4\n")
    (folder / "tiny-times.txt").write_text(f"{T0}\n{T0 + 60}\n{T0 + 120}\n")
    return folder


def table_file(path: Path) -> Path:
    """A CSV of chats with an unmapped ``mood`` column and one unparseable time."""
    path.write_text(
        "sender,receiver,sent_at,mood\n"
        "ana,bo,2024-01-02T10:00:00Z,happy\n"
        "bo,ana,2024-01-02T10:05:00Z,curious\n"
        "cy,ana,not a time,grumpy\n"
    )
    return path


def build_fixture_db(db: str, work: Path, piped: dict) -> dict:
    """Fill ``db`` through the flows and readers; return the labels and run ids made.

    ``db`` starts as a copy of the session's pipeline run (``piped``, the result of
    :func:`netdyn.flows.pipeline.pipeline_flow`: a seeded platform simulation, analysed
    through Prefect). The flows here run in this process (the local path, which
    ``tests/test_engine.py`` holds equal to Prefect's).
    """
    from netdyn.flows.engine import orchestration

    with orchestration("local"):
        return _build_fixture_db(db, work, piped)


def _build_fixture_db(db: str, work: Path, piped: dict) -> dict:
    from netdyn.core.errors import RejectedShareError
    from netdyn.flows.analyze import analyze_flow
    from netdyn.flows.engine import run_flow
    from netdyn.flows.ingest import ingest_flow
    from netdyn.flows.options import AnalysisOptions
    from netdyn.flows.simulate import null_replay_flow
    from netdyn.ingest.load import ingest_chunk, ingest_path
    from netdyn.results.comparison import write_comparison
    from netdyn.sim.branching import BranchingParams, iter_branching_chunks
    from netdyn.store.runs import recorded_run

    reports = str(work / "reports")
    seven = AnalysisOptions(seed=7, **ANALYSIS)
    sim, sim_run = piped["load"]["label"], piped["analysis"]["run_id"]
    null = run_flow(null_replay_flow, db=db, source=sim, model="link_shuffle", seed=1)["label"]
    # the null's fits skip the bootstrap (its worker pool costs seconds); the others are kept
    null_run = run_flow(
        analyze_flow,
        db=db,
        sources=[null],
        reports_dir=reports,
        options=seven.replace(n_bootstrap=0),
        n_jobs=1,
        publish_artifacts=False,
    )["run_id"]
    # the compare flow's own step, on the two analyses above (compare_flow would redo them)
    analyses = {sim: sim_run, null: null_run}
    with recorded_run(
        db, flow="compare", parameters={"analyses": analyses}, sources=[sim, null]
    ) as run:
        con = connect(db)
        try:
            write_comparison(con, run.run_id, analyses)
        finally:
            con.close()
    growing_runs = []
    for part in (1, 2):
        edges = growing_edges(work / f"growing_{part}.txt", part=part, seed=part)
        run_flow(
            ingest_flow,
            source="edgelist",
            path=str(edges),
            db=db,
            label=GROWING,
            publish_artifacts=False,
        )
        growing_runs.append(
            run_flow(
                analyze_flow,
                db=db,
                sources=[GROWING],
                reports_dir=reports,
                options=seven.replace(n_bootstrap=0),
                n_jobs=1,
                publish_artifacts=False,
            )["run_id"]
        )
    con = connect(db)
    try:
        params = BranchingParams(n_actors=50, n_roots=20, branching_ratio=0.5, seed=3)
        for chunk in iter_branching_chunks(params):
            ingest_chunk(con, chunk, source=params.source_label, reader="sim:branching")
        baseline = CORPUS / "baseline"
        ingest_path(con, "twitter15-16", baseline / "twitter")
        ingest_path(con, "moltbook-api", baseline / "moltbook-api")
        ingest_path(con, "moltbook-api", CORPUS / "moltbook-api" / "unparseable_timestamp.json")
        ingest_path(con, "moltbook-observatory", baseline / "observatory")
        ingest_path(con, "edgelist", baseline / "edges.txt", label="edgelist:corpus")
        ingest_path(
            con, "edgelist", CORPUS / "edgelist" / "unparseable_time.txt", label="edgelist:corpus"
        )
        ingest_path(con, "scholp", scholp_folder(work / "scholp"))
        ingest_path(
            con,
            "table",
            table_file(work / "chats.csv"),
            options={
                "kind": "=message",
                "actor_id": "sender",
                "target_actor_id": "receiver",
                "occurred_at": "sent_at",
            },
        )
    finally:
        con.close()
    with pytest.raises(RejectedShareError):
        run_flow(
            ingest_flow,
            source="edgelist",
            path=str(CORPUS / "edgelist" / "mostly_bad.txt"),
            db=db,
            label="edgelist:corpus",
            publish_artifacts=False,
        )
    return {
        "sim": sim,
        "null": null,
        "sim_run": sim_run,
        "null_run": null_run,
        "compare_run": run.run_id,
        "growing_runs": growing_runs,
        "branching": params.source_label,
    }


@pytest.fixture(scope="module")
def fixture_db(simulated_pipeline, tmp_path_factory):
    work = tmp_path_factory.mktemp("sql_models")
    # the session's pipeline run (conftest.py: about 4,000 events simulated with seed 3 and
    # analysed, through Prefect) is the fixture's first content: a copy is built on
    db = copy_database(simulated_pipeline["db"], work / "fixture.duckdb")
    info = build_fixture_db(db, work, simulated_pipeline["result"])
    con = connect(db)
    info["created"] = apply_models(con, force=True)
    con.close()
    return db, info


@pytest.fixture(scope="module")
def con(fixture_db):
    connection = connect(fixture_db[0], read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def info(fixture_db):
    return fixture_db[1]


def table(con, sql: str, params: list | None = None) -> pl.DataFrame:
    """A raw table or query as polars (the independent side of each comparison)."""
    return con.sql(sql, params=params).pl()


# --- headers -------------------------------------------------------------------------------------

_TAG = re.compile(r"^-- (model|grain|key|source|question|param): (.+)$")


def header_tags(path: Path) -> dict[str, list[str]]:
    """Tag → values of the comment lines opening ``path`` (read without netdyn.store.sqlmodels)."""
    tags: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        if not line.startswith("--"):
            break
        match = _TAG.match(line)
        if match:
            tags.setdefault(match[1], []).append(match[2])
    return tags


MODEL_FILES = sorted(p for layer in LAYERS for p in (SQL_DIR / layer).glob("*.sql"))
QUERY_FILES = sorted((SQL_DIR / "queries").glob("*.sql"))


@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda p: p.stem)
def test_every_model_file_states_grain_and_key(path):
    tags = header_tags(path)
    assert tags["model"] == [path.stem]
    assert len(tags["grain"]) == 1 and tags["grain"][0].startswith("one row per ")
    assert len(tags["key"]) == 1 and re.fullmatch(r"\([a-z_]+(, [a-z_]+)*\)", tags["key"][0])
    assert tags["source"]
    prefix = "stg_" if path.parent.name == "staging" else "mart_"
    assert path.stem.startswith(prefix)
    assert "select * from final" in path.read_text()  # import CTEs, logic CTEs, then final


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_every_query_file_states_question_grain_and_defaults(path):
    tags = header_tags(path)
    assert len(tags["question"]) == 1 and tags["question"][0].endswith("?")
    assert len(tags["grain"]) == 1 and tags["grain"][0].startswith("one row per ")
    declared = [p.split("=", 1) for p in tags.get("param", [])]
    assert all(len(p) == 2 and p[1].strip() for p in declared), "every parameter has a default"
    used = set(re.findall(r"\$([a-z_]+)", re.sub(r"'[^']*'|--[^\n]*", "", path.read_text())))
    assert used == {name.strip() for name, _ in declared}


def test_the_library_has_the_models_and_queries_the_issue_asks_for():
    names = {m.name for m in list_models()}
    assert {
        "stg_runs",
        "stg_twitter15_16_events",
        "stg_moltbook_api_events",
        "stg_moltbook_observatory_events",
        "stg_edgelist_events",
        "stg_table_events",
        "stg_scholp_events",
        "stg_sim_platform_events",
        "stg_sim_branching_events",
        "stg_null_replay_events",
        "mart_cascades",
        "mart_actors",
        "mart_powerlaw_fits",
        "mart_core_periphery",
        "mart_comparisons",
        "mart_windows",
        "mart_runs",
    } <= names
    assert len(list_queries()) >= 12
    # marts read raw tables and staging views, never another mart (creation order is free)
    for model in list_models():
        if model.layer == "marts":
            body = re.sub(r"--[^\n]*", "", model.sql)
            assert not re.search(r"\bmart_[a-z_]+", body), model.name


def test_docs_describe_every_model_and_query():
    text = (SQL_DIR.parent / "docs" / "sql.md").read_text()
    for model in list_models():
        assert f"| `{model.name}` |" in text and f"| `{', '.join(model.key)}` |" in text
    for query in list_queries():
        row = next(line for line in text.splitlines() if line.startswith(f"| `{query.name}` |"))
        assert query.question in row
        for name, default in query.parameters.items():
            assert f"`{name}` = `{default}`" in row, (query.name, name)


# --- apply_models --------------------------------------------------------------------------------


def test_apply_models_creates_every_view_once_in_layer_order(tmp_path):
    con = connect(tmp_path / "a.duckdb")
    # a writable connect installs the views; forcing re-creates all of them
    assert models_current(con)
    created = apply_models(con, force=True)
    models = list_models()
    assert created == [m.name for m in models]
    assert created.index("stg_runs") < created.index("mart_actors")
    views = dict(
        con.execute(
            "select table_name, table_type from information_schema.tables where table_type = 'VIEW'"
        ).fetchall()
    )
    assert set(views) == set(created)
    assert models_current(con) and apply_models(con) == []  # idempotent: nothing rewritten
    assert apply_models(con, force=True) == created
    # a new migration re-creates the views, so a view the new schema breaks fails at once
    con.execute("insert into schema_migrations (version, name, checksum) values (999, 'x', 'x')")
    assert not models_current(con) and apply_models(con) == created
    # a view a former version made is dropped; a user's own view is left alone
    con.execute("create view mart_gone as select 1 as x")
    con.execute("comment on view mart_gone is 'netdyn-sql-models sha256:0000'")
    con.execute("create view my_view as select 1 as x")
    con.execute("comment on view mart_cascades is 'stale'")
    assert not models_current(con)
    assert apply_models(con) == created
    left = {
        r[0]
        for r in con.execute("select view_name from duckdb_views() where not internal").fetchall()
    }
    assert "mart_gone" not in left and "my_view" in left
    con.close()


def test_threads_racing_to_replace_stale_views_all_succeed(tmp_path):
    import threading

    con = connect(tmp_path / "race.duckdb")
    apply_models(con)
    con.execute("comment on view mart_runs is 'stale'")
    results, errors = [], []

    def replace() -> None:
        try:
            results.append(len(apply_models(con.cursor())))
        except Exception as e:  # noqa: BLE001 - collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=replace) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    # at least one replaced them; the others waited for it (0) or replaced them after it
    assert len(results) == 4 and set(results) <= {0, len(list_models())} and max(results) > 0
    assert models_current(con)
    con.close()


def test_apply_models_reports_the_failing_model_and_changes_nothing(tmp_path):
    sql_dir = tmp_path / "sql"
    for layer in LAYERS:
        shutil.copytree(SQL_DIR / layer, sql_dir / layer)
    (sql_dir / "marts" / "mart_zz_broken.sql").write_text(
        "-- model: mart_zz_broken\n-- grain: one row per nothing\n-- key: (x)\n"
        "-- source: nowhere\nselect x from no_such_table\n"
    )
    con = connect(":memory:", migrate_schema=False)
    migrate(con)  # the tables, none of the views
    with pytest.raises(SchemaError, match="mart_zz_broken"):
        apply_models(con, sql_dir=sql_dir)
    assert con.execute("select count(*) from duckdb_views() where not internal").fetchall() == [
        (0,)
    ]
    (sql_dir / "marts" / "mart_zz_broken.sql").write_text("select 1 as x\n")
    with pytest.raises(SchemaError, match="-- model:"):
        list_models(sql_dir)


def test_per_format_staging_views_build_on_stg_events():
    """One definition of the events-batches join: stg_events; the per-format views filter it."""
    for model in list_models():
        if model.layer != "staging" or not model.name.endswith("_events"):
            continue
        body = re.sub(r"--[^\n]*", "", model.sql)
        if model.name == "stg_events":
            assert re.search(r"\bjoin batches\b", body)
        else:
            assert re.search(r"\bfrom stg_events\s+where\b", body), model.name
            assert not re.search(r"\b(events|ingest_batches)\b", body), model.name


def write_model(folder: Path, name: str, sql: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.sql").write_text(
        f"-- model: {name}\n-- grain: one row per event\n-- key: (event_seq)\n"
        f"-- source: test\n{sql}\n"
    )


def test_views_are_created_after_the_views_they_read(tmp_path):
    sql_dir = tmp_path / "sql"
    # stg_a sorts first but reads stg_b, which reads stg_c; the mart reads stg_a
    write_model(sql_dir / "staging", "stg_a", "select event_seq from stg_b -- not stg_z")
    write_model(sql_dir / "staging", "stg_b", "select event_seq from stg_c where 'stg_a' <> ''")
    write_model(sql_dir / "staging", "stg_c", "select event_seq from events")
    write_model(sql_dir / "marts", "mart_a", "select event_seq from stg_a")
    con = connect(":memory:", migrate_schema=False)
    migrate(con)
    # listed (and returned) by layer and file name, created dependencies first
    assert apply_models(con, sql_dir=sql_dir) == ["stg_a", "stg_b", "stg_c", "mart_a"]
    assert models_current(con, sql_dir=sql_dir)
    assert con.execute("select count(*) from mart_a").fetchall() == [(0,)]
    # the real models: stg_edgelist_events sorts before the stg_events it reads
    assert apply_models(con, force=True)[:2] == ["stg_edgelist_events", "stg_events"]


def test_models_that_read_each_other_in_a_cycle_are_refused(tmp_path):
    sql_dir = tmp_path / "sql"
    write_model(sql_dir / "staging", "stg_a", "select event_seq from stg_b")
    write_model(sql_dir / "staging", "stg_b", "select event_seq from stg_a")
    (sql_dir / "marts").mkdir()
    con = connect(":memory:", migrate_schema=False)
    migrate(con)
    with pytest.raises(SchemaError, match="cycle: stg_a -> stg_b -> stg_a"):
        apply_models(con, sql_dir=sql_dir)
    assert con.execute("select count(*) from duckdb_views() where not internal").fetchall() == [
        (0,)
    ]


def test_run_query_on_a_read_only_database_uses_temporary_views(tmp_path):
    path = tmp_path / "ro.duckdb"
    bare = connect(path, migrate_schema=False)
    migrate(bare)  # migrated, no views
    bare.close()
    con = connect(path, read_only=True)
    assert run_query(con, "failed_runs").height == 0
    persistent = con.execute(
        "select count(*) from duckdb_views() where not internal and not temporary"
    ).fetchall()
    assert persistent == [(0,)] and models_current(con, temporary=True)
    con.close()


# --- every model on the fixture ------------------------------------------------------------------


@pytest.mark.parametrize("model", list_models(), ids=lambda m: m.name)
def test_model_key_is_unique_and_not_null_on_the_fixture(con, model):
    key = ", ".join(model.key)
    n_rows = con.execute(f"select count(*) from {model.name}").fetchall()[0][0]
    assert n_rows > 0, f"{model.name} is empty on the fixture"
    repeated = con.execute(
        f"select {key}, count(*) from {model.name} group by all having count(*) > 1"
    ).fetchall()
    assert repeated == []
    # the one documented nullable key column: a whole-run mesoscale profile has no window
    nullable = {("mart_mesoscale", "window_start")}
    for column in model.key:
        if (model.name, column) not in nullable:
            nulls = con.execute(f"select count(*) from {model.name} where {column} is null")
            assert nulls.fetchall() == [(0,)], (model.name, column)


def test_fixture_views_are_current_and_invariants_hold(con, info):
    assert info["created"] == [m.name for m in list_models()]
    assert models_current(con)
    assert set(invariant_violations(con).values()) == {0}


def test_staging_event_views_partition_the_log(con):
    staged = [m.name for m in list_models() if m.layer == "staging" and m.name.endswith("_events")]
    per_format = [n for n in staged if n != "stg_events"]
    union = " union all ".join(f"select event_seq from {n}" for n in per_format)
    n_events = con.execute("select count(*) from events").fetchall()[0][0]
    counted = con.execute(f"select count(*), count(distinct event_seq) from ({union})").fetchall()[
        0
    ]
    assert counted == (n_events, n_events)  # each event in exactly one format's view
    assert con.execute("select count(*) from stg_events").fetchall()[0][0] == n_events


def test_staging_views_pull_each_readers_attributes(con, info):
    twitter = table(con, "select * from stg_twitter15_16_events order by event_seq")
    raw = table(
        con,
        "select e.attributes, e.seconds_since_root from events e join ingest_batches b "
        "using (batch_id) where b.reader = 'twitter15-16' order by event_seq",
    )
    parsed = [json.loads(a) for a in raw["attributes"]]
    assert twitter["veracity_label"].to_list() == [a["label"] for a in parsed]
    assert twitter["tweet_id"].to_list() == [a["tweet_id"] for a in parsed]
    assert twitter["delay_minutes"].to_list() == pytest.approx([a["delay_minutes"] for a in parsed])
    assert twitter.filter(pl.col("is_root")).height == 1

    api = table(
        con,
        "select source_event_id, n_upvotes, depth, schema_variant, submolt "
        "from stg_moltbook_api_events",
    )
    raw_api = table(
        con,
        "select source_event_id, attributes, community from events where source = 'moltbook-api'",
    )
    expected = {
        r["source_event_id"]: json.loads(r["attributes"]) for r in raw_api.iter_rows(named=True)
    }
    for row in api.iter_rows(named=True):
        attributes = expected[row["source_event_id"]]
        assert row["n_upvotes"] == attributes.get("upvotes")
        assert row["depth"] == attributes.get("depth")
        assert row["schema_variant"] == attributes.get("schema_variant")

    edges = table(
        con,
        "select edge_weight, is_aggregated_edge from stg_moltbook_observatory_events "
        "where kind in ('reply', 'mention')",
    )
    assert edges.height >= 1 and edges["is_aggregated_edge"].all()
    assert (edges["edge_weight"] >= 0).all()

    scholp = table(
        con,
        "select simplex_index, simplex_size, member_position, member_id, members "
        "from stg_scholp_events order by simplex_index, member_position",
    )
    assert scholp.select("simplex_index", "simplex_size", "member_position").rows() == [
        (0, 2, 0),
        (0, 2, 1),
        (1, 3, 0),
        (1, 3, 1),
        (1, 3, 2),
        (2, 1, 0),
    ]
    assert json.loads(scholp["members"][2]) == [1, 2, 3] and scholp["members"][3] is None

    chats = table(con, "select actor_id, unmapped_columns from stg_table_events order by actor_id")
    assert [json.loads(u) for u in chats["unmapped_columns"]] == [
        {"mood": "happy"},
        {"mood": "curious"},
    ]

    lines = table(con, "select source_event_id, repeat_index from stg_edgelist_events")
    assert lines["repeat_index"].to_list() == [
        int(key.rsplit("#", 1)[1]) for key in lines["source_event_id"]
    ]

    replay = table(
        con, "select distinct null_model, replayed_source, replay_seed from stg_null_replay_events"
    )
    assert replay.rows() == [("link_shuffle", info["sim"], 1)]
    platform = table(con, "select distinct generator_seed, model from stg_sim_platform_events")
    assert platform.rows() == [(3, "platform")]
    branching = table(
        con,
        "select distinct source, model, generator_seed, chunk_index from stg_sim_branching_events",
    )
    assert branching.rows() == [(info["branching"], "branching", 3, 0)]


def test_stg_runs_marks_the_latest_completed_run_of_each_flow_and_source_set(con, info):
    runs = table(con, "select run_id, flow, status, sources, started_at from runs")
    runs = runs.with_columns(pl.col("sources").list.sort().list.join(", ").alias("label"))
    latest = (
        runs.filter(pl.col("status") == "completed")
        .sort("started_at", "run_id", descending=True)
        .group_by("flow", "label", maintain_order=True)
        .first()
    )
    marked = table(con, "select run_id from stg_runs where is_latest_run")
    assert set(marked["run_id"]) == set(latest["run_id"])
    assert info["growing_runs"][1] in set(marked["run_id"])
    assert info["growing_runs"][0] not in set(marked["run_id"])
    durations = table(con, "select run_id, duration_seconds, started_at, finished_at from stg_runs")
    expected = (durations["finished_at"] - durations["started_at"]).dt.total_microseconds() / 1e6
    assert durations["duration_seconds"].to_list() == pytest.approx(expected.to_list())


# --- marts against the raw tables ----------------------------------------------------------------


def test_mart_runs_counts_agree_with_the_result_tables(con):
    mart = table(con, "select * from mart_runs order by run_id")
    runs = table(con, "select run_id, flow, status, report_path from runs order by run_id")
    assert mart.select("run_id", "flow", "status", "report_path").equals(runs)
    cascades = table(con, "select run_id, count(*) as n from cascades group by run_id")
    counted = dict(cascades.iter_rows())
    assert dict(mart.select("run_id", "n_cascades").iter_rows()) == {
        r: counted.get(r, 0) for r in mart["run_id"]
    }
    actors = dict(table(con, "select run_id, count(*) from actor_metrics group by 1").iter_rows())
    assert dict(mart.select("run_id", "n_actors").iter_rows()) == {
        r: actors.get(r, 0) for r in mart["run_id"]
    }


def test_mart_cascades_is_the_cascades_table_with_ranks(con, info):
    per_run = table(
        con,
        "select run_id, count(*) as n, max(size) as largest from cascades group by run_id "
        "order by run_id",
    )
    mart = table(
        con,
        "select run_id, count(*) as n, max(size) filter (where size_rank = 1) as largest "
        "from mart_cascades group by run_id order by run_id",
    )
    assert mart.equals(per_run)
    shares = table(
        con, "select sum(share_of_items) as s from mart_cascades group by run_id, source"
    )
    assert shares["s"].to_list() == pytest.approx([1.0] * shares.height)
    latest = table(con, "select distinct run_id from mart_cascades where is_latest_run")
    assert set(latest["run_id"]) == {info["sim_run"], info["null_run"]}


def test_mart_actors_joins_metrics_and_structure(con, info):
    metrics = table(con, "select * from actor_metrics")
    structure = table(con, "select * from actor_structure")
    joined = metrics.join(structure, on=["run_id", "actor_id"], how="full", coalesce=True)
    mart = table(con, "select * from mart_actors")
    assert mart.height == joined.height
    check = mart.join(joined, on=["run_id", "actor_id"], suffix="_raw")
    for column in ("n_events", "coreness", "core_score", "is_core", "role_kmeans"):
        assert check[column].equals(check[f"{column}_raw"], null_equal=True), column
    total = metrics.group_by("run_id").agg(pl.col("n_events").sum().alias("total"))
    shares = (
        metrics.join(total, on="run_id")
        .select("run_id", "actor_id", (pl.col("n_events") / pl.col("total")).alias("share"))
        .join(mart.select("run_id", "actor_id", "activity_share"), on=["run_id", "actor_id"])
    )
    assert shares["activity_share"].to_list() == pytest.approx(shares["share"].to_list())


def verdict_classes(con) -> pl.DataFrame:
    """The verdict class of every fit, from powerlaw_fits and powerlaw_comparisons in polars."""
    fits = table(con, "select run_id, quantity, status, p_value from powerlaw_fits")
    comparisons = table(con, "select * from powerlaw_comparisons")
    significant = (pl.col("loglikelihood_ratio") < 0) & (pl.col("p_value") < 0.1)
    favoured = (
        comparisons.filter(~pl.col("is_nested") & significant)
        .group_by("run_id", "quantity")
        .len("n_favoured")
    )
    cutoff = comparisons.filter(pl.col("is_nested") & significant).select(
        "run_id", "quantity", pl.lit(True).alias("cutoff")
    )
    out = fits.join(favoured, on=["run_id", "quantity"], how="left").join(
        cutoff, on=["run_id", "quantity"], how="left"
    )
    rows = []
    for r in out.iter_rows(named=True):
        if r["status"] != "ok":
            verdict = "no_fit"
        elif r["p_value"] is not None and r["p_value"] < 0.1:
            verdict = "ruled_out"
        elif r["n_favoured"]:
            verdict = "alternative_favoured"
        elif r["cutoff"]:
            verdict = "cutoff_favoured"
        elif r["p_value"] is None:
            verdict = "not_tested"
        else:
            verdict = "plausible"
        rows.append((r["run_id"], r["quantity"], verdict))
    return pl.DataFrame(rows, schema=["run_id", "quantity", "verdict_class"], orient="row")


def test_mart_powerlaw_fits_verdicts_and_best_alternative(con):
    mart = table(con, "select * from mart_powerlaw_fits")
    assert mart.height == table(con, "select count(*) as n from powerlaw_fits")["n"][0]
    expected = verdict_classes(con)
    got = mart.select("run_id", "quantity", "verdict_class")
    assert set(got.rows()) == set(expected.rows())
    assert {"no_fit", "ruled_out"} <= set(got["verdict_class"])
    # with no significant alternative, the best one is the lowest likelihood ratio R
    comparisons = table(con, "select * from powerlaw_comparisons where not is_nested")
    lowest = (
        comparisons.sort("loglikelihood_ratio", "alternative")
        .group_by("run_id", "quantity", maintain_order=True)
        .first()
    )
    check = mart.filter(pl.col("n_alternatives_favoured") == 0).join(
        lowest, on=["run_id", "quantity"]
    )
    assert check.height > 0
    assert check["best_alternative"].to_list() == check["alternative"].to_list()


def test_mart_comparisons_difference_is_value_minus_reference(con, info):
    stats = table(con, "select * from comparison_statistics")
    reference = stats.filter(pl.col("is_reference")).select(
        "run_id", "statistic", pl.col("value").alias("reference_value")
    )
    expected = stats.join(reference, on=["run_id", "statistic"], how="left").select(
        "run_id",
        "source",
        "statistic",
        (pl.col("value") - pl.col("reference_value")).alias("difference"),
    )
    mart = table(con, "select run_id, source, statistic, difference from mart_comparisons")
    both = mart.join(expected, on=["run_id", "source", "statistic"], suffix="_raw")
    assert both.height == stats.height == mart.height > 0
    assert both["difference"].equals(both["difference_raw"], null_equal=True)
    reference_rows = table(
        con, "select distinct difference, reference_source from mart_comparisons where is_reference"
    )
    assert set(reference_rows["reference_source"]) == {info["sim"]}
    assert set(reference_rows["difference"].drop_nulls()) == {0.0}
    distances = table(con, "select source, quantity, ks_distance from comparison_distances")
    joined = table(
        con,
        "select source, quantity, ks_distance from mart_comparisons "
        "where measure = 'alpha' and ks_distance is not null",
    )
    assert set(joined.rows()) <= set(distances.rows()) and joined.height > 0


def test_mart_windows_and_quarantine_agree_with_raw_tables(con):
    windows = table(con, "select count(*) as n from window_graph_metrics")["n"][0]
    assert table(con, "select count(*) as n from mart_windows")["n"][0] == windows
    persistence = table(
        con, "select run_id, window_start, jaccard_top_k from influence_persistence"
    )
    mart = table(
        con,
        "select run_id, window_start, jaccard_top_k_next from mart_windows "
        "where next_window_start is not null",
    )
    both = persistence.join(mart, on=["run_id", "window_start"])
    assert both.height == persistence.height > 0
    assert both["jaccard_top_k"].equals(both["jaccard_top_k_next"], null_equal=True)
    rejected = table(con, "select batch_id, reason from quarantine")
    expected = rejected.group_by("batch_id", "reason").len("n_rejected").sort("batch_id", "reason")
    got = table(
        con,
        "select batch_id, reason, n_rejected from mart_quarantine_reasons "
        "order by batch_id, reason",
    )
    assert got.rows() == expected.rows()


# --- queries -------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", list_queries(), ids=lambda q: q.name)
def test_every_query_runs_with_its_defaults(con, query):
    answer = run_query(con, query.name)
    assert isinstance(answer, pl.DataFrame)
    assert answer.height > 0  # the fixture has an answer to every question


def test_largest_cascades_in_window(con, info):
    cascades = table(con, "select * from cascades where run_id = ?", [info["sim_run"]])
    start, end = cascades["started_at"].min(), cascades["started_at"].max()
    lo, hi = start + (end - start) / 3, start + 2 * (end - start) / 3
    expected = (
        cascades.filter((pl.col("started_at") >= lo) & (pl.col("started_at") < hi))
        .sort(["size", "cascade_id"], descending=[True, False])
        .head(5)
    )
    got = run_query(
        con,
        "largest_cascades_in_window",
        {
            "run_id": info["sim_run"],
            "source": info["sim"],
            "window_start": lo.isoformat(),
            "window_end": hi.isoformat(),
            "limit": "5",
        },
    )
    assert got.select("cascade_id", "size").rows() == expected.select("cascade_id", "size").rows()
    assert got.height == 5
    # 'latest' finds the same run: the simulation was analysed once
    latest = run_query(
        con,
        "largest_cascades_in_window",
        {"source": info["sim"], "window_start": lo.isoformat(), "window_end": hi.isoformat()},
    )
    assert latest["cascade_id"].head(5).to_list() == expected["cascade_id"].to_list()


def main_core(frame: pl.DataFrame) -> set[str]:
    top = frame["coreness"].max()
    return set(frame.filter((pl.col("coreness") == top) & (pl.col("coreness") > 0))["actor_id"])


def test_actors_into_core_between_windows(con, info):
    run_id = info["growing_runs"][1]
    actors = table(con, "select * from window_actor_metrics where run_id = ?", [run_id])
    starts = sorted(set(actors["window_start"]))
    first = main_core(actors.filter(pl.col("window_start") == starts[0]))
    last = main_core(actors.filter(pl.col("window_start") == starts[-1]))
    got = run_query(con, "actors_into_core_between_windows", {"run_id": run_id})
    assert set(got["actor_id"]) == last - first and got.height > 0
    second = main_core(actors.filter(pl.col("window_start") == starts[1]))
    third = main_core(actors.filter(pl.col("window_start") == starts[2]))
    explicit = run_query(
        con,
        "actors_into_core_between_windows",
        {
            "run_id": run_id,
            "from_window_start": starts[1].isoformat(),
            "to_window_start": starts[2].isoformat(),
        },
    )
    assert set(explicit["actor_id"]) == third - second


def test_actors_into_core_between_runs(con, info):
    before, after = info["growing_runs"]
    structure = table(con, "select run_id, actor_id, is_core from actor_structure where is_core")
    core = {r: set(structure.filter(pl.col("run_id") == r)["actor_id"]) for r in (before, after)}
    got = run_query(con, "actors_into_core_between_runs", {"source": GROWING})
    assert set(got["actor_id"]) == core[after] - core[before] and got.height > 0
    assert set(got["from_run_id"]) == {before} and set(got["to_run_id"]) == {after}
    # the explicit pair the other way round: who left the core
    reverse = run_query(
        con, "actors_into_core_between_runs", {"from_run_id": after, "to_run_id": before}
    )
    assert set(reverse["actor_id"]) == core[before] - core[after]


def test_alpha_over_runs(con, info):
    fits = table(
        con,
        "select f.run_id, f.alpha from powerlaw_fits f join runs r using (run_id) "
        "where f.quantity = 'activity' and list_contains(r.sources, ?) order by r.started_at",
        [GROWING],
    )
    got = run_query(con, "alpha_over_runs", {"source": GROWING, "quantity": "activity"})
    assert got["run_id"].to_list() == info["growing_runs"] == fits["run_id"].to_list()
    assert got["alpha"].to_list() == pytest.approx(fits["alpha"].to_list())
    assert got["alpha_change"][0] is None
    assert got["alpha_change"][1] == pytest.approx(fits["alpha"][1] - fits["alpha"][0])


def test_sources_vs_reference(con, info):
    stats = table(
        con, "select * from comparison_statistics where run_id = ?", [info["compare_run"]]
    )
    reference = dict(stats.filter(pl.col("is_reference")).select("statistic", "value").iter_rows())
    expected = {
        (r["statistic"], r["source"]): (
            None
            if r["value"] is None or reference[r["statistic"]] is None
            else r["value"] - reference[r["statistic"]]
        )
        for r in stats.filter(~pl.col("is_reference")).iter_rows(named=True)
    }
    got = run_query(con, "sources_vs_reference")
    assert set(got["run_id"]) == {info["compare_run"]}
    answer = {(r["statistic"], r["source"]): r["difference"] for r in got.iter_rows(named=True)}
    assert answer.keys() == expected.keys()
    for key, value in expected.items():
        if value is None:
            assert answer[key] is None, key
        else:
            assert answer[key] == pytest.approx(value), key
    alphas = run_query(con, "sources_vs_reference", {"measure": "alpha"})
    assert set(alphas["statistic"]) == {s for s, _ in expected if s.startswith("alpha:")}


def test_powerlaw_verdicts(con):
    expected = verdict_classes(con).filter(pl.col("quantity") == "cascade_size")
    got = run_query(con, "powerlaw_verdicts", {"quantity": "cascade_size", "latest_only": "false"})
    assert set(got.select("run_id", "quantity", "verdict_class").rows()) == set(expected.rows())
    latest = run_query(con, "powerlaw_verdicts", {"quantity": "cascade_size"})
    assert latest.height == expected.height - 1  # the first growing-edge-list run is superseded


def test_most_active_actors(con, info):
    metrics = table(con, "select * from actor_metrics where run_id = ?", [info["sim_run"]])
    top = metrics.sort(["n_events", "actor_id"], descending=[True, False]).head(5)
    total = metrics["n_events"].sum()
    got = run_query(con, "most_active_actors", {"run_id": info["sim_run"], "limit": "5"})
    assert got["actor_id"].to_list() == top["actor_id"].to_list()
    assert got["cumulative_share"].to_list() == pytest.approx(
        (top["n_events"].cum_sum() / total).to_list()
    )


def test_reciprocity_density_over_time(con, info):
    windows = table(
        con,
        "select window_start, reciprocity, density from window_graph_metrics where run_id = ? "
        "order by window_start",
        [info["sim_run"]],
    )
    got = run_query(con, "reciprocity_density_over_time", {"run_id": info["sim_run"]})
    assert_frame_equal(got.select("window_start", "reciprocity", "density"), windows)
    assert got["window_index"].to_list() == list(range(1, windows.height + 1))


def test_quarantine_by_reason(con):
    rejected = table(
        con,
        "select q.batch_id, q.source, b.reader, q.reason, b.n_read "
        "from quarantine q join ingest_batches b using (batch_id)",
    )
    per_batch = rejected.group_by("batch_id", "source", "reader", "reason").agg(
        pl.len().alias("n_rejected"), pl.col("n_read").first()
    )
    expected = (
        per_batch.group_by("source", "reader", "reason")
        .agg(pl.col("n_rejected").sum(), pl.col("n_read").sum())
        .sort("source", "reason")
    )
    got = run_query(con, "quarantine_by_reason").sort("source", "reason")
    assert got.select("source", "reader", "reason", "n_rejected", "n_read").rows() == (
        expected.select("source", "reader", "reason", "n_rejected", "n_read").rows()
    )
    assert set(got["reason"]) == {"unparseable_timestamp"} and got.height == 3
    only = run_query(con, "quarantine_by_reason", {"source": "table:chats"})
    assert only.select("n_rejected", "n_read").rows() == [(1, 3)]


def test_failed_runs(con):
    failed = table(con, "select run_id, error from runs where status in ('failed', 'abandoned')")
    got = run_query(con, "failed_runs")
    assert set(got["run_id"]) == set(failed["run_id"]) and got.height == 1
    assert "raise --max-rejected-share" in got["error"][0]
    assert run_query(con, "failed_runs", {"flow": "analyze"}).height == 0
    assert run_query(con, "failed_runs", {"since": "2999-01-01T00:00:00Z"}).height == 0


def test_cascades_by_structural_virality(con, info):
    cascades = table(
        con,
        "select * from cascades where run_id = ? and size >= 3 and structural_virality is not null",
        [info["sim_run"]],
    )
    top = cascades.sort(["structural_virality", "cascade_id"], descending=[True, False]).head(5)
    got = run_query(
        con, "cascades_by_structural_virality", {"run_id": info["sim_run"], "limit": "5"}
    )
    assert got["cascade_id"].to_list() == top["cascade_id"].to_list()
    star = 2 * (top["size"] - 1) / top["size"]  # Goel et al. 2016: a star of n nodes
    assert got["virality_over_star"].to_list() == pytest.approx(
        (top["structural_virality"] / star).to_list()
    )


def test_exposure_response_curve(con, info):
    response = table(
        con,
        "select k, n_exposed, n_adopted from exposure_response "
        "where run_id = ? and contagion_type = 'reply_thread' order by k",
        [info["sim_run"]],
    )
    hazard = table(
        con,
        "select hazard_ratio from exposure_hazard where run_id = ? "
        "and contagion_type = 'reply_thread'",
        [info["sim_run"]],
    )
    got = run_query(con, "exposure_response_curve", {"run_id": info["sim_run"]})
    assert got.select("k", "n_exposed", "n_adopted").rows() == response.rows()
    ratio = pl.when(pl.col("n_exposed") > 0).then(pl.col("n_adopted") / pl.col("n_exposed"))
    expected = response.select(ratio.alias("p"))["p"]
    assert got["p_adopt"].is_null().to_list() == expected.is_null().to_list()
    assert got["p_adopt"].drop_nulls().to_list() == pytest.approx(expected.drop_nulls().to_list())
    assert set(got["hazard_ratio"]) == set(hazard["hazard_ratio"])


def test_core_members_and_roles(con, info):
    structure = table(
        con, "select * from actor_structure where run_id = ? and is_core", [info["sim_run"]]
    )
    roles = table(
        con,
        "select role, share_actors from role_sizes where run_id = ? and method = 'kmeans'",
        [info["sim_run"]],
    )
    got = run_query(con, "core_members_and_roles", {"run_id": info["sim_run"]})
    assert set(got["actor_id"]) == set(structure["actor_id"]) and got.height > 0
    share = dict(roles.iter_rows())
    assert got["role_kmeans_share"].to_list() == [share[r] for r in got["role_kmeans"]]


def test_fastest_growing_cascades(con, info):
    cascades = table(
        con,
        "select * from cascades where run_id = ? and size >= 10 "
        "and time_to_50pct_seconds is not null",
        [info["sim_run"]],
    )
    top = cascades.sort(
        ["time_to_50pct_seconds", "size", "cascade_id"], descending=[False, True, False]
    ).head(5)
    got = run_query(con, "fastest_growing_cascades", {"run_id": info["sim_run"], "limit": "5"})
    assert got["cascade_id"].to_list() == top["cascade_id"].to_list()


def test_sources_overview(con):
    events = table(con, "select source, actor_id, occurred_at from events")
    expected = (
        events.group_by("source")
        .agg(
            pl.len().alias("n_events"),
            pl.col("actor_id").drop_nulls().n_unique().alias("n_actors"),
            pl.col("occurred_at").null_count().alias("n_untimed_events"),
        )
        .sort("source")
    )
    got = run_query(con, "sources_overview")
    assert got.select("source", "n_events", "n_actors", "n_untimed_events").rows() == (
        expected.rows()
    )
    corpus = run_query(con, "sources_overview", {"source": "edgelist:corpus"})
    assert corpus.select("n_batches_committed", "n_batches_failed", "n_quarantined").rows() == [
        (2, 1, 4)
    ]


def test_community_structure_labels(con, info):
    profiles = table(
        con,
        "select community, label from mesoscale_profiles where run_id = ? and window_start is null",
        [info["sim_run"]],
    )
    got = run_query(con, "community_structure_labels", {"run_id": info["sim_run"]})
    assert set(got.select("community", "label").rows()) == set(profiles.rows())


def test_every_query_is_answered_against_the_raw_tables():
    """Each query of the library has its own test above that recomputes its answer."""
    tested = {
        name.removeprefix("test_")
        for name, value in globals().items()
        if name.startswith("test_") and callable(value)
    }
    assert {q.name for q in list_queries()} <= tested


# --- parameters are bound, never formatted ------------------------------------------------------


def test_hostile_parameter_values_are_bound_not_evaluated(con):
    before = con.execute("select count(*), max(event_seq) from events").fetchall()
    for query in list_queries():
        for name in query.parameters:
            try:
                answer = run_query(con, query.name, {name: HOSTILE})
            except InvalidInputError as e:  # a value that must be a date or a number
                assert "cannot use the values" in str(e)
            else:
                assert answer.height == 0, (query.name, name)
    assert con.execute("select count(*), max(event_seq) from events").fetchall() == before
    assert "events" in {
        r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()
    }


def test_unknown_queries_and_parameters_say_what_exists(con, tmp_path):
    with pytest.raises(InvalidInputError, match="known queries: .*largest_cascades_in_window"):
        run_query(con, "largest_cascade")
    with pytest.raises(InvalidInputError, match="unknown query"):
        run_query(con, "../schema/001_event_log")
    with pytest.raises(InvalidInputError, match=r"no parameter 'sourc'.*source \(default '\*'\)"):
        run_query(con, "largest_cascades_in_window", {"sourc": "x"})
    with pytest.raises(InvalidInputError, match="window_start"):
        run_query(con, "largest_cascades_in_window", {"window_start": "yesterday"})
    with pytest.raises(InvalidInputError, match="text or a number"):
        run_query(con, "most_active_actors", {"limit": ["5"]})
    per_run = run_query(con, "most_active_actors", {"limit": 3}).group_by("run_id").len()
    assert set(per_run["len"]) == {3}
    folder = tmp_path / "queries"
    folder.mkdir()
    (folder / "one_actor.sql").write_text(
        "-- question: What did one actor do?\n-- grain: one row per event\n-- param: actor_id\n"
        "select event_seq from events where actor_id = $actor_id\n"
    )
    assert load_query("one_actor", queries_dir=folder).parameters == {"actor_id": None}
    with pytest.raises(InvalidInputError, match="needs a value for parameter 'actor_id'"):
        run_query(con, "one_actor", queries_dir=folder)
    assert run_query(con, "one_actor", {"actor_id": "a10"}, queries_dir=folder).height > 0
    (folder / "undeclared.sql").write_text(
        "-- question: Broken?\n-- grain: one row per event\nselect $oops as x\n"
    )
    with pytest.raises(SchemaError, match=r"uses \$oops without a '-- param:' line"):
        load_query("undeclared", queries_dir=folder)
    (folder / "two.sql").write_text(
        "-- question: Two statements?\n-- grain: one row per x\nselect 1; drop table events\n"
    )
    with pytest.raises(SchemaError, match="exactly one statement"):
        load_query("two", queries_dir=folder)
    (folder / "bad.sql").write_text(
        "-- question: Bad?\n-- grain: one row per x\nselect * from no_such_table\n"
    )
    with pytest.raises(EventLogError, match="query 'bad' failed"):
        run_query(con, "bad", queries_dir=folder)


def test_query_dataclass_binds_defaults_and_overrides():
    query = Query("q", "Q?", "one row per x", {"a": "1", "b": None}, "select $a, $b", Path("q.sql"))
    assert query.bind({"b": "2"}) == {"a": "1", "b": "2"}
    assert query.bind({"a": 5, "b": 2.5}) == {"a": "5", "b": "2.5"}
