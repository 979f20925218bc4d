"""Side-by-side comparison of sources: a real log against synthetic and null-model logs.

``netdyn compare SOURCE_A SOURCE_B ...`` analyses each source in a run of its own
(:func:`flows.analyze.analyze_flow`), then this module reads the stored results of those runs
and writes, under the compare run's ``run_id``:

``comparison_statistics``
    One row per source and statistic (size, cascade shape, every fitted α with its interval and
    goodness-of-fit p, concentration, the attachment exponent, the largest-cascade exponent,
    the friendship paradox, the exposure hazard ratios), with the first source marked as the
    reference.
``comparison_distances``
    For every heavy-tailed quantity, the two-sample Kolmogorov–Smirnov distance between the
    reference source's values and each other source's (and its asymptotic p-value).

:func:`write_compare_report` renders the tables and overlaid CCDFs as one HTML file.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl
from jinja2 import Environment, PackageLoader, select_autoescape
from scipy.stats import ks_2samp

from netdyn.report_spreading import png, rows
from netdyn.results import FITTED_QUANTITIES, finite_or_none, quantity_values
from netdyn.spreading import store_results

__all__ = ["run_statistics_of", "write_comparison", "write_compare_report"]

_env = Environment(
    loader=PackageLoader("netdyn", "templates"),
    autoescape=select_autoescape(["html", "j2"], default=True),
)


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> dict[str, Any]:
    found = rows(con, sql, params)
    return found[0] if found else {}


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
    ValueError
        With fewer than two sources.
    """
    if len(analyses) < 2:
        raise ValueError("compare needs at least two sources")
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


def _overlay(values: dict[str, np.ndarray], quantity: str) -> str | None:
    if sum(v.size > 0 for v in values.values()) < 2:
        return None
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.2, 3.3))
    colors = ["#0969da", "#cf222e", "#1a7f37", "#bf8700", "#8250df", "#57606a"]
    for i, (source, v) in enumerate(values.items()):
        if v.size == 0:
            continue
        x = np.sort(v)
        unique, first = np.unique(x, return_index=True)
        ax.loglog(
            unique,
            1.0 - first / x.size,
            "-" if i else "o",
            ms=2.5,
            lw=1.2,
            color=colors[i % len(colors)],
            label=source if len(source) <= 32 else source[:29] + "...",
        )
    ax.set_xlabel(quantity.replace("_", " "))
    ax.set_ylabel("P(X ≥ x)")
    ax.legend(fontsize=7, frameon=False)
    return png(fig)


def write_compare_report(
    con: duckdb.DuckDBPyConnection, run_id: str, reports_dir: str | Path
) -> Path:
    """Write ``<reports_dir>/<run_id>.html``: statistics side by side, KS distances, overlaid
    CCDFs (one plot per heavy-tailed quantity, every source on it).

    Raises
    ------
    KeyError
        If ``run_id`` has no comparison rows.
    """
    stats = rows(
        con,
        "select * from comparison_statistics where run_id = ? order by statistic, source",
        [run_id],
    )
    if not stats:
        raise KeyError(f"no comparison stored for run {run_id!r}")
    run = _one(con, "select * from runs where run_id = ?", [run_id])
    sources: list[str] = []
    analyses: dict[str, str] = {}
    for s in sorted(stats, key=lambda r: not r["is_reference"]):
        if s["source"] not in analyses:
            sources.append(s["source"])
            analyses[s["source"]] = s["analysis_run_id"]
    order = [s for s in run.get("sources") or [] if s in analyses] or sources
    table: dict[str, dict[str, Any]] = {}
    for s in stats:
        table.setdefault(s["statistic"], {})[s["source"]] = s
    reference = order[0]
    lines = []
    for statistic in sorted(table):
        cells = table[statistic]
        ref = (cells.get(reference) or {}).get("value")
        lines.append(
            {
                "statistic": statistic,
                "cells": [cells.get(source) for source in order],
                "differences": [
                    None
                    if ref is None or (cells.get(source) or {}).get("value") is None
                    else cells[source]["value"] - ref
                    for source in order
                ],
            }
        )
    distances = rows(
        con,
        "select * from comparison_distances where run_id = ? order by quantity, source",
        [run_id],
    )
    plots = []
    for name, quantity in FITTED_QUANTITIES.items():
        values = {source: quantity_values(con, quantity, analyses[source]) for source in order}
        image = _overlay(values, name)
        if image:
            plots.append({"quantity": name, "png": image})
    html = _env.get_template("compare.html.j2").render(
        run=run,
        sources=order,
        reference=reference,
        analyses=analyses,
        lines=lines,
        distances=distances,
        plots=plots,
        fmt=_fmt,
    )
    folder = Path(reports_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{run_id}.html"
    path.write_text(html, encoding="utf-8")
    return path


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    value = float(value)
    if not math.isfinite(value):
        return "–"
    if value.is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:,.1f}"
    if magnitude >= 0.01 or magnitude == 0:
        return f"{value:.3f}"
    return f"{value:.2e}"
