"""A corpus of malformed inputs across the readers (``tests/corpus/README.md`` lists every case).

Every case starts from a fresh file database holding a known-good baseline of all four formats,
ingests one bad input, and checks that it either raises the documented error with a message that
says how to fix the call, or quarantines the expected rows under the expected reason codes, with
``n_read == n_inserted + n_duplicate + n_quarantined`` for every batch. In every case the baseline
rows of ``events``, ``ingest_batches`` and ``quarantine`` are afterwards exactly what they were.

Binary content (invalid UTF-8, NUL bytes, CRLF line endings, gzip and tar archives) is made from
the committed text files while the test runs, and large inputs (10 MB fields) are generated into
``tmp_path``; nothing big or binary is committed.
"""

from __future__ import annotations

import gzip
import io
import json
import shutil
import tarfile
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from netdyn.analytics.cascades import compute_cascades
from netdyn.core.errors import RejectedShareError, UnknownFormatError
from netdyn.ingest.load import DEFAULT_MAX_REJECTED_SHARE, ingest_path
from netdyn.store.canonical import REASONS
from netdyn.store.db import connect
from netdyn.store.eventlog import read_events

CORPUS = Path(__file__).resolve().parent / "corpus"
BASELINE = CORPUS / "baseline"
#: The edge-list files are all ingested under one label, so a bad file could touch the baseline.
EDGE_LABEL = "edgelist:corpus"
BIG = 10_000_000  # a 10 MB field


# --- building inputs from the corpus ---------------------------------------------------------


def corpus_bytes(name: str, *, crlf: bool = False) -> bytes:
    """A corpus file's bytes, with the markers ``<FF>`` and ``<NUL>`` turned into those bytes."""
    data = (CORPUS / name).read_bytes().replace(b"<FF>", b"\xff").replace(b"<NUL>", b"\0")
    return data.replace(b"\n", b"\r\n") if crlf else data


def with_bom(name: str) -> Callable[[Path], Path]:
    """Make the input: the corpus file ``name`` behind a UTF-8 byte-order mark."""
    return lambda work: write(work / Path(name).name, b"\xef\xbb\xbf" + corpus_bytes(name))


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def tar_gz(path: Path, members: Mapping[str, bytes]) -> Path:
    """A gzip-compressed tar holding ``members`` (name -> bytes) in the given order."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def truncated(data: bytes) -> bytes:
    """The first half of ``data`` gzip-compressed: a download cut short."""
    blob = gzip.compress(data)
    return blob[: len(blob) // 2]


def copy(name: str, *, crlf: bool = False) -> Callable[[Path], Path]:
    """Make the input: the corpus file ``name`` (markers replaced), copied into the work folder."""
    return lambda work: write(work / Path(name).name, corpus_bytes(name, crlf=crlf))


def copy_folder(name: str) -> Callable[[Path], Path]:
    def make(work: Path) -> Path:
        for file in sorted((CORPUS / name).iterdir()):
            write(work / name / file.name, corpus_bytes(f"{name}/{file.name}"))
        return work / name

    return make


def trees(
    tree: str | bytes,
    *,
    tweet: str = "300",
    label: str | None = None,
    crlf: bool = False,
    bom: bool = False,
) -> Callable[[Path], Path]:
    """Make a Twitter15/16 ``.tar.gz`` whose one tree file is ``tree`` (a corpus file or bytes)."""

    def make(work: Path) -> Path:
        data = tree if isinstance(tree, bytes) else corpus_bytes(tree, crlf=crlf)
        data = b"\xef\xbb\xbf" + data if bom else data
        members = {f"twitter15/tree/{tweet}.txt": data}
        if label is not None:
            members["twitter15/label.txt"] = corpus_bytes(label)
        return tar_gz(work / "trees.tar.gz", members)

    return make


def baseline_archive(work: Path) -> Path:
    folder = BASELINE / "twitter"
    members = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*.txt")}
    return tar_gz(work / "baseline.tar.gz", dict(sorted(members.items())))


def truncated_archive(work: Path) -> Path:
    """The baseline trees as a ``.tar.gz`` cut after half of its bytes."""
    data = baseline_archive(work).read_bytes()
    return write(work / "trees.tar.gz", data[: len(data) // 2])


def generated(name: str, data: Callable[[], bytes]) -> Callable[[Path], Path]:
    return lambda work: write(work / name, data())


def api_response(post_id: str, comments: list[dict]) -> dict:
    post = {"id": post_id, "created_at": "2026-01-29T05:54:32Z", "author": {"id": "a1"}}
    return {"success": True, "post": post, "comments": comments}


def api_comment(cid: str, **extra: object) -> dict:
    comment = {"id": cid, "created_at": "2026-01-29T06:00:00Z", "author": {"id": "a2"}}
    return {**comment, "content": "x", "replies": [], **extra}


def huge_comment() -> bytes:
    response = api_response("p-big", [api_comment("big1", content="x" * BIG)])
    return json.dumps(response).encode()


def huge_integer() -> bytes:
    response = api_response("p-int", [api_comment("int1", upvotes=0)])
    return json.dumps(response).replace('"upvotes": 0', '"upvotes": ' + "9" * 5000).encode()


def huge_integer_posts() -> bytes:
    return b'{"posts": [{"id": "op9", "upvotes": ' + b"9" * 5000 + b"}]}"


def deep_nesting() -> bytes:
    return b'{"success": true, "post": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"


def huge_line() -> bytes:
    return b"1 2 1082040961\n" + b"x" * BIG + b" 2 1082155839\n3 4 1082414391\n"


def huge_csv_field() -> bytes:
    return b"source,target,type,weight\na,b,reply,1\n" + b"x" * BIG + b",b,reply,2\nc,d,reply,3\n"


# --- checks of what a case stored --------------------------------------------------------------


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    return con.sql(sql).pl().to_dicts()


def by_id(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, dict]:
    found = rows(con, f"select * from events where source = '{source}'")
    return {row["source_event_id"]: row for row in found}


def check_negative_ids(con: duckdb.DuckDBPyConnection) -> None:
    events = by_id(con, EDGE_LABEL)
    assert events["-1>-2@1082040961#0"]["actor_id"] == "-1"
    assert events["0>-0@1082414391#0"]["target_actor_id"] == "-0"  # "-0" is not "0"


def check_text_ids(con: duckdb.DuckDBPyConnection) -> None:
    assert by_id(con, EDGE_LABEL)["bob>carol_2@1082155839#0"]["actor_id"] == "bob"


def check_crlf_edges(con: duckdb.DuckDBPyConnection) -> None:
    new = by_id(con, EDGE_LABEL)["4>1@1082500000#0"]
    assert new["target_actor_id"] == "1"  # no "\r" left on the line's last field
    assert new["occurred_at"] == datetime.fromtimestamp(1082500000, UTC)


def check_epoch_is_in_range(con: duckdb.DuckDBPyConnection) -> None:
    epoch = by_id(con, EDGE_LABEL)["5>6@0#0"]["occurred_at"]
    assert epoch == datetime(1970, 1, 1, tzinfo=UTC)


def check_mixed_offsets(con: duckdb.DuckDBPyConnection) -> None:
    events = by_id(con, "moltbook-api")
    ten = datetime(2026, 1, 30, 10, tzinfo=UTC)
    assert {events[f"comment:tz{i}"]["occurred_at"] for i in (1, 2, 3)} == {ten}
    assert events["post:p-tz"]["occurred_at"] == ten
    assert events["comment:tz4"]["occurred_at"] == ten.replace(microsecond=250_000)
    assert events["comment:tz5"]["occurred_at"] == ten.replace(microsecond=123_456)  # truncated
    assert events["comment:tz6"]["occurred_at"] == datetime(2026, 1, 30, 19, 30, tzinfo=UTC)
    # stored as UTC instants: DuckDB renders them in UTC whatever the input offset was
    rendered = con.execute(
        "select strftime(occurred_at at time zone 'UTC', '%Y-%m-%dT%H:%M:%S') from events"
        " where source_event_id = 'comment:tz2'"
    ).fetchall()
    assert rendered == [("2026-01-30T10:00:00",)]


def check_boundary_times_load(con: duckdb.DuckDBPyConnection) -> None:
    events = by_id(con, "moltbook-api")
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    assert events["comment:or5"]["occurred_at"] == events["comment:or6"]["occurred_at"] == epoch


def check_naive_detail(con: duckdb.DuckDBPyConnection) -> None:
    (detail,) = con.execute(
        "select detail from quarantine where reason = 'unparseable_timestamp'"
    ).fetchall()
    assert "has no time zone; add 'Z' or '+00:00'" in detail[0]


def check_duplicate_snapshots(con: duckdb.DuckDBPyConnection) -> None:
    events = by_id(con, "moltbook-api")
    assert events["comment:dup1"]["actor_id"] == "a2"  # the first file's row is kept
    assert events["comment:dup2"]["text"] == "first text"  # first snapshot of edited text
    (detail,) = con.execute(
        "select detail from quarantine where locator like '%#comment:dup1'"
    ).fetchall()
    assert "already holds this source_event_id" in detail[0]


def check_self_reply(con: duckdb.DuckDBPyConnection) -> None:
    reply = by_id(con, "moltbook-api")["comment:sr2"]
    assert reply["actor_id"] == reply["target_actor_id"] == "a2"
    assert reply["kind"] == "reply" and reply["parent_object_id"] == "sr1"


def check_cycle_is_flagged(con: duckdb.DuckDBPyConnection) -> None:
    events = by_id(con, "moltbook-api")
    assert events["comment:cyA"]["parent_object_id"] == "cyB"
    assert events["comment:cyB"]["parent_object_id"] == "cyA"
    cascades = compute_cascades(read_events(con))
    assert cascades.n_cycle_nodes == 2 and cascades.n_orphan_nodes == 0
    post = cascades.cascades.filter(pl.col("cascade_id") == "p-cy").row(0, named=True)
    assert post["size"] == 1  # the two comments on the cycle belong to no tree


def check_orphan_is_flagged(con: duckdb.DuckDBPyConnection) -> None:
    assert by_id(con, "moltbook-api")["comment:on1"]["parent_object_id"] == "never-seen"
    cascades = compute_cascades(read_events(con))
    assert cascades.n_orphan_nodes == 1 and cascades.n_cycle_nodes == 0
    post = cascades.cascades.filter(pl.col("cascade_id") == "p-or2").row(0, named=True)
    assert (post["size"], post["n_orphans"]) == (1, 1)


def check_escaped_nul_kept(con: duckdb.DuckDBPyConnection) -> None:
    assert by_id(con, "moltbook-api")["post:p-nule"]["text"] == "a\0b"


def check_huge_comment_intact(con: duckdb.DuckDBPyConnection) -> None:
    found = con.execute(
        "select length(text), text = repeat('x', ?) from events"
        " where source_event_id = 'comment:big1'",
        [BIG],
    ).fetchall()
    assert found == [(BIG, True)]


def check_author_missing(con: duckdb.DuckDBPyConnection) -> None:
    comment = by_id(con, "moltbook-api")["comment:wt6"]
    assert comment["actor_id"] is None
    assert json.loads(comment["attributes"])["author_missing"] is True


def check_observatory_edge_first_weight(con: duckdb.DuckDBPyConnection) -> None:
    edge = by_id(con, "moltbook-observatory")["edge:reply:a>b"]
    assert json.loads(edge["attributes"]) == {"weight": 1, "aggregated": True}


def check_observatory_offset(con: duckdb.DuckDBPyConnection) -> None:
    post = by_id(con, "moltbook-observatory")["post:ot6"]
    assert post["occurred_at"] == datetime(2026, 2, 3, 7, 41, 42, tzinfo=UTC)


def check_baseline_comment_kept(con: duckdb.DuckDBPyConnection) -> None:
    comment = by_id(con, "moltbook-observatory")["comment:oc1"]
    assert (comment["actor_id"], comment["parent_object_id"]) == ("eudaemon_0", "op1")


def check_huge_csv_field(con: duckdb.DuckDBPyConnection) -> None:
    (raw,) = con.execute(
        "select length(raw) from quarantine where reason = 'malformed_line'"
    ).fetchall()
    assert raw[0] == 65_536  # the raw row is kept, truncated to the log's RAW_LIMIT


def check_huge_line(con: duckdb.DuckDBPyConnection) -> None:
    (detail,) = con.execute("select detail from quarantine").fetchall()
    assert "Maximum line size" in detail[0]


def check_negative_delay_kept(con: duckdb.DuckDBPyConnection) -> None:
    assert by_id(con, "twitter15-16")["300/u5/300/-3.5"]["seconds_since_root"] == -210.0


def check_root_inferred(con: duckdb.DuckDBPyConnection) -> None:
    new = [e for e in by_id(con, "twitter15-16").values() if e["source_event_id"][:4] == "300/"]
    assert len(new) == 2
    assert all(json.loads(e["attributes"])["root_inferred"] is True for e in new)
    assert {e["root_object_id"] for e in new} == {"300/u1/300/0.0"}  # has no row of its own
    cascades = compute_cascades(read_events(con))
    assert cascades.n_orphan_nodes == 2  # both hang below the missing root


def check_twitter_first_parent_kept(con: duckdb.DuckDBPyConnection) -> None:
    assert by_id(con, "twitter15-16")["300/u3/300/2.0"]["parent_object_id"] == "300/u1/300/0.0"


def check_twitter_baseline_parent_kept(con: duckdb.DuckDBPyConnection) -> None:
    events = by_id(con, "twitter15-16")
    assert events["100/u2/100/1.5"]["parent_object_id"] == "100/u1/100/0.0"  # not u3's
    assert events["100/u5/100/3.0"]["parent_object_id"] == "100/u1/100/0.0"


def check_first_label_kept(con: duckdb.DuckDBPyConnection) -> None:
    labels = {
        json.loads(e["attributes"])["label"]
        for e in by_id(con, "twitter15-16").values()
        if e["source_event_id"].startswith("300/")
    }
    assert labels == {"false"}


def check_crlf_tree(con: duckdb.DuckDBPyConnection) -> None:
    node = by_id(con, "twitter15-16")["300/u3/301/2.5"]
    assert node["seconds_since_root"] == 150.0 and node["kind"] == "reply"


# --- the cases ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One bad input and what ingesting it must do.

    Either ``error`` (the exception type and a regular expression its message must match) or
    the quarantine ``reasons`` with their counts and the number of rows ``inserted``.
    """

    fmt: str
    make: Callable[[Path], Path]
    error: tuple[type[Exception], str] | None = None
    reasons: Mapping[str, int] = field(default_factory=dict)
    inserted: int = 0
    duplicate: int = 0
    max_share: float = DEFAULT_MAX_REJECTED_SHARE
    check: Callable[[duckdb.DuckDBPyConnection], None] | None = None

    @property
    def label(self) -> str | None:
        return EDGE_LABEL if self.fmt == "edgelist" else None


EDGE, API, OBS, TW = "edgelist", "moltbook-api", "moltbook-observatory", "twitter15-16"
BAD_TIMESTAMPS = {
    "reasons": {"unparseable_timestamp": 1, "timestamp_out_of_range": 3, "missing_field": 1},
    "inserted": 6,
    "check": check_observatory_offset,
}
SHARE_HINT = r"check that --source names the right format, or raise --max-rejected-share"

CASES = [
    # edge lists -----------------------------------------------------------------------------
    pytest.param(
        Case(
            EDGE,
            generated("edges.txt.gz", lambda: truncated(corpus_bytes("baseline/edges.txt"))),
            error=(UnknownFormatError, r"corrupt or truncated gzip file .*; re-download it"),
        ),
        id="edgelist-truncated-gzip",
    ),
    pytest.param(
        Case(
            EDGE,
            copy("edgelist/posts.json"),
            error=(UnknownFormatError, r"is JSON, not a .* edge list; did you mean --source"),
        ),
        id="edgelist-given-json",
    ),
    pytest.param(
        Case(
            EDGE,
            baseline_archive,
            error=(
                UnknownFormatError,
                r"not a text edge list .*did you mean --source twitter15-16",
            ),
        ),
        id="edgelist-given-tar-gz",
    ),
    pytest.param(
        Case(EDGE, copy("edgelist/empty.txt"), reasons={"empty_input": 1}, max_share=1.0),
        id="edgelist-empty-file",
    ),
    pytest.param(
        Case(EDGE, copy("edgelist/header_only.txt"), reasons={"empty_input": 1}, max_share=1.0),
        id="edgelist-header-only",
    ),
    pytest.param(
        Case(
            EDGE,
            copy("edgelist/empty.txt"),
            error=(RejectedShareError, r"1 of 1 records rejected \(100\.0%\)"),
        ),
        id="edgelist-empty-file-default-threshold",
    ),
    pytest.param(
        Case(
            EDGE,
            copy("edgelist/crlf.txt", crlf=True),
            inserted=1,
            duplicate=3,
            check=check_crlf_edges,
        ),
        id="edgelist-crlf",
    ),
    pytest.param(
        Case(EDGE, with_bom("edgelist/text_ids.txt"), inserted=2, check=check_text_ids),
        id="edgelist-utf8-bom",
    ),
    pytest.param(
        Case(EDGE, copy("edgelist/negative_ids.txt"), inserted=3, check=check_negative_ids),
        id="edgelist-negative-ids",
    ),
    pytest.param(
        Case(EDGE, copy("edgelist/text_ids.txt"), inserted=2, check=check_text_ids),
        id="edgelist-non-numeric-ids",
    ),
    pytest.param(
        Case(
            EDGE, copy("edgelist/bad_ids.txt"), reasons={"invalid_id": 3}, inserted=3, duplicate=1
        ),
        id="edgelist-ids-with-key-separators",
    ),
    pytest.param(
        Case(
            EDGE,
            copy("edgelist/before_1970.txt"),
            reasons={"timestamp_out_of_range": 2},
            inserted=2,
            duplicate=1,
            check=check_epoch_is_in_range,
        ),
        id="edgelist-before-1970",
    ),
    pytest.param(
        Case(
            EDGE,
            copy("edgelist/far_future.txt"),
            reasons={"timestamp_out_of_range": 2},
            inserted=2,
            duplicate=1,
        ),
        id="edgelist-year-2999",
    ),
    pytest.param(
        Case(
            EDGE,
            copy("edgelist/unparseable_time.txt"),
            reasons={"unparseable_timestamp": 4},
            inserted=4,
            duplicate=1,
        ),
        id="edgelist-unparseable-time",
    ),
    pytest.param(
        Case(
            EDGE,
            copy("edgelist/wrong_field_count.txt"),
            reasons={"malformed_line": 3},
            inserted=3,
            duplicate=1,
        ),
        id="edgelist-wrong-field-count",
    ),
    pytest.param(
        Case(
            EDGE,
            copy("edgelist/mixed_delimiters.txt"),
            reasons={"malformed_line": 2},
            inserted=2,
            duplicate=1,
        ),
        id="edgelist-mixed-delimiters",
    ),
    pytest.param(
        Case(
            EDGE,
            copy("edgelist/invalid_utf8.txt"),
            reasons={"invalid_encoding": 1},
            inserted=1,
            duplicate=1,
        ),
        id="edgelist-invalid-utf8",
    ),
    pytest.param(
        Case(
            EDGE, copy("edgelist/nul_in_id.txt"), reasons={"invalid_id": 1}, inserted=1, duplicate=1
        ),
        id="edgelist-nul-byte-in-id",
    ),
    pytest.param(
        Case(
            EDGE,
            generated("huge_line.txt", huge_line),
            reasons={"malformed_line": 1},
            inserted=1,
            duplicate=1,
            check=check_huge_line,
        ),
        id="edgelist-10mb-line",
    ),
    pytest.param(
        Case(EDGE, copy("edgelist/repeats_baseline.txt"), inserted=1, duplicate=2),
        id="edgelist-repeats-stored-lines",
    ),
    pytest.param(
        Case(EDGE, copy("edgelist/mostly_bad.txt"), error=(RejectedShareError, SHARE_HINT)),
        id="edgelist-rejected-share-too-high",
    ),
    pytest.param(
        Case(
            EDGE,
            copy("edgelist/mostly_bad.txt"),
            reasons={"malformed_line": 1, "unparseable_timestamp": 1, "invalid_id": 1},
            duplicate=1,
            max_share=1.0,
        ),
        id="edgelist-rejected-share-allowed",
    ),
    # MoltBook API responses -----------------------------------------------------------------
    pytest.param(
        Case(
            API,
            copy("moltbook-api/not_json.txt"),
            error=(UnknownFormatError, r"is not JSON .*did you mean --source moltbook-observatory"),
        ),
        id="api-given-text",
    ),
    pytest.param(
        Case(
            API,
            copy("moltbook-api/observatory_posts.json"),
            error=(UnknownFormatError, r"no 'post' object; did you mean --source"),
        ),
        id="api-given-observatory-json",
    ),
    pytest.param(
        Case(
            API,
            copy("moltbook-api/invalid_json.json"),
            reasons={"invalid_json": 1},
            max_share=1.0,
        ),
        id="api-invalid-json",
    ),
    pytest.param(
        Case(API, copy("moltbook-api/empty.json"), reasons={"empty_input": 1}, max_share=1.0),
        id="api-empty-file",
    ),
    pytest.param(
        Case(
            API,
            copy("moltbook-api/missing_created_at.json"),
            reasons={"missing_field": 2},
            inserted=3,
        ),
        id="api-missing-created-at",
    ),
    pytest.param(
        Case(
            API,
            copy("moltbook-api/unparseable_timestamp.json"),
            reasons={"unparseable_timestamp": 3},
            inserted=4,
        ),
        id="api-unparseable-timestamp",
    ),
    pytest.param(
        Case(
            API,
            copy("moltbook-api/out_of_range_timestamps.json"),
            reasons={"timestamp_out_of_range": 4},
            inserted=5,
            check=check_boundary_times_load,
        ),
        id="api-year-2999-1969-and-beyond-calendar",
    ),
    pytest.param(
        Case(
            API,
            copy("moltbook-api/mixed_offsets.json"),
            inserted=7,
            check=check_mixed_offsets,
        ),
        id="api-mixed-offsets-normalised-to-utc",
    ),
    pytest.param(
        Case(
            API,
            copy("moltbook-api/naive_timestamp.json"),
            reasons={"unparseable_timestamp": 1},
            inserted=2,
            check=check_naive_detail,
        ),
        id="api-naive-timestamp",
    ),
    pytest.param(
        Case(API, with_bom("moltbook-api/self_reply.json"), inserted=3, check=check_self_reply),
        id="api-utf8-bom",
    ),
    pytest.param(
        Case(
            API,
            copy_folder("moltbook-api/two-files"),
            reasons={"conflicting_duplicate": 1},
            inserted=4,
            duplicate=2,
            check=check_duplicate_snapshots,
        ),
        id="api-duplicate-ids-across-files",
    ),
    pytest.param(
        Case(
            API,
            copy("moltbook-api/conflicts_with_baseline.json"),
            reasons={"conflicting_duplicate": 1},
            inserted=2,
        ),
        id="api-conflicts-with-stored-row",
    ),
    pytest.param(
        Case(API, copy("moltbook-api/self_parent.json"), reasons={"self_parent": 1}, inserted=2),
        id="api-self-parent",
    ),
    pytest.param(
        Case(API, copy("moltbook-api/self_reply.json"), inserted=3, check=check_self_reply),
        id="api-self-reply",
    ),
    pytest.param(
        Case(API, copy("moltbook-api/parent_cycle.json"), inserted=3, check=check_cycle_is_flagged),
        id="api-parent-cycle",
    ),
    pytest.param(
        Case(API, copy("moltbook-api/orphan.json"), inserted=2, check=check_orphan_is_flagged),
        id="api-orphan",
    ),
    pytest.param(
        Case(
            API,
            copy("moltbook-api/invalid_utf8.json"),
            reasons={"invalid_encoding": 1},
            max_share=1.0,
        ),
        id="api-invalid-utf8",
    ),
    pytest.param(
        Case(
            API,
            copy("moltbook-api/nul_byte_raw.json"),
            reasons={"invalid_json": 1},
            max_share=1.0,
        ),
        id="api-raw-nul-byte",
    ),
    pytest.param(
        Case(
            API,
            copy("moltbook-api/nul_byte_escaped.json"),
            inserted=1,
            check=check_escaped_nul_kept,
        ),
        id="api-escaped-nul-character",
    ),
    pytest.param(
        Case(
            API,
            generated("p-big.json", huge_comment),
            inserted=2,
            check=check_huge_comment_intact,
        ),
        id="api-10mb-comment",
    ),
    pytest.param(
        Case(
            API,
            generated("p-int.json", huge_integer),
            reasons={"invalid_json": 1},
            max_share=1.0,
        ),
        id="api-5000-digit-integer",
    ),
    pytest.param(
        Case(
            API,
            generated("p-deep.json", deep_nesting),
            reasons={"invalid_json": 1},
            max_share=1.0,
        ),
        id="api-deeply-nested-json",
    ),
    pytest.param(
        Case(
            API,
            copy("moltbook-api/wrong_types.json"),
            reasons={"invalid_id": 1, "malformed_line": 3, "missing_field": 1},
            inserted=6,
            check=check_author_missing,
        ),
        id="api-fields-of-the-wrong-type",
    ),
    pytest.param(
        Case(
            API,
            copy("moltbook-api/submolt_not_text.json"),
            reasons={"malformed_line": 1},
            max_share=1.0,
        ),
        id="api-submolt-name-not-text",
    ),
    # MoltBook observatory export ------------------------------------------------------------
    pytest.param(
        Case(
            OBS,
            generated(
                "posts.json.gz", lambda: truncated(corpus_bytes("baseline/observatory/posts.json"))
            ),
            error=(UnknownFormatError, r"corrupt or truncated gzip file .*; re-download it"),
        ),
        id="observatory-truncated-gzip",
    ),
    pytest.param(
        Case(
            OBS,
            copy("baseline/edges.txt"),
            error=(UnknownFormatError, r"not an observatory network\.csv.*did you mean --source"),
        ),
        id="observatory-given-edge-list",
    ),
    pytest.param(
        Case(
            OBS,
            copy("observatory/posts_missing_key.json"),
            error=(UnknownFormatError, r"expected an object with a 'posts' or 'comments' list"),
        ),
        id="observatory-posts-key-missing",
    ),
    pytest.param(
        Case(
            OBS,
            copy("observatory/posts_invalid_json.json"),
            reasons={"invalid_json": 1},
            max_share=1.0,
        ),
        id="observatory-invalid-json",
    ),
    pytest.param(
        Case(
            OBS,
            generated("posts.json", huge_integer_posts),
            reasons={"invalid_json": 1},
            max_share=1.0,
        ),
        id="observatory-5000-digit-integer",
    ),
    pytest.param(
        Case(
            OBS,
            copy("observatory/posts_empty_list.json"),
            reasons={"empty_input": 1},
            max_share=1.0,
        ),
        id="observatory-empty-posts-list",
    ),
    pytest.param(
        Case(
            OBS,
            copy("observatory/network_header_only.csv"),
            reasons={"empty_input": 1},
            max_share=1.0,
        ),
        id="observatory-header-only-csv",
    ),
    pytest.param(
        Case(
            OBS,
            copy("observatory/network_bad_weight.csv"),
            reasons={"malformed_line": 4},
            inserted=5,
        ),
        id="observatory-non-integer-weight",
    ),
    pytest.param(
        Case(
            OBS,
            copy("observatory/network_bad_rows.csv"),
            reasons={"unknown_kind": 1, "missing_field": 1, "malformed_line": 1},
            inserted=4,
        ),
        id="observatory-bad-csv-rows",
    ),
    pytest.param(
        Case(
            OBS,
            copy("observatory/network_duplicate_edge.csv"),
            inserted=1,
            duplicate=1,
            check=check_observatory_edge_first_weight,
        ),
        id="observatory-repeated-edge",
    ),
    pytest.param(
        Case(
            OBS,
            copy("observatory/network_invalid_utf8.csv"),
            reasons={"invalid_encoding": 1},
            inserted=2,
        ),
        id="observatory-invalid-utf8-row",
    ),
    pytest.param(
        Case(OBS, with_bom("observatory/posts_bad_timestamps.json"), **BAD_TIMESTAMPS),
        id="observatory-utf8-bom",
    ),
    pytest.param(
        Case(
            OBS,
            generated("network.csv", huge_csv_field),
            reasons={"malformed_line": 1},
            inserted=2,
            check=check_huge_csv_field,
        ),
        id="observatory-10mb-csv-field",
    ),
    pytest.param(
        Case(OBS, copy("observatory/posts_bad_timestamps.json"), **BAD_TIMESTAMPS),
        id="observatory-bad-timestamps",
    ),
    pytest.param(
        Case(
            OBS,
            copy("observatory/comments_bad_records.json"),
            reasons={"missing_field": 2, "malformed_line": 2, "conflicting_duplicate": 1},
            inserted=6,
            check=check_baseline_comment_kept,
        ),
        id="observatory-bad-comments",
    ),
    # Twitter15/16 trees ---------------------------------------------------------------------
    pytest.param(
        Case(
            TW,
            truncated_archive,
            error=(UnknownFormatError, r"truncated or corrupt .*; re-download the archive"),
        ),
        id="twitter-truncated-tar-gz",
    ),
    pytest.param(
        Case(
            TW,
            copy("baseline/edges.txt"),
            error=(
                UnknownFormatError,
                r"not a Twitter15/16 archive.*did you mean --source edgelist",
            ),
        ),
        id="twitter-given-edge-list",
    ),
    pytest.param(
        Case(
            TW,
            trees("twitter/non_numeric_delay.txt"),
            reasons={"unparseable_timestamp": 2},
            inserted=4,
            check=check_negative_delay_kept,
        ),
        id="twitter-non-numeric-delay",
    ),
    pytest.param(
        Case(
            TW,
            trees("twitter/infinite_delay.txt"),
            reasons={"timestamp_out_of_range": 1},
            inserted=2,
        ),
        id="twitter-delay-overflows-to-infinity",
    ),
    pytest.param(
        Case(TW, trees("twitter/no_root.txt"), inserted=2, check=check_root_inferred),
        id="twitter-no-root-line",
    ),
    pytest.param(
        Case(
            TW,
            trees("twitter/malformed_lines.txt"),
            reasons={"malformed_line": 2, "missing_field": 1, "invalid_id": 2},
            inserted=7,
        ),
        id="twitter-malformed-lines-and-ids",
    ),
    pytest.param(
        Case(
            TW,
            trees("twitter/malformed_lines.txt"),
            error=(
                RejectedShareError,
                r"5 of 12 records rejected \(41\.7%\), above the allowed 40",
            ),
            max_share=0.4,
        ),
        id="twitter-rejected-share-above-configured-threshold",
    ),
    pytest.param(
        Case(
            TW,
            trees("twitter/self_loop_and_conflict.txt"),
            reasons={"self_parent": 1, "conflicting_duplicate": 1},
            inserted=3,
            duplicate=1,
            check=check_twitter_first_parent_kept,
        ),
        id="twitter-self-loop-and-conflicting-parent",
    ),
    pytest.param(
        Case(
            TW,
            trees("twitter/conflicts_with_baseline.txt", tweet="100"),
            reasons={"conflicting_duplicate": 1},
            inserted=1,
            duplicate=1,
            check=check_twitter_baseline_parent_kept,
        ),
        id="twitter-conflicts-with-stored-tree",
    ),
    pytest.param(
        Case(
            TW,
            trees("twitter/invalid_utf8.txt"),
            reasons={"invalid_encoding": 1},
            inserted=2,
        ),
        id="twitter-invalid-utf8",
    ),
    pytest.param(
        Case(TW, trees(b""), reasons={"empty_input": 1}, max_share=1.0),
        id="twitter-empty-tree-file",
    ),
    pytest.param(
        Case(TW, trees("twitter/crlf.txt", crlf=True), inserted=3, check=check_crlf_tree),
        id="twitter-crlf",
    ),
    pytest.param(
        Case(TW, trees("twitter/crlf.txt", bom=True), inserted=3, check=check_crlf_tree),
        id="twitter-utf8-bom",
    ),
    pytest.param(
        Case(
            TW,
            trees("twitter/crlf.txt", label="twitter/label_conflict.txt"),
            reasons={"conflicting_duplicate": 1, "malformed_line": 1},
            inserted=3,
            check=check_first_label_kept,
        ),
        id="twitter-conflicting-labels",
    ),
]


# --- the test ----------------------------------------------------------------------------------


def ingest_baseline(con: duckdb.DuckDBPyConnection) -> None:
    """The known-good inputs of all four formats; nothing of them is rejected."""
    results = [
        *ingest_path(con, EDGE, BASELINE / "edges.txt", label=EDGE_LABEL),
        *ingest_path(con, API, BASELINE / "moltbook-api"),
        *ingest_path(con, OBS, BASELINE / "observatory"),
        *ingest_path(con, TW, BASELINE / "twitter"),
    ]
    assert [r.n_read for r in results] == [3, 3, 1, 2, 2, 4]
    assert all(r.n_inserted == r.n_read for r in results)


def snapshot(con: duckdb.DuckDBPyConnection, where: str = "true") -> dict[str, pl.DataFrame]:
    """Every row of the log's three tables (``where`` selects by ``batch_id``)."""
    return {
        table: con.sql(f"select * from {table} where {where} order by {key}").pl()
        for table, key in (
            ("events", "event_seq"),
            ("ingest_batches", "batch_id"),
            ("quarantine", "quarantine_id"),
        )
    }


@pytest.fixture(scope="module")
def baseline_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The baseline ingested once for the module into a database file, closed."""
    path = tmp_path_factory.mktemp("baseline") / "netdyn.duckdb"
    c = connect(path)
    ingest_baseline(c)
    c.close()
    return path


@pytest.fixture
def con(baseline_db: Path, tmp_path: Path):
    """A fresh copy of the baseline database for each test (copying is 10x faster than
    creating the schema and ingesting the baseline again)."""
    path = tmp_path / baseline_db.name
    shutil.copy(baseline_db, path)
    c = connect(path)
    yield c
    c.close()


def test_baseline_is_clean(con: duckdb.DuckDBPyConnection) -> None:
    cascades = compute_cascades(read_events(con))
    assert (cascades.n_orphan_nodes, cascades.n_cycle_nodes) == (0, 0)
    assert con.execute("select count(*) from quarantine").fetchall() == [(0,)]


def test_corpus_has_at_least_30_cases() -> None:
    assert len(CASES) >= 30
    assert {case.values[0].fmt for case in CASES} == {EDGE, API, OBS, TW}


@pytest.mark.parametrize("case", CASES)
def test_bad_input(case: Case, con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    before = snapshot(con)
    last_batch = con.execute("select max(batch_id) from ingest_batches").fetchall()[0][0]
    bad = case.make(tmp_path / "input")

    def ingest() -> list:
        return ingest_path(con, case.fmt, bad, label=case.label, max_rejected_share=case.max_share)

    if case.error is not None:
        kind, message = case.error
        with pytest.raises(kind, match=message):
            ingest()
        after = snapshot(con, f"batch_id <= {last_batch}")
        everything = snapshot(con)  # nothing was appended at all
        assert everything["events"].equals(before["events"])
        assert everything["quarantine"].equals(before["quarantine"])
        new = rows(con, f"select * from ingest_batches where batch_id > {last_batch}")
        if kind is RejectedShareError:  # recorded as a failed batch that stored nothing
            assert [(b["status"], b["n_inserted"]) for b in new] == [("failed", 0)]
            assert "--max-rejected-share" in new[0]["error"]
        else:  # refused before anything was staged
            assert new == []
    else:
        results = ingest()
        assert results and all(r.status == "committed" for r in results)
        new = rows(con, f"select * from ingest_batches where batch_id > {last_batch}")
        assert len(new) == len(results)
        for batch in new:
            assert batch["status"] == "committed"
            assert batch["n_read"] == (
                batch["n_inserted"] + batch["n_duplicate"] + batch["n_quarantined"]
            )
        reasons = con.execute(
            f"select reason from quarantine where batch_id > {last_batch}"
        ).fetchall()
        assert Counter(reason for (reason,) in reasons) == Counter(case.reasons)
        assert set(case.reasons) <= set(REASONS)
        assert sum(r.n_inserted for r in results) == case.inserted
        assert sum(r.n_duplicate for r in results) == case.duplicate
        assert sum(r.n_quarantined for r in results) == sum(case.reasons.values())
        after = snapshot(con, f"batch_id <= {last_batch}")
        if case.check is not None:
            case.check(con)
    # the rows stored before are exactly what they were: same values, same types, same order
    for table, frame in before.items():
        assert after[table].equals(frame), table
