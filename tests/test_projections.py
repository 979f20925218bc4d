"""Incremental projections: advancing in steps equals computing from scratch."""

from __future__ import annotations

import gzip
import random
import shutil

import duckdb
import polars as pl
import pytest

from netdyn.analytics.cascades import compute_cascades
from netdyn.analytics.interaction_graph import actor_metrics
from netdyn.ingest.load import ingest_chunk, ingest_path
from netdyn.sim.platform import PlatformParams, simulate_platform
from netdyn.store.canonical import Chunk
from netdyn.store.db import connect
from netdyn.store.eventlog import read_events
from netdyn.store.projections import PROJECTIONS, advance, advance_all, progress

PROJ_TABLES = {
    "proj_actor_activity": ("source", "actor_id"),
    "proj_interactions": ("source", "actor_id", "target_actor_id"),
    "proj_items": ("source", "object_id"),
    "proj_cascades": ("source", "cascade_id"),
    "proj_cascade_nodes": ("source", "object_id"),
    "proj_forest_flags": ("source",),
}


def snapshot(con, *, drop_seq: bool = False) -> dict[str, pl.DataFrame]:
    out = {}
    for table, key in PROJ_TABLES.items():
        frame = con.sql(f"select * from {table}").pl().sort(list(key))
        if drop_seq:
            frame = frame.drop([c for c in frame.columns if "event_seq" in c])
        out[table] = frame
    return out


def split_chunk(chunk: Chunk, seed: int) -> tuple[Chunk, Chunk]:
    """Deal the rows of a chunk into two chunks at random: replies may precede parents."""
    frame = chunk.rows.to_frame()
    rng = random.Random(seed)
    first = [rng.random() < 0.5 for _ in range(frame.height)]
    halves = []
    for name, mask in (("a", first), ("b", [not f for f in first])):
        part = Chunk(f"{chunk.uri}#{name}", f"{chunk.content_hash}-{name}")
        for row in frame.filter(pl.Series(mask)).iter_rows(named=True):
            part.rows.add(**row)
        halves.append(part)
    return halves[0], halves[1]


def test_out_of_order_halves_equal_the_whole(tmp_path):
    chunk = simulate_platform(PlatformParams(n_actors=300, n_posts=600, seed=8))
    part_a, part_b = split_chunk(chunk, seed=1)
    whole = connect(tmp_path / "whole.duckdb")
    ingest_chunk(whole, chunk, source="sim", reader="test")
    advance_all(whole)
    halves = connect(tmp_path / "halves.duckdb")
    ingest_chunk(halves, part_a, source="sim", reader="test")
    advance_all(halves)
    midway = halves.execute("select n_orphan_nodes from proj_forest_flags").fetchall()[0][0]
    assert midway > 0  # replies whose parents have not arrived yet wait as orphans
    ingest_chunk(halves, part_b, source="sim", reader="test")
    advance_all(halves)
    # same projections (positions in the log differ: the halves were appended in another order)
    a, b = snapshot(whole, drop_seq=True), snapshot(halves, drop_seq=True)
    for table in PROJ_TABLES:
        assert a[table].equals(b[table]), table
    assert halves.execute("select n_orphan_nodes from proj_forest_flags").fetchall() == [(0,)]
    # and both equal a from-scratch computation over the events
    scratch = compute_cascades(read_events(halves)).cascades
    proj = halves.sql("select * from proj_cascades").pl()
    assert (
        scratch.drop("root_event_seq")
        .sort("cascade_id")
        .equals(
            proj.drop("root_event_seq")
            .select(scratch.drop("root_event_seq").columns)
            .sort("cascade_id")
        )
    )


def test_actor_projections_match_a_scratch_computation(tmp_path):
    con = connect(tmp_path / "p.duckdb")
    chunk = simulate_platform(PlatformParams(n_actors=200, n_posts=300, seed=2))
    part_a, part_b = split_chunk(chunk, seed=5)
    for part in (part_a, part_b):
        ingest_chunk(con, part, source="sim", reader="test")
        advance_all(con)
    from netdyn.results.cascades import write_actor_metrics
    from netdyn.store.runs import start_run

    run_id = start_run(con, flow="analyze", parameters={}, sources=["sim"])
    write_actor_metrics(con, run_id, ["sim"])
    stored = con.sql(
        "select * exclude (run_id) from actor_metrics where run_id = ? order by actor_id",
        params=[run_id],
    ).pl()
    assert stored.equals(actor_metrics(read_events(con)))


def test_edgelist_second_half_after_first_equals_whole(tmp_path, shared_data):
    lines = gzip.decompress(
        (shared_data / "snap-collegemsg" / "CollegeMsg.txt.gz").read_bytes()
    ).splitlines(keepends=True)
    # cut where the second changes, so no exact repeat straddles the files
    cut = 30_000
    while lines[cut].split()[2] == lines[cut - 1].split()[2]:
        cut += 1
    first, second = tmp_path / "part1.txt", tmp_path / "part2.txt"
    first.write_bytes(b"".join(lines[:cut]))
    second.write_bytes(b"".join(lines[cut:]))
    whole_file = tmp_path / "all.txt"
    whole_file.write_bytes(b"".join(lines))

    def events_of(con):
        return con.sql(
            "select * exclude (batch_id, ingested_at) from events order by event_seq"
        ).pl()

    whole = connect(tmp_path / "w.duckdb")
    ingest_path(whole, "edgelist", whole_file, label="msg")
    advance_all(whole)
    parts = connect(tmp_path / "h.duckdb")
    ingest_path(parts, "edgelist", first, label="msg")
    advance_all(parts)
    ingest_path(parts, "edgelist", second, label="msg")
    advance_all(parts)
    assert events_of(parts).equals(events_of(whole))  # event_seq included
    a, b = snapshot(whole), snapshot(parts)
    for table in PROJ_TABLES:
        assert a[table].equals(b[table]), table
    # a re-delivered overlapping slice adds nothing
    overlap = tmp_path / "overlap.txt"
    overlap.write_bytes(b"".join(lines[cut - 500 : cut + 500]))
    (batch,) = ingest_path(parts, "edgelist", overlap, label="msg")
    assert batch.n_inserted == 0 and batch.n_duplicate == 1000
    # the same rows under another file name add nothing either
    renamed = tmp_path / "renamed.txt"
    shutil.copy(whole_file, renamed)
    (batch,) = ingest_path(parts, "edgelist", renamed, label="msg")
    assert batch.n_inserted == 0


def test_progress_only_moves_with_output(tmp_path):
    con = connect(tmp_path / "p.duckdb")
    assert all(progress(con, p) == 0 for p in PROJECTIONS)
    chunk = simulate_platform(PlatformParams(n_actors=50, n_posts=40, seed=1))
    ingest_chunk(con, chunk, source="sim", reader="test")
    head = con.execute("select max(event_seq) from events").fetchall()[0][0]
    first = advance(con, "cascades")
    assert (first.from_event_seq, first.to_event_seq) == (0, head) and first.rows_written == 40
    again = advance(con, "cascades")
    assert (again.from_event_seq, again.to_event_seq, again.rows_written) == (head, head, 0)
    with pytest.raises(ValueError, match="unknown projection"):
        advance(con, "nope")


def test_advancing_in_pieces_equals_one_piece(tmp_path, monkeypatch):
    """Pieces of a few events, each its own transaction, give exactly one piece's projections;
    every progress row ends at the head, the cascade items' stage included."""
    import netdyn.store.projections as projections

    chunk = simulate_platform(PlatformParams(n_actors=120, n_posts=150, seed=3))
    whole = connect(tmp_path / "whole.duckdb")
    ingest_chunk(whole, chunk, source="sim", reader="test")
    advance_all(whole)
    pieces = connect(tmp_path / "pieces.duckdb")
    ingest_chunk(pieces, chunk, source="sim", reader="test")
    head = projections.log_head(pieces)
    monkeypatch.setattr(projections, "ADVANCE_CHUNK_EVENTS", 37)
    commits = []
    real = projections._set_progress
    monkeypatch.setattr(
        projections,
        "_set_progress",
        lambda con, p, seq: (commits.append((p, seq)), real(con, p, seq)),
    )
    advanced = advance_all(pieces)
    assert {a.to_event_seq for a in advanced.values()} == {head}
    a, b = snapshot(whole), snapshot(pieces)
    for table in PROJ_TABLES:
        assert a[table].equals(b[table]), table
    n_pieces = -(-head // 37)
    for stage in ("actor_activity", "interactions", "cascade_items"):
        seqs = [seq for p, seq in commits if p == stage]
        assert seqs == [min(head, 37 * (i + 1)) for i in range(n_pieces)], stage
    assert [seq for p, seq in commits if p == "cascades"] == [head]
    assert progress(pieces, "cascade_items") == head


def test_a_failed_piece_is_reported_not_masked(tmp_path, monkeypatch):
    """A statement failing inside a piece rolls it back and raises its own error, and the
    committed pieces before it stay."""
    import netdyn.store.projections as projections

    con = connect(tmp_path / "p.duckdb")
    chunk = simulate_platform(PlatformParams(n_actors=60, n_posts=50, seed=4))
    ingest_chunk(con, chunk, source="sim", reader="test")
    monkeypatch.setattr(projections, "ADVANCE_CHUNK_EVENTS", 40)
    calls = []

    def flaky(con, since, until):
        calls.append(since)
        if len(calls) == 2:
            raise OSError("disk went away")
        return projections._advance_actor_activity(con, since, until)

    monkeypatch.setitem(projections._ADVANCERS, "actor_activity", flaky)
    with pytest.raises(OSError, match="disk went away"):
        advance(con, "actor_activity")
    assert progress(con, "actor_activity") == 40
    assert (
        con.sql("select sum(n_events) from proj_actor_activity").fetchall()[0][0]
        == 40
        - (
            con.sql(
                "select count(*) from events where event_seq <= 40 and actor_id is null"
            ).fetchall()[0][0]
        )
    )


class _CommitFails:
    """A connection whose commits end the transaction and then report a failure, as DuckDB's
    do when a commit runs out of memory ("failed to pin block")."""

    def __init__(self, con):
        self._con = con

    def execute(self, query, *args):
        result = self._con.execute(query, *args)
        if query == "commit":
            raise duckdb.OutOfMemoryException("could not allocate block: failed to pin block")
        return result

    def __getattr__(self, name):
        return getattr(self._con, name)


def test_a_failed_commit_raises_its_own_error(tmp_path):
    """DuckDB ends a transaction whose commit fails; the error raised is the commit's, not a
    'no transaction is active' from the rollback after it."""
    con = connect(tmp_path / "p.duckdb")
    ingest_chunk(
        con,
        simulate_platform(PlatformParams(n_actors=30, n_posts=20, seed=5)),
        source="sim",
        reader="test",
    )
    with pytest.raises(duckdb.OutOfMemoryException, match="failed to pin block"):
        advance(_CommitFails(con), "interactions")
