"""What each step of a run cost: wall seconds, CPU seconds and the memory high-water mark.

A flow's steps (:func:`netdyn.flows.engine.step`) are measured with :func:`measure`; while
a run is recorded (:func:`netdyn.store.runs.recorded_run`) the measurements are collected
(:func:`collect`) and stored as the run's rows of ``run_steps``, so "which step took the
time" is one SQL query away (``select * from run_steps where run_id = ?``), for a run that
failed as well as one that completed. A collection's ``on_step`` callback receives each step
as soon as it ends, which is how a run writes its row at once and keeps it even if the
process is killed later. Outside :func:`collect` nothing is kept.

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

import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from netdyn.core.errors import InvalidInputError

__all__ = ["StepTime", "collect", "measure", "peak_rss_bytes"]

log = logging.getLogger(__name__)


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


#: The steps of the current collection and the callback told of each as it ends.
_collector: ContextVar[tuple[list[StepTime], Callable[[StepTime], None] | None] | None] = (
    ContextVar("netdyn_step_times", default=None)
)


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
def collect(on_step: Callable[[StepTime], None] | None = None) -> Iterator[list[StepTime]]:
    """Collect the steps measured in the block (nested blocks collect into their own list).

    Parameters
    ----------
    on_step : callable, optional
        Called with each :class:`StepTime` as soon as its step ends (after it is appended to
        the list), on the thread that ran the step: e.g. to write it to the database before
        the next step starts. An exception it raises is logged and ignored: recording the
        cost of a step must never fail the step.

    Yields
    ------
    list of StepTime
        The steps measured so far, in the order they ended (filled in as the block runs).

    Raises
    ------
    InvalidInputError
        If ``on_step`` is neither callable nor None.

    Examples
    --------
    >>> ended = []
    >>> with collect(on_step=lambda s: ended.append(s.step)) as steps:
    ...     with measure("first"):
    ...         seen_inside = list(ended)
    ...     with measure("second"):
    ...         seen_inside.append(list(ended))
    >>> seen_inside, ended, [s.position for s in steps]
    ([['first']], ['first', 'second'], [0, 1])
    """
    if on_step is not None and not callable(on_step):
        raise InvalidInputError(f"on_step must be callable or None; got {type(on_step).__name__}")
    steps: list[StepTime] = []
    token = _collector.set((steps, on_step))
    try:
        yield steps
    finally:
        _collector.reset(token)


@contextmanager
def measure(step: str) -> Iterator[None]:
    """Measure the block as one step of the current collection (a no-op outside one).

    The step's :class:`StepTime` is appended when the block ends, normally or by an
    exception (then ``ok`` is False), and handed to the collection's ``on_step``.
    """
    current = _collector.get()
    if current is None:
        yield
        return
    steps, on_step = current
    wall, cpu, ok = time.perf_counter(), _cpu(), False
    try:
        yield
        ok = True
    finally:
        measured = StepTime(
            step=step,
            position=len(steps),
            seconds=time.perf_counter() - wall,
            cpu_seconds=_cpu() - cpu,
            peak_rss_bytes=peak_rss_bytes(),
            ok=ok,
        )
        steps.append(measured)
        if on_step is not None:
            try:
                on_step(measured)
            except Exception:
                log.warning("could not record step %s as it ended", step, exc_info=True)
