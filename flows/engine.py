"""Run netdyn's flows through Prefect or in this process, with the same code and results.

Every netdyn flow is a Prefect flow whose steps are Prefect tasks (and subflows). Run through
Prefect, each step is a tracked task run with retries, logs and artifacts in the Prefect UI;
but Prefect needs an API, and with none configured it starts a temporary server in a
subprocess for every command: 6–20 s (more on a loaded machine) before any work, and about
250 MB. So a flow started from the command line or from :mod:`netdyn.api` runs:

* **through Prefect** when a Prefect API is configured (``PREFECT_API_URL`` in the
  environment or the active Prefect profile: ``prefect server start`` or Prefect Cloud), or
  when ``NETDYN_ORCHESTRATION=prefect``;
* **in this process** otherwise (or with ``NETDYN_ORCHESTRATION=local``): the flow's function
  is called directly, and :func:`step` calls each task's function directly, honouring the
  task's retries (I/O only, :func:`retriable`) and reporting each finished step to
  :mod:`netdyn.core.progress` as the Prefect path does. No server, no artifacts.

Flows call their steps as ``step(some_task, args...)`` rather than ``some_task(args...)``;
inside a Prefect flow run that is exactly ``some_task(args...)``. The stored results do not
depend on the path (``tests/test_engine.py`` runs one analysis both ways and compares every
result table).

Examples
--------
>>> from prefect import flow, task
>>> @task
... def double(x: int) -> int:
...     return 2 * x
>>> @flow
... def twice(x: int) -> int:
...     return step(double, x)
>>> with orchestration("local"):
...     run_flow(twice, x=21)
42
"""

from __future__ import annotations

import logging
import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Literal

from netdyn.core import progress, timing
from netdyn.core.errors import EventLogError, InvalidInputError, NetDynError
from netdyn.core.faults import failpoint

__all__ = [
    "ORCHESTRATION_ENV",
    "Orchestration",
    "orchestration",
    "uses_prefect",
    "in_flow_run",
    "run_flow",
    "step",
    "flow_logger",
    "retriable",
]

#: Environment variable choosing the path: ``auto`` (default), ``prefect`` or ``local``.
ORCHESTRATION_ENV = "NETDYN_ORCHESTRATION"
Orchestration = Literal["auto", "prefect", "local"]
_CHOICES = ("auto", "prefect", "local")

_override: ContextVar[Orchestration | None] = ContextVar("netdyn_orchestration", default=None)
#: The progress task of the local flow run the current step belongs to.
_current: ContextVar[tuple[Any, str, list[float]] | None] = ContextVar(
    "netdyn_local_flow", default=None
)

log = logging.getLogger(__name__)


def _choice() -> Orchestration:
    chosen = _override.get()
    if chosen is not None:
        return chosen
    value = os.environ.get(ORCHESTRATION_ENV, "auto").strip().lower() or "auto"
    if value not in _CHOICES:
        raise InvalidInputError(
            f"{ORCHESTRATION_ENV} must be one of {', '.join(_CHOICES)}; got {value!r}"
        )
    return value  # type: ignore[return-value]


@contextmanager
def orchestration(choice: Orchestration) -> Iterator[None]:
    """Run the flows started in the block through Prefect (``"prefect"``), in this process
    (``"local"``) or as the environment says (``"auto"``).

    Raises
    ------
    InvalidInputError
        If ``choice`` is not one of those three.
    """
    if choice not in _CHOICES:
        raise InvalidInputError(
            f"orchestration must be one of {', '.join(_CHOICES)}; got {choice!r}"
        )
    token = _override.set(choice)
    try:
        yield
    finally:
        _override.reset(token)


def _api_configured() -> bool:
    if os.environ.get("PREFECT_API_URL"):
        return True
    from prefect.settings import get_current_settings

    return bool(get_current_settings().api.url)


def uses_prefect() -> bool:
    """Whether :func:`run_flow` runs flows through Prefect now (see the module docstring).

    Raises
    ------
    InvalidInputError
        If ``NETDYN_ORCHESTRATION`` holds something other than auto, prefect or local.
    """
    choice = _choice()
    if choice == "auto":
        return _api_configured()
    return choice == "prefect"


def in_flow_run() -> bool:
    """Whether the caller runs inside a Prefect flow run (so steps go through Prefect)."""
    from prefect.context import FlowRunContext

    return FlowRunContext.get() is not None


def retriable(error: BaseException) -> bool:
    """Whether a failed I/O step is worth retrying: I/O and database hiccups, not bad input.

    Any exception that is not a :class:`~netdyn.core.errors.NetDynError` is retried, and
    :class:`~netdyn.core.errors.EventLogError` (which includes a database locked by another
    writer); every other netdyn error (bad input, unknown format, schema) would fail the
    same way again, and so would running out of memory (DuckDB's ``memory_limit`` or the
    machine's).

    Examples
    --------
    >>> retriable(OSError("disk busy")), retriable(InvalidInputError("bad row"))
    (True, False)
    >>> retriable(MemoryError())
    False
    """
    if isinstance(error, NetDynError):
        return isinstance(error, EventLogError)
    from netdyn.store.db import out_of_memory_message

    if out_of_memory_message(error) is not None:
        return False  # the same step needs the same memory again
    return isinstance(error, Exception)


def flow_logger(name: str = "netdyn.flows") -> logging.Logger | logging.LoggerAdapter:
    """Prefect's run logger inside a flow run, else the standard logger ``name``."""
    if in_flow_run():
        from prefect import get_run_logger

        return get_run_logger()
    return logging.getLogger(name)


def _delays(obj: Any) -> list[float]:
    retries = int(getattr(obj, "retries", 0) or 0)
    delays = getattr(obj, "retry_delay_seconds", 0) or 0
    if callable(delays):
        delays = delays(retries)
    if isinstance(delays, int | float):
        delays = [float(delays)] * retries
    delays = [float(d) for d in delays]
    return (delays + [delays[-1] if delays else 0.0] * retries)[:retries]


def _call_locally(obj: Any, args: tuple, kwargs: dict) -> Any:
    """Call a task's function with its retries (I/O errors only); a flow's as a local flow."""
    from prefect import Flow

    if isinstance(obj, Flow):
        return _local_flow(obj, kwargs if not args else _bind(obj, args, kwargs))
    fn: Callable[..., Any] = getattr(obj, "fn", obj)
    delays = _delays(obj)
    # netdyn's tasks with a retry condition use io_retry_options, whose condition is retriable()
    condition = retriable if getattr(obj, "retry_condition_fn", None) is not None else None
    jitter = float(getattr(obj, "retry_jitter_factor", 0.0) or 0.0)
    for attempt in range(len(delays) + 1):
        try:
            return fn(*args, **kwargs)
        except Exception as e:
            if attempt == len(delays) or (condition is not None and not condition(e)):
                raise
            delay = delays[attempt] * (1.0 + random.uniform(0.0, jitter))
            log.warning("%s failed (%s); retry %d in %.1f s", _name(obj), e, attempt + 1, delay)
            time.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def _bind(obj: Any, args: tuple, kwargs: dict) -> dict:
    import inspect

    return dict(inspect.signature(obj.fn).bind(*args, **kwargs).arguments)


def _name(obj: Any) -> str:
    return str(getattr(obj, "name", None) or getattr(obj, "__name__", "step"))


def _local_flow(flow_obj: Any, parameters: dict[str, Any]) -> Any:
    """Run a Prefect flow's function in this process, its steps reported as progress."""
    if getattr(flow_obj, "should_validate_parameters", False):
        parameters = flow_obj.validate_parameters(parameters)
    name = _name(flow_obj)
    with progress.task(name) as handle:
        token = _current.set((handle, name, [time.perf_counter(), 0.0]))
        try:
            return flow_obj.fn(**parameters)
        finally:
            _current.reset(token)


def step(obj: Any, /, *args: Any, **kwargs: Any) -> Any:
    """Run one step of a flow: a Prefect task or subflow, or a plain function.

    Inside a Prefect flow run, ``step(t, *args)`` is ``t(*args)``: a tracked task run (or
    subflow run). Outside one (a flow run in this process, :func:`run_flow`), it calls the
    task's function directly, with the task's retries for errors :func:`retriable` accepts
    and the same delays, and reports ``"<flow>: <task> done in 1.2 s"`` to
    :mod:`netdyn.core.progress`. A subflow becomes a nested local flow run.

    Parameters
    ----------
    obj : prefect Task, prefect Flow or callable
        The step.
    *args, **kwargs
        Its arguments.

    Returns
    -------
    object
        What the step returns.

    Raises
    ------
    Exception
        Whatever the step raises once its retries (if any) are used up.

    Notes
    -----
    Either way the step is measured (:func:`netdyn.core.timing.measure`): inside a recorded
    run (:func:`netdyn.store.runs.recorded_run`) its ``run_steps`` row is written as soon as
    it ends, after its task has closed its own database connection, so a run killed in a
    later step keeps it. With ``NETDYN_FAILPOINT=step-<name>`` (:mod:`netdyn.core.faults`)
    the process kills itself as step ``<name>`` starts, for crash tests.
    """
    with timing.measure(_name(obj)):
        failpoint(f"step-{_name(obj)}")  # crash tests: SIGKILL as the step starts
        if in_flow_run():
            return obj(*args, **kwargs)
        started = time.perf_counter()
        result = _call_locally(obj, args, kwargs)
    current = _current.get()
    if current is not None:
        handle, flow_name, state = current
        state[1] += 1
        elapsed = time.perf_counter() - started
        progress.note(f"{flow_name}: {_name(obj)} done in {elapsed:.1f} s")
        handle.advance()
        handle.update(description=f"{flow_name}: {int(state[1])} steps done, last {_name(obj)}")
    return result


def run_flow(flow_obj: Any, /, **parameters: Any) -> Any:
    """Start a flow as a top-level run: through Prefect or in this process.

    Parameters
    ----------
    flow_obj : prefect Flow
        The flow (e.g. :func:`netdyn.flows.analyze.analyze_flow`).
    **parameters
        Its parameters, validated and coerced by the flow's signature either way.

    Returns
    -------
    object
        The flow's return value.

    Raises
    ------
    InvalidInputError
        If ``NETDYN_ORCHESTRATION`` is not auto, prefect or local; and whatever the flow raises.

    Notes
    -----
    Through Prefect (see :func:`uses_prefect`) this is ``flow_obj(**parameters)``, which
    starts a temporary Prefect server when no API is configured and ``prefect`` is forced.
    In this process, nothing talks to a Prefect API: no server starts, no artifacts are
    published, and the flow's logs go to the standard logger ``netdyn.flows``.
    """
    if uses_prefect() or in_flow_run() or not hasattr(flow_obj, "fn"):
        return flow_obj(**parameters)  # (a plain function stands in for a flow in tests)
    return _local_flow(flow_obj, parameters)
