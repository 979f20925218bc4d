"""Tests of ingest.readers.twitter on small archives written here and on the real archive."""

from __future__ import annotations

import io
import json
import tarfile
from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from netdyn.core.errors import InvalidInputError, UnknownFormatError
from netdyn.ingest.readers import twitter
from netdyn.store.canonical import REASONS, Chunk

ROOT_ID = "100"
TREE = (
    "['ROOT', 'ROOT', '0.0']->['u1', '100', '0.0']\n"
    "['u1', '100', '0.0']->['u2', '100', '1.5']\n"
    "['u1', '100', '0.0']->['u3', '201', '2.0']\n"
    "['u3', '201', '2.0']->['u4', '201', '10']\n"
)


def write_archive(path: Path, members: dict[str, bytes | str]) -> Path:
    """A .tar.gz holding ``members`` (name -> content) in the given order."""
    with tarfile.open(path, mode="w:gz") as archive:
        for name, content in members.items():
            data = content.encode() if isinstance(content, str) else content
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def read_one(path: Path) -> Chunk:
    chunks = list(twitter.read(path))
    assert len(chunks) == 1
    chunk = chunks[0]
    assert chunk.n_read == len(chunk.rows) + len(chunk.rejects)
    return chunk


def rows(chunk: Chunk) -> list[dict]:
    return chunk.rows.to_frame().to_dicts()


@pytest.fixture
def small_archive(tmp_path: Path) -> Path:
    return write_archive(
        tmp_path / "trees.tar.gz",
        {
            "README.txt": "not a record",
            "twitter15/label.txt": f"false:{ROOT_ID}\n",
            f"twitter15/tree/{ROOT_ID}.txt": TREE,
        },
    )


def test_child_nodes_map_to_canonical_rows(small_archive: Path) -> None:
    chunk = read_one(small_archive)
    assert chunk.uri == str(small_archive.resolve())
    assert chunk.n_read == 4 and not chunk.rejects
    root, retweet, reply, deep = rows(chunk)
    root_key = "100/u1/100/0.0"
    assert root["source_event_id"] == root["object_id"] == root["root_object_id"] == root_key
    assert root["kind"] == "post"
    assert root["parent_object_id"] is None and root["target_actor_id"] is None
    assert root["occurred_at"] is None and root["text"] is None
    assert root["seconds_since_root"] == 0.0
    assert json.loads(root["attributes"]) == {
        "dataset": "twitter15",
        "label": "false",
        "tweet_id": "100",
        "delay_minutes": 0.0,
        "parent_tweet_id": None,
    }
    assert retweet["kind"] == "retweet"  # child tweet id is the source tweet's id
    assert retweet["source_event_id"] == retweet["object_id"] == "100/u2/100/1.5"
    assert retweet["parent_object_id"] == root_key
    assert retweet["actor_id"] == "u2" and retweet["target_actor_id"] == "u1"
    assert retweet["seconds_since_root"] == pytest.approx(90.0)
    assert reply["kind"] == "reply" and reply["object_id"] == "100/u3/201/2.0"
    assert deep["kind"] == "reply"  # a retweet of a reply is not the source id: "reply"
    assert deep["object_id"] == "100/u4/201/10"  # the delay as written, not reformatted
    assert deep["parent_object_id"] == "100/u3/201/2.0"
    assert deep["seconds_since_root"] == 600.0
    assert json.loads(deep["attributes"])["parent_tweet_id"] == "201"
    assert {row["root_object_id"] for row in rows(chunk)} == {root_key}
    assert {row["community"] for row in rows(chunk)} == {"twitter15"}


def test_attributes_are_the_json_the_event_buffer_would_write(tmp_path: Path) -> None:
    archive = write_archive(
        tmp_path / "a.tar.gz",
        {
            "twitter16/label.txt": 'odd "label\\:7\n',
            "twitter16/tree/7.txt": "['ROOT', 'ROOT', '0.0']->['ü', '7', '0.0']\n"
            "['ü', '7', '0.0']->['x\"y', '7', '2675420.55']\n",
        },
    )
    for row in rows(read_one(archive)):
        decoded = json.loads(row["attributes"])
        assert row["attributes"] == json.dumps(decoded, ensure_ascii=False, sort_keys=True)
        assert decoded["label"] == 'odd "label\\'


def test_bad_lines_are_rejected_with_reason_and_locator(tmp_path: Path) -> None:
    tree = (
        TREE
        + "garbage\n"  # line 5
        + "['u1', '100', '0.0']->['u5', '100', 'abc']\n"  # 6: delay not a number
        + "['u1', '100', '0.0']->['', '100', '3.0']\n"  # 7: empty uid
        + "['u1', '100', '0.0']->['u/6', '100', '3.0']\n"  # 8: '/' would break keys
        + "['u1', '100', '0.0']->['u7', '100', 'nan']\n"  # 9: float() would accept it
        + "['u1', '100', '0.0']->['u8', '100', '1.0'\n"  # 10: truncated
        + "\n"  # 11: blank, skipped and not counted
    ).encode() + b"['u1', '100', '0.0']->['\xff', '100', '1.0']\n"  # 12: not UTF-8
    archive = write_archive(tmp_path / "bad.tar.gz", {f"twitter15/tree/{ROOT_ID}.txt": tree})
    chunk = read_one(archive)
    assert len(chunk.rows) == 4
    member = f"twitter15/tree/{ROOT_ID}.txt"
    got = {r.locator: r.reason for r in chunk.rejects}
    assert got == {
        f"{member}:5": "malformed_line",
        f"{member}:6": "unparseable_timestamp",
        f"{member}:7": "missing_field",
        f"{member}:8": "invalid_id",
        f"{member}:9": "unparseable_timestamp",
        f"{member}:10": "malformed_line",
        f"{member}:12": "invalid_encoding",
    }
    assert chunk.n_read == 11
    assert all(r.reason in REASONS and r.detail for r in chunk.rejects)
    assert chunk.rejects[0].raw == "garbage"
    # no label.txt: the label is null, not guessed
    assert {json.loads(row["attributes"])["label"] for row in rows(chunk)} == {None}


def test_repeats_are_emitted_for_the_event_log_to_judge(tmp_path: Path) -> None:
    tree = TREE + (
        "['u1', '100', '0.0']->['u2', '100', '1.5']\n"  # exact repeat of line 2
        "['u3', '201', '2.0']->['u2', '100', '1.5']\n"  # same child key, other parent
        "['u1', '100', '0.0']->['u1', '100', '0.0']\n"  # the root as its own parent
    )
    archive = write_archive(tmp_path / "rep.tar.gz", {f"twitter15/tree/{ROOT_ID}.txt": tree})
    chunk = read_one(archive)
    assert len(chunk.rows) == 7 and not chunk.rejects
    frame = chunk.rows.to_frame()
    counts = Counter(frame["source_event_id"])
    assert counts["100/u2/100/1.5"] == 3
    assert counts["100/u1/100/0.0"] == 2
    assert frame.row(0, named=True)["kind"] == "post"  # the ROOT line's row comes first


def test_root_line_is_emitted_first_and_negative_delays_are_kept(tmp_path: Path) -> None:
    # As in 27 real trees: lines before the ROOT line, tweets earlier than the source tweet.
    tree = (
        "['u1', '100', '0.0']->['u9', '50', '-15.8']\n"
        "['u9', '50', '-15.8']->['u8', '51', '-13.68']\n"
        "['ROOT', 'ROOT', '0.0']->['u1', '100', '0.0']\n"
        "['u1', '100', '0.0']->['u2', '100', '0.27']\n"
    )
    archive = write_archive(tmp_path / "neg.tar.gz", {f"twitter15/tree/{ROOT_ID}.txt": tree})
    frame = read_one(archive).rows.to_frame()
    assert frame["kind"].to_list() == ["post", "reply", "reply", "retweet"]
    assert frame["seconds_since_root"].to_list() == pytest.approx([0.0, -948.0, -820.8, 16.2])


def test_root_follows_the_root_line_even_when_it_is_not_the_named_tweet(tmp_path: Path) -> None:
    # 17 real trees: the ROOT line's child is an earlier tweet than the file's tweet.
    tree = (
        "['ROOT', 'ROOT', '0.0']->['u5', '90', '-33.17']\n"
        "['u5', '90', '-33.17']->['u6', '100', '0.18']\n"
    )
    archive = write_archive(tmp_path / "r.tar.gz", {f"twitter15/tree/{ROOT_ID}.txt": tree})
    root, child = rows(read_one(archive))
    assert root["kind"] == "post" and root["object_id"] == "100/u5/90/-33.17"
    assert child["root_object_id"] == "100/u5/90/-33.17"
    assert child["kind"] == "retweet"  # its tweet id is the file's source tweet id
    assert child["seconds_since_root"] == pytest.approx(10.8)


def test_tree_without_root_line_keeps_every_line(tmp_path: Path) -> None:
    tree = "".join(TREE.splitlines(keepends=True)[1:])
    archive = write_archive(tmp_path / "n.tar.gz", {f"twitter15/tree/{ROOT_ID}.txt": tree})
    chunk = read_one(archive)
    assert len(chunk.rows) == 3 and not chunk.rejects
    for row in rows(chunk):
        assert row["root_object_id"] == "100/u1/100/0.0"
        assert row["kind"] != "post"
        assert json.loads(row["attributes"])["root_inferred"] is True


def test_empty_tree_file_is_reported(tmp_path: Path) -> None:
    archive = write_archive(
        tmp_path / "e.tar.gz",
        {f"twitter15/tree/{ROOT_ID}.txt": TREE, "twitter15/tree/5.txt": ""},
    )
    chunk = read_one(archive)
    assert [(r.locator, r.reason) for r in chunk.rejects] == [
        ("twitter15/tree/5.txt", "empty_input")
    ]


def test_labels_apply_wherever_label_txt_sits(tmp_path: Path) -> None:
    archive = write_archive(
        tmp_path / "late.tar.gz",
        {
            f"twitter16/tree/{ROOT_ID}.txt": TREE,
            "twitter16/label.txt": f"non-rumor:{ROOT_ID}\nno colon here\ntrue:{ROOT_ID}\n",
        },
    )
    chunk = read_one(archive)
    assert {json.loads(row["attributes"])["label"] for row in rows(chunk)} == {"non-rumor"}
    assert {row["community"] for row in rows(chunk)} == {"twitter16"}
    assert [(r.locator, r.reason) for r in chunk.rejects] == [
        ("twitter16/label.txt:2", "malformed_line"),
        ("twitter16/label.txt:3", "conflicting_duplicate"),
    ]


def test_folder_reads_like_the_archive(tmp_path: Path, small_archive: Path) -> None:
    folder = tmp_path / "unpacked"
    with tarfile.open(small_archive, mode="r:gz") as archive:
        archive.extractall(folder, filter="data")
    from_archive = read_one(small_archive).rows.to_frame()
    from_folder = read_one(folder)
    assert from_folder.uri == str(folder.resolve())
    assert from_folder.rows.to_frame().equals(from_archive)
    # one set's folder on its own
    assert read_one(folder / "twitter15").rows.to_frame().equals(from_archive)
    # the folder's fingerprint changes with its content
    (folder / "twitter15" / "tree" / f"{ROOT_ID}.txt").write_text(TREE + TREE)
    assert read_one(folder).content_hash != from_folder.content_hash


def test_wrong_inputs_raise_with_a_fix(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="does not exist"):
        twitter.read(tmp_path / "missing.tar.gz")
    csv = tmp_path / "x.csv"
    csv.write_text("src,dst,t\n1,2,3\n")
    with pytest.raises(UnknownFormatError, match="did you mean --source edgelist"):
        list(twitter.read(csv))
    no_trees = write_archive(tmp_path / "other.tar.gz", {"data/x.txt": "1 2 3\n"})
    with pytest.raises(UnknownFormatError, match=r"twitter15/tree/\*\.txt"):
        list(twitter.read(no_trees))
    with pytest.raises(UnknownFormatError, match="holds no Twitter15/16 trees"):
        list(twitter.read(tmp_path))
    whole = write_archive(
        tmp_path / "big.tar.gz", {f"twitter15/tree/{i}.txt": TREE * 50 for i in range(50)}
    )
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(UnknownFormatError, match="truncated or corrupt"):
        list(twitter.read(truncated))


# --- the real archive (../shared/data) ------------------------------------------------------


@pytest.fixture(scope="module")
def real(shared_data: Path) -> tuple[Chunk, pl.DataFrame]:
    archive = shared_data / "twitter15-16-propagation-trees" / "Twitter15_16_dataset.tar.gz"
    chunk = read_one(archive)
    return chunk, chunk.rows.to_frame()


def test_real_archive_counts_match_source_md(real: tuple[Chunk, pl.DataFrame]) -> None:
    chunk, frame = real
    assert chunk.n_read == 987_994  # every edge line of the 2,308 tree files
    assert not chunk.rejects
    by_set = dict(frame["community"].value_counts().rows())
    assert by_set == {"twitter15": 624_458, "twitter16": 363_536}
    for dataset, n_uids, n_dup_lines, n_same_tweet in [
        ("twitter15", 480_987, 17_169, 546_080),
        ("twitter16", 289_675, 10_549, 320_940),
    ]:
        part = frame.filter(pl.col("community") == dataset)
        uids = pl.concat([part["actor_id"], part["target_actor_id"].drop_nulls()])
        assert uids.n_unique() == n_uids
        assert part.height - part.unique().height == n_dup_lines  # kept, not deduplicated
        attrs = part.select(
            pl.col("attributes").str.json_path_match("$.tweet_id").alias("tweet"),
            pl.col("attributes").str.json_path_match("$.parent_tweet_id").alias("parent"),
        )
        assert attrs.filter(pl.col("tweet") == pl.col("parent")).height == n_same_tweet


def test_real_archive_every_tree_has_one_root_row(real: tuple[Chunk, pl.DataFrame]) -> None:
    _, frame = real
    posts = frame.filter(pl.col("kind") == "post")
    assert posts.height == 2_308
    assert posts.select("community", "root_object_id").n_unique() == 2_308
    assert (posts["object_id"] == posts["root_object_id"]).all()
    trees = frame.select("community", "root_object_id").unique()
    assert trees.height == 2_308
    assert trees.join(posts, on=["community", "root_object_id"], how="anti").height == 0
    # 169 source tweets are in both sets; their keys carry no set prefix
    shared = trees.group_by("root_object_id").len().filter(pl.col("len") == 2)
    assert shared.height == 169
    labels = posts.select(
        "community", pl.col("attributes").str.json_path_match("$.label").alias("label")
    )
    assert dict(
        labels.filter(pl.col("community") == "twitter15")["label"].value_counts().rows()
    ) == {"non-rumor": 374, "false": 370, "true": 372, "unverified": 374}


def test_real_archive_parents_are_all_nodes_of_their_tree(
    real: tuple[Chunk, pl.DataFrame],
) -> None:
    _, frame = real
    nodes = frame.select("community", "root_object_id", pl.col("object_id").alias("parent"))
    links = frame.filter(pl.col("parent_object_id").is_not_null()).select(
        "community", "root_object_id", pl.col("parent_object_id").alias("parent")
    )
    orphans = links.join(nodes.unique(), on=["community", "root_object_id", "parent"], how="anti")
    assert orphans.height == 0
