"""Result writer for the per-window statistics of a run: graph metrics per time window, the
actors of each window, and the largest cascade per window.

Like :mod:`netdyn.results.cascades`, the writer reads what a run covers (its sources up to its
event watermark), calls pure methods of :mod:`netdyn.analytics`, and replaces the run's rows of
its tables in one transaction. Without absolute times (the Twitter15/16 trees give only
delays) it records in ``run_statistics`` why the windows were skipped instead of failing.
"""

from __future__ import annotations

import logging
from typing import Any

import duckdb
import polars as pl

from netdyn.analytics.cascade_scaling import largest_cascade_by_window
from netdyn.analytics.influence_persistence import influence_persistence
from netdyn.analytics.windows import WindowSpec, assign_windows, windowed_statistics
from netdyn.results.heavy_tails import fitted_alpha
from netdyn.results.rows import WEIGHT_ONLY_ATTRIBUTES, run_events, store_results

__all__ = ["write_windows"]

log = logging.getLogger(__name__)


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
    cascades = con.sql(
        "select started_at, size from cascades where run_id = ? and started_at is not null",
        params=[run_id],
    ).pl()
    # only the columns the window statistics read (post texts are not loaded), and no
    # reference kept here, so the events are freed once they are cut into windows
    stats = windowed_statistics(
        run_events(
            con,
            run_id,
            columns=("kind", "actor_id", "target_actor_id", "occurred_at", WEIGHT_ONLY_ATTRIBUTES),
        ),
        spec,
        cascades=cascades,
    )
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
    alpha = fitted_alpha(con, run_id, "cascade_size")
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
