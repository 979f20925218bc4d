"""Result writer for the elites of a run: concentration of activity and attention, the
preferential-attachment kernel, largest-cascade scaling, influence persistence and the
friendship paradox.

Each analysis reads what a run covers, calls pure methods of :mod:`netdyn.analytics`, and the
run's rows of its tables are replaced in one transaction; an analysis that needs absolute times
records why it was skipped in ``run_statistics``.
"""

from __future__ import annotations

import logging
from typing import Any

import duckdb
import numpy as np
import polars as pl

from netdyn.analytics.attachment_kernel import preferential_attachment_kernel
from netdyn.analytics.cascade_scaling import largest_cascade_scaling
from netdyn.analytics.concentration import concentration
from netdyn.analytics.friendship_paradox import friendship_paradox
from netdyn.analytics.interaction_graph import event_edges
from netdyn.results.heavy_tails import fitted_alpha
from netdyn.results.rows import (
    finite_or_none,
    run_events,
    run_scope,
    store_results,
)

__all__ = ["write_elites"]

log = logging.getLogger(__name__)


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
    kernel_rows = pl.DataFrame()  # no kernel: the run's attachment_kernel rows are cleared
    if timed.height >= 10:
        kernel = preferential_attachment_kernel(
            timed, degree=degree, n_bootstrap=n_bootstrap, seed=int(seeds[0])
        )
        kernel_rows = kernel.kernel  # the columns of attachment_kernel, typed by the analysis
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
    alpha = fitted_alpha(con, run_id, "cascade_size")
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
        params=[run_scope(con, run_id)[0]],
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
