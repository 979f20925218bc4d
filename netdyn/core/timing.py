"""What each step of a run cost: wall seconds, CPU seconds and the memory high-water mark.

A flow's steps (:func:`netdyn.flows.engine.step`) are measured with :func:`measure`; while
a run is recorded (:func:`netdyn.store.runs.recorded_run`) the measurements are collected
(:func:`collect`) and stored as the run's rows of ``run_steps``, so "which step took the
time" is one SQL query away (``select * from run_steps where run_id = ?``), for a run that
failed as well as one that completed. Outside :func:`collect` nothing is kept.

CPU seconds are user plus system time of this process and of the worker processes that ended
during the step (``os.times``: workers still alive are not counted). The memory figure is the
process's peak resident set size so far (``getrusage``), and the largest peak of any ended
worker: a high-water mark, so the step that raised it is the first one whose value jumps.

Examples
--------
>>> with collect() as steps:
...     with measure("sleep"):
...         pass
>>> [s.step for s in steps], steps[0].seconds >= 0
(['sleep'], True)
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

__all__ = ["StepTime", "collect", "measure", "peak_rss_bytes"]


@dataclass(frozen=True, slots=True)
class StepTime:
    """One measured step.

    Attributes
    ----------
    step : str
        The step's name (a Prefect task or flow name).
    position : int
        Its order in the run, from 0.
    seconds : float
        Wall-clock seconds.
    cpu_seconds : float
        User + system CPU seconds of this process and of workers that ended in the step.
    peak_rss_bytes : int
        Peak resident set size of this process (or of an ended worker) at the step's end.
    ok : bool
        False if the step raised.
    """

    step: str
    position: int
    seconds: float
    cpu_seconds: float
    peak_rss_bytes: int
    ok: bool


_collector: ContextVar[list[StepTime] | None] = ContextVar("netdyn_step_times", default=None)


def peak_rss_bytes() -> int:
    """Peak resident set size of this process and of its ended children, in bytes.

    Examples
    --------
    >>> peak_rss_bytes() > 0
    True
    """
    import resource

    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return int(max(own, children) * scale)


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


@contextmanager
def collect() -> Iterator[list[StepTime]]:
    """Collect the steps measured in the block (nested blocks collect into their own list)."""
    steps: list[StepTime] = []
    token = _collector.set(steps)
    try:
        yield steps
    finally:
        _collector.reset(token)


@contextmanager
def measure(step: str) -> Iterator[None]:
    """Measure the block as one step of the current collection (a no-op outside one)."""
    steps = _collector.get()
    if steps is None:
        yield
        return
    wall, cpu, ok = time.perf_counter(), _cpu(), False
    try:
        yield
        ok = True
    finally:
        steps.append(
            StepTime(
                step=step,
                position=len(steps),
                seconds=time.perf_counter() - wall,
                cpu_seconds=_cpu() - cpu,
                peak_rss_bytes=peak_rss_bytes(),
                ok=ok,
            )
        )
