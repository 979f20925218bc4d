"""Result writers: the quantities the pipeline fits come from the right rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from netdyn.ingest.load import ingest_chunk
from netdyn.results.cascades import write_cascades
from netdyn.results.heavy_tails import FITTED_QUANTITIES, quantity_values
from netdyn.store.canonical import Chunk
from netdyn.store.db import connect
from netdyn.store.runs import start_run

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def test_inter_event_times_are_per_actor_and_positive(tmp_path):
    con = connect(tmp_path / "q.duckdb")
    chunk = Chunk("mem://q", "h")
    for i, (actor, seconds) in enumerate(
        [("a", 0), ("a", 10), ("b", 5), ("a", 30), ("b", 5), ("b", 65)]
    ):
        chunk.rows.add(
            source_event_id=f"e{i}",
            kind="message",
            actor_id=actor,
            target_actor_id="z",
            occurred_at=T0 + timedelta(seconds=seconds),
        )
    other = Chunk("mem://r", "h2")
    other.rows.add(
        source_event_id="x",
        kind="message",
        actor_id="a",
        target_actor_id="z",
        occurred_at=T0 + timedelta(seconds=11),
    )
    ingest_chunk(con, chunk, source="s", reader="test")
    ingest_chunk(con, other, source="other", reader="test")
    run = start_run(con, flow="analyze", parameters={}, sources=["s"])
    values = quantity_values(con, FITTED_QUANTITIES["inter_event_time"], run)
    # a: 10, 20; b: 0 (dropped), 60; the other source is not part of the run
    assert sorted(values.tolist()) == [10.0, 20.0, 60.0]


def test_cascade_quantities_skip_single_nodes_for_depth(tmp_path):
    con = connect(tmp_path / "c.duckdb")
    chunk = Chunk("mem://c", "h")
    chunk.rows.add(
        source_event_id="p1",
        kind="post",
        actor_id="a",
        object_id="p1",
        root_object_id="p1",
        occurred_at=T0,
    )
    chunk.rows.add(
        source_event_id="r1",
        kind="comment",
        actor_id="b",
        object_id="r1",
        parent_object_id="p1",
        root_object_id="p1",
        occurred_at=T0,
    )
    chunk.rows.add(
        source_event_id="p2",
        kind="post",
        actor_id="a",
        object_id="p2",
        root_object_id="p2",
        occurred_at=T0,
    )
    ingest_chunk(con, chunk, source="s", reader="test")
    run = start_run(con, flow="analyze", parameters={}, sources=["s"])
    write_cascades(con, run, ["s"])
    sizes = quantity_values(con, FITTED_QUANTITIES["cascade_size"], run)
    depths = quantity_values(con, FITTED_QUANTITIES["cascade_depth"], run)
    assert sorted(sizes.tolist()) == [1.0, 2.0]
    assert np.array_equal(depths, [1.0])
