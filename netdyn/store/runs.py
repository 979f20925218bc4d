"""Run bookkeeping: one ``runs`` row per analysis or simulation run.

A run records what it was asked (flow, parameters), what it saw (source labels, the event-log
watermark and a fingerprint of the data), what it ran with (package versions) and how it
ended. Result tables carry its ``run_id``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import platform
import secrets
import socket
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

import duckdb

from netdyn.core import timing
from netdyn.core.errors import NetDynError

__all__ = [
    "new_run_id",
    "start_run",
    "finish_run",
    "abandon_dead_runs",
    "pid_alive",
    "recorded_run",
    "RecordedRun",
    "data_fingerprint",
    "package_versions",
]

log = logging.getLogger(__name__)

#: Seconds a step's row waits for another process's lock on the database before it is left
#: to the run's final write.
STEP_WRITE_WAIT_SECONDS = 2.0

_PACKAGES = ("netdyn", "duckdb", "polars", "python-igraph", "numpy", "scipy", "prefect", "networkx")


def new_run_id() -> str:
    """A sortable, unique run id: ``YYYYmmddTHHMMSSZ-<8 hex>`` (UTC)."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages that shape results."""
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def data_fingerprint(con: duckdb.DuckDBPyConnection, sources: Sequence[str]) -> tuple[int, str]:
    """The event-log watermark and a fingerprint of the events of ``sources``.

    Returns
    -------
    watermark : int
        The largest ``event_seq`` of those sources (0 if none).
    fingerprint : str
        SHA-256 (first 16 hex digits) over ``(source, n_events, max event_seq)`` per source:
        it changes whenever events of those sources are appended.
    """
    rows = con.execute(
        """
        select source, count(*), max(event_seq) from events
        where source in (select unnest(?)) group by source order by source
        """,
        [list(sources)],
    ).fetchall()
    watermark = max((r[2] for r in rows), default=0)
    digest = hashlib.sha256(json.dumps(rows).encode()).hexdigest()[:16]
    return watermark, digest


def start_run(
    con: duckdb.DuckDBPyConnection,
    *,
    flow: str,
    parameters: dict[str, Any],
    sources: Sequence[str] = (),
    run_id: str | None = None,
) -> str:
    """Insert a ``runs`` row with status ``running`` and return its ``run_id``."""
    run_id = run_id or new_run_id()
    abandon_dead_runs(con)
    watermark, fingerprint = data_fingerprint(con, sources)
    con.execute(
        """
        insert into runs (run_id, flow, parameters, sources, event_watermark, data_fingerprint,
                          package_versions, status, started_at, pid, host)
        values (?, ?, ?, ?, ?, ?, ?, 'running', current_timestamp, ?, ?)
        """,
        [
            run_id,
            flow,
            json.dumps(parameters, default=str, sort_keys=True),
            list(sources),
            watermark,
            fingerprint,
            json.dumps(package_versions()),
            os.getpid(),
            socket.gethostname(),
        ],
    )
    return run_id


def pid_alive(pid: int) -> bool:
    """Whether a process with id ``pid`` exists on this host.

    Sends signal 0, which checks for the process without disturbing it. A process that exists
    but belongs to another user (``PermissionError``) counts as alive.

    Parameters
    ----------
    pid : int
        A process id, e.g. the ``runs.pid`` of a run started on this host.

    Returns
    -------
    bool
        False only when no such process exists.

    Raises
    ------
    OSError
        If the check fails otherwise (e.g. ``pid`` is not a valid process id on this system).
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def abandon_dead_runs(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Mark runs whose process died while ``running`` as ``abandoned``; drop their results.

    A run is abandoned when it is ``running``, was started on this host, and its process no
    longer exists (killed, crashed, machine restarted). Its partial result rows are deleted in
    the same transaction, so result tables only ever hold rows of completed or running runs.

    Returns
    -------
    list of str
        The run ids marked abandoned.
    """
    host = socket.gethostname()
    candidates = con.execute(
        "select run_id, pid from runs where status = 'running' and host = ? and pid is not null",
        [host],
    ).fetchall()
    dead = [run_id for run_id, pid in candidates if pid != os.getpid() and not pid_alive(pid)]
    if not dead:
        return []
    con.execute("begin transaction")
    try:
        for table in ("cascades", "actor_metrics", "powerlaw_fits", "powerlaw_comparisons"):
            con.execute(f"delete from {table} where run_id in (select unnest(?))", [dead])
        con.execute(
            """
            update runs set status = 'abandoned', finished_at = current_timestamp,
                   error = 'its process ' || pid || ' on ' || host || ' died while running'
            where run_id in (select unnest(?))
            """,
            [dead],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return dead


def finish_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    *,
    status: str,
    error: str | None = None,
    report_path: str | None = None,
    sources: Sequence[str] | None = None,
) -> None:
    """Mark a run ``completed`` or ``failed`` (optionally updating the sources it touched)."""
    if status not in {"completed", "failed"}:
        raise ValueError(f"status must be 'completed' or 'failed'; got {status!r}")
    if sources is not None:
        watermark, fingerprint = data_fingerprint(con, sources)
        con.execute(
            "update runs set sources = ?, event_watermark = ?, data_fingerprint = ? "
            "where run_id = ?",
            [list(sources), watermark, fingerprint, run_id],
        )
    con.execute(
        """
        update runs set status = ?, error = ?, report_path = coalesce(?, report_path),
                        finished_at = current_timestamp
        where run_id = ?
        """,
        [status, error, report_path, run_id],
    )


_INSERT_STEP = "insert or replace into run_steps values (?, ?, ?, ?, ?, ?, ?)"


def _step_row(run_id: str, s: timing.StepTime) -> list[Any]:
    return [run_id, s.position, s.step, s.seconds, s.cpu_seconds, s.peak_rss_bytes, s.ok]


def _store_steps(
    con: duckdb.DuckDBPyConnection, run_id: str, steps: Sequence[timing.StepTime]
) -> None:
    """The run's ``run_steps`` rows (one per measured step; a row already written is replaced
    by the same values, never duplicated: the key is ``(run_id, position)``)."""
    if steps:
        con.executemany(_INSERT_STEP, [_step_row(run_id, s) for s in steps])


def _store_step_now(db: str, run_id: str, measured: timing.StepTime) -> None:
    """Write one step's row as soon as the step ends, on a connection of its own.

    The step's tasks have closed their connections by then (they open and close their own,
    one at a time), so this does not meet DuckDB's one-writer lock from inside the process. The
    insert is one statement, so it commits whole or not at all. If another process holds the
    file for longer than :data:`STEP_WRITE_WAIT_SECONDS` the row is left to the run's final
    write, with a warning: recording a step's cost never fails the run.
    """
    from netdyn.store.db import connect

    try:
        con = connect(db, migrate_schema=False, wait_seconds=STEP_WRITE_WAIT_SECONDS)
    except NetDynError as e:
        log.warning(
            "run %s: step %s recorded at the end of the run only (%s)", run_id, measured.step, e
        )
        return
    try:
        con.execute(_INSERT_STEP, _step_row(run_id, measured))
    finally:
        con.close()


@dataclass
class RecordedRun:
    """A run in progress: its id, the event-log watermark it started at, its report.

    The block may append to ``sources`` (recorded at the end when ``sources_grow``) and put
    results that are parameters of what was made (e.g. fitted model parameters) in
    ``parameters_update``; they are merged into ``runs.parameters`` when the run completes.
    """

    run_id: str
    watermark: int
    report_path: str | None = None
    sources: list[str] = field(default_factory=list)
    parameters_update: dict[str, Any] = field(default_factory=dict)


@contextmanager
def recorded_run(
    db: str,
    *,
    flow: str,
    parameters: dict[str, Any],
    sources: Sequence[str],
    sources_grow: bool = False,
) -> Iterator[RecordedRun]:
    """Record the block as one run: ``running`` on entry, ``completed`` or ``failed`` on exit.

    The connection is opened only to write the ``runs`` row and closed at once, so the block's
    tasks can open their own. ``sources_grow`` re-reads the watermark and fingerprint at the
    end (for runs that append events, like ingest and simulate).

    The steps the block measures (:func:`netdyn.core.timing.measure`, which every
    :func:`netdyn.flows.engine.step` does) are written to ``run_steps`` one by one as each
    ends, on a short-lived connection of their own, so a run killed later (a timeout's
    ``kill -9``) keeps the rows of every step that finished before; a step that fails writes
    its row too (``is_ok`` false). When the run ends, completed or failed, every row is
    written again in the transaction that marks the run, replacing the same key
    ``(run_id, position)``: one row per step, and a row that could not be written at once
    (the file locked by another process) is written then.

    Raises
    ------
    Exception
        Whatever the block raises, after the run is marked ``failed`` with its message.
    """
    from netdyn.store.db import connect

    con = connect(db)
    try:
        run_id = start_run(con, flow=flow, parameters=parameters, sources=sources)
        watermark = con.execute(
            "select event_watermark from runs where run_id = ?", [run_id]
        ).fetchall()[0][0]
    finally:
        con.close()
    run = RecordedRun(run_id, watermark, sources=list(sources))
    try:
        with timing.collect(on_step=functools.partial(_store_step_now, db, run_id)) as steps:
            yield run
    except BaseException as e:
        _end_run(
            db,
            run,
            steps,
            status="failed",
            error=str(e) or type(e).__name__,
            sources=run.sources if sources_grow else None,
        )
        raise
    merged = {**parameters, **run.parameters_update} if run.parameters_update else None
    _end_run(
        db,
        run,
        steps,
        status="completed",
        parameters=merged,
        sources=run.sources if sources_grow else None,
    )


def _end_run(
    db: str,
    run: RecordedRun,
    steps: Sequence[timing.StepTime],
    *,
    status: str,
    error: str | None = None,
    parameters: dict[str, Any] | None = None,
    sources: Sequence[str] | None = None,
) -> None:
    """The run's step rows, merged parameters and end state, in one transaction."""
    from netdyn.store.db import connect

    con = connect(db)
    try:
        con.execute("begin transaction")
        try:
            _store_steps(con, run.run_id, steps)
            if parameters is not None:
                con.execute(
                    "update runs set parameters = ? where run_id = ?",
                    [json.dumps(parameters, default=str, sort_keys=True), run.run_id],
                )
            finish_run(
                con,
                run.run_id,
                status=status,
                error=error,
                report_path=run.report_path if status == "completed" else None,
                sources=sources,
            )
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    finally:
        con.close()
