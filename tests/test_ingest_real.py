"""Real datasets through reader → validation → event log → cascades.

Checks the issue's acceptance points on the files in ../shared/data: counts add up, a second
ingest changes no row count, the Twitter archive yields one cascade per distinct tree, and the
MoltBook sample's reply depths match its SOURCE.md.
"""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path

import pytest

from netdyn.analytics.cascades import compute_cascades
from netdyn.ingest.load import ingest_path
from netdyn.store.db import connect, invariant_violations
from netdyn.store.eventlog import read_events

TWITTER = "twitter15-16-propagation-trees/Twitter15_16_dataset.tar.gz"
DATASETS = {
    "twitter15-16": TWITTER,
    "moltbook-api": "moltbook-api-sample/posts",
    "moltbook-observatory": "moltbook-noosphere-observatory",
    "edgelist": "snap-collegemsg/CollegeMsg.txt.gz",
}


def row_counts(con) -> dict[str, int]:
    return {
        t: con.execute(f"select count(*) from {t}").fetchall()[0][0]
        for t in ("events", "quarantine", "ingest_batches")
    }


@pytest.fixture(scope="module")
def first_ingest(tmp_path_factory, shared_data):
    """``first_ingest(fmt)``: the dataset ingested into an empty database of its own (closed),
    and the batches; once per module and dataset, when first asked for.

    Ingesting is what this module costs (the 1 M-line Twitter archive above all), so a
    dataset's first ingest is shared: a test that writes works on a copy (:func:`copy_of`).
    """
    done: dict[str, tuple[Path, list]] = {}

    def ingest(fmt: str) -> tuple[Path, list]:
        if fmt not in done:
            path = tmp_path_factory.mktemp(fmt) / f"{fmt}.duckdb"
            con = connect(path)
            results = ingest_path(con, fmt, shared_data / DATASETS[fmt])
            con.close()
            done[fmt] = path, results
        return done[fmt]

    return ingest


def copy_of(path: Path, tmp_path: Path):
    """A connection to a fresh copy of the database file ``path``."""
    shutil.copy(path, tmp_path / path.name)
    return connect(tmp_path / path.name)


@pytest.fixture
def twitter_db(first_ingest, tmp_path):
    """A fresh copy of the database just after the archive's first ingest, and its batches."""
    path, results = first_ingest("twitter15-16")
    con = copy_of(path, tmp_path)
    yield con, results
    con.close()


@pytest.mark.parametrize("fmt", sorted(DATASETS))
def test_ingest_twice_changes_no_row_count(fmt, shared_data, tmp_path, first_ingest):
    path = shared_data / DATASETS[fmt]
    stored_at, first = first_ingest(fmt)  # into an empty database
    con = copy_of(stored_at, tmp_path)
    assert first and all(r.status == "committed" for r in first)
    for r in first:
        assert r.n_read == r.n_inserted + r.n_duplicate + r.n_quarantined
    stored = con.execute(
        "select sum(n_read), sum(n_inserted) from ingest_batches where status = 'committed'"
    ).fetchall()[0]
    assert stored == (sum(r.n_read for r in first), sum(r.n_inserted for r in first))
    before = row_counts(con)
    assert before["events"] == sum(r.n_inserted for r in first) > 0
    # a second ingest recognises the content and changes nothing at all
    second = ingest_path(con, fmt, path)
    assert {r.status for r in second} == {"skipped"}
    assert row_counts(con) == before
    if fmt != "twitter15-16":  # the forced re-read of the 1 M-line archive is covered below
        forced = ingest_path(con, fmt, path, force=True)
        assert sum(r.n_inserted for r in forced) == 0
        after = row_counts(con)
        assert (after["events"], after["quarantine"]) == (before["events"], before["quarantine"])
    con.close()


def test_twitter_every_tree_is_one_cascade(twitter_db, shared_data):
    con, results = twitter_db
    (batch,) = results
    assert batch.n_read == 987_994  # edge lines in SOURCE.md (624,458 + 363,536)
    assert batch.n_read == batch.n_inserted + batch.n_duplicate + batch.n_quarantined
    with tarfile.open(shared_data / TWITTER) as archive:
        files = [m.name for m in archive.getmembers() if "/tree/" in m.name]
    assert len(files) == 2_308
    roots = {name.rsplit("/", 1)[1].removesuffix(".txt") for name in files}
    # the 169 trees present in both twitter15 and twitter16 are byte-identical: stored once
    assert len(roots) == 2_308 - 169
    result = compute_cascades(read_events(con))
    cascades = result.cascades
    assert cascades.height == len(roots)
    assert {cid.split("/", 1)[0] for cid in cascades["cascade_id"]} == roots
    assert result.n_orphan_nodes == 0 and result.n_cycle_nodes == 0
    assert int(cascades["size"].sum()) == batch.n_inserted
    # relative time only: no calendar dates were invented
    assert con.execute("select count(*) from events where occurred_at is not null").fetchall() == [
        (0,)
    ]
    reasons = {r for (r,) in con.execute("select distinct reason from quarantine").fetchall()}
    assert reasons <= {"self_parent", "conflicting_duplicate"}


def test_twitter_forced_reread_inserts_nothing(twitter_db, shared_data):
    con, _ = twitter_db
    before = row_counts(con)
    (again,) = ingest_path(con, "twitter15-16", shared_data / TWITTER, force=True)
    assert again.n_inserted == 0 and again.n_quarantined == 0
    assert again.n_duplicate == again.n_read == 987_994
    after = row_counts(con)
    assert (after["events"], after["quarantine"]) == (before["events"], before["quarantine"])


def test_moltbook_reply_depths_match_source_md(first_ingest):
    con = connect(first_ingest("moltbook-api")[0], read_only=True)
    cascades = compute_cascades(read_events(con)).cascades
    con.close()
    assert cascades.height == 123
    assert cascades["depth"].max() == 5
    # SOURCE.md section 4, posts by max depth: none 42, 1: 48, 2: 21, 3: 0, 4: 9, 5: 3
    by_depth = dict(cascades.group_by("depth").len().iter_rows())
    assert by_depth == {0: 42, 1: 48, 2: 21, 4: 9, 5: 3}
    assert int(cascades["size"].sum()) == 123 + 751


def test_invariants_hold_after_real_ingests(twitter_db, shared_data):
    con, _ = twitter_db
    for fmt in ("moltbook-api", "moltbook-observatory", "edgelist"):
        ingest_path(con, fmt, shared_data / DATASETS[fmt])
    violations = invariant_violations(con)
    assert len(violations) >= 4
    assert violations == dict.fromkeys(violations, 0)
