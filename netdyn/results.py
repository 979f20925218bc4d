"""Result writers: run an analysis on the events of a run and store its result table.

Each writer brings the projections it needs up to the log head (:mod:`netdyn.projections`),
reads them, calls a pure method of :mod:`analytics`, and replaces the run's rows of one result
table in a single transaction, so a retried task never duplicates rows and a failed one leaves
no partial output.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import polars as pl

from analytics.interaction_graph import actor_metrics_from_edges
from analytics.power_law import bootstrap_gof, fit_power_law
from analytics.power_law_compare import compare_alternatives, verdict
from netdyn.faults import failpoint
from netdyn.projections import advance, cascade_frame

__all__ = [
    "write_cascades",
    "write_actor_metrics",
    "write_powerlaw_fits",
    "FITTED_QUANTITIES",
    "Quantity",
    "quantity_values",
    "replace_run_rows",
    "finite_or_none",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Quantity:
    """A heavy-tailed quantity the pipeline fits, and the SQL that yields its values.

    ``sql`` selects one column of positive values for a run; it may use the named parameters
    ``$run_id``, ``$sources`` (the run's source labels) and ``$watermark`` (its last event).
    """

    name: str
    discrete: bool
    sql: str
    description: str


#: Quantities fitted by :func:`write_powerlaw_fits`, in report order.
FITTED_QUANTITIES: dict[str, Quantity] = {
    q.name: q
    for q in (
        Quantity(
            "cascade_size",
            True,
            "select size from cascades where run_id = $run_id and size > 0",
            "nodes per cascade, root included",
        ),
        Quantity(
            "cascade_depth",
            True,
            "select depth from cascades where run_id = $run_id and depth > 0",
            "longest root-to-node path of cascades with replies",
        ),
        Quantity(
            "in_degree",
            True,
            "select in_degree from actor_metrics where run_id = $run_id and in_degree > 0",
            "distinct actors who replied to or messaged an actor",
        ),
        Quantity(
            "out_degree",
            True,
            "select out_degree from actor_metrics where run_id = $run_id and out_degree > 0",
            "distinct actors an actor replied to or messaged",
        ),
        Quantity(
            "activity",
            True,
            "select n_events from actor_metrics where run_id = $run_id and n_events > 0",
            "events per actor",
        ),
        Quantity(
            "content_cascade_size",
            True,
            "select n_adopters from content_cascades where run_id = $run_id",
            "distinct actors who used the same n-gram, URL, hashtag or code block",
        ),
        Quantity(
            "inter_event_time",
            False,
            """
            select seconds from (
                select epoch(occurred_at)
                       - lag(epoch(occurred_at)) over (
                           partition by source, actor_id order by occurred_at, event_seq)
                       as seconds
                from events
                where source in (select unnest($sources)) and event_seq <= $watermark
                  and actor_id is not null and occurred_at is not null
            ) where seconds > 0
            """,
            "seconds between consecutive events of one actor (absolute times only)",
        ),
    )
}


def quantity_values(con: duckdb.DuckDBPyConnection, quantity: Quantity, run_id: str) -> np.ndarray:
    """The values of ``quantity`` for ``run_id`` (float64 array; empty if none)."""
    sources, watermark = con.execute(
        "select sources, coalesce(event_watermark, 0) from runs where run_id = ?", [run_id]
    ).fetchall()[0]
    params = {"run_id": run_id, "sources": list(sources or []), "watermark": watermark}
    used = {name: value for name, value in params.items() if f"${name}" in quantity.sql}
    column = next(iter(con.execute(quantity.sql, used).fetchnumpy().values()))
    # fetchnumpy gives a masked array where the query returns nulls: those become nan
    return np.ma.filled(np.ma.asarray(column).astype(np.float64), np.nan)


#: Tables keyed by run whose rows :func:`replace_run_rows` may replace.
RESULT_TABLES: frozenset[str] = frozenset(
    {
        "cascades",
        "cascade_nodes",
        "actor_metrics",
        "powerlaw_fits",
        "powerlaw_comparisons",
        # spreading and elites (netdyn.spreading)
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
        # core-periphery, roles, mesoscale (netdyn.structure)
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


def write_cascades(
    con: duckdb.DuckDBPyConnection, run_id: str, sources: Sequence[str]
) -> dict[str, int]:
    """Store the current cascades of ``sources`` for ``run_id``.

    The ``cascades`` projection is advanced to the log head first (a no-op when it is
    current), then its rows for ``sources`` are copied under ``run_id``: one row per cascade
    into ``cascades`` and one row per cascade node (depth, delay) into ``cascade_nodes``, in
    one transaction.

    Returns
    -------
    dict
        ``n_cascades``, ``n_cascade_nodes``, ``n_orphan_nodes``, ``n_cycle_nodes`` (summed
        over ``sources``).
    """
    advance(con, "cascades")
    chosen = list(sources)
    frame = cascade_frame(con, chosen).sort(["size", "cascade_id"], descending=[True, False])
    con.execute("begin transaction")
    try:
        con.execute("delete from cascade_nodes where run_id = ?", [run_id])
        con.execute(
            """
            insert into cascade_nodes by name
            select ? as run_id, source, object_id, cascade_id, depth, delay_seconds
            from proj_cascade_nodes where source in (select unnest(?))
            """,
            [run_id, chosen],
        )
        n_nodes = con.execute(
            "select count(*) from cascade_nodes where run_id = ?", [run_id]
        ).fetchall()[0][0]
        n = replace_run_rows(con, "cascades", run_id, frame, in_transaction=True)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    flags = con.execute(
        """
        select coalesce(sum(n_orphan_nodes), 0), coalesce(sum(n_cycle_nodes), 0)
        from proj_forest_flags where source in (select unnest(?))
        """,
        [chosen],
    ).fetchall()[0]
    return {
        "n_cascades": n,
        "n_cascade_nodes": int(n_nodes),
        "n_orphan_nodes": int(flags[0]),
        "n_cycle_nodes": int(flags[1]),
    }


def write_actor_metrics(
    con: duckdb.DuckDBPyConnection, run_id: str, sources: Sequence[str]
) -> dict[str, int]:
    """Store per-actor metrics of the interaction graph of ``sources`` for ``run_id``.

    The ``actor_activity`` and ``interactions`` projections are advanced to the log head first;
    degrees, strengths and coreness are computed from them over the union of ``sources``.

    Returns
    -------
    dict
        ``n_actors``, ``n_edges`` (distinct ordered pairs with at least one interaction,
        self-loops excluded).
    """
    failpoint("results-before-actor-metrics")
    advance(con, "actor_activity")
    advance(con, "interactions")
    chosen = list(sources)
    edges = con.sql(
        """
        select actor_id, target_actor_id, sum(weight)::bigint as weight from proj_interactions
        where source in (select unnest(?)) group by actor_id, target_actor_id
        order by actor_id, target_actor_id
        """,
        params=[chosen],
    ).pl()
    activity = con.sql(
        """
        select actor_id, sum(n_events)::bigint as n_events from proj_actor_activity
        where source in (select unnest(?)) group by actor_id
        """,
        params=[chosen],
    ).pl()
    metrics = actor_metrics_from_edges(edges, activity)
    n = replace_run_rows(con, "actor_metrics", run_id, metrics)
    n_edges = int(metrics["out_degree"].sum()) if n else 0
    return {"n_actors": n, "n_edges": n_edges}


def write_powerlaw_fits(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    *,
    n_resamples: int = 200,
    seed: int = 0,
    n_jobs: int | None = None,
) -> pl.DataFrame:
    """Fit, test and compare a power law for each quantity of :data:`FITTED_QUANTITIES`.

    For every quantity: the maximum-likelihood fit with x_min by KS (counts discrete, times
    continuous); the semi-parametric bootstrap goodness-of-fit p-value with ``n_resamples``
    resamples that re-estimate x_min, and 95 % bootstrap intervals of alpha and x_min; the
    likelihood-ratio tests against lognormal, exponential, stretched exponential and power
    law with cutoff on the same tail; and a verdict in words (Clauset, Shalizi & Newman 2009).
    Values ≤ 0 (e.g. actors with in-degree 0) are outside the support; ``n`` counts the
    values used.

    Parameters
    ----------
    n_resamples : int
        Bootstrap resamples per quantity (0 skips the goodness-of-fit test).
    seed : int
        Seed of the bootstrap; each quantity gets its own stream, so results are reproducible.
    n_jobs : int, optional
        Worker processes for the bootstrap (default: one per core).

    Returns
    -------
    polars.DataFrame
        The rows written to ``powerlaw_fits``, one per quantity. ``powerlaw_comparisons`` gets
        one row per quantity and alternative.
    """
    rows, comparison_rows = [], []
    for index, (name, quantity) in enumerate(FITTED_QUANTITIES.items()):
        values = quantity_values(con, quantity, run_id)
        if quantity.discrete:
            values = values.astype(np.int64)
        fit = fit_power_law(values, discrete=quantity.discrete)
        gof = None
        comparisons = []
        if fit.status == "ok":
            if n_resamples > 0:
                gof = bootstrap_gof(
                    values,
                    fit,
                    n_resamples=n_resamples,
                    seed=seed * 1_000 + index,  # one reproducible stream per quantity
                    n_jobs=n_jobs,
                )
            comparisons = compare_alternatives(values, fit)
        rows.append(
            {
                "quantity": name,
                "discrete": quantity.discrete,
                "status": fit.status,
                "n": int(fit.n),
                "n_tail": None if fit.n_tail is None else int(fit.n_tail),
                "xmin": finite_or_none(fit.xmin),
                "xmax": finite_or_none(fit.xmax),
                "alpha": finite_or_none(fit.alpha),
                "sigma": finite_or_none(fit.sigma),
                "ks_distance": finite_or_none(fit.ks_distance),
                "loglikelihood": finite_or_none(fit.loglikelihood),
                "p_value": None if gof is None else finite_or_none(gof.p_value),
                "n_resamples": None if gof is None else int(gof.n_resamples),
                "alpha_ci_low": None if gof is None else finite_or_none(gof.alpha_ci[0]),
                "alpha_ci_high": None if gof is None else finite_or_none(gof.alpha_ci[1]),
                "xmin_ci_low": None if gof is None else finite_or_none(gof.xmin_ci[0]),
                "xmin_ci_high": None if gof is None else finite_or_none(gof.xmin_ci[1]),
                "verdict": verdict(fit, gof, comparisons),
            }
        )
        comparison_rows.extend(
            {
                "quantity": name,
                "alternative": c.alternative,
                "loglikelihood_ratio": finite_or_none(c.loglikelihood_ratio),
                "normalized_ratio": finite_or_none(c.normalized_ratio),
                "p_value": finite_or_none(c.p_value),
                "is_nested": c.nested,
                "parameters": json.dumps(
                    {k: finite_or_none(v) for k, v in c.parameters.items()}, sort_keys=True
                ),
            }
            for c in comparisons
        )
        log.info("fitted %s: %s; %s", name, fit, rows[-1]["verdict"])
    frame = pl.DataFrame(rows, schema=_FIT_SCHEMA)
    comparisons_frame = pl.DataFrame(comparison_rows, schema=_COMPARISON_SCHEMA)
    replace_run_rows(con, "powerlaw_fits", run_id, frame)
    replace_run_rows(con, "powerlaw_comparisons", run_id, comparisons_frame)
    return frame


_FIT_SCHEMA = {
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
    "p_value": pl.Float64,
    "n_resamples": pl.Int32,
    "alpha_ci_low": pl.Float64,
    "alpha_ci_high": pl.Float64,
    "xmin_ci_low": pl.Float64,
    "xmin_ci_high": pl.Float64,
    "verdict": pl.String,
}
_COMPARISON_SCHEMA = {
    "quantity": pl.String,
    "alternative": pl.String,
    "loglikelihood_ratio": pl.Float64,
    "normalized_ratio": pl.Float64,
    "p_value": pl.Float64,
    "is_nested": pl.Boolean,
    "parameters": pl.String,
}


def finite_or_none(value: Any) -> float | None:
    """``float(value)``, or None for None, NaN and infinities (SQL null in result tables)."""
    if value is None:
        return None
    value = float(value)
    return value if np.isfinite(value) else None
