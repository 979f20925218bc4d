"""Tests of ingest.readers.edgelist on files written here and on SNAP CollegeMsg."""

from __future__ import annotations

import gzip
import io
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from ingest.canonical import REASONS, Chunk
from ingest.readers import edgelist
from netdyn.errors import InvalidInputError, UnknownFormatError


def read_one(path: Path) -> Chunk:
    chunks = list(edgelist.read(path))
    assert len(chunks) == 1
    chunk = chunks[0]
    assert chunk.n_read == len(chunk.rows) + len(chunk.rejects)
    assert all(r.reason in REASONS for r in chunk.rejects)
    return chunk


def test_lines_map_to_message_events(tmp_path: Path) -> None:
    path = tmp_path / "msgs.txt"
    path.write_text("1 2 1082040961\n3\t4   1082155839\n")
    chunk = read_one(path)
    assert chunk.uri == str(path.resolve()) and not chunk.rejects
    first, second = chunk.rows.to_frame().to_dicts()
    assert first == {
        "source_event_id": "1>2@1082040961#0",
        "kind": "message",
        "occurred_at": datetime(2004, 4, 15, 14, 56, 1, tzinfo=UTC),
        "seconds_since_root": None,
        "actor_id": "1",
        "target_actor_id": "2",
        "object_id": None,
        "parent_object_id": None,
        "root_object_id": None,
        "community": None,
        "text": None,
        "attributes": None,
    }
    assert second["actor_id"] == "3" and second["target_actor_id"] == "4"


def test_repeated_triples_are_distinct_messages(tmp_path: Path) -> None:
    path = tmp_path / "dup.txt"
    path.write_text("1 2 100\n1 2 100\n2 1 100\n1 2 100\n")
    ids = read_one(path).rows.to_frame()["source_event_id"].to_list()
    assert ids == ["1>2@100#0", "1>2@100#1", "2>1@100#0", "1>2@100#2"]
    assert ids == read_one(path).rows.to_frame()["source_event_id"].to_list()  # stable


def test_header_crlf_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "h.txt"
    path.write_bytes(b"src dst time\r\n1 2 100\r\n\r\n   \r\n3 4 200\r\n")
    chunk = read_one(path)
    assert chunk.n_read == 2 and not chunk.rejects  # header and blank lines are not records
    assert chunk.rows.to_frame()["target_actor_id"].to_list() == ["2", "4"]
    header_only = tmp_path / "header.txt"
    header_only.write_text("source target timestamp\n")
    chunk = read_one(header_only)
    assert chunk.n_read == 0


def test_bad_lines_are_rejected_with_reason_and_locator(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(
        b"1 2 100\n"
        b"1 2\n"  # 2: a field missing (also how an empty id shows up)
        b"1 2 3 4\n"  # 3: one field too many
        b"1 2 1.5\n"  # 4: not integer seconds
        b"1 2 abc\n"  # 5
        b"src dst time\n"  # 6: a header is tolerated on the first line only
        b"a>b c 100\n"  # 7: '>' would make keys ambiguous
        b"1 2 99999999999999999999\n"  # 8: no such date
        b"1 \xff 100\n"  # 9: not UTF-8
        b"-1 -2 -100\n"  # 10: negative seconds parse; validation judges the range
    )
    chunk = read_one(path)
    assert {r.locator: r.reason for r in chunk.rejects} == {
        "bad.txt:2": "malformed_line",
        "bad.txt:3": "malformed_line",
        "bad.txt:4": "unparseable_timestamp",
        "bad.txt:5": "unparseable_timestamp",
        "bad.txt:6": "unparseable_timestamp",
        "bad.txt:7": "invalid_id",
        "bad.txt:8": "timestamp_out_of_range",
        "bad.txt:9": "invalid_encoding",
    }
    assert chunk.n_read == 10 and len(chunk.rows) == 2
    assert chunk.rejects[0].raw == "1 2"
    assert chunk.rows.to_frame()["occurred_at"][1] == datetime(1969, 12, 31, 23, 58, 20, tzinfo=UTC)


def test_gzip_is_detected_by_content_not_name(tmp_path: Path) -> None:
    compressed = tmp_path / "edges.txt"  # gzip bytes, no .gz suffix
    compressed.write_bytes(gzip.compress(b"1 2 100\n3 4 200\n"))
    plain = tmp_path / "edges2.txt.gz"  # plain text, .gz suffix
    plain.write_text("1 2 100\n3 4 200\n")
    assert read_one(compressed).rows.to_frame().equals(read_one(plain).rows.to_frame())


def test_empty_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_text("\n\n")
    chunk = read_one(path)
    assert [(r.locator, r.reason) for r in chunk.rejects] == [("empty.txt", "empty_input")]


def test_wrong_inputs_raise_with_a_fix(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="does not exist"):
        edgelist.read(tmp_path / "nope.txt")
    with pytest.raises(InvalidInputError, match="is a folder"):
        edgelist.read(tmp_path)
    archive = tmp_path / "trees.tar.gz"
    with tarfile.open(archive, mode="w:gz") as tar:
        info = tarfile.TarInfo("twitter15/tree/1.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"abc"))
    with pytest.raises(UnknownFormatError, match="--source twitter15-16"):
        list(edgelist.read(archive))
    posts = tmp_path / "p.json"
    posts.write_text('{"post": {}}')
    with pytest.raises(UnknownFormatError, match="is JSON"):
        list(edgelist.read(posts))
    broken = tmp_path / "broken.txt.gz"
    broken.write_bytes(gzip.compress(b"1 2 100\n" * 1000)[:20])
    with pytest.raises(UnknownFormatError, match="corrupt or truncated"):
        list(edgelist.read(broken))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("CollegeMsg.txt.gz", "CollegeMsg"),
        ("/data/snap/CollegeMsg.txt", "CollegeMsg"),
        ("email-Eu.csv.gz", "email-Eu"),
        ("edges.GZ", "edges"),
        ("contacts.tsv", "contacts"),
        ("contacts.edges.gz", "contacts"),
        ("sx-mathoverflow.v2.txt", "sx-mathoverflow.v2"),
        ("edges", "edges"),
        (".txt", ".txt"),
    ],
)
def test_stem(name: str, expected: str) -> None:
    assert edgelist.stem(name) == expected


# --- the real file (../shared/data) ---------------------------------------------------------


def test_real_collegemsg_matches_source_md(shared_data: Path) -> None:
    chunk = read_one(shared_data / "snap-collegemsg" / "CollegeMsg.txt.gz")
    frame = chunk.rows.to_frame()
    assert chunk.n_read == len(chunk.rows) == 59_835 and not chunk.rejects
    assert pl.concat([frame["actor_id"], frame["target_actor_id"]]).n_unique() == 1_899
    assert frame.row(0, named=True) | {"occurred_at": None} == {
        "source_event_id": "1>2@1082040961#0",
        "kind": "message",
        "occurred_at": None,
        "seconds_since_root": None,
        "actor_id": "1",
        "target_actor_id": "2",
        "object_id": None,
        "parent_object_id": None,
        "root_object_id": None,
        "community": None,
        "text": None,
        "attributes": None,
    }
    assert frame["occurred_at"][0] == datetime(2004, 4, 15, 14, 56, 1, tzinfo=UTC)
    assert frame["occurred_at"].max() == datetime(2004, 10, 26, 7, 52, 22, tzinfo=UTC)
    assert frame["source_event_id"].n_unique() == 59_835
    # the 37 exact duplicate rows are kept as further occurrences (#1, #2, ...)
    assert (~frame["source_event_id"].str.ends_with("#0")).sum() == 37
    assert (frame["actor_id"] == frame["target_actor_id"]).sum() == 0
    assert edgelist.stem(chunk.uri) == "CollegeMsg"
