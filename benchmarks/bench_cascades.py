"""Benchmark: cascade metrics for 10 million events in 1 million trees (issue 5).

Generates a seeded forest in memory — ``--trees`` roots whose sizes follow a discrete power
law (alpha 2.3, so a few trees have thousands of nodes and most a handful), ``--events`` nodes
in all, each non-root node attached to a uniformly chosen earlier node of its tree (a random
recursive tree), with times growing along the tree — then times
:func:`netdyn.analytics.cascades.compute_cascades` on it (size, depth, max breadth, structural
virality, lifetime, time to 50 % / 90 %, distinct actors, per-node depth and delay).
The run happens in a child process so its peak resident memory (``ru_maxrss``) is the
computation's own, generation included.

Run from the repository root::

    .venv/bin/python benchmarks/bench_cascades.py [--events 10000000] [--trees 1000000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np
import polars as pl


def forest(n_events: int, n_trees: int, seed: int) -> pl.DataFrame:
    """Canonical-looking item rows for a random forest (see the module docstring)."""
    rng = np.random.default_rng(seed)
    # tree sizes: discrete power law rescaled so the sizes add up to n_events exactly
    if n_events < n_trees:
        raise ValueError("need at least one event per tree")
    weight = (1 - rng.random(n_trees)) ** (-1 / 1.3)  # Pareto tail, alpha = 2.3
    share = weight / weight.sum() * (n_events - n_trees)
    extra = np.floor(share).astype(np.int64)
    # hand the remaining nodes to the trees with the largest fractional shares
    remainder = n_events - n_trees - int(extra.sum())
    extra[np.argsort(extra - share, kind="stable")[:remainder]] += 1
    sizes = 1 + extra
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    tree_of = np.repeat(np.arange(n_trees), sizes)
    pos = np.arange(n_events) - starts[tree_of]  # position inside the tree (0 = root)
    # parent: a uniformly chosen earlier node of the same tree (random recursive tree)
    parent_pos = np.floor(rng.random(n_events) * np.maximum(pos, 1)).astype(np.int64)
    parent = np.where(pos > 0, starts[tree_of] + parent_pos, -1)
    ids = pl.Series(np.arange(n_events)).cast(pl.String)
    delay = np.where(pos > 0, pos * 60.0 + rng.random(n_events), 0.0)
    frame = pl.DataFrame(
        {
            "event_seq": np.arange(1, n_events + 1, dtype=np.int64),
            "source": pl.Series(["bench"] * 1).extend_constant("bench", n_events - 1),
            "object_id": ids,
            "parent_object_id": pl.Series(parent).cast(pl.String),
            "root_object_id": pl.Series(starts[tree_of]).cast(pl.String),
            "actor_id": pl.Series(rng.integers(0, n_events // 10 + 1, n_events)).cast(pl.String),
            "community": pl.Series(["c"] * 1).extend_constant("c", n_events - 1),
            "seconds_since_root": delay,
        }
    )
    return frame.with_columns(
        parent_object_id=pl.when(pl.Series(parent) >= 0).then(pl.col("parent_object_id")),
        occurred_at=pl.lit(None, dtype=pl.Datetime("us", "UTC")),
    )


def child(n_events: int, n_trees: int, seed: int) -> None:
    from netdyn.analytics.cascades import compute_cascades

    start = time.perf_counter()
    items = forest(n_events, n_trees, seed)
    generated = time.perf_counter() - start
    start = time.perf_counter()
    result = compute_cascades(items)
    elapsed = time.perf_counter() - start
    cascades = result.cascades
    print(
        json.dumps(
            {
                "events": n_events,
                "trees": cascades.height,
                "nodes_in_trees": result.nodes.height,
                "largest": int(cascades["size"].max()),
                "max_depth": int(cascades["depth"].max()),
                "generate_seconds": round(generated, 2),
                "compute_seconds": round(elapsed, 2),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
        )
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--trees", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.events, args.trees, args.seed)
        return
    cmd = [sys.executable, __file__, "--child", "--events", str(args.events)]
    cmd += ["--trees", str(args.trees), "--seed", str(args.seed)]
    out = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    print(
        f"compute_cascades: {out['events']:,} events in {out['trees']:,} trees "
        f"(largest {out['largest']:,} nodes, deepest {out['max_depth']}): "
        f"{out['compute_seconds']:.1f} s, peak RSS {out['peak_rss_mb']:,} MB "
        f"(generation {out['generate_seconds']:.1f} s included in RSS, not in time)"
    )


if __name__ == "__main__":
    main()
