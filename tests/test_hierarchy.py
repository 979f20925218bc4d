"""Modular versus hierarchical: profiles against size-matched nulls, per community and window."""

from __future__ import annotations

from datetime import UTC, datetime

import igraph as ig
import numpy as np
import polars as pl
import pytest
from builders import planted_blocks, random_digraph

from netdyn.analytics.hierarchy import LABELS, STATISTICS, community_profiles, mesoscale_profile
from netdyn.analytics.interaction_graph import interaction_edges
from netdyn.analytics.modularity import modularity_leiden
from netdyn.analytics.windows import WindowSpec, assign_windows
from netdyn.core.errors import InvalidInputError

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


# ---------------------------------------------------------------------------------------------
# stopping early once every statistic is clearly not in excess, or clearly in excess
# ---------------------------------------------------------------------------------------------

STOP_ARGS = {"cp_strength": degree_core_correlation, "n_nulls": 20, "seed": 11}


def test_a_clear_excess_stops_early_on_a_prefix_of_the_same_nulls_with_the_same_label():
    graph = planted_blocks(1)
    stopped = mesoscale_profile(graph, stop_h=5, **STOP_ARGS)
    full = mesoscale_profile(graph, **STOP_ARGS)
    n = stopped.null_values.height
    assert stopped.label == full.label == "modular"
    # modularity z = 94 on all 20 nulls: clear after the first 5; the core-periphery
    # strength is below all its nulls and the GRC (0 on a forest of blocks) equals them
    assert n == 5
    assert stopped.null_values.equals(full.null_values.head(n))
    z = dict(zip(stopped.summary["statistic"], stopped.summary["z_score"], strict=True))
    assert z["modularity"] > 16.5  # what five nulls need (see the next test)


@pytest.mark.parametrize(
    ("n", "z", "clear"),
    [(5, 16.4, False), (5, 16.6, True), (10, 6.9, False), (10, 7.0, True), (15, 5.2, False),
     (15, 5.3, True)],
)  # fmt: skip
def test_clearly_in_excess_needs_the_confidence_bounds_above_the_threshold(n, z, clear):
    from netdyn.analytics.hierarchy import _clearly_in_excess

    # n nulls with mean 0 and sd 1 exactly: the observed value is its z on the drawn nulls
    column = np.random.default_rng(n).normal(size=n)
    column = (column - column.mean()) / column.std(ddof=1)
    assert _clearly_in_excess(z, column, 2.0) is clear
    # a null as large as the observed value, or no spread, never makes it clear
    assert not _clearly_in_excess(z, np.r_[column[:-1], z], 2.0)
    assert not _clearly_in_excess(z, np.zeros(n), 2.0)


@pytest.mark.parametrize("seed", [2, 5])
def test_a_clear_neither_stops_early_on_a_prefix_of_the_same_nulls(seed):
    graph = random_digraph(seed, 120, 0.05)
    stopped = mesoscale_profile(graph, stop_h=3, **STOP_ARGS)
    full = mesoscale_profile(graph, **STOP_ARGS)
    n = stopped.null_values.height
    assert 3 <= n < 20
    assert stopped.null_values.equals(full.null_values.head(n))
    assert stopped.label == "neither"
    # the stopping rule makes z < 2 certain on the nulls drawn (Cantelli)
    assert not (stopped.summary["z_score"].fill_nan(None).drop_nulls() >= 2).any()
    assert (stopped.summary["n_nulls"] <= n).all()


def test_stopping_early_does_not_depend_on_n_jobs():
    events = pl.concat(
        [
            interaction_edges(
                pl.DataFrame(
                    {
                        "kind": ["reply"] * g.ecount(),
                        "actor_id": [f"{name}{a}" for a, _ in g.get_edgelist()],
                        "target_actor_id": [f"{name}{b}" for _, b in g.get_edgelist()],
                    }
                )
            ).with_columns(community=pl.lit(name))
            for name, g in (("r", random_digraph(2, 60, 0.08)), ("b", planted_blocks(2, size=15)))
        ]
    )
    kw = {"min_actors": 5, "stop_h": 3, **STOP_ARGS}
    one = community_profiles(events, n_jobs=1, **kw).profiles
    two = community_profiles(events, n_jobs=2, **kw).profiles
    assert one.equals(two)
    # "b": planted blocks, clearly modular, stops early too (a clear excess), and it is
    # the group that stopped which the workers must not change
    assert one["community"][0] == "b" and one["label"][0] == "modular"
    assert one["n_nulls"][0] < 20
    with pytest.raises(InvalidInputError, match="stop_h must be an integer >= 1"):
        community_profiles(events, **(kw | {"stop_h": 0}))
