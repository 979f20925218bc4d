"""Sequential Monte-Carlo p-values: stop drawing nulls once the answer is clearly "not significant".

A Monte-Carlo test compares an observed statistic with the same statistic on ``n`` null
samples and reports ``p = (g + 1) / (n + 1)``, ``g`` the nulls at least as extreme as the
observation. When each null is expensive (a rewired graph refitted by a model) most of that
cost is wasted on clearly non-significant statistics: after a handful of nulls as extreme as
the observation the verdict cannot change. Besag & Clifford (1991) draw the nulls one at a
time and stop as soon as ``h`` of them are at least as extreme, with ``p = h / l`` after
``l`` draws; if that never happens, all ``n`` are drawn and ``p = (g + 1) / (n + 1)`` as in
the fixed test. The p-value is valid (``P(p ≤ α) ≤ α`` under the null hypothesis) and
significant results get the full resolution ``1 / (n + 1)``.

* :func:`sequential_p_value` — the test, consuming null statistics in index order.
* :func:`sequential_p_values` — several statistics of the same nulls (e.g. two clustering
  methods on each null graph), each tested on its own prefix of the nulls; drawing stops
  when every test has stopped.
* :func:`ordered_map` — a worker pool whose results come back in index order, lazily, so a
  test that stops early stops the pool, and the answer does not depend on the number of
  workers. It reports each ensemble as a :mod:`netdyn.core.progress` task (one unit per
  null, "stopped early after l of n" when the consumer stops), so a front end can show it.
* :class:`SequentialPValue` — the p-value with the numbers drawn and the resolution.

References
----------
.. [1] Besag, J., & Clifford, P. (1991). Sequential Monte Carlo p-values. *Biometrika*
   78(2), 301–304.
.. [2] Davison, A. C., & Hinkley, D. V. (1997). *Bootstrap Methods and their Application*.
   Cambridge University Press (the ``(g + 1) / (n + 1)`` Monte-Carlo p-value).
"""

from __future__ import annotations

import atexit
import math
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from netdyn.core import progress
from netdyn.core.errors import InvalidInputError
from netdyn.core.parallel import active_cluster

__all__ = [
    "ALTERNATIVES",
    "DEFAULT_H",
    "SequentialPValue",
    "sequential_p_value",
    "sequential_p_values",
    "ordered_map",
    "DEFAULT_LABEL",
]

#: Directions of :func:`sequential_p_value`: "greater" counts nulls ≥ observed, "less" ≤.
ALTERNATIVES: tuple[str, ...] = ("greater", "less")
#: Besag & Clifford's suggested number of extreme nulls before stopping.
DEFAULT_H: int = 10
#: The progress description of an :func:`ordered_map` ensemble whose caller names none.
DEFAULT_LABEL: str = "null models"


@dataclass(frozen=True)
class SequentialPValue:
    """A sequential Monte-Carlo p-value; the result of :func:`sequential_p_value`.

    Attributes
    ----------
    p_value : float
        ``h / n_drawn`` when the test stopped early, ``(n_extreme + 1) / (n_max + 1)`` when
        all nulls were drawn; NaN when no test was run (``n_max`` 0 or a non-finite
        observation).
    n_drawn : int
        Nulls drawn (and consumed, in index order): ``l`` if stopped early, else ``n_max``.
    n_max : int
        The most nulls the test could draw.
    n_extreme : int
        Drawn nulls at least as extreme as the observation (``h`` when stopped early).
    h : int
        Extreme nulls that stop the test.
    stopped_early : bool
        True when the test stopped before drawing ``n_max`` nulls (then ``p ≥ h / n_max``,
        not significant at any usual level when ``n_max`` is large against ``h``).
    statistics : numpy.ndarray of float, shape (n_drawn,)
        The drawn null statistics, in index order.
    """

    p_value: float
    n_drawn: int
    n_max: int
    n_extreme: int
    h: int
    stopped_early: bool
    statistics: np.ndarray = field(repr=False, compare=False)

    @property
    def resolution(self) -> float:
        """The smallest p-value the test can give, ``1 / (n_max + 1)`` (NaN when ``n_max`` is 0)."""
        return 1.0 / (self.n_max + 1) if self.n_max > 0 else math.nan

    def to_dict(self) -> dict[str, Any]:
        """The scalar fields and the resolution, as stored in a result row's ``detail``."""
        return {
            "p_value": self.p_value,
            "n_drawn": self.n_drawn,
            "n_max": self.n_max,
            "n_extreme": self.n_extreme,
            "h": self.h,
            "stopped_early": self.stopped_early,
            "resolution": self.resolution,
        }


def _check_int(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise InvalidInputError(f"{name} must be an integer ≥ {minimum}; got {value!r}")
    return int(value)


def sequential_p_value(
    observed: float,
    nulls: Iterable[float],
    *,
    n_max: int,
    h: int = DEFAULT_H,
    alternative: str = "greater",
) -> SequentialPValue:
    """Besag & Clifford's sequential Monte-Carlo p-value over null statistics in index order.

    Parameters
    ----------
    observed : float
        The statistic of the data.
    nulls : iterable of float
        Null statistics in index order, produced lazily (a generator, or
        :func:`ordered_map`): at most ``n_max`` are consumed, fewer when the test stops
        early, and the iterator is then closed (which stops a worker pool).
    n_max : int
        The most nulls to draw, ≥ 0 (0: no test).
    h : int, default 10
        Stop once this many nulls are at least as extreme as ``observed``, ≥ 1. Besag &
        Clifford suggest 10 (or 20); ``h ≥ n_max`` never stops early (the fixed test).
    alternative : {"greater", "less"}, default "greater"
        "greater": large statistics are extreme (a null counts when ``null ≥ observed``);
        "less": ``null ≤ observed``.

    Returns
    -------
    SequentialPValue
        The p-value, the nulls drawn and their statistics, whether the test stopped early and
        its resolution.

    Raises
    ------
    InvalidInputError
        If ``n_max`` < 0, ``h`` < 1, ``alternative`` is unknown, or ``nulls`` runs out
        before the test ends.

    Notes
    -----
    *Rule* (Besag & Clifford 1991). Draw nulls one at a time; after draw ``l`` let ``g`` be
    the number at least as extreme as the observation. Stop at the first ``l`` with
    ``g = h`` and report ``p = h / l``; if ``l`` reaches ``n`` with ``g < h``, report
    ``p = (g + 1) / (n + 1)``. Then ``P(p ≤ α) ≤ α`` for every α under the null
    hypothesis, exactly as for the fixed test with ``n`` nulls, and a p-value below
    ``h / n`` can only come from a test that drew all ``n`` — so significant results keep
    the resolution ``1 / (n + 1)`` while clearly non-significant ones stop after about
    ``h / p`` draws (the expected number drawn is at most ``h / p_true``; with ``h = 10``
    and ``n = 99`` a test whose true p is 0.5 stops after about 20).

    *Ties* count as extreme (``≥``), the conservative convention. A NaN null statistic
    (a null graph on which the statistic is undefined) is drawn but never extreme; a
    non-finite ``observed`` gives no test (NaN, nothing drawn).

    *Cost.* ``n_drawn`` null computations; the bookkeeping is O(1) per draw.

    References
    ----------
    .. [1] Besag, J., & Clifford, P. (1991). Sequential Monte Carlo p-values. *Biometrika*
       78(2), 301–304.

    Examples
    --------
    Every null beats the observation: the test stops at the h-th draw.

    >>> t = sequential_p_value(0.0, iter([1.0] * 99), n_max=99, h=3)
    >>> t.p_value, t.n_drawn, t.stopped_early
    (1.0, 3, True)

    No null beats it: all are drawn and p is the resolution.

    >>> t = sequential_p_value(100.0, range(99), n_max=99)
    >>> t.p_value, t.n_drawn, t.resolution
    (0.01, 99, 0.01)
    """
    (test,) = sequential_p_values(
        [observed], ((value,) for value in nulls), n_max=n_max, h=h, alternative=alternative
    )
    return test


def sequential_p_values(
    observed: Sequence[float],
    nulls: Iterable[Sequence[float]],
    *,
    n_max: int,
    h: int = DEFAULT_H,
    alternative: str = "greater",
) -> list[SequentialPValue]:
    """:func:`sequential_p_value` for several statistics computed on the same nulls.

    Parameters
    ----------
    observed : sequence of float
        One observed value per statistic.
    nulls : iterable of sequences of float
        Per null, in index order, one value per statistic.
    n_max, h, alternative
        As for :func:`sequential_p_value`, shared by every statistic.

    Returns
    -------
    list of SequentialPValue
        One per statistic. Statistic ``j``'s test uses the nulls up to its own stopping point
        (exactly what :func:`sequential_p_value` would give on that statistic alone); nulls
        are drawn until every test has stopped, so ``max(n_drawn)`` nulls were computed.

    Raises
    ------
    InvalidInputError
        As for :func:`sequential_p_value`, or if a null does not hold one value per
        statistic.

    Examples
    --------
    >>> a, b = sequential_p_values([0.0, 9.0], iter([(1.0, 1.0)] * 19), n_max=19, h=2)
    >>> (a.p_value, a.n_drawn), (b.p_value, b.n_drawn)
    ((1.0, 2), (0.05, 19))
    """
    n_max = _check_int("n_max", n_max, 0)
    h = _check_int("h", h, 1)
    if alternative not in ALTERNATIVES:
        raise InvalidInputError(f"alternative must be one of {ALTERNATIVES}; got {alternative!r}")
    obs = [float(o) for o in observed]
    k = len(obs)
    sign = 1.0 if alternative == "greater" else -1.0
    drawn: list[list[float]] = [[] for _ in range(k)]
    g = [0] * k
    # a statistic's test is open while it may still draw: finite observation, < h extremes
    open_ = [n_max > 0 and math.isfinite(o) for o in obs]
    iterator = iter(nulls)
    n_seen = 0
    try:
        while any(open_) and n_seen < n_max:
            try:
                values = [float(x) for x in next(iterator)]
            except StopIteration:
                raise InvalidInputError(
                    f"nulls ran out after {n_seen} values; the test needs up to n_max = {n_max}"
                ) from None
            if len(values) != k:
                raise InvalidInputError(
                    f"each null must hold {k} values (one per statistic); got {len(values)}"
                )
            n_seen += 1
            for j in range(k):
                if open_[j]:
                    drawn[j].append(values[j])
                    g[j] += bool(sign * (values[j] - obs[j]) >= 0)  # NaN compares False
                    open_[j] = g[j] < h
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()
    out = []
    for j in range(k):
        l_j = len(drawn[j])
        if not l_j:
            p = math.nan
        elif g[j] >= h:
            p = h / l_j
        else:
            p = (g[j] + 1) / (n_max + 1)
        out.append(
            SequentialPValue(
                p_value=float(p),
                n_drawn=l_j,
                n_max=n_max,
                n_extreme=g[j],
                h=h,
                stopped_early=0 < l_j < n_max,
                statistics=np.asarray(drawn[j], dtype=float),
            )
        )
    return out


def ordered_map(
    worker: Callable[[Any], Any],
    tasks: Sequence[Any],
    *,
    n_jobs: int = 1,
    in_flight: int | None = None,
    label: str | None = DEFAULT_LABEL,
) -> Iterator[Any]:
    """``worker(task)`` for each task, yielded lazily in task order, on up to ``n_jobs`` processes.

    Parameters
    ----------
    worker : callable
        A module-level function (worker processes import it by name when ``n_jobs`` > 1).
    tasks : sequence
        Picklable arguments, one per call; each task carries its own seed, so its result
        does not depend on which process computes it.
    n_jobs : int, default 1
        Worker processes (spawned); 1 computes each result in this process when it is asked
        for.
    in_flight : int, optional
        Tasks submitted ahead of the one being consumed (default ``2 · n_jobs``): the most
        work wasted when the consumer stops early.
    label : str or None, default "null models"
        Description of the :mod:`netdyn.core.progress` task that follows the ensemble, e.g.
        ``"core-periphery nulls (discrete)"``; None reports nothing.

    Yields
    ------
    object
        ``worker(tasks[0])``, ``worker(tasks[1])``, ... in that order.

    Raises
    ------
    InvalidInputError
        If ``n_jobs`` or ``in_flight`` is below 1, or ``label`` is neither a string nor None.

    Notes
    -----
    Closing the generator (as :func:`sequential_p_value` does when it stops) cancels the
    tasks not yet started; tasks already running finish in the background. Because results
    are consumed in task order, a consumer that stops after ``l`` results sees the same
    ``l`` results for any ``n_jobs``. Workers are spawned, not forked (polars' and OpenMP's
    thread pools deadlock in forked children); starting one costs a few CPU-seconds of
    imports, so the pool of ``n_jobs`` workers is started once per process and shared by
    every call (shut down at exit, and replaced if a worker died). Inside
    :func:`netdyn.core.parallel.dask_cluster` the tasks go to the Dask workers instead, and
    ``n_jobs`` is ignored; the results and their order are the same.

    *Progress.* When a :mod:`netdyn.core.progress` listener is installed (the command line's
    bars), the first result asked for starts a task ``label`` with total ``len(tasks)``; it
    advances by one as each result reaches this process (listeners do not cross into worker
    processes, so the parent reports), and finishes when the last result is consumed. A
    consumer that closes the generator after ``l < len(tasks)`` results (a sequential test
    that stopped) ends it as ``"<label>: stopped early after l of n"`` with total ``l``,
    not as a failure; an exception from a worker ends it with ``ok=False``. No task is made
    for an empty ``tasks`` or a generator that is never started. Reporting draws no random
    numbers and changes no result.

    Examples
    --------
    >>> list(ordered_map(abs, [-2, 3, -1]))
    [2, 3, 1]
    >>> seen = []
    >>> with progress.listen(seen.append):
    ...     stream = ordered_map(abs, [-2, 3, -1], label="absolute values")
    ...     first = next(stream)
    ...     stream.close()
    >>> [(e.action, e.completed, e.total) for e in seen]
    [('start', 0.0, 3.0), ('advance', 1.0, 3.0), ('update', 1.0, 1.0), ('finish', 1.0, 1.0)]
    >>> seen[-1].description
    'absolute values: stopped early after 1 of 3'
    """
    n_jobs = _check_int("n_jobs", n_jobs, 1)
    ahead = _check_int("in_flight", in_flight, 1) if in_flight is not None else 2 * n_jobs
    if label is not None and not isinstance(label, str):
        raise InvalidInputError(f"label must be a string or None; got {label!r}")
    if label is None:
        return _ordered(worker, tasks, n_jobs, ahead)
    return _reported(_ordered(worker, tasks, n_jobs, ahead), len(tasks), label)


def _reported(results: Iterator[Any], n: int, label: str) -> Iterator[Any]:
    """``results`` unchanged, reported as the progress task ``label`` of ``n`` units."""
    if n == 0:
        return
    with progress.task(label, total=n) as bar:
        try:
            for result in results:
                bar.advance()
                yield result
        except GeneratorExit:  # the consumer stopped: a sequential test, not a failure
            done = int(bar.completed)
            if done < n:
                bar.update(description=f"{label}: stopped early after {done} of {n}", total=done)
            return
        finally:
            close = getattr(results, "close", None)
            if close is not None:
                close()  # cancels the tasks not yet started


_POOLS: dict[int, ProcessPoolExecutor] = {}


def _shared_pool(n_jobs: int) -> ProcessPoolExecutor:
    """This process's pool of ``n_jobs`` spawned workers, started on first use."""
    pool = _POOLS.get(n_jobs)
    if pool is None or getattr(pool, "_broken", False):
        if not _POOLS:
            atexit.register(_shutdown_pools)
        context = multiprocessing.get_context("spawn")
        pool = _POOLS[n_jobs] = ProcessPoolExecutor(max_workers=n_jobs, mp_context=context)
    return pool


def _shutdown_pools() -> None:
    while _POOLS:
        _, pool = _POOLS.popitem()
        pool.shutdown(wait=True, cancel_futures=True)


def _ordered(worker: Callable[[Any], Any], tasks: Sequence[Any], n_jobs: int, ahead: int):
    client = active_cluster()  # inside netdyn.core.parallel.dask_cluster: the Dask workers
    if client is None and (n_jobs == 1 or len(tasks) <= 1):
        for task in tasks:
            yield worker(task)
        return
    if client is not None:
        pool: Any = client.get_executor(pure=False)
        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        ahead = max(ahead, 2 * n_workers)
    else:
        pool = _shared_pool(n_jobs)
    pending: deque[Future[Any]] = deque()
    try:
        submitted = 0
        while submitted < len(tasks) or pending:
            while submitted < len(tasks) and len(pending) < max(ahead, n_jobs):
                pending.append(pool.submit(worker, tasks[submitted]))
                submitted += 1
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()
