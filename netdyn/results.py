"""Result writers: run an analysis on the events of a run and store its result table.

Each writer reads what it needs from the database, calls a pure method of :mod:`analytics`,
and replaces the run's rows of one result table in a single transaction, so a retried task
never duplicates rows and a failed one leaves no partial output.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import duckdb
import numpy as np
import polars as pl

from analytics.cascades import compute_cascades
from analytics.interaction_graph import actor_metrics
from analytics.power_law import fit_power_law
from netdyn.eventlog import read_events

__all__ = [
    "write_cascades",
    "write_actor_metrics",
    "write_powerlaw_fits",
    "FITTED_QUANTITIES",
    "replace_run_rows",
]

log = logging.getLogger(__name__)

#: Quantities fitted by :func:`write_powerlaw_fits`: name → (table, column).
FITTED_QUANTITIES: dict[str, tuple[str, str]] = {
    "cascade_size": ("cascades", "size"),
    "in_degree": ("actor_metrics", "in_degree"),
    "out_degree": ("actor_metrics", "out_degree"),
}

_RESULT_TABLES = frozenset({"cascades", "actor_metrics", "powerlaw_fits"})


def replace_run_rows(
    con: duckdb.DuckDBPyConnection, table: str, run_id: str, frame: pl.DataFrame
) -> int:
    """Replace the rows of ``run_id`` in a result table with ``frame``, in one transaction.

    ``frame`` holds the table's columns except ``run_id`` (order does not matter).
    Returns the number of rows written.
    """
    if table not in _RESULT_TABLES:
        raise ValueError(f"unknown result table {table!r}")
    columns = ", ".join(frame.columns)
    con.execute("begin transaction")
    try:
        con.execute(f"delete from {table} where run_id = ?", [run_id])
        if frame.height:
            con.register("_result_df", frame.to_arrow())
            con.execute(
                f"insert into {table} (run_id, {columns}) select ?, {columns} from _result_df",
                [run_id],
            )
            con.unregister("_result_df")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return frame.height


def _events(con: duckdb.DuckDBPyConnection, sources: Sequence[str], watermark: int | None):
    return read_events(con, sources=sources, until=watermark)


def write_cascades(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    sources: Sequence[str],
    *,
    watermark: int | None = None,
) -> dict[str, int]:
    """Rebuild the cascades of ``sources`` and store them in ``cascades`` for ``run_id``.

    Returns
    -------
    dict
        ``n_cascades``, ``n_orphan_nodes``, ``n_cycle_nodes``.
    """
    events = _events(con, sources, watermark)
    result = compute_cascades(events)
    n = replace_run_rows(con, "cascades", run_id, result.cascades)
    return {
        "n_cascades": n,
        "n_orphan_nodes": result.n_orphan_nodes,
        "n_cycle_nodes": result.n_cycle_nodes,
    }


def write_actor_metrics(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    sources: Sequence[str],
    *,
    watermark: int | None = None,
) -> dict[str, int]:
    """Build the interaction graph of ``sources`` and store per-actor metrics for ``run_id``.

    Returns
    -------
    dict
        ``n_actors``, ``n_edges`` (distinct ordered pairs with at least one interaction).
    """
    events = _events(con, sources, watermark)
    metrics = actor_metrics(events)
    n = replace_run_rows(con, "actor_metrics", run_id, metrics)
    n_edges = int(metrics["out_degree"].sum()) if n else 0
    return {"n_actors": n, "n_edges": n_edges}


def write_powerlaw_fits(con: duckdb.DuckDBPyConnection, run_id: str) -> pl.DataFrame:
    """Fit a discrete power law to each quantity of :data:`FITTED_QUANTITIES` for ``run_id``.

    Values ≤ 0 (e.g. actors with in-degree 0) are outside the support and not fitted; ``n``
    counts the values used.

    Returns
    -------
    polars.DataFrame
        The rows written to ``powerlaw_fits``, one per quantity.
    """
    rows = []
    for quantity, (table, column) in FITTED_QUANTITIES.items():
        values = np.asarray(
            [
                r[0]
                for r in con.execute(
                    f"select {column} from {table} where run_id = ? and {column} > 0", [run_id]
                ).fetchall()
            ],
            dtype=np.int64,
        )
        fit = fit_power_law(values, discrete=True)
        rows.append(
            {
                "quantity": quantity,
                "discrete": True,
                "status": fit.status,
                "n": int(fit.n),
                "n_tail": None if fit.n_tail is None else int(fit.n_tail),
                "xmin": _finite(fit.xmin),
                "xmax": _finite(fit.xmax),
                "alpha": _finite(fit.alpha),
                "sigma": _finite(fit.sigma),
                "ks_distance": _finite(fit.ks_distance),
                "loglikelihood": _finite(fit.loglikelihood),
            }
        )
        log.info("fitted %s: %s", quantity, fit)
    frame = pl.DataFrame(
        rows,
        schema={
            "quantity": pl.String,
            "discrete": pl.Boolean,
            "status": pl.String,
            "n": pl.Int64,
            "n_tail": pl.Int64,
            "xmin": pl.Float64,
            "xmax": pl.Float64,
            "alpha": pl.Float64,
            "sigma": pl.Float64,
            "ks_distance": pl.Float64,
            "loglikelihood": pl.Float64,
        },
    )
    replace_run_rows(con, "powerlaw_fits", run_id, frame)
    return frame


def _finite(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if np.isfinite(value) else None
