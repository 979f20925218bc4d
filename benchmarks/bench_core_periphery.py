"""Benchmark: Borgatti–Everett core–periphery fits and their null test at 10**5 / 10**6.

Builds a seeded heavy-tailed graph — Chung–Lu: each of ``m`` distinct edges joins two
vertices drawn with probability proportional to Pareto weights of tail exponent 2.5, loops
and repeats discarded — then times, on one core:

* the continuous Borgatti–Everett fit (MINRES scores, their correlation ``rho`` and the
  dichotomised core; target ≤ 60 s at n = 10**5, m = 10**6),
* the discrete fit (:func:`core_periphery_strength`, 10 starts),
* k-cores (igraph) and s-cores (heap peeling, unit weights), and the raw rich club;

and then the significance test of the continuous fit: ``--nulls`` degree-preserving
randomisations (``--global-trades`` global curveball trades each), each refitted, on
``--n-jobs`` processes (target ≤ 10 minutes for 100 nulls on 2 cores). Prints wall times,
the fitted numbers, and the peak resident memory of this process and of its workers.

Run from the repository root::

    .venv/bin/python benchmarks/bench_core_periphery.py [--n 100000] [--m 1000000]
        [--nulls 100] [--n-jobs 2] [--global-trades 10] [--skip-nulls] [--seed 20240601]

Smaller sizes, e.g. ``--n 10000 --m 100000 --nulls 20``, run in seconds.
"""

from __future__ import annotations

import argparse
import resource
import time

import igraph as ig
import numpy as np

from netdyn.analytics.core_periphery import borgatti_everett, core_periphery_strength, coreness
from netdyn.analytics.rich_club import rich_club

TAIL_EXPONENT = 2.5


def chung_lu(n: int, m: int, seed: int) -> ig.Graph:
    """A simple undirected graph with exactly ``m`` edges and heavy-tailed expected degrees."""
    rng = np.random.default_rng(seed)
    weight = (1.0 - rng.random(n)) ** (-1.0 / (TAIL_EXPONENT - 1.0))
    prob = weight / weight.sum()
    keys = np.empty(0, dtype=np.int64)
    while keys.size < m:
        k = int(1.3 * (m - keys.size)) + 1000
        a, b = rng.choice(n, size=k, p=prob), rng.choice(n, size=k, p=prob)
        a, b = np.minimum(a, b), np.maximum(a, b)
        new = (a * np.int64(n) + b)[a != b]
        keys = np.unique(np.concatenate([keys, new]))
    keys = rng.permutation(keys)[:m]
    return ig.Graph(n=n, edges=np.column_stack([keys // n, keys % n]).tolist())


def peak_rss_mib() -> tuple[float, float]:
    """Peak resident set size of this process and of its largest finished child, in MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children, in seconds."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(label: str, fn):
    start = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - start
    print(f"  {label:<44} {elapsed:9.2f} s")
    return result, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="vertices")
    parser.add_argument("--m", type=int, default=1_000_000, help="edges")
    parser.add_argument("--nulls", type=int, default=100, help="null graphs to refit")
    parser.add_argument("--n-jobs", type=int, default=2, help="processes for the nulls")
    parser.add_argument("--global-trades", type=int, default=10, help="curveball trades")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--skip-nulls", action="store_true", help="time the fits only")
    args = parser.parse_args()

    graph, t_build = timed("build Chung–Lu graph", lambda: chung_lu(args.n, args.m, args.seed))
    degree = np.asarray(graph.degree())
    print(
        f"n = {graph.vcount()}, m = {graph.ecount()}, max degree = {degree.max()}, "
        f"mean degree = {degree.mean():.1f}, seed = {args.seed}"
    )

    fit, t_cont = timed(
        "continuous BE fit (MINRES + rho + core)",
        lambda: borgatti_everett(graph, model="continuous", n_nulls=0, seed=args.seed),
    )
    print(f"    rho = {fit.rho:.6f}, n_core = {fit.n_core}  (target ≤ 60 s: {t_cont <= 60})")
    rho_d, _ = timed(
        "discrete BE fit (10 starts)", lambda: core_periphery_strength(graph, seed=args.seed)
    )
    print(f"    rho = {rho_d:.6f}")
    cores, _ = timed("k-cores (igraph)", lambda: coreness(graph))
    print(f"    max coreness = {cores['coreness'].max()}")
    graph.es["weight"] = [1.0] * graph.ecount()
    timed("s-cores (heap peeling, unit weights)", lambda: coreness(graph, weighted=True))
    rc, _ = timed("rich club, raw", lambda: rich_club(graph, n_randomisations=0))
    print(f"    degrees = {rc.height}, phi(k = 100) = {rc['phi'][100]:.4f}")
    own, _ = peak_rss_mib()
    print(f"  peak RSS so far: {own:.0f} MiB")

    if not args.skip_nulls:
        cpu_before = cpu_seconds()
        test, t_nulls = timed(
            f"continuous BE + {args.nulls} nulls on {args.n_jobs} processes",
            lambda: borgatti_everett(
                graph,
                model="continuous",
                n_nulls=args.nulls,
                global_trades=args.global_trades,
                seed=args.seed,
                n_jobs=args.n_jobs,
            ),
        )
        cpu = cpu_seconds() - cpu_before
        per_null = t_nulls / max(args.nulls, 1)
        print(
            f"    p = {test.p_value:.4f}, null rho = {test.null_rho_mean:.6f} ± "
            f"{test.null_rho_sd:.6f}, z = {test.z:.2f}\n"
            f"    {per_null:.2f} s wall per null; CPU {cpu:.0f} s in all "
            f"({cpu / max(args.nulls, 1):.2f} s per null, {cpu / t_nulls:.2f} cores busy on "
            f"average); 100 nulls projected at {100 * per_null:.0f} s wall here, "
            f"{100 * cpu / max(args.nulls, 1) / args.n_jobs:.0f} s on {args.n_jobs} idle cores "
            "(target ≤ 600 s)"
        )
    own, children = peak_rss_mib()
    print(f"peak RSS: this process {own:.0f} MiB, largest worker {children:.0f} MiB")


if __name__ == "__main__":
    main()
