"""The commands that read the database: status, sql and export."""

from __future__ import annotations

import json
import socket
import sys
from datetime import UTC
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from netdyn.cli import common
from netdyn.cli.common import (
    DbOption,
    WaitOption,
    _handles_errors,
    _key_values,
    _require_db,
    _running,
    app,
)
from netdyn.core.config import db_path
from netdyn.core.errors import InvalidInputError


def _open_read_only(db: Path | None, wait: float):
    """Open the database read-only, waiting up to ``wait`` seconds for a writer."""
    from netdyn.store.db import connect

    return connect(_require_db(db), read_only=True, wait_seconds=wait)


# ---------------------------------------------------------------------------- status


def _iso(value: Any) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def _status_data(con: Any, *, n_runs: int) -> dict[str, Any]:
    """What the log holds (one entry per source) and the most recent runs (newest first)."""
    from netdyn.store.migrations import schema_version
    from netdyn.store.runs import pid_alive

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
                # abandoned by the next run that starts (netdyn.store.runs.abandon_dead_runs)
                "is_process_dead": (
                    None
                    if r[2] != "running" or r[8] is None or r[9] != host
                    else not pid_alive(int(r[8]))
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
    common.out.print(
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
    common.out.print(table)
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
    common.out.print(recent)


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

    from netdyn.store.queries import list_queries, load_query, run_query

    if list_named:
        for q in list_queries():
            params = " ".join(f"--param {k}={v}" for k, v in q.parameters.items())
            common.out.print(f"[bold]{escape(q.name)}[/]  {escape(q.question)}")
            if params:
                common.out.print(f"    {escape(params)}", highlight=False)
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
            common.out.print(str(frame), markup=False, highlight=False, soft_wrap=True)
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
    from netdyn.store.export import export_parquet

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
    common.out.print(table)
