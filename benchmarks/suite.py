"""The platform-scale benchmarks of issue 14, one command, one table.

Each benchmark runs real ``netdyn`` commands in a fresh temporary folder under
``/usr/bin/time -v`` and reads, per command, the wall time, the CPU seconds (user + system,
children included) and the peak resident set size (the largest of the process and its
children). Analyses also report each step's time from ``run_steps`` (see docs/tables.md).
A benchmark that misses its target is reported with its figure and ``MISSED``; one that
fails or times out is reported as such, never hidden.

* ``start``: ``netdyn --help``, an argument error and ``netdyn status``, the median of 3 runs
  each. Target ≤ 3 s each.
* ``default-run``: ``netdyn run`` (the embedded ~100 k-event simulation), start to report.
  Target ≤ 40 s wall, ≤ 60 CPU-s, ≤ 1 GB.
* ``reddit-college``: ingest ``../shared/data/reddit-college`` with
  ``examples/reddit-college.toml``, the full default analysis and the report. ≤ 3 min, ≤ 3 GB.
* ``twitter15-16``: ingest Twitter15/16, full default analysis, report. ≤ 5 min, ≤ 4 GB.
* ``scale-1e5``, ``scale-1e6``, ``scale-1e7``: a branching-model log of 10^5, 10^6, 10^7 events
  (one actor per ten events) written with :mod:`netdyn.sim.branching` (not timed), then
  ``netdyn analyze`` with the default options. 1e7: ≤ 20 min, ≤ 8 GB.
* ``make-test``: ``make test`` in the checkout. ≤ 6 min.

The growth exponent of each analysis step between the scale benchmarks that ran is
``log(t2 / t1) / log(n2 / n1)`` (1: linear in events).

Run from the repository root (``--only`` repeatable; default: all)::

    .venv/bin/python benchmarks/suite.py [--only start --only default-run] \
        [--data ../shared/data] [--timeout 3600] [--out benchmarks/last-run.md]

The machine's load (``/proc/loadavg``) is printed before and after each benchmark: figures
taken under load are slower and say so.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NETDYN = str(Path(sys.executable).parent / "netdyn")
GIB = 2**30


@dataclass
class Measure:
    """One command's cost."""

    wall: float
    cpu: float
    rss: int  # bytes
    ok: bool
    tail: str = ""


@dataclass
class Outcome:
    """One benchmark's figures against its target."""

    name: str
    target: str
    wall: float = math.nan
    cpu: float = math.nan
    rss: int = 0
    status: str = "not run"
    detail: str = ""
    load: str = ""
    steps: list[tuple[str, float, float, int]] = field(default_factory=list)
    n_events: int = 0


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def timed(cmd: list[str], cwd: Path, timeout: float, env: dict | None = None) -> Measure:
    """Run ``cmd`` under ``/usr/bin/time -v``; its wall, CPU and peak RSS."""
    report = cwd / f".time-{time.monotonic_ns()}"
    full = ["/usr/bin/time", "-v", "-o", str(report), *cmd]
    started = time.perf_counter()
    # a session of its own, so a timeout stops the command and its workers, not just `time`
    proc = subprocess.Popen(
        full, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        start_new_session=True,
    )  # fmt: skip
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
        ok, tail = proc.returncode == 0, (stderr or stdout)[-600:]
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return Measure(
            time.perf_counter() - started, math.nan, 0, False, f"timed out ({timeout:g} s)"
        )
    text = report.read_text() if report.exists() else ""

    def field_value(label: str) -> float:
        m = re.search(rf"{re.escape(label)}: ([0-9.:]+)", text)
        return float(m.group(1)) if m and ":" not in m.group(1) else math.nan

    wall = time.perf_counter() - started
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([0-9:.]+)", text)
    if m:
        parts = [float(p) for p in m.group(1).split(":")]
        wall = sum(p * 60**i for i, p in enumerate(reversed(parts)))
    cpu = field_value("User time (seconds)") + field_value("System time (seconds)")
    rss = int(field_value("Maximum resident set size (kbytes)") * 1024) if text else 0
    return Measure(wall, cpu, rss, ok, tail)


def steps_of(db: Path, flow: str = "analyze") -> tuple[list[tuple[str, float, float, int]], int]:
    """The last ``flow`` run's steps (name, seconds, CPU seconds, peak RSS bytes so far) and
    its number of events."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        run = con.execute(
            "select run_id from runs where flow = ? order by started_at desc limit 1", [flow]
        ).fetchall()
        if not run:
            return [], 0
        steps = con.execute(
            "select step, seconds, cpu_seconds, peak_rss_bytes from run_steps where run_id = ? "
            "order by position",
            [run[0][0]],
        ).fetchall()
        n = con.execute(
            "select count(*) from events where source in "
            "(select unnest(sources) from runs where run_id = ?)",
            [run[0][0]],
        ).fetchall()[0][0]
        return [(s, float(t), float(c), int(r)) for s, t, c, r in steps], int(n)
    finally:
        con.close()


def verdict(
    out: Outcome, wall: float | None, cpu: float | None = None, gib: float | None = None
) -> None:
    missed = []
    if wall is not None and not out.wall <= wall:
        missed.append(f"wall {out.wall:.0f} s > {wall:g} s")
    if cpu is not None and not out.cpu <= cpu:
        missed.append(f"CPU {out.cpu:.0f} s > {cpu:g} s")
    if gib is not None and not out.rss <= gib * GIB:
        missed.append(f"RSS {out.rss / GIB:.2f} GB > {gib:g} GB")
    if wall is None and cpu is None and gib is None:
        out.status = "measured (no target)"
    else:
        out.status = "MISSED: " + "; ".join(missed) if missed else "met"


def run_sequence(out: Outcome, cmds: list[list[str]], cwd: Path, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    out.wall, out.cpu, out.rss = 0.0, 0.0, 0
    for cmd in cmds:
        m = timed(cmd, cwd, max(1.0, deadline - time.monotonic()))
        out.wall += m.wall
        out.cpu += m.cpu
        out.rss = max(out.rss, m.rss)
        if not m.ok:
            out.status = "FAILED"
            last = m.tail.strip().splitlines()[-1] if m.tail.strip() else "no output"
            out.detail = f"`{' '.join(cmd[:3])} ...`: {last}"
            return False
    return True


def bench_start(out: Outcome, work: Path, timeout: float, data: Path) -> None:
    db = work / "start.duckdb"
    subprocess.run([NETDYN, "--quiet", "simulate", "--n-events", "500", "--db", str(db)],
                   cwd=work, capture_output=True, check=True)  # fmt: skip
    cases = {
        "--help": [NETDYN, "--help"],
        "argument error": [NETDYN, "run", "--source", "nosuch", "--path", "x"],
        "status": [NETDYN, "status", "--db", str(db)],
    }
    figures = {}
    for label, cmd in cases.items():
        walls = [timed(cmd, work, timeout).wall for _ in range(3)]
        figures[label] = statistics.median(walls)
    out.wall = max(figures.values())
    out.cpu = math.nan
    out.detail = ", ".join(f"{k} {v:.2f} s" for k, v in figures.items())
    out.status = "met" if out.wall <= 3.0 else f"MISSED: slowest {out.wall:.2f} s > 3 s"


def bench_default_run(out: Outcome, work: Path, timeout: float, data: Path) -> None:
    db = work / "default.duckdb"
    cmd = [NETDYN, "--quiet", "run", "--db", str(db), "--reports-dir", str(work / "reports")]
    if run_sequence(out, [cmd], work, timeout):
        out.steps, out.n_events = steps_of(db)
        verdict(out, 40, 60, 1)


def bench_reddit(out: Outcome, work: Path, timeout: float, data: Path) -> None:
    db = work / "reddit.duckdb"
    cmd = [NETDYN, "--quiet", "run", "--source", "table",
           "--options-file", str(REPO / "examples" / "reddit-college.toml"),
           "--path", str(data / "reddit-college"), "--label", "reddit-college",
           "--db", str(db), "--reports-dir", str(work / "reports")]  # fmt: skip
    if run_sequence(out, [cmd], work, timeout):
        out.steps, out.n_events = steps_of(db)
        verdict(out, 180, None, 3)


def bench_twitter(out: Outcome, work: Path, timeout: float, data: Path) -> None:
    db = work / "twitter.duckdb"
    archive = data / "twitter15-16-propagation-trees" / "Twitter15_16_dataset.tar.gz"
    cmd = [NETDYN, "--quiet", "run", "--source", "twitter15-16", "--path", str(archive),
           "--db", str(db), "--reports-dir", str(work / "reports")]  # fmt: skip
    if run_sequence(out, [cmd], work, timeout):
        out.steps, out.n_events = steps_of(db)
        verdict(out, 300, None, 4)


_WRITE_BRANCHING = """
import sys
from netdyn.ingest.load import ingest_chunk
from netdyn.sim.branching import BranchingParams, iter_branching_chunks
from netdyn.store.db import connect
n = int(sys.argv[2])
params = BranchingParams.for_events(n, n_actors=max(1, n // 10), seed=1)
con = connect(sys.argv[1])
for chunk in iter_branching_chunks(params, blocks_per_chunk=1):
    ingest_chunk(con, chunk, source=params.source_label, reader="branching")
con.execute("checkpoint")
con.close()
"""


def bench_scale(n: int):
    def bench(out: Outcome, work: Path, timeout: float, data: Path) -> None:
        db = work / f"scale-{n}.duckdb"
        write = [sys.executable, "-c", _WRITE_BRANCHING, str(db), str(n)]
        started = time.monotonic()
        m = timed(write, work, timeout)
        if not m.ok:
            out.status, out.detail = "FAILED", f"writing the log: {m.tail.strip()[-300:]}"
            return
        out.detail = f"writing the log (not counted): {m.wall:.0f} s, {m.rss / GIB:.2f} GB"
        cmd = [
            NETDYN,
            "--quiet",
            "analyze",
            "--db",
            str(db),
            "--reports-dir",
            str(work / "reports"),
        ]
        if run_sequence(out, [cmd], work, timeout - (time.monotonic() - started)):
            out.steps, out.n_events = steps_of(db)
            verdict(out, 1200 if n >= 10**7 else None, None, 8 if n >= 10**7 else None)

    return bench


def bench_make_test(out: Outcome, work: Path, timeout: float, data: Path) -> None:
    if run_sequence(out, [["make", "-C", str(REPO), "test"]], work, timeout):
        verdict(out, 360)


BENCHMARKS = {
    "start": ("≤ 3 s each", bench_start),
    "default-run": ("≤ 40 s, ≤ 60 CPU-s, ≤ 1 GB", bench_default_run),
    "reddit-college": ("≤ 3 min, ≤ 3 GB", bench_reddit),
    "twitter15-16": ("≤ 5 min, ≤ 4 GB", bench_twitter),
    "scale-1e5": ("(growth)", bench_scale(10**5)),
    "scale-1e6": ("(growth)", bench_scale(10**6)),
    "scale-1e7": ("≤ 20 min, ≤ 8 GB", bench_scale(10**7)),
    "make-test": ("≤ 6 min", bench_make_test),
}


def growth_table(outcomes: list[Outcome]) -> list[str]:
    """Each step's growth exponent between consecutive scale benchmarks that ran."""
    scale = [o for o in outcomes if o.name.startswith("scale-") and o.steps and o.n_events]
    if len(scale) < 2:
        return []
    lines = ["", "| step | " + " | ".join(
        f"{a.name}→{b.name}" for a, b in zip(scale, scale[1:], strict=False)) + " |",
        "|---|" + "---|" * (len(scale) - 1)]  # fmt: skip
    names = [s for s, *_ in scale[0].steps]
    for name in names:
        cells = []
        for a, b in zip(scale, scale[1:], strict=False):
            ta = next((t for s, t, *_ in a.steps if s == name), math.nan)
            tb = next((t for s, t, *_ in b.steps if s == name), math.nan)
            if ta > 0.05 and tb > 0:
                cells.append(f"{math.log(tb / ta) / math.log(b.n_events / a.n_events):.2f}")
            else:
                cells.append("(too fast to tell)")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def table(outcomes: list[Outcome]) -> str:
    lines = [
        "| work | target | wall s | CPU s | peak RSS GB | outcome | load before → after | notes |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for o in outcomes:
        cpu = "" if math.isnan(o.cpu) else f"{o.cpu:.0f}"
        lines.append(
            f"| {o.name} | {o.target} | {o.wall:.1f} | {cpu} | {o.rss / GIB:.2f} | {o.status} "
            f"| {o.load} | {o.detail} |"
        )
    for o in outcomes:
        if o.steps:
            lines += ["", f"**{o.name}** ({o.n_events:,} events), per step: wall s / CPU s "
                      "(CPU of this process and ended workers) / peak RSS GB so far: "
                      + ", ".join(f"{s} {t:.1f}/{c:.0f}/{r / GIB:.2f}"
                                  for s, t, c, r in o.steps)]  # fmt: skip
    lines += growth_table(outcomes)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=sorted(BENCHMARKS))
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per benchmark")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "last-run.md")
    args = parser.parse_args(argv)
    if not Path("/usr/bin/time").exists():
        print("error: /usr/bin/time is missing; install it (apt-get install time)", file=sys.stderr)
        return 2
    chosen = args.only or list(BENCHMARKS)
    outcomes = []
    for name in chosen:
        target, bench = BENCHMARKS[name]
        out = Outcome(name, target)
        before = load_average()
        work = Path(tempfile.mkdtemp(prefix=f"netdyn-bench-{name}-"))
        try:
            bench(out, work, args.timeout, args.data)
        except Exception as e:  # a broken benchmark is reported, not hidden
            out.status, out.detail = "FAILED", f"{type(e).__name__}: {e}"
        finally:
            shutil.rmtree(work, ignore_errors=True)
        out.load = f"{before} → {load_average()}"
        outcomes.append(out)
        print(f"{name}: {out.status} ({out.wall:.1f} s wall, {out.rss / GIB:.2f} GB)", flush=True)
    text = table(outcomes)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    print(json.dumps({"written": str(args.out)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
