"""Core–periphery analytics: coreness, rich club and Borgatti–Everett fits with their test.

Known answers (the Batagelj–Zaversnik figure, a star), a second implementation (networkx's
``core_number`` and ``rich_club_coefficient``, brute force over all vertex subsets, dense
correlations), planted structure recovered with fixed seeds, and the calibration of the
significance test on Erdős–Rényi graphs.
"""

from __future__ import annotations

import doctest
import itertools
import math
from concurrent.futures import ProcessPoolExecutor

import igraph as ig
import networkx as nx
import numpy as np
import polars as pl
import pytest
from scipy.optimize import minimize
from scipy.stats import chisquare

from netdyn.analytics import core_periphery
from netdyn.analytics import rich_club as rich_club_module
from netdyn.analytics.core_periphery import borgatti_everett, core_periphery_strength, coreness
from netdyn.analytics.rich_club import rich_club
from netdyn.core.errors import InvalidInputError

# Planted core–periphery SBM ("strong signal"): 300 vertices, a core of 50; link
# probabilities core–core 0.5, core–periphery 0.3, periphery–periphery 0.02 (density 0.113).
N_SBM, N_CORE, P_CC, P_CP, P_PP = 300, 50, 0.5, 0.3, 0.02
N_PERI = N_SBM - N_CORE
SBM_DENSITY = (
    P_CC * N_CORE * (N_CORE - 1) / 2 + P_CP * N_CORE * N_PERI + P_PP * N_PERI * (N_PERI - 1) / 2
) / (N_SBM * (N_SBM - 1) / 2)  # 0.1111


def graph_from_matrix(a: np.ndarray, names: bool = False) -> ig.Graph:
    u, v = np.nonzero(np.triu(a, 1))
    g = ig.Graph(n=a.shape[0], edges=list(zip(u.tolist(), v.tolist(), strict=True)))
    if names:
        g.vs["name"] = [f"a{i:03d}" for i in range(a.shape[0])]
    return g


def planted_sbm(seed: int) -> tuple[ig.Graph, np.ndarray]:
    rng = np.random.default_rng(seed)
    core = np.arange(N_SBM) < N_CORE
    prob = np.where(
        core[:, None] & core[None, :], P_CC, np.where(core[:, None] | core[None, :], P_CP, P_PP)
    )
    a = np.triu(rng.random((N_SBM, N_SBM)) < prob, 1)
    return graph_from_matrix(a | a.T, names=True), core


def erdos_renyi(n: int, p: float, seed) -> np.ndarray:
    a = np.triu(np.random.default_rng(seed).random((n, n)) < p, 1)
    return a | a.T


def pair_values(a: np.ndarray, pattern: np.ndarray) -> float:
    """Pearson correlation of two symmetric matrices over the pairs i < j."""
    iu = np.triu_indices(a.shape[0], 1)
    return float(np.corrcoef(a[iu].astype(float), pattern[iu].astype(float))[0, 1])


def test_docstring_examples_run():
    for module, n_examples in ((core_periphery, 5), (rich_club_module, 2)):
        result = doctest.testmod(module, extraglobs={"ig": ig})
        assert result.attempted >= n_examples
        assert result.failed == 0


# --------------------------------------------------------------------------- coreness


def batagelj_zaversnik_figure_1() -> ig.Graph:
    """The example graph of Batagelj & Zaversnik (2003), figure 1, as reconstructed in
    networkx's core tests: two tetrahedra (1–4, 5–8) and the ties listed; vertex 21 alone."""
    tetra = [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]
    edges = [(a + 1, b + 1) for a, b in tetra] + [(a + 5, b + 5) for a, b in tetra]
    edges += [
        (3, 7), (2, 11), (11, 5), (11, 12), (5, 12), (12, 19), (12, 18), (3, 9), (7, 9),
        (7, 10), (9, 10), (9, 20), (17, 13), (13, 14), (14, 15), (15, 16), (16, 13),
    ]  # fmt: skip
    g = ig.Graph(n=22, edges=edges)
    g.delete_vertices([0])  # labels 1..21 become vertices 0..20
    g.vs["name"] = [str(i) for i in range(1, 22)]
    return g


def test_coreness_batagelj_zaversnik_figure():
    got = coreness(batagelj_zaversnik_figure_1())
    # the paper's figure: 3-core = 1..8, 2-core adds 9..16, 1-core adds 17..20, 21 isolated
    expected = {
        str(i): 3 if i <= 8 else 2 if i <= 16 else 1 if i <= 20 else 0 for i in range(1, 22)
    }
    assert dict(zip(got["actor_id"], got["coreness"], strict=True)) == expected
    assert got.schema == pl.Schema({"actor_id": pl.String, "coreness": pl.Int64})


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_coreness_matches_networkx_undirected(seed):
    g_nx = nx.gnm_random_graph(120, 400 + 100 * seed, seed=seed)
    edges = list(g_nx.edges())
    # repeated edges and loops in the igraph version must not change the answer
    g = ig.Graph(n=120, edges=edges + edges[:30] + [(5, 5), (7, 7)])
    got = coreness(g)["coreness"].to_list()
    assert got == [nx.core_number(g_nx)[i] for i in range(120)]


@pytest.mark.parametrize("seed", [4, 5])
def test_total_coreness_of_digraph_matches_networkx(seed):
    g_nx = nx.gnp_random_graph(100, 0.06, seed=seed, directed=True)  # mutual pairs included
    g = ig.Graph(n=100, edges=list(g_nx.edges()) + [(3, 3)], directed=True)
    assert coreness(g, mode="all")["coreness"].to_list() == [
        nx.core_number(g_nx)[i] for i in range(100)
    ]


def brute_force_cores(n: int, arcs, weights, mode: str) -> np.ndarray:
    """core(v) = max over vertex sets S ∋ v of min over u ∈ S of u's strength inside S."""
    masks = ((np.arange(1, 2**n)[:, None] >> np.arange(n)) & 1).astype(bool)
    strength = np.zeros(masks.shape)
    for (a, b), w in zip(arcs, weights, strict=True):
        if a == b:
            continue  # loops do not count
        both = masks[:, a] & masks[:, b]
        if mode in ("in", "all"):
            strength[:, b] += w * both
        if mode in ("out", "all"):
            strength[:, a] += w * both
    value = np.where(masks, strength, np.inf).min(axis=1)
    return np.array([value[masks[:, v]].max() for v in range(n)])


@pytest.mark.parametrize("mode", ["in", "out", "all"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_directed_cores_match_brute_force(mode, seed):
    rng = np.random.default_rng([11, seed])
    n = 9
    arcs = [(int(a), int(b)) for a, b in rng.integers(0, n, (22, 2))]
    g = ig.Graph(n=n, edges=arcs, directed=True)
    simple = sorted({(a, b) for a, b in arcs if a != b})  # k-cores count distinct arcs
    got = coreness(g, mode=mode)["coreness"].to_numpy()
    assert got.tolist() == brute_force_cores(n, simple, [1] * len(simple), mode).tolist()
    # weighted: repeated arcs add their weights
    weights = rng.integers(1, 6, len(arcs)).astype(float)
    g.es["weight"] = weights.tolist()
    got_w = coreness(g, mode=mode, weighted=True)["coreness"].to_numpy()
    assert got_w.tolist() == brute_force_cores(n, arcs, weights, mode).tolist()


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_undirected_s_cores_match_brute_force(seed):
    rng = np.random.default_rng([12, seed])
    n = 10
    edges = [(int(a), int(b)) for a, b in rng.integers(0, n, (20, 2))]
    weights = rng.exponential(1.0, len(edges))
    g = ig.Graph(n=n, edges=edges)
    g.es["weight"] = weights.tolist()
    got = coreness(g, weighted=True)["coreness"].to_numpy()
    np.testing.assert_allclose(got, brute_force_cores(n, edges, weights, "all"), rtol=1e-12)


@pytest.mark.parametrize("mode", ["in", "out", "all"])
def test_unit_weight_peeling_agrees_with_igraph(mode):
    pairs = np.random.default_rng(15).integers(0, 300, (4000, 2))
    arcs = sorted({(int(a), int(b)) for a, b in pairs if a != b})  # simple
    g = ig.Graph(n=300, edges=arcs + [(4, 4), (9, 9)], directed=True)
    g.es["weight"] = [1.0] * len(arcs) + [7.0, 7.0]  # loops are dropped, whatever weight
    ig_cores = coreness(g, mode=mode)["coreness"].to_numpy()
    heap_cores = coreness(g, mode=mode, weighted=True)["coreness"].to_numpy()
    assert heap_cores.tolist() == ig_cores.astype(float).tolist()
    assert ig_cores.max() >= 3  # a non-trivial decomposition


def test_coreness_degenerate_and_bad_arguments():
    empty = coreness(ig.Graph())
    assert empty.height == 0 and empty.columns == ["actor_id", "coreness"]
    assert coreness(ig.Graph(n=3))["coreness"].to_list() == [0, 0, 0]
    g = ig.Graph([(0, 1)])
    with pytest.raises(InvalidInputError, match="mode must be one of"):
        coreness(g, mode="both")
    with pytest.raises(InvalidInputError, match="graph.es\\['weight'\\]"):
        coreness(g, weighted=True)
    g.es["weight"] = [-1.0]
    with pytest.raises(InvalidInputError, match="finite and ≥ 0"):
        coreness(g, weighted=True)
    with pytest.raises(InvalidInputError, match="igraph.Graph"):
        coreness(nx.path_graph(3))


# --------------------------------------------------------------------------- rich club


@pytest.mark.parametrize(
    "g_nx",
    [
        nx.gnm_random_graph(150, 600, seed=1),
        nx.barabasi_albert_graph(300, 3, seed=2),
        nx.powerlaw_cluster_graph(200, 4, 0.3, seed=3),
    ],
)
def test_rich_club_raw_equals_networkx_exactly(g_nx):
    g = ig.Graph(n=g_nx.number_of_nodes(), edges=list(g_nx.edges()), directed=True)
    got = rich_club(g, n_randomisations=0)
    assert dict(zip(got["degree"], got["phi"], strict=True)) == nx.rich_club_coefficient(
        g_nx, normalized=False
    )
    assert got["phi_normalised"].null_count() == got.height


def test_rich_club_normalisation_agrees_with_networkx_swaps():
    g_nx = nx.barabasi_albert_graph(150, 3, seed=7)
    m = g_nx.number_of_edges()
    g = ig.Graph(n=150, edges=list(g_nx.edges()))
    ours = rich_club(g, n_randomisations=30, seed=1, n_jobs=1)
    theirs = []
    for s in range(30):
        r = g_nx.copy()
        nx.double_edge_swap(r, nswap=10 * m, max_tries=100 * m, seed=s)
        theirs.append(nx.rich_club_coefficient(r, normalized=False))
    for row in ours.filter(pl.col("n_rich") >= 15).iter_rows(named=True):
        k = row["degree"]
        nx_vals = np.array([t[k] for t in theirs])
        se = math.hypot(row["phi_random_sd"], nx_vals.std(ddof=1)) / math.sqrt(30)
        assert abs(row["phi_random_mean"] - nx_vals.mean()) <= 4 * se + 1e-9
        assert row["phi_normalised"] == pytest.approx(row["phi"] / row["phi_random_mean"])
    # at k = 0 every vertex is rich, so phi is the density in every randomisation
    assert ours["phi_normalised"][0] == pytest.approx(1.0, abs=1e-12)


def test_rich_club_is_seeded_and_independent_of_jobs():
    g = ig.Graph.Barabasi(120, 3)
    a = rich_club(g, n_randomisations=8, seed=5, n_jobs=1)
    b = rich_club(g, n_randomisations=8, seed=5, n_jobs=2)
    assert a.equals(b)
    assert not a.equals(rich_club(g, n_randomisations=8, seed=6, n_jobs=1))


def test_rich_club_degenerate_and_bad_arguments():
    assert rich_club(ig.Graph(n=4)).height == 0
    assert rich_club(ig.Graph()).height == 0
    with pytest.raises(InvalidInputError, match="n_randomisations"):
        rich_club(ig.Graph([(0, 1)]), n_randomisations=-1)
    with pytest.raises(InvalidInputError, match="global_trades"):
        rich_club(ig.Graph([(0, 1)]), global_trades=0)


# --------------------------------------------------------------------------- Borgatti–Everett


def test_star_is_a_perfect_core_periphery():
    fit = borgatti_everett(ig.Graph.Star(8), n_nulls=0, seed=0)
    assert fit.actors["is_core"].to_list() == [True] + [False] * 7
    assert fit.rho == pytest.approx(1.0, abs=1e-12)
    assert (fit.n_core, fit.n_nulls) == (1, 0) and math.isnan(fit.p_value)
    assert core_periphery_strength(ig.Graph.Star(8), seed=0) == fit.rho


class _CountingRng:
    """A numpy Generator that counts the random starts (one ``uniform`` draw each)."""

    def __init__(self, seed: int) -> None:
        self.rng, self.starts = np.random.default_rng(seed), 0

    def uniform(self, *args, **kwargs):
        self.starts += 1
        return self.rng.uniform(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.rng, name)


def _starts_run(
    n: int, u: np.ndarray, v: np.ndarray, n_starts: int, seed: int
) -> tuple[int, float]:
    rng = _CountingRng(seed)
    rho = core_periphery._fit(n, u, v, "discrete", n_starts, rng)[2]
    return 1 + rng.starts, rho  # the degree start draws no uniform


def test_the_heuristic_stops_after_starts_without_improvement():
    patience = core_periphery.START_PATIENCE
    star = ig.Graph.Star(8)
    u, v = core_periphery._simple_undirected(8, core_periphery._edge_array(star))
    # the degree start finds the star's perfect core: no later start can improve on it
    assert _starts_run(8, u, v, 10, seed=1) == (1 + patience, pytest.approx(1.0, abs=1e-12))
    assert _starts_run(8, u, v, 2, seed=1)[0] == 2  # never more than n_starts
    # on random graphs a start that improves resets the count: every run stops exactly
    # `patience` starts after its last improvement, and gives the best of the starts it ran
    stops = []
    for seed in range(40):
        a = erdos_renyi(40, 0.12, [21, seed])
        i, j = np.nonzero(np.triu(a, 1))
        ran, rho = _starts_run(40, i.astype(np.int64), j.astype(np.int64), 10, seed)
        rng = np.random.default_rng(seed)
        full = core_periphery._fit(40, i.astype(np.int64), j.astype(np.int64), "discrete", ran, rng)
        assert rho == full[2]
        stops.append(ran)
    assert min(stops) == 1 + patience and max(stops) > 1 + patience


@pytest.mark.parametrize("seed", range(12))
def test_discrete_fit_finds_the_exhaustive_optimum(seed):
    rng = np.random.default_rng([13, seed])
    n = 10
    a = erdos_renyi(n, rng.uniform(0.15, 0.6), [14, seed])
    fit = borgatti_everett(graph_from_matrix(a), n_nulls=0, seed=seed)
    best = max(
        pair_values(a, np.logical_or.outer(x, x))
        for x in (np.array(bits, dtype=bool) for bits in itertools.product([0, 1], repeat=n))
        if 1 <= sum(x) <= n - 2
    )
    assert fit.rho == pytest.approx(best, abs=1e-12)
    x = fit.actors["is_core"].to_numpy()
    assert fit.rho == pytest.approx(pair_values(a, np.logical_or.outer(x, x)), abs=1e-12)


def test_planted_core_is_recovered_and_significant():
    g, core = planted_sbm(seed=2024)
    fit = borgatti_everett(g, n_nulls=100, seed=1, n_jobs=2)
    accuracy = np.mean(fit.actors["is_core"].to_numpy() == core)
    assert accuracy >= 0.95
    assert fit.p_value < 0.05 and fit.n_nulls == 100
    assert fit.z > 3
    assert fit.actors["actor_id"][0] == "a000"


def test_continuous_fit_recovers_core_and_is_a_correlation():
    g, core = planted_sbm(seed=2024)
    fit = borgatti_everett(g, model="continuous", n_nulls=0, seed=1)
    score = fit.actors["core_score"].to_numpy()
    assert score.max() == 1.0 and score.min() >= 0.0
    assert np.mean(fit.actors["is_core"].to_numpy() == core) >= 0.95
    a = np.asarray(g.get_adjacency().data, dtype=bool)
    assert fit.rho == pytest.approx(pair_values(a, np.outer(score, score)), abs=1e-10)


def test_continuous_fit_is_the_least_squares_optimum():
    a = erdos_renyi(25, 0.25, 99)
    a[:5, :] = a[:, :5] = True  # a planted core of 5
    np.fill_diagonal(a, False)
    fit = borgatti_everett(graph_from_matrix(a), model="continuous", n_nulls=0, seed=0)
    iu = np.triu_indices(25, 1)
    target = a[iu].astype(float)

    def loss(c):  # dense Σ_{i<j} (A_ij − c_i c_j)² and its gradient
        r = np.zeros((25, 25))
        r[iu] = target - np.outer(c, c)[iu]
        r = r + r.T
        return float(np.sum(r[iu] ** 2)), -2.0 * r @ c

    s = fit.actors["core_score"].to_numpy()  # scores divided by their maximum
    y = np.outer(s, s)[iu]
    ours = loss(s * math.sqrt(target @ y / (y @ y)))[0]  # at the best scale of s
    rng = np.random.default_rng(0)
    best = min(
        minimize(loss, rng.random(25), jac=True, method="L-BFGS-B", bounds=[(0, None)] * 25).fun
        for _ in range(5)
    )
    assert ours <= best * (1 + 1e-7)
    assert set(np.argsort(-s)[:5]) == set(range(5))


def er_p_value(seed: int) -> float:
    a = erdos_renyi(50, SBM_DENSITY, [7, seed])
    return borgatti_everett(graph_from_matrix(a), n_nulls=100, seed=seed, n_jobs=1).p_value


def test_erdos_renyi_is_not_significant():
    # 40 seeds so that a calibrated 5 % test fails this check (≥ 5 of 40 significant) with
    # probability ≈ 0.05 only; each graph has its own 100 nulls.
    with ProcessPoolExecutor(max_workers=2) as ex:
        p = np.array(list(ex.map(er_p_value, range(40))))
    assert np.mean(p >= 0.05) >= 0.9
    assert 0.35 <= p.mean() <= 0.65  # p-values spread over (0, 1], not piled at 1


def test_same_seed_same_result_and_jobs_do_not_matter():
    g = graph_from_matrix(erdos_renyi(60, 0.15, 3), names=True)
    for model in ("discrete", "continuous"):
        a = borgatti_everett(g, model=model, n_nulls=16, seed=42, n_jobs=1)
        b = borgatti_everett(g, model=model, n_nulls=16, seed=42, n_jobs=2)
        c = borgatti_everett(g, model=model, n_nulls=16, seed=42, n_jobs=1)
        assert a.p_value == b.p_value == c.p_value
        assert a.null_rhos.tolist() == b.null_rhos.tolist() == c.null_rhos.tolist()
        assert a.actors.equals(b.actors) and a == b
        d = borgatti_everett(g, model=model, n_nulls=16, seed=43, n_jobs=1)
        assert d.null_rhos.tolist() != a.null_rhos.tolist()
    # the observed fit does not depend on the number of nulls
    assert core_periphery_strength(g, seed=42) == borgatti_everett(g, n_nulls=16, seed=42).rho


def test_directed_multigraph_is_fitted_as_simple_undirected():
    a = erdos_renyi(40, 0.2, 8)
    u, v = np.nonzero(np.triu(a, 1))
    arcs = list(zip(u.tolist(), v.tolist(), strict=True))
    directed = ig.Graph(
        n=40, edges=arcs + [(b, a_) for a_, b in arcs[:20]] + [(1, 1)], directed=True
    )
    f1 = borgatti_everett(directed, n_nulls=0, seed=3)
    f2 = borgatti_everett(graph_from_matrix(a), n_nulls=0, seed=3)
    assert f1.rho == f2.rho and f1.n_edges == f2.n_edges == len(arcs)


@pytest.mark.parametrize(
    "graph", [ig.Graph(), ig.Graph(n=2, edges=[(0, 1)]), ig.Graph(n=6), ig.Graph.Full(6)]
)
def test_degenerate_graphs_have_no_rho(graph):
    fit = borgatti_everett(graph, n_nulls=10, seed=0)
    assert math.isnan(fit.rho) and math.isnan(fit.p_value) and fit.n_nulls == 0
    assert fit.n_core == 0 and fit.actors.height == graph.vcount()
    assert math.isnan(core_periphery_strength(graph))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"model": "fuzzy"}, "model must be one of"),
        ({"n_nulls": -1}, "n_nulls must be an integer ≥ 0"),
        ({"n_starts": 0}, "n_starts must be an integer ≥ 1"),
        ({"n_jobs": 0}, "n_jobs must be an integer ≥ 1"),
        ({"global_trades": 0}, "global_trades must be an integer >= 1"),
        ({"global_trades": 2.5}, "global_trades must be an integer >= 1"),
    ],
)
def test_borgatti_everett_rejects_bad_arguments(kwargs, match):
    with pytest.raises(InvalidInputError, match=match):
        borgatti_everett(ig.Graph.Star(5), **kwargs)


def test_the_test_is_sequential_and_stops_when_clearly_not_significant():
    # a random graph: nulls fit as well; Besag & Clifford's test stops at the h-th of them
    g = graph_from_matrix(erdos_renyi(60, 0.15, 3), names=True)
    one = borgatti_everett(g, n_nulls=99, h=4, seed=5, n_jobs=1)
    two = borgatti_everett(g, n_nulls=99, h=4, seed=5, n_jobs=2)
    assert one == two and one.null_rhos.tolist() == two.null_rhos.tolist()
    assert one.stopped_early and one.n_nulls < 99 and one.n_nulls_max == 99
    assert one.p_value == pytest.approx(4 / one.n_nulls)
    assert np.count_nonzero(one.null_rhos >= one.rho) == 4 and one.null_rhos[-1] >= one.rho
    assert one.p_value_resolution == pytest.approx(0.01)
    # the nulls drawn are the first of the fixed test with the same seed
    fixed = borgatti_everett(g, n_nulls=99, h=100, seed=5, n_jobs=1)
    assert fixed.n_nulls == 99 and not fixed.stopped_early
    assert fixed.null_rhos[: one.n_nulls].tolist() == one.null_rhos.tolist()
    assert fixed.rho == one.rho and fixed.actors.equals(one.actors)
    assert fixed.to_dict()["p_value_resolution"] == pytest.approx(0.01)
    with pytest.raises(InvalidInputError, match="h must be an integer ≥ 1"):
        borgatti_everett(g, h=0)


@pytest.mark.parametrize("n", [5, 300, 5_000])
def test_vertex_orders_are_lexsorts_of_a_random_permutation(n):
    """The heuristic's orders (radix passes) are lexsort's over a seeded random permutation."""
    rng = np.random.default_rng(n)
    for trial in range(30):
        x = rng.random(n) < rng.random()
        n_peri = rng.integers(0, [3, 70, 70_000][trial % 3], n).astype(float)
        a, b = np.random.default_rng(trial), np.random.default_rng(trial)
        perm = b.permutation(n)
        assert np.array_equal(
            core_periphery._order_by(n_peri, a), perm[np.lexsort((-n_peri[perm],))]
        )
        a, b = np.random.default_rng(trial), np.random.default_rng(trial)
        perm = b.permutation(n)
        assert np.array_equal(
            core_periphery._split_order(x, n_peri, a),
            perm[np.lexsort((-n_peri[perm], ~x[perm]))],
        )
    scores = np.round(rng.random(n), 1)  # not integral: a stable float sort
    perm = np.random.default_rng(1).permutation(n)
    assert np.array_equal(
        core_periphery._order_by(scores, np.random.default_rng(1)),
        perm[np.lexsort((-scores[perm],))],
    )


def test_ties_are_broken_uniformly_at_random():
    """Among tied vertices each comes first equally often over seeds."""
    score = np.array([3.0, 1.0, 1.0, 1.0, 1.0, 0.0])
    firsts = [core_periphery._order_by(score, np.random.default_rng(s))[1] for s in range(4_000)]
    counts = np.bincount(firsts, minlength=6)[1:5]
    assert counts.sum() == 4_000
    assert chisquare(counts).pvalue > 1e-3


@pytest.mark.parametrize(
    "graph",
    [ig.Graph.Barabasi(3_000, 3), ig.Graph.Erdos_Renyi(400, 0.03), ig.Graph.Star(30)],
    ids=["ba", "er", "star"],
)
def test_core_periphery_strength_is_the_fits_rho(graph):
    """The lean strength (no per-actor table) is borgatti_everett's rho, bit for bit."""
    for seed in range(3):
        fit = borgatti_everett(graph, n_nulls=0, seed=seed)
        assert core_periphery_strength(graph, seed=seed) == fit.rho
        fewer = borgatti_everett(graph, n_nulls=0, n_starts=3, seed=seed)
        assert core_periphery_strength(graph, seed=seed, n_starts=3) == fewer.rho <= fit.rho
    assert math.isnan(core_periphery_strength(ig.Graph(3)))
