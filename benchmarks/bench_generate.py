"""Benchmark: generate 10 million synthetic events with the branching model and write them.

Generates a :mod:`netdyn.sim.branching` log of about ``--events`` events (``n_roots`` from
:meth:`netdyn.sim.branching.BranchingParams.for_events`: ``events · (1 − branching_ratio)`` roots,
``--actors`` actors, default one per ten events) and appends it to a fresh netdyn DuckDB file
(:func:`netdyn.store.db.connect`, then :func:`netdyn.ingest.load.ingest_chunk` — validation,
duplicate checks and batch bookkeeping included). The log is generated in chunks of
``--blocks-per-chunk`` generation blocks (default 1; ``block_roots`` = 65,536 roots, about 655,000
events at branching ratio 0.9), each chunk its own batch, so memory stays bounded;
``--blocks-per-chunk 0`` generates the whole log as one chunk and one batch.

Generation time (the simulator, up to the canonical polars frame) and write time
(``ingest_chunk`` of every chunk, plus a final ``checkpoint``) are measured separately. The
run happens in a child process so its peak resident memory (``ru_maxrss``) is the run's own.
Targets (issue 7): at most 60 s and 2 GB for 10 million events.

Run from the repository root::

    .venv/bin/python benchmarks/bench_generate.py [--events 10000000] [--actors N] \
        [--branching-ratio 0.9] [--blocks-per-chunk 1] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 60.0
TARGET_RSS_MB = 2048.0


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(args: argparse.Namespace) -> None:
    """Generate and write in this process; print the figures as one JSON line."""
    from netdyn.ingest.load import ingest_chunk
    from netdyn.sim.branching import BranchingParams, iter_branching_chunks, simulate_branching
    from netdyn.store.db import connect

    params = BranchingParams.for_events(
        args.events,
        n_actors=args.actors or max(1, args.events // 10),
        branching_ratio=args.branching_ratio,
        seed=args.seed,
    )
    baseline = _rss_mb()
    if args.blocks_per_chunk > 0:
        chunks = iter_branching_chunks(params, blocks_per_chunk=args.blocks_per_chunk)
    else:  # the whole log as one chunk
        chunks = (simulate_branching(params) for _ in range(1))
    generate_s = write_s = 0.0
    n_rows = n_inserted = n_quarantined = n_batches = 0
    chunk_rss: list[float] = []
    with tempfile.TemporaryDirectory(prefix="netdyn-bench-generate-") as tmp:
        db = Path(tmp) / "sim.duckdb"
        con = connect(db)
        try:
            while True:
                started = time.perf_counter()
                chunk = next(chunks, None)
                if chunk is None:
                    break
                generate_s += time.perf_counter() - started
                n_rows += len(chunk.rows)
                started = time.perf_counter()
                result = ingest_chunk(con, chunk, source=params.source_label, reader="branching")
                write_s += time.perf_counter() - started
                del chunk
                n_inserted += result.n_inserted
                n_quarantined += result.n_quarantined
                n_batches += 1
                chunk_rss.append(round(_rss_mb()))
            started = time.perf_counter()
            con.execute("checkpoint")
            write_s += time.perf_counter() - started
            stored = con.execute("select count(*) from events").fetchone()[0]
            settings = con.execute(
                "select current_setting('memory_limit'), current_setting('threads')"
            ).fetchone()
        finally:
            con.close()
        db_mb = db.stat().st_size / 2**20
    print(
        json.dumps(
            {
                "events": n_rows,
                "stored": stored,
                "inserted": n_inserted,
                "quarantined": n_quarantined,
                "batches": n_batches,
                "n_roots": params.n_roots,
                "n_actors": params.n_actors,
                "generate_seconds": round(generate_s, 2),
                "write_seconds": round(write_s, 2),
                "peak_rss_mb": round(_rss_mb()),
                "baseline_rss_mb": round(baseline),
                "rss_after_each_batch_mb": chunk_rss,
                "database_mb": round(db_mb),
                "duckdb_memory_limit": settings[0],
                "duckdb_threads": settings[1],
            }
        )
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--actors", type=int, default=0, help="default: events // 10")
    parser.add_argument("--branching-ratio", type=float, default=0.9)
    parser.add_argument("--blocks-per-chunk", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args)
        return
    cmd = [sys.executable, __file__, "--child", "--events", str(args.events)]
    cmd += ["--actors", str(args.actors), "--branching-ratio", str(args.branching_ratio)]
    cmd += ["--blocks-per-chunk", str(args.blocks_per_chunk), "--seed", str(args.seed)]
    run = subprocess.run(cmd, check=True, capture_output=True, text=True)
    out = json.loads(run.stdout.strip().splitlines()[-1])
    total = out["generate_seconds"] + out["write_seconds"]
    ok_time = total <= TARGET_SECONDS
    ok_rss = out["peak_rss_mb"] <= TARGET_RSS_MB
    print(
        f"branching model: {out['events']:,} events ({out['n_roots']:,} roots, "
        f"{out['n_actors']:,} actors) in {out['batches']} batches; stored {out['stored']:,}, "
        f"quarantined {out['quarantined']:,}\n"
        f"generate {out['generate_seconds']:.1f} s + write {out['write_seconds']:.1f} s = "
        f"{total:.1f} s (target {TARGET_SECONDS:.0f} s: {'met' if ok_time else 'MISSED'}); "
        f"peak RSS {out['peak_rss_mb']:,} MB (target {TARGET_RSS_MB:,.0f} MB: "
        f"{'met' if ok_rss else 'MISSED'}); database {out['database_mb']:,} MB; "
        f"DuckDB memory_limit {out['duckdb_memory_limit']}, threads {out['duckdb_threads']}\n"
        f"RSS after each batch (MB): {out['rss_after_each_batch_mb']}"
    )


if __name__ == "__main__":
    main()
