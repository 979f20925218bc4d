r"""The ``netdyn`` command line.

Every command takes ``--db`` (environment ``NETDYN_DB``, default ``./netdyn.duckdb``); the
commands that write reports take ``--reports-dir`` (``NETDYN_REPORTS``, default ``./reports``).

Conventions:

* Help is Markdown (``rich_markup_mode="markdown"``); every command shows copy-pasteable
  examples in a code block, each line short enough for an 80-column terminal.
* Bad input ends with one line ``error: <what is wrong>; <how to fix it>`` on stderr and exit
  code 2, never a traceback. Arguments are checked before a Prefect flow starts (which
  costs seconds), so most mistakes fail at once; errors found inside a flow (a file in the
  wrong format) end the same way, with Prefect's traceback of them suppressed.
* Long steps draw progress bars on stderr (:mod:`netdyn.progress`), only on a terminal and
  not with ``--quiet``; results go to stdout.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import socket
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ingest.load import DEFAULT_MAX_REJECTED_SHARE
from netdyn import progress
from netdyn.config import db_path, reports_dir
from netdyn.errors import InvalidInputError, NetDynError

__all__ = ["app", "main"]

app = typer.Typer(
    help=(
        "netdyn: an event-sourced network-dynamics pipeline.\n\n"
        "Events from several formats go into one append-only DuckDB event log; the "
        "analyses, simulations and reports read it. `netdyn COMMAND --help` shows each "
        "command's options and examples.\n\n"
        "**Examples**\n\n"
        "```\n"
        "netdyn run        # simulate ~100,000 events, analyse, report\n"
        "netdyn run --source edgelist \\\n"
        "  --path ../shared/data/snap-collegemsg/CollegeMsg.txt.gz\n"
        "netdyn status\n"
        'netdyn sql "select quantity, alpha, xmin from powerlaw_fits"\n'
        "```"
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)
console = Console(stderr=True)
out = Console()

F = TypeVar("F", bound=Callable[..., Any])


class _Settings:
    """Options of the whole invocation (set by the callback before each command)."""

    quiet: bool = False


_settings = _Settings()

# --------------------------------------------------------------------------- options

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        envvar="NETDYN_DB",
        help="DuckDB file of the event log (default `./netdyn.duckdb`)",
        show_default=False,
    ),
]
ReportsOption = Annotated[
    Path | None,
    typer.Option(
        "--reports-dir",
        envvar="NETDYN_REPORTS",
        help="Folder for the HTML reports (default `./reports`)",
        show_default=False,
    ),
]
WaitOption = Annotated[
    float,
    typer.Option(
        min=0.0,
        help="Seconds to wait while another process holds the database before giving up",
    ),
]
FORMATS = "twitter15-16, moltbook-api, moltbook-observatory, edgelist, table, scholp"
ForceOption = Annotated[
    bool, typer.Option("--force", help="Re-read files already ingested (same SHA-256)")
]
OptionOption = Annotated[
    list[str] | None,
    typer.Option(
        "--option",
        help="Reader option KEY=VALUE (repeatable), e.g. `--option actor_id=sender`",
    ),
]
OptionsFileOption = Annotated[
    Path | None,
    typer.Option(help="TOML file of reader options (a column mapping); `--option` entries win"),
]
SeedOption = Annotated[
    int, typer.Option(min=0, help="Seed of the simulation, the bootstrap and the null models")
]
BootstrapOption = Annotated[
    int,
    typer.Option(
        min=0, help="Bootstrap resamples for each power-law goodness-of-fit p-value (0: skip)"
    ),
]
WindowOption = Annotated[
    str,
    typer.Option(help="Width of the time windows for per-window statistics: 1d, 6h, 30m, 2w"),
]
WindowStepOption = Annotated[
    str | None,
    typer.Option(help="Step between window starts (sliding windows); default: the width"),
]
TopKOption = Annotated[
    int, typer.Option(min=1, help="Elite size whose persistence between windows is measured")
]
NgramOption = Annotated[int, typer.Option(min=1, help="Words per n-gram in content cascades")]
MinAdoptersOption = Annotated[
    int,
    typer.Option(min=1, help="Distinct actors a piece of content needs to count as a cascade"),
]
CpNullsOption = Annotated[
    int, typer.Option(min=0, help="Configuration-model nulls behind each core-periphery p-value")
]
RoleNullsOption = Annotated[
    int,
    typer.Option(min=1, help="Degree-preserving nulls for the structural-role silhouette baseline"),
]
MesoNullsOption = Annotated[
    int, typer.Option(min=2, help="Nulls per community for the modular-vs-hierarchical z-scores")
]
MaxRejectedOption = Annotated[
    float,
    typer.Option(
        min=0.0, max=1.0, help="Fail a batch that rejects more than this share of its records"
    ),
]


# ------------------------------------------------------------------- errors and exits


def _fail(error: BaseException | str) -> None:
    """Print one ``error:`` line on stderr and exit with code 2 (a usage or input error)."""
    console.print(f"[bold red]error:[/] {escape(str(error))}", soft_wrap=True, highlight=False)
    raise typer.Exit(code=2)


def _forget_tracebacks(error: BaseException) -> None:
    """Drop the frames an expected error holds (and its causes): they would keep DuckDB
    objects alive until interpreter exit, where the driver reports them as leaks."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [error]
    while stack:
        item = stack.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        if item.__traceback__ is not None:
            traceback.clear_frames(item.__traceback__)
            item.__traceback__ = None
        stack.extend((item.__cause__, item.__context__))


def _handles_errors(command: F) -> F:
    """Turn the project's errors into one ``error:`` line and exit code 2.

    The exit is raised after the ``except`` block, so it carries no chained exception.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        message = ""
        try:
            return command(*args, **kwargs)
        except NetDynError as e:
            message = str(e) or type(e).__name__
            _forget_tracebacks(e)
        _fail(message)

    return wrapper  # type: ignore[return-value]


def _reader_options(pairs: list[str] | None, path: Path | None) -> dict[str, str] | None:
    """Reader options from a TOML file and KEY=VALUE pairs (pairs win).

    Raises
    ------
    InvalidInputError
        If a pair has no ``=`` or the file is not TOML of strings.
    """
    import tomllib

    options: dict[str, str] = {}
    if path is not None:
        try:
            loaded = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
            raise InvalidInputError(
                f"cannot read --options-file {path}: {e}; pass a TOML file with an [options] table"
            ) from e
        table = loaded.get("options", loaded)
        if not isinstance(table, dict):
            raise InvalidInputError(f"--options-file {path}: [options] must be a table")
        options.update({str(k): str(v) for k, v in table.items()})
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InvalidInputError(f"--option {pair!r} must be KEY=VALUE, e.g. actor_id=sender")
        options[key.strip()] = value.strip()
    return options or None


def _key_values(pairs: list[str] | None, option: str) -> dict[str, str]:
    """``NAME=VALUE`` pairs as a dict (later pairs win).

    Raises
    ------
    InvalidInputError
        If a pair has no ``=`` or no name.
    """
    values: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InvalidInputError(
                f"{option} {pair!r} must be NAME=VALUE, e.g. source=twitter15-16"
            )
        values[key.strip()] = value
    return values


# ------------------------------------------------------------------------ checks


def _check_db_file(db: Path | None) -> Path:
    """The database path, refused when it names a folder."""
    path = db_path(db)
    if path.is_dir():
        raise InvalidInputError(
            f"--db {path} is a folder; pass a database file, e.g. --db {path / 'netdyn.duckdb'}"
        )
    return path


def _require_db(db: Path | None) -> Path:
    """The database path of a command that reads existing data."""
    path = _check_db_file(db)
    if not path.exists():
        raise InvalidInputError(
            f"no database at {path}; create one with 'netdyn run', 'netdyn ingest' or "
            "'netdyn simulate', or point --db (or NETDYN_DB) at an existing file"
        )
    return path


def _writable(db: Path | None, wait: float, *, must_exist: bool = False) -> list[str]:
    """Check that the database can be opened for writing (waiting up to ``wait`` seconds for
    another writer), apply missing migrations, and return the source labels it holds."""
    from netdyn.db import connect

    path = _require_db(db) if must_exist else _check_db_file(db)
    try:
        con = connect(path, wait_seconds=wait)
    except OSError as e:  # the folder cannot be created, no permission
        raise InvalidInputError(
            f"cannot create or open the database {path}: {e.strerror or e}; pass a --db "
            "path in a folder you can write"
        ) from None
    try:
        return [r[0] for r in con.execute("select distinct source from events").fetchall()]
    finally:
        con.close()


def _check_sources(wanted: list[str], known: list[str], db: Path, *, empty_ok: bool = True) -> None:
    """Refuse source labels the log does not hold (and an empty log unless ``empty_ok``)."""
    missing = [s for s in dict.fromkeys(wanted) if s not in known]
    if not missing and (known or empty_ok):
        return
    if not known:
        raise InvalidInputError(
            f"the event log {db} is empty; ingest data first ('netdyn ingest') or simulate"
        )
    shown = ", ".join(sorted(known)[:12]) + (", ..." if len(known) > 12 else "")
    raise InvalidInputError(
        f"no events with source {', '.join(map(repr, missing))} in {db}; known sources: "
        f"{shown} (see 'netdyn status')"
    )


def _check_reader(source: str, path: Path, options: dict[str, str] | None) -> None:
    from ingest.readers import get_reader

    spec = get_reader(source, options)  # unknown format or bad options: InvalidInputError
    if not path.exists():
        raise InvalidInputError(f"path {path} does not exist; pass the file or folder to ingest")
    if not spec.inputs(path):
        raise InvalidInputError(
            f"the folder {path} holds no {source} files (looked for "
            f"{', '.join(spec.patterns)}); pass a file, or the folder that holds them"
        )


def _check_subcritical(ratio: float, flag: str) -> None:
    if ratio >= 1.0:
        raise InvalidInputError(
            f"{flag} must be < 1 to simulate about --n-events events; got {ratio:g} "
            "(at or above 1 the mean cascade size is infinite)"
        )


def _check_window(window: str, window_step: str | None = None) -> None:
    from analytics.windows import WindowSpec

    try:
        WindowSpec.parse(window, window_step)
    except InvalidInputError as e:
        flag = "--window-step" if "step" in str(e) else "--window"
        raise InvalidInputError(f"{flag}: {e}") from None


# --------------------------------------------------------------------- progress display


class _CliLogFilter(logging.Filter):
    """Prefect log records as the command line shows them.

    Records of the project's own errors lose their traceback (the command prints one
    ``error:`` line instead). With ``hide_completed``, the INFO lines of completed task runs
    are dropped from the console (the progress display prints them with their durations).
    """

    def __init__(self, *, hide_completed: bool = False) -> None:
        super().__init__()
        self.hide_completed = hide_completed

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], NetDynError):
            record.exc_info = None
            record.exc_text = None
        return not (
            self.hide_completed
            and record.name == "prefect.task_runs"
            and record.getMessage().startswith("Finished in state Completed")
        )


class _RichListener:
    """Draws :mod:`netdyn.progress` events as ``rich`` progress bars."""

    def __init__(self, bars: Any) -> None:
        self._bars = bars
        self._ids: dict[int, Any] = {}

    def __call__(self, event: progress.ProgressEvent) -> None:
        bars = self._bars
        if event.action == "note":
            bars.console.print(f"  {escape(event.description)}", highlight=False)
        elif event.action == "start":
            self._ids[event.task_id] = bars.add_task(
                escape(event.description), total=event.total, completed=event.completed
            )
        elif event.task_id in self._ids:
            if event.action == "finish":
                bars.remove_task(self._ids.pop(event.task_id))
            else:
                bars.update(
                    self._ids[event.task_id],
                    description=escape(event.description),
                    total=event.total,
                    completed=event.completed,
                )


def _prefect_console_handlers() -> list[logging.Handler]:
    try:
        from prefect.logging.handlers import PrefectConsoleHandler
    except ImportError:  # pragma: no cover - prefect is a dependency
        return []
    handlers = []
    for name in ("", "prefect", "prefect.flow_runs", "prefect.task_runs"):
        handlers += [
            h for h in logging.getLogger(name).handlers if isinstance(h, PrefectConsoleHandler)
        ]
    return handlers


@contextmanager
def _running(*, flows: bool = True) -> Iterator[None]:
    """The block runs a long command: progress bars on a terminal (not with ``--quiet``),
    Prefect's console logs above them, tracebacks of expected errors suppressed."""
    with ExitStack() as stack:
        show = not _settings.quiet and console.is_terminal
        log_filter = _CliLogFilter()  # on the loggers: every handler sees it
        console_filter = _CliLogFilter(hide_completed=True)
        loggers = [logging.getLogger(n) for n in ("prefect.flow_runs", "prefect.task_runs")]
        handlers = _prefect_console_handlers() if flows else []
        for item in loggers:
            item.addFilter(log_filter)
            stack.callback(item.removeFilter, log_filter)
        if _settings.quiet:
            # for the rest of the process: Prefect logs "Stopping temporary server" at exit
            for handler in handlers:
                handler.setLevel(max(handler.level, logging.WARNING))
        if show:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            bars = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            )
            stack.enter_context(bars)
            # Prefect's console handler holds the real stderr: route it through the live
            # display's proxy so that its lines print above the bars instead of over them
            for handler in handlers:
                handler.addFilter(console_filter)
                stack.callback(handler.removeFilter, console_filter)
                if isinstance(handler, logging.StreamHandler):
                    stack.callback(handler.setStream, handler.stream)
                    handler.setStream(sys.stderr)
                rich_console = getattr(handler, "console", None)
                if isinstance(rich_console, Console):
                    stack.callback(setattr, rich_console, "file", rich_console.file)
                    rich_console.file = sys.stderr
            stack.enter_context(progress.listen(_RichListener(bars)))
            if flows:
                stack.enter_context(progress.flow_steps())
        yield


@app.callback()
def _main(
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet",
            "-q",
            envvar="NETDYN_QUIET",
            help="No progress bars and no Prefect INFO lines (warnings and errors still show)",
        ),
    ] = False,
) -> None:
    """netdyn: an event-sourced network-dynamics pipeline."""
    global console, out
    _settings.quiet = quiet
    # fresh consoles per invocation: they read the terminal width (COLUMNS) now
    console, out = Console(stderr=True), Console()


# ---------------------------------------------------------------------------- output


def _summary(result: dict) -> None:
    analysis = result.get("analysis", result)
    load = result.get("load")
    table = Table(title=f"run {analysis['run_id']}", show_header=False)
    if load:
        table.add_row("source label", escape(load["label"]))
        for key in ("n_read", "n_inserted", "n_duplicate", "n_quarantined", "n_skipped"):
            if key in load:
                table.add_row(key, f"{load[key]:,}")
    for key in ("n_cascades", "n_orphan_nodes", "n_actors", "n_edges"):
        table.add_row(key, f"{analysis[key]:,}")
    for fit in analysis["fits"]:
        if fit["status"] == "ok":
            text = f"alpha={fit['alpha']:.3f} xmin={fit['xmin']:g} n_tail={fit['n_tail']:,}"
        else:
            text = fit["status"]
        table.add_row(f"power law: {fit['quantity']}", text)
    table.add_row("report", escape(analysis["report"]))
    out.print(table)


# -------------------------------------------------------------------------- commands


@app.command()
@_handles_errors
def run(
    source: Annotated[
        str | None, typer.Option(help=f"Format of the data at `--path`: {FORMATS}")
    ] = None,
    path: Annotated[Path | None, typer.Option(help="File or folder to ingest")] = None,
    label: Annotated[str | None, typer.Option(help="Source label for the events")] = None,
    n_events: Annotated[
        int, typer.Option(min=1, help="Events to simulate (without `--source`)")
    ] = 100_000,
    seed: SeedOption = 0,
    n_bootstrap: BootstrapOption = 200,
    window: WindowOption = "1d",
    window_step: WindowStepOption = None,
    top_k: TopKOption = 10,
    ngram: NgramOption = 3,
    min_adopters: MinAdoptersOption = 2,
    cp_nulls: CpNullsOption = 100,
    role_nulls: RoleNullsOption = 10,
    mesoscale_nulls: MesoNullsOption = 20,
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
    is `<reports-dir>/<run_id>.html`.

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
    from flows.pipeline import pipeline_flow

    if (source is None) != (path is None):
        raise InvalidInputError(
            "give both --source and --path to ingest real data, or neither to simulate"
        )
    options = _reader_options(option, options_file)
    if source is not None and path is not None:
        _check_reader(source, path, options)
    _check_window(window, window_step)
    _writable(db, wait)
    with _running():
        result = pipeline_flow(
            db=str(db_path(db)),
            reports_dir=str(reports_dir(reports)),
            source=source,
            path=None if path is None else str(path),
            label=label,
            n_events=n_events,
            seed=seed,
            max_rejected_share=max_rejected_share,
            force=force,
            options=options,
            n_bootstrap=n_bootstrap,
            window=window,
            window_step=window_step,
            top_k=top_k,
            ngram=ngram,
            min_adopters=min_adopters,
            cp_nulls=cp_nulls,
            role_nulls=role_nulls,
            mesoscale_nulls=mesoscale_nulls,
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
    from flows.ingest import ingest_flow

    options = _reader_options(option, options_file)
    _check_reader(source, path, options)
    _writable(db, wait)
    with _running():
        result = ingest_flow(
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


@app.command()
@_handles_errors
def analyze(
    source: Annotated[
        list[str] | None,
        typer.Option(help="Event source label to analyse (repeatable) [default: all]"),
    ] = None,
    n_bootstrap: BootstrapOption = 200,
    seed: SeedOption = 0,
    window: WindowOption = "1d",
    window_step: WindowStepOption = None,
    top_k: TopKOption = 10,
    ngram: NgramOption = 3,
    min_adopters: MinAdoptersOption = 2,
    cp_nulls: CpNullsOption = 100,
    role_nulls: RoleNullsOption = 10,
    mesoscale_nulls: MesoNullsOption = 20,
    db: DbOption = None,
    reports: ReportsOption = None,
    wait: WaitOption = 10.0,
) -> None:
    r"""Analyse events already in the log and write a report.

    One run over the events of the given sources (default: every source): cascades,
    actor metrics, power-law fits, windows, elites, content cascades, exposure,
    core-periphery and roles. `netdyn status` lists the source labels.

    **Examples**

    ```
    netdyn analyze --source edgelist:CollegeMsg --window 7d --window-step 1d
    netdyn analyze --source twitter15-16 --n-bootstrap 50 --cp-nulls 20
    netdyn analyze
    ```
    """
    from flows.analyze import analyze_flow

    _check_window(window, window_step)
    path = _require_db(db)
    _check_sources(source or [], _writable(db, wait, must_exist=True), path, empty_ok=False)
    with _running():
        result = analyze_flow(
            db=str(path),
            sources=source or None,
            reports_dir=str(reports_dir(reports)),
            n_bootstrap=n_bootstrap,
            seed=seed,
            window=window,
            window_step=window_step,
            top_k=top_k,
            ngram=ngram,
            min_adopters=min_adopters,
            cp_nulls=cp_nulls,
            role_nulls=role_nulls,
            mesoscale_nulls=mesoscale_nulls,
        )
    _summary(result)


@app.command()
@_handles_errors
def simulate(
    n_events: Annotated[int, typer.Option(min=1, help="About this many events")] = 100_000,
    seed: SeedOption = 0,
    n_actors: Annotated[int, typer.Option(min=1, help="Number of actors")] = 5_000,
    branching_ratio: Annotated[
        float, typer.Option(min=0.0, help="Mean replies per item (< 1)")
    ] = 0.9,
    null: Annotated[
        str | None,
        typer.Option(
            help="Instead of a platform, replay `--replay SOURCE` under a null model: "
            "timestamp_shuffle, link_shuffle, timeline_shuffle, inter_event_shuffle"
        ),
    ] = None,
    replay: Annotated[
        str | None, typer.Option(help="Source label to replay under `--null`")
    ] = None,
    calibrate_from: Annotated[
        str | None,
        typer.Option(
            help="Instead, fit the branching platform model to this source label and "
            "append a synthetic log of its size (label `sim:branching:<hash>`)"
        ),
    ] = None,
    db: DbOption = None,
    wait: WaitOption = 10.0,
) -> None:
    r"""Simulate a platform into the event log, or replay a source under a null model.

    A MoltBook-like platform goes in under `sim:platform:<hash>`; a null-model replay of
    a real source under `null:<model>:<hash>`; a branching model fitted to a source under
    `sim:branching:<hash>`. The same parameters and seed give the same label and events,
    so re-running appends nothing new.

    **Examples**

    ```
    netdyn simulate --n-events 20000 --seed 7
    netdyn simulate --null link_shuffle --replay edgelist:CollegeMsg --seed 1
    netdyn simulate --calibrate-from edgelist:CollegeMsg --seed 1
    ```
    """
    from flows.simulate import calibrated_flow, null_replay_flow, simulate_flow

    if (null is None) != (replay is None):
        raise InvalidInputError(
            "give --null MODEL and --replay SOURCE together, e.g. "
            "--null link_shuffle --replay twitter15-16"
        )
    if calibrate_from is not None and null is not None:
        raise InvalidInputError("choose one of --calibrate-from and --null/--replay")
    if calibrate_from is not None or replay is not None:
        from sim.nulls import NULL_MODELS

        if null is not None and null not in NULL_MODELS:
            raise InvalidInputError(
                f"unknown null model {null!r}; use one of {', '.join(sorted(NULL_MODELS))}"
            )
        path = _require_db(db)
        known = _writable(db, wait, must_exist=True)
        _check_sources([calibrate_from or replay or ""], known, path)
    else:
        from sim.platform import PlatformParams

        _check_subcritical(branching_ratio, "--branching-ratio")
        PlatformParams.for_events(
            n_events, seed=seed, n_actors=n_actors, branching_ratio=branching_ratio
        )
        _writable(db, wait)

    if calibrate_from is not None:
        with _running():
            result = calibrated_flow(db=str(db_path(db)), source=calibrate_from, seed=seed)
        params = ", ".join(
            f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
            for k, v in result["params"].items()
            if k in ("n_actors", "n_roots", "branching_ratio", "activity_exponent")
        )
        out.print(
            f"calibrated [bold]{escape(result['label'])}[/] from {escape(calibrate_from)} "
            f"({escape(params)}): {result['n_inserted']:,} events inserted"
        )
        return
    if null is not None and replay is not None:
        with _running():
            result = null_replay_flow(db=str(db_path(db)), source=replay, model=null, seed=seed)
        out.print(
            f"replayed [bold]{escape(replay)}[/] under {escape(null)} as "
            f"[bold]{escape(result['label'])}[/]: {result['n_inserted']:,} events inserted "
            f"({result['n_duplicate']:,} already present)"
        )
        return
    with _running():
        result = simulate_flow(
            db=str(db_path(db)),
            n_events=n_events,
            seed=seed,
            n_actors=n_actors,
            branching_ratio=branching_ratio,
        )
    out.print(
        f"simulated [bold]{escape(result['label'])}[/]: {result['n_inserted']:,} events "
        f"inserted ({result['n_duplicate']:,} already present)"
    )


@app.command()
@_handles_errors
def compare(
    sources: Annotated[list[str], typer.Argument(help="Source labels; the first is the reference")],
    n_bootstrap: BootstrapOption = 200,
    seed: SeedOption = 0,
    window: WindowOption = "1d",
    cp_nulls: CpNullsOption = 100,
    role_nulls: RoleNullsOption = 10,
    mesoscale_nulls: MesoNullsOption = 20,
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
    simulation (`netdyn simulate --null ... / --calibrate-from ...`). A source analysed
    before with the same options, whose events have not changed since, is not analysed
    again: its run is reused (the table says which).

    **Examples**

    ```
    netdyn ingest --source edgelist \
      --path ../shared/data/snap-collegemsg/CollegeMsg.txt.gz
    netdyn simulate --null link_shuffle --replay edgelist:CollegeMsg
    netdyn compare edgelist:CollegeMsg null:link_shuffle:88e4edf284 \
      --cp-nulls 20 --role-nulls 2 --mesoscale-nulls 5
    ```
    """
    from flows.compare import compare_flow

    distinct = list(dict.fromkeys(sources))
    if len(distinct) < 2:
        raise InvalidInputError(
            "compare needs at least two distinct source labels, e.g. REAL NULL "
            "(see 'netdyn status' for the labels)"
        )
    _check_window(window)
    path = _require_db(db)
    _check_sources(distinct, _writable(db, wait, must_exist=True), path)
    with _running():
        result = compare_flow(
            sources=distinct,
            db=str(path),
            reports_dir=str(reports_dir(reports)),
            n_bootstrap=n_bootstrap,
            seed=seed,
            window=window,
            cp_nulls=cp_nulls,
            role_nulls=role_nulls,
            mesoscale_nulls=mesoscale_nulls,
            reuse=reuse,
        )
    table = Table(title=f"compare run {result['run_id']}", show_header=False)
    for label, run_id in result["analyses"].items():
        note = " (reused)" if label in result.get("reused", []) else ""
        table.add_row(escape(label), run_id + note)
    table.add_row("report", escape(result["report"]))
    out.print(table)


_DASK_ADDRESS = re.compile(r"^(local|[a-z][a-z0-9+]*://\S+|[\w.-]+:\d+)$")


def _sweep_axes(vary: list[str]) -> dict[str, list[float]]:
    axes: dict[str, list[float]] = {}
    for item in vary:
        name, sep, values = item.partition("=")
        if not sep or not values.strip() or not name.strip():
            raise InvalidInputError(
                f"--vary {item!r} must be NAME=V1,V2,..., e.g. branching_ratio=0.5,0.9"
            )
        try:
            axes[name.strip()] = [float(v) for v in values.split(",")]
        except ValueError:
            raise InvalidInputError(
                f"--vary {item!r}: the values must be numbers separated by commas, "
                "e.g. branching_ratio=0.5,0.9"
            ) from None
    return axes


@app.command()
@_handles_errors
def sweep(
    vary: Annotated[
        list[str],
        typer.Option(
            help="A swept parameter and its values, NAME=V1,V2,... (repeatable): "
            "branching_ratio, activity_exponent, attachment_offset, n_communities"
        ),
    ],
    n_events: Annotated[int, typer.Option(min=1, help="About this many events per point")] = 20_000,
    seed: Annotated[int, typer.Option(min=0, help="Root seed (each point gets its own child)")] = 0,
    dask: Annotated[
        str | None,
        typer.Option(
            help="Run the points on a Dask cluster: a scheduler address "
            "(`tcp://host:8786`), or `local` for a local cluster of two workers"
        ),
    ] = None,
    db: DbOption = None,
    wait: WaitOption = 10.0,
) -> None:
    r"""Simulate the platform model at every point of a parameter grid.

    One Prefect task per point (threads, or the workers of a Dask cluster); the
    statistics of every point go to `sweep_results`. The grid is the product of the
    `--vary` axes.

    **Examples**

    ```
    netdyn sweep --vary branching_ratio=0.5,0.8,0.95 \
      --vary activity_exponent=2,3
    netdyn sweep --vary branching_ratio=0.5,0.9 --n-events 5000 --dask local
    ```
    """
    from flows.sweep import sweep_flow, sweep_grid
    from sim.platform import PlatformParams

    axes = _sweep_axes(vary)
    for value in axes.get("branching_ratio", []):
        _check_subcritical(value, "--vary branching_ratio")
    for point in sweep_grid(axes):
        PlatformParams.for_events(
            n_events,
            seed=seed,
            **{k: (int(v) if k == "n_communities" else float(v)) for k, v in point.items()},
        )
    runner_flow = sweep_flow
    if dask is not None:
        if not _DASK_ADDRESS.match(dask):
            raise InvalidInputError(
                f"--dask {dask!r} is not a scheduler address; pass e.g. tcp://host:8786 or 'local'"
            )
        try:
            from prefect_dask import DaskTaskRunner
        except ImportError as e:
            raise InvalidInputError(
                "--dask needs the prefect-dask package: pip install 'prefect-dask>=0.3.7'"
            ) from e
        runner = (
            DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1})
            if dask == "local"
            else DaskTaskRunner(address=dask)
        )
        runner_flow = sweep_flow.with_options(task_runner=runner)
    _writable(db, wait)
    with _running():
        result = runner_flow(axes=axes, db=str(db_path(db)), n_events=n_events, seed=seed)
    out.print(f"sweep run {result['run_id']}: {result['n_points']} points in sweep_results")


def _open_read_only(db: Path | None, wait: float):
    """Open the database read-only, waiting up to ``wait`` seconds for a writer."""
    from netdyn.db import connect

    return connect(_require_db(db), read_only=True, wait_seconds=wait)


# ---------------------------------------------------------------------------- status


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _iso(value: Any) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def _status_data(con: Any, *, n_runs: int) -> dict[str, Any]:
    """What the log holds (one entry per source) and the most recent runs (newest first)."""
    from netdyn.db import schema_version

    sources = con.execute(
        """
        with labels as (
            select source from events union select source from ingest_batches
            union select source from quarantine
        ),
        ev as (
            select source, count(*) as n_events, min(occurred_at) as first_occurred_at,
                   max(occurred_at) as last_occurred_at, min(event_seq) as first_event_seq,
                   max(event_seq) as last_event_seq
            from events group by source
        ),
        kinds as (
            select source, map_from_entries(list((kind, n) order by n desc, kind)) as kinds
            from (select source, kind, count(*) as n from events group by source, kind)
            group by source
        ),
        batches as (
            select source, count(*) filter (where status = 'committed') as n_batches,
                   count(*) filter (where status <> 'committed') as n_failed_batches
            from ingest_batches group by source
        ),
        rejected as (select source, count(*) as n_quarantined from quarantine group by source)
        select labels.source, coalesce(ev.n_events, 0), kinds.kinds, ev.first_occurred_at,
               ev.last_occurred_at, ev.first_event_seq, ev.last_event_seq,
               coalesce(batches.n_batches, 0), coalesce(batches.n_failed_batches, 0),
               coalesce(rejected.n_quarantined, 0)
        from labels
        left join ev using (source) left join kinds using (source)
        left join batches using (source) left join rejected using (source)
        order by labels.source
        """
    ).fetchall()
    runs = con.execute(
        """
        select run_id, flow, status, sources, started_at, finished_at, report_path, error,
               pid, host, epoch(coalesce(finished_at, current_timestamp) - started_at)
        from runs order by started_at desc, run_id desc limit ?
        """,
        [n_runs],
    ).fetchall()
    host = socket.gethostname()
    return {
        "schema_version": schema_version(con),
        "sources": [
            {
                "source": r[0],
                "n_events": int(r[1]),
                "kinds": {str(k): int(v) for k, v in (r[2] or {}).items()},
                "first_occurred_at": _iso(r[3]),
                "last_occurred_at": _iso(r[4]),
                "first_event_seq": r[5],
                "last_event_seq": r[6],
                "n_batches": int(r[7]),
                "n_failed_batches": int(r[8]),
                "n_quarantined": int(r[9]),
            }
            for r in sources
        ],
        "runs": [
            {
                "run_id": r[0],
                "flow": r[1],
                "status": r[2],
                # a running run whose process is gone (this host only) will be marked
                # abandoned by the next run that starts (netdyn.runs.abandon_dead_runs)
                "is_process_dead": (
                    None
                    if r[2] != "running" or r[8] is None or r[9] != host
                    else not _pid_alive(int(r[8]))
                ),
                "sources": list(r[3] or []),
                "started_at": _iso(r[4]),
                "finished_at": _iso(r[5]),
                "duration_seconds": None if r[10] is None else round(float(r[10]), 3),
                "report_path": r[6],
                "error": r[7],
                "pid": r[8],
                "host": r[9],
            }
            for r in runs
        ],
    }


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _when(iso: str | None) -> str:
    return "" if iso is None else iso.replace("T", " ")[:19]


def _prefect_api_url() -> str | None:
    """The Prefect API the process talks to (None: a temporary server per process)."""
    from prefect.settings import get_current_settings

    return get_current_settings().api.url


@app.command()
@_handles_errors
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
    seed: SeedOption = 0,
    n_bootstrap: BootstrapOption = 200,
    window: WindowOption = "1d",
    window_step: WindowStepOption = None,
    top_k: TopKOption = 10,
    ngram: NgramOption = 3,
    min_adopters: MinAdoptersOption = 2,
    cp_nulls: CpNullsOption = 100,
    role_nulls: RoleNullsOption = 10,
    mesoscale_nulls: MesoNullsOption = 20,
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
    from flows.serve import serve as serve_flow

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
    options = _reader_options(option, options_file)
    _check_window(window, window_step)
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
            options=options,
            max_rejected_share=max_rejected_share,
            n_events=n_events,
            seed=seed,
            n_bootstrap=n_bootstrap,
            window=window,
            window_step=window_step,
            top_k=top_k,
            ngram=ngram,
            min_adopters=min_adopters,
            cp_nulls=cp_nulls,
            role_nulls=role_nulls,
            mesoscale_nulls=mesoscale_nulls,
        )


@app.command()
@_handles_errors
def status(
    db: DbOption = None,
    wait: WaitOption = 10.0,
    runs: Annotated[int, typer.Option("--runs", min=0, help="How many recent runs to show")] = 10,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object (for scripts) instead of tables")
    ] = False,
) -> None:
    r"""What the event log holds and the most recent runs.

    Per source: events, kinds, first and last `occurred_at`, batches and quarantined
    rows. Per run: id, flow, status, sources, start, duration and report. A run shown
    as `running` whose process is gone was killed; the next run marks it `abandoned`
    and deletes its partial results. Opens the database read-only.

    **Examples**

    ```
    netdyn status
    netdyn status --runs 30
    netdyn status --json | python -m json.tool
    ```
    """
    con = _open_read_only(db, wait)
    try:
        data = {"database": str(db_path(db)), **_status_data(con, n_runs=runs)}
    finally:
        con.close()
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    n_events = sum(s["n_events"] for s in data["sources"])
    out.print(
        f"database [bold]{escape(data['database'])}[/] (schema {data['schema_version']:03d}): "
        f"{n_events:,} events in {len(data['sources'])} sources",
        highlight=False,
    )
    table = Table(
        "source",
        "events",
        "kinds",
        "first occurred_at",
        "last occurred_at",
        "batches",
        "quarantined",
        title="event log",
    )
    for s in data["sources"]:
        batches = f"{s['n_batches']:,}"
        if s["n_failed_batches"]:
            batches += f" ({s['n_failed_batches']:,} failed)"
        table.add_row(
            escape(s["source"]),
            f"{s['n_events']:,}",
            escape(", ".join(f"{k} {v:,}" for k, v in s["kinds"].items())),
            _when(s["first_occurred_at"]) or "(no times)",
            _when(s["last_occurred_at"]),
            batches,
            f"{s['n_quarantined']:,}",
        )
    out.print(table)
    recent = Table(
        "run_id",
        "flow",
        "status",
        "sources",
        "started (UTC)",
        "duration",
        "report",
        title="recent runs",
    )
    for r in data["runs"]:
        state = r["status"]
        if r["is_process_dead"]:
            state = f"[red]running, process {r['pid']} is gone[/] (abandoned at the next run)"
        elif r["status"] == "failed":
            state = f"[red]failed[/]: {escape((r['error'] or '')[:80])}"
        recent.add_row(
            r["run_id"],
            r["flow"],
            state,
            escape(", ".join(r["sources"])),
            _when(r["started_at"]),
            _duration(r["duration_seconds"]),
            escape(r["report_path"] or ""),
        )
    out.print(recent)


# ------------------------------------------------------------------------------- sql


class OutputFormat(StrEnum):
    """How ``netdyn sql`` prints its result."""

    table = "table"
    csv = "csv"
    json = "json"


#: Statement types ``netdyn sql`` runs: those that read (writes are refused before running).
_READ_STATEMENTS = frozenset({"SELECT", "EXPLAIN", "PRAGMA", "CALL", "SET", "VARIABLE_SET"})


def _sql_text(query: str | None, file: Path | None) -> str:
    """The SQL to run: the argument or the file (``-``: standard input); exactly one.

    (The named queries of ``sql/queries`` -- ``--query NAME --param k=v``, ``--list`` --
    come in here as a third source of SQL text.)
    """
    if (query is None) == (file is None):
        raise InvalidInputError(
            'give the SQL either as an argument (netdyn sql "select ...") or with '
            "--file query.sql, not both or neither"
        )
    if file is None:
        assert query is not None
        text = query
    elif str(file) == "-":
        text = sys.stdin.read()
    else:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise InvalidInputError(
                f"cannot read --file {file}: {e}; pass a UTF-8 text file of SQL"
            ) from e
    if not text.strip():
        raise InvalidInputError("the SQL is empty; write a query such as 'select 1'")
    return text


def _check_read_only(con: Any, text: str) -> None:
    """Refuse statements that would write (before anything runs)."""
    import duckdb

    try:
        statements = con.extract_statements(text)
    except duckdb.Error as e:
        raise InvalidInputError(f"the SQL does not parse: {e}") from None
    for statement in statements:
        kind = statement.type.name
        if kind not in _READ_STATEMENTS:
            raise InvalidInputError(
                f"netdyn sql is read-only (select, explain, pragma, call); refused a statement "
                f"of type {kind}. The database changes only through netdyn commands (ingest, "
                "simulate, analyze); to work on a copy, 'netdyn export --out DIR' and use "
                "duckdb on the Parquet files"
            )


def _frame_text(frame: Any, fmt: OutputFormat) -> str:
    import polars as pl

    if fmt is OutputFormat.json:
        return frame.write_json() + "\n"
    nested = [
        name
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.List | pl.Array | pl.Struct)
    ]
    if nested:  # CSV has no nested values: write them as JSON text
        frame = frame.with_columns(
            pl.Series(
                name,
                [None if v is None else json.dumps(v, default=str) for v in frame[name].to_list()],
                dtype=pl.String,
            )
            for name in nested
        )
    return frame.write_csv()


@app.command()
@_handles_errors
def sql(
    query: Annotated[
        str | None, typer.Argument(help="SQL to run read-only (or use `--file`)")
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", "-f", help="Read the SQL from this file (`-`: standard input)"),
    ] = None,
    fmt: Annotated[
        OutputFormat,
        typer.Option(
            "--format",
            help="`table` for reading (first 50 rows), `csv` or `json` (all rows) for scripts",
        ),
    ] = OutputFormat.table,
    named: Annotated[
        str | None,
        typer.Option("--query", help="Run the named analyst query of `sql/queries`"),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(help="A parameter of `--query`, NAME=VALUE (repeatable)"),
    ] = None,
    list_named: Annotated[
        bool, typer.Option("--list", help="List the named queries and their parameters")
    ] = False,
    db: DbOption = None,
    wait: WaitOption = 10.0,
) -> None:
    r"""Run a read-only SQL query on the database and print the result.

    The database is opened read-only and statements that write (insert, create, copy,
    attach, ...) are refused before anything runs. While a run is writing, the command
    waits up to `--wait` seconds for the lock, then says so; `netdyn export` writes a
    Parquet snapshot that needs no lock. `docs/tables.md` describes every table.

    **Examples**

    ```
    netdyn sql "select quantity, alpha, xmin, n_tail from powerlaw_fits"
    netdyn sql "select source, count(*) as n from events group by all"
    netdyn sql --format csv "select * from runs" > runs.csv
    echo "select kind, count(*) as n from events group by all" > q.sql
    netdyn sql --file q.sql --format json
    netdyn sql --list
    netdyn sql --query largest_cascades_in_window --param source=twitter15-16
    ```

    The named queries (`sql/queries`, described in `docs/sql.md`) bind their parameters
    as values, never as SQL text; the analyst views `stg_*` and `mart_*` can be queried
    like tables.
    """
    import duckdb
    import polars as pl

    from netdyn.sqlmodels import list_queries, load_query, run_query

    if list_named:
        for q in list_queries():
            params = " ".join(f"--param {k}={v}" for k, v in q.parameters.items())
            out.print(f"[bold]{escape(q.name)}[/]  {escape(q.question)}")
            if params:
                out.print(f"    {escape(params)}", highlight=False)
        return
    if named is None:
        if param:
            raise InvalidInputError("--param goes with --query NAME; see netdyn sql --list")
        text = _sql_text(query, file)
    else:
        if query is not None or file is not None:
            raise InvalidInputError(
                "give either SQL (an argument or --file) or --query NAME, not both"
            )
        load_query(named)  # unknown names fail before the database opens
        values = _key_values(param, "--param")
    con = _open_read_only(db, wait)
    try:
        if named is not None:
            frame = run_query(con, named, values)
        else:
            _check_read_only(con, text)
        try:
            if named is None:
                relation = con.sql(text)
                frame = None if relation is None else relation.pl()
        except duckdb.Error as e:
            message = str(e)
            if "read-only" in message or "read only" in message:
                raise InvalidInputError(
                    f"netdyn sql opens the database read-only and cannot change it ({message})"
                ) from None
            raise InvalidInputError(
                f"query failed: {message.rstrip('.')}; list the tables with "
                'netdyn sql "show tables" (docs/tables.md describes their columns)'
            ) from None
    finally:
        con.close()
    if frame is None:
        return
    if fmt is OutputFormat.table:
        with pl.Config(tbl_rows=50, tbl_cols=20, fmt_str_lengths=60):
            out.print(str(frame), markup=False, highlight=False, soft_wrap=True)
    else:
        typer.echo(_frame_text(frame, fmt), nl=False)


@app.command()
@_handles_errors
def export(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for the Parquet export (replaced)")
    ],
    db: DbOption = None,
    wait: WaitOption = 10.0,
) -> None:
    r"""Export events (by source and day) and results (by run) to hive-partitioned Parquet.

    Other tools read the export without any lock, even while netdyn writes the
    database. The folder is replaced.

    **Examples**

    ```
    netdyn export --out export/
    python -c 'import duckdb; print(duckdb.read_parquet(
      "export/events/**/*.parquet", hive_partitioning=True).count("*"))'
    ```
    """
    from netdyn.export import export_parquet

    if out_dir.exists() and not out_dir.is_dir():
        raise InvalidInputError(f"--out {out_dir} is a file; pass a folder for the export")
    con = _open_read_only(db, wait)
    with _running(flows=False):
        try:
            counts = export_parquet(con, out_dir)
        except ValueError as e:
            raise InvalidInputError(str(e)) from None
        finally:
            con.close()
    table = Table("table", "rows", title=f"exported to {escape(str(out_dir))}")
    for name, n in counts.items():
        table.add_row(name, f"{n:,}")
    out.print(table)


def main() -> None:  # pragma: no cover - console entry point
    """Run the command line on ``sys.argv``."""
    app(sys.argv[1:])


if __name__ == "__main__":  # pragma: no cover
    main()
