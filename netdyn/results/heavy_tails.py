"""Result writer for the power-law fits of a run: the heavy-tailed quantities netdyn fits, the SQL
that yields their values, and the fits with their goodness of fit and alternative comparisons."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import duckdb
import numpy as np
import polars as pl

from netdyn.analytics.power_law import bootstrap_gof, fit_power_law
from netdyn.analytics.power_law_compare import compare_alternatives, verdict
from netdyn.results.rows import finite_or_none, replace_run_rows

__all__ = [
    "FITTED_QUANTITIES",
    "Quantity",
    "quantity_values",
    "write_powerlaw_fits",
    "fitted_alpha",
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
        Bootstrap resamples per quantity (0 skips the goodness-of-fit test). Each quantity's
        bootstrap is reported to :mod:`netdyn.core.progress` as ``"bootstrap of <name>"``.
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
                    quantity=name,  # progress: "bootstrap of cascade_size"
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


def fitted_alpha(con: duckdb.DuckDBPyConnection, run_id: str, quantity: str) -> float | None:
    """The fitted power-law exponent of ``quantity`` in run ``run_id``, or None if not fitted."""
    rows = con.execute(
        "select alpha from powerlaw_fits where run_id = ? and quantity = ? and status = 'ok'",
        [run_id, quantity],
    ).fetchall()
    return float(rows[0][0]) if rows and rows[0][0] is not None else None
