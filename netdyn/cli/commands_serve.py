"""The command that schedules runs: serve (the scheduled flow over a watched folder)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from netdyn.cli.common import (
    FORMATS,
    DbOption,
    MaxRejectedOption,
    NJobsOption,
    OptionOption,
    OptionsFileOption,
    ReportsOption,
    _handles_errors,
    _reader_options,
    _running,
    analysis_options,
    app,
)
from netdyn.core.config import db_path, reports_dir
from netdyn.core.errors import InvalidInputError
from netdyn.flows.options import DEFAULT_ANALYSIS, AnalysisOptions, check_n_jobs
from netdyn.ingest.load import DEFAULT_MAX_REJECTED_SHARE

# -------------------------------------------------------------------------- commands


def _prefect_api_url() -> str | None:
    """The Prefect API the process talks to (None: a temporary server per process)."""
    from prefect.settings import get_current_settings

    return get_current_settings().api.url


@app.command()
@_handles_errors
@analysis_options
def serve(
    watch: Annotated[
        Path | None,
        typer.Option(help="Folder to watch: each run ingests the files not yet in the log"),
    ] = None,
    source: Annotated[
        str | None, typer.Option(help=f"Format of the watched files: {FORMATS}")
    ] = None,
    label: Annotated[str | None, typer.Option(help="Source label for the events")] = None,
    cron: Annotated[
        str | None,
        typer.Option(help="Cron schedule, e.g. `*/15 * * * *` (default: hourly, `0 * * * *`)"),
    ] = None,
    interval: Annotated[
        float | None, typer.Option(min=1, help="Instead of --cron, run every so many seconds")
    ] = None,
    timezone: Annotated[str, typer.Option(help="Time zone of the cron schedule")] = "UTC",
    name: Annotated[str, typer.Option(help="Deployment name")] = "netdyn-scheduled",
    pattern: Annotated[
        list[str] | None,
        typer.Option(help="Glob of the files to pick up (repeatable; default: the format's)"),
    ] = None,
    settle_seconds: Annotated[
        float,
        typer.Option(min=0, help="Leave files modified this recently for the next run"),
    ] = 10.0,
    option: OptionOption = None,
    options_file: OptionsFileOption = None,
    max_rejected_share: MaxRejectedOption = DEFAULT_MAX_REJECTED_SHARE,
    n_events: Annotated[
        int, typer.Option(min=1, help="Events to simulate when no folder is watched")
    ] = 100_000,
    analysis: AnalysisOptions = DEFAULT_ANALYSIS,
    n_jobs: NJobsOption = None,
    db: DbOption = None,
    reports: ReportsOption = None,
) -> None:
    r"""Serve the pipeline on a schedule through Prefect until stopped (Ctrl-C or SIGTERM).

    Each scheduled run lists `--watch`, ingests only the files whose SHA-256 is not yet
    in the log (hidden, `.part`/`.tmp` and just-modified files wait for the next run),
    re-analyses the source if its events changed, writes a report and publishes its
    summary as Prefect artifacts (`netdyn-run-summary`, `netdyn-powerlaw-fits`,
    `netdyn-ingest-batches`, `netdyn-watched-files`). Without `--watch` it simulates
    the default platform (after the first run, nothing new: the analysis is skipped).
    Every run analyses with the analysis options given here (those of `netdyn analyze`).
    Needs a Prefect server: `prefect server start`, then
    `export PREFECT_API_URL=http://127.0.0.1:4200/api` (see `docs/deploy.md`).

    **Examples**

    ```
    netdyn serve --watch inbox/ --source edgelist --cron "*/5 * * * *"
    netdyn serve --watch inbox/ --source moltbook-api --interval 60 \
      --cp-nulls 20 --role-nulls 2 --mesoscale-nulls 5
    netdyn serve --cron "0 3 * * *"
    ```
    """
    check_n_jobs(n_jobs, name="--n-jobs")
    from netdyn.flows.serve import serve as serve_flow

    if (watch is None) != (source is None):
        raise InvalidInputError(
            "give both --watch FOLDER and --source FORMAT, or neither to serve the simulation"
        )
    if cron is not None and interval is not None:
        raise InvalidInputError("give --cron or --interval, not both")
    if not _prefect_api_url():
        # a temporary server registers the deployment but never schedules a run
        raise InvalidInputError(
            "netdyn serve needs a Prefect server: start one with 'prefect server start' and "
            "export PREFECT_API_URL=http://127.0.0.1:4200/api (see docs/deploy.md)"
        )
    reader_options = _reader_options(option, options_file)
    with _running():
        serve_flow(
            watch=None if watch is None else str(watch),
            source_format=source,
            label=label,
            db=str(db_path(db)),
            reports_dir=str(reports_dir(reports)),
            cron=cron,
            interval_seconds=interval,
            timezone=timezone,
            name=name,
            patterns=pattern,
            settle_seconds=settle_seconds,
            reader_options=reader_options,
            max_rejected_share=max_rejected_share,
            n_events=n_events,
            options=analysis,
            n_jobs=n_jobs,
        )
