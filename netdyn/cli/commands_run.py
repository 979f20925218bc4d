"""The commands that load and analyse: run, ingest, analyze and compare."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from netdyn.cli.common import (
    FORMATS,
    DaskOption,
    DbOption,
    ForceOption,
    MaxRejectedOption,
    NJobsOption,
    OptionOption,
    OptionsFileOption,
    ReportsOption,
    WaitOption,
    _check_reader,
    _check_sources,
    _handles_errors,
    _reader_options,
    _require_db,
    _running,
    _summary,
    _writable,
    analysis_options,
    app,
    out,
)
from netdyn.core.config import db_path, reports_dir
from netdyn.core.errors import InvalidInputError
from netdyn.core.parallel import check_dask_address, dask_cluster
from netdyn.flows.options import DEFAULT_ANALYSIS, AnalysisOptions, check_n_jobs
from netdyn.ingest.load import DEFAULT_MAX_REJECTED_SHARE

# -------------------------------------------------------------------------- commands


@app.command()
@_handles_errors
@analysis_options
def run(
    source: Annotated[
        str | None, typer.Option(help=f"Format of the data at `--path`: {FORMATS}")
    ] = None,
    path: Annotated[Path | None, typer.Option(help="File or folder to ingest")] = None,
    label: Annotated[str | None, typer.Option(help="Source label for the events")] = None,
    n_events: Annotated[
        int, typer.Option(min=1, help="Events to simulate (without `--source`)")
    ] = 100_000,
    analysis: AnalysisOptions = DEFAULT_ANALYSIS,
    n_jobs: NJobsOption = None,
    dask: DaskOption = None,
    max_rejected_share: MaxRejectedOption = DEFAULT_MAX_REJECTED_SHARE,
    force: ForceOption = False,
    option: OptionOption = None,
    options_file: OptionsFileOption = None,
    db: DbOption = None,
    reports: ReportsOption = None,
    wait: WaitOption = 10.0,
) -> None:
    r"""The main job: ingest (or simulate), analyse, write a report.

    With no options, simulates a MoltBook-like platform of about 100,000 events (seed 0)
    and analyses it. With `--source` and `--path`, ingests that real data and analyses
    exactly its events. Prints the run id, the counts and the power-law fits; the report
    is `<reports-dir>/<run_id>.html`. Takes every analysis option of `netdyn analyze`.

    **Examples**

    ```
    netdyn run
    netdyn run --cp-nulls 20 --role-nulls 2 --mesoscale-nulls 5
    netdyn run --source moltbook-api \
      --path ../shared/data/moltbook-api-sample/posts
    netdyn run --source twitter15-16 --path \
      ../shared/data/twitter15-16-propagation-trees/Twitter15_16_dataset.tar.gz
    ```
    """
    check_n_jobs(n_jobs, name="--n-jobs")
    if dask is not None:
        check_dask_address(dask)

    if (source is None) != (path is None):
        raise InvalidInputError(
            "give both --source and --path to ingest real data, or neither to simulate"
        )
    reader_options = _reader_options(option, options_file)
    if source is not None and path is not None:
        _check_reader(source, path, reader_options)
    from netdyn.flows.engine import run_flow
    from netdyn.flows.pipeline import pipeline_flow

    _writable(db, wait)
    with _running(), dask_cluster(dask):
        result = run_flow(
            pipeline_flow,
            db=str(db_path(db)),
            reports_dir=str(reports_dir(reports)),
            source=source,
            path=None if path is None else str(path),
            label=label,
            n_events=n_events,
            max_rejected_share=max_rejected_share,
            force=force,
            reader_options=reader_options,
            options=analysis,
            n_jobs=n_jobs,
        )
    _summary(result)


@app.command()
@_handles_errors
def ingest(
    source: Annotated[str, typer.Option(help=f"Format: {FORMATS}")],
    path: Annotated[Path, typer.Option(help="File or folder to ingest")],
    label: Annotated[
        str | None, typer.Option(help="Source label for the events (default: the format's)")
    ] = None,
    max_rejected_share: MaxRejectedOption = DEFAULT_MAX_REJECTED_SHARE,
    force: ForceOption = False,
    option: OptionOption = None,
    options_file: OptionsFileOption = None,
    db: DbOption = None,
    wait: WaitOption = 10.0,
) -> None:
    r"""Append a file or folder to the event log (idempotent: re-ingesting adds nothing).

    Each input file is one batch, committed whole or not at all; rows that cannot become
    events go to the `quarantine` table with a reason. A file already ingested (same
    SHA-256) is skipped unread unless `--force`. Your own CSV, Parquet or NDJSON files
    use `--source table` with a column mapping (`--option` or `--options-file`).

    **Examples**

    ```
    netdyn ingest --source edgelist \
      --path ../shared/data/snap-collegemsg/CollegeMsg.txt.gz
    netdyn ingest --source scholp \
      --path ../shared/data/scholp-temporal-simplices/email-Enron
    netdyn ingest --source table --path messages.csv --option kind==message \
      --option actor_id=sender --option target_actor_id=receiver \
      --option occurred_at=sent_at
    ```
    """

    options = _reader_options(option, options_file)
    _check_reader(source, path, options)
    from netdyn.flows.engine import run_flow
    from netdyn.flows.ingest import ingest_flow

    _writable(db, wait)
    with _running():
        result = run_flow(
            ingest_flow,
            source=source,
            path=str(path),
            db=str(db_path(db)),
            label=label,
            max_rejected_share=max_rejected_share,
            force=force,
            options=options,
        )
    table = Table(
        "batch",
        "status",
        "uri",
        "read",
        "inserted",
        "duplicate",
        "quarantined",
        title=f"ingested {escape(result['label'])}",
    )
    for b in result["batches"]:
        table.add_row(
            str(b["batch_id"]),
            b["status"],
            escape(b["uri"]),
            f"{b['n_read']:,}",
            f"{b['n_inserted']:,}",
            f"{b['n_duplicate']:,}",
            f"{b['n_quarantined']:,}",
        )
    out.print(table)
    unresolved = sum(b.get("n_unresolved_targets", 0) for b in result["batches"])
    if unresolved:
        one = unresolved == 1
        out.print(
            f"{unresolved:,} inserted {'reply answers' if one else 'replies answer'} an item "
            f"that is not in the log: {'its' if one else 'their'} target actor stays unknown "
            "(ingest the parents' file first)"
        )


@app.command()
@_handles_errors
@analysis_options
def analyze(
    source: Annotated[
        list[str] | None,
        typer.Option(help="Event source label to analyse (repeatable) [default: all]"),
    ] = None,
    analysis: AnalysisOptions = DEFAULT_ANALYSIS,
    n_jobs: NJobsOption = None,
    dask: DaskOption = None,
    db: DbOption = None,
    reports: ReportsOption = None,
    wait: WaitOption = 10.0,
) -> None:
    r"""Analyse events already in the log and write a report.

    One run over the events of the given sources (default: every source): cascades,
    actor metrics, power-law fits, windows, elites, content cascades, exposure,
    core-periphery, rich club, roles and mesoscale profiles. `netdyn status` lists the
    source labels. `run`, `compare` and `serve` take the same analysis options.

    **Examples**

    ```
    netdyn analyze --source edgelist:CollegeMsg --window 7d --window-step 1d
    netdyn analyze --source twitter15-16 --n-bootstrap 50 --cp-nulls 20
    netdyn analyze --mesoscale-window 1d --rich-club-nulls 5 --n-jobs 1
    netdyn analyze
    ```
    """
    check_n_jobs(n_jobs, name="--n-jobs")
    if dask is not None:
        check_dask_address(dask)

    path = _require_db(db)
    _check_sources(source or [], _writable(db, wait, must_exist=True), path, empty_ok=False)
    from netdyn.flows.analyze import analyze_flow
    from netdyn.flows.engine import run_flow

    with _running(), dask_cluster(dask):
        result = run_flow(
            analyze_flow,
            db=str(path),
            sources=source or None,
            reports_dir=str(reports_dir(reports)),
            options=analysis,
            n_jobs=n_jobs,
        )
    _summary(result)


@app.command()
@_handles_errors
@analysis_options
def compare(
    sources: Annotated[list[str], typer.Argument(help="Source labels; the first is the reference")],
    analysis: AnalysisOptions = DEFAULT_ANALYSIS,
    n_jobs: NJobsOption = None,
    dask: DaskOption = None,
    reuse: Annotated[
        bool,
        typer.Option(
            help="Reuse a completed analysis of a source whose events and options are "
            "unchanged (`--no-reuse` analyses every source again)"
        ),
    ] = True,
    db: DbOption = None,
    reports: ReportsOption = None,
    wait: WaitOption = 10.0,
) -> None:
    r"""Analyse each source in a run of its own and set the results side by side.

    Writes `comparison_statistics` and `comparison_distances` (the KS distance of every
    heavy-tailed quantity against the first source) and a report with overlaid CCDFs.
    Typical pairs: a real source against its null-model replay or its calibrated
    simulation (`netdyn simulate --null ... / --calibrate-from ...`). Every source is
    analysed with the same analysis options (those of `netdyn analyze`). A source analysed
    before with the same options (every one of them), whose events have not changed since,
    is not analysed again: its run is reused (the table says which).

    **Examples**

    ```
    netdyn ingest --source edgelist \
      --path ../shared/data/snap-collegemsg/CollegeMsg.txt.gz
    netdyn simulate --null link_shuffle --replay edgelist:CollegeMsg
    netdyn compare edgelist:CollegeMsg null:link_shuffle:88e4edf284 \
      --cp-nulls 20 --role-nulls 2 --mesoscale-nulls 5
    ```
    """
    check_n_jobs(n_jobs, name="--n-jobs")
    if dask is not None:
        check_dask_address(dask)

    distinct = list(dict.fromkeys(sources))
    if len(distinct) < 2:
        raise InvalidInputError(
            "compare needs at least two distinct source labels, e.g. REAL NULL "
            "(see 'netdyn status' for the labels)"
        )
    path = _require_db(db)
    _check_sources(distinct, _writable(db, wait, must_exist=True), path)
    from netdyn.flows.compare import compare_flow
    from netdyn.flows.engine import run_flow

    with _running(), dask_cluster(dask):
        result = run_flow(
            compare_flow,
            sources=distinct,
            db=str(path),
            reports_dir=str(reports_dir(reports)),
            options=analysis,
            n_jobs=n_jobs,
            reuse=reuse,
        )
    table = Table(title=f"compare run {result['run_id']}", show_header=False)
    for label, run_id in result["analyses"].items():
        note = " (reused)" if label in result.get("reused", []) else ""
        table.add_row(escape(label), run_id + note)
    table.add_row("report", escape(result["report"]))
    out.print(table)
