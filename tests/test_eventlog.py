"""The event log: idempotent, atomic, accounted batches."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from netdyn.core.errors import RejectedShareError
from netdyn.ingest.load import ingest_chunk
from netdyn.store.canonical import Chunk, EventBuffer
from netdyn.store.db import connect
from netdyn.store.eventlog import read_events

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def con(tmp_path):
    c = connect(tmp_path / "log.duckdb")
    yield c
    c.close()


def make_chunk(n: int = 5, *, uri: str = "mem://a") -> Chunk:
    chunk = Chunk(uri, f"hash-{uri}-{n}")
    chunk.rows.add(
        source_event_id="root",
        kind="post",
        occurred_at=T0,
        actor_id="a",
        object_id="root",
        root_object_id="root",
    )
    for i in range(1, n):
        chunk.rows.add(
            source_event_id=f"c{i}",
            kind="comment",
            occurred_at=T0,
            actor_id=f"u{i}",
            target_actor_id="a",
            object_id=f"c{i}",
            parent_object_id="root",
            root_object_id="root",
            attributes={"i": i},
        )
    return chunk


def counts(con) -> tuple[int, int, int]:
    return tuple(
        con.execute(f"select count(*) from {t}").fetchall()[0][0]
        for t in ("events", "quarantine", "ingest_batches")
    )


def test_append_then_reappend_inserts_nothing(con):
    first = ingest_chunk(con, make_chunk(), source="s", reader="test")
    assert (first.n_read, first.n_inserted, first.n_duplicate, first.n_quarantined) == (5, 5, 0, 0)
    # the same content again is recognised by its hash and skipped without a batch
    skipped = ingest_chunk(con, make_chunk(), source="s", reader="test")
    assert (skipped.status, skipped.batch_id, skipped.n_inserted) == ("skipped", first.batch_id, 0)
    assert counts(con) == (5, 0, 1)
    # forced, it is re-read and every row is a duplicate
    second = ingest_chunk(con, make_chunk(), source="s", reader="test", force=True)
    assert (second.status, second.n_inserted, second.n_duplicate) == ("committed", 0, 5)
    assert counts(con) == (5, 0, 2)
    # the same ids under another source label are other events
    third = ingest_chunk(con, make_chunk(), source="other", reader="test")
    assert third.n_inserted == 5


def test_event_seq_increases_in_reader_order_after_the_log(con):
    ingest_chunk(con, make_chunk(3), source="s", reader="test")
    ingest_chunk(con, make_chunk(6), source="s", reader="test")
    events = read_events(con)
    # positions of the second batch start above the log; its first three rows were
    # duplicates, so their positions (4-6) stay unused
    assert events["event_seq"].to_list() == [1, 2, 3, 7, 8, 9]
    assert events["source_event_id"].to_list() == ["root", "c1", "c2", "c3", "c4", "c5"]
    assert read_events(con, since=3)["source_event_id"].to_list() == ["c3", "c4", "c5"]
    assert read_events(con, kinds=["post"]).height == 1


def test_counts_add_up_with_rejects_and_repeats(con):
    chunk = make_chunk(4)
    chunk.reject("mem://a:7", "malformed_line", "two fields, need three", "1 2")
    # exact repeat within the batch: a duplicate
    chunk.rows.add(
        source_event_id="c1",
        kind="comment",
        occurred_at=T0,
        actor_id="u1",
        target_actor_id="a",
        object_id="c1",
        parent_object_id="root",
        root_object_id="root",
        attributes={"i": 1},
    )
    # same id, other parent: a conflicting duplicate, quarantined
    chunk.rows.add(
        source_event_id="c2",
        kind="comment",
        occurred_at=T0,
        actor_id="u2",
        target_actor_id="a",
        object_id="c2",
        parent_object_id="c1",
        root_object_id="root",
    )
    # invalid rows caught by validation
    chunk.rows.add(source_event_id="bad-kind", kind="like", actor_id="x")
    chunk.rows.add(
        source_event_id="future", kind="post", occurred_at=datetime(2999, 1, 1, tzinfo=UTC)
    )
    chunk.rows.add(source_event_id="loop", kind="reply", object_id="o", parent_object_id="o")
    r = ingest_chunk(con, chunk, source="s", reader="test")
    assert r.n_read == 4 + 1 + 1 + 1 + 3
    assert r.n_read == r.n_inserted + r.n_duplicate + r.n_quarantined
    assert (r.n_inserted, r.n_duplicate, r.n_quarantined) == (4, 1, 5)
    reasons = dict(
        con.execute("select reason, count(*) from quarantine group by reason").fetchall()
    )
    assert reasons == {
        "malformed_line": 1,
        "conflicting_duplicate": 1,
        "unknown_kind": 1,
        "timestamp_out_of_range": 1,
        "self_parent": 1,
    }
    batch = con.execute(
        "select n_read, n_inserted, n_duplicate, n_quarantined, status from ingest_batches"
    ).fetchall()[0]
    assert batch == (10, 4, 1, 5, "committed")
    # re-read by force: the rejects are already quarantined, so they count as duplicates
    again = ingest_chunk(con, chunk, source="s", reader="test", force=True)
    assert (again.n_inserted, again.n_duplicate, again.n_quarantined) == (0, 10, 0)
    assert con.execute("select count(*) from quarantine").fetchall()[0][0] == 5


def test_conflict_with_stored_event_is_quarantined_not_overwritten(con):
    ingest_chunk(con, make_chunk(3), source="s", reader="test")
    chunk = Chunk("mem://b", "h2")
    chunk.rows.add(
        source_event_id="c1",
        kind="comment",
        occurred_at=T0,
        actor_id="someone-else",
        object_id="c1",
        parent_object_id="root",
        root_object_id="root",
    )
    r = ingest_chunk(con, chunk, source="s", reader="test", max_rejected_share=1.0)
    assert (r.n_inserted, r.n_duplicate, r.n_quarantined) == (0, 0, 1)
    stored = con.execute("select actor_id from events where source_event_id = 'c1'").fetchall()
    assert stored == [("u1",)]


def test_text_and_attribute_changes_are_later_snapshots(con):
    ingest_chunk(con, make_chunk(3), source="s", reader="test")
    later = make_chunk(3, uri="mem://later")
    frame = later.rows.to_frame().with_columns(attributes=pl.lit('{"votes": 9}'), text=pl.lit("x"))
    later.rows = EventBuffer()
    for row in frame.iter_rows(named=True):
        later.rows.add(**row)
    r = ingest_chunk(con, later, source="s", reader="test")
    assert (r.n_inserted, r.n_duplicate, r.n_quarantined) == (0, 3, 0)
    assert con.execute("select count(*) from events where text = 'x'").fetchall() == [(0,)]


def test_rejected_share_above_threshold_stores_nothing(con):
    ingest_chunk(con, make_chunk(3), source="s", reader="test")
    before = counts(con)
    chunk = make_chunk(2, uri="mem://bad")
    for i in range(5):
        chunk.reject(f"mem://bad:{i}", "malformed_line", "garbage", "x")
    with pytest.raises(RejectedShareError, match="5 of 7 records rejected"):
        ingest_chunk(con, chunk, source="s", reader="test", max_rejected_share=0.5)
    events, quarantined, batches = counts(con)
    assert (events, quarantined) == before[:2]
    assert batches == before[2] + 1
    status = con.execute(
        "select status, n_inserted from ingest_batches order by batch_id desc limit 1"
    ).fetchall()
    assert status == [("failed", 0)]


def test_database_error_mid_batch_rolls_back_everything(con, monkeypatch):
    ingest_chunk(con, make_chunk(3), source="s", reader="test")
    before = counts(con)
    chunk = make_chunk(5, uri="mem://x")
    chunk.reject("mem://x:1", "malformed_line", "bad", "x")
    # make the quarantine insert fail after the events insert has run
    con.execute("alter table quarantine add column must_not_be_null int not null default 1")
    con.execute("alter table quarantine alter column must_not_be_null drop default")
    from netdyn.core.errors import EventLogError

    with pytest.raises(EventLogError, match="nothing stored"):
        ingest_chunk(con, chunk, source="s", reader="test")
    events, quarantined, batches = counts(con)
    assert (events, quarantined) == before[:2]
    assert con.execute("select max(event_seq) from events").fetchall()[0][0] == 3


def test_read_events_rejects_unknown_columns(con):
    with pytest.raises(ValueError, match="unknown event columns"):
        read_events(con, columns=["event_seq; drop table events"])


# --- replies address the parent item's author -------------------------------------------------


def items(*rows: tuple, uri: str = "mem://t") -> Chunk:
    """A chunk of (key, kind, actor, parent[, target]) rows; the key is also the object id."""
    chunk = Chunk(uri, f"hash-{uri}-{rows!r}")
    for key, kind, actor, parent, *target in rows:
        chunk.rows.add(
            source_event_id=key,
            kind=kind,
            occurred_at=T0,
            actor_id=actor,
            target_actor_id=target[0] if target else None,
            object_id=key if kind != "message" else None,
            parent_object_id=parent,
        )
    return chunk


def targets(con, source: str = "s") -> dict[str, str | None]:
    return dict(
        con.execute(
            "select source_event_id, target_actor_id from events where source = ?", [source]
        ).fetchall()
    )


def test_reply_target_is_the_parent_author_in_the_same_batch(con):
    chunk = items(("p", "post", "a", None), ("c1", "reply", "b", "p"), ("c2", "reply", "a", "c1"))
    result = ingest_chunk(con, chunk, source="s", reader="test")
    assert (result.n_inserted, result.n_unresolved_targets) == (3, 0)
    assert targets(con) == {"p": None, "c1": "a", "c2": "b"}


def test_reply_target_from_an_earlier_batch_and_a_given_target_is_kept(con):
    ingest_chunk(con, items(("p", "post", "a", None)), source="s", reader="test")
    chunk = items(("c1", "reply", "b", "p"), ("c2", "reply", "c", "p", "given"), uri="mem://2")
    ingest_chunk(con, chunk, source="s", reader="test")
    assert targets(con) == {"p": None, "c1": "a", "c2": "given"}


def test_parent_in_another_source_is_not_used(con):
    ingest_chunk(con, items(("p", "post", "a", None)), source="other", reader="test")
    result = ingest_chunk(con, items(("c1", "reply", "b", "p")), source="s", reader="test")
    assert targets(con) == {"c1": None}
    assert result.n_unresolved_targets == 1


def test_deleted_authors_stay_in_the_tree_with_unknown_targets(con):
    chunk = items(
        ("p", "post", None, None),  # a post whose author was deleted
        ("c1", "reply", "b", "p"),  # replies to it: target unknown, not unresolved
        ("c2", "comment", None, "c1"),  # a deleted comment: its target is still known
        ("c3", "reply", "b", "c2"),
        ("m", "message", None, None, "x"),  # a message without a sender says nothing
    )
    result = ingest_chunk(con, chunk, source="s", reader="test")
    assert (result.n_inserted, result.n_quarantined, result.n_unresolved_targets) == (4, 1, 0)
    assert targets(con) == {"p": None, "c1": None, "c2": "b", "c3": None}
    actors = dict(con.execute("select source_event_id, actor_id from events").fetchall())
    assert actors == {"p": None, "c1": "b", "c2": None, "c3": "b"}
    reason, detail = con.execute("select reason, detail from quarantine").fetchall()[0]
    assert reason == "missing_field" and "not message" in detail


def test_self_reply_is_a_self_loop(con):
    ingest_chunk(
        con, items(("p", "post", "a", None), ("c", "reply", "a", "p")), source="s", reader="t"
    )
    assert targets(con)["c"] == "a"


def test_late_parent_leaves_target_null_and_reingest_counts_duplicates(con):
    replies = items(("c1", "reply", "b", "p"), ("c2", "reply", "c", "c1"), uri="mem://replies")
    first = ingest_chunk(con, replies, source="s", reader="test")
    # c1's parent is not there yet; c2's parent c1 is in the same batch
    assert (first.n_inserted, first.n_unresolved_targets) == (2, 1)
    ingest_chunk(con, items(("p", "post", "a", None), uri="mem://posts"), source="s", reader="test")
    # the stored reply is not mutated: the log is append-only
    assert targets(con) == {"c1": None, "c2": "b", "p": None}
    # re-reading the replies now derives a -> but the stored null is not a conflict
    again = ingest_chunk(con, replies, source="s", reader="test", force=True)
    assert (again.n_inserted, again.n_duplicate, again.n_quarantined) == (0, 2, 0)
    assert again.n_unresolved_targets == 0
    assert targets(con)["c1"] is None


def test_reingest_after_resolution_counts_duplicates(con):
    chunk = items(("p", "post", "a", None), ("c1", "reply", "b", "p"), ("c2", "reply", None, "c1"))
    ingest_chunk(con, chunk, source="s", reader="test")
    again = ingest_chunk(con, chunk, source="s", reader="test", force=True)
    assert (again.n_inserted, again.n_duplicate, again.n_quarantined) == (0, 3, 0)
    # the replies alone (parent now only in the log) derive the same targets
    alone = items(("c1", "reply", "b", "p"), ("c2", "reply", None, "c1"), uri="mem://alone")
    assert ingest_chunk(con, alone, source="s", reader="test").n_duplicate == 2


def test_stored_target_other_than_the_parent_author_is_a_conflict(con):
    chunk = items(("p", "post", "a", None), ("c1", "reply", "b", "p", "z"))
    ingest_chunk(con, chunk, source="s", reader="test")
    # the reader now gives no target: the derived one (a) differs from the stored z
    changed = items(("c1", "reply", "b", "p"), uri="mem://changed")
    result = ingest_chunk(con, changed, source="s", reader="test", max_rejected_share=1.0)
    assert (result.n_duplicate, result.n_quarantined) == (0, 1)
    assert con.execute("select reason from quarantine").fetchall() == [("conflicting_duplicate",)]
    assert targets(con)["c1"] == "z"


def test_repeat_in_batch_with_the_derived_target_given_is_a_duplicate(con):
    chunk = items(
        ("p", "post", "a", None), ("c1", "reply", "b", "p"), ("c1", "reply", "b", "p", "a")
    )
    result = ingest_chunk(con, chunk, source="s", reader="test")
    assert (result.n_inserted, result.n_duplicate, result.n_quarantined) == (2, 1, 0)
