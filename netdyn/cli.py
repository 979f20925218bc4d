"""The ``netdyn`` command line.

Every command takes ``--db`` (environment ``NETDYN_DB``, default ``./netdyn.duckdb``); the
commands that write reports take ``--reports-dir`` (``NETDYN_REPORTS``, default ``./reports``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ingest.load import DEFAULT_MAX_REJECTED_SHARE
from netdyn.config import db_path, reports_dir
from netdyn.errors import NetDynError

app = typer.Typer(
    help=(
        "netdyn: an event-sourced network-dynamics pipeline.\n\n"
        "Examples:\n\n"
        "  netdyn run                      # simulate ~100,000 events, analyse, report\n\n"
        "  netdyn run --source twitter15-16 --path ../shared/data/twitter15-16-propagation-trees/"
        "Twitter15_16_dataset.tar.gz\n\n"
        '  netdyn sql "select * from powerlaw_fits"'
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)
out = Console()

DbOption = Annotated[
    Path | None,
    typer.Option("--db", envvar="NETDYN_DB", help="DuckDB file [default: ./netdyn.duckdb]"),
]
ReportsOption = Annotated[
    Path | None,
    typer.Option(
        "--reports-dir", envvar="NETDYN_REPORTS", help="Report folder [default: ./reports]"
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
        help="Reader option KEY=VALUE (repeatable), e.g. --option actor_id=sender",
    ),
]
OptionsFileOption = Annotated[
    Path | None,
    typer.Option(help="TOML file of reader options (a column mapping); --option entries win"),
]
BootstrapOption = Annotated[
    int,
    typer.Option(help="Bootstrap resamples for each power-law goodness-of-fit p-value (0: skip)"),
]
WindowOption = Annotated[
    str, typer.Option(help="Width of the time windows for per-window statistics: 1d, 6h, 30m, 2w")
]
WindowStepOption = Annotated[
    str | None,
    typer.Option(help="Step between window starts (sliding windows); default: the width"),
]
TopKOption = Annotated[
    int, typer.Option(help="Elite size whose persistence between windows is measured")
]
NgramOption = Annotated[int, typer.Option(help="Words per n-gram in content cascades")]
MinAdoptersOption = Annotated[
    int, typer.Option(help="Distinct actors a piece of content needs to count as a cascade")
]
CpNullsOption = Annotated[
    int, typer.Option(help="Configuration-model nulls behind each core-periphery p-value")
]
RoleNullsOption = Annotated[
    int, typer.Option(help="Degree-preserving nulls for the structural-role silhouette baseline")
]
MesoNullsOption = Annotated[
    int, typer.Option(help="Nulls per community for the modular-vs-hierarchical z-scores")
]
MaxRejectedOption = Annotated[
    float, typer.Option(help="Fail a batch that rejects more than this share of its records")
]


def _reader_options(pairs: list[str] | None, path: Path | None) -> dict[str, str] | None:
    """Reader options from a TOML file and KEY=VALUE pairs (pairs win).

    Raises
    ------
    InvalidInputError
        If a pair has no ``=`` or the file is not TOML of strings.
    """
    import tomllib

    from netdyn.errors import InvalidInputError

    options: dict[str, str] = {}
    if path is not None:
        try:
            loaded = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as e:
            raise InvalidInputError(f"cannot read options file {path}: {e}") from e
        table = loaded.get("options", loaded)
        options.update({str(k): str(v) for k, v in table.items()})
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InvalidInputError(f"--option {pair!r} must be KEY=VALUE, e.g. actor_id=sender")
        options[key.strip()] = value.strip()
    return options or None


def _fail(error: BaseException) -> None:
    console.print(f"[bold red]error:[/] {escape(str(error))}", soft_wrap=True, highlight=False)
    raise typer.Exit(code=2)


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


@app.command()
def run(
    source: Annotated[
        str | None, typer.Option(help=f"Format of the data at --path: {FORMATS}")
    ] = None,
    path: Annotated[Path | None, typer.Option(help="File or folder to ingest")] = None,
    label: Annotated[str | None, typer.Option(help="Source label for the events")] = None,
    n_events: Annotated[int, typer.Option(help="Events to simulate (no --source)")] = 100_000,
    seed: Annotated[int, typer.Option(help="Seed of the simulation and the bootstrap")] = 0,
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
) -> None:
    """The main job: ingest (or simulate), analyse, write a report.

    With no options, simulates a MoltBook-like platform of about 100,000 events (seed 0) and
    analyses it. With --source and --path, ingests that real data and analyses it.

    Example: netdyn run --source moltbook-api --path ../shared/data/moltbook-api-sample/posts
    """
    from flows.pipeline import pipeline_flow

    try:
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
            options=_reader_options(option, options_file),
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
    except NetDynError as e:
        _fail(e)
    _summary(result)


@app.command()
def ingest(
    source: Annotated[str, typer.Option(help=f"Format: {FORMATS}")],
    path: Annotated[Path, typer.Option(help="File or folder to ingest")],
    label: Annotated[str | None, typer.Option(help="Source label for the events")] = None,
    max_rejected_share: MaxRejectedOption = DEFAULT_MAX_REJECTED_SHARE,
    force: ForceOption = False,
    option: OptionOption = None,
    options_file: OptionsFileOption = None,
    db: DbOption = None,
) -> None:
    """Ingest a file or folder into the event log (idempotent: re-ingesting adds nothing).

    Example: netdyn ingest --source edgelist --path ../shared/data/snap-collegemsg/CollegeMsg.txt.gz
    """
    from flows.ingest import ingest_flow

    try:
        result = ingest_flow(
            source=source,
            path=str(path),
            db=str(db_path(db)),
            label=label,
            max_rejected_share=max_rejected_share,
            force=force,
            options=_reader_options(option, options_file),
        )
    except NetDynError as e:
        _fail(e)
    table = Table(
        "batch",
        "status",
        "uri",
        "read",
        "inserted",
        "duplicate",
        "quarantined",
        title=f"ingested {result['label']}",
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
def analyze(
    source: Annotated[
        list[str] | None,
        typer.Option(help="Event source label to analyse (repeatable) [default: all]"),
    ] = None,
    n_bootstrap: BootstrapOption = 200,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap")] = 0,
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
    """Analyse events already in the log and write a report.

    Example: netdyn analyze --source twitter15-16

    Example (weekly windows sliding by a day): netdyn analyze --window 7d --window-step 1d
    """
    from flows.analyze import analyze_flow

    try:
        result = analyze_flow(
            db=str(db_path(db)),
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
    except NetDynError as e:
        _fail(e)
    _summary(result)


@app.command()
def simulate(
    n_events: Annotated[int, typer.Option(help="About this many events")] = 100_000,
    seed: Annotated[int, typer.Option(help="Random seed")] = 0,
    n_actors: Annotated[int, typer.Option(help="Number of actors")] = 5_000,
    branching_ratio: Annotated[float, typer.Option(help="Mean replies per item (< 1)")] = 0.9,
    null: Annotated[
        str | None,
        typer.Option(
            help="Instead of a platform, replay --replay SOURCE under a null model: "
            "timestamp_shuffle, link_shuffle, timeline_shuffle, inter_event_shuffle"
        ),
    ] = None,
    replay: Annotated[str | None, typer.Option(help="Source label to replay under --null")] = None,
    calibrate_from: Annotated[
        str | None,
        typer.Option(
            help="Instead, fit the branching platform model to this source label and "
            "append a synthetic log of its size (label sim:branching:<hash>)"
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Simulate a MoltBook-like platform into the event log (label sim:platform:<hash>), or
    replay a real source under a null model (label null:<model>:<hash>).

    Example: netdyn simulate --n-events 20000 --seed 7

    Example: netdyn simulate --null link_shuffle --replay twitter15-16 --seed 1

    Example: netdyn simulate --calibrate-from twitter15-16 --seed 1
    """
    from flows.simulate import calibrated_flow, null_replay_flow, simulate_flow

    if calibrate_from is not None:
        try:
            result = calibrated_flow(db=str(db_path(db)), source=calibrate_from, seed=seed)
        except NetDynError as e:
            _fail(e)
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

    if (null is None) != (replay is None):
        _fail(ValueError("give --null MODEL and --replay SOURCE together"))
    if null is not None:
        try:
            result = null_replay_flow(db=str(db_path(db)), source=replay, model=null, seed=seed)
        except NetDynError as e:
            _fail(e)
        out.print(
            f"replayed [bold]{escape(replay)}[/] under {escape(null)} as "
            f"[bold]{escape(result['label'])}[/]: {result['n_inserted']:,} events inserted "
            f"({result['n_duplicate']:,} already present)"
        )
        return
    try:
        result = simulate_flow(
            db=str(db_path(db)),
            n_events=n_events,
            seed=seed,
            n_actors=n_actors,
            branching_ratio=branching_ratio,
        )
    except NetDynError as e:
        _fail(e)
    out.print(
        f"simulated [bold]{result['label']}[/]: {result['n_inserted']:,} events inserted "
        f"({result['n_duplicate']:,} already present)"
    )


@app.command()
def compare(
    sources: Annotated[list[str], typer.Argument(help="Source labels; the first is the reference")],
    n_bootstrap: BootstrapOption = 200,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap")] = 0,
    window: WindowOption = "1d",
    cp_nulls: CpNullsOption = 100,
    role_nulls: RoleNullsOption = 10,
    mesoscale_nulls: MesoNullsOption = 20,
    db: DbOption = None,
    reports: ReportsOption = None,
) -> None:
    """Analyse each source in a run of its own and set the results side by side.

    Writes comparison_statistics and comparison_distances (KS distance of every heavy-tailed
    quantity against the reference) and a report with overlaid CCDFs.

    Example: netdyn compare twitter15-16 null:link_shuffle:1a2b3c4d5e
    """
    from flows.compare import compare_flow

    try:
        result = compare_flow(
            sources=sources,
            db=str(db_path(db)),
            reports_dir=str(reports_dir(reports)),
            n_bootstrap=n_bootstrap,
            seed=seed,
            window=window,
            cp_nulls=cp_nulls,
            role_nulls=role_nulls,
            mesoscale_nulls=mesoscale_nulls,
        )
    except NetDynError as e:
        _fail(e)
    table = Table(title=f"compare run {result['run_id']}", show_header=False)
    for source, run_id in result["analyses"].items():
        table.add_row(escape(source), run_id)
    table.add_row("report", escape(result["report"]))
    out.print(table)


@app.command()
def sweep(
    vary: Annotated[
        list[str],
        typer.Option(
            help="A swept parameter and its values, NAME=V1,V2,... (repeatable): "
            "branching_ratio, activity_exponent, attachment_offset, n_communities"
        ),
    ],
    n_events: Annotated[int, typer.Option(help="About this many events per point")] = 20_000,
    seed: Annotated[int, typer.Option(help="Root seed (each point gets its own child)")] = 0,
    dask: Annotated[
        str | None,
        typer.Option(
            help="Run the points on a Dask cluster: a scheduler address (tcp://host:8786), "
            "or 'local' for a local cluster of two workers"
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Simulate the platform model at every point of a parameter grid, one Prefect task per
    point, and store the statistics in sweep_results.

    Example: netdyn sweep --vary branching_ratio=0.5,0.8,0.95 --vary activity_exponent=2,3

    Example (on a Dask cluster): netdyn sweep --vary branching_ratio=0.5,0.9 --dask local
    """
    from flows.sweep import sweep_flow
    from netdyn.errors import InvalidInputError

    try:
        axes: dict[str, list[float]] = {}
        for item in vary:
            name, sep, values = item.partition("=")
            if not sep or not values:
                raise InvalidInputError(
                    f"--vary {item!r} must be NAME=V1,V2,..., e.g. branching_ratio=0.5,0.9"
                )
            try:
                axes[name.strip()] = [float(v) for v in values.split(",")]
            except ValueError as e:
                raise InvalidInputError(f"--vary {item!r}: values must be numbers") from e
        runner_flow = sweep_flow
        if dask is not None:
            from prefect_dask import DaskTaskRunner

            runner = (
                DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1})
                if dask == "local"
                else DaskTaskRunner(address=dask)
            )
            runner_flow = sweep_flow.with_options(task_runner=runner)
        result = runner_flow(axes=axes, db=str(db_path(db)), n_events=n_events, seed=seed)
    except NetDynError as e:
        _fail(e)
    out.print(f"sweep run {result['run_id']}: {result['n_points']} points in sweep_results")


WaitOption = Annotated[
    float,
    typer.Option(help="Seconds to wait while another process is writing the database"),
]


@app.command()
def status(db: DbOption = None, wait: WaitOption = 10.0) -> None:
    """What the event log holds and the most recent runs."""

    con = _open_read_only(db, wait)
    try:
        table = Table("source", "events", "first event_seq", "last event_seq", title="event log")
        for row in con.execute(
            "select source, count(*), min(event_seq), max(event_seq) from events "
            "group by source order by source"
        ).fetchall():
            table.add_row(escape(row[0]), f"{row[1]:,}", str(row[2]), str(row[3]))
        out.print(table)
        runs = Table("run_id", "flow", "status", "sources", "report", title="recent runs")
        for row in con.execute(
            "select run_id, flow, status, sources, report_path from runs "
            "order by started_at desc limit 10"
        ).fetchall():
            runs.add_row(
                row[0], row[1], row[2], escape(", ".join(row[3] or [])), escape(row[4] or "")
            )
        out.print(runs)
    finally:
        con.close()


def _is_new(db: Path | None) -> bool:
    return not db_path(db).exists()


def _open_read_only(db: Path | None, wait: float):
    """Open the database read-only, waiting for a writer; exit with a clear message if not."""
    from netdyn.db import connect

    if _is_new(db):
        _fail(NetDynError(f"no database at {db_path(db)}; run 'netdyn run' first or pass --db"))
    try:
        return connect(db_path(db), read_only=True, wait_seconds=wait)
    except NetDynError as e:
        _fail(e)


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="SQL to run read-only")],
    db: DbOption = None,
    wait: WaitOption = 10.0,
) -> None:
    """Run a read-only SQL query on the database and print the result.

    The database is opened read-only: no query can change it. While a run is writing, the
    command waits up to --wait seconds for the lock, then says so (query the Parquet export
    from 'netdyn export' meanwhile).

    Example: netdyn sql "select quantity, alpha, xmin from powerlaw_fits"
    """
    import duckdb
    import polars as pl

    con = _open_read_only(db, wait)
    try:
        frame = con.sql(query).pl()
    except duckdb.Error as e:
        _fail(NetDynError(f"query failed: {e}"))
    finally:
        con.close()
    with pl.Config(tbl_rows=50, tbl_cols=20, fmt_str_lengths=60):
        out.print(str(frame), markup=False, highlight=False, soft_wrap=True)


@app.command()
def export(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for the Parquet export (replaced)")
    ],
    db: DbOption = None,
    wait: WaitOption = 10.0,
) -> None:
    """Export events (by source and day) and results (by run) to hive-partitioned Parquet.

    Other tools read the export without any lock, even while netdyn writes the database.

    Example: netdyn export --out export/  then  duckdb -c "select count(*) from
    read_parquet('export/events/**/*.parquet', hive_partitioning = true)"
    """
    from netdyn.export import export_parquet

    con = _open_read_only(db, wait)
    try:
        counts = export_parquet(con, out_dir)
    except ValueError as e:
        _fail(NetDynError(str(e)))
    finally:
        con.close()
    table = Table("table", "rows", title=f"exported to {escape(str(out_dir))}")
    for name, n in counts.items():
        table.add_row(name, f"{n:,}")
    out.print(table)


def main() -> None:  # pragma: no cover - console entry point
    app(sys.argv[1:])


if __name__ == "__main__":  # pragma: no cover
    main()
