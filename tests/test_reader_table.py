"""Tests of ingest.readers.table (a SQL reader) on CSV, Parquet and NDJSON files written here."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from netdyn.core.errors import InvalidInputError, UnknownFormatError
from netdyn.ingest.load import ingest_path
from netdyn.ingest.readers import get_reader, table
from netdyn.store.canonical import REASONS
from netdyn.store.db import connect

MESSAGES = {
    "kind": "=message",
    "actor_id": "sender",
    "target_actor_id": "receiver",
    "occurred_at": "ts",
}
CSV = (
    "sender,receiver,ts,note\n"
    "alice,bob,2024-01-01T10:00:00Z,hi\n"
    'bob,alice,2024-01-01T11:30:00+01:00,"x, y"\n'
)


def load(
    path: Path,
    options: dict[str, str],
    *,
    con: duckdb.DuckDBPyConnection | None = None,
    label: str | None = None,
    force: bool = False,
) -> tuple[object, pl.DataFrame, dict[str, str]]:
    """Ingest one file (or folder); return its (last) batch, all events and the quarantine."""
    own = con is None
    con = con or connect(":memory:")
    batches = ingest_path(
        con, "table", path, options=options, label=label, max_rejected_share=1.0, force=force
    )
    events = con.sql("select * exclude (batch_id, ingested_at) from events order by event_seq").pl()
    rejects = dict(con.execute("select locator, reason from quarantine").fetchall())
    load.details = dict(con.execute("select locator, detail from quarantine").fetchall())  # type: ignore[attr-defined]
    load.raws = dict(con.execute("select locator, raw from quarantine").fetchall())  # type: ignore[attr-defined]
    if own:
        con.close()
    for batch in batches:
        assert batch.n_read == batch.n_inserted + batch.n_duplicate + batch.n_quarantined
    assert set(rejects.values()) <= set(REASONS)
    return batches[-1], events, rejects


# --- mapping ----------------------------------------------------------------------------------


def test_csv_rows_map_to_events(tmp_path: Path) -> None:
    path = tmp_path / "msgs.csv"
    path.write_text(CSV)
    batch, events, rejects = load(path, MESSAGES)
    assert batch.n_read == batch.n_inserted == 2 and not rejects
    assert batch.uri == str(path.resolve())
    assert events.row(0, named=True) == {
        "event_seq": 1,
        "source": "table:msgs",
        "source_event_id": '["message","2024-01-01T10:00:00.000000Z","alice","bob"]#0',
        "kind": "message",
        "occurred_at": datetime(2024, 1, 1, 10, tzinfo=UTC),
        "seconds_since_root": None,
        "actor_id": "alice",
        "target_actor_id": "bob",
        "object_id": None,
        "parent_object_id": None,
        "root_object_id": None,
        "community": None,
        "text": None,
        "attributes": '{"note":"hi"}',
    }
    second = events.row(1, named=True)
    assert second["occurred_at"] == datetime(2024, 1, 1, 10, 30, tzinfo=UTC)  # +01:00 → UTC
    assert json.loads(second["attributes"]) == {"note": "x, y"}  # RFC 4180 quoting


def test_parquet_keeps_types_in_attributes(tmp_path: Path) -> None:
    path = tmp_path / "posts.parquet"
    pl.DataFrame(
        {
            "id": [10, 11, 12],
            "author": ["a", "b", "a"],
            "created": [datetime(2024, 5, d, 12, tzinfo=UTC) for d in (1, 2, 3)],
            "parent": [None, 10, 11],
            "score": [1.5, 2.0, None],
            "tags": [["x"], [], ["y", "z"]],
        }
    ).write_parquet(path)
    options = {
        "source_event_id": "id",
        "object_id": "id",
        "parent_object_id": "parent",
        "kind": "=post",
        "actor_id": "author",
        "occurred_at": "created",
    }
    batch, events, rejects = load(path, options)
    assert batch.n_inserted == 3 and not rejects
    assert events["source_event_id"].to_list() == ["10", "11", "12"]
    assert events["parent_object_id"].to_list() == [None, "10", "11"]
    assert events["occurred_at"][2] == datetime(2024, 5, 3, 12, tzinfo=UTC)
    assert [json.loads(a) for a in events["attributes"]] == [
        {"score": 1.5, "tags": ["x"]},
        {"score": 2.0, "tags": []},
        {"score": None, "tags": ["y", "z"]},
    ]


def test_ndjson_lines_map_to_events(tmp_path: Path) -> None:
    path = tmp_path / "log.ndjson"
    lines = [
        {"user": "u1", "at": 1_704_103_200_500, "kind": "post", "id": "p1", "meta": {"a": [1]}},
        {"user": "u2", "at": 1_704_103_260_000, "kind": "reply", "id": "c1", "to": "p1"},
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    options = {
        "source_event_id": "id",
        "object_id": "id",
        "parent_object_id": "to",
        "kind": "kind",
        "actor_id": "user",
        "occurred_at": "at",
        "time_format": "unix_ms",
    }
    batch, events, rejects = load(path, options)
    assert batch.n_inserted == 2 and not rejects
    assert events["kind"].to_list() == ["post", "reply"]
    assert events["occurred_at"].to_list() == [
        datetime(2024, 1, 1, 10, 0, 0, 500_000, tzinfo=UTC),
        datetime(2024, 1, 1, 10, 1, tzinfo=UTC),
    ]
    # unmapped keys (nested values as JSON); a line's absent keys stay absent
    assert [json.loads(a) if a else a for a in events["attributes"]] == [{"meta": {"a": [1]}}, None]


def test_literal_constants(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text(CSV)
    # the value '==x' (--option text===x) is the constant '=x'
    options = {**MESSAGES, "community": "=forum", "text": "==x"}
    _, events, _ = load(path, options)
    assert events["kind"].unique().to_list() == ["message"]
    assert events["community"].unique().to_list() == ["forum"]
    assert events["text"].unique().to_list() == ["=x"]


def test_every_mapped_column_leaves_attributes_null(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text(CSV)
    _, events, _ = load(path, {**MESSAGES, "text": "note"})
    assert events["attributes"].to_list() == [None, None]
    assert events["text"].to_list() == ["hi", "x, y"]


@pytest.mark.parametrize(
    ("value", "extra", "expected"),
    [
        ("1704103200", {"time_format": "unix_s"}, datetime(2024, 1, 1, 10, tzinfo=UTC)),
        ("1704103200.25", {"time_format": "unix_s"}, datetime(2024, 1, 1, 10, 0, 0, 250_000, UTC)),
        ("1704103200123", {"time_format": "unix_ms"}, datetime(2024, 1, 1, 10, 0, 0, 123_000, UTC)),
        (
            "01/01/2024 11:00 +0100",
            {"time_format": "%d/%m/%Y %H:%M %z"},
            datetime(2024, 1, 1, 10, tzinfo=UTC),
        ),
        (
            "01/01/2024 10:00",
            {"time_format": "%d/%m/%Y %H:%M", "time_zone": "UTC"},
            datetime(2024, 1, 1, 10, tzinfo=UTC),
        ),
        ("2024-01-01 10:00:00", {"time_zone": "UTC"}, datetime(2024, 1, 1, 10, tzinfo=UTC)),
        ("2024-01-01T12:00:00.5+02:00", {}, datetime(2024, 1, 1, 10, 0, 0, 500_000, UTC)),
    ],
)
def test_time_formats(
    tmp_path: Path, value: str, extra: dict[str, str], expected: datetime
) -> None:
    path = tmp_path / "t.csv"
    path.write_text(f"sender,receiver,ts\na,b,{value}\n")
    batch, events, rejects = load(path, {**MESSAGES, **extra})
    assert not rejects, load.details  # type: ignore[attr-defined]
    assert events["occurred_at"].to_list() == [expected]


def test_seconds_since_root_and_tsv(tmp_path: Path) -> None:
    path = tmp_path / "tree.tsv"
    path.write_text("node\tparent\tuid\tdelay\nn1\t\tu1\t0\nn2\tn1\tu2\t90.5\nn3\tn1\tu3\tsoon\n")
    options = {
        "source_event_id": "node",
        "object_id": "node",
        "parent_object_id": "parent",
        "kind": "=reply",
        "actor_id": "uid",
        "seconds_since_root": "delay",
    }
    batch, events, rejects = load(path, options)
    assert events["seconds_since_root"].to_list() == [0.0, 90.5]
    assert events["occurred_at"].to_list() == [None, None]
    uri = str(path.resolve())
    assert rejects == {f"{uri}#n3": "unparseable_timestamp"}
    assert load.details[f"{uri}#n3"] == "seconds_since_root 'soon' is not a number"  # type: ignore[attr-defined]


def test_delimiter_option(tmp_path: Path) -> None:
    path = tmp_path / "semi.csv"
    path.write_text("sender;receiver;ts\na;b;1704103200\n")
    opts = {**MESSAGES, "time_format": "unix_s", "delimiter": ";"}
    _, events, rejects = load(path, opts)
    assert not rejects and events["target_actor_id"].to_list() == ["b"]


def test_gzip_csv_and_ndjson(tmp_path: Path) -> None:
    csv_path = tmp_path / "m.csv.gz"
    csv_path.write_bytes(gzip.compress(CSV.encode()))
    json_path = tmp_path / "m.jsonl.gz"
    rows = [{"sender": "alice", "receiver": "bob", "ts": "2024-01-01T10:00:00Z", "note": "hi"}]
    json_path.write_bytes(gzip.compress(json.dumps(rows[0]).encode() + b"\n"))
    assert load(csv_path, MESSAGES)[0].n_inserted == 2
    assert load(json_path, MESSAGES)[0].n_inserted == 1


def test_folder_is_one_batch_per_file(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text(CSV)
    (tmp_path / "b.csv").write_text(CSV.replace("alice", "carol"))
    (tmp_path / "notes.txt").write_text("not a table")
    con = connect(":memory:")
    batches = ingest_path(con, "table", tmp_path, options=MESSAGES)
    assert [Path(b.uri).name for b in batches] == ["a.csv", "b.csv"]
    assert {b.source for b in batches} == {f"table:{tmp_path.name}"}
    assert [b.n_inserted for b in batches] == [2, 2]


# --- per-file sections, label, headerless files, deleted authors ----------------------------

FORUM_TOML = """
[options]
label = "forum"
format = "csv"
delimiter = "tab"
actor_id = "author"
occurred_at = "created"
time_format = "unix_s"

[files."*_threads.tsv"]
kind = "=post"
source_event_id = "thread_id"
object_id = "thread_id"

[files."*_comments.tsv"]
kind = "=reply"
source_event_id = "comment_id"
object_id = "comment_id"
parent_object_id = "parent_id"
root_object_id = "thread_id"
"""


def write_forum(folder: Path) -> None:
    folder.mkdir(exist_ok=True)
    # names sort comments first; the sections put threads first
    (folder / "f_comments.tsv").write_text(
        "thread_id\tcomment_id\tparent_id\tauthor\tcreated\n"
        "t1\tc1\tt1\tbob\t1700000100\n"
        "t1\tc2\tc1\t\t1700000200\n"  # deleted author: kept, null actor
        "t1\tc3\tc2\tann\t1700000300\n"  # reply to a deleted author: unknown target
        "t2\tc4\tt2\tann\t1700000400\n"  # reply to a deleted thread author
        "t1\tc5\tc3\tann\t1700000500\n"  # self-reply
    )
    (folder / "f_threads.tsv").write_text(
        "thread_id\tauthor\tcreated\tscore\nt1\tann\t1700000000\t5\nt2\t\t1700000050\t1\n"
    )


def forum_options(tmp_path: Path) -> dict[str, str]:
    from netdyn.cli.common import _reader_options

    toml = tmp_path / "forum.toml"
    toml.write_text(FORUM_TOML)
    options = _reader_options(None, toml)
    assert options is not None
    return options


def test_options_file_sections_flatten_to_per_file_options(tmp_path: Path) -> None:
    options = forum_options(tmp_path)
    assert options["files.*_comments.tsv.kind"] == "=reply"
    assert options["label"] == "forum"
    parsed = table.parse_options(options)
    assert [p for p, _ in parsed.files] == ["*_threads.tsv", "*_comments.tsv"]
    assert parsed.files[1][1].mapping["parent_object_id"] == "parent_id"
    assert parsed.files[1][1].delimiter == "\t"  # shared options are merged in


def test_per_file_sections_read_parents_first_and_keep_deleted_authors(tmp_path: Path) -> None:
    write_forum(tmp_path / "forum")
    con = connect(":memory:")
    batches = ingest_path(con, "table", tmp_path / "forum", options=forum_options(tmp_path))
    assert [Path(b.uri).name for b in batches] == ["f_threads.tsv", "f_comments.tsv"]
    assert {b.source for b in batches} == {"forum"}
    assert [(b.n_inserted, b.n_quarantined, b.n_unresolved_targets) for b in batches] == [
        (2, 0, 0),
        (5, 0, 0),
    ]
    rows = con.execute(
        "select source_event_id, kind, actor_id, target_actor_id from events order by event_seq"
    ).fetchall()
    assert rows == [
        ("t1", "post", "ann", None),
        ("t2", "post", None, None),
        ("c1", "reply", "bob", "ann"),
        ("c2", "reply", None, "bob"),
        ("c3", "reply", "ann", None),
        ("c4", "reply", "ann", None),
        ("c5", "reply", "ann", "ann"),
    ]
    attributes = con.execute("select attributes from events where source_event_id = 't1'")
    assert json.loads(attributes.fetchall()[0][0]) == {"score": "5"}


def test_a_file_matching_no_section_is_refused(tmp_path: Path) -> None:
    write_forum(tmp_path / "forum")
    (tmp_path / "forum" / "f_votes.tsv").write_text("a\n1\n")
    options = forum_options(tmp_path)
    with pytest.raises(InvalidInputError, match="matches none of the per-file sections"):
        ingest_path(
            connect(":memory:"), "table", tmp_path / "forum" / "f_votes.tsv", options=options
        )
    with pytest.raises(InvalidInputError, match="label applies to the whole ingest"):
        table.parse_options({**options, "files.*_threads.tsv.label": "x"})


def test_headerless_file_with_named_columns(tmp_path: Path) -> None:
    path = tmp_path / "edges.txt"
    path.write_text("1 2 1700000000\n2 1 1700000100\n1 2 1700000000\n")
    options = {
        "format": "csv",
        "delimiter": "space",
        "columns": "src,dst,unixts",
        "kind": "=comment",
        "actor_id": "src",
        "target_actor_id": "dst",
        "occurred_at": "unixts",
        "time_format": "unix_s",
        "label": "edges",
    }
    batch, events, rejects = load(path, options)
    assert (batch.n_read, batch.n_inserted, batch.source) == (3, 3, "edges") and not rejects
    assert events["actor_id"].to_list() == ["1", "2", "1"]
    assert events["source_event_id"].to_list()[2].endswith("#1")  # an exact repeat is kept
    with pytest.raises(InvalidInputError, match="columns must name every column once"):
        table.parse_options({**options, "columns": "src,src"})


def test_empty_actor_is_refused_for_messages(tmp_path: Path) -> None:
    path = tmp_path / "msgs.csv"
    path.write_text("sender,receiver,ts\n,bob,2024-01-01T10:00:00Z\n  ,bob,2024-01-01T11:00:00Z\n")
    batch, events, rejects = load(path, MESSAGES)
    assert batch.n_quarantined == 2 and events.height == 0
    assert set(rejects.values()) == {"missing_field"}
    # the same rows as posts are kept, by an unknown actor
    batch, events, rejects = load(path, {**MESSAGES, "kind": "=post"})
    assert batch.n_inserted == 2 and not rejects
    assert events["actor_id"].to_list() == [None, None]


# --- bad rows ---------------------------------------------------------------------------------


def test_bad_csv_rows_are_quarantined_with_reasons(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(
        b"sender,receiver,ts\n"  # 1: header
        b"alice,bob,2024-01-01T10:00:00Z\n"  # 2: good
        b"alice,bob,yesterday\n"  # 3: unparseable time
        b",bob,2024-01-01T10:00:00Z\n"  # 4: no actor
        b"alice,bob\n"  # 5: a field missing
        b"alice,bob,2024-01-01T10:00:00Z,extra\n"  # 6: one too many
        b"alice,bob,2024-01-01 10:00:00\n"  # 7: no time zone
        b"alice,\xff,2024-01-01T10:00:00Z\n"  # 8: not UTF-8
        b"alice,bob,1960-01-01T10:00:00Z\n"  # 9: before 1970 (validation)
        b"alice,bob,\n"  # 10: no time
        b'alice,"bob,2024-01-01T10:00:00Z\n'  # 11: unterminated quote
    )
    batch, events, rejects = load(path, MESSAGES)
    uri = str(path.resolve())
    assert rejects == {
        f'{uri}#["message","yesterday","alice","bob"]#0': "unparseable_timestamp",
        f'{uri}#["message","2024-01-01T10:00:00.000000Z",null,"bob"]#0': "missing_field",
        f"{uri}:5": "malformed_line",
        f"{uri}:6": "malformed_line",
        f'{uri}#["message","2024-01-01 10:00:00","alice","bob"]#0': "unparseable_timestamp",
        f"{uri}:8": "invalid_encoding",
        f'{uri}#["message","1960-01-01T10:00:00.000000Z","alice","bob"]#0': (
            "timestamp_out_of_range"
        ),
        f'{uri}#["message",null,"alice","bob"]#0': "missing_field",
        f"{uri}:11": "malformed_line",
    }
    assert batch.n_read == 10 and batch.n_inserted == 1 and batch.n_quarantined == 9
    details = load.details  # type: ignore[attr-defined]
    assert "time_zone=UTC" in details[f'{uri}#["message","2024-01-01 10:00:00","alice","bob"]#0']
    key = f'{uri}#["message","2024-01-01T10:00:00.000000Z",null,"bob"]#0'
    assert details[key] == (
        "actor_id (column 'sender') is empty; only comment, post, reply, retweet events may "
        "have no actor"
    )
    assert json.loads(load.raws[key]) == {  # type: ignore[attr-defined]
        "sender": None,
        "receiver": "bob",
        "ts": "2024-01-01T10:00:00Z",
    }
    assert load.raws[f"{uri}:5"] == "alice,bob"  # type: ignore[attr-defined]


def test_bad_ndjson_lines_are_never_lost(tmp_path: Path) -> None:
    path = tmp_path / "bad.ndjson"
    good = b'{"sender": "a", "receiver": "b", "ts": "2024-01-01T10:00:00Z"}'
    path.write_bytes(
        good + b"\n"  # 1
        b"not json\n"  # 2: invalid JSON
        b"\n"  # 3: blank, skipped
        b'{"sender": "a", "ts": \n'  # 4: truncated
        b'{"sender": "\xff"}\n'  # 5: not UTF-8
        b"[1, 2]\n"  # 6: valid JSON, not an object
        b'{"receiver": "b", "ts": "2024-01-01T10:00:00Z"}\n'  # 7: no sender
        b'{"sender": "a\x00", "ts": 1}\n'  # 8: a NUL byte
        b'{"sender": "a\x01", "ts": 1}\n'  # 9: a raw control character
        b'{"sender": "a"}\x01{"sender": "b"}\n'  # 10: two objects
         + good.replace(b'"a"', b'"c"')  # 11: good, no final newline
    )
    batch, events, rejects = load(path, MESSAGES)
    uri = str(path.resolve())
    assert rejects == {
        f"{uri}:2": "invalid_json",
        f"{uri}:4": "invalid_json",
        f"{uri}:5": "invalid_encoding",
        f"{uri}:6": "malformed_line",
        f'{uri}#["message","2024-01-01T10:00:00.000000Z",null,"b"]#0': "missing_field",
        f"{uri}:8": "malformed_line",
        f"{uri}:9": "invalid_json",
        f"{uri}:10": "invalid_json",
    }
    assert batch.n_read == 10 and batch.n_inserted == 2
    assert events["actor_id"].to_list() == ["a", "c"]
    assert load.raws[f"{uri}:2"] == "not json"  # type: ignore[attr-defined]
    assert load.raws[f"{uri}:10"] == '{"sender": "a"}\x01{"sender": "b"}'  # type: ignore[attr-defined]


def test_ndjson_line_endings(tmp_path: Path) -> None:
    line = b'{"sender": "a", "receiver": "b", "ts": "2024-01-01T10:00:00Z"}'
    crlf = tmp_path / "crlf.ndjson"
    crlf.write_bytes(line + b"\r\n" + line.replace(b'"a"', b'"c"') + b"\r\n")
    _, events, rejects = load(crlf, MESSAGES)
    assert not rejects and events["actor_id"].to_list() == ["a", "c"]
    mixed = tmp_path / "mixed.ndjson"
    mixed.write_bytes(line + b"\n" + line + b"\r\n" + line + b"\n")
    with pytest.raises(UnknownFormatError, match="mixes LF and CRLF"):
        load(mixed, MESSAGES)


def test_ndjson_without_one_object_is_quarantined_not_refused(tmp_path: Path) -> None:
    path = tmp_path / "junk.ndjson"
    path.write_text("junk\n[1]\n")
    batch, _, rejects = load(path, MESSAGES)
    assert sorted(rejects.values()) == ["invalid_json", "malformed_line"]
    assert batch.n_read == batch.n_quarantined == 2


def test_repeated_rows_get_occurrence_numbers(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text(
        "sender,receiver,ts\na,b,1704103200\na,b,1704103200\nb,a,1704103200\na,b,1704103200\n"
    )
    _, events, _ = load(path, {**MESSAGES, "time_format": "unix_s"})
    assert [k.rsplit("#", 1)[1] for k in events["source_event_id"]] == ["0", "1", "0", "2"]
    assert events["source_event_id"].n_unique() == 4


def test_mapped_keys_repeated_in_a_file(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("id,who,ts\n1,a,1704103200\n1,a,1704103200\n1,b,1704103200\n")
    options = {"source_event_id": "id", "kind": "=post", "actor_id": "who", "occurred_at": "ts"}
    batch, _, rejects = load(path, {**options, "time_format": "unix_s"})
    assert (batch.n_inserted, batch.n_duplicate, batch.n_quarantined) == (1, 1, 1)
    assert rejects == {f"{path.resolve()}#1": "conflicting_duplicate"}


@pytest.mark.parametrize("content", [b"", b"\n\n", b"sender,receiver,ts\n"])
def test_empty_file_is_reported(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    batch, _, rejects = load(path, MESSAGES)
    assert rejects == {str(path.resolve()): "empty_input"} and batch.n_inserted == 0


# --- idempotency ------------------------------------------------------------------------------


def test_reingest_and_renamed_copy_insert_nothing(tmp_path: Path) -> None:
    first = tmp_path / "export.csv"
    first.write_text(CSV)
    copy = tmp_path / "export-copy-2.csv"  # the same rows, columns in another order
    copy.write_text(
        "note,ts,receiver,sender\nhi,2024-01-01T10:00:00Z,bob,alice\n"
        '"x, y",2024-01-01T11:30:00+01:00,alice,bob\n'
    )
    con = connect(":memory:")
    a, _, _ = load(first, MESSAGES, con=con, label="myplatform")
    again, _, _ = load(first, MESSAGES, con=con, label="myplatform", force=True)
    renamed, events, _ = load(copy, MESSAGES, con=con, label="myplatform")
    assert a.n_inserted == 2
    assert (again.n_read, again.n_inserted, again.n_duplicate) == (2, 0, 2)
    assert (renamed.n_read, renamed.n_inserted, renamed.n_duplicate) == (2, 0, 2)
    assert events.height == 2
    # the same records as NDJSON, under the same label, are the same events too
    ndjson = tmp_path / "export.ndjson"
    ndjson.write_text(
        json.dumps({"sender": "alice", "receiver": "bob", "ts": "2024-01-01T10:00:00+00:00"}) + "\n"
    )
    as_json, _, _ = load(ndjson, MESSAGES, con=con, label="myplatform")
    assert (as_json.n_inserted, as_json.n_duplicate) == (0, 1)


# --- errors -----------------------------------------------------------------------------------


def test_unknown_option_keys_raise_with_the_known_ones() -> None:
    with pytest.raises(InvalidInputError, match=r"'actor' \(did you mean 'actor_id'\?\)"):
        get_reader("table", {"actor": "sender", "kind": "=message"})
    with pytest.raises(InvalidInputError, match="Known options: format, delimiter"):
        get_reader("table", {"colour": "red"})


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"format": "xlsx"}, "format must be one of csv, parquet, ndjson"),
        ({"time_format": "epoch"}, "time_format must be iso, unix_s, unix_ms"),
        ({"time_zone": "Europe/Paris"}, "time_zone can only be UTC"),
        ({"time_format": "%Y-%m-%d %H:%M"}, "add --option time_zone=UTC"),
        ({"delimiter": ";;"}, "delimiter must be one character"),
        ({"delimiter": ";", "format": "ndjson"}, "delimiter applies to csv files only"),
        ({"actor_id": ""}, "names no column"),
        ({"kind": "="}, "gives an empty constant"),
    ],
)
def test_bad_option_values_raise(options: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        get_reader("table", options)


def test_mapping_errors_list_the_file_columns(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("sender,receiver,ts\na,b,1\n")
    con = connect(":memory:")
    with pytest.raises(InvalidInputError) as missing:
        ingest_path(con, "table", path, options={"kind": "=message", "actor_id": "from"})
    assert str(missing.value) == (
        "m.csv has no column 'from' (mapped by actor_id='from'). Its columns are: sender, "
        "receiver, ts. Fix the call, e.g. --option actor_id=<one of: sender, receiver, ts>, "
        "or write a constant as --option actor_id==<value>"
    )
    with pytest.raises(InvalidInputError, match=r"no mapping for actor_id.*<one of: sender"):
        ingest_path(con, "table", path, options={"kind": "=message"})
    with pytest.raises(InvalidInputError, match=r"no mapping for kind.*--option kind==message"):
        ingest_path(con, "table", path, options={"actor_id": "sender"})
    with pytest.raises(InvalidInputError, match=r"no mapping for kind"):
        ingest_path(con, "table", path)  # no options at all
    # nothing was stored, and nothing staged is left behind
    assert con.execute("select count(*) from ingest_batches").fetchall() == [(0,)]
    temp = con.execute("select table_name from duckdb_tables() where temporary").fetchall()
    assert temp == []


def test_ndjson_mapping_errors_list_its_keys(tmp_path: Path) -> None:
    path = tmp_path / "m.ndjson"
    path.write_text('{"b": 1, "a": 2}\n{"c": 3}\n')
    con = connect(":memory:")
    with pytest.raises(InvalidInputError, match=r"actor_id=<one of: b, a, c>"):
        ingest_path(con, "table", path, options={"kind": "=post", "actor_id": "who"})


def test_parquet_time_column_types_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "naive.parquet"
    pl.DataFrame(
        {"who": ["a"], "at": [datetime(2024, 1, 1, 10)], "n": [1_704_103_200]}
    ).write_parquet(path)
    options = {"kind": "=post", "actor_id": "who", "occurred_at": "at"}
    con = connect(":memory:")
    with pytest.raises(InvalidInputError, match="without a time zone; pass --option time_zone=UTC"):
        ingest_path(con, "table", path, options=options)
    _, events, _ = load(path, {**options, "time_zone": "UTC"})
    assert events["occurred_at"].to_list() == [datetime(2024, 1, 1, 10, tzinfo=UTC)]
    with pytest.raises(InvalidInputError, match="holds numbers .* time_format=unix_s"):
        ingest_path(con, "table", path, options={**options, "occurred_at": "n"})
    _, events, _ = load(path, {**options, "occurred_at": "n", "time_format": "unix_s"})
    assert events["occurred_at"].to_list() == [datetime(2024, 1, 1, 10, tzinfo=UTC)]


def test_wrong_files_raise_with_a_fix(tmp_path: Path) -> None:
    con = connect(":memory:")
    stage = get_reader("table", MESSAGES).stage
    assert stage is not None
    with pytest.raises(InvalidInputError, match="does not exist"):
        stage(con, tmp_path / "nope.csv")
    with pytest.raises(InvalidInputError, match="is a folder"):
        stage(con, tmp_path)
    odd = tmp_path / "data.xyz"
    odd.write_text("a,b\n")
    with pytest.raises(InvalidInputError, match="--option format=csv"):
        stage(con, odd)
    fake = tmp_path / "fake.parquet"
    fake.write_text("sender,receiver\n")
    with pytest.raises(UnknownFormatError, match="not a Parquet file"):
        stage(con, fake)
    real = tmp_path / "real.csv"
    pl.DataFrame({"a": [1]}).write_parquet(real)
    with pytest.raises(UnknownFormatError, match="format=parquet"):
        stage(con, real)
    json_as_csv = tmp_path / "j.csv"
    json_as_csv.write_text('{"sender": "a"}\n')
    with pytest.raises(UnknownFormatError, match="format=ndjson"):
        stage(con, json_as_csv)
    repeated = tmp_path / "r.csv"
    repeated.write_text("sender,sender,ts\na,b,c\n")
    with pytest.raises(InvalidInputError, match="more than once"):
        stage(con, repeated)


def test_configure_binds_options_and_default_label() -> None:
    spec = table.configure({**MESSAGES, "format": "ndjson"})
    assert spec.name == "table" and spec.read is None and spec.stage is not None
    assert spec.patterns == ("*.ndjson", "*.ndjson.gz", "*.jsonl", "*.jsonl.gz")
    assert spec.default_label(Path("x/exports.ndjson.gz")) == "table:exports"
    assert table.parse_options({"kind": "==x"}).constants == {"kind": "=x"}
