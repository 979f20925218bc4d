"""The comparison tables of a compare run: statistics and distances of each source, side by side.

``netdyn compare SOURCE_A SOURCE_B ...`` analyses each source in a run of its own
(:func:`netdyn.flows.analyze.analyze_flow`), then :func:`write_comparison` reads the stored
results of those runs and writes, under the compare run's ``run_id``:

``comparison_statistics``
    One row per source and statistic (size, cascade shape, every fitted α with its interval and
    goodness-of-fit p, concentration, the attachment exponent, the largest-cascade exponent,
    the friendship paradox, the exposure hazard ratios), with the first source marked as the
    reference.
``comparison_distances``
    For every heavy-tailed quantity, the two-sample Kolmogorov–Smirnov distance between the
    reference source's values and each other source's (and its asymptotic p-value).

The verdicts on these tables are in :mod:`netdyn.report.compare_verdicts`.

References
----------
.. [1] Massey, F. J. (1951). The Kolmogorov–Smirnov test for goodness of fit. *JASA*, 46, 68–78.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import duckdb
import matplotlib
import polars as pl
from scipy.stats import ks_2samp

from netdyn.core.errors import InvalidInputError
from netdyn.results.heavy_tails import FITTED_QUANTITIES, quantity_values
from netdyn.results.rows import finite_or_none, store_results
from netdyn.store.db import query_dicts as rows
from netdyn.store.db import query_one as _one

matplotlib.use("Agg")

__all__ = ["run_statistics_of", "write_comparison", "comparison_sources"]


def run_statistics_of(con: duckdb.DuckDBPyConnection, run_id: str) -> list[dict[str, Any]]:
    """The headline statistics of one analyze run, as ``statistic, value, ci_low, ci_high``.

    Parameters
    ----------
    run_id : str
        A completed analyze run.

    Returns
    -------
    list of dict
        One entry per statistic; names are ``<measure>`` or ``<measure>:<quantity>``.
    """
    out: list[dict[str, Any]] = []

    def add(name: str, value: Any, lo: Any = None, hi: Any = None) -> None:
        out.append(
            {
                "statistic": name,
                "value": finite_or_none(value),
                "ci_low": finite_or_none(lo),
                "ci_high": finite_or_none(hi),
            }
        )

    c = _one(
        con,
        """
        select count(*) as n, max(size) as max_size, avg(size) as mean_size,
               avg(depth) as mean_depth,
               avg(structural_virality) filter (where size > 1) as mean_virality,
               avg(case when size > 1 then 1.0 else 0.0 end) as share_with_replies
        from cascades where run_id = ?
        """,
        [run_id],
    )
    add("n_cascades", c.get("n"))
    add("max_cascade_size", c.get("max_size"))
    add("mean_cascade_size", c.get("mean_size"))
    add("mean_cascade_depth", c.get("mean_depth"))
    add("mean_structural_virality", c.get("mean_virality"))
    add("share_cascades_with_replies", c.get("share_with_replies"))
    a = _one(
        con,
        """
        select count(*) as n, sum(out_degree) as n_edges, max(coreness) as max_coreness,
               sum(n_events) as n_events
        from actor_metrics where run_id = ?
        """,
        [run_id],
    )
    add("n_actors", a.get("n"))
    add("n_edges", a.get("n_edges"))
    add("max_coreness", a.get("max_coreness"))
    for f in rows(con, "select * from core_periphery_fits where run_id = ?", [run_id]):
        # the Borgatti-Everett core: its share of the actors and the fit quality rho
        n = a.get("n")
        add(f"core_share:{f['method']}", f["n_core"] / n if n and f["n_core"] is not None else None)
        add(f"core_periphery_rho:{f['method']}", f["quality"])
    for f in rows(con, "select * from powerlaw_fits where run_id = ? and status = 'ok'", [run_id]):
        q = f["quantity"]
        add(f"alpha:{q}", f["alpha"], f["alpha_ci_low"], f["alpha_ci_high"])
        add(f"xmin:{q}", f["xmin"], f["xmin_ci_low"], f["xmin_ci_high"])
        add(f"gof_p:{q}", f["p_value"])
    for r in rows(con, "select * from concentration where run_id = ?", [run_id]):
        add(f"gini:{r['quantity']}", r["gini"])
        add(f"top_1pct_share:{r['quantity']}", r["top_1pct_share"])
    for r in rows(
        con,
        "select * from run_statistics where run_id = ? and analysis in "
        "('attachment_kernel', 'largest_cascade', 'friendship_paradox', 'windows')",
        [run_id],
    ):
        if r["statistic"] in {"n_windows", "n_untimed_events"}:
            continue
        add(f"{r['statistic']}:{r['analysis']}", r["value"], r["ci_low"], r["ci_high"])
    for r in rows(con, "select * from exposure_hazard where run_id = ?", [run_id]):
        add(f"hazard_ratio:{r['contagion_type']}", r["hazard_ratio"], r["ci_low"], r["ci_high"])
    w = _one(
        con,
        "select avg(reciprocity) as reciprocity from window_graph_metrics where run_id = ?",
        [run_id],
    )
    add("mean_window_reciprocity", w.get("reciprocity"))
    return out


def write_comparison(
    con: duckdb.DuckDBPyConnection, run_id: str, analyses: Mapping[str, str]
) -> dict[str, int]:
    """Store the comparison of analyze runs under the compare run ``run_id``.

    Parameters
    ----------
    run_id : str
        The compare run (must exist in ``runs``).
    analyses : mapping of source label to analyze run id
        In order; the first source is the reference.

    Returns
    -------
    dict
        Rows written per table.

    Raises
    ------
    InvalidInputError
        With fewer than two sources.
    """
    if len(analyses) < 2:
        raise InvalidInputError(
            f"compare needs at least two sources (a reference and one to compare); got "
            f"{len(analyses)}"
        )
    items = list(analyses.items())
    reference, reference_run = items[0]
    stats = [
        {"source": source, "analysis_run_id": run, "is_reference": source == reference, **s}
        for source, run in items
        for s in run_statistics_of(con, run)
    ]
    distances = []
    for name, quantity in FITTED_QUANTITIES.items():
        ref_values = quantity_values(con, quantity, reference_run)
        for source, run in items[1:]:
            values = quantity_values(con, quantity, run)
            if ref_values.size and values.size:
                test = ks_2samp(ref_values, values)
                d, p = float(test.statistic), float(test.pvalue)
            else:
                d = p = None
            distances.append(
                {
                    "quantity": name,
                    "reference": reference,
                    "source": source,
                    "ks_distance": d,
                    "ks_p_value": p,
                    "n_reference": int(ref_values.size),
                    "n_source": int(values.size),
                }
            )
    return store_results(
        con,
        run_id,
        {
            "comparison_statistics": pl.DataFrame(stats, infer_schema_length=None),
            "comparison_distances": pl.DataFrame(distances, infer_schema_length=None).cast(
                {"ks_distance": pl.Float64, "ks_p_value": pl.Float64}
            ),
        },
    )


def comparison_sources(
    con: duckdb.DuckDBPyConnection, run_id: str
) -> tuple[list[str], dict[str, str]]:
    """The compared sources (reference first, then in the run's order) and their analyze runs."""
    found = rows(
        con,
        """
        select source, any_value(analysis_run_id) as analysis_run_id,
               bool_or(is_reference) as is_reference
        from comparison_statistics where run_id = ? group by source
        """,
        [run_id],
    )
    if not found:
        raise KeyError(f"no comparison stored for run {run_id!r}; run write_comparison first")
    analyses = {r["source"]: r["analysis_run_id"] for r in found}
    run = _one(con, "select sources from runs where run_id = ?", [run_id])
    listed = [s for s in (run.get("sources") or []) if s in analyses]
    order = listed + sorted(set(analyses) - set(listed))
    reference = [r["source"] for r in found if r["is_reference"]]
    if reference:
        order.remove(reference[0])
        order.insert(0, reference[0])
    return order, analyses
