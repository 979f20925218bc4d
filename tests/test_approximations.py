"""The size limits above which the structure analysis uses a documented approximation.

Each limit is an ``AnalysisOptions`` field whose default equals the library default; below it
the answer is exactly the exact method's; above it the approximation agrees with the exact
value within its stated error and is recorded where the report reads it.
"""

from __future__ import annotations

import igraph as ig
import numpy as np
import polars as pl
import pytest

from netdyn.analytics.hierarchy import community_profiles, mesoscale_profile
from netdyn.analytics.reaching_centrality import global_reaching_centrality
from netdyn.core.errors import InvalidInputError
from netdyn.flows.options import AnalysisOptions
from netdyn.report.structure_section import reach_approximation, role_approximations
from netdyn.results import structure


def test_the_library_defaults_are_the_option_defaults():
    options = AnalysisOptions()
    assert options.betweenness_exact_max_actors == structure.EXACT_BETWEENNESS_MAX_ACTORS
    assert options.betweenness_pivots == structure.BETWEENNESS_PIVOTS
    assert options.role_fit_actors == structure.ROLE_FIT_ACTORS
    assert options.reach_max_targets == structure.REACH_MAX_TARGETS


def forest(n_trees: int, depth: int, seed: int) -> ig.Graph:
    """Random out-trees (a DAG: every vertex its own strongly connected component)."""
    rng = np.random.default_rng(seed)
    edges, n = [], 0
    for _ in range(n_trees):
        root, n = n, n + 1
        frontier = [root]
        for _ in range(depth):
            nxt = []
            for parent in frontier:
                for _ in range(int(rng.integers(1, 4))):
                    edges.append((parent, n))
                    nxt.append(n)
                    n += 1
            frontier = nxt
    return ig.Graph(n=n, edges=edges, directed=True)


@pytest.fixture(scope="module")
def dag() -> ig.Graph:
    g = forest(6, 5, seed=1)
    assert len(g.connected_components(mode="strong")) == g.vcount() > 400
    return g


def test_reach_is_exact_below_the_limit_and_close_above(dag):
    exact = mesoscale_profile(dag, n_nulls=2, swaps_per_edge=1, seed=3)
    same = mesoscale_profile(dag, n_nulls=2, swaps_per_edge=1, reach_max_targets=10**6, seed=3)
    assert not exact.reach_sampled and not same.reach_sampled
    assert exact.summary.equals(same.summary)
    sampled = mesoscale_profile(dag, n_nulls=2, swaps_per_edge=1, reach_max_targets=256, seed=3)
    assert sampled.reach_sampled
    grc = dict(zip(exact.summary["statistic"], exact.summary["observed"], strict=True))
    est = dict(zip(sampled.summary["statistic"], sampled.summary["observed"], strict=True))
    # the other statistics do not sample: identical
    assert est["modularity"] == grc["modularity"]
    assert est["core_periphery_strength"] == grc["core_periphery_strength"]
    # GRC is a mean of max - C_R(i): off by at most a few standard errors 0.5 / sqrt(256)
    assert est["global_reaching_centrality"] != grc["global_reaching_centrality"]
    assert est["global_reaching_centrality"] == pytest.approx(
        grc["global_reaching_centrality"], abs=4 * 0.5 / 16
    )
    assert grc["global_reaching_centrality"] == pytest.approx(
        global_reaching_centrality(dag), rel=1e-12
    )


def test_sampled_reach_is_seeded(dag):
    a = mesoscale_profile(dag, n_nulls=2, swaps_per_edge=1, reach_max_targets=64, seed=5)
    b = mesoscale_profile(dag, n_nulls=2, swaps_per_edge=1, reach_max_targets=64, seed=5)
    assert a.summary.equals(b.summary) and a.null_values.equals(b.null_values)


def test_community_profiles_record_which_groups_were_sampled(dag):
    small = forest(1, 4, seed=2)
    assert small.vcount() >= 5
    rows = [(f"a{u}", f"a{v}", "big") for u, v in dag.get_edgelist()]
    rows += [(f"b{u}", f"b{v}", "small") for u, v in small.get_edgelist()]
    edges = pl.DataFrame(rows, schema=["actor_id", "target_actor_id", "community"], orient="row")
    limit = small.vcount() + 1  # the small community stays exact, the big one is sampled
    out = community_profiles(
        edges, min_actors=5, n_nulls=2, swaps_per_edge=1, reach_max_targets=limit, seed=1
    )
    flags = dict(out.profiles.select("community", "reach_sampled").rows())
    assert flags == {"big": True, "small": False}
    exact = community_profiles(edges, min_actors=5, n_nulls=2, swaps_per_edge=1, seed=1).profiles
    assert not exact["reach_sampled"].any()
    # the exact group's numbers do not move when another group is sampled
    row = out.profiles.filter(pl.col("community") == "small")
    assert row.drop("reach_sampled").equals(
        exact.filter(pl.col("community") == "small").drop("reach_sampled")
    )


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_a_bad_reach_limit_is_refused(dag, bad):
    with pytest.raises(InvalidInputError, match="reach_max_targets must be a positive integer"):
        mesoscale_profile(dag, n_nulls=2, reach_max_targets=bad)


def test_role_approximation_sentences():
    assert role_approximations({}) == ""
    assert role_approximations({"betweenness": "exact", "n_fit_actors": 9, "n_actors": 9}) == ""
    assert role_approximations({"betweenness": "sampled", "betweenness_pivots": 5}) == (
        "Approximations: betweenness estimated from 5 sampled source actors (Brandes & Pich "
        "2007) rather than computed exactly"
    )
    assert role_approximations({"n_fit_actors": 100, "n_actors": 101}) == (
        "Approximations: the clusters fitted on a seeded random sample of 100 of the 101 "
        "actors, every actor then assigned by the fitted model (its nearest k-means centre, "
        "its most probable mixture component)"
    )


def test_reach_approximation_sentences():
    assert reach_approximation(0, 5, 4096) == ""
    assert reach_approximation(1, 1, 100) == (
        "Approximation: in 1 of the 1 profile the graph has more than 100 strongly connected "
        "components, so each actor's reach was estimated from 100 uniformly sampled target "
        "actors (standard error at most 0.05 per actor; --reach-max-targets)"
    )
