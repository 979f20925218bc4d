"""Result writers for the spreading and elites analyses (windows, concentration, attachment,
largest cascades, persistence, friendship paradox, content cascades, exposure).

Like :mod:`netdyn.results`, each writer reads what a run covers (its sources up to its event
watermark), calls pure methods of :mod:`analytics`, and replaces the run's rows of its tables
in one transaction, so a retried task never duplicates rows and a failed one leaves none.
Analyses that need absolute times (windows, the attachment kernel) record why they were
skipped in ``run_statistics`` instead of failing the run when a source has none (the
Twitter15/16 trees give only delays).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import numpy as np
import polars as pl

from analytics.content_cascades import ContentParams, content_cascades
from analytics.elites import (
    concentration,
    event_edges,
    friendship_paradox,
    influence_persistence,
    largest_cascade_by_window,
    largest_cascade_scaling,
    preferential_attachment_kernel,
)
from analytics.exposure import (
    count_exposures,
    cox_exposure,
    exposure_edges_from_events,
    exposure_response,
)
from analytics.windows import WindowSpec, assign_windows, windowed_statistics
from netdyn.results import finite_or_none, replace_run_rows

__all__ = [
    "run_events",
    "write_windows",
    "write_elites",
    "write_exposure",
    "thread_adoptions",
    "content_adoptions",
    "write_content_cascades",
    "store_results",
]

log = logging.getLogger(__name__)

_EVENT_COLUMNS = (
    "event_seq",
    "source",
    "kind",
    "occurred_at",
    "seconds_since_root",
    "actor_id",
    "target_actor_id",
    "object_id",
    "parent_object_id",
    "root_object_id",
    "community",
    "attributes",
)


def _run(con: duckdb.DuckDBPyConnection, run_id: str) -> tuple[list[str], int]:
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
    sources, watermark = _run(con, run_id)
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
                        json.dumps(_clean(row.get("detail") or {})),
                    ],
                )
            written[f"run_statistics:{analysis}"] = len(rows)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return written


def write_windows(
    con: duckdb.DuckDBPyConnection, run_id: str, spec: WindowSpec, *, top_k: int = 10
) -> dict[str, Any]:
    """Per-window actor and graph statistics, influence persistence and S_max per window.

    Writes ``window_actor_metrics``, ``window_graph_metrics``, ``influence_persistence``
    (top-``top_k`` actors by interactions received, between consecutive windows) and the
    ``window`` rows of ``largest_cascade_scaling``; ``run_statistics`` gets the window
    spec, the number of windows and of untimed events. Reads the ``cascades`` rows of the
    run (write them first).

    Returns
    -------
    dict
        ``n_windows``, ``n_untimed_events``, rows written per table.
    """
    events = run_events(con, run_id)
    cascades = con.sql(
        "select started_at, size from cascades where run_id = ? and started_at is not null",
        params=[run_id],
    ).pl()
    stats = windowed_statistics(events, spec, cascades=cascades)
    scores = stats.actors.select(
        "window_start", "actor_id", pl.col("in_strength").alias("score")
    ).filter(pl.col("score") > 0)
    persistence = influence_persistence(scores, k=top_k).with_columns(k=pl.lit(top_k))
    tables: dict[str, pl.DataFrame] = {
        "window_actor_metrics": stats.actors,
        "window_graph_metrics": stats.graphs,
        "influence_persistence": persistence,
    }
    statistics = [
        {"statistic": "n_windows", "value": stats.graphs.height, "detail": spec.to_dict()},
        {"statistic": "n_untimed_events", "value": stats.n_untimed_events},
    ]
    if persistence.height:
        statistics.append(
            {
                "statistic": "mean_jaccard_top_k",
                "value": persistence["jaccard_top_k"].mean(),
                "detail": {"k": top_k, "n_pairs": persistence.height},
            }
        )
        statistics.append(
            {
                "statistic": "mean_spearman_rho",
                "value": persistence["spearman_rho"].drop_nans().mean(),
                "detail": {"k": top_k, "n_pairs": persistence.height},
            }
        )
    alpha = _fitted_alpha(con, run_id, "cascade_size")
    scaling_rows = None
    if cascades.height:
        windowed = assign_windows(cascades.rename({"started_at": "occurred_at"}), spec)
        if windowed["window_id"].n_unique() >= 2:
            scaling = largest_cascade_by_window(windowed, alpha=alpha)
            scaling_rows = scaling.table
            statistics.append(
                {
                    "statistic": "gamma_by_window",
                    "value": scaling.gamma,
                    "ci_low": scaling.gamma - 1.96 * scaling.gamma_se,
                    "ci_high": scaling.gamma + 1.96 * scaling.gamma_se,
                    "detail": {"gamma_predicted": scaling.gamma_predicted, "alpha": alpha},
                }
            )
    existing = con.sql(
        "select * exclude (run_id) from largest_cascade_scaling "
        "where run_id = ? and method <> 'window'",
        params=[run_id],
    ).pl()
    window_points = (
        scaling_rows.join(
            windowed.select("window_id", "window_start").unique(), on="window_id", how="left"
        ).select(
            pl.lit("window").alias("method"),
            pl.int_range(pl.len(), dtype=pl.Int32).alias("point"),
            "window_start",
            pl.col("n_cascades").cast(pl.Int64),
            pl.col("max_size").cast(pl.Float64).alias("largest_size"),
            pl.lit(None, dtype=pl.Float64).alias("expected_size"),
        )
        if scaling_rows is not None
        else existing.clear()
    )
    tables["largest_cascade_scaling"] = pl.concat(
        [existing, window_points.select(existing.columns)], how="vertical_relaxed"
    )
    written = store_results(con, run_id, tables, statistics={"windows": statistics})
    return {
        "n_windows": stats.graphs.height,
        "n_untimed_events": stats.n_untimed_events,
        **written,
    }


def write_elites(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    *,
    degree: str = "in",
    n_bootstrap: int = 200,
    seed: int = 0,
) -> dict[str, Any]:
    """Concentration, attachment kernel, largest-cascade scaling and the friendship paradox.

    Reads the run's ``actor_metrics``, ``cascades`` and ``powerlaw_fits`` rows (write them
    first) and its events. Writes ``concentration`` (activity, cascade volume = total size
    of the cascades an actor rooted, interactions received), ``attachment_kernel`` (from the
    timestamped interaction edges, split at the median edge time; skipped without absolute
    times), the ``subsample`` rows of ``largest_cascade_scaling`` (with the fitted α of
    ``cascade_size`` for the extreme-value prediction), and ``run_statistics`` rows for β,
    γ and the paradox share.

    Returns
    -------
    dict
        Rows written per table.
    """
    rng = np.random.default_rng(seed)
    seeds = rng.integers(0, 2**63 - 1, size=2)
    actors = con.sql(
        "select actor_id, n_events, in_strength from actor_metrics where run_id = ?",
        params=[run_id],
    ).pl()
    volume = con.sql(
        """
        select root_actor_id as actor_id, sum(size)::double as volume from cascades
        where run_id = ? and root_actor_id is not null group by root_actor_id
        """,
        params=[run_id],
    ).pl()
    rows = []
    for quantity, values in (
        ("activity", actors["n_events"]),
        ("cascade_volume", volume["volume"]),
        ("in_strength", actors["in_strength"]),
    ):
        if values.len() == 0:
            continue
        c = concentration(values.to_numpy())
        rows.append(
            {
                "quantity": quantity,
                "n_actors": c.n_actors,
                "total": c.total,
                "top_1pct_share": finite_or_none(c.top_1pct_share),
                "top_10pct_share": finite_or_none(c.top_10pct_share),
                "gini": finite_or_none(c.gini),
            }
        )
    tables: dict[str, pl.DataFrame] = {
        "concentration": pl.DataFrame(
            rows,
            schema={
                "quantity": pl.String,
                "n_actors": pl.Int64,
                "total": pl.Float64,
                "top_1pct_share": pl.Float64,
                "top_10pct_share": pl.Float64,
                "gini": pl.Float64,
            },
        )
    }
    statistics: dict[str, list[dict[str, Any]]] = {}
    events = run_events(con, run_id, columns=("kind", "actor_id", "target_actor_id", "occurred_at"))
    edges = event_edges(events)
    timed = edges.filter(pl.col("occurred_at").is_not_null())
    kernel_rows = pl.DataFrame(
        schema={
            "degree": pl.Int64,
            "n_nodes": pl.Int64,
            "n_new_ends": pl.Int64,
            "attachment_rate": pl.Float64,
            "cumulative_kernel": pl.Float64,
            "is_fitted": pl.Boolean,
        }
    )
    if timed.height >= 10:
        kernel = preferential_attachment_kernel(
            timed, degree=degree, n_bootstrap=n_bootstrap, seed=int(seeds[0])
        )
        kernel_rows = kernel.kernel.select(kernel_rows.columns).cast(kernel_rows.schema)
        statistics["attachment_kernel"] = [
            {
                "statistic": "beta",
                "value": kernel.beta,
                "ci_low": kernel.beta_ci[0],
                "ci_high": kernel.beta_ci[1],
                "detail": {
                    "degree": kernel.degree,
                    "t0": kernel.t0,
                    "t1": kernel.t1,
                    "se": kernel.beta_se,
                    "n_nodes_t0": kernel.n_nodes_t0,
                    "n_edges_t0": kernel.n_edges_t0,
                    "n_new_edges": kernel.n_new_edges,
                    "n_bootstrap": kernel.n_bootstrap,
                },
            }
        ]
    else:
        statistics["attachment_kernel"] = [
            {
                "statistic": "beta",
                "value": None,
                "detail": {
                    "skipped": "fewer than 10 interaction edges with absolute times",
                    "n_timed_edges": timed.height,
                },
            }
        ]
    tables["attachment_kernel"] = kernel_rows
    sizes = con.sql("select size from cascades where run_id = ?", params=[run_id]).pl()["size"]
    alpha = _fitted_alpha(con, run_id, "cascade_size")
    existing = con.sql(
        "select * exclude (run_id) from largest_cascade_scaling "
        "where run_id = ? and method <> 'subsample'",
        params=[run_id],
    ).pl()
    points = existing.clear()
    if sizes.len() >= 20:
        scaling = largest_cascade_scaling(sizes.to_numpy(), alpha=alpha, seed=int(seeds[1]))
        points = scaling.table.select(
            pl.lit("subsample").alias("method"),
            pl.int_range(pl.len(), dtype=pl.Int32).alias("point"),
            pl.lit(None, dtype=pl.Datetime("us", "UTC")).alias("window_start"),
            pl.col("n_cascades").cast(pl.Int64),
            pl.col("mean_max_size").cast(pl.Float64).alias("largest_size"),
            pl.col("expected_max_size").cast(pl.Float64).alias("expected_size"),
        )
        statistics["largest_cascade"] = [
            {
                "statistic": "gamma",
                "value": scaling.gamma,
                "ci_low": scaling.gamma - 1.96 * scaling.gamma_se,
                "ci_high": scaling.gamma + 1.96 * scaling.gamma_se,
                "detail": {"n_cascades": int(sizes.len()), "alpha": alpha},
            },
            {
                "statistic": "gamma_predicted",
                "value": scaling.gamma_predicted,
                "detail": {"rule": "1 / (alpha - 1)", "alpha": alpha},
            },
        ]
    tables["largest_cascade_scaling"] = pl.concat(
        [existing, points.select(existing.columns)], how="vertical_relaxed"
    )
    contacts = con.sql(
        """
        select actor_id, target_actor_id from proj_interactions
        where source in (select unnest(?)) group by actor_id, target_actor_id
        """,
        params=[_run(con, run_id)[0]],
    ).pl()
    paradox = friendship_paradox(contacts, columns=("actor_id", "target_actor_id"))
    statistics["friendship_paradox"] = [
        {
            "statistic": "share_lower",
            "value": paradox.share_lower,
            "detail": {
                "n_actors": paradox.n_actors,
                "n_isolated": paradox.n_isolated,
                "mean_degree": paradox.mean_degree,
                "mean_neighbor_degree": paradox.mean_neighbor_degree,
                "edge_end_mean_degree": paradox.edge_end_mean_degree,
            },
        }
    ]
    return store_results(con, run_id, tables, statistics=statistics)


def thread_adoptions(con: duckdb.DuckDBPyConnection, run_id: str) -> pl.DataFrame:
    """Adoption of reply threads: each actor's first item in each cascade of the run.

    Reads the run's ``cascade_nodes`` (write them first) and the items' actors and times from
    the ``proj_items`` projection.

    Returns
    -------
    polars.DataFrame
        One row per (cascade, actor): ``contagion_id`` (``source/cascade_id``), ``actor_id``,
        ``adopted_at`` (float seconds: epoch seconds of ``occurred_at``, or
        ``seconds_since_root`` for sources with relative times only). The root's author is
        the thread's first adopter.
    """
    return con.sql(
        """
        select n.source || '/' || n.cascade_id as contagion_id, i.actor_id,
               min(coalesce(epoch(i.occurred_at), i.seconds_since_root)) as adopted_at
        from cascade_nodes n
        join proj_items i using (source, object_id)
        where n.run_id = ? and i.actor_id is not null
          and coalesce(epoch(i.occurred_at), i.seconds_since_root) is not null
        group by all
        order by contagion_id, adopted_at, actor_id
        """,
        params=[run_id],
    ).pl()


def write_content_cascades(
    con: duckdb.DuckDBPyConnection, run_id: str, params: ContentParams
) -> dict[str, Any]:
    """Content cascades (n-grams, URLs, hashtags, code blocks) of the run's events.

    Writes ``content_cascades`` and ``content_adoptions`` (every cascade with at least
    ``params.min_adopters`` adopters, none truncated) and the parameters as
    ``run_statistics`` row ``content_cascades.n_cascades``.

    Returns
    -------
    dict
        ``n_cascades``, ``n_adoptions``, ``n_events_scanned`` and the count per feature kind.
    """
    events = run_events(
        con,
        run_id,
        columns=(
            "event_seq",
            "kind",
            "actor_id",
            "occurred_at",
            "seconds_since_root",
            "community",
            "text",
        ),
    ).filter(pl.col("text").is_not_null())
    result = content_cascades(events, params)
    del events
    by_kind = {
        kind: int(n)
        for kind, n in result.cascades.group_by("feature_kind").len().sort("feature_kind").rows()
    }
    written = store_results(
        con,
        run_id,
        {
            "content_cascades": result.cascades,
            "content_adoptions": result.adoptions.select(
                "cascade_id",
                "actor_id",
                "adopted_at",
                "adopted_seconds",
                "event_seq",
                pl.col("adoption_rank").cast(pl.Int64),
            ),
        },
        statistics={
            "content_cascades": [
                {
                    "statistic": "n_cascades",
                    "value": result.cascades.height,
                    "detail": {
                        "parameters": params.to_dict(),
                        "n_events_scanned": result.n_events,
                        "by_kind": by_kind,
                    },
                }
            ]
        },
    )
    return {
        "n_cascades": written["content_cascades"],
        "n_adoptions": written["content_adoptions"],
        "n_events_scanned": result.n_events,
        "by_kind": by_kind,
    }


def content_adoptions(con: duckdb.DuckDBPyConnection, run_id: str) -> pl.DataFrame:
    """Adoption of content cascades stored for the run, as exposure-analysis input.

    Returns
    -------
    polars.DataFrame
        One row per (content cascade, actor): ``contagion_id`` (the cascade id),
        ``actor_id``, ``adopted_at`` (float seconds). Adoptions without a time are left out.
    """
    return con.sql(
        """
        select cascade_id as contagion_id, actor_id, adopted_seconds as adopted_at
        from content_adoptions
        where run_id = ? and adopted_seconds is not null
        order by contagion_id, adopted_at, actor_id
        """,
        params=[run_id],
    ).pl()


def write_exposure(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    contagions: Mapping[str, pl.DataFrame],
    *,
    max_k: int = 10,
) -> dict[str, Any]:
    """Exposure-response curves and Cox hazard ratios, one set per contagion type.

    The exposure graph is the run's interaction graph as it stood at each moment
    (:func:`analytics.exposure.exposure_edges_from_events`: who read whom, from the first
    interaction of each pair). For runs whose events lack calendar times (Twitter15/16),
    times are comparable only inside one cascade, so the graph is taken as present from the
    start (``static_graph``) and each contagion is observed until its last adoption;
    otherwise actors at risk are observed until the run's last event (right-censored there).

    Parameters
    ----------
    contagions : mapping of contagion type to adoptions
        Each frame has ``contagion_id``, ``actor_id``, ``adopted_at`` (float seconds), one
        row per first adoption (e.g. :func:`thread_adoptions`).
    max_k : int
        Exposure counts shown in ``exposure_response`` (1..max_k).

    Returns
    -------
    dict
        Per contagion type: ``n_adoptions``, ``n_exposures``, ``hazard_ratio``, ``status``.
    """
    events = run_events(
        con,
        run_id,
        columns=("kind", "actor_id", "target_actor_id", "occurred_at", "seconds_since_root"),
    )
    static = events.height > 0 and events["occurred_at"].null_count() > 0
    edges = exposure_edges_from_events(events)
    until = None  # relative times: each contagion is observed until its last adoption
    if static:
        edges = edges.with_columns(formed_at=pl.lit(None, dtype=pl.Float64))
    elif events.height:
        # calendar times: every actor at risk stays observed until the log's last event
        until = events["occurred_at"].max().timestamp()
    del events
    curves, hazards, summary = [], [], {}
    for contagion_type, adoptions in contagions.items():
        exposures = count_exposures(adoptions, edges)
        curve = exposure_response(exposures, adoptions, max_k=max_k)
        cox = cox_exposure(exposures, adoptions, until=until)
        curves.append(
            curve.select(
                pl.lit(contagion_type).alias("contagion_type"),
                pl.col("k").cast(pl.Int32),
                pl.col("n_exposed").cast(pl.Int64),
                pl.col("n_adopted").cast(pl.Int64),
                pl.col("p").alias("p_adopt"),
                "ci_low",
                "ci_high",
            )
        )
        row = {
            k: v for k, v in cox.to_dict().items() if k not in {"ph_time_transform", "confidence"}
        }
        row = {k: (finite_or_none(v) if isinstance(v, float) else v) for k, v in row.items()}
        hazards.append(
            {
                "contagion_type": contagion_type,
                **row,
                "n_adoptions": adoptions.height,
                "n_exposures": exposures.height,
                "static_graph": static,
            }
        )
        summary[contagion_type] = {
            "n_adoptions": adoptions.height,
            "n_exposures": exposures.height,
            "hazard_ratio": row["hazard_ratio"],
            "status": row["status"],
        }
    tables = {
        "exposure_response": pl.concat(curves) if curves else pl.DataFrame(),
        "exposure_hazard": pl.DataFrame(hazards, infer_schema_length=None),
    }
    store_results(con, run_id, {k: v for k, v in tables.items() if v.width})
    return summary


def _fitted_alpha(con: duckdb.DuckDBPyConnection, run_id: str, quantity: str) -> float | None:
    rows = con.execute(
        "select alpha from powerlaw_fits where run_id = ? and quantity = ? and status = 'ok'",
        [run_id, quantity],
    ).fetchall()
    return float(rows[0][0]) if rows and rows[0][0] is not None else None


def _clean(value: Any) -> Any:
    """JSON-ready copy: numpy scalars to Python, non-finite floats to null."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)
