"""Contagion simulators: hand-worked runs, second implementations, exact waiting times."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import igraph as ig
import networkx as nx
import numpy as np
import polars as pl
import pytest
from scipy import stats

from netdyn.analytics.cascades import compute_cascades
from netdyn.analytics.exposure import count_exposures, exposure_edges_from_events
from netdyn.core.errors import InvalidInputError
from netdyn.sim.contagion import (
    contagion_events,
    independent_cascade,
    linear_threshold,
    simulate_exposure_hazard,
)
from netdyn.store.canonical import EVENT_SCHEMA


def frame(pairs: list[tuple[str, str]], formed: list[float] | None = None) -> pl.DataFrame:
    data = {"exposer_id": [a for a, _ in pairs], "exposed_id": [b for _, b in pairs]}
    if formed is not None:
        data["formed_at"] = formed
    return pl.DataFrame(data, schema_overrides={"exposer_id": pl.String, "exposed_id": pl.String})


def random_digraph(seed: int, n: int = 400, m: int = 2000) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        {
            "exposer_id": [f"a{i}" for i in rng.integers(0, n, m)],
            "exposed_id": [f"a{i}" for i in rng.integers(0, n, m)],
            "formed_at": rng.uniform(0.0, 3.0, m),
        }
    )


def hazard_run(seed: int = 0, **kwargs):
    options = dict(
        n_contagions=6, n_seeds=4, baseline_hazard=0.4, hazard_ratio=0.5, horizon=8.0, seed=seed
    )
    options.update(kwargs)
    return simulate_exposure_hazard(random_digraph(1), **options)


# ---------------------------------------------------------------------------------------------
# determinism


def test_same_seed_gives_identical_output_and_events():
    a, b, c = hazard_run(0), hazard_run(0), hazard_run(1)
    for name in ("adoptions", "edges", "exposures"):
        assert getattr(a, name).equals(getattr(b, name))
    assert not a.adoptions.equals(c.adoptions)
    assert a.source_label == b.source_label != c.source_label
    assert a.source_label.startswith("sim:contagion:")
    ea = contagion_events(a.adoptions, a.edges, source_label=a.source_label)
    eb = contagion_events(b.adoptions, b.edges, source_label=b.source_label)
    assert ea.write_csv() == eb.write_csv()  # byte-identical
    ic1 = independent_cascade(random_digraph(2), p=0.3, seeds=5, seed=9)
    ic2 = independent_cascade(random_digraph(2), p=0.3, seeds=5, seed=9)
    assert ic1.adoptions.equals(ic2.adoptions) and ic1.exposures.equals(ic2.exposures)
    lt1 = linear_threshold(random_digraph(2), seeds=5, seed=9)
    lt2 = linear_threshold(random_digraph(2), seeds=5, seed=9)
    assert lt1.adoptions.equals(lt2.adoptions)


# ---------------------------------------------------------------------------------------------
# the exposure-hazard model


def test_hazard_run_is_consistent_with_count_exposures():
    """Without delays the simulator's exposures are count_exposures' pre-adoption ones."""
    run = hazard_run(2)
    counted = (
        count_exposures(run.adoptions, run.edges, include_after_adoption=False)
        .filter(pl.col("exposed_at") < 8.0)
        .select("contagion_id", "actor_id", "exposer_id", "exposed_at")
    )
    assert counted.equals(run.exposures)
    ad = run.adoptions
    assert ad.group_by("contagion_id").agg(pl.col("is_seed").sum())["is_seed"].to_list() == [4] * 6
    assert ad.filter(pl.col("is_seed"))["adopted_at"].to_list() == [0.0] * 24
    assert ad["adopted_at"].max() < 8.0
    n_before = run.exposures.group_by("contagion_id", "actor_id").agg(n=pl.len())
    joined = ad.join(n_before, on=["contagion_id", "actor_id"], how="left").with_columns(
        pl.col("n").fill_null(0)
    )
    assert (joined["n"] == joined["n_exposures"]).all()
    # the parent is the most recent exposer before the adoption
    last = (
        run.exposures.sort("exposed_at")
        .group_by("contagion_id", "actor_id")
        .agg(pl.col("exposer_id").last())
    )
    parents = ad.filter(~pl.col("is_seed")).join(last, on=["contagion_id", "actor_id"])
    assert parents.height == ad.filter(~pl.col("is_seed")).height
    assert (parents["parent_actor_id"] == parents["exposer_id"]).all()
    assert (ad.filter(~pl.col("is_seed"))["n_exposures"] >= 1).all()


@pytest.mark.parametrize(("seeds", "rate"), [(["h1"], 0.8), (["h1", "h2"], 0.8 * 0.25)])
def test_waiting_times_are_exponential_with_the_planted_rate(seeds, rate):
    """Leaves exposed k times at once wait Exp(baseline * ratio^(k-1)) (KS test, fixed seed)."""
    leaves = [f"leaf{i}" for i in range(1500)]
    pairs = [("h1", leaf) for leaf in leaves] + [("h2", leaf) for leaf in leaves]
    run = simulate_exposure_hazard(
        frame(pairs),
        n_contagions=1,
        seeds=seeds,
        baseline_hazard=0.8,
        hazard_ratio=0.25,
        horizon=1e6,
        seed=4,
    )
    waits = run.adoptions.filter(~pl.col("is_seed"))["adopted_at"].to_numpy()
    assert waits.size == 1500
    assert stats.kstest(waits, "expon", args=(0, 1 / rate)).pvalue > 0.01
    assert np.mean(waits) == pytest.approx(1 / rate, rel=4 / math.sqrt(1500))


def test_edges_formed_later_delay_exposure():
    run = simulate_exposure_hazard(
        frame([("a", "b")], formed=[5.0]),
        n_contagions=200,
        seeds=["a"],
        baseline_hazard=1.0,
        hazard_ratio=1.0,
        horizon=1e6,
        seed=1,
    )
    b = run.adoptions.filter(pl.col("actor_id") == "b")
    assert b.height == 200 and b["adopted_at"].min() > 5.0
    assert run.exposures["exposed_at"].unique().to_list() == [5.0]
    assert run.adoptions["contagion_id"].n_unique() == 200
    assert run.adoptions["contagion_id"][0] == "c000"  # zero-padded ids sort in order


def test_everybody_reachable_adopts_with_a_huge_hazard_on_igraph():
    tree = ig.Graph.Tree(40, 3, mode="out")
    run = simulate_exposure_hazard(
        tree,
        n_contagions=1,
        seeds=["agent_0"],
        baseline_hazard=1e6,
        hazard_ratio=1.0,
        horizon=1.0,
        seed=0,
    )
    assert run.adoptions.height == 40
    parent = dict(zip(run.adoptions["actor_id"], run.adoptions["parent_actor_id"], strict=True))
    for e in tree.es:
        assert parent[f"agent_{e.target}"] == f"agent_{e.source}"


def test_undirected_igraph_is_used_both_ways():
    g = ig.Graph([(0, 1), (1, 2)], directed=False)
    g.vs["name"] = ["x", "y", "z"]
    run = independent_cascade(g, p=1.0, seeds=["z"])
    assert run.adoptions.select("actor_id", "adopted_at", "parent_actor_id").rows() == [
        ("z", 0.0, None),
        ("y", 1.0, "z"),
        ("x", 2.0, "y"),
    ]
    assert run.edges.height == 4


def test_hazard_guards():
    g = frame([("a", "b")])
    ok = dict(n_contagions=1, n_seeds=1, baseline_hazard=1.0, hazard_ratio=1.0, horizon=1.0)
    for key, bad in [
        ("baseline_hazard", 0.0),
        ("hazard_ratio", -1.0),
        ("horizon", math.inf),
        ("n_contagions", 0),
        ("n_seeds", 3),
        ("mean_delay", -1.0),
    ]:
        with pytest.raises(InvalidInputError, match=key):
            simulate_exposure_hazard(g, **{**ok, key: bad})
    with pytest.raises(InvalidInputError, match="exactly one"):
        simulate_exposure_hazard(g, **ok, seeds=["a"])
    with pytest.raises(InvalidInputError, match="not actors"):
        simulate_exposure_hazard(g, **{**ok, "n_seeds": None}, seeds=["q"])
    with pytest.raises(InvalidInputError, match="exposer_id"):
        simulate_exposure_hazard(pl.DataFrame({"a": ["x"]}), **ok)


# ---------------------------------------------------------------------------------------------
# independent cascade


def random_out_tree(seed: int, n: int) -> list[tuple[str, str]]:
    rng = np.random.default_rng(seed)
    return [(f"v{int(rng.integers(0, i))}", f"v{i}") for i in range(1, n)]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ic_with_p_1_on_a_tree_infects_everything_in_bfs_order(seed):
    pairs = random_out_tree(seed, 200)
    run = independent_cascade(frame(pairs), p=1.0, seeds=["v0"], seed=seed)
    depth = nx.shortest_path_length(nx.DiGraph(pairs), "v0")
    assert run.adoptions.height == 200
    got = dict(zip(run.adoptions["actor_id"], run.adoptions["adopted_at"], strict=True))
    assert got == {v: float(d) for v, d in depth.items()}
    parent = {child: par for par, child in pairs}
    for actor, par in zip(run.adoptions["actor_id"], run.adoptions["parent_actor_id"], strict=True):
        assert par == parent.get(actor)


def test_ic_p_0_keeps_only_seeds_and_star_spread_is_binomial():
    pairs = [("hub", f"x{i}") for i in range(2000)]
    assert independent_cascade(frame(pairs), p=0.0, seeds=["hub"]).adoptions.height == 1
    run = independent_cascade(frame(pairs), p=0.3, seeds=["hub"], seed=5)
    infected = run.adoptions.height - 1
    sd = math.sqrt(2000 * 0.3 * 0.7)
    assert abs(infected - 600) < 4 * sd
    assert run.exposures.height == 2000  # every leaf was exposed once, at step 0


def test_ic_max_steps_and_guards():
    path = frame([("a", "b"), ("b", "c"), ("c", "d")])
    assert independent_cascade(path, p=1.0, seeds=["a"], max_steps=2).adoptions.height == 3
    with pytest.raises(InvalidInputError, match="p must be in"):
        independent_cascade(path, p=1.5, seeds=["a"])
    with pytest.raises(InvalidInputError, match="seeds"):
        independent_cascade(path, p=0.5, seeds=10)


# ---------------------------------------------------------------------------------------------
# linear threshold


def path_graph(n: int) -> ig.Graph:
    g = ig.Graph([(i, i + 1) for i in range(n - 1)], directed=False)
    g.vs["name"] = list("abcdefghij"[:n])
    return g


def test_lt_threshold_1_on_a_directed_path_spreads_one_step_at_a_time():
    run = linear_threshold(frame([("a", "b"), ("b", "c"), ("c", "d")]), seeds=["a"], thresholds=1.0)
    assert run.adoptions.select("actor_id", "adopted_at", "parent_actor_id").rows() == [
        ("a", 0.0, None),
        ("b", 1.0, "a"),
        ("c", 2.0, "b"),
        ("d", 3.0, "c"),
    ]


def test_lt_threshold_1_on_an_undirected_path_needs_both_neighbours():
    # interior actors have two in-neighbours; threshold 1 needs both active
    g = path_graph(5)  # a - b - c - d - e
    assert linear_threshold(g, seeds=["a"], thresholds=1.0).adoptions.height == 1
    assert linear_threshold(g, seeds=["a", "e"], thresholds=1.0).adoptions.height == 2
    run = linear_threshold(g, seeds=["a", "c", "e"], thresholds=1.0)
    assert run.adoptions.select("actor_id", "adopted_at", "parent_actor_id").rows() == [
        ("a", 0.0, None),
        ("c", 0.0, None),
        ("e", 0.0, None),
        ("b", 1.0, "a"),  # both a and c were activated at step 0: the first in vertex order
        ("d", 1.0, "c"),
    ]
    # threshold 1/2: one of two neighbours suffices, the end actor (in-degree 1) needs its one
    half = linear_threshold(g, seeds=["a"], thresholds=0.5)
    assert half.adoptions["adopted_at"].to_list() == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_lt_with_minimal_thresholds_is_reachability():
    """Thresholds 1/in-degree: one active in-neighbour suffices, so adoption step = BFS distance."""
    edges = random_digraph(3, n=300, m=700)
    graph = nx.DiGraph(list(zip(edges["exposer_id"], edges["exposed_id"], strict=True)))
    graph.remove_edges_from(nx.selfloop_edges(graph))
    names = sorted(graph.nodes)
    in_degree = np.array([max(graph.in_degree(v), 1) for v in names], dtype=np.float64)
    seeds = names[:5]
    run = linear_threshold(edges, seeds=seeds, thresholds=1.0 / in_degree)
    distance = nx.multi_source_dijkstra_path_length(graph, set(seeds))
    got = dict(zip(run.adoptions["actor_id"], run.adoptions["adopted_at"], strict=True))
    assert got == {v: float(d) for v, d in distance.items()}


def test_lt_random_thresholds_and_guards():
    g = path_graph(4)
    run = linear_threshold(g, seeds=["a"], thresholds={"b": 1.0}, seed=3)
    assert run.adoptions["actor_id"].to_list() == ["a"]  # b needs both a and c
    with pytest.raises(InvalidInputError, match="unknown actors"):
        linear_threshold(g, seeds=["a"], thresholds={"q": 0.5})
    with pytest.raises(InvalidInputError, match=r"\(0, 1\]"):
        linear_threshold(g, seeds=["a"], thresholds=0.0)
    with pytest.raises(InvalidInputError, match="one value per actor"):
        linear_threshold(g, seeds=["a"], thresholds=[0.5, 0.5])


# ---------------------------------------------------------------------------------------------
# canonical events


def test_contagion_events_rebuild_cascades_and_the_exposure_graph():
    run = hazard_run(5)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    events = contagion_events(run.adoptions, run.edges, source_label=run.source_label, start=start)
    assert events.schema == pl.Schema(EVENT_SCHEMA)
    assert events.height == run.edges.height + run.adoptions.height
    assert events["source_event_id"].n_unique() == events.height
    counts = events.group_by("kind").len().sort("kind").rows()
    n_seeds = run.adoptions["is_seed"].sum()
    assert counts == [
        ("message", run.edges.height),
        ("post", n_seeds),
        ("retweet", run.adoptions.height - n_seeds),
    ]
    # cascade trees: one per seed, sizes = the seed's descendants in the parent forest
    logged = events.with_row_index("event_seq").with_columns(
        pl.col("event_seq").cast(pl.Int64), source=pl.lit("sim")
    )
    cascades = compute_cascades(logged).cascades
    forest = nx.DiGraph()
    for c, a, p in run.adoptions.select("contagion_id", "actor_id", "parent_actor_id").rows():
        forest.add_node(f"{c}:{a}")
        if p is not None:
            forest.add_edge(f"{c}:{p}", f"{c}:{a}")
    expected = {
        root: 1 + len(nx.descendants(forest, root))
        for root in forest
        if forest.in_degree(root) == 0
    }
    assert dict(zip(cascades["cascade_id"], cascades["size"], strict=True)) == expected
    # the exposure graph comes back, times shifted by the start epoch
    rebuilt = exposure_edges_from_events(events).with_columns(
        pl.col("formed_at") - start.timestamp()
    )
    original = run.edges.sort("exposer_id", "exposed_id")
    assert rebuilt.select("exposer_id", "exposed_id").equals(
        original.select("exposer_id", "exposed_id")
    )
    assert np.allclose(rebuilt["formed_at"].to_numpy(), original["formed_at"].to_numpy(), atol=1e-6)
    # adoptions rebuilt from posts and retweets give the same exposures
    adoptions = events.filter(pl.col("kind").is_in(["post", "retweet"])).select(
        pl.col("community").alias("contagion_id"),
        "actor_id",
        pl.col("occurred_at").alias("adopted_at"),
    )
    again = count_exposures(adoptions, exposure_edges_from_events(events))
    first = count_exposures(run.adoptions, run.edges)
    assert again.select("contagion_id", "actor_id", "exposer_id", "is_after_adoption").equals(
        first.select("contagion_id", "actor_id", "exposer_id", "is_after_adoption")
    )
    assert np.allclose(
        again["exposed_at"].to_numpy() - start.timestamp(),
        first["exposed_at"].to_numpy(),
        atol=1e-6,
    )


def test_contagion_events_by_hand_and_guards():
    ad = pl.DataFrame(
        {
            "contagion_id": ["k", "k", "k"],
            "actor_id": ["s", "t", "u"],
            "adopted_at": [0.0, 1.5, 2.0],
            "parent_actor_id": [None, "s", "t"],
        }
    )
    ed = frame([("s", "t"), ("t", "u")], formed=[0.0, 1.0])
    ev = contagion_events(ad, ed, source_label="sim:contagion:test")
    assert ev.select(
        "kind", "actor_id", "target_actor_id", "object_id", "parent_object_id", "root_object_id"
    ).rows() == [
        ("message", "s", "t", None, None, None),
        ("post", "s", None, "k:s", None, "k:s"),
        ("message", "t", "u", None, None, None),
        ("retweet", "t", "s", "k:t", "k:s", "k:s"),
        ("retweet", "u", "t", "k:u", "k:t", "k:s"),
    ]
    assert ev["occurred_at"][3] == datetime(2026, 1, 1, 0, 0, 1, 500000, tzinfo=UTC)
    assert '"source_label":"sim:contagion:test"' in ev["attributes"][1]
    with pytest.raises(InvalidInputError, match="parent"):
        contagion_events(
            ad.with_columns(parent_actor_id=pl.Series([None, "s", "zz"])), ed, source_label="x"
        )
    with pytest.raises(InvalidInputError, match="time zone"):
        contagion_events(ad, ed, source_label="x", start=datetime(2026, 1, 1))
