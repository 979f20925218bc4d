"""Benchmark: netdyn's ingest against DuckDB's own bulk load of the same file.

One run generates (or reuses) a 10-million-line edge list and a 1-million-post MoltBook NDJSON
file with ``benchmarks/generate.py``, then measures, each in a separate subprocess (so each
peak RSS is that measurement's own) and on a fresh database file:

edge list
    * ``duckdb read_csv (defaults)``: ``create table t as select * from read_csv(file)``, all
      auto-detection. DuckDB's sniffer does not recognise the single-space delimiter: it
      loads one VARCHAR column per line and takes the first line as a header.
    * ``duckdb read_csv (delim, auto types)``: ``read_csv(file, delim=' ', header=false)``;
      the types are sniffed (three BIGINT columns).
    * ``duckdb read_csv (explicit types)``: ``read_csv(file, delim=' ', header=false,
      columns={'src': 'VARCHAR', 'dst': 'VARCHAR', 'ts': 'BIGINT'})``, the types netdyn
      stores (actor ids are text).
    * ``netdyn ingest edgelist``: ``netdyn.ingest.load.ingest_path(con, 'edgelist', file)`` on a
      fresh netdyn database (``netdyn.store.db.connect``): hashing, parsing, validation, keys for
      repeated lines, duplicate checks, quarantine and batch bookkeeping included.
MoltBook posts
    * ``duckdb read_json``: ``read_json(file, format='newline_delimited')`` (auto-detected
      nested types).
    * ``netdyn ingest moltbook-api``: ``ingest_path(con, 'moltbook-api', file)``.

Every measurement ends with a ``checkpoint`` (included in its time), so both sides have
written their table to the database file. Rates are *input records* per second (lines of
the file: edges, posts); netdyn also reports the events it stored. The ratio column is
netdyn's rate divided by each DuckDB variant's rate in the same repeat; in brackets the same
ratio computed from CPU time (user + system, all threads, of the timed part): on a shared
machine CPU time is much less disturbed by other work than wall time. Each measurement is
repeated ``--repeats`` times (default 2), interleaved, and every repeat is printed: the
machine is shared, so expect noise.

netdyn opens its database with ``netdyn.store.db.connect``, which sets DuckDB's ``memory_limit``
(``netdyn.store.db.DEFAULT_MEMORY_LIMIT``, or ``$NETDYN_MEMORY_LIMIT``) and leaves ``threads`` at
DuckDB's default (one per core). The DuckDB baselines run with DuckDB's defaults (a memory
limit of 80 % of physical RAM). The settings each measurement saw are printed.

Run from the repository root (the first run generates about 3.6 GB of data; later runs with
the same sizes and seed reuse it)::

    .venv/bin/python benchmarks/bench_ingest.py [--n-edges 10000000] [--n-posts 1000000] \
        [--seed 1] [--repeats 2] [--data-dir DIR] [--only edgelist|moltbook] [--out result.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
GENERATOR_VERSION = 1  # bump when generate.py's output changes, so cached files are not reused

CSV_TYPED = "{'src': 'VARCHAR', 'dst': 'VARCHAR', 'ts': 'BIGINT'}"
#: measurement name -> (dataset, label, DuckDB FROM clause or netdyn reader)
MEASUREMENTS: dict[str, tuple[str, str, str]] = {
    "duckdb-csv-defaults": ("edgelist", "duckdb read_csv (defaults)", "read_csv(?)"),
    "duckdb-csv-auto": (
        "edgelist",
        "duckdb read_csv (delim, auto types)",
        "read_csv(?, delim = ' ', header = false)",
    ),
    "duckdb-csv-typed": (
        "edgelist",
        "duckdb read_csv (explicit types)",
        f"read_csv(?, delim = ' ', header = false, columns = {CSV_TYPED})",
    ),
    "netdyn-edgelist": ("edgelist", "netdyn ingest edgelist", "edgelist"),
    "duckdb-json": (
        "moltbook",
        "duckdb read_json",
        "read_json(?, format = 'newline_delimited')",
    ),
    "netdyn-moltbook": ("moltbook", "netdyn ingest moltbook-api", "moltbook-api"),
}


# --- the measurement, in its own process ---------------------------------------------------


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    """User + system CPU time of this process so far, all threads (DuckDB's too)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _child(name: str, file: Path, db: Path, result: Path) -> None:
    """Run one measurement and write its numbers to ``result`` as JSON."""
    _, _, what = MEASUREMENTS[name]
    out: dict[str, Any] = {"measurement": name}
    if name.startswith("duckdb-"):
        import duckdb

        con = duckdb.connect(str(db))
        out["baseline_rss_mb"] = _rss_mb()
        cpu_started, started = _cpu_seconds(), time.perf_counter()
        con.execute(f"create table t as select * from {what}", [str(file)])
        loaded = time.perf_counter()
        con.execute("checkpoint")
        finished, cpu_finished = time.perf_counter(), _cpu_seconds()
        out["rows_stored"] = con.execute("select count(*) from t").fetchall()[0][0]
        out["columns"] = [
            f"{c} {t}"
            for c, t in con.execute("select column_name, column_type from (describe t)").fetchall()
        ][:8]
    else:
        from netdyn.ingest.load import ingest_path
        from netdyn.store.db import connect

        con = connect(db)
        out["baseline_rss_mb"] = _rss_mb()
        cpu_started, started = _cpu_seconds(), time.perf_counter()
        batches = ingest_path(con, what, file)
        loaded = time.perf_counter()
        con.execute("checkpoint")
        finished, cpu_finished = time.perf_counter(), _cpu_seconds()
        out["n_batches"] = len(batches)
        out["statuses"] = sorted({b.status for b in batches})
        for key in ("n_read", "n_inserted", "n_duplicate", "n_quarantined"):
            out[key] = sum(getattr(b, key) for b in batches)
        out["rows_stored"] = out["n_inserted"]
    out["threads"], out["memory_limit"] = con.execute(
        "select current_setting('threads'), current_setting('memory_limit')"
    ).fetchall()[0]
    out["duckdb_version"] = con.execute("select version()").fetchall()[0][0]
    con.close()
    out["load_seconds"] = loaded - started
    out["checkpoint_seconds"] = finished - loaded
    out["seconds"] = finished - started
    out["cpu_seconds"] = cpu_finished - cpu_started
    out["child_peak_rss_mb"] = _rss_mb()
    result.write_text(json.dumps(out))


def _measure(name: str, file: Path, work: Path) -> dict[str, Any]:
    """Run ``name`` in a fresh subprocess on a fresh database; add its peak RSS (wait4)."""
    db_dir = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=work))
    result = db_dir / "result.json"
    command = [sys.executable, str(Path(__file__).resolve()), "--child", name]
    command += ["--file", str(file), "--db", str(db_dir / "bench.duckdb"), "--result", str(result)]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=HERE.parent)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    try:
        if process.returncode != 0:
            raise RuntimeError(f"{name} failed with exit code {process.returncode}")
        measured = json.loads(result.read_text())
        measured["db_size_mb"] = sum(
            p.stat().st_size for p in db_dir.glob("bench.duckdb*") if p.is_file()
        ) / (1 << 20)
    finally:
        shutil.rmtree(db_dir, ignore_errors=True)
    measured["peak_rss_mb"] = usage.ru_maxrss / 1024  # KB on Linux
    measured["process_seconds"] = wall
    return measured


# --- data -------------------------------------------------------------------------------------


def _dataset(kind: str, n: int, seed: int, data_dir: Path) -> Path:
    """The generated file for (kind, n, seed), generated unless it exists already."""
    suffix = "txt" if kind == "edgelist" else "ndjson"
    path = data_dir / f"{kind}-v{GENERATOR_VERSION}-n{n}-seed{seed}.{suffix}"
    if not path.exists():
        print(f"generating {path} ...", flush=True)
        command = [sys.executable, str(HERE / "generate.py"), "--kind", kind, "--n", str(n)]
        subprocess.run([*command, "--seed", str(seed), "--out", str(path)], check=True)
    return path


def _count_lines(path: Path) -> int:
    n = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 24):
            n += block.count(b"\n")
    return n


# --- report ----------------------------------------------------------------------------------


def _table(records: list[dict[str, Any]]) -> str:
    head = (
        f"{'repeat':>6}  {'measurement':<36} {'input records':>13} {'rows stored':>12} "
        f"{'seconds':>8} {'CPU s':>7} {'records/s':>11} {'peak RSS MB':>11}  "
        "netdyn rate / this rate (CPU-time ratio)"
    )
    lines = [head, "-" * len(head)]
    for r in records:
        ratio = r.get("ratio_netdyn_over_this")
        lines.append(
            f"{r['repeat']:>6}  {r['label']:<36} {r['input_records']:>13,} {r['rows_stored']:>12,} "
            f"{r['seconds']:>8.2f} {r['cpu_seconds']:>7.2f} {r['records_per_second']:>11,.0f} "
            f"{r['peak_rss_mb']:>11,.0f}  "
            + (f"{ratio:.3f} ({r['cpu_ratio_netdyn_over_this']:.3f})" if ratio is not None else "")
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-edges", type=int, default=10_000_000)
    parser.add_argument("--n-posts", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "netdyn-bench",
        help="where generated files are kept and reused (default: a folder in the temp dir)",
    )
    parser.add_argument("--only", choices=("edgelist", "moltbook"), help="one dataset only")
    parser.add_argument("--out", type=Path, help="also write the results as JSON here")
    parser.add_argument("--child", choices=sorted(MEASUREMENTS), help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child, args.file, args.db, args.result)
        return

    args.data_dir.mkdir(parents=True, exist_ok=True)
    sizes = {"edgelist": args.n_edges, "moltbook": args.n_posts}
    kinds = [args.only] if args.only else ["edgelist", "moltbook"]
    files = {kind: _dataset(kind, sizes[kind], args.seed, args.data_dir) for kind in kinds}
    work = Path(tempfile.mkdtemp(prefix="netdyn-bench-db-", dir=args.data_dir))
    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / (1 << 30):.1f} GiB RAM"
    )
    for kind, path in files.items():
        print(f"{kind}: {path} ({path.stat().st_size / 1e6:,.1f} MB, {sizes[kind]:,} records)")
    records: list[dict[str, Any]] = []
    try:
        for repeat in range(1, args.repeats + 1):
            for kind in kinds:
                names = [n for n, (k, _, _) in MEASUREMENTS.items() if k == kind]
                measured = {}
                for name in names:
                    print(f"repeat {repeat}: {name} ...", flush=True)
                    measured[name] = _measure(name, files[kind], work)
                netdyn = next(m for n, m in measured.items() if n.startswith("netdyn-"))
                for name, m in measured.items():
                    m.update(
                        repeat=repeat,
                        dataset=kind,
                        label=MEASUREMENTS[name][1],
                        file=str(files[kind]),
                        input_records=sizes[kind],
                    )
                    m["records_per_second"] = sizes[kind] / m["seconds"]
                for m in measured.values():
                    if not m["measurement"].startswith("netdyn-"):
                        m["ratio_netdyn_over_this"] = (
                            netdyn["records_per_second"] / m["records_per_second"]
                        )
                        m["cpu_ratio_netdyn_over_this"] = m["cpu_seconds"] / netdyn["cpu_seconds"]
                records.extend(measured.values())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    records.sort(
        key=lambda r: (r["dataset"], r["repeat"], list(MEASUREMENTS).index(r["measurement"]))
    )
    print()
    print(_table(records))
    settings = {(r["label"], r["duckdb_version"], r["threads"], r["memory_limit"]) for r in records}
    for label, version, threads, memory_limit in sorted(settings):
        print(f"{label}: DuckDB {version}, threads = {threads}, memory_limit = {memory_limit}")
    for r in records:
        if r["measurement"].startswith("netdyn-"):
            print(
                f"repeat {r['repeat']} {r['label']}: {r['n_batches']} batches, "
                f"read {r['n_read']:,}, inserted {r['n_inserted']:,}, "
                f"duplicate {r['n_duplicate']:,}, quarantined {r['n_quarantined']:,}; "
                f"load {r['load_seconds']:.2f} s + checkpoint {r['checkpoint_seconds']:.2f} s; "
                f"{r['n_inserted'] / r['seconds']:,.0f} events/s; "
                f"database {r['db_size_mb']:,.0f} MB"
            )
        elif r["measurement"] in ("duckdb-csv-defaults", "duckdb-json"):
            print(f"repeat {r['repeat']} {r['label']}: columns {', '.join(r['columns'])[:200]}")
    if args.out:
        summary = {
            "n_edges": args.n_edges,
            "n_posts": args.n_posts,
            "seed": args.seed,
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "measurements": records,
        }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(summary, indent=2))
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
