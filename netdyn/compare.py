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

:func:`statistic_verdicts`, :func:`distance_verdicts` and :func:`comparison_summary` decide,
statistic by statistic, whether a synthetic log *reproduces* the reference (its value inside the
reference's 95 % interval, or within a stated tolerance; a distribution when the two-sample
Kolmogorov–Smirnov test cannot tell the two apart, p > 0.05; Massey 1951), and
:func:`write_compare_report` renders the tables, the verdicts in words and overlaid CCDFs as one
self-contained HTML file.

References
----------
.. [1] Massey, F. J. (1951). The Kolmogorov–Smirnov test for goodness of fit. *JASA*, 46, 68–78.
.. [2] Clauset, A., Shalizi, C. R., & Newman, M. E. J. (2009). Power-law distributions in
   empirical data. *SIAM Review*, 51(4), 661–703.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb
import matplotlib
import numpy as np
import polars as pl
from jinja2 import Environment, PackageLoader, select_autoescape
from scipy.stats import ks_2samp

from netdyn.errors import InvalidInputError
from netdyn.report_spreading import ccdf_points, png, rows
from netdyn.report_text import (
    METHODS,
    comparison_verdict,
    distance_verdict,
    flatten_parameters,
    quantity_words,
    statistic_label,
)
from netdyn.results import FITTED_QUANTITIES, finite_or_none, quantity_values
from netdyn.spreading import store_results

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

__all__ = [
    "run_statistics_of",
    "write_comparison",
    "statistic_verdicts",
    "distance_verdicts",
    "comparison_summary",
    "write_compare_report",
]

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


#: Order of the measures in the side-by-side table (unknown measures go last, by name).
_MEASURE_ORDER = (
    "n_cascades",
    "max_cascade_size",
    "mean_cascade_size",
    "mean_cascade_depth",
    "mean_structural_virality",
    "share_cascades_with_replies",
    "n_actors",
    "n_edges",
    "max_coreness",
    "core_share",
    "core_periphery_rho",
    "alpha",
    "xmin",
    "gof_p",
    "gini",
    "top_1pct_share",
    "beta",
    "gamma",
    "gamma_predicted",
    "gamma_by_window",
    "share_lower",
    "mean_jaccard_top_k",
    "mean_spearman_rho",
    "hazard_ratio",
    "mean_window_reciprocity",
)


def _statistic_order(statistic: str) -> tuple[int, str]:
    measure = statistic.partition(":")[0]
    rank = _MEASURE_ORDER.index(measure) if measure in _MEASURE_ORDER else len(_MEASURE_ORDER)
    return rank, statistic


def _sources_of(con: duckdb.DuckDBPyConnection, run_id: str) -> tuple[list[str], dict[str, str]]:
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


def statistic_verdicts(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    *,
    relative_tolerance: float = 0.10,
    absolute_tolerance: float = 0.05,
) -> pl.DataFrame:
    """Whether each compared source reproduces each statistic of the reference.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        A database with the compare run's ``comparison_statistics`` rows.
    run_id : str
        The compare run.
    relative_tolerance, absolute_tolerance : float, keyword-only
        As in :func:`netdyn.report_text.comparison_verdict` (defaults 10 % and 0.05).

    Returns
    -------
    polars.DataFrame
        One row per statistic and compared (non-reference) source, in table order:
        ``statistic``, ``label`` (plain words), ``reference``, ``reference_value``,
        ``reference_ci_low``, ``reference_ci_high``, ``source``, ``value``, ``ci_low``,
        ``ci_high``, ``difference`` (value − reference value), ``status`` (reproduced,
        missed, not comparable), ``reason``.

    Raises
    ------
    KeyError
        If ``run_id`` has no comparison rows.
    InvalidInputError
        If a tolerance is negative.
    """
    order, _ = _sources_of(con, run_id)
    reference = order[0]
    cells: dict[str, dict[str, dict[str, Any]]] = {}
    for r in rows(con, "select * from comparison_statistics where run_id = ?", [run_id]):
        cells.setdefault(r["statistic"], {})[r["source"]] = r
    out = []
    for statistic in sorted(cells, key=_statistic_order):
        ref = cells[statistic].get(reference) or {}
        for source in order[1:]:
            other = cells[statistic].get(source) or {}
            decided = comparison_verdict(
                statistic,
                ref,
                other,
                relative_tolerance=relative_tolerance,
                absolute_tolerance=absolute_tolerance,
            )
            value, ref_value = other.get("value"), ref.get("value")
            out.append(
                {
                    "statistic": statistic,
                    "label": statistic_label(statistic),
                    "reference": reference,
                    "reference_value": ref_value,
                    "reference_ci_low": ref.get("ci_low"),
                    "reference_ci_high": ref.get("ci_high"),
                    "source": source,
                    "value": value,
                    "ci_low": other.get("ci_low"),
                    "ci_high": other.get("ci_high"),
                    "difference": None
                    if value is None or ref_value is None
                    else finite_or_none(value - ref_value),
                    **decided,
                }
            )
    schema = {
        "statistic": pl.String,
        "label": pl.String,
        "reference": pl.String,
        "reference_value": pl.Float64,
        "reference_ci_low": pl.Float64,
        "reference_ci_high": pl.Float64,
        "source": pl.String,
        "value": pl.Float64,
        "ci_low": pl.Float64,
        "ci_high": pl.Float64,
        "difference": pl.Float64,
        "status": pl.String,
        "reason": pl.String,
    }
    return pl.DataFrame(out, schema=schema)


def distance_verdicts(
    con: duckdb.DuckDBPyConnection, run_id: str, *, significance: float = 0.05
) -> pl.DataFrame:
    """Whether each compared source reproduces each heavy-tailed distribution of the reference.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        A database with the compare run's ``comparison_distances`` rows.
    run_id : str
        The compare run.
    significance : float, keyword-only, default 0.05
        Reproduced when the two-sample KS p-value exceeds it.

    Returns
    -------
    polars.DataFrame
        One row per quantity and compared source: the ``comparison_distances`` columns
        (``quantity``, ``reference``, ``source``, ``ks_distance``, ``ks_p_value``,
        ``n_reference``, ``n_source``) plus ``label``, ``status`` and ``reason``. Empty (same
        columns) when nothing was compared.

    Raises
    ------
    InvalidInputError
        If ``significance`` is not in (0, 1).
    """
    found = rows(
        con,
        """
        select quantity, reference, source, ks_distance, ks_p_value, n_reference, n_source
        from comparison_distances where run_id = ? order by quantity, source
        """,
        [run_id],
    )
    for r in found:
        r["label"] = quantity_words(r["quantity"])
        r |= distance_verdict(r["ks_distance"], r["ks_p_value"], significance=significance)
    schema = {
        "quantity": pl.String,
        "reference": pl.String,
        "source": pl.String,
        "ks_distance": pl.Float64,
        "ks_p_value": pl.Float64,
        "n_reference": pl.Int64,
        "n_source": pl.Int64,
        "label": pl.String,
        "status": pl.String,
        "reason": pl.String,
    }
    return pl.DataFrame(found, schema=schema)


def comparison_summary(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    *,
    relative_tolerance: float = 0.10,
    absolute_tolerance: float = 0.05,
    significance: float = 0.05,
) -> pl.DataFrame:
    """How much of the reference each compared source reproduces, with a sentence in words.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The netdyn database.
    run_id : str
        The compare run.
    relative_tolerance, absolute_tolerance, significance : float, keyword-only
        As in :func:`statistic_verdicts` and :func:`distance_verdicts`.

    Returns
    -------
    polars.DataFrame
        One row per compared (non-reference) source: ``reference``, ``source``,
        ``analysis_run_id``, ``n_statistics`` (comparable ones), ``n_reproduced``,
        ``n_distributions`` (comparable), ``n_distributions_reproduced``, ``missed`` (list
        of plain-language labels of missed statistics and distributions), ``verdict``.

    Raises
    ------
    KeyError
        If ``run_id`` has no comparison rows.

    Examples
    --------
    The verdict reads like "`B` reproduces 12 of 30 statistics and 2 of 6 distributions
    of the reference `A` ...".
    """
    order, analyses = _sources_of(con, run_id)
    stats = statistic_verdicts(
        con,
        run_id,
        relative_tolerance=relative_tolerance,
        absolute_tolerance=absolute_tolerance,
    )
    distances = distance_verdicts(con, run_id, significance=significance)
    out = []
    for source in order[1:]:
        s = stats.filter(pl.col("source") == source, pl.col("status") != "not comparable")
        d = distances.filter(pl.col("source") == source, pl.col("status") != "not comparable")
        n_ok = int((s["status"] == "reproduced").sum())
        d_ok = int((d["status"] == "reproduced").sum())
        missed = s.filter(pl.col("status") == "missed")["label"].to_list() + [
            f"the distribution of {label}"
            for label in d.filter(pl.col("status") == "missed")["label"].to_list()
        ]
        if s.height + d.height == 0:
            verdict = f"The log {source} has no statistic in common with the reference {order[0]}."
        else:
            share = (n_ok + d_ok) / (s.height + d.height)
            overall = (
                "a close match"
                if share >= 0.8
                else "a partial match"
                if share >= 0.5
                else "a poor match"
            )
            verdict = (
                f"The log {source} reproduces {n_ok} of {s.height} statistics and {d_ok} of "
                f"{d.height} distributions of the reference {order[0]}: {overall}."
            )
            if missed:
                shown = ", ".join(missed[:5])
                more = f" and {len(missed) - 5} more" if len(missed) > 5 else ""
                verdict += f" Missed: {shown}{more}."
        out.append(
            {
                "reference": order[0],
                "source": source,
                "analysis_run_id": analyses[source],
                "n_statistics": s.height,
                "n_reproduced": n_ok,
                "n_distributions": d.height,
                "n_distributions_reproduced": d_ok,
                "missed": missed,
                "verdict": verdict,
            }
        )
    schema = {
        "reference": pl.String,
        "source": pl.String,
        "analysis_run_id": pl.String,
        "n_statistics": pl.Int64,
        "n_reproduced": pl.Int64,
        "n_distributions": pl.Int64,
        "n_distributions_reproduced": pl.Int64,
        "missed": pl.List(pl.String),
        "verdict": pl.String,
    }
    return pl.DataFrame(out, schema=schema)


def _overlay(values: dict[str, np.ndarray], quantity: str) -> str | None:
    if sum(v.size > 0 for v in values.values()) < 2:
        return None
    fig, ax = plt.subplots(figsize=(4.2, 3.3))
    colors = ["#0969da", "#cf222e", "#1a7f37", "#bf8700", "#8250df", "#57606a"]
    for i, (source, v) in enumerate(values.items()):
        if v.size == 0:
            continue
        unique, ccdf = ccdf_points(v)
        ax.loglog(
            unique,
            ccdf,
            "-" if i else "o",
            ms=2.5,
            lw=1.2,
            color=colors[i % len(colors)],
            label=source if len(source) <= 32 else source[:29] + "...",
        )
    ax.set_xlabel(quantity.replace("_", " "))
    ax.set_ylabel("P(X ≥ x)")
    legend = ax.legend(fontsize=7, frameon=False)
    for text in legend.get_texts():  # source labels are data: never parse them as mathtext
        text.set_parse_math(False)
    return png(fig)


def _href(target: str | Path | None, folder: Path) -> str | None:
    """A relative link from ``folder`` to an existing report file, or None."""
    if not target or not Path(target).exists():
        return None
    return Path(os.path.relpath(Path(target).resolve(), folder.resolve())).as_posix()


def write_compare_report(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    reports_dir: str | Path,
    *,
    update_analysis_reports: bool = True,
) -> Path:
    """Write ``<reports_dir>/<run_id>.html`` for a compare run.

    The report holds a verdict per compared source in words, the statistics side by side with
    a verdict per statistic (reproduced / missed and why), the KS distance of every
    heavy-tailed distribution with its verdict, overlaid CCDFs (one plot per quantity, every
    source on it), links to each source's analysis report, and an appendix (verdict rules,
    parameters, data fingerprints, package versions).

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The netdyn database.
    run_id : str
        The compare run (rows in ``comparison_statistics``).
    reports_dir : str or Path
        Folder for the report (created if missing).
    update_analysis_reports : bool, keyword-only, default True
        Rewrite the report of each compared analysis run (where its recorded report file
        exists) so that it links to this comparison.

    Returns
    -------
    Path
        The report file.

    Raises
    ------
    KeyError
        If ``run_id`` has no comparison rows.
    """
    from netdyn.report import write_report  # netdyn.report links back to comparisons

    order, analyses = _sources_of(con, run_id)
    reference = order[0]
    run = _one(con, "select * from runs where run_id = ?", [run_id])
    folder = Path(reports_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{run_id}.html"
    analysis_runs = {
        r["run_id"]: r
        for r in rows(
            con,
            "select run_id, report_path, data_fingerprint, event_watermark, package_versions "
            "from runs where run_id in (select unnest(?))",
            [list(analyses.values())],
        )
    }
    verdicts = statistic_verdicts(con, run_id)
    by_statistic: dict[str, dict[str, Any]] = {}
    for r in verdicts.to_dicts():
        line = by_statistic.setdefault(
            r["statistic"],
            {
                "statistic": r["statistic"],
                "label": r["label"],
                "reference": {
                    "value": r["reference_value"],
                    "ci_low": r["reference_ci_low"],
                    "ci_high": r["reference_ci_high"],
                },
                "cells": [],
            },
        )
        line["cells"].append(r)
    distances = distance_verdicts(con, run_id).to_dicts()
    plots = []
    for name, quantity in FITTED_QUANTITIES.items():
        values = {source: quantity_values(con, quantity, analyses[source]) for source in order}
        image = _overlay(values, name)
        if image:
            plots.append({"quantity": name, "label": quantity_words(name), "png": image})
    html = _env.get_template("compare.html.j2").render(
        run=run,
        sources=order,
        reference=reference,
        analyses=analyses,
        analysis_runs=analysis_runs,
        links={
            s: _href((analysis_runs.get(analyses[s]) or {}).get("report_path"), folder)
            for s in order
        },
        summary=comparison_summary(con, run_id).to_dicts(),
        lines=list(by_statistic.values()),
        distances=distances,
        plots=plots,
        parameters=flatten_parameters(run.get("parameters")),
        packages=sorted(json.loads(run.get("package_versions") or "{}").items()),
        methods=[m for m in METHODS if m[0] in {"Heavy tails", "Real versus synthetic"}],
        fmt=_fmt,
    )
    path.write_text(html, encoding="utf-8")
    if update_analysis_reports:
        for analysis_run_id in dict.fromkeys(analyses.values()):
            target = (analysis_runs.get(analysis_run_id) or {}).get("report_path")
            if target and Path(target).exists():
                write_report(
                    con, analysis_run_id, Path(target).parent, known_reports={run_id: path}
                )
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
