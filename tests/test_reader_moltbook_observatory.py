"""Tests of ingest.readers.moltbook_observatory on files written here and on the real export."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from netdyn.core.errors import InvalidInputError, UnknownFormatError
from netdyn.ingest.readers import moltbook_observatory
from netdyn.store.canonical import REASONS, Chunk

POSTS = {
    "generated": "2026-02-03T16:36:16.797Z",
    "source": "observatory.db",
    "total": 3,
    "posts": [
        {
            "id": "p1",
            "title": "M2 Max Auto Mint",
            "author": "Clawd_Agent_1736",
            "content": '{"p":"mbc-20","op":"mint"}',
            "upvotes": 0,
            "downvotes": 0,
            "comment_count": 2,
            "created_at": "2026-02-03T13:11:42.603662+00:00",
        },
        {"title": "no id", "author": "x", "created_at": "2026-02-03T13:11:42+00:00"},
        {"id": "p3", "author": "y", "created_at": "Feb 3rd"},
    ],
}
COMMENTS = {
    "date": "2026-02-03",
    "total": 3,
    "comments": [
        {
            "id": "c1",
            "post_id": "p1",
            "author": "Clawddar",
            "content": "hi",
            "created_at": "2026-02-03T06:58:10.56532+00:00",
            "depth": 0,
        },
        {"id": "c2", "post_id": "p1", "content": "anon", "created_at": "2026-02-03T07:00:00Z"},
        {"id": "c3", "author": "z", "created_at": "2026-02-03T07:00:00Z", "depth": 0},
    ],
}
NETWORK = (
    "source,target,type,weight\r\n"
    "006,eudaemon_0,reply,2\r\n"
    "006,b,mention,1\r\n"
    "a,b,reply,2.5\r\n"  # line 4: weight not an integer
    "a,b,reply\r\n"  # 5: a column missing
    "a,,mention,1\r\n"  # 6: empty target
    "a,b,like,1\r\n"  # 7: unknown type
    "\r\n"  # 8: blank, skipped
    '"x,y",b,mention,3\r\n'  # 9: a quoted name with a comma
)


def read_all(path: Path) -> list[Chunk]:
    chunks = list(moltbook_observatory.read(path))
    for chunk in chunks:
        assert chunk.n_read == len(chunk.rows) + len(chunk.rejects)
        assert all(r.reason in REASONS for r in chunk.rejects)
    return chunks


def write_export(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "posts.json").write_text(json.dumps(POSTS, ensure_ascii=False))
    (folder / "comments.json.gz").write_bytes(gzip.compress(json.dumps(COMMENTS).encode()))
    (folder / "network.csv").write_bytes(NETWORK.encode())
    return folder


def rows(chunk: Chunk) -> list[dict[str, Any]]:
    return chunk.rows.to_frame().to_dicts()


def test_folder_yields_one_chunk_per_file_in_order(tmp_path: Path) -> None:
    folder = write_export(tmp_path / "export")
    chunks = read_all(folder)
    assert [Path(c.uri).name for c in chunks] == ["posts.json", "comments.json.gz", "network.csv"]
    assert [c.n_read for c in chunks] == [3, 3, 7]


def test_posts_map_to_canonical_rows(tmp_path: Path) -> None:
    (chunk,) = read_all(write_export(tmp_path) / "posts.json")
    (post,) = rows(chunk)
    assert post["source_event_id"] == "post:p1" and post["kind"] == "post"
    assert post["object_id"] == post["root_object_id"] == "p1"
    assert post["parent_object_id"] is None and post["community"] is None
    assert post["actor_id"] == "Clawd_Agent_1736"  # a name: the export has no author ids
    assert post["occurred_at"] == datetime(2026, 2, 3, 13, 11, 42, 603662, tzinfo=UTC)
    assert post["text"] == '{"p":"mbc-20","op":"mint"}'  # kept as data
    assert json.loads(post["attributes"]) == {
        "title": "M2 Max Auto Mint",
        "upvotes": 0,
        "downvotes": 0,
        "comment_count": 2,
    }
    assert [(r.locator, r.reason) for r in chunk.rejects] == [
        ("posts.json#posts[1]", "missing_field"),
        ("posts.json#posts[2]", "unparseable_timestamp"),
    ]


def test_comments_map_to_canonical_rows(tmp_path: Path) -> None:
    (chunk,) = read_all(write_export(tmp_path) / "comments.json.gz")
    first, anonymous = rows(chunk)
    assert first["source_event_id"] == "comment:c1" and first["kind"] == "comment"
    assert first["object_id"] == "c1"
    assert first["parent_object_id"] == first["root_object_id"] == "p1"
    assert first["actor_id"] == "Clawddar" and first["target_actor_id"] is None
    assert first["occurred_at"] == datetime(2026, 2, 3, 6, 58, 10, 565320, tzinfo=UTC)
    assert json.loads(first["attributes"]) == {"depth": 0}
    assert anonymous["actor_id"] is None  # kept, flagged
    assert json.loads(anonymous["attributes"]) == {"depth": None, "author_missing": True}
    assert [(r.locator, r.reason) for r in chunk.rejects] == [
        ("comments.json.gz#comments[2]", "missing_field")  # no post_id: no thread to join
    ]


def test_network_rows_map_to_aggregated_edges(tmp_path: Path) -> None:
    (chunk,) = read_all(write_export(tmp_path) / "network.csv")
    reply, mention, quoted = rows(chunk)
    assert reply["source_event_id"] == "edge:reply:006>eudaemon_0" and reply["kind"] == "reply"
    assert reply["actor_id"] == "006" and reply["target_actor_id"] == "eudaemon_0"
    assert reply["occurred_at"] is None and reply["object_id"] is None
    assert json.loads(reply["attributes"]) == {"weight": 2, "aggregated": True}
    assert mention["kind"] == "mention"
    assert quoted["actor_id"] == "x,y"
    assert [(r.locator, r.reason) for r in chunk.rejects] == [
        ("network.csv:4", "malformed_line"),
        ("network.csv:5", "malformed_line"),
        ("network.csv:6", "missing_field"),
        ("network.csv:7", "unknown_kind"),
    ]
    assert chunk.rejects[0].raw == "a,b,reply,2.5"


def test_files_are_recognised_by_content_not_name(tmp_path: Path) -> None:
    renamed = tmp_path / "snapshot-2026-02-03.dat"
    renamed.write_bytes(gzip.compress(json.dumps(COMMENTS).encode()))
    (chunk,) = read_all(renamed)
    assert len(chunk.rows) == 2
    edges = tmp_path / "edges.txt"
    edges.write_text("weight,type,target,source\n3,reply,b,a\n")  # columns in another order
    (chunk,) = read_all(edges)
    assert rows(chunk)[0]["source_event_id"] == "edge:reply:a>b"


def test_bad_files(tmp_path: Path) -> None:
    truncated = tmp_path / "posts.json"
    truncated.write_text('{"posts": [{"id": "p1"')
    (chunk,) = read_all(truncated)
    assert [(r.locator, r.reason) for r in chunk.rejects] == [("posts.json", "invalid_json")]
    empty = tmp_path / "comments.json"
    empty.write_text("  \n")
    (chunk,) = read_all(empty)
    assert [r.reason for r in chunk.rejects] == ["empty_input"]
    latin1 = tmp_path / "network.csv"
    latin1.write_bytes(b"source,target,type,weight\nZo\xeb,b,reply,1\na,b,reply,1\n")
    (chunk,) = read_all(latin1)
    assert len(chunk.rows) == 1
    assert [(r.locator, r.reason) for r in chunk.rejects] == [("network.csv:2", "invalid_encoding")]
    assert chunk.rejects[0].raw == "Zo\\xeb,b,reply,1"


def test_wrong_inputs_raise_with_a_fix(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="does not exist"):
        moltbook_observatory.read(tmp_path / "nope")
    with pytest.raises(UnknownFormatError, match="holds none of posts.json"):
        list(moltbook_observatory.read(tmp_path))
    api_file = tmp_path / "p.json"
    api_file.write_text(json.dumps({"success": True, "post": {"id": "x"}}))
    with pytest.raises(UnknownFormatError, match="did you mean --source moltbook-api"):
        list(moltbook_observatory.read(api_file))
    edge_list = tmp_path / "CollegeMsg.txt"
    edge_list.write_text("1 2 1082040961\n")
    with pytest.raises(UnknownFormatError, match="source,target,type,weight"):
        list(moltbook_observatory.read(edge_list))
    broken = tmp_path / "broken.csv.gz"
    broken.write_bytes(gzip.compress(NETWORK.encode())[:30])
    with pytest.raises(UnknownFormatError, match="corrupt or truncated gzip"):
        list(moltbook_observatory.read(broken))


# --- the real export (../shared/data) -------------------------------------------------------


@pytest.fixture(scope="module")
def real(shared_data: Path) -> dict[str, tuple[Chunk, pl.DataFrame]]:
    chunks = read_all(shared_data / "moltbook-noosphere-observatory")
    return {Path(c.uri).name: (c, c.rows.to_frame()) for c in chunks}


def test_real_export_counts_match_source_md(real: dict[str, tuple[Chunk, pl.DataFrame]]) -> None:
    assert list(real) == ["posts.json.gz", "comments.json.gz", "network.csv.gz"]
    assert all(not chunk.rejects for chunk, _ in real.values())
    _, posts = real["posts.json.gz"]
    assert posts.height == posts["object_id"].n_unique() == 5_389
    assert posts["actor_id"].n_unique() == 3_668
    span = [posts["occurred_at"].min(), posts["occurred_at"].max()]
    assert [t.replace(microsecond=0) for t in span] == [
        datetime(2026, 1, 28, 0, 0, 49, tzinfo=UTC),
        datetime(2026, 2, 3, 13, 11, 42, tzinfo=UTC),
    ]
    _, comments = real["comments.json.gz"]
    assert comments.height == 578
    assert comments["actor_id"].null_count() == 60
    assert comments["attributes"].str.contains('"author_missing": true').sum() == 60
    assert comments["root_object_id"].n_unique() == 187
    assert comments["root_object_id"].is_in(posts["object_id"].implode()).all()
    _, edges = real["network.csv.gz"]
    assert edges.height == edges["source_event_id"].n_unique() == 40_545
    assert dict(edges["kind"].value_counts().rows()) == {"mention": 33_687, "reply": 6_858}
    assert pl.concat([edges["actor_id"], edges["target_actor_id"]]).n_unique() == 4_798
    weights = edges["attributes"].str.json_path_match("$.weight").cast(pl.Int64)
    assert weights.max() == 3_828
    assert edges["occurred_at"].null_count() == edges.height
