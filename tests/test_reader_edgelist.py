"""Tests of ingest.readers.edgelist (a SQL reader) on files written here and on CollegeMsg."""

from __future__ import annotations

import gzip
import io
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from netdyn.core.errors import InvalidInputError, UnknownFormatError
from netdyn.ingest.load import ingest_path
from netdyn.ingest.readers import edgelist
from netdyn.store.canonical import REASONS
from netdyn.store.db import connect


def load(path: Path) -> tuple[object, pl.DataFrame, dict[str, str]]:
    """Ingest one file into a fresh database; return its batch, events and quarantine."""
    con = connect(":memory:")
    (batch,) = ingest_path(con, "edgelist", path, max_rejected_share=1.0)
    events = con.sql("select * exclude (batch_id, ingested_at) from events order by event_seq").pl()
    rejects = dict(con.execute("select locator, reason from quarantine").fetchall())
    raws = dict(con.execute("select locator, raw from quarantine").fetchall())
    con.close()
    assert batch.n_read == batch.n_inserted + batch.n_duplicate + batch.n_quarantined
    assert set(rejects.values()) <= set(REASONS)
    load.raws = raws  # type: ignore[attr-defined]
    return batch, events, rejects


def test_lines_map_to_message_events(tmp_path: Path) -> None:
    path = tmp_path / "msgs.txt"
    path.write_text("1 2 1082040961\n3 4 1082155839\n")
    batch, events, rejects = load(path)
    assert batch.uri == str(path.resolve()) and not rejects
    first = events.row(0, named=True)
    assert first == {
        "event_seq": 1,
        "source": "edgelist:msgs",
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
    assert events.row(1, named=True)["actor_id"] == "3"


def test_tab_separated_files_are_sniffed(tmp_path: Path) -> None:
    path = tmp_path / "tabs.tsv"
    path.write_text("1\t2\t100\n3\t4\t200\n")
    _, events, rejects = load(path)
    assert not rejects and events["target_actor_id"].to_list() == ["2", "4"]


def test_repeated_triples_are_distinct_messages(tmp_path: Path) -> None:
    path = tmp_path / "dup.txt"
    path.write_text("1 2 100\n1 2 100\n2 1 100\n1 2 100\n")
    _, events, _ = load(path)
    ids = events["source_event_id"].to_list()
    assert ids == ["1>2@100#0", "1>2@100#1", "2>1@100#0", "1>2@100#2"]
    assert ids == load(path)[1]["source_event_id"].to_list()  # stable


def test_header_crlf_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "h.txt"
    path.write_bytes(b"src dst time\r\n1 2 100\r\n\r\n3 4 200\r\n")
    batch, events, rejects = load(path)
    assert batch.n_read == 2 and not rejects  # header and blank lines are not records
    assert events["target_actor_id"].to_list() == ["2", "4"]


def test_bad_lines_are_rejected_with_reason_and_locator(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(
        b"1 2 100\n"
        b"1 2\n"  # 2: a field missing
        b"1 2 3 4\n"  # 3: one field too many
        b"1 2 1.5\n"  # 4: not integer seconds
        b"1 2 abc\n"  # 5
        b"src dst time\n"  # 6: a header is tolerated on the first line only
        b"a>b c 100\n"  # 7: '>' would make keys ambiguous
        b"1 2 99999999999999999999\n"  # 8: no such date
        b"1 \xff 100\n"  # 9: not UTF-8
        b"-1 -2 -100\n"  # 10: before 1970 (validation)
        b"5  6 100\n"  # 11: two spaces make an empty field
        b"7 8 1e3\n"  # 12: not an integer as written
    )
    batch, events, rejects = load(path)
    uri = str(path.resolve())
    assert rejects == {
        f"{uri}:2": "malformed_line",
        f"{uri}:3": "malformed_line",
        f"{uri}#1>2@1.5#0": "unparseable_timestamp",
        f"{uri}#1>2@abc#0": "unparseable_timestamp",
        f"{uri}#src>dst@time#0": "unparseable_timestamp",
        f"{uri}#a>b>c@100#0": "invalid_id",
        f"{uri}#1>2@99999999999999999999#0": "timestamp_out_of_range",
        f"{uri}:9": "invalid_encoding",
        f"{uri}#-1>-2@-100#0": "timestamp_out_of_range",
        f"{uri}:11": "malformed_line",
        f"{uri}#7>8@1e3#0": "unparseable_timestamp",
    }
    assert batch.n_read == 12 and batch.n_inserted == 1
    assert load.raws[f"{uri}:2"] == "1 2"  # type: ignore[attr-defined]
    assert load.raws[f"{uri}#1>2@abc#0"] == "1 2 abc"  # type: ignore[attr-defined]


def test_gzip_is_detected_by_content_not_name(tmp_path: Path) -> None:
    compressed = tmp_path / "edges.txt"  # gzip bytes, no .gz suffix
    compressed.write_bytes(gzip.compress(b"1 2 100\n3 4 200\n"))
    plain = tmp_path / "edges2.txt.gz"  # plain text, .gz suffix
    plain.write_text("1 2 100\n3 4 200\n")
    a, b = load(compressed)[1], load(plain)[1]
    assert a.drop("source").equals(b.drop("source"))


@pytest.mark.parametrize("content", [b"", b"\n\n", b"src dst time\n"])
def test_empty_blank_or_header_only_file_is_reported(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    batch, _, rejects = load(path)
    assert rejects == {str(path.resolve()): "empty_input"} and batch.n_inserted == 0


def test_wrong_inputs_raise_with_a_fix(tmp_path: Path) -> None:
    con = connect(":memory:")
    with pytest.raises(InvalidInputError, match="does not exist"):
        edgelist.stage(con, tmp_path / "nope.txt")
    with pytest.raises(InvalidInputError, match="is a folder"):
        edgelist.stage(con, tmp_path)
    archive = tmp_path / "trees.tar.gz"
    with tarfile.open(archive, mode="w:gz") as tar:
        info = tarfile.TarInfo("twitter15/tree/1.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"abc"))
    with pytest.raises(UnknownFormatError, match="--source twitter15-16"):
        edgelist.stage(con, archive)
    posts = tmp_path / "p.json"
    posts.write_text('{"post": {}}')
    with pytest.raises(UnknownFormatError, match="is JSON"):
        edgelist.stage(con, posts)
    broken = tmp_path / "broken.txt.gz"
    broken.write_bytes(gzip.compress(b"1 2 100\n" * 1000)[:20])
    with pytest.raises(UnknownFormatError, match="corrupt or truncated"):
        edgelist.stage(con, broken)


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
    batch, frame, rejects = load(shared_data / "snap-collegemsg" / "CollegeMsg.txt.gz")
    assert batch.n_read == batch.n_inserted == 59_835 and not rejects
    assert pl.concat([frame["actor_id"], frame["target_actor_id"]]).n_unique() == 1_899
    first = frame.row(0, named=True)
    assert first["source_event_id"] == "1>2@1082040961#0"
    assert frame["occurred_at"][0] == datetime(2004, 4, 15, 14, 56, 1, tzinfo=UTC)
    assert frame["occurred_at"].max() == datetime(2004, 10, 26, 7, 52, 22, tzinfo=UTC)
    assert frame["source_event_id"].n_unique() == 59_835
    # the 37 exact duplicate rows are kept as further occurrences (#1, #2, ...)
    assert (~frame["source_event_id"].str.ends_with("#0")).sum() == 37
    assert (frame["actor_id"] == frame["target_actor_id"]).sum() == 0
    assert frame["occurred_at"].is_sorted()


def test_event_order_is_file_order_and_repeats_are_numbered_in_big_files(tmp_path: Path) -> None:
    """Positions come from the staged table's row ids: they must follow the file, sorted or not."""
    import numpy as np

    rng = np.random.default_rng(5)
    n = 400_000
    ts = 1_600_000_000 + np.arange(n) // 3  # sorted, three lines per second
    src, dst = rng.integers(0, 50, n), rng.integers(0, 50, n)
    repeat = rng.choice(n - 1, 300, replace=False)
    src[repeat + 1], dst[repeat + 1], ts[repeat + 1] = src[repeat], dst[repeat], ts[repeat]
    lines = [f"{s} {d} {t}\n" for s, d, t in zip(src, dst, ts, strict=True)]
    expected = []
    seen: dict[str, int] = {}
    for line in lines:
        triple = line.strip()
        k = seen.get(triple, 0)
        seen[triple] = k + 1
        s, d, t = triple.split()
        expected.append(f"{s}>{d}@{t}#{k}")
    for name, order in (("sorted.txt", range(n)), ("shuffled.txt", rng.permutation(n))):
        path = tmp_path / name
        path.write_text("".join(lines[i] for i in order))
        batch, events, rejects = load(path)
        assert not rejects and batch.n_inserted == n
        got = events["source_event_id"].to_list()
        if name == "sorted.txt":
            assert got == expected  # file order, and every repeat numbered
        else:
            want = []
            seen = {}
            for i in order:
                triple = lines[i].strip()
                k = seen.get(triple, 0)
                seen[triple] = k + 1
                s, d, t = triple.split()
                want.append(f"{s}>{d}@{t}#{k}")
            assert got == want
