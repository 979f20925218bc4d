"""Where netdyn's ingest of one file spends its time: wall time per SQL statement.

Runs :func:`netdyn.ingest.load.ingest_path` on a fresh database through a connection wrapper that
times every ``execute`` (the reader's staging statements, the event log's append), plus the
whole-file SHA-256, and prints one line per statement in order with its share of the total.
With ``--operators`` DuckDB's own profiler also reports, for each statement over 0.5 s, its
slowest operators.

Run from the repository root (the edge list from ``benchmarks/generate.py``)::

    .venv/bin/python benchmarks/profile_ingest.py --format edgelist --path edges.txt [--operators]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

import netdyn.ingest.load
from netdyn.ingest.load import ingest_path
from netdyn.store.db import connect


def _cpu_seconds() -> float:
    """User + system CPU time of this process so far, all threads (DuckDB's too)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _label(sql: str) -> str:
    """The first words of a statement, whitespace collapsed."""
    text = re.sub(r"\s+", " ", re.sub(r"--[^\n]*", "", sql)).strip()
    return text[:96]


class TimedConnection:
    """Forwards to a DuckDB connection and records the wall time of each ``execute``."""

    def __init__(self, con: duckdb.DuckDBPyConnection, profile_dir: Path | None) -> None:
        self._con = con
        self._profile_dir = profile_dir
        self.timings: list[tuple[str, float, float, list[tuple[str, float]]]] = []

    def execute(self, sql: str, parameters: Any = None) -> Any:
        output = None
        if self._profile_dir is not None:
            output = self._profile_dir / f"q{len(self.timings)}.json"
            self._con.execute(f"set profiling_output = '{output}'")
        cpu, started = _cpu_seconds(), time.perf_counter()
        result = (
            self._con.execute(sql) if parameters is None else self._con.execute(sql, parameters)
        )
        seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
        operators = _operators(output) if output is not None and seconds > 0.5 else []
        self.timings.append((_label(sql), seconds, cpu, operators))
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def _operators(path: Path) -> list[tuple[str, float]]:
    """The slowest operators of a DuckDB JSON profile as (name, seconds), and the statement's
    peak buffer memory as ("peak buffer memory (GB)", GB)."""
    try:
        profile = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    found: list[tuple[str, float]] = []

    def walk(node: dict[str, Any]) -> None:
        name = node.get("type") or node.get("operator_type") or "?"
        extra = node.get("extra_info") or {}
        detail = (
            extra.get("Function") or extra.get("Table") or "" if isinstance(extra, dict) else ""
        )
        seconds = node.get("timing", node.get("operator_timing")) or 0.0
        found.append((f"{name} {detail}".strip(), float(seconds)))
        for child in node.get("children", []):
            walk(child)

    roots = profile.get("operator") or profile.get("children") or []
    for root in roots if isinstance(roots, list) else [roots]:
        walk(root)
    top = sorted(found, key=lambda x: -x[1])[:4]
    peak = (profile.get("system") or {}).get("peak_buffer_memory")
    if peak is not None:
        top.append(("peak buffer memory (GB)", peak / 1e9))
    return top


def _timed(fn: Callable[..., Any], sink: list[float]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            sink.append(time.perf_counter() - started)

    return wrapper


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--format", default="edgelist", help="reader name (default edgelist)")
    parser.add_argument("--path", type=Path, required=True)
    parser.add_argument("--operators", action="store_true", help="DuckDB operator profile")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="netdyn-profile-") as work:
        con = connect(Path(work) / "netdyn.duckdb")
        profile_dir = None
        if args.operators:
            profile_dir = Path(work)
            con.execute("set enable_profiling = 'json'")
        timed = TimedConnection(con, profile_dir)
        hashing: list[float] = []
        netdyn.ingest.load.sha256_file = _timed(netdyn.ingest.load.sha256_file, hashing)
        started = time.perf_counter()
        results = ingest_path(timed, args.format, args.path)  # type: ignore[arg-type]
        total = time.perf_counter() - started
        checkpoint_started = time.perf_counter()
        con.execute("checkpoint")
        checkpoint = time.perf_counter() - checkpoint_started
        memory_limit, threads = con.execute(
            "select current_setting('memory_limit'), current_setting('threads')"
        ).fetchall()[0]
        con.close()
    n_read = sum(r.n_read for r in results)
    print(f"{args.format} {args.path}: {n_read:,} records in {total:.2f} s")
    print(f"{'wall s':>8} {'share':>6} {'CPU s':>7}  statement")
    hashed = sum(hashing)
    print(f"{hashed:8.3f} {hashed / total:6.1%} {'':>7}  sha256 of the file (load.py)")
    for label, seconds, cpu, operators in timed.timings:
        if seconds >= 0.01:
            print(f"{seconds:8.3f} {seconds / total:6.1%} {cpu:7.3f}  {label}")
            for name, op_seconds in operators:
                unit = "  " if name.startswith("peak") else " s"
                print(f"{'':24}    {op_seconds:7.3f}{unit}  {name}")
    small = [s for _, s, _, _ in timed.timings if s < 0.01]
    print(
        f"{sum(small):8.3f} {sum(small) / total:6.1%} {'':>7}  {len(small)} statements under 10 ms"
    )
    rest = total - hashed - sum(s for _, s, _, _ in timed.timings)
    print(
        f"{rest:8.3f} {rest / total:6.1%} {'':>7}  Python outside execute (reader, sniffing, ...)"
    )
    print(f"{checkpoint:8.3f} {'':>6} {'':>7}  checkpoint after the ingest (not in the total)")
    print(
        "operator times are DuckDB's CPU seconds summed over threads; "
        f"memory_limit = {memory_limit}, threads = {threads}"
    )


if __name__ == "__main__":
    main()
