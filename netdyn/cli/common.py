r"""The ``netdyn`` command line.

Every command takes ``--db`` (environment ``NETDYN_DB``, default ``./netdyn.duckdb``); the
commands that write reports take ``--reports-dir`` (``NETDYN_REPORTS``, default ``./reports``).

Conventions:

* Help is Markdown (``rich_markup_mode="markdown"``); every command shows copy-pasteable
  examples in a code block, each line short enough for an 80-column terminal.
* Bad input ends with one line ``error: <what is wrong>; <how to fix it>`` on stderr and exit
  code 2, never a traceback. Arguments are checked before a flow starts (which imports
  the analysis stack), so most mistakes fail at once; errors found inside a flow (a file in the
  wrong format) end the same way, with Prefect's traceback of them suppressed.
* Long steps draw progress bars on stderr (:mod:`netdyn.core.progress`), only on a terminal and
  not with ``--quiet``; results go to stdout.
* Every command that analyses (``run``, ``analyze``, ``compare``, ``serve``) takes every
  analysis option: :func:`analysis_options` declares one typer option per field of
  :class:`netdyn.flows.options.AnalysisOptions` (name, default, help from the field) and
  hands the command the validated object; ``--n-jobs`` is :data:`NJobsOption`.
"""

from __future__ import annotations

import functools
import inspect
import logging
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from netdyn.core import progress
from netdyn.core.config import db_path
from netdyn.core.errors import InvalidInputError, NetDynError
from netdyn.flows.options import AnalysisOptions, cli_flag, minimum

__all__ = ["app", "analysis_options", "ANALYSIS_PANEL"]

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
    int, typer.Option(min=0, help="Seed of the simulation, the null replay or the calibration")
]
#: Help panel of the analysis options (and ``--n-jobs``) in ``netdyn COMMAND --help``.
ANALYSIS_PANEL = "Analysis options"
NJobsOption = Annotated[
    int | None,
    typer.Option(
        help="Worker processes for the null models (default: one per core; 1: none, faster "
        "on small data); results do not depend on it",
        show_default=False,
        rich_help_panel=ANALYSIS_PANEL,
    ),
]
DaskOption = Annotated[
    str | None,
    typer.Option(
        help="Run the null models, bootstrap resamples and windows on a Dask cluster: a "
        "scheduler address (`tcp://host:8786`), or `local` for two local workers; results "
        "do not depend on it",
        show_default=False,
        rich_help_panel=ANALYSIS_PANEL,
    ),
]
MaxRejectedOption = Annotated[
    float,
    typer.Option(
        min=0.0, max=1.0, help="Fail a batch that rejects more than this share of its records"
    ),
]


def _analysis_parameters(kind: inspect._ParameterKind) -> list[inspect.Parameter]:
    """One typer option per field of :class:`AnalysisOptions`: ``--cp-nulls`` for
    ``cp_nulls``, the field's default, and its description (with its minimum) as help."""
    parameters = []
    for name, field in AnalysisOptions.model_fields.items():
        lowest = minimum(name)
        help_text = field.description or ""
        if lowest is not None:
            help_text += f" (at least {lowest})"
        option = typer.Option(cli_flag(name), help=help_text, rich_help_panel=ANALYSIS_PANEL)
        parameters.append(
            inspect.Parameter(
                name, kind, default=field.default, annotation=Annotated[field.annotation, option]
            )
        )
    return parameters


def analysis_options(command: F) -> F:
    """Give a command every analysis option, declared once from :class:`AnalysisOptions`.

    The command declares one parameter ``analysis: AnalysisOptions``; typer sees, in its
    place, one option per field of :class:`~netdyn.flows.options.AnalysisOptions` (name,
    default and help from the field). When the command runs, the options given are built
    into one validated object, passed as ``analysis``.

    Parameters
    ----------
    command : callable
        The command function, with a parameter named ``analysis`` and none named like a
        field of :class:`~netdyn.flows.options.AnalysisOptions`.

    Returns
    -------
    callable
        The command with the expanded signature (apply :func:`_handles_errors` and
        ``app.command()`` on top of it).

    Raises
    ------
    TypeError
        At import, if ``command`` has no ``analysis`` parameter or one named like a field.
    InvalidInputError
        When the command runs, if the options do not validate (one line naming the option,
        e.g. ``--cp-nulls must be at least 0; got -1``), before the command's body runs.

    Notes
    -----
    A new field of :class:`~netdyn.flows.options.AnalysisOptions` becomes an option of every
    decorated command with no change here.
    """
    signature = inspect.signature(command, eval_str=True)
    names = list(AnalysisOptions.model_fields)
    if "analysis" not in signature.parameters:
        raise TypeError(f"{command.__name__} has no parameter 'analysis' to expand")
    clash = sorted(set(names) & set(signature.parameters))
    if clash:
        raise TypeError(f"{command.__name__} declares analysis options itself: {clash}")
    parameters: list[inspect.Parameter] = []
    for parameter in signature.parameters.values():
        if parameter.name == "analysis":
            parameters += _analysis_parameters(parameter.kind)
        else:
            parameters.append(parameter)

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        values = {name: kwargs.pop(name) for name in names if name in kwargs}
        return command(*args, analysis=AnalysisOptions(**values), **kwargs)

    wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {
        p.name: p.annotation for p in parameters if p.annotation is not inspect.Parameter.empty
    } | {"return": signature.return_annotation}
    return wrapper  # type: ignore[return-value]


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
    """Turn the project's errors and running out of memory into one ``error:`` line, exit 2.

    The exit is raised after the ``except`` block, so it carries no chained exception.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        message = ""
        try:
            return command(*args, **kwargs)
        except Exception as e:
            from netdyn.store.db import out_of_memory_message

            message = (str(e) or type(e).__name__) if isinstance(e, NetDynError) else ""
            message = message or out_of_memory_message(e) or ""
            if not message:
                raise
            _forget_tracebacks(e)
        _fail(message)

    return wrapper  # type: ignore[return-value]


def _reader_options(pairs: list[str] | None, path: Path | None) -> dict[str, str] | None:
    """Reader options from a TOML file and KEY=VALUE pairs (pairs win).

    The file's ``[options]`` table (or, without one, its top level) holds ``KEY = VALUE``
    pairs. Nested tables are flattened with dots: ``[files."*_comments.tsv.gz"]`` (beside
    ``[options]``, or as ``[options.files."..."]``) with ``kind = "=reply"`` becomes the
    option ``files.*_comments.tsv.gz.kind`` (the ``table`` reader's per-file options).

    Raises
    ------
    InvalidInputError
        If a pair has no ``=`` or the file is not TOML of strings.
    """
    import tomllib

    def flat(table: dict, prefix: str = "") -> dict[str, str]:
        out: dict[str, str] = {}
        for key, value in table.items():
            if isinstance(value, dict):
                out.update(flat(value, f"{prefix}{key}."))
            else:
                out[f"{prefix}{key}"] = str(value)
        return out

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
        if table is not loaded and isinstance(loaded.get("files"), dict):
            table = {**table, "files": {**table.get("files", {}), **loaded["files"]}}
        options.update(flat(table))
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
    from netdyn.store.db import connect

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
    from netdyn.ingest.readers import get_reader

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
    """Draws :mod:`netdyn.core.progress` events as ``rich`` progress bars, removed when done;
    a task that ends with a smaller total than it began with (a sequential test that stopped
    early) leaves its last description as a line above the bars."""

    def __init__(self, bars: Any) -> None:
        self._bars = bars
        self._ids: dict[int, tuple[Any, float | None]] = {}  # rich's id, the total at start

    def __call__(self, event: progress.ProgressEvent) -> None:
        bars = self._bars
        if event.action == "note":
            bars.console.print(f"  {escape(event.description)}", highlight=False)
        elif event.action == "start":
            shown = bars.add_task(
                escape(event.description), total=event.total, completed=event.completed
            )
            self._ids[event.task_id] = (shown, event.total)
        elif event.task_id in self._ids:
            shown, started = self._ids[event.task_id]
            if event.action == "finish":
                bars.remove_task(self._ids.pop(event.task_id)[0])
                if started is not None and event.total is not None and event.total < started:
                    bars.console.print(f"  {escape(event.description)}", highlight=False)
            else:
                bars.update(
                    shown,
                    description=escape(event.description),
                    total=event.total,
                    completed=event.completed,
                )


def _progress_bars(target: Console) -> Any:
    """Bars that say what, how far, how long so far, how fast and how long still
    (:func:`netdyn.core.progress.pace`); one line each on 80 columns (descriptions cut)."""
    import rich.progress as rp
    from rich.table import Column
    from rich.text import Text

    class PaceColumn(rp.ProgressColumn):
        def render(self, task: Any) -> Text:
            left = None if task.finished else task.time_remaining
            return Text(progress.pace(task.elapsed, task.speed, left), "progress.elapsed")

    return rp.Progress(
        rp.SpinnerColumn(),
        rp.TextColumn(
            "{task.description}", table_column=Column(ratio=1, no_wrap=True, overflow="ellipsis")
        ),
        rp.BarColumn(bar_width=16),
        rp.MofNCompleteColumn(table_column=Column(no_wrap=True)),
        PaceColumn(table_column=Column(no_wrap=True)),
        console=target,
        transient=True,
        expand=True,  # the description takes what the other columns leave
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
            bars = _progress_bars(console)
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
