"""Structural roles: silhouette-chosen clusterings and the degree-preserving null."""

from __future__ import annotations

import math

import igraph as ig
import numpy as np
import pytest
from builders import chung_lu, directed
from sklearn.metrics import adjusted_rand_score

from netdyn.analytics.role_features import _simple_directed, role_features
from netdyn.analytics.roles import (
    degree_preserving_null,
    role_null_baseline,
    roles_with_baseline,
    structural_roles,
)
from netdyn.core.errors import InvalidInputError

# ------------------------------------------------------------------------------ graphs


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


def test_a_weighted_null_keeps_its_weights_and_a_finite_pagerank():
    # igraph's rewire drops edge attributes; the null puts them back in their edge slots,
    # else the nulls' weighted PageRank is NaN (and costs 10,000 power iterations)
    g = chung_lu(200, 600, seed=2)
    g.es["weight"] = [float(1 + i % 7) for i in range(g.ecount())]
    null = degree_preserving_null(g, seed=1)
    assert null.es["weight"] == _simple_directed(g).es["weight"]
    assert role_features(null, betweenness="exact")["pagerank"].is_finite().all()


def test_the_sequential_test_stops_when_clearly_not_significant_and_jobs_do_not_matter():
    g = chung_lu(300, 900, seed=0)  # a configuration graph: no structure beyond degrees
    kw = {"n_nulls": 30, "k_range": range(2, 5), "methods": ["kmeans"], "h": 3, "seed": 9}
    one = role_null_baseline(g, n_jobs=1, **kw)
    two = role_null_baseline(g, n_jobs=2, **kw)
    assert one.nulls.equals(two.nulls) and one.summary.equals(two.summary)
    s = one.summary.row(0, named=True)
    assert s["stopped_early"] and s["n_nulls"] < 30 and s["n_nulls_max"] == 30
    assert s["p_value"] == pytest.approx(3 / s["n_nulls"])
    assert s["p_value_resolution"] == pytest.approx(1 / 31)
    assert one.nulls.height == s["n_nulls"]
    # the nulls drawn are the first ones of the fixed test with the same seed
    fixed = role_null_baseline(g, n_jobs=1, **(kw | {"h": 31}))
    assert fixed.nulls.head(one.nulls.height).equals(one.nulls)
    assert fixed.summary["n_nulls"][0] == 30 and not fixed.summary["stopped_early"][0]


# ------------------------------------------------------------------- fitting on a sample


def planted_roles_copies(copies: int) -> tuple[ig.Graph, np.ndarray]:
    """``copies`` disjoint planted-role graphs (seeds 0, 1, …): 423 actors and 3 roles each."""
    parts = [planted_roles(seed=s) for s in range(copies)]
    g = ig.disjoint_union([p for p, _ in parts])
    g.vs["name"] = [str(i) for i in range(g.vcount())]
    return g, np.concatenate([truth for _, truth in parts])


def test_a_fit_size_of_at_least_n_changes_nothing():
    g, _ = planted_roles(seed=1)
    f = role_features(g)
    kw = {"k_range": range(2, 6), "sample_size": 150, "seed": 2}
    full = structural_roles(f, **kw)
    for fit_size in (423, 10_000):
        same = structural_roles(f, fit_size=fit_size, **kw)
        for m, r in full.items():
            s = same[m]
            assert s.chosen_k == r.chosen_k and s.silhouette == r.silhouette
            assert s.labels.equals(r.labels) and s.silhouette_by_k.equals(r.silhouette_by_k)
            assert s.sizes.equals(r.sizes) and s.centroids.equals(r.centroids)
            assert s.n_fit_actors == r.n_fit_actors == 423
            assert s.describe_fit() == "clusters fitted on all 423 actors"


def test_a_fit_on_a_sample_recovers_the_planted_roles():
    # 4,230 actors (4,000 periphery, 150 core, 80 hubs); the models see 300 of them, about
    # 6 hubs and 11 core actors, and still find the three roles of every actor: the ARI with
    # the planted roles and with the fit on every actor is 1.0 for seeds 2–5 (measured)
    g, truth = planted_roles_copies(10)
    f = role_features(g)
    kw = {"k_range": range(2, 7), "sample_size": 1_000}
    full = structural_roles(f, seed=2, **kw)
    for seed in (2, 3):
        sub = structural_roles(f, fit_size=300, seed=seed, **kw)
        for m, r in sub.items():
            assert r.n_fit_actors == 300 and full[m].n_fit_actors == 4_230
            assert r.chosen_k == full[m].chosen_k == 3, m
            labels = r.labels["role"].to_numpy()
            assert adjusted_rand_score(truth, labels) >= 0.99
            assert adjusted_rand_score(full[m].labels["role"].to_numpy(), labels) >= 0.99
            assert r.sizes["n_actors"].to_list() == [4_000, 150, 80]  # every actor labelled
            assert r.silhouette == pytest.approx(full[m].silhouette, abs=0.01)
            assert r.to_dict()["n_fit_actors"] == 300
    assert sub["kmeans"].describe_fit() == (
        "clusters fitted on a random sample of 300 of 4,230 actors, every actor then "
        "assigned to its nearest cluster centre"
    )
    assert sub["gmm"].describe_fit().endswith("its most probable component")


def test_a_fit_on_a_sample_is_reproducible_and_independent_of_jobs():
    g = chung_lu(300, 900, seed=0)
    f = role_features(g)
    kw = {"k_range": range(2, 6), "fit_size": 100}
    a = structural_roles(f, seed=5, **kw)
    b = structural_roles(f, seed=5, **kw)
    for m in ("kmeans", "gmm"):
        assert a[m].labels.equals(b[m].labels) and a[m].silhouette == b[m].silhouette
    # the models really are fitted on the sample: the fit differs from the fit on all actors
    full = structural_roles(f, seed=5, k_range=range(2, 6))
    assert any(not a[m].silhouette_by_k.equals(full[m].silhouette_by_k) for m in a)
    base = {"n_nulls": 3, "k_range": range(2, 6), "seed": 9}
    one = role_null_baseline(g, n_jobs=1, fit_size=100, **base)
    two = role_null_baseline(g, n_jobs=2, fit_size=100, **base)
    assert one.nulls.equals(two.nulls) and one.summary.equals(two.summary)
    assert one.n_fit_actors == 100 and one.nulls["silhouette"].is_finite().all()
    every = role_null_baseline(g, n_jobs=1, **base)
    assert every.n_fit_actors == 300 and not one.nulls.equals(every.nulls)
    # the one call passes fit_size to the observed graph and to every null
    both = roles_with_baseline(g, n_nulls=2, k_range=range(2, 6), fit_size=100, seed=9)
    assert both.fit_size == 100 and both.to_dict()["fit_size"] == 100
    assert both.baseline.n_fit_actors == 100
    assert all(r.n_fit_actors == 100 for r in both.roles.values())
    assert both.roles["kmeans"].labels.height == 300


@pytest.mark.parametrize("fit_size", [0, 5, 10, 2.5, True, "20000"])
def test_a_bad_fit_size_says_how_to_fix_it(fit_size):
    g = directed([(0, 1), (1, 2), (2, 0)])
    f = role_features(g)
    msg = r"^fit_size \(or None to fit on every actor\) must be an integer >= 11; got "
    with pytest.raises(InvalidInputError, match=msg):
        structural_roles(f, fit_size=fit_size)
    with pytest.raises(InvalidInputError, match=msg):
        role_null_baseline(g, fit_size=fit_size)
    with pytest.raises(InvalidInputError, match=msg):
        roles_with_baseline(g, fit_size=fit_size)
    with pytest.raises(InvalidInputError, match="must be an integer >= 4"):
        structural_roles(f, k_range=[2, 3], fit_size=3)


@pytest.mark.parametrize("cached", [True, False])
def test_shared_distance_silhouette_equals_sklearn(monkeypatch, cached):
    from sklearn.metrics import silhouette_score

    from netdyn.analytics import roles

    if not cached:  # the blocked path: distances recomputed per labelling
        monkeypatch.setattr(roles, "SILHOUETTE_CACHE_POINTS", 40)
    rng = np.random.default_rng(4)
    x = np.vstack([rng.normal(c, 1.0, size=(60, 5)) for c in (0.0, 3.0, 6.0)])
    scorer = roles._Silhouette(x)
    assert (scorer.distances is not None) is cached
    labellings = [
        np.repeat([0, 1, 2], 60),  # the planted clusters
        rng.integers(0, 4, size=180),  # noise labels
        np.r_[np.zeros(179, dtype=int), 7],  # a singleton cluster, labels not 0..k-1
        np.r_[np.repeat([5, 2], 89), [9, 9]],
    ]
    for labels in labellings:
        assert scorer.score(labels) == pytest.approx(silhouette_score(x, labels), abs=1e-9)
    assert math.isnan(scorer.score(np.zeros(180, dtype=int)))  # one cluster
    assert math.isnan(scorer.score(np.arange(180)))  # every point alone
