"""Modular versus hierarchical: GRC against networkx, Leiden modularity, size-matched nulls."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import igraph as ig
import networkx as nx
import numpy as np
import polars as pl
import pytest

from analytics.hierarchy import (
    LABELS,
    STATISTICS,
    community_profiles,
    global_reaching_centrality,
    local_reaching_centrality,
    mesoscale_profile,
    modularity_leiden,
)
from analytics.interaction_graph import interaction_edges
from analytics.windows import WindowSpec, assign_windows
from netdyn.errors import InvalidInputError

# ---------------------------------------------------------------------------------------------
# graphs and a stand-in core-periphery strength (the real one lives in analytics.core_periphery)
# ---------------------------------------------------------------------------------------------


def degree_core_correlation(graph: ig.Graph, *, seed: int | None = None) -> float:
    """Pearson correlation of the undirected adjacency matrix with the ideal core-periphery
    pattern (Borgatti & Everett 2000) whose core is the top 10 % of vertices by degree."""
    und = ig.Graph(n=graph.vcount(), edges=graph.get_edgelist(), directed=False)
    und.simplify()
    n = und.vcount()
    if n < 3:
        return float("nan")
    deg = np.asarray(und.degree())
    core = np.zeros(n, dtype=bool)
    core[np.argsort(-deg, kind="stable")[: max(1, n // 10)]] = True
    upper = np.triu_indices(n, 1)
    adjacency = np.asarray(und.get_adjacency().data)[upper]
    ideal = (core[:, None] | core[None, :])[upper]
    return float(np.corrcoef(adjacency, ideal)[0, 1])


def random_digraph(seed: int, n: int, p: float) -> ig.Graph:
    rng = np.random.default_rng(seed)
    a = rng.random((n, n)) < p
    np.fill_diagonal(a, False)
    return ig.Graph(n=n, edges=np.argwhere(a).tolist(), directed=True)


def planted_blocks(seed: int, blocks: int = 4, size: int = 30) -> ig.Graph:
    """Directed SBM: 4 blocks of 30, p_in = 0.3, p_out = 0.01."""
    rng = np.random.default_rng(seed)
    block = np.repeat(np.arange(blocks), size)
    p = np.where(block[:, None] == block[None, :], 0.3, 0.01)
    a = rng.random((blocks * size, blocks * size)) < p
    np.fill_diagonal(a, False)
    return ig.Graph(n=blocks * size, edges=np.argwhere(a).tolist(), directed=True)


def planted_hierarchy(seed: int, widths=(1, 4, 16, 64), n_bosses: int = 3) -> ig.Graph:
    """A branching hierarchy: every vertex of a level gets edges from n_bosses random vertices
    of the level above (boss → report), so the top reaches everyone and nobody reaches up."""
    rng = np.random.default_rng(seed)
    starts = np.concatenate(([0], np.cumsum(widths)))
    edges = []
    for level in range(1, len(widths)):
        above = np.arange(starts[level - 1], starts[level])
        for v in range(starts[level], starts[level + 1]):
            bosses = rng.choice(above, size=min(n_bosses, above.size), replace=False)
            edges += [(int(b), int(v)) for b in bosses]
    return ig.Graph(n=int(starts[-1]), edges=edges, directed=True)


def to_networkx(graph: ig.Graph, weights=None) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(range(graph.vcount()))
    if weights is None:
        g.add_edges_from(graph.get_edgelist())
    else:
        g.add_weighted_edges_from(
            (s, t, w) for (s, t), w in zip(graph.get_edgelist(), weights, strict=True)
        )
    return g


# ---------------------------------------------------------------------------------------------
# global reaching centrality
# ---------------------------------------------------------------------------------------------


def test_grc_known_cases():
    assert global_reaching_centrality(ig.Graph.Star(10, mode="out")) == 1.0
    assert global_reaching_centrality(ig.Graph.Ring(10, directed=True)) == 0.0
    # in-star: leaves reach the centre only, C_R = 1/(N-1), the centre 0: GRC = 1/(N-1)²
    assert global_reaching_centrality(ig.Graph.Star(5, mode="in")) == pytest.approx(1 / 16)
    # path 0→1→2: C_R = 1, 1/2, 0 → GRC = (0 + 1/2 + 1) / 2
    assert global_reaching_centrality(ig.Graph([(0, 1), (1, 2)], directed=True)) == 0.75
    # undirected: both directions; connected → everyone reaches everyone
    assert global_reaching_centrality(ig.Graph.Star(6)) == 0.0


def test_grc_degenerate_inputs():
    assert np.isnan(global_reaching_centrality(ig.Graph(directed=True)))
    assert np.isnan(global_reaching_centrality(ig.Graph(1, directed=True)))
    assert global_reaching_centrality(ig.Graph(5, directed=True)) == 0.0  # networkx raises here
    assert local_reaching_centrality(ig.Graph(directed=True)).shape == (0,)


@pytest.mark.parametrize("seed", range(8))
def test_grc_matches_networkx(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 90))
    graph = random_digraph(seed, n, float(rng.uniform(0.005, 0.06)))
    graph.add_edges([(0, 0)])  # a loop changes nothing
    reference = to_networkx(graph)
    assert global_reaching_centrality(graph) == pytest.approx(
        nx.global_reaching_centrality(reference), abs=1e-12
    )
    lrc = local_reaching_centrality(graph)
    for v in (0, n // 2, n - 1):
        assert lrc[v] == pytest.approx(nx.local_reaching_centrality(reference, v), abs=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_weighted_grc_matches_networkx(seed):
    graph = random_digraph(100 + seed, 50, 0.05)
    weights = np.random.default_rng(seed).uniform(0.2, 5.0, graph.ecount())  # no ties
    graph.es["weight"] = weights.tolist()
    expected = nx.global_reaching_centrality(to_networkx(graph, weights), weight="weight")
    assert global_reaching_centrality(graph, weighted=True) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("popcount", [True, False])
def test_reach_on_large_graph_matches_breadth_first_search(popcount, monkeypatch):
    # 6,000 vertices: 1,500 two-cycles (SCCs of size 2) and a random DAG over them, so the
    # targets span two 4,096-bit blocks and the weighted popcount meets many SCC sizes ≠ 1
    if not popcount:
        monkeypatch.delattr(np, "bitwise_count", raising=False)  # the byte-table fallback
    rng = np.random.default_rng(7)
    n = 6000
    pairs = [(2 * i, 2 * i + 1) for i in range(1500)] + [(2 * i + 1, 2 * i) for i in range(1500)]
    s, t = rng.integers(0, n, 5000), rng.integers(0, n, 5000)
    dag = list(zip(np.minimum(s, t).tolist(), np.maximum(s, t).tolist(), strict=True))
    graph = ig.Graph(n=n, edges=pairs + dag, directed=True)
    assert len(graph.connected_components(mode="strong")) > 4096
    reach = np.array([len(r) for r in graph.neighborhood(order=n, mode="out")])
    np.testing.assert_allclose(local_reaching_centrality(graph), (reach - 1) / (n - 1), atol=1e-12)


def test_sampled_reach_is_close_to_exact():
    graph = ig.Graph.Barabasi(3000, 2, directed=True)  # acyclic: 3,000 SCCs
    graph.add_edges([(0, 2999)])
    exact = global_reaching_centrality(graph)
    sampled = global_reaching_centrality(graph, max_targets=1000, seed=3)
    assert sampled == global_reaching_centrality(graph, max_targets=1000, seed=3)
    assert abs(sampled - exact) < 0.02


def test_grc_guards():
    graph = random_digraph(1, 10, 0.3)
    with pytest.raises(InvalidInputError, match="weight"):
        global_reaching_centrality(graph, weighted=True)
    graph.es["weight"] = [-1.0] * graph.ecount()
    with pytest.raises(InvalidInputError, match="> 0"):
        global_reaching_centrality(graph, weighted=True)
    with pytest.raises(InvalidInputError, match="max_targets"):
        global_reaching_centrality(graph, max_targets=0)


# ---------------------------------------------------------------------------------------------
# Leiden modularity
# ---------------------------------------------------------------------------------------------


def test_leiden_recovers_blocks_and_agrees_with_networkx_modularity():
    graph = planted_blocks(1)
    state = random.getstate()
    q, membership = modularity_leiden(graph, seed=5)
    assert random.getstate() == state  # the global random module is left alone
    block = np.repeat(np.arange(4), 30)
    assert len(set(zip(block, membership, strict=True))) == 4 == membership.max() + 1
    und = nx.Graph(to_networkx(graph).to_undirected())
    parts = [set(np.flatnonzero(membership == c).tolist()) for c in range(4)]
    assert q == pytest.approx(nx.community.modularity(und, parts), abs=1e-12)


def test_leiden_same_seed_same_partition():
    graph = random_digraph(3, 150, 0.03)  # no planted structure: many near-optimal partitions
    runs = [modularity_leiden(graph, seed=s) for s in (9, 9, 10)]
    assert runs[0].modularity == runs[1].modularity
    np.testing.assert_array_equal(runs[0].membership, runs[1].membership)
    assert not np.array_equal(runs[0].membership, runs[2].membership)


def test_leiden_degenerate_and_guards():
    q, membership = modularity_leiden(ig.Graph(4), seed=1)
    assert np.isnan(q) and membership.tolist() == [0, 1, 2, 3]
    with pytest.raises(InvalidInputError, match="resolution"):
        modularity_leiden(ig.Graph.Ring(5), resolution=0)
    with pytest.raises(InvalidInputError, match="n_iterations"):
        modularity_leiden(ig.Graph.Ring(5), n_iterations=0)


# ---------------------------------------------------------------------------------------------
# observed versus size-matched nulls
# ---------------------------------------------------------------------------------------------


def test_planted_blocks_are_modular():
    profile = mesoscale_profile(
        planted_blocks(1), cp_strength=degree_core_correlation, n_nulls=40, seed=11
    )
    assert profile.z("modularity") > 20  # measured ≈ 90
    assert profile.label == "modular"
    assert profile.n_communities == 4
    assert profile.summary["statistic"].to_list() == list(STATISTICS)
    row = profile.summary.row(0, named=True)
    assert row["p_value"] == pytest.approx(2 / 41)  # observed beyond every null
    assert row["null_mean"] == pytest.approx(profile.null_values["modularity"].mean())


def test_planted_hierarchy_has_high_reaching_centrality():
    profile = mesoscale_profile(
        planted_hierarchy(1), cp_strength=degree_core_correlation, n_nulls=40, seed=11
    )
    assert profile.z("global_reaching_centrality") > 5  # measured ≈ 10–14
    assert profile.label == "core-periphery/hierarchical"


@pytest.mark.parametrize("seed", [2, 5, 8])
def test_random_graph_is_not_more_modular_than_its_nulls(seed):
    profile = mesoscale_profile(
        random_digraph(seed, 120, 0.05), cp_strength=degree_core_correlation, n_nulls=40, seed=3
    )
    assert abs(profile.z("modularity")) < 3
    # a strongly connected random digraph: GRC 0 in every null, sd 0 → z undefined
    assert np.isnan(profile.z("global_reaching_centrality"))


def test_nulls_preserve_degrees_and_size():
    graph = planted_hierarchy(2)
    profile = mesoscale_profile(graph, cp_strength=_null_degrees, n_nulls=5, seed=1)
    # the stand-in statistic is 1 only when in- and out-degrees equal those of graph
    assert profile.null_values["core_periphery_strength"].to_list() == [1.0] * 5
    assert (profile.n_vertices, profile.n_edges) == (graph.vcount(), graph.ecount())
    assert profile.null_values["global_reaching_centrality"].n_unique() > 1  # really rewired


_HIERARCHY_DEGREES = (
    planted_hierarchy(2).indegree(),
    planted_hierarchy(2).outdegree(),
)


def _null_degrees(graph: ig.Graph, *, seed: int | None = None) -> float:
    return float((graph.indegree(), graph.outdegree()) == _HIERARCHY_DEGREES)


def test_same_seed_identical_and_n_jobs_does_not_matter():
    graph = planted_blocks(4)
    kwargs = {"cp_strength": degree_core_correlation, "n_nulls": 6, "seed": 21}
    one = mesoscale_profile(graph, n_jobs=1, **kwargs)
    again = mesoscale_profile(graph, n_jobs=1, **kwargs)
    two = mesoscale_profile(graph, n_jobs=2, **kwargs)
    other = mesoscale_profile(graph, n_jobs=1, **(kwargs | {"seed": 22}))
    assert one.summary.equals(again.summary) and one.null_values.equals(again.null_values)
    assert one.summary.equals(two.summary) and one.null_values.equals(two.null_values)
    assert not one.null_values.equals(other.null_values)


def test_weighted_profile_uses_weights():
    graph = planted_blocks(2)
    graph.es["weight"] = np.random.default_rng(0).integers(1, 5, graph.ecount()).tolist()
    weighted = mesoscale_profile(
        graph, cp_strength=degree_core_correlation, n_nulls=5, weighted=True, seed=1
    )
    plain = mesoscale_profile(graph, cp_strength=degree_core_correlation, n_nulls=5, seed=1)
    q_weighted = weighted.summary["observed"][0]
    assert q_weighted == pytest.approx(modularity_leiden(graph, seed=1).modularity, abs=0.02)
    assert q_weighted != plain.summary["observed"][0]
    assert weighted.label == "modular"


def test_profile_degenerate_and_guards():
    tiny = mesoscale_profile(
        ig.Graph([(0, 1)], directed=True), cp_strength=degree_core_correlation, n_nulls=3
    )
    assert np.isnan(tiny.z("modularity")) and tiny.label == "neither"
    with pytest.raises(InvalidInputError, match="n_nulls"):
        mesoscale_profile(ig.Graph.Ring(5), cp_strength=degree_core_correlation, n_nulls=1)
    with pytest.raises(InvalidInputError, match="module-level"):
        mesoscale_profile(ig.Graph.Ring(5), cp_strength=lambda g, seed=None: 0.0, n_jobs=2)
    with pytest.raises(InvalidInputError, match="callable"):
        mesoscale_profile(ig.Graph.Ring(5), cp_strength=1.0)
    with pytest.raises(InvalidInputError, match="n_jobs"):
        mesoscale_profile(ig.Graph.Ring(5), cp_strength=degree_core_correlation, n_jobs=0)


# ---------------------------------------------------------------------------------------------
# per community and window
# ---------------------------------------------------------------------------------------------

DAY1, DAY2 = datetime(2026, 1, 1, 12, tzinfo=UTC), datetime(2026, 1, 2, 12, tzinfo=UTC)


def hand_events() -> pl.DataFrame:
    rows = []

    def add(kind, actor, target, community, at):
        rows.append((kind, actor, target, community, at))

    for i in range(8):  # day 1: a reply ring of 8 in "big"
        add("reply", f"u{i}", f"u{(i + 1) % 8}", "big", DAY1)
    add("reply", "u0", "u0", "big", DAY1)  # self-reply: no edge
    add("mention", "u1", "v3", "big", DAY1)  # not an interaction kind
    add("post", "u2", None, "big", DAY1)
    for i in range(6):  # day 2: a comment ring of 6
        add("comment", f"v{i}", f"v{(i + 1) % 6}", "big", DAY2)
    add("comment", "v0", "v1", "big", DAY2)  # repeat: same edge
    add("reply", "w0", "w1", "big", None)  # untimed
    add("reply", "x", "y", "small", DAY1)
    add("reply", "y", "z", "small", DAY1)
    add("reply", "p", "q", None, DAY1)  # no community
    return pl.DataFrame(
        rows,
        schema={
            "kind": pl.String,
            "actor_id": pl.String,
            "target_actor_id": pl.String,
            "community": pl.String,
            "occurred_at": pl.Datetime("us", "UTC"),
        },
        orient="row",
    )


PROFILE_ARGS = {"min_actors": 5, "cp_strength": degree_core_correlation, "n_nulls": 4, "seed": 3}


def test_community_profiles_groups_and_skips():
    result = community_profiles(hand_events(), **PROFILE_ARGS)
    profiles = result.profiles
    assert profiles.select("community", "n_events", "n_actors", "n_edges").rows() == [
        ("big", 19, 16, 15)
    ]
    assert profiles["window_start"].is_null().all()
    assert result.skipped.select("community", "n_actors", "n_edges").rows() == [("small", 3, 2)]
    assert (result.n_skipped, result.n_unassigned_events, result.n_untimed_events) == (1, 1, 0)
    assert profiles["label"][0] in LABELS
    # C_R: ring of 8 → 7/15 each, ring of 6 → 5/15, w0 → 1/15, w1 → 0; GRC = 25/15/15 = 1/9
    assert profiles["global_reaching_centrality"][0] == pytest.approx(1 / 9, abs=1e-12)
    expected_columns = {f"{s}{x}" for s in STATISTICS for x in ("", "_null_mean", "_z")}
    assert expected_columns <= set(profiles.columns)


def test_community_profiles_by_window():
    result = community_profiles(hand_events(), windows="1d", **PROFILE_ARGS)
    rows = result.profiles.select("community", "window_start", "n_events", "n_actors", "n_edges")
    assert rows.rows() == [
        ("big", datetime(2026, 1, 1, tzinfo=UTC), 11, 8, 8),
        ("big", datetime(2026, 1, 2, tzinfo=UTC), 7, 6, 6),
    ]
    # a directed ring: every vertex reaches all others
    assert result.profiles["global_reaching_centrality"].to_list() == [0.0, 0.0]
    assert (result.n_skipped, result.n_untimed_events, result.n_unassigned_events) == (1, 1, 1)
    # a frame already cut by analytics.windows.assign_windows gives the same rows
    precut = assign_windows(hand_events(), WindowSpec.parse("1d")).drop("window_id")
    assert community_profiles(precut, **PROFILE_ARGS).profiles.equals(result.profiles)


def test_community_profiles_from_edges_equal_from_events():
    events = hand_events().filter(pl.col("community").is_not_null())
    edges = pl.concat(
        [
            interaction_edges(group).with_columns(community=pl.lit(name))
            for (name,), group in events.partition_by("community", as_dict=True).items()
        ]
    )
    from_events = community_profiles(events, **PROFILE_ARGS).profiles
    from_edges = community_profiles(edges, **PROFILE_ARGS).profiles
    stats = ["n_actors", "n_edges", *STATISTICS, "label"]
    assert from_edges.select(stats).equals(from_events.select(stats))


def test_community_profiles_guards_and_empty():
    with pytest.raises(InvalidInputError, match="subreddit"):
        community_profiles(hand_events(), by="subreddit", cp_strength=degree_core_correlation)
    with pytest.raises(InvalidInputError, match="min_actors"):
        community_profiles(hand_events(), min_actors=1, cp_strength=degree_core_correlation)
    empty = community_profiles(hand_events().clear(), **PROFILE_ARGS)
    assert empty.profiles.height == 0 and empty.n_skipped == 0
    assert "global_reaching_centrality_z" in empty.profiles.columns
