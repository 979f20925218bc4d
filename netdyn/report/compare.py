"""The report of a compare run: verdicts in words, statistics side by side, overlaid CCDFs.

:func:`write_compare_report` renders the tables of :mod:`netdyn.results.comparison` with the
verdicts of :mod:`netdyn.report.compare_verdicts` as one self-contained HTML file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import matplotlib
import numpy as np

from netdyn.report.figures import ccdf_points, png, relative_link
from netdyn.report.methods import METHODS
from netdyn.report.wording import quantity_words
from netdyn.results.heavy_tails import FITTED_QUANTITIES, quantity_values
from netdyn.store.db import query_dicts as rows
from netdyn.store.db import query_one as _one

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from netdyn.report.compare_verdicts import comparison_summary, distance_verdicts, statistic_verdicts
from netdyn.report.run_report import render_page, write_report
from netdyn.results.comparison import comparison_sources as _sources_of

__all__ = ["write_compare_report"]


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
    html = render_page(
        "compare.html.j2",
        run,
        sources=order,
        reference=reference,
        analyses=analyses,
        analysis_runs=analysis_runs,
        links={
            s: relative_link((analysis_runs.get(analyses[s]) or {}).get("report_path"), folder)
            for s in order
        },
        summary=comparison_summary(con, run_id).to_dicts(),
        lines=list(by_statistic.values()),
        distances=distances,
        plots=plots,
        methods=[m for m in METHODS if m[0] in {"Heavy tails", "Real versus synthetic"}],
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
