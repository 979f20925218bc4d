"""Progress reporting that library code can call without knowing who, if anyone, listens.

Long steps (reading the files of a folder, appending the batches of a large file, generating
the blocks of a simulation) announce their progress here; a front end decides how to show
it. The command line installs a listener that draws ``rich`` progress bars on a terminal;
library code, tests and Prefect workers that install nothing pay one context-variable lookup
per step and nothing else.

The listener lives in a :class:`contextvars.ContextVar`, so it follows the call into the
threads Prefect runs tasks in (Prefect copies the context into its worker threads) and two
concurrent callers with different listeners do not see each other's events.

Usage, in library code::

    from netdyn.core import progress

    with progress.task("read archive.tar.gz", total=len(members)) as bar:
        for member in members:
            ...
            bar.advance()

    for path in progress.track(files, "read files"):
        ...

and in a front end::

    with progress.listen(print):
        ingest(...)

Prefect flows log one line per finished task run and none when a task starts;
:func:`flow_steps` turns those log records into progress events (one spinner per flow run,
one note per finished task with its elapsed time), without any hook in the flows.

References
----------
.. [1] Python Software Foundation. *contextvars — Context Variables* (PEP 567).
   https://peps.python.org/pep-0567/
"""

from __future__ import annotations

import itertools
import logging
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal, TypeVar

from netdyn.core.errors import InvalidInputError

__all__ = [
    "ProgressEvent",
    "ProgressTask",
    "Listener",
    "listen",
    "is_listening",
    "task",
    "track",
    "note",
    "pace",
    "flow_steps",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

Action = Literal["start", "advance", "update", "finish", "note"]


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    """One thing that happened to a progress task.

    Attributes
    ----------
    action : {"start", "advance", "update", "finish", "note"}
        ``start`` opens a task, ``advance`` moves it forward, ``update`` changes its
        description or total, ``finish`` closes it; ``note`` is a one-off message that
        belongs to no task (``task_id`` 0).
    task_id : int
        Identifies the task among all tasks of the process (1, 2, ...; 0 for notes).
    description : str
        What the task does (or the note's text).
    completed : float
        Units done so far (files, batches, blocks; 0 at ``start``).
    total : float or None
        Units expected, or None when unknown (a spinner rather than a bar).
    ok : bool
        For ``finish``: whether the block ended without an exception. Always True otherwise.
    """

    action: Action
    task_id: int
    description: str
    completed: float = 0.0
    total: float | None = None
    ok: bool = True


#: A listener receives every event, in order, on the thread that made it.
Listener = Callable[[ProgressEvent], None]

_listener: ContextVar[Listener | None] = ContextVar("netdyn_progress_listener", default=None)
_task_ids = itertools.count(1)


def _emit(listener: Listener, event: ProgressEvent) -> None:
    # a broken progress display must never break an ingest or an analysis
    try:
        listener(event)
    except Exception:  # pragma: no cover - depends on the listener
        log.debug("progress listener failed on %r", event, exc_info=True)


def _check_total(total: float | None) -> float | None:
    if total is None:
        return None
    if not total >= 0:
        raise InvalidInputError(f"total must be >= 0 or None (unknown); got {total}")
    return float(total)


class ProgressTask:
    """A running progress task; made by :func:`task`, not directly.

    Methods are thread-safe: several threads may advance one task.
    """

    __slots__ = ("_listener", "_lock", "task_id", "description", "completed", "total")

    def __init__(
        self, listener: Listener, task_id: int, description: str, total: float | None
    ) -> None:
        self._listener = listener
        self._lock = threading.Lock()
        self.task_id = task_id
        self.description = description
        self.completed = 0.0
        self.total = total

    def _event(self, action: Action, ok: bool = True) -> ProgressEvent:
        return ProgressEvent(action, self.task_id, self.description, self.completed, self.total, ok)

    def advance(self, n: float = 1) -> None:
        """Record ``n`` more units done (``n >= 0``).

        Raises
        ------
        InvalidInputError
            If ``n`` is negative.
        """
        if not n >= 0:
            raise InvalidInputError(f"advance(n) needs n >= 0; got {n}")
        with self._lock:
            self.completed += n
            event = self._event("advance")
        _emit(self._listener, event)

    def update(self, *, description: str | None = None, total: float | None = None) -> None:
        """Change the description and/or the total (None leaves it as it is)."""
        with self._lock:
            if description is not None:
                self.description = description
            if total is not None:
                self.total = _check_total(total)
            event = self._event("update")
        _emit(self._listener, event)

    def _finish(self, ok: bool) -> None:
        with self._lock:
            event = self._event("finish", ok)
        _emit(self._listener, event)


class _NullTask:
    """What :func:`task` yields when nobody listens: every method does nothing."""

    __slots__ = ()
    task_id = 0
    description = ""
    completed = 0.0
    total = None

    def advance(self, n: float = 1) -> None:
        pass

    def update(self, *, description: str | None = None, total: float | None = None) -> None:
        pass


_NULL_TASK = _NullTask()


@contextmanager
def listen(listener: Listener) -> Iterator[None]:
    """Send the progress events of the block (and of the threads it starts) to ``listener``.

    Parameters
    ----------
    listener : callable
        Called with each :class:`ProgressEvent`, in order, on the thread that made it. It
        should return quickly; exceptions it raises are logged and ignored.

    Notes
    -----
    Listeners do not stack: an inner :func:`listen` replaces the outer listener for the
    duration of its block.

    Examples
    --------
    >>> seen = []
    >>> with listen(seen.append):
    ...     with task("count", total=2) as bar:
    ...         bar.advance(2)
    >>> [(e.action, e.completed, e.total) for e in seen]
    [('start', 0.0, 2.0), ('advance', 2.0, 2.0), ('finish', 2.0, 2.0)]
    """
    if not callable(listener):
        raise InvalidInputError(f"listener must be callable; got {type(listener).__name__}")
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)


def is_listening() -> bool:
    """Whether a listener is installed in the current context."""
    return _listener.get() is not None


@contextmanager
def task(description: str, *, total: float | None = None) -> Iterator[ProgressTask | _NullTask]:
    """A progress task for the block: ``start`` on entry, ``finish`` on exit.

    Parameters
    ----------
    description : str
        What the block does, e.g. ``"read CollegeMsg.txt.gz"``.
    total : float, optional
        Units the block will do (files, batches, blocks); None when unknown.

    Yields
    ------
    ProgressTask
        Call ``advance(n)`` as units finish, ``update(...)`` to change description or total.
        When nobody listens, a shared object whose methods do nothing.

    Raises
    ------
    InvalidInputError
        If ``total`` is negative.

    Notes
    -----
    The ``finish`` event is sent even when the block raises (with ``ok=False``).

    Examples
    --------
    >>> with task("nobody listens", total=3) as bar:
    ...     bar.advance()
    >>> bar.completed
    0.0
    """
    total = _check_total(total)
    listener = _listener.get()
    if listener is None:
        yield _NULL_TASK
        return
    handle = ProgressTask(listener, next(_task_ids), description, total)
    _emit(listener, handle._event("start"))
    ok = False
    try:
        yield handle
        ok = True
    finally:
        handle._finish(ok)


def track(
    items: Iterable[T], description: str, *, total: float | None = None, every: int = 1
) -> Iterator[T]:
    """Iterate over ``items``, advancing a progress task by one per item.

    Parameters
    ----------
    items : iterable
        What to iterate over.
    description : str
        The task's description.
    total : float, optional
        Number of items; default ``len(items)`` when ``items`` has a length, else unknown.
    every : int, default 1
        Report every ``every`` items (and the remainder at the end): ``every=1000`` keeps
        the cost of a listener negligible in a loop over millions of cheap items.

    Yields
    ------
    object
        The items, unchanged and in order.

    Raises
    ------
    InvalidInputError
        If ``every < 1``.

    Notes
    -----
    An item is counted once the loop body has finished with it (when the next one is
    requested). When nobody listens this is a plain iteration.

    Examples
    --------
    >>> seen = []
    >>> with listen(seen.append):
    ...     names = [name for name in track(["a", "b"], "letters")]
    >>> names, [e.action for e in seen], seen[-1].completed
    (['a', 'b'], ['start', 'advance', 'advance', 'finish'], 2.0)
    """
    if isinstance(every, bool) or not isinstance(every, int) or every < 1:
        raise InvalidInputError(f"every must be an integer >= 1; got {every!r}")
    if _listener.get() is None:
        yield from items
        return
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    with task(description, total=total) as bar:
        pending = 0
        for item in items:
            yield item
            pending += 1
            if pending == every:
                bar.advance(pending)
                pending = 0
        if pending:
            bar.advance(pending)


def note(message: str) -> None:
    """Send a one-off message (e.g. "skipped x.gz: already ingested") to the listener.

    Nothing happens when nobody listens.
    """
    listener = _listener.get()
    if listener is not None:
        _emit(listener, ProgressEvent("note", 0, message))


def _clock(seconds: float) -> str:
    """``m:ss``, or ``h:mm:ss`` from an hour on."""
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def pace(elapsed: float | None, speed: float | None, remaining: float | None) -> str:
    """A task's time so far, its rate and the time it still needs, as far as they are known.

    A front end's text for the right of a progress bar.

    Parameters
    ----------
    elapsed : float or None
        Seconds since the task started.
    speed : float or None
        Units per second (None or 0: not known yet). Shown as ``"40/s"``, or as seconds per
        unit (``"2.5 s each"``) when a unit takes longer than a second, as a null model does.
    remaining : float or None
        Seconds still needed (None: unknown, e.g. no total, or the task has finished).

    Returns
    -------
    str
        E.g. ``"0:41 2.5 s each, 1:40 left"``; ``""`` when nothing is known.

    Examples
    --------
    >>> pace(41.0, 0.4, 100.0), pace(3.0, 40.0, None), pace(4000.0, 1.25, None)
    ('0:41 2.5 s each, 1:40 left', '0:03 40/s', '1:06:40 1.2/s')
    >>> pace(None, None, None)
    ''
    """
    parts = [] if elapsed is None else [_clock(elapsed)]
    if speed is not None and speed >= 10:
        parts.append(f"{speed:,.0f}/s")
    elif speed is not None and speed >= 1:
        parts.append(f"{speed:.1f}/s")
    elif speed is not None and speed > 0:
        parts.append(f"{1 / speed:.1f} s each")
    text = " ".join(parts)
    return text if remaining is None else f"{text}, {_clock(remaining)} left"


# ------------------------------------------------------------------- Prefect run logs

_FINISHED = re.compile(r"^Finished in state (\w+)")
_BEGINNING = re.compile(r"^Beginning (?:sub)?flow run")


class _FlowStepHandler(logging.Handler):
    """Turns Prefect's flow-run and task-run log records into progress events."""

    def __init__(self, listener: Listener) -> None:
        super().__init__(level=logging.INFO)
        self._listener = listener
        self._lock = threading.Lock()
        # flow_run_id -> (task, flow name, time of the last step end, steps done)
        self._flows: dict[str, list] = {}

    def emit(self, record: logging.LogRecord) -> None:
        flow_run_id = str(getattr(record, "flow_run_id", "") or "")
        if not flow_run_id:
            return
        message = record.getMessage()
        with self._lock:
            if record.name == "prefect.flow_runs" and _BEGINNING.match(message):
                self._begin(flow_run_id, str(getattr(record, "flow_name", "flow")), record)
            elif (finished := _FINISHED.match(message)) is not None:
                if record.name == "prefect.task_runs":
                    self._step(flow_run_id, record, finished.group(1))
                elif record.name == "prefect.flow_runs":
                    self._end(flow_run_id, finished.group(1))

    def _begin(self, flow_run_id: str, flow_name: str, record: logging.LogRecord) -> None:
        handle = ProgressTask(self._listener, next(_task_ids), flow_name, None)
        self._flows[flow_run_id] = [handle, flow_name, record.created, 0]
        _emit(self._listener, handle._event("start"))

    def _step(self, flow_run_id: str, record: logging.LogRecord, state: str) -> None:
        entry = self._flows.get(flow_run_id)
        if entry is None:
            return
        handle, flow_name, last, n_steps = entry
        elapsed = max(record.created - last, 0.0)
        entry[2], entry[3] = record.created, n_steps + 1
        name = str(getattr(record, "task_name", None) or "task")
        word = "done" if state == "Completed" else state.lower()
        _emit(
            self._listener,
            ProgressEvent("note", 0, f"{flow_name}: {name} {word} in {elapsed:.1f} s"),
        )
        handle.advance()
        handle.update(description=f"{flow_name}: {n_steps + 1} steps done, last {name}")

    def _end(self, flow_run_id: str, state: str) -> None:
        entry = self._flows.pop(flow_run_id, None)
        if entry is not None:
            entry[0]._finish(state == "Completed")


@contextmanager
def flow_steps() -> Iterator[None]:
    """Report the steps of the Prefect flow runs of the block to the current listener.

    Prefect logs a line when a flow run begins and when each task run finishes (not when
    it starts). Within the block, each flow run becomes a task of unknown total (a
    spinner) that advances by one per finished task run, and each finished task run
    becomes a note ``"<flow>: <task> done in 1.2 s"``, where the time is measured from the
    end of the flow run's previous step (or its start) to the end of this one: the task's
    own duration in the sequential netdyn flows. A subflow is a task of its own.

    Notes
    -----
    It reads the ``prefect.flow_runs`` and ``prefect.task_runs`` loggers at INFO level;
    with ``PREFECT_LOGGING_LEVEL=WARNING`` it reports nothing. When nobody listens it
    does nothing.

    Examples
    --------
    >>> with flow_steps():  # nobody listens: a no-op
    ...     pass
    """
    listener = _listener.get()
    if listener is None:
        yield
        return
    handler = _FlowStepHandler(listener)
    loggers = [logging.getLogger(name) for name in ("prefect.flow_runs", "prefect.task_runs")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
