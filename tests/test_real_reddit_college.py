"""reddit-college (../shared/data/reddit-college) through the shipped examples/reddit-college.toml.

Ingest only (the full analysis is benchmarked elsewhere). Every figure is checked against an
independent count from the two TSVs with polars, and against SOURCE.md: 36,862 threads and
576,669 comments stored (nothing lost), 37,228 comments by a deleted author kept with a null
actor, every reply addressed to its parent item's author, every thread one whole cascade.
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest

from netdyn.cli.common import _reader_options
from netdyn.ingest.load import ingest_path
from netdyn.store.db import connect, invariant_violations
from netdyn.store.projections import advance

N_THREADS = 36_862
N_COMMENTS = 576_669
N_DELETED_COMMENTS = 37_228


REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def data(shared_data) -> Path:
    """The dataset folder: a test failure under CI when it is missing, else a skip."""
    path = shared_data / "reddit-college"
    if not path.exists():
        message = f"real dataset {path} is missing (expected ../shared/data/reddit-college)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def tsv(data) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The threads and comments, read independently of netdyn (every column as text)."""

    def read(name: str) -> pl.DataFrame:
        return pl.read_csv(
            data / f"reddit-college_{name}.tsv.gz",
            separator="\t",
            infer_schema=False,
            quote_char=None,
        )

    return read("threads"), read("comments")


@pytest.fixture(scope="module")
def db(data, tmp_path_factory):
    options = _reader_options(None, REPO / "examples" / "reddit-college.toml")
    con = connect(tmp_path_factory.mktemp("reddit") / "reddit.duckdb")
    batches = ingest_path(con, "table", data, options=options)
    yield con, batches
    con.close()


def scalar(con, sql: str):
    return con.execute(sql).fetchall()[0][0]


def test_every_record_is_stored_and_accounted(db, tsv):
    con, batches = db
    threads, comments = tsv
    assert (threads.height, comments.height) == (N_THREADS, N_COMMENTS)
    # threads first (the options file's section order), so every parent is known in time
    assert [Path(b.uri).name for b in batches] == [
        "reddit-college_threads.tsv.gz",
        "reddit-college_comments.tsv.gz",
    ]
    assert {b.source for b in batches} == {"reddit-college"}
    assert sum(b.n_read for b in batches) == N_THREADS + N_COMMENTS
    assert [(b.n_inserted, b.n_duplicate, b.n_quarantined) for b in batches] == [
        (N_THREADS, 0, 0),
        (N_COMMENTS, 0, 0),
    ]
    assert sum(b.n_unresolved_targets for b in batches) == 0
    assert scalar(con, "select count(*) from events") == N_THREADS + N_COMMENTS
    assert scalar(con, "select count(*) from quarantine") == 0
    kinds = dict(con.execute("select kind, count(*) from events group by kind").fetchall())
    assert kinds == {"post": N_THREADS, "reply": N_COMMENTS}
    assert not any(invariant_violations(con).values())


def test_deleted_authors_are_kept_with_a_null_actor(db, tsv):
    con, _ = db
    threads, comments = tsv
    deleted = comments.filter(pl.col("author_h").is_null()).height
    assert deleted == N_DELETED_COMMENTS  # SOURCE.md
    stored = dict(
        con.execute(
            "select kind, count(*) from events where actor_id is null group by kind"
        ).fetchall()
    )
    assert stored == {"reply": deleted, "post": threads.filter(pl.col("author_h").is_null()).height}
    # SOURCE.md: 114,307 distinct hashed authors across threads and comments
    assert scalar(con, "select count(distinct actor_id) from events") == 114_307


def test_replies_address_the_parent_author(db, tsv):
    con, _ = db
    threads, comments = tsv
    authors = pl.concat(
        [
            threads.select(pl.col("thread_id").alias("parent_id"), parent_author="author_h"),
            comments.select(pl.col("comment_id").alias("parent_id"), parent_author="author_h"),
        ]
    )
    expected = comments.select("comment_id", "parent_id", "author_h").join(
        authors, on="parent_id", how="left"
    )
    assert expected.height == N_COMMENTS
    stored = con.sql(
        "select source_event_id as comment_id, target_actor_id from events where kind = 'reply'"
    ).pl()
    compared = expected.join(stored, on="comment_id")
    assert compared.height == N_COMMENTS
    assert compared.filter(pl.col("parent_author").ne_missing(pl.col("target_actor_id"))).is_empty()
    # the interaction graph: one edge per ordered pair of known actors, self-loops included
    edges = (
        expected.drop_nulls(["author_h", "parent_author"])
        .group_by("author_h", "parent_author")
        .len()
    )
    advance(con, "interactions")
    n_edges, weight, n_loops = con.execute(
        "select count(*), sum(weight), count(*) filter (where actor_id = target_actor_id) "
        "from proj_interactions"
    ).fetchall()[0]
    assert n_edges == edges.height > 400_000
    assert weight == edges["len"].sum()
    assert n_loops == edges.filter(pl.col("author_h") == pl.col("parent_author")).height
    proper = expected.filter(pl.col("author_h") != pl.col("parent_author")).height
    assert proper == 500_168  # reply events between two different known authors


def test_every_thread_is_one_whole_cascade(db, tsv):
    con, _ = db
    threads, _ = tsv
    advance(con, "cascades")
    cascades = con.sql("select cascade_id, size, n_orphans, depth from proj_cascades").pl()
    assert cascades.height == N_THREADS
    expected = threads.select(
        pl.col("thread_id").alias("cascade_id"),
        (pl.col("n_comments").cast(pl.Int64) + 1).alias("expected_size"),
        pl.col("max_depth").cast(pl.Int64).alias("expected_depth"),
    )
    joined = cascades.join(expected, on="cascade_id")
    assert joined.height == N_THREADS
    assert (joined["size"] == joined["expected_size"]).all()
    assert (joined["depth"] == joined["expected_depth"]).all()
    assert joined["n_orphans"].sum() == 0 and joined["depth"].max() == 106
    flags = con.execute("select n_orphan_nodes, n_cycle_nodes from proj_forest_flags").fetchall()
    assert flags == [(0, 0)]
