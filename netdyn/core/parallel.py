"""Where the embarrassingly parallel work of an analysis runs: here, in worker processes, or on
a Dask cluster.

The analyses repeat independent work many times: a null model per draw, a refit per bootstrap
resample, a profile per time window. Each piece is a module-level function of picklable
arguments that carries its own seed, so its answer does not depend on where it runs.
:func:`map_ordered` runs them:

* in this process when ``n_jobs == 1`` (or there is one piece);
* in ``n_jobs`` spawned worker processes (:class:`concurrent.futures.ProcessPoolExecutor`)
  otherwise;
* on the workers of a Dask cluster inside :func:`dask_cluster` (``netdyn analyze --dask
  tcp://scheduler:8786``, or ``--dask local`` for a two-worker cluster on this machine),
  whatever ``n_jobs`` says.

Results come back in input order in all three cases, so a run's stored numbers are identical
wherever its pieces ran (``tests/test_parallel.py``). As each result reaches this process,
:func:`map_ordered` advances a :mod:`netdyn.core.progress` task (here, not in the workers,
which do not see the caller's listener), so the command line can show how far a null ensemble
or a bootstrap has got.

References
----------
.. [1] Rocklin, M. (2015). Dask: parallel computation with blocked algorithms and task
   scheduling. *Proceedings of the 14th Python in Science Conference*, 130–136.

Examples
--------
>>> map_ordered(abs, [-2, 3, -1], n_jobs=1)
[2, 3, 1]
"""

from __future__ import annotations

import multiprocessing
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from netdyn.core import progress
from netdyn.core.errors import InvalidInputError

__all__ = ["map_ordered", "dask_cluster", "active_cluster", "check_dask_address", "worker_count"]

T = TypeVar("T")
R = TypeVar("R")

#: A Dask scheduler address (``tcp://host:8786``, ``tls://...``, ``host:port``) or ``local``.
_ADDRESS = re.compile(r"^(local|[a-z][a-z0-9+]*://\S+|[\w.-]+:\d+)$")

_cluster: ContextVar[Any | None] = ContextVar("netdyn_dask_client", default=None)


def check_dask_address(address: str, *, flag: str = "--dask") -> str:
    """The address if it looks like a Dask scheduler address or ``local``.

    Raises
    ------
    InvalidInputError
        If it does not.

    Examples
    --------
    >>> check_dask_address("tcp://10.0.0.5:8786")
    'tcp://10.0.0.5:8786'
    """
    if not _ADDRESS.match(address):
        raise InvalidInputError(
            f"{flag} {address!r} is not a scheduler address; pass e.g. tcp://host:8786 or 'local'"
        )
    return address


def worker_count(n_jobs: int | None) -> int:
    """Worker processes for ``n_jobs`` (None or -1: one per core).

    Raises
    ------
    InvalidInputError
        If ``n_jobs`` is not None, -1 or a positive integer.
    """
    if n_jobs is None or n_jobs == -1:
        return os.cpu_count() or 1
    if int(n_jobs) != n_jobs or n_jobs < 1:
        raise InvalidInputError(f"n_jobs must be >= 1, -1 or None (all cores); got {n_jobs!r}")
    return int(n_jobs)


def active_cluster() -> Any | None:
    """The Dask client of the enclosing :func:`dask_cluster` block, or None."""
    return _cluster.get()


@contextmanager
def dask_cluster(address: str | None) -> Iterator[Any | None]:
    """Run the :func:`map_ordered` work of the block on a Dask cluster.

    Parameters
    ----------
    address : str or None
        A scheduler address (``tcp://host:8786``), ``"local"`` for a cluster of two
        single-threaded worker processes on this machine (started and stopped with the block),
        or None for no cluster (the block runs as without it).

    Yields
    ------
    distributed.Client or None
        The client.

    Raises
    ------
    InvalidInputError
        If the address is malformed, or ``dask.distributed`` is not installed.
    OSError
        If the scheduler cannot be reached (Dask's own error).

    Notes
    -----
    The workers must be able to import netdyn (the same version: the functions are sent by
    reference). Data go to the workers with each piece, so pieces should carry arrays or
    graphs, not database connections.
    """
    if address is None:
        yield None
        return
    check_dask_address(address)
    try:
        from distributed import Client, LocalCluster
    except ImportError as e:  # pragma: no cover - distributed comes with prefect-dask
        raise InvalidInputError(
            "--dask needs dask.distributed: pip install 'distributed' (or 'prefect-dask')"
        ) from e
    cluster = None
    if address == "local":
        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    else:
        client = Client(address)
    token = _cluster.set(client)
    try:
        yield client
    finally:
        _cluster.reset(token)
        client.close()
        if cluster is not None:
            cluster.close()


def _executor(n_jobs: int, n_items: int, start_method: str | None) -> tuple[Executor | None, bool]:
    """The executor for the work, and whether the caller must shut it down."""
    client = _cluster.get()
    if client is not None:
        return client.get_executor(pure=False), False
    if n_jobs == 1 or n_items <= 1:
        return None, False
    context = multiprocessing.get_context(start_method)
    return ProcessPoolExecutor(max_workers=min(n_jobs, n_items), mp_context=context), True


def map_ordered(
    fn: Callable[[T], R],
    items: Iterable[T],
    *,
    n_jobs: int | None = 1,
    start_method: str | None = "spawn",
    label: str | None = "null models",
    units: Sequence[float] | None = None,
) -> list[R]:
    """``[fn(x) for x in items]``, here, in worker processes or on the Dask cluster.

    Parameters
    ----------
    fn : callable
        A module-level function (workers import it by name).
    items : iterable
        Its arguments, one per call; each must be picklable.
    n_jobs : int or None, default 1
        Worker processes when no Dask cluster is active (1: this process; None or -1: one per
        core). Ignored inside :func:`dask_cluster`.
    start_method : str or None, default "spawn"
        How worker processes start (:func:`multiprocessing.get_context`): ``"spawn"`` is safe
        beside the threads of polars, DuckDB and igraph; None takes the platform's default
        (``fork`` on Linux: faster to start, for pieces that use numpy alone).
    label : str or None, default "null models"
        Description of the :mod:`netdyn.core.progress` task that follows the work, e.g.
        ``"rich-club randomisations"``; None reports nothing.
    units : sequence of float, optional
        What each item counts for in the progress total, one number ≥ 0 per item: the
        resamples or nulls of a chunk, so that the bar counts those rather than chunks.
        Default: one unit per item.

    Returns
    -------
    list
        The results in the order of ``items``.

    Raises
    ------
    InvalidInputError
        If ``n_jobs`` is not None, -1 or a positive integer; if ``units`` does not hold one
        number ≥ 0 per item; and whatever ``fn`` raises.

    Notes
    -----
    *Progress.* With a :mod:`netdyn.core.progress` listener installed, the call is one task
    ``label`` with total ``sum(units)``; it advances by the item's units as each result
    arrives here, in order, and finishes when the last one has (``ok=False`` if ``fn``
    raised). No task is made for no items. Reporting draws no random numbers and does not
    change the results.

    Examples
    --------
    >>> seen = []
    >>> with progress.listen(seen.append):
    ...     roots = map_ordered(abs, [-4, 9], label="absolute values", units=[10, 5])
    >>> roots
    [4, 9]
    >>> [(e.action, e.completed) for e in seen]
    [('start', 0.0), ('advance', 10.0), ('advance', 15.0), ('finish', 15.0)]
    """
    pieces = list(items)
    workers = worker_count(n_jobs)
    weights = _units(units, len(pieces))
    if label is not None and not isinstance(label, str):
        raise InvalidInputError(f"label must be a string or None; got {label!r}")
    executor, owned = _executor(workers, len(pieces), start_method)
    try:
        results = (fn(x) for x in pieces) if executor is None else executor.map(fn, pieces)
        if label is None or not pieces:
            return list(results)
        out: list[R] = []
        with progress.task(label, total=sum(weights)) as bar:
            for result, weight in zip(results, weights, strict=True):
                out.append(result)
                bar.advance(weight)
        return out
    finally:
        if owned:
            executor.shutdown()


def _units(units: Sequence[float] | None, n: int) -> list[float]:
    """Each item's progress units (default 1 each), checked."""
    if units is None:
        return [1.0] * n
    try:
        weights = [float(u) for u in units]
    except (TypeError, ValueError):
        weights = [-1.0]
    if len(weights) != n or not all(w >= 0 for w in weights):
        raise InvalidInputError(
            f"units must hold one number >= 0 per item ({n}); got {list(units)!r}"
        )
    return weights
