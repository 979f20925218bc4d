"""Structural roles: features, silhouette-chosen clusterings and the degree-preserving null."""

from __future__ import annotations

import doctest
import math

import igraph as ig
import networkx as nx
import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

import analytics.roles as roles
from analytics.roles import (
    FEATURES,
    degree_preserving_null,
    role_features,
    role_null_baseline,
    roles_with_baseline,
    structural_roles,
)
from netdyn.errors import InvalidInputError


def test_doctests():
    result = doctest.testmod(roles)
    assert result.failed == 0 and result.attempted >= 10


# ------------------------------------------------------------------------------ graphs


def directed(edges: list[tuple[int, int]], n: int | None = None) -> ig.Graph:
    g = ig.Graph(n=n or 1 + max(max(e) for e in edges), edges=edges, directed=True)
    g.vs["name"] = [f"a{i:04d}" for i in range(g.vcount())]
    return g


def chung_lu(n: int, m: int, seed: int, exponent: float = 2.5) -> ig.Graph:
    """A simple directed graph with heavy-tailed expected in/out-degrees and no other structure."""
    rng = np.random.default_rng(seed)
    w_out = rng.pareto(exponent - 1, n) + 1
    w_in = rng.pareto(exponent - 1, n) + 1
    s = rng.choice(n, 2 * m, p=w_out / w_out.sum())
    t = rng.choice(n, 2 * m, p=w_in / w_in.sum())
    e = np.unique(np.column_stack([s, t])[s != t], axis=0)
    e = e[rng.permutation(len(e))[:m]]
    return directed([tuple(x) for x in e.tolist()], n=n)


def planted_roles(seed: int) -> tuple[ig.Graph, np.ndarray]:
    """15 core actors (dense, p = 0.9 per ordered pair), 8 hubs pointing into the core
    (p = 0.5) and 400 peripheral actors each addressing one random hub."""
    rng = np.random.default_rng(seed)
    core, hubs, periphery = np.arange(15), np.arange(15, 23), np.arange(23, 423)
    e = [(i, j) for i in core for j in core if i != j and rng.random() < 0.9]
    e += [(h, c) for h in hubs for c in core if rng.random() < 0.5]
    e += [(p, int(rng.choice(hubs))) for p in periphery]
    truth = np.r_[np.zeros(15), np.ones(8), np.full(400, 2)]
    return directed([(int(a), int(b)) for a, b in e], n=423), truth


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


# ---------------------------------------------------------------------------- clustering


def test_planted_roles_are_recovered():
    g, truth = planted_roles(seed=1)
    found = structural_roles(role_features(g), seed=2)
    assert list(found) == ["kmeans", "gmm"]
    for method, r in found.items():
        assert r.chosen_k == 3, method
        labels = r.labels["role"].to_numpy()
        assert adjusted_rand_score(truth, labels) > 0.9
        assert r.silhouette == pytest.approx(r.silhouette_by_k["silhouette"].max())
        assert r.silhouette_by_k["k"].to_list() == list(range(2, 11))
        assert r.sizes["n_actors"].to_list() == [400, 15, 8]
        assert r.sizes["share_actors"].sum() == pytest.approx(1)
        c = r.centroids
        # role 0 is the periphery: one out-edge, nobody addresses it
        assert c.row(0, named=True)["in_degree"] == 0 and c.row(0, named=True)["out_degree"] == 1
        # the hubs have the most in-edges and betweenness, the core the most clustering
        assert c["in_degree"].arg_max() == 2 and c["betweenness"].arg_max() == 2
        assert c["clustering"].arg_max() == 1 and c["coreness"].arg_max() == 1
        assert r.to_dict()["chosen_k"] == 3 and len(r.to_dict()["roles"]) == 3


def test_silhouette_subsample_is_close_to_the_full_silhouette():
    g, truth = planted_roles(seed=1)
    f = role_features(g)
    full = structural_roles(f, k_range=range(2, 6), methods=["kmeans"], seed=2)["kmeans"]
    sub = structural_roles(f, k_range=range(2, 6), methods=["kmeans"], sample_size=150, seed=2)
    sub = sub["kmeans"]
    assert sub.chosen_k == 3 and sub.labels.equals(full.labels)
    assert sub.silhouette == pytest.approx(full.silhouette, abs=0.02)


def test_unrealisable_k_and_identical_actors():
    # three distinct feature vectors: k = 4 cannot be realised
    g = directed([(1, 0), (2, 0), (3, 0), (4, 0), (5, 6), (6, 5)])
    r = structural_roles(role_features(g), k_range=[2, 3, 4], methods=["kmeans"], seed=0)
    by_k = dict(r["kmeans"].silhouette_by_k.iter_rows())
    assert math.isnan(by_k[4]) and r["kmeans"].chosen_k in (2, 3)
    # a directed ring: every actor alike, so no k gives a silhouette
    ring = structural_roles(role_features(ig.Graph.Ring(9, directed=True)), seed=0)["gmm"]
    assert ring.chosen_k == 1 and math.isnan(ring.silhouette)
    assert ring.labels["role"].to_list() == [0] * 9
    assert ring.silhouette_by_k["silhouette"].is_nan().all()


# ----------------------------------------------------------------------------- the null


def test_null_keeps_every_degree_and_mixes_the_edges():
    g, _ = planted_roles(seed=1)
    null = degree_preserving_null(g, seed=4)
    assert null.indegree() == g.indegree() and null.outdegree() == g.outdegree()
    assert null.is_simple() and null.vs["name"] == g.vs["name"]
    kept = set(g.get_edgelist()) & set(null.get_edgelist())
    assert len(kept) / g.ecount() < 0.4
    assert degree_preserving_null(g, seed=4).get_edgelist() == null.get_edgelist()
    assert degree_preserving_null(g, seed=5).get_edgelist() != null.get_edgelist()
    # the graph passed in is untouched
    assert planted_roles(seed=1)[0].get_edgelist() == g.get_edgelist()


def test_null_explains_nearly_all_of_a_degree_defined_silhouette():
    # the planted roles differ in degree, so the rewired graphs have almost the same
    # silhouette: the degree sequence explains > 99 % of it. The dense core is structure
    # beyond degrees, so the observed value still lies above every null value.
    g, _ = planted_roles(seed=1)
    b = role_null_baseline(g, n_nulls=8, k_range=range(2, 7), methods=["kmeans"], seed=3)
    s = b.summary.row(0, named=True)
    assert s["observed_k"] == 3 and s["n_nulls"] == 8
    assert s["null_share"] > 0.99
    assert s["observed_silhouette"] > b.nulls["silhouette"].max()
    assert s["z_score"] > 3 and s["p_value"] == pytest.approx(1 / 9)
    assert b.nulls["share_edges_rewired"].min() > 0.6
    assert "against 0.99 observed (k = 3)" in b.describe("kmeans")


def test_configuration_graph_lies_inside_its_null_and_jobs_do_not_matter():
    g = chung_lu(300, 900, seed=0)
    kw = {"n_nulls": 8, "k_range": range(2, 6), "seed": 9}
    one = role_null_baseline(g, n_jobs=1, **kw)
    for row in one.summary.iter_rows(named=True):
        assert abs(row["z_score"]) < 3, row
        assert 0.8 < row["null_share"] < 1.25
        assert row["p_value"] > 0.05
    assert one.nulls.height == 16 and one.nulls["silhouette"].is_finite().all()
    two = role_null_baseline(g, n_jobs=2, **kw)
    assert two.nulls.equals(one.nulls) and two.summary.equals(one.summary)
    assert not role_null_baseline(g, n_jobs=1, **(kw | {"seed": 10})).nulls.equals(one.nulls)


def test_one_call_is_reproducible_and_matches_the_parts():
    g = chung_lu(200, 600, seed=2)
    kw = {"n_nulls": 3, "k_range": [2, 3, 4], "seed": 21}
    a = roles_with_baseline(g, **kw)
    b = roles_with_baseline(g, **kw)
    assert a.features.equals(b.features) and a.betweenness == "exact"
    for m in ("kmeans", "gmm"):
        assert a.roles[m].labels.equals(b.roles[m].labels)
        assert a.roles[m].silhouette_by_k.equals(b.roles[m].silhouette_by_k)
    assert a.baseline.nulls.equals(b.baseline.nulls)
    alone = role_null_baseline(g, **kw)
    assert alone.summary.equals(a.baseline.summary)
    d = a.to_dict()
    assert d["n_actors"] == 200 and set(d["null_baseline"]) == {"kmeans", "gmm"}
    assert len(d["null_baseline"]["gmm"]["null_silhouettes"]) == 3
    with pytest.raises(AttributeError):
        a.betweenness = "sampled"  # frozen


# ------------------------------------------------------------------------------ guards


def test_bad_arguments_say_how_to_fix_them():
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
    f = role_features(g)
    with pytest.raises(InvalidInputError, match="at least 3 actors"):
        structural_roles(f.head(2))
    with pytest.raises(InvalidInputError, match="k_range"):
        structural_roles(f, k_range=[])
    with pytest.raises(InvalidInputError, match="k_range must be an integer >= 2"):
        structural_roles(f, k_range=[1, 2])
    with pytest.raises(InvalidInputError, match="< the number of actors"):
        structural_roles(f, k_range=[3, 4])
    with pytest.raises(InvalidInputError, match="methods"):
        structural_roles(f, methods=["dbscan"])
    with pytest.raises(InvalidInputError, match="lacks columns"):
        structural_roles(f.drop("z_pagerank"))
    with pytest.raises(InvalidInputError, match="polars DataFrame"):
        structural_roles(f.to_dict())
    with pytest.raises(InvalidInputError, match="sample_size"):
        structural_roles(f, sample_size=1)
    with pytest.raises(InvalidInputError, match="n_nulls"):
        role_null_baseline(g, n_nulls=0)
    with pytest.raises(InvalidInputError, match="n_jobs"):
        role_null_baseline(g, n_jobs=0)
    with pytest.raises(InvalidInputError, match="swaps_per_edge"):
        degree_preserving_null(g, swaps_per_edge=0)
    observed = structural_roles(
        role_features(chung_lu(50, 150, seed=1)), methods=["kmeans"], k_range=[2]
    )
    with pytest.raises(InvalidInputError, match="observed lacks methods"):
        role_null_baseline(chung_lu(50, 150, seed=1), observed=observed, k_range=[2])
