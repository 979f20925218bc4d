"""Scheduled runs: watch a folder, ingest only its new files, re-analyse, publish artifacts.

:func:`scheduled_flow` (flow ``netdyn-scheduled``) is the job a schedule runs. Each run

1. lists the watched folder (:func:`netdyn.flows.watch.scan_folder`): the files matching the
   format's patterns, leaving hidden and partial names and files modified in the last
   ``settle_seconds`` for a later run;
2. hashes the ready files (SHA-256, cached while size, mtime and inode are unchanged) and
   keeps those whose content is not yet committed under the source label
   (:func:`netdyn.flows.watch.mark_committed`) — *incremental*: a file is read once, however many
   runs see it;
3. ingests each new file as one task with retries (exponential backoff and jitter,
   :func:`netdyn.flows.ingest.io_retry_options`); bad input fails at once and is reported;
4. re-analyses the source only if its events changed since its last completed analysis
   (:func:`netdyn.flows.watch.analysis_state`), otherwise says why it skipped;
5. publishes ``netdyn-run-summary`` (markdown), ``netdyn-ingest-batches``,
   ``netdyn-watched-files`` and, when it analysed, ``netdyn-powerlaw-fits`` (tables), each
   key once per run so versions line up.

With no watched folder it simulates the embedded default platform instead (same seed, same
events: after the first run nothing is new and analysis is skipped), so ``netdyn serve``
works out of the box. :func:`serve` registers the deployment with a cron or interval
schedule and serves it (blocking); ``docs/deploy.md`` describes it and a work-pool
deployment (``prefect.yaml``).

References
----------
.. [1] Prefect 3 documentation, "Schedule flow runs" and "Create deployments"
   (``flow.serve``, ``prefect.yaml``), https://docs.prefect.io/v3/.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NONE
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import EntrypointType
from prefect.schedules import Cron, Interval, validate_cron_string

from netdyn.core.errors import EventLogError, InvalidInputError, NetDynError
from netdyn.flows.analyze import analyze_flow, publish_run_artifacts
from netdyn.flows.ingest import ingest_unit, io_retry_options, plain_rows
from netdyn.flows.options import DEFAULT_ANALYSIS, AnalysisOptions, check_n_jobs
from netdyn.flows.simulate import simulate_flow
from netdyn.flows.watch import (
    DEFAULT_SETTLE_SECONDS,
    analysis_state,
    hash_cache_path,
    hash_files,
    mark_committed,
    scan_folder,
)
from netdyn.ingest.load import DEFAULT_MAX_REJECTED_SHARE
from netdyn.ingest.readers import get_reader
from netdyn.store.db import connect
from netdyn.store.runs import recorded_run

__all__ = [
    "scheduled_flow",
    "serve",
    "deployment_options",
    "watch_patterns",
    "DEPLOYMENT_NAME",
    "DEFAULT_CRON",
    "FILES_KEY",
    "WATCH_PATTERNS",
]

#: Name of the served deployment (``prefect deployment run 'netdyn-scheduled/netdyn-scheduled'``).
DEPLOYMENT_NAME = "netdyn-scheduled"
#: Schedule when neither a cron string nor an interval is given: hourly, on the hour (UTC).
DEFAULT_CRON = "0 * * * *"
#: Key of the table artifact listing the watched folder's files and what became of them.
FILES_KEY = "netdyn-watched-files"

#: Files watched for formats whose reader has no folder patterns of its own.
WATCH_PATTERNS: dict[str, tuple[str, ...]] = {
    "moltbook-api": ("*.json", "*.ndjson", "*.jsonl", "*.ndjson.gz", "*.jsonl.gz"),
    "twitter15-16": ("*.tar.gz", "*.tgz"),
}

_FILE_COLUMNS = (
    "name",
    "status",
    "size_bytes",
    "modified_at",
    "content_hash",
    "batch_id",
    "path",
)


def watch_patterns(source_format: str, options: dict[str, str] | None = None) -> tuple[str, ...]:
    """The glob patterns of the files a watched folder in ``source_format`` is made of.

    Parameters
    ----------
    source_format : str
        A reader name of :data:`netdyn.ingest.readers.READERS`.
    options : dict of str to str, optional
        Reader options (the ``table`` format's mapping may fix the file format).

    Returns
    -------
    tuple of str
        The reader's own folder patterns (edge lists, tables, the observatory export), or
        :data:`WATCH_PATTERNS` for one-file-per-unit formats (MoltBook API responses,
        Twitter15/16 archives).

    Raises
    ------
    InvalidInputError
        If the format is unknown, or is ``scholp`` (a dataset is a folder of three files, not
        a file: ingest it with ``netdyn ingest``).

    Examples
    --------
    >>> watch_patterns("twitter15-16")
    ('*.tar.gz', '*.tgz')
    """
    spec = get_reader(source_format, options)
    if spec.patterns:
        return spec.patterns
    if source_format not in WATCH_PATTERNS:
        raise InvalidInputError(
            f"the {source_format} format is read a folder at a time, so it cannot be watched "
            "file by file; ingest it with 'netdyn ingest', or watch a folder of "
            f"{', '.join(sorted(WATCH_PATTERNS))} files, edge lists or tables"
        )
    return WATCH_PATTERNS[source_format]


@task(cache_policy=NONE, **io_retry_options())
def scan_task(
    watch: str,
    source_format: str,
    label: str,
    db: str,
    patterns: list[str],
    settle_seconds: float,
) -> list[dict]:
    """List, hash and look up the watched folder's files (one plain dict per file)."""
    files = scan_folder(watch, patterns=patterns, settle_seconds=settle_seconds)
    files = hash_files(files, cache=hash_cache_path(db))
    con = connect(db)
    try:
        files = mark_committed(con, files, source=label, reader=source_format)
    finally:
        con.close()
    rows = files.to_dicts()
    for row in rows:
        row["status"] = "new" if row["is_new"] else row["skip_reason"] or "already_ingested"
    return plain_rows(rows, (*_FILE_COLUMNS, "is_new"))


@task(cache_policy=NONE, **io_retry_options())
def analysis_state_task(db: str, label: str) -> dict:
    """Whether ``label`` changed since its last completed analysis (see ``analysis_state``)."""
    con = connect(db)
    try:
        return analysis_state(con, label)
    finally:
        con.close()


def _describe_error(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def _ingest_error(failures: list[tuple[str, BaseException]]) -> NetDynError:
    """One error for the files that could not be ingested: bad input if all were bad input."""
    listing = "; ".join(f"{Path(p).name}: {_describe_error(e)}" for p, e in failures)
    if not any(_is_transient(e) for _, e in failures):
        return InvalidInputError(
            f"{len(failures)} file(s) in the watched folder could not be ingested ({listing}). "
            "Fix or move them; every run tries them again and fails until then."
        )
    return EventLogError(
        f"{len(failures)} file(s) could not be ingested after retries ({listing}); "
        "they are still new and the next run tries them again"
    )


def _is_transient(error: BaseException) -> bool:
    """The errors :func:`netdyn.flows.ingest.io_retry_options` retries (I/O, database)."""
    return not isinstance(error, NetDynError) or isinstance(error, EventLogError)


@flow(name="netdyn-scheduled")
def scheduled_flow(
    watch: str | None = None,
    source_format: str | None = None,
    label: str | None = None,
    db: str = "netdyn.duckdb",
    reports_dir: str = "reports",
    patterns: list[str] | None = None,
    settle_seconds: float = DEFAULT_SETTLE_SECONDS,
    reader_options: dict[str, str] | None = None,
    max_rejected_share: float = DEFAULT_MAX_REJECTED_SHARE,
    n_events: int = 100_000,
    options: AnalysisOptions = DEFAULT_ANALYSIS,
    n_jobs: int | None = None,
    retry_backoff_seconds: float = 2.0,
) -> dict:
    """One scheduled run: ingest the watched folder's new files, re-analyse if changed.

    Parameters
    ----------
    watch : str, optional
        The watched folder. None simulates the embedded default platform (``n_events``,
        ``options.seed``) instead; the same seed appends nothing after the first run.
    source_format : str, optional
        Reader name of the watched files (``edgelist``, ``table``, ``moltbook-api``,
        ``moltbook-observatory``, ``twitter15-16``); required with ``watch``.
    label : str, optional
        Source label of the events (default the reader's for the folder, e.g.
        ``edgelist:<folder name>``). Keep it fixed across runs: new files are new *for
        this label*.
    db, reports_dir : str
        The DuckDB file and the report folder (absolute paths in a deployment: a run's
        working directory is the worker's).
    patterns : list of str, optional
        Glob patterns of the watched files (default :func:`watch_patterns`).
    settle_seconds : float
        Files modified less than this many seconds ago are left for the next run (default
        10 s).
    reader_options : dict of str to str, optional
        Reader options (the ``table`` format's column mapping).
    max_rejected_share : float
        A file rejecting a larger share of its records fails and stores nothing.
    n_events : int
        Size of the simulation when no folder is watched (seeded by ``options.seed``).
    options : AnalysisOptions
        The analysis options, passed whole to :func:`netdyn.flows.analyze.analyze_flow`
        (default :data:`~netdyn.flows.options.DEFAULT_ANALYSIS`). A deployment gives them as
        a mapping of fields (``{"cp_nulls": 20}``; absent fields take their defaults), which
        Prefect validates before the run starts. An analysis that fails is reported in the
        summary artifact, and the run then fails with its error.
    n_jobs : int, optional
        Worker processes for the null models (None: one per core).
    retry_backoff_seconds : float
        First retry delay of an ingest task, in seconds (then doubled; jittered).

    Returns
    -------
    dict
        ``label``, ``watch``, ``files`` (one dict per file seen: ``name``, ``status`` =
        ``ingested`` | ``failed`` | ``already_ingested`` | ``settling`` | ``partial`` |
        ``hidden`` | ``vanished``, ``size_bytes``, ``content_hash``, ``batch_id``, ``path``),
        ``n_new_files``, ``batches`` (one dict per batch appended), ``n_inserted``,
        ``ingest_run_id`` (None if nothing was new), ``analysis_reason``
        (``never_analysed`` | ``new_events`` | ``up_to_date`` | ``no_events``),
        ``is_analysed`` and ``analysis`` (the :func:`~netdyn.flows.analyze.analyze_flow` result or
        None).

    Raises
    ------
    InvalidInputError
        At once, before anything is read, for bad arguments (no format with a folder, a
        missing folder, an unknown format, an unusable ``n_jobs``). After the run has
        ingested, analysed and published what it could, if some new files were bad input
        (unknown format, too many rejected records); they are not retried.
    EventLogError
        After the run, if a file still failed for another reason after its retries.
    """
    logger = get_run_logger()
    check_n_jobs(n_jobs)
    seed = options.seed
    files: list[dict] = []
    batches: list[dict] = []
    ingest_run_id: str | None = None
    error: NetDynError | None = None
    if watch is None:
        if source_format is not None or label is not None:
            raise InvalidInputError(
                "source_format and label need a watched folder; pass watch=<folder>"
                " (--watch), or neither to simulate"
            )
        load = simulate_flow(db=db, n_events=n_events, seed=seed)
        label = load["label"]
        batches = [load]
        lines = [
            f"no watched folder: simulated `{label}` (seed {seed}), "
            f"{load['n_inserted']:,} new events ({load['status']})"
        ]
    else:
        if source_format is None:
            raise InvalidInputError(
                "give the format of the watched files (source_format, netdyn serve --source), "
                "e.g. edgelist"
            )
        if not Path(watch).is_dir():
            raise InvalidInputError(
                f"watched folder {watch} does not exist or is not a folder; create it first"
            )
        spec = get_reader(source_format, reader_options)
        label = label or spec.default_label(Path(watch))
        globs = list(patterns) if patterns else list(watch_patterns(source_format, reader_options))
        files = scan_task(watch, source_format, label, db, globs, settle_seconds)
        new = [f for f in files if f["is_new"]]
        if new:
            unit_task = ingest_unit.with_options(**io_retry_options(retry_backoff_seconds))
            parameters = {
                "source": source_format,
                "path": watch,
                "label": label,
                "files": [f["path"] for f in new],
                "max_rejected_share": max_rejected_share,
                "options": reader_options or {},
                "scheduled": True,
            }
            try:
                with recorded_run(
                    db, flow="ingest", parameters=parameters, sources=[label], sources_grow=True
                ) as run:
                    ingest_run_id = run.run_id
                    failures: list[tuple[str, BaseException]] = []
                    for f in new:
                        state = unit_task(
                            db,
                            source_format,
                            f["path"],
                            label,
                            max_rejected_share,
                            False,
                            reader_options,
                            return_state=True,
                        )
                        if state.is_completed():
                            batches.extend(state.result())
                            f["status"] = "ingested"
                        else:
                            exc = state.result(raise_on_failure=False)
                            failures.append((f["path"], exc))
                            f["status"] = "failed"
                            logger.error("could not ingest %s: %s", f["path"], exc)
                    if failures:
                        error = _ingest_error(failures)
                        raise error
            except NetDynError as e:
                if e is not error:
                    raise
        counts = Counter(f["status"] for f in files)
        seen = ", ".join(f"{n:,} {k.replace('_', ' ')}" for k, n in sorted(counts.items()))
        lines = [
            f"watched folder `{watch}` ({source_format}, label `{label}`): "
            + (f"{len(files):,} file(s): {seen}" if files else "no files"),
            *(
                f"ingested `{Path(b['uri']).name}`: batch {b['batch_id']}, "
                f"{b['n_inserted']:,} new events, {b['n_duplicate']:,} duplicates, "
                f"{b['n_quarantined']:,} quarantined"
                for b in batches
            ),
        ]
        if not new:
            lines.append("no new files")
        if error is not None:
            lines.append(f"**failed**: {error}")
    state = analysis_state_task(db, label)
    analysis = None
    analysis_error: BaseException | None = None
    if state["is_due"]:
        try:
            analysis = analyze_flow(
                db=db,
                sources=[label],
                reports_dir=reports_dir,
                options=options,
                n_jobs=n_jobs,
                publish_artifacts=False,
            )
            lines.append(f"analysed ({state['reason'].replace('_', ' ')}):")
        except Exception as e:  # published below, then raised
            analysis_error = e
            lines.append(f"**analysis failed**: {_describe_error(e)}")
    elif state["reason"] == "up_to_date":
        lines.append(f"analysis skipped: nothing new since analysis run `{state['last_run_id']}`")
    else:
        lines.append(f"analysis skipped: no events with source `{label}` yet")
    logger.info(
        "scheduled run of %s: new files: %d, events inserted: %d, analysis %s",
        label,
        sum(f["status"] in {"ingested", "failed"} for f in files),
        sum(b["n_inserted"] for b in batches),
        analysis["run_id"]
        if analysis
        else ("failed" if analysis_error else f"skipped ({state['reason']})"),
    )
    title = f"netdyn scheduled run: `{label}`" + (
        f", analysis `{analysis['run_id']}`"
        if analysis
        else (", analysis failed" if analysis_error else ", no analysis")
    )
    publish_run_artifacts(
        title=title,
        lines=lines,
        analysis=analysis,
        batches=batches,
        description="netdyn scheduled run summary",
    )
    if watch is not None:
        create_table_artifact(
            key=FILES_KEY,
            table=plain_rows(files, _FILE_COLUMNS),
            description=f"Files of the watched folder {watch} and what this run did with them",
        )
    if error is not None or analysis_error is not None:
        raise error or analysis_error
    return {
        "label": label,
        "watch": watch,
        "files": [{k: f[k] for k in _FILE_COLUMNS} for f in files],
        "n_new_files": sum(f["status"] in {"ingested", "failed"} for f in files),
        "batches": batches,
        "n_inserted": sum(b["n_inserted"] for b in batches),
        "ingest_run_id": ingest_run_id,
        "analysis_reason": state["reason"],
        "is_analysed": analysis is not None,
        "analysis": analysis,
    }


def deployment_options(
    *,
    parameters: dict[str, Any],
    cron: str | None = None,
    interval_seconds: float | None = None,
    timezone: str = "UTC",
    name: str = DEPLOYMENT_NAME,
) -> dict[str, Any]:
    """Keyword arguments of ``scheduled_flow.serve`` / ``.to_deployment`` for a schedule.

    Parameters
    ----------
    parameters : dict, keyword-only
        Default parameters of every scheduled run (:func:`scheduled_flow`'s).
    cron : str, optional, keyword-only
        A five-field cron string, e.g. ``"*/5 * * * *"``.
    interval_seconds : float, optional, keyword-only
        Instead of ``cron``: seconds between runs (> 0).
    timezone : str, keyword-only
        Time zone of the cron string (IANA name; default UTC).
    name : str, keyword-only
        Deployment name.

    Returns
    -------
    dict
        ``name``, ``schedules`` (one), ``parameters``, ``description``, ``tags``,
        ``global_limit`` (one run at a time; a run due while one is running is cancelled,
        since the next run picks up its files), and ``entrypoint_type`` (module path, so
        runs work from any directory).

    Raises
    ------
    InvalidInputError
        If both or neither of ``cron`` and ``interval_seconds`` are given, the cron string
        does not parse, or the interval is not positive.

    Examples
    --------
    >>> opts = deployment_options(parameters={}, cron="*/5 * * * *")
    >>> opts["schedules"][0].cron, opts["name"]
    ('*/5 * * * *', 'netdyn-scheduled')
    """
    if (cron is None) == (interval_seconds is None):
        raise InvalidInputError(
            "give exactly one of cron (e.g. '*/5 * * * *') and interval_seconds; "
            f"got cron={cron!r}, interval_seconds={interval_seconds!r}"
        )
    if cron is not None:
        try:
            validate_cron_string(cron)
        except ValueError as e:
            raise InvalidInputError(
                f"cron must be five fields 'minute hour day month weekday', e.g. "
                f"'*/5 * * * *'; got {cron!r} ({e})"
            ) from e
        schedule = Cron(cron, timezone=timezone)
    else:
        if not interval_seconds > 0:
            raise InvalidInputError(f"interval_seconds must be > 0; got {interval_seconds}")
        schedule = Interval(interval_seconds, timezone=timezone)
    source = parameters.get("watch") or "the simulated default"
    return {
        "name": name,
        "schedules": [schedule],
        "parameters": parameters,
        "description": f"netdyn: ingest new files of {source} and re-analyse",
        "tags": ["netdyn"],
        "global_limit": ConcurrencyLimitConfig(
            limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW
        ),
        "entrypoint_type": EntrypointType.MODULE_PATH,
    }


def serve(
    *,
    watch: str | os.PathLike[str] | None = None,
    source_format: str | None = None,
    label: str | None = None,
    db: str | os.PathLike[str] = "netdyn.duckdb",
    reports_dir: str | os.PathLike[str] = "reports",
    cron: str | None = None,
    interval_seconds: float | None = None,
    timezone: str = "UTC",
    name: str = DEPLOYMENT_NAME,
    patterns: list[str] | None = None,
    settle_seconds: float = DEFAULT_SETTLE_SECONDS,
    reader_options: dict[str, str] | None = None,
    max_rejected_share: float = DEFAULT_MAX_REJECTED_SHARE,
    n_events: int = 100_000,
    options: AnalysisOptions = DEFAULT_ANALYSIS,
    n_jobs: int | None = None,
) -> None:
    """Serve :func:`scheduled_flow` on a schedule until stopped (blocking; ``netdyn serve``).

    Registers the deployment ``netdyn-scheduled/<name>`` with the Prefect API at
    ``PREFECT_API_URL`` and runs its scheduled runs in this process's runner, one at a time.
    Stop it with SIGTERM or Ctrl-C; its schedule is paused on shutdown.

    Parameters
    ----------
    watch, source_format, label, patterns, settle_seconds, reader_options, \
max_rejected_share, n_events, n_jobs
        The parameters of every run (:func:`scheduled_flow`); checked here, before serving.
    options : AnalysisOptions
        The analysis options of every run (default
        :data:`~netdyn.flows.options.DEFAULT_ANALYSIS`), stored in the deployment as the
        mapping of its fields (the parameter ``options``).
    db, reports_dir : str or PathLike
        Made absolute here, so runs find them whatever their working directory.
    cron, interval_seconds, timezone, name
        The schedule (default :data:`DEFAULT_CRON` when neither is given) and deployment
        name (:func:`deployment_options`).

    Raises
    ------
    InvalidInputError
        If the schedule, the folder, the format or ``n_jobs`` is unusable. (Bad analysis
        options are refused when the :class:`~netdyn.flows.options.AnalysisOptions` is built.)

    Notes
    -----
    Scheduled runs need a Prefect server (``prefect server start``) or Prefect Cloud with
    ``PREFECT_API_URL`` set; against the temporary server a bare process starts, Prefect
    registers the deployment but schedules nothing. See ``docs/deploy.md``.

    Each run executes in a child process started with ``multiprocessing``'s *spawn*, which
    re-imports the ``__main__`` module: a script that calls ``serve`` must do so under
    ``if __name__ == "__main__":``, or every run starts another server instead of the flow
    (the ``netdyn`` console script is guarded).
    """
    if cron is None and interval_seconds is None:
        cron = DEFAULT_CRON
    check_n_jobs(n_jobs)
    if watch is not None:
        if source_format is None:
            raise InvalidInputError("give --source (the files' format) with --watch, e.g. edgelist")
        if not Path(watch).is_dir():
            raise InvalidInputError(
                f"watched folder {watch} does not exist or is not a folder; create it first"
            )
        watch_patterns(source_format, reader_options)
        if not settle_seconds >= 0:
            raise InvalidInputError(f"settle_seconds must be >= 0; got {settle_seconds}")
    elif source_format is not None:
        raise InvalidInputError("--source needs --watch <folder>; or give neither to simulate")
    parameters = {
        "watch": None if watch is None else str(Path(watch).resolve()),
        "source_format": source_format,
        "label": label,
        "db": str(Path(db).resolve()),
        "reports_dir": str(Path(reports_dir).resolve()),
        "patterns": patterns,
        "settle_seconds": settle_seconds,
        "reader_options": reader_options,
        "max_rejected_share": max_rejected_share,
        "n_events": n_events,
        "options": options.model_dump(mode="json"),
        "n_jobs": n_jobs,
    }
    opts = deployment_options(
        parameters=parameters,
        cron=cron,
        interval_seconds=interval_seconds,
        timezone=timezone,
        name=name,
    )
    scheduled_flow.serve(**opts)
