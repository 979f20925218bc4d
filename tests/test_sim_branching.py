"""The branching platform model: determinism, the Galton–Watson critical tail, and events
every analysis accepts."""

from __future__ import annotations

import hashlib
import io
import math

import duckdb
import numpy as np
import polars as pl
import pytest

from netdyn.analytics.cascades import compute_cascades
from netdyn.analytics.power_law import fit_power_law
from netdyn.core.errors import InvalidInputError
from netdyn.ingest.validate import validation_sql
from netdyn.sim.branching import BranchingParams, iter_branching_chunks, simulate_branching


def frame(params: BranchingParams) -> pl.DataFrame:
    return simulate_branching(params).rows.to_frame()


def ipc_sha256(df: pl.DataFrame) -> str:
    buffer = io.BytesIO()
    df.write_ipc(buffer)
    return hashlib.sha256(buffer.getvalue()).hexdigest()


def with_log_columns(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_row_index("event_seq", offset=1).with_columns(source=pl.lit("sim"))


# ----------------------------------------------------------------------- determinism


def test_same_seed_gives_byte_identical_events_and_other_seed_differs():
    p = BranchingParams(n_actors=400, n_roots=2_000, offspring_dispersion=1.0, seed=11)
    a, b = (
        frame(p),
        frame(BranchingParams(n_actors=400, n_roots=2_000, offspring_dispersion=1.0, seed=11)),
    )
    assert ipc_sha256(a) == ipc_sha256(b)
    assert (
        hashlib.sha256(a.write_csv().encode()).digest()
        == hashlib.sha256(b.write_csv().encode()).digest()
    )
    c = frame(BranchingParams(n_actors=400, n_roots=2_000, offspring_dispersion=1.0, seed=12))
    assert ipc_sha256(a) != ipc_sha256(c)
    assert p.source_label.startswith("sim:branching:") and len(p.source_label) == 24
    assert p.source_label != BranchingParams(n_actors=400, n_roots=2_000, seed=12).source_label
    # numerically equal parameters have one label (ints are normalised to floats)
    assert BranchingParams(duration_days=30).source_label == BranchingParams().source_label


def test_chunks_hold_exactly_the_events_of_one_run():
    p = BranchingParams(n_actors=300, n_roots=1_000, branching_ratio=0.7, block_roots=300, seed=4)
    whole = frame(p)
    chunks = list(iter_branching_chunks(p, blocks_per_chunk=2))
    assert len(chunks) == 2  # blocks of 300 roots: 4 blocks, 2 per chunk
    parts = [c.rows.to_frame() for c in chunks]
    assert all(part["occurred_at"].is_sorted() for part in parts)
    assert len({c.content_hash for c in chunks}) == 2 and len({c.uri for c in chunks}) == 2
    assert pl.concat(parts).sort("object_id").equals(whole.sort("object_id"))
    # roots 0-599 in the first chunk, 600-999 in the second
    assert parts[0].filter(kind="post").height == 600


# ----------------------------------------------------------------------- branching theory


def test_critical_branching_has_the_otter_tail():
    # Poisson(1) offspring: total progeny is Borel(1), P(S = s) = e^-s s^(s-1) / s!
    # ~ s^(-3/2) / sqrt(2 pi) (Otter 1949; Harris 1963). Threads at the cap are left out of
    # the fit by xmax.
    cap = 2_000
    p = BranchingParams(
        n_actors=2_000,
        n_roots=5_000,
        branching_ratio=1.0,
        attachment_exponent=0.0,
        max_cascade_size=cap,
        seed=7,
    )
    sizes = frame(p).group_by("root_object_id").len()["len"].to_numpy()
    fit = fit_power_law(sizes, discrete=True, xmax=cap - 1)
    assert fit.status == "ok" and fit.n_tail > 1_000
    assert abs(fit.alpha - 1.5) < 0.1
    assert abs(fit.alpha - 1.5) < 4 * fit.sigma + 0.02
    # the head of the Borel law, each within 4 binomial standard errors
    for s in (1, 2, 3):
        exact = math.exp(-s) * s ** (s - 1) / math.factorial(s)
        se = math.sqrt(exact * (1 - exact) / sizes.size)
        assert abs(np.mean(sizes == s) - exact) < 4 * se


@pytest.mark.parametrize(("ratio", "dispersion"), [(0.5, None), (0.75, 2.0)])
def test_subcritical_mean_thread_size(ratio, dispersion):
    p = BranchingParams(
        n_actors=1_000,
        n_roots=20_000,
        branching_ratio=ratio,
        offspring_dispersion=dispersion,
        seed=5,
    )
    events = frame(p)
    # mean size 1 / (1 - ratio); standard error of the mean size below 1 % here
    assert events.height / p.n_roots == pytest.approx(1 / (1 - ratio), rel=0.04)


def test_preferential_attachment_concentrates_replies_on_active_authors():
    def top_share(gamma: float) -> float:
        p = BranchingParams(n_actors=2_000, n_roots=10_000, attachment_exponent=gamma, seed=9)
        ev = frame(p)
        received = ev.filter(pl.col("target_actor_id").is_not_null())["target_actor_id"]
        counts = np.sort(received.value_counts()["count"].to_numpy())[::-1]
        return float(counts[: len(counts) // 100].sum() / counts.sum())

    neutral, linear = top_share(0.0), top_share(1.0)
    # replies received grow as a^(1 + gamma): the top 1 % of targets take far more at gamma 1
    assert linear > neutral + 0.2


# ----------------------------------------------------------------------- valid events


def test_events_validate_and_rebuild_into_the_planted_trees():
    p = BranchingParams(
        n_actors=500, n_roots=3_000, branching_ratio=0.9, max_cascade_size=200, seed=5
    )
    ev = frame(p)
    assert ev["occurred_at"].is_sorted()
    reason, _ = validation_sql()
    with duckdb.connect() as con:
        con.register("rows", ev.to_arrow())
        bad = con.execute(f"select count(*) from rows where ({reason}) is not null").fetchone()
    assert bad == (0,)
    result = compute_cascades(with_log_columns(ev))
    assert result.n_orphan_nodes == 0 and result.n_cycle_nodes == 0
    assert result.cascades.height == p.n_roots
    planted = ev.group_by(cascade_id="root_object_id").agg(planted=pl.len())
    sizes = result.cascades.join(planted, on="cascade_id")
    assert sizes.height == p.n_roots and (sizes["size"] == sizes["planted"]).all()
    assert int(sizes["size"].max()) <= 200
    # depth in attributes = depth rebuilt from parent links; kinds follow depth
    depth = ev.select(
        "object_id", "kind", d=pl.col("attributes").str.json_path_match("$.depth").cast(pl.Int32)
    ).join(result.nodes.select("object_id", "depth"), on="object_id")
    assert (depth["d"] == depth["depth"]).all()
    expected_kind = pl.when(pl.col("d") == 0).then(pl.lit("post"))
    expected_kind = expected_kind.when(pl.col("d") == 1).then(pl.lit("comment"))
    assert depth.select((pl.col("kind") == expected_kind.otherwise(pl.lit("reply"))).all()).item()
    # the target is the parent's author, and a reply comes after its parent
    parents = ev.select(
        parent_object_id="object_id", parent_actor="actor_id", parent_at="occurred_at"
    )
    children = ev.filter(pl.col("parent_object_id").is_not_null()).join(
        parents, on="parent_object_id"
    )
    assert children.height == ev.height - p.n_roots
    assert (children["target_actor_id"] == children["parent_actor"]).all()
    assert (children["occurred_at"] >= children["parent_at"]).all()
    # a thread lives in one community
    assert ev.group_by("root_object_id").agg(pl.col("community").n_unique())["community"].max() == 1


# ----------------------------------------------------------------------- degenerate input


def test_guards():
    with pytest.raises(InvalidInputError, match="activity_exponent must be > 1"):
        BranchingParams(activity_exponent=0.8)
    with pytest.raises(InvalidInputError, match="offspring_dispersion must be None"):
        BranchingParams(offspring_dispersion=0.0)
    with pytest.raises(InvalidInputError, match="community_mixing must be within"):
        BranchingParams(community_mixing=1.5)
    with pytest.raises(InvalidInputError, match="n_roots must be an integer"):
        BranchingParams(n_roots=10.5)
    with pytest.raises(InvalidInputError, match="time zone"):
        BranchingParams(start="2026-01-01T00:00:00")
    with pytest.raises(InvalidInputError, match="branching_ratio < 1"):
        BranchingParams.for_events(100, branching_ratio=1.0)
    assert BranchingParams.for_events(10_000, branching_ratio=0.9).n_roots == 1_000
    with pytest.raises(InvalidInputError, match="blocks_per_chunk must be >= 1"):
        next(iter_branching_chunks(BranchingParams(n_roots=10), blocks_per_chunk=0))
