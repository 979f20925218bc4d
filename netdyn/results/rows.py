"""How result rows are read and stored: the events a run covers, the registry of result tables
keyed by run, the one-transaction replacement of a run's rows (of one table, or of several with
their ``run_statistics``), and the conversion of non-finite numbers to SQL null."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import numpy as np
import polars as pl

from netdyn.store.eventlog import IDENTITY_COLUMNS

__all__ = [
    "RESULT_TABLES",
    "WEIGHT_ONLY_ATTRIBUTES",
    "replace_run_rows",
    "finite_or_none",
    "run_scope",
    "run_events",
    "store_results",
    "json_ready",
]


#: Tables keyed by run whose rows :func:`replace_run_rows` may replace.
RESULT_TABLES: frozenset[str] = frozenset(
    {
        "cascades",
        "cascade_nodes",
        "actor_metrics",
        "powerlaw_fits",
        "powerlaw_comparisons",
        # windows, elites, contagion (netdyn.results.windows, .elites, .contagion)
        "window_graph_metrics",
        "window_actor_metrics",
        "concentration",
        "attachment_kernel",
        "largest_cascade_scaling",
        "influence_persistence",
        "run_statistics",
        "exposure_response",
        "exposure_hazard",
        "content_cascades",
        "content_adoptions",
        "comparison_statistics",
        "comparison_distances",
        # core-periphery, roles, mesoscale (netdyn.results.structure)
        "actor_structure",
        "core_periphery_fits",
        "rich_club",
        "role_fits",
        "role_sizes",
        "mesoscale_profiles",
        "sweep_results",
    }
)


def _replace(
    con: duckdb.DuckDBPyConnection, table: str, run_id: str, frame: pl.DataFrame, columns: str
) -> None:
    con.execute(f"delete from {table} where run_id = ?", [run_id])
    if frame.height:
        con.register("_result_df", frame.to_arrow())
        con.execute(
            f"insert into {table} (run_id, {columns}) select ?, {columns} from _result_df",
            [run_id],
        )
        con.unregister("_result_df")


def replace_run_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    run_id: str,
    frame: pl.DataFrame,
    *,
    in_transaction: bool = False,
) -> int:
    """Replace the rows of ``run_id`` in a result table with ``frame``, in one transaction.

    ``frame`` holds the table's columns except ``run_id`` (order does not matter). With
    ``in_transaction=True`` the caller owns the open transaction (and its commit).
    Returns the number of rows written.
    """
    if table not in RESULT_TABLES:
        raise ValueError(f"unknown result table {table!r}")
    columns = ", ".join(frame.columns)
    if in_transaction:
        _replace(con, table, run_id, frame, columns)
        return frame.height
    con.execute("begin transaction")
    try:
        _replace(con, table, run_id, frame, columns)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return frame.height


def finite_or_none(value: Any) -> float | None:
    """``float(value)``, or None for None, NaN and infinities (SQL null in result tables)."""
    if value is None:
        return None
    value = float(value)
    return value if np.isfinite(value) else None


#: The columns :func:`run_events` reads by default: an event's identity, community, attributes.
_EVENT_COLUMNS = ("event_seq", "source", *IDENTITY_COLUMNS, "community", "attributes")

#: The events' attributes cut down to what the interaction edges read (``weight``, on the
#: aggregated rows of an observatory export), for :func:`run_events`' ``columns``: post texts
#: and other attributes are not loaded.
WEIGHT_ONLY_ATTRIBUTES = (
    "case when json_extract(attributes, '$.weight') is null then null "
    "else json_object('weight', json_extract(attributes, '$.weight'))::varchar end as attributes"
)


def run_scope(con: duckdb.DuckDBPyConnection, run_id: str) -> tuple[list[str], int]:
    """The source labels and the event watermark (last ``event_seq``) a run covers.

    Raises
    ------
    KeyError
        If there is no such run.
    """
    rows = con.execute(
        "select sources, coalesce(event_watermark, 0) from runs where run_id = ?", [run_id]
    ).fetchall()
    if not rows:
        raise KeyError(f"no run {run_id!r} in runs")
    return list(rows[0][0] or []), int(rows[0][1])


def run_events(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    *,
    columns: Sequence[str] = _EVENT_COLUMNS,
    kinds: Sequence[str] | None = None,
) -> pl.DataFrame:
    """The events a run covers: its sources, up to its event watermark.

    Returns
    -------
    polars.DataFrame
        One row per event, in log order, with ``columns``.
    """
    sources, watermark = run_scope(con, run_id)
    where = "source in (select unnest($sources)) and event_seq <= $watermark"
    params: dict[str, Any] = {"sources": sources, "watermark": watermark}
    if kinds is not None:
        where += " and kind in (select unnest($kinds))"
        params["kinds"] = list(kinds)
    return con.sql(
        f"select {', '.join(columns)} from events where {where} order by event_seq",
        params=params,
    ).pl()


def store_results(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    tables: Mapping[str, pl.DataFrame],
    *,
    statistics: Mapping[str, Sequence[Mapping[str, Any]]] = {},  # noqa: B006 (read-only)
) -> dict[str, int]:
    """Replace a run's rows of several result tables, and of ``run_statistics``, at once.

    Parameters
    ----------
    tables : mapping of table name to DataFrame
        Each frame holds the table's columns except ``run_id``.
    statistics : mapping of analysis name to rows
        Rows with ``statistic``, ``value`` and optionally ``ci_low``, ``ci_high``, ``detail``
        (a JSON-serialisable dict); the run's rows of each named analysis are replaced.

    Returns
    -------
    dict
        Rows written per table.
    """
    con.execute("begin transaction")
    try:
        written = {
            table: replace_run_rows(con, table, run_id, frame, in_transaction=True)
            for table, frame in tables.items()
        }
        for analysis, rows in statistics.items():
            con.execute(
                "delete from run_statistics where run_id = ? and analysis = ?", [run_id, analysis]
            )
            for row in rows:
                con.execute(
                    "insert into run_statistics values (?, ?, ?, ?, ?, ?, ?)",
                    [
                        run_id,
                        analysis,
                        row["statistic"],
                        finite_or_none(row.get("value")),
                        finite_or_none(row.get("ci_low")),
                        finite_or_none(row.get("ci_high")),
                        json.dumps(json_ready(row.get("detail") or {})),
                    ],
                )
            written[f"run_statistics:{analysis}"] = len(rows)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return written


def json_ready(value: Any) -> Any:
    """JSON-ready copy: numpy scalars to Python, non-finite floats to null."""
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)
