"""Benchmark: how well and how fast degree-preserving nulls mix, by sampler and effort.

For the interaction graph of one analysed run (undirected, simple), draws one null per
setting — igraph edge switching (``rewire``) with k trials per edge, and NetworKit global
curveball trades (:func:`netdyn.analytics.curveball.curveball_edges`) with r trades — and
prints the share of the observed edges still present in the null and the CPU seconds
(conversions included). As a chain mixes, the share falls to what an independent draw with
the same degrees shares with the observed graph (the hubs' edges), and stays there; the
smallest effort at that level is enough. The figures behind
:data:`netdyn.analytics.curveball.GLOBAL_TRADES` came from this script.

Run from the repository root on a database that holds an analysed run::

    .venv/bin/python benchmarks/bench_null_mixing.py --db netdyn.duckdb [--run-id RUN] \
        [--swaps 1 --swaps 3 --swaps 10] [--trades 1 --trades 10 --trades 20]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import duckdb
import igraph as ig
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from netdyn.analytics._igraph_random import igraph_seeded  # noqa: E402
from netdyn.analytics.core_periphery import _edge_array, _simple_undirected  # noqa: E402
from netdyn.analytics.curveball import curveball_edges  # noqa: E402
from netdyn.results.structure import run_graph  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--run-id", help="default: the latest completed run")
    parser.add_argument("--swaps", type=int, action="append", help="igraph trials per edge")
    parser.add_argument("--trades", type=int, action="append", help="global curveball trades")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    con = duckdb.connect(args.db, read_only=True)
    run_id = (
        args.run_id
        or con.execute(
            "select run_id from runs where status = 'completed' order by started_at desc limit 1"
        ).fetchall()[0][0]
    )
    graph = run_graph(con, run_id)
    n = graph.vcount()
    u, v = _simple_undirected(n, _edge_array(graph))
    observed = u * n + v
    print(f"run {run_id}: {n:,} actors, {u.size:,} undirected edges")
    curveball_edges(3, np.array([0, 0]), np.array([1, 2]), seed=0)  # import NetworKit first
    print("| sampler | effort | share of observed edges kept | CPU-s |\n|---|---|---|---|")
    for k in args.swaps or [1, 3, 10]:
        t = time.process_time()
        g = ig.Graph(n=n, edges=np.column_stack([u, v]).tolist())
        with igraph_seeded(args.seed):
            g.rewire(n=k * u.size, allowed_edge_types="simple")
        a, b = _simple_undirected(n, _edge_array(g))
        cpu = time.process_time() - t
        kept = np.isin(a * n + b, observed).mean()
        print(f"| edge switching | {k} per edge | {kept:.4f} | {cpu:.2f} |")
    for r in args.trades or [1, 2, 5, 10, 20]:
        t = time.process_time()
        a, b = curveball_edges(n, u, v, global_trades=r, seed=args.seed)
        cpu = time.process_time() - t
        kept = np.isin(a * n + b, observed).mean()
        print(f"| global curveball | {r} trades | {kept:.4f} | {cpu:.2f} |")


if __name__ == "__main__":
    main()
