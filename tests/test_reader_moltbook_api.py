"""Tests of ingest.readers.moltbook_api on files written here and on the real 123-post sample."""

from __future__ import annotations

import codecs
import gzip
import hashlib
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from netdyn.core.errors import InvalidInputError, UnknownFormatError
from netdyn.ingest.load import ingest_path
from netdyn.ingest.readers import moltbook_api
from netdyn.store.canonical import REASONS, Chunk
from netdyn.store.db import connect

SUBMOLT = {"id": "s1", "name": "general", "display_name": "General"}


def comment(cid: str | None, parent: str | None, author: str, **extra: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "content": f"text of {cid}",
        "parent_id": parent,
        "upvotes": 1,
        "downvotes": 0,
        "created_at": "2026-01-30T10:00:00.5+00:00",
        "author": {"id": author, "name": f"name-{author}", "karma": 3, "follower_count": 0},
        "replies": [],
    }
    if cid is not None:
        item["id"] = cid
    item.update(extra)
    return item


def variant_ab(post_id: str = "p1", author: dict | None = None) -> dict[str, Any]:
    """A variant A file: a post, two top-level comments, a reply chain three deep."""
    reply2 = comment("c4", "c3", "a1")
    reply1 = comment("c3", "c1", "a3", replies=[reply2])
    return {
        "success": True,
        "post": {
            "id": post_id,
            "title": "Hello",
            "content": "body",
            "url": None,
            "upvotes": 5,
            "downvotes": 0,
            "comment_count": 4,
            "created_at": "2026-01-29T05:54:32.940823+00:00",
            "submolt": SUBMOLT,
            "author": author if author is not None else {"id": "a1", "name": "Alpha"},
        },
        "comments": [comment("c1", None, "a2", replies=[reply1]), comment("c2", None, "a3")],
        "context": {"tip": "..."},
        "_downloaded_at": "2026-01-30T19:48:20.021638+00:00",
        "_endpoint": f"/posts/{post_id}",
    }


def variant_cd(post_id: str, *, labels: bool) -> dict[str, Any]:
    post: dict[str, Any] = {
        "id": post_id,
        "title": "Later",
        "content": "c",
        "type": "text",
        "author_id": "a9",
        "author": {"id": "a9", "name": "Nine", "followerCount": 2},
        "submolt": SUBMOLT,
        "upvotes": 1,
        "downvotes": 0,
        "comment_count": 3,  # > 0 although no comments are embedded
        "created_at": "2026-09-26T10:05:10.157Z",
    }
    if labels:
        post["labels"] = {"pinned": [], "inline": [], "metadata": []}
    return {"success": True, "post": post, "_downloaded_at": "2026-09-26T10:11:29.799714+00:00"}


def write(folder: Path, name: str, content: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content)
    else:
        path.write_text(json.dumps(content, indent=2))
    return path


def read_all(path: Path) -> list[Chunk]:
    chunks = list(moltbook_api.read(path))
    for chunk in chunks:
        assert chunk.n_read == len(chunk.rows) + len(chunk.rejects)
        assert all(r.reason in REASONS for r in chunk.rejects)
    return chunks


def by_id(chunk: Chunk) -> dict[str, dict[str, Any]]:
    return {row["source_event_id"]: row for row in chunk.rows.to_frame().to_dicts()}


def test_post_comments_and_replies_map_to_canonical_rows(tmp_path: Path) -> None:
    path = write(tmp_path, "p1.json", variant_ab())
    (chunk,) = read_all(path)
    assert chunk.uri == str(path.resolve()) and chunk.n_read == 5 and not chunk.rejects
    rows = by_id(chunk)
    post = rows["post:p1"]
    assert post["kind"] == "post" and post["object_id"] == post["root_object_id"] == "p1"
    assert post["parent_object_id"] is None and post["actor_id"] == "a1"
    assert post["occurred_at"] == datetime(2026, 1, 29, 5, 54, 32, 940823, tzinfo=UTC)
    assert post["community"] == "general" and post["text"] == "body"
    assert json.loads(post["attributes"]) == {
        "title": "Hello",
        "url": None,
        "upvotes": 5,
        "downvotes": 0,
        "comment_count": 4,
        "author_name": "Alpha",
        "type": None,
        "schema_variant": "A/B",
        "comments_embedded": True,
        "downloaded_at": "2026-01-30T19:48:20.021638+00:00",
    }
    top = rows["comment:c1"]
    assert top["kind"] == "comment" and top["parent_object_id"] == "p1"
    assert top["root_object_id"] == "p1" and top["object_id"] == "c1"
    assert top["actor_id"] == "a2" and top["target_actor_id"] == "a1"  # the post's author
    assert top["occurred_at"] == datetime(2026, 1, 30, 10, 0, 0, 500000, tzinfo=UTC)
    assert json.loads(top["attributes"]) == {
        "author_name": "name-a2",
        "upvotes": 1,
        "downvotes": 0,
        "depth": 1,
    }
    reply = rows["comment:c3"]
    assert reply["kind"] == "reply" and reply["parent_object_id"] == "c1"
    assert reply["actor_id"] == "a3" and reply["target_actor_id"] == "a2"
    deeper = rows["comment:c4"]
    assert deeper["parent_object_id"] == "c3" and deeper["target_actor_id"] == "a3"
    assert json.loads(deeper["attributes"])["depth"] == 3
    assert rows["comment:c2"]["kind"] == "comment"


def test_all_schema_variants_load(tmp_path: Path) -> None:
    b = variant_ab("pb")
    b["comments"][0]["author_id"] = "a2"  # variant B adds author_id to comments
    write(tmp_path, "pa.json", variant_ab("pa"))
    write(tmp_path, "pb.json", b)
    write(tmp_path, "pc.json", variant_cd("pc", labels=False))
    write(tmp_path, "pd.json", variant_cd("pd", labels=True))
    write(tmp_path, "notes.txt", "ignored: not *.json")
    chunks = read_all(tmp_path)
    assert [Path(c.uri).name for c in chunks] == ["pa.json", "pb.json", "pc.json", "pd.json"]
    posts = {
        sid: json.loads(row["attributes"])
        for chunk in chunks
        for sid, row in by_id(chunk).items()
        if sid.startswith("post:")
    }
    assert {sid: a["schema_variant"] for sid, a in posts.items()} == {
        "post:pa": "A/B",
        "post:pb": "A/B",
        "post:pc": "C",
        "post:pd": "D",
    }
    # "no comments key" is not "no comments": C/D say so explicitly
    assert posts["post:pc"]["comments_embedded"] is False
    assert posts["post:pc"]["comment_count"] == 3
    assert posts["post:pc"]["type"] == "text"
    assert by_id(chunks[2])["post:pc"]["actor_id"] == "a9"  # post.author_id
    assert [c.n_read for c in chunks] == [5, 5, 1, 1]


def test_null_author_keeps_the_post(tmp_path: Path) -> None:
    document = variant_ab()
    document["post"]["author"] = None
    document["comments"] = []
    (chunk,) = read_all(write(tmp_path, "p.json", document))
    (post,) = chunk.rows.to_frame().to_dicts()
    assert post["actor_id"] is None
    attributes = json.loads(post["attributes"])
    assert attributes["author_missing"] is True and attributes["comments_embedded"] is True


def test_bad_records_are_rejected_and_the_rest_kept(tmp_path: Path) -> None:
    document = variant_ab()
    document["comments"][0]["replies"][0].pop("id")  # c3 loses its id; c4 stays readable
    document["comments"][1]["created_at"] = "yesterday"
    document["comments"].append("not an object")
    (chunk,) = read_all(write(tmp_path, "p1.json", document))
    assert set(by_id(chunk)) == {"post:p1", "comment:c1", "comment:c4"}
    assert {r.locator: r.reason for r in chunk.rejects} == {
        "p1.json#comments[0].replies[0]": "missing_field",
        "p1.json#comments[1]": "unparseable_timestamp",
        "p1.json#comments[2]": "malformed_line",
    }
    assert chunk.n_read == 6
    c4 = by_id(chunk)["comment:c4"]
    assert c4["parent_object_id"] == "c3" and c4["target_actor_id"] == "a3"
    missing_id = chunk.rejects[0]
    assert "replies" not in json.loads(missing_id.raw)  # replies are records of their own


def test_bad_files_in_a_folder_are_one_reject_each(tmp_path: Path) -> None:
    write(tmp_path, "a.json", '{"success": true, "post": {"id": "x"')  # truncated
    write(tmp_path, "b.json", {"success": False, "error": "not found"})
    write(tmp_path, "c.json", "")
    write(tmp_path, "d.json", b'{"post": "\xff"}')
    no_id = variant_ab()
    del no_id["post"]["id"]
    write(tmp_path, "e.json", no_id)
    late = variant_ab("pf")
    late["post"]["created_at"] = "2026-01-29 05:54:32"  # no time zone: refused, not guessed
    write(tmp_path, "f.json", late)
    got = [(r.locator, r.reason) for c in read_all(tmp_path) for r in c.rejects]
    assert got == [
        ("a.json", "invalid_json"),
        ("b.json", "missing_field"),
        ("c.json", "empty_input"),
        ("d.json", "invalid_encoding"),
        ("e.json#post.id", "missing_field"),
        ("f.json#post", "unparseable_timestamp"),
    ]
    (f_chunk,) = read_all(tmp_path / "f.json")
    assert len(f_chunk.rows) == 4  # the post is rejected, its comments are not


def test_wrong_inputs_raise_with_a_fix(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="does not exist"):
        moltbook_api.read(tmp_path / "nope")
    with pytest.raises(UnknownFormatError, match=r"holds no \*\.json"):
        list(moltbook_api.read(tmp_path))
    not_post = write(tmp_path, "posts.json", {"generated": "x", "posts": []})
    with pytest.raises(UnknownFormatError, match="no 'post' object.*moltbook-observatory"):
        list(moltbook_api.read(not_post))
    csv = write(tmp_path / "other", "network.csv", "source,target,type,weight\n")
    with pytest.raises(UnknownFormatError, match="is not JSON"):
        list(moltbook_api.read(csv))


# --- NDJSON: one response per line, read in blocks of lines ----------------------------------


def thread(post_id: str) -> dict[str, Any]:
    """A variant B response (comments carry author_id) whose comment ids are the post's own."""
    document = variant_ab(post_id)

    def rename(items: list[dict[str, Any]]) -> None:
        for item in items:
            item["id"] = f"{post_id}-{item['id']}"
            item["author_id"] = item["author"]["id"]
            if item["parent_id"]:
                item["parent_id"] = f"{post_id}-{item['parent_id']}"
            rename(item["replies"])

    rename(document["comments"])
    return document


def ndjson(*lines: Any) -> bytes:
    """NDJSON bytes: a dict becomes one compact JSON line, bytes are written as they are."""
    return b"".join(
        (line if isinstance(line, bytes) else json.dumps(line).encode()) + b"\n" for line in lines
    )


def test_ndjson_is_read_in_blocks_of_lines(tmp_path: Path) -> None:
    no_time = thread("p3")
    del no_time["comments"][1]["created_at"]
    data = ndjson(
        thread("p1"),
        b"",
        thread("p2"),
        b'{"success": true, "post": {"id"',  # truncated
        no_time,
        b'{"post": "\xff"}',
        thread("p4"),
    )
    path = write(tmp_path, "posts.ndjson", data)
    chunks = list(moltbook_api.read(path, lines_per_chunk=3))
    file_hash = hashlib.sha256(data).hexdigest()
    ranges = ["1-3", "4-6", "7-7"]
    assert [c.uri for c in chunks] == [f"{path.resolve()}#lines={r}" for r in ranges]
    assert [c.content_hash for c in chunks] == [f"{file_hash}#lines={r}" for r in ranges]
    assert [c.n_read for c in chunks] == [10, 7, 5]  # the blank line is no record
    assert [(r.locator, r.reason) for c in chunks for r in c.rejects] == [
        ("posts.ndjson:4", "invalid_json"),
        ("posts.ndjson:5#comments[1]", "missing_field"),
        ("posts.ndjson:6", "invalid_encoding"),
    ]
    assert chunks[1].rejects[0].raw == '{"success": true, "post": {"id"'
    # a line maps exactly as the same response in a .json file does
    single = read_all(write(tmp_path / "one", "p1.json", thread("p1")))[0]
    assert chunks[0].rows.to_frame().head(5).equals(single.rows.to_frame())
    assert by_id(chunks[0])["comment:p2-c3"]["parent_object_id"] == "p2-c1"


def test_ndjson_gzip_and_folders(tmp_path: Path) -> None:
    data = ndjson(thread("p1"), thread("p2"))
    plain = write(tmp_path / "plain", "posts.ndjson", data)
    packed = write(tmp_path / "packed", "posts.jsonl.gz", gzip.compress(data))
    (from_plain,) = read_all(plain)
    (from_packed,) = read_all(packed)
    assert from_packed.rows.to_frame().equals(from_plain.rows.to_frame())
    assert from_packed.uri.endswith("posts.jsonl.gz#lines=1-2")
    assert from_packed.content_hash.startswith(hashlib.sha256(packed.read_bytes()).hexdigest())
    (with_bom,) = read_all(write(tmp_path / "bom", "posts.ndjson", codecs.BOM_UTF8 + data))
    assert with_bom.rows.to_frame().equals(from_plain.rows.to_frame())
    # a folder may mix .json files and NDJSON files; other files are ignored
    write(tmp_path / "mixed", "a.json", thread("pa"))
    write(tmp_path / "mixed", "b.ndjson", data)
    write(tmp_path / "mixed", "notes.txt", "ignored")
    names = [Path(c.uri).name for c in read_all(tmp_path / "mixed")]
    assert names == ["a.json", "b.ndjson#lines=1-2"]
    truncated = write(tmp_path / "bad", "cut.ndjson.gz", gzip.compress(data)[:-30])
    with pytest.raises(UnknownFormatError, match="corrupt or truncated gzip"):
        list(moltbook_api.read(truncated))


def test_ndjson_without_records_is_one_empty_input_reject(tmp_path: Path) -> None:
    (empty,) = read_all(write(tmp_path, "empty.ndjson", b""))
    assert empty.uri.endswith("empty.ndjson#lines=0-0")
    assert [(r.locator, r.reason) for r in empty.rejects] == [("empty.ndjson", "empty_input")]
    blank = write(tmp_path, "blank.jsonl", b"\n  \n\r\n")
    chunks = list(moltbook_api.read(blank, lines_per_chunk=2))
    assert [Path(c.uri).name for c in chunks] == ["blank.jsonl#lines=1-2", "blank.jsonl#lines=3-3"]
    assert [(r.locator, r.reason) for c in chunks for r in c.rejects] == [
        ("blank.jsonl", "empty_input")
    ]


def test_ndjson_in_another_format_raises(tmp_path: Path) -> None:
    edges = write(tmp_path, "edges.ndjson", "1 2 1700000000\n")
    with pytest.raises(UnknownFormatError, match="not JSON lines"):
        list(moltbook_api.read(edges))
    export = write(tmp_path, "export.jsonl", ndjson({"posts": []}, thread("p1")))
    with pytest.raises(UnknownFormatError, match="no 'post' object.*moltbook-observatory"):
        list(moltbook_api.read(export))
    # after a first good record, such a line is a reject, not a reason to give up
    later = write(tmp_path, "later.jsonl", ndjson(thread("p1"), {"posts": []}))
    (chunk,) = read_all(later)
    assert [(r.locator, r.reason) for r in chunk.rejects] == [("later.jsonl:2", "missing_field")]
    with pytest.raises(ValueError, match="lines_per_chunk must be >= 1"):
        moltbook_api.read(later, lines_per_chunk=0)


def test_submolt_name_that_is_not_text_rejects_the_response(tmp_path: Path) -> None:
    document = thread("p1")
    document["post"]["submolt"] = {**SUBMOLT, "name": ["general"]}  # SUBMOLT is shared
    (chunk,) = read_all(write(tmp_path, "p1.json", document))
    assert not len(chunk.rows)
    assert [(r.locator, r.reason) for r in chunk.rejects] == [
        ("p1.json#post.submolt.name", "malformed_line")
    ]


def test_ndjson_chunks_are_batches_and_a_second_ingest_adds_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(moltbook_api, "LINES_PER_CHUNK", 2)
    path = write(tmp_path, "posts.ndjson", ndjson(*(thread(f"p{i}") for i in range(5))))
    con = connect(":memory:")
    try:
        first = ingest_path(con, "moltbook-api", path)
        assert [(Path(b.uri).name, b.status, b.n_inserted) for b in first] == [
            ("posts.ndjson#lines=1-2", "committed", 10),
            ("posts.ndjson#lines=3-4", "committed", 10),
            ("posts.ndjson#lines=5-5", "committed", 5),
        ]

        # after the last block the loader records the whole file's hash (a fourth, empty
        # batch), so the next ingest skips the file without reading it
        def must_not_read(*args: object, **kwargs: object) -> None:
            raise AssertionError("the file was read again")

        monkeypatch.setattr(moltbook_api, "_read_ndjson", must_not_read)
        again = ingest_path(con, "moltbook-api", path)
        assert [(Path(b.uri).name, b.status, b.n_read) for b in again] == [
            ("posts.ndjson", "skipped", 0)
        ]
        counts = con.execute(
            "select (select count(*) from events), (select count(*) from ingest_batches)"
        ).fetchall()
        assert counts == [(25, 4)]
    finally:
        con.close()


# --- the real sample (../shared/data) -------------------------------------------------------


@pytest.fixture(scope="module")
def real(shared_data: Path) -> tuple[list[Chunk], pl.DataFrame]:
    chunks = read_all(shared_data / "moltbook-api-sample" / "posts")
    return chunks, pl.concat([chunk.rows.to_frame() for chunk in chunks])


def test_real_sample_counts_match_source_md(real: tuple[list[Chunk], pl.DataFrame]) -> None:
    chunks, frame = real
    assert len(chunks) == 123
    assert not [r for chunk in chunks for r in chunk.rejects]
    assert sum(chunk.n_read for chunk in chunks) == 123 + 751
    assert dict(frame["kind"].value_counts().rows()) == {"post": 123, "comment": 580, "reply": 171}
    posts = frame.filter(pl.col("kind") == "post")
    comments = frame.filter(pl.col("kind") != "post")
    # 85 post authors + 247 comment authors = 332, of whom 19 wrote both: 313 distinct
    assert posts["actor_id"].drop_nulls().n_unique() == 85
    assert comments["actor_id"].drop_nulls().n_unique() == 247
    assert frame["actor_id"].drop_nulls().n_unique() == 313
    assert posts["actor_id"].null_count() == 4
    attributes = [json.loads(text) for text in frame["attributes"]]
    assert max(a.get("depth", 0) for a in attributes) == 5
    assert sum(a.get("author_missing", False) for a in attributes) == 4
    assert Counter(a["schema_variant"] for a in attributes if "schema_variant" in a) == {
        "A/B": 101,
        "C": 16,
        "D": 6,
    }
    assert sum(a.get("comments_embedded", False) for a in attributes) == 101
    assert frame["community"].n_unique() == 30
    assert posts["occurred_at"].min() == datetime(2026, 1, 29, 5, 54, 32, 940823, tzinfo=UTC)
    assert posts["occurred_at"].max() == datetime(2026, 9, 26, 10, 5, 10, 157000, tzinfo=UTC)
    assert comments["occurred_at"].max() == datetime(2026, 2, 15, 9, 8, 15, 704426, tzinfo=UTC)


def test_real_sample_reply_links_are_consistent(real: tuple[list[Chunk], pl.DataFrame]) -> None:
    _, frame = real
    comments = frame.filter(pl.col("kind") != "post")
    assert (comments["root_object_id"].is_in(frame["object_id"].implode())).all()
    assert (comments["parent_object_id"].is_in(frame["object_id"].implode())).all()
    top = comments.filter(pl.col("kind") == "comment")
    assert (top["parent_object_id"] == top["root_object_id"]).all()
    replies = comments.filter(pl.col("kind") == "reply")
    assert (replies["parent_object_id"] != replies["root_object_id"]).all()
    assert comments["target_actor_id"].null_count() == 0
    assert frame["source_event_id"].n_unique() == frame.height
