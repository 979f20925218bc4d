"""Structural features: hand examples, networkx, sampled betweenness, guards."""

from __future__ import annotations

import igraph as ig
import networkx as nx
import numpy as np
import pytest
from builders import chung_lu, directed

from netdyn.analytics.role_features import FEATURES, role_features
from netdyn.core.errors import InvalidInputError

# ------------------------------------------------------------------------------ graphs


def nx_of(g: ig.Graph) -> nx.DiGraph:
    h = nx.DiGraph()
    h.add_nodes_from(range(g.vcount()))
    if "weight" in g.es.attributes():
        h.add_weighted_edges_from((e.source, e.target, e["weight"]) for e in g.es)
    else:
        h.add_edges_from(g.get_edgelist())
    return h


# ----------------------------------------------------------------------------- features


def test_features_of_an_in_star():
    # four leaves address one centre: n = 5, the centre is dangling
    f = role_features(directed([(1, 0), (2, 0), (3, 0), (4, 0)]), betweenness="exact")
    assert f["actor_id"].to_list() == ["a0000", "a0001", "a0002", "a0003", "a0004"]
    assert f["in_degree"].to_list() == [4, 0, 0, 0, 0]
    assert f["out_degree"].to_list() == [0, 1, 1, 1, 1]
    assert f["coreness"].to_list() == [1] * 5
    assert f["clustering"].to_list() == [0.0] * 5
    assert f["betweenness"].to_list() == [0.0] * 5
    # PageRank with uniform redistribution of the dangling centre's mass, solved by hand:
    # l = (1-d)/n + d c/n,  c = l + 4 d l
    d, n = 0.85, 5
    leaf = (1 - d) / n / (1 - d * (1 + 4 * d) / n)
    assert f["pagerank"].to_list() == pytest.approx([leaf * (1 + 4 * d)] + [leaf] * 4, rel=1e-9)
    # coreness and clustering are constant: z = 0; leaves are identical
    assert f["z_coreness"].to_list() == [0.0] * 5 and f["z_clustering"].to_list() == [0.0] * 5
    z = np.log1p(np.array([4.0, 0, 0, 0, 0]))
    assert f["z_in_degree"].to_numpy() == pytest.approx((z - z.mean()) / z.std())


def test_features_of_a_directed_path():
    f = role_features(directed([(0, 1), (1, 2), (2, 3), (3, 4)]), betweenness="exact")
    assert f["in_degree"].to_list() == [0, 1, 1, 1, 1]
    assert f["out_degree"].to_list() == [1, 1, 1, 1, 0]
    assert f["coreness"].to_list() == [1] * 5
    assert f["clustering"].to_list() == [0.0] * 5
    # ordered pairs through v: 1 lies on 0→2, 0→3, 0→4; 2 on {0,1}×{3,4}; 3 on {0,1,2}→4
    assert f["betweenness"].to_list() == [0.0, 3.0, 4.0, 3.0, 0.0]


def test_features_of_two_triangles_joined_by_a_bridge():
    g = directed([(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3), (2, 3)])
    f = role_features(g, betweenness="exact")
    assert f["coreness"].to_list() == [2] * 6
    assert f["clustering"].to_list() == pytest.approx([1, 1, 1 / 3, 1 / 3, 1, 1])
    # shortest directed paths by hand: 0 lies on 2→1; 1 on 0→{2,3,4,5}; 2 on 0→{3,4,5} and
    # 1→{0,3,4,5}; 3 on {0,1,2}→{4,5} and 5→4; 4 on {0,1,2,3}→5; 5 on 4→3
    assert f["betweenness"].to_list() == [1.0, 4.0, 7.0, 7.0, 4.0, 1.0]
    assert f["in_degree"].to_list() == [1, 1, 1, 2, 1, 1]
    assert f["out_degree"].to_list() == [1, 1, 2, 1, 1, 1]


def test_features_agree_with_networkx():
    g = chung_lu(300, 900, seed=7)
    g.es["weight"] = np.random.default_rng(7).integers(1, 6, g.ecount()).tolist()
    f = role_features(g, betweenness="exact")
    h = nx_of(g)
    u = nx.Graph(h)
    assert f["in_degree"].to_list() == [h.in_degree(v) for v in range(300)]
    assert f["out_degree"].to_list() == [h.out_degree(v) for v in range(300)]
    core = nx.core_number(u)
    assert f["coreness"].to_list() == [core[v] for v in range(300)]
    clustering = nx.clustering(u)
    assert f["clustering"].to_numpy() == pytest.approx([clustering[v] for v in range(300)])
    between = nx.betweenness_centrality(h, normalized=False)
    assert f["betweenness"].to_numpy() == pytest.approx([between[v] for v in range(300)])
    pagerank = nx.pagerank(h, alpha=0.85, weight="weight", tol=1e-12)
    assert f["pagerank"].to_numpy() == pytest.approx(
        [pagerank[v] for v in range(300)], rel=1e-6, abs=1e-9
    )
    for name in FEATURES:
        z = f[f"z_{name}"].to_numpy()
        assert z.mean() == pytest.approx(0, abs=1e-12) and z.std() == pytest.approx(1)
    assert f["pagerank"].sum() == pytest.approx(1)


def test_loops_and_multiple_edges_are_ignored():
    g = directed([(0, 1), (1, 2), (2, 0), (2, 3)])
    messy = directed([(0, 1), (0, 1), (1, 2), (2, 0), (2, 3), (3, 3), (1, 1)])
    assert role_features(messy, betweenness="exact").equals(role_features(g, betweenness="exact"))


def test_empty_graph_and_missing_names():
    f = role_features(ig.Graph(directed=True))
    assert f.height == 0
    assert f.columns == ["actor_id", *FEATURES, *(f"z_{c}" for c in FEATURES)]
    unnamed = ig.Graph([(0, 1), (1, 2)], directed=True)
    assert role_features(unnamed)["actor_id"].to_list() == ["0", "1", "2"]


def test_sampled_betweenness_with_every_source_is_exact():
    g = chung_lu(200, 700, seed=3)
    exact = role_features(g, betweenness="exact")["betweenness"].to_numpy()
    for k in (200, 10_000):
        sampled = role_features(g, betweenness="sampled", n_samples=k, seed=1)
        assert sampled["betweenness"].to_numpy() == pytest.approx(exact, rel=1e-12, abs=1e-9)


def test_sampled_betweenness_tracks_exact_on_a_thousand_nodes():
    g = chung_lu(1000, 4000, seed=11)
    exact = role_features(g, betweenness="exact")["betweenness"].to_numpy()
    sampled = role_features(g, betweenness="sampled", n_samples=100, seed=5)
    est = sampled["betweenness"].to_numpy()
    assert np.corrcoef(exact, est)[0, 1] > 0.9
    # the estimate is unbiased: its total is near the exact total
    assert est.sum() == pytest.approx(exact.sum(), rel=0.1)
    assert not np.array_equal(est, exact)  # it really is an estimate
    again = role_features(g, betweenness="sampled", n_samples=100, seed=5)
    assert again.equals(sampled)
    # "auto" is exact at this size
    assert role_features(g, betweenness="auto")["betweenness"].to_numpy() == pytest.approx(exact)


# ------------------------------------------------------------------------------ guards


def test_bad_feature_arguments_say_how_to_fix_them():
    g = directed([(0, 1), (1, 2), (2, 0)])
    with pytest.raises(InvalidInputError, match="directed"):
        role_features(ig.Graph.Ring(4))
    with pytest.raises(InvalidInputError, match="igraph.Graph"):
        role_features(nx.DiGraph())
    with pytest.raises(InvalidInputError, match="betweenness must be one of"):
        role_features(g, betweenness="cutoff")
    with pytest.raises(InvalidInputError, match="n_samples must be an integer >= 1"):
        role_features(g, n_samples=0)
    with pytest.raises(InvalidInputError, match="seed must be"):
        role_features(g, seed="7")
