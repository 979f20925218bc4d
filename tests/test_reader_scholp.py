"""Tests of ingest.readers.scholp on folders written here and on the three real datasets."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from netdyn.core.errors import InvalidInputError, UnknownFormatError
from netdyn.ingest.load import ingest_path
from netdyn.ingest.readers import get_reader, scholp
from netdyn.store.canonical import REASONS
from netdyn.store.db import connect


def write_dataset(
    folder: Path,
    name: str,
    nverts: list[int],
    simplices: list[int],
    times: list[int],
    *,
    compress: bool = False,
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for part, values in (("nverts", nverts), ("simplices", simplices), ("times", times)):
        data = "".join(f"{v}\n" for v in values).encode()
        path = folder / f"{name}-{part}.txt{'.gz' if compress else ''}"
        path.write_bytes(gzip.compress(data) if compress else data)
    return folder


def load(folder: Path, *, con=None, force: bool = False):
    """Ingest a dataset folder; return its batch, the events and the quarantine."""
    con = con or connect(":memory:")
    (batch,) = ingest_path(con, "scholp", folder, max_rejected_share=1.0, force=force)
    events = con.sql("select * exclude (batch_id, ingested_at) from events order by event_seq").pl()
    rejects = dict(con.execute("select locator, reason from quarantine").fetchall())
    assert batch.n_read == batch.n_inserted + batch.n_duplicate + batch.n_quarantined
    assert set(rejects.values()) <= set(REASONS)
    return batch, events, rejects


def test_each_member_is_a_group_event(tmp_path: Path) -> None:
    # the example of DATA-DESCRIPTION.txt: {1,2,3} at 10, {2,4} at 15, {1,3,4,5} at 21
    folder = write_dataset(
        tmp_path / "example", "example", [3, 2, 4], [1, 2, 3, 2, 4, 1, 3, 4, 5], [10, 15, 21]
    )
    batch, events, rejects = load(folder)
    assert batch.n_read == batch.n_inserted == 9 and not rejects
    assert batch.source == "scholp:example" and batch.uri == str(folder.resolve())
    assert events.row(0, named=True) == {
        "event_seq": 1,
        "source": "scholp:example",
        "source_event_id": "0:1",
        "kind": "group",
        "occurred_at": datetime(1970, 1, 1, 0, 0, 10, tzinfo=UTC),
        "seconds_since_root": None,
        "actor_id": "1",
        "target_actor_id": None,
        "object_id": "s0",
        "parent_object_id": None,
        "root_object_id": None,
        "community": "example",
        "text": None,
        "attributes": '{"position":0,"simplex_size":3,"members":[1,2,3]}',
    }
    assert events["source_event_id"].to_list() == [
        "0:1", "0:2", "0:3", "1:2", "1:4", "2:1", "2:3", "2:4", "2:5"
    ]  # fmt: skip
    assert json.loads(events["attributes"][4]) == {"position": 1, "simplex_size": 2}
    # every simplex is recoverable from its members' rows
    simplices = events.group_by("object_id", maintain_order=True).agg("actor_id")
    assert simplices["actor_id"].to_list() == [["1", "2", "3"], ["2", "4"], ["1", "3", "4", "5"]]
    assert events["occurred_at"].dt.epoch("s").unique(maintain_order=True).to_list() == [10, 15, 21]


def test_size_one_simplices_and_gzip(tmp_path: Path) -> None:
    folder = write_dataset(tmp_path / "d", "tiny", [1, 2], [7, 7, 8], [100, 200], compress=True)
    _, events, rejects = load(folder)
    assert not rejects
    assert events["object_id"].to_list() == ["s0", "s1", "s1"]
    assert json.loads(events["attributes"][0]) == {"position": 0, "simplex_size": 1, "members": [7]}


def test_julia_datetime_milliseconds_are_converted(tmp_path: Path) -> None:
    # Julia: Dates.value(DateTime(1970)) == 62135683200000; Enron's first raw time
    folder = write_dataset(
        tmp_path / "d", "julia", [1, 1], [1, 2], [62_135_683_200_000, 63_046_642_020_000]
    )
    _, events, _ = load(folder)
    assert events["occurred_at"].to_list()[1] == datetime(1998, 11, 13, 12, 7, tzinfo=UTC)
    # 1970-01-01T00:00:00 exactly
    assert events["occurred_at"].to_list()[0] == datetime(1970, 1, 1, tzinfo=UTC)
    assert scholp.julia_ms_to_unix_ms(62_135_683_200_000) == 0


def test_bad_times_and_empty_simplices_are_quarantined(tmp_path: Path) -> None:
    folder = write_dataset(
        tmp_path / "d", "odd", [2, 0, 1, 1], [1, 2, 3, 4], [100, 200, 10**12, -5]
    )
    batch, events, rejects = load(folder)
    uri = str(folder.resolve())
    assert rejects == {
        f"{uri}#s1": "missing_field",  # a simplex of size 0
        f"{uri}#2:3": "timestamp_out_of_range",  # 10**12 s is after the year 9999
        f"{uri}#3:4": "timestamp_out_of_range",  # before 1970 (validation)
    }
    assert batch.n_read == 5 and batch.n_inserted == 2
    assert events["actor_id"].to_list() == ["1", "2"]


def test_a_member_listed_twice_is_a_duplicate(tmp_path: Path) -> None:
    folder = write_dataset(tmp_path / "d", "twice", [3], [5, 6, 5], [100])
    batch, events, _ = load(folder)
    assert (batch.n_read, batch.n_inserted, batch.n_duplicate) == (3, 2, 1)
    assert events["actor_id"].to_list() == ["5", "6"]


@pytest.mark.parametrize(
    ("nverts", "simplices", "times", "message"),
    [
        ([2, 1], [1, 2, 3], [10], r"2 simplex sizes but 1 times"),
        ([2, 2], [1, 2, 3], [10, 20], r"add up to 4 node ids but .* holds 3"),
        ([2, -1], [1, 2], [10, 20], r"simplex 1 has size -1"),
    ],
)
def test_mismatched_vectors_raise(
    tmp_path: Path, nverts: list[int], simplices: list[int], times: list[int], message: str
) -> None:
    folder = write_dataset(tmp_path / "d", "bad", nverts, simplices, times)
    with pytest.raises(UnknownFormatError, match=message):
        load(folder)


def test_wrong_folders_raise_with_a_fix(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="does not exist"):
        scholp.read(tmp_path / "nope")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(UnknownFormatError, match="holds no ScHoLP dataset"):
        scholp.read(empty)
    parent = tmp_path / "parent"
    write_dataset(parent / "a", "a", [1], [1], [1])
    with pytest.raises(UnknownFormatError, match=r"one of its sub-folders\? a"):
        scholp.read(parent)
    lacking = tmp_path / "lacking"
    write_dataset(lacking, "x", [1], [1], [1])
    (lacking / "x-times.txt").unlink()
    with pytest.raises(UnknownFormatError, match=r"lacks x-times.txt"):
        scholp.read(lacking)
    two = tmp_path / "two"
    write_dataset(two, "x", [1], [1], [1])
    write_dataset(two, "y", [1], [1], [1])
    with pytest.raises(InvalidInputError, match="several ScHoLP datasets"):
        scholp.read(two)
    with pytest.raises(InvalidInputError, match="is not a folder"):
        scholp.read(two / "x-times.txt")
    text = tmp_path / "text"
    write_dataset(text, "t", [1, 1], [1, 2], [10, 20])
    (text / "t-simplices.txt").write_text("1\nabc\n")
    with pytest.raises(UnknownFormatError, match=r"t-simplices.txt:2 is b'abc', not one integer"):
        next(scholp.read(text))


def test_registry_label() -> None:
    spec = get_reader("scholp")
    assert spec.read is scholp.read and spec.stage is None
    assert spec.default_label(Path("/data/email-Enron")) == "scholp:email-Enron"
    with pytest.raises(InvalidInputError, match="takes no options"):
        get_reader("scholp", {"x": "1"})


# --- the real datasets (../shared/data) -------------------------------------------------------

REAL = [
    # name, simplices, node ids (= events), distinct nodes, first and last time (UTC)
    (
        "email-Enron",
        10_883,
        26_841,
        143,
        datetime(1998, 11, 13, 12, 7, tzinfo=UTC),
        datetime(2002, 6, 12, 16, 20, 33, tzinfo=UTC),
    ),
    (
        "contact-high-school",
        172_035,
        352_718,
        327,
        datetime(2013, 12, 2, 11, 0, 20, tzinfo=UTC),  # 1385982020
        datetime(2013, 12, 6, 15, 59, 40, tzinfo=UTC),  # 1386345580
    ),
    (
        "email-Eu",
        234_760,
        547_501,
        998,
        datetime(2003, 9, 20, 1, 23, 47, tzinfo=UTC),  # 1064021027
        datetime(2005, 12, 1, 23, 38, 1, tzinfo=UTC),  # 1133480281
    ),
]


@pytest.mark.parametrize(("name", "n_simplices", "n_ids", "n_nodes", "first", "last"), REAL)
def test_real_datasets_match_source_md(
    shared_data: Path,
    name: str,
    n_simplices: int,
    n_ids: int,
    n_nodes: int,
    first: datetime,
    last: datetime,
) -> None:
    folder = shared_data / "scholp-temporal-simplices" / name
    con = connect(":memory:")
    batch, events, rejects = load(folder, con=con)
    assert batch.source == f"scholp:{name}"
    assert batch.n_read == batch.n_inserted == n_ids and not rejects
    assert events["object_id"].n_unique() == n_simplices
    assert events["actor_id"].n_unique() == n_nodes
    assert events["source_event_id"].n_unique() == n_ids
    assert (events["kind"] == "group").all()
    assert events["occurred_at"].min() == first and events["occurred_at"].max() == last
    sizes = events.group_by("object_id").len()["len"]
    first_rows = events.filter(pl.col("attributes").str.contains('"members"'))
    assert first_rows.height == n_simplices  # members listed once per simplex
    if name == "email-Enron":
        # converted from Julia DateTime ms: 1998-11 to 2002-06, nearly all in 1999–2002
        years = events.unique("object_id")["occurred_at"].dt.year()
        assert years.is_between(1999, 2002).mean() > 0.998
        # weekends are the quiet days (a one-day epoch error would make them Sun/Mon)
        weekday = events.unique("object_id")["occurred_at"].dt.weekday().value_counts()
        quiet = set(weekday.sort("count").head(2)["occurred_at"].to_list())
        assert quiet == {6, 7}
        assert (sizes == 1).sum() == 431
    if name == "contact-high-school":
        assert sizes.min() == 2 and sizes.max() == 5
    if name == "email-Eu":
        assert (sizes == 1).sum() == 25_755
    again = ingest_path(con, "scholp", folder, force=True)
    assert [(b.n_read, b.n_inserted, b.n_duplicate) for b in again] == [(n_ids, 0, n_ids)]
    assert ingest_path(con, "scholp", folder)[0].status == "skipped"
