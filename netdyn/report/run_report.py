"""The analyst report: one self-contained HTML file per run (``reports/<run_id>.html``).

One section per analysis, each with its plots, tables and a verdict in plain words
(:mod:`netdyn.report.text`): heavy tails (CCDFs with the fitted power law; Clauset, Shalizi &
Newman 2009), cascades with drawings of the largest trees (:mod:`netdyn.report.trees`;
Reingold & Tilford 1981; Goel et al. 2016), the interaction graph (coreness; Batagelj &
Zaversnik 2003), content cascades, exposure and adoption, elites, time windows,
core-periphery, roles and mesoscale structure (:mod:`netdyn.report.sections`), the comparisons
with synthetic logs that involve the run (:mod:`netdyn.report.compare`), and an appendix with the
methods and their papers, the parameters, the data fingerprint and the package versions.

Plots are PNGs embedded as base64 data URIs and the page loads nothing else (no fonts, styles
or scripts from elsewhere), so the file opens offline and can be mailed. All text that comes
from the data (actor ids, community names, cascade ids, content, source labels) passes through
Jinja2's HTML autoescaping, and is drawn in plots as plain text (never parsed as mathtext).

References
----------
Clauset, Shalizi & Newman (2009) and Goel et al. (2016) are cited in full in
:mod:`netdyn.report.text`, whose verdicts follow them.

.. [1] Batagelj, V., & Zaversnik, M. (2003). An O(m) algorithm for cores decomposition of
   networks. arXiv:cs/0310049.
"""

from __future__ import annotations

import json
import math
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb
import matplotlib
import numpy as np
from jinja2 import Environment, PackageLoader, select_autoescape
from scipy.special import zeta

from netdyn.core.errors import InvalidInputError
from netdyn.report.compare_verdicts import comparison_summary
from netdyn.report.figures import ccdf_points, png, relative_link
from netdyn.report.methods import METHODS
from netdyn.report.spreading_section import spreading_context
from netdyn.report.structure_section import structure_context
from netdyn.report.text import (
    cascades_verdict,
    content_verdict,
    graph_verdict,
    heavy_tails_verdict,
    mesoscale_verdict,
    windows_verdict,
)
from netdyn.report.trees import draw_largest_trees
from netdyn.report.wording import flatten_parameters, format_number, quantity_words
from netdyn.results.heavy_tails import FITTED_QUANTITIES, quantity_values
from netdyn.store.db import query_dicts as _rows

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

__all__ = ["write_report", "verdict", "render_page", "SECTIONS"]

_env = Environment(
    loader=PackageLoader("netdyn.report", "templates"),
    autoescape=select_autoescape(["html", "j2"], default=True),
)


#: Figure-bearing parts of reports kept in this process, most recent last (see
#: :func:`_memo`): a compare run rewrites the report of each analysis it compares, and
#: those figures were usually drawn minutes before in the same process.
_FIGURE_MEMO: OrderedDict[tuple[str, str, str], Any] = OrderedDict()
#: Entries kept (four per analysis run: about 1 MB each on the default run).
FIGURE_MEMO_SIZE = 32


def _database_of(con: duckdb.DuckDBPyConnection) -> str:
    """The file (or ``:memory:`` name) of the connection's current database."""
    row = con.execute(
        "select coalesce(path, database_name) from duckdb_databases() "
        "where database_name = current_database()"
    ).fetchall()
    return str(row[0][0]) if row else ""


def _memo(con: duckdb.DuckDBPyConnection, run_id: str, part: str, compute: Any) -> Any:
    """``compute()``, or what it returned for the same database, run and part before.

    A run's result rows are final once its report is written (the report is its last step,
    and run ids are never reused), so the figures drawn from them can be reused when the
    report is written again (a compare run adding its link): only the comparisons part of
    the page is recomputed. Bounded by :data:`FIGURE_MEMO_SIZE`.
    """
    key = (_database_of(con), run_id, part)
    if key in _FIGURE_MEMO:
        _FIGURE_MEMO.move_to_end(key)
        return _FIGURE_MEMO[key]
    value = compute()
    _FIGURE_MEMO[key] = value
    while len(_FIGURE_MEMO) > FIGURE_MEMO_SIZE:
        _FIGURE_MEMO.popitem(last=False)
    return value


def render_page(template: str, run: Mapping[str, Any], **context: Any) -> str:
    """Render a report template of ``netdyn/report/templates`` for a run, as HTML text.

    Every report page gets the ``runs`` row (``run``), the appendix of its ``parameters``
    (flattened) and ``packages`` (name and version, sorted), and ``fmt``
    (:func:`netdyn.report.text.format_number`), besides its own ``context``.

    Parameters
    ----------
    template : str
        The template's file name, e.g. ``report.html.j2``.
    run : mapping
        The run's ``runs`` row (``parameters`` and ``package_versions`` as JSON text).
    **context
        The template's other variables. Text from the data is HTML-escaped on output.

    Returns
    -------
    str
        The page.

    Raises
    ------
    jinja2.TemplateError
        If there is no such template or it fails to render.
    """
    return _env.get_template(template).render(
        run=run,
        parameters=flatten_parameters(run.get("parameters")),
        packages=sorted(json.loads(run.get("package_versions") or "{}").items()),
        fmt=format_number,
        **context,
    )


def _pval(p: float | None) -> str:
    if p is None or not math.isfinite(p):
        return "–"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _pct(share: float | None) -> str:
    if share is None or not math.isfinite(share):
        return "–"
    return f"{share:.1%}" if share < 0.1 else f"{share:.0%}"


def _duration(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "–"
    for unit, size in (("d", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"


def verdict(fit: dict[str, Any]) -> str:
    """A plain-language reading of a ``powerlaw_fits`` row stored without a verdict.

    Rows written by the pipeline carry the verdict of
    :func:`netdyn.analytics.power_law_compare.verdict` (goodness of fit and likelihood ratios); this
    fallback only states the fitted tail, and does not claim the data *are* power-law
    distributed.
    """
    if fit["status"] != "ok":
        return f"not fitted ({fit['status']}): too little data for a tail"
    share = fit["n_tail"] / fit["n"] if fit["n"] else 0.0
    return (
        f"tail above x_min = {format_number(fit['xmin'])} ({share:.0%} of values) fitted with "
        f"α = {fit['alpha']:.2f} ± {fit['sigma']:.2f}; goodness of fit not tested"
    )


def _ccdf_plot(values: np.ndarray, fit: dict[str, Any], quantity: str) -> str:
    """Log-log empirical CCDF with the fitted power law (discrete or continuous) over its tail."""
    fig, ax = plt.subplots(figsize=(4.2, 3.3))
    unique, ccdf = ccdf_points(values)  # P(X >= value), thinned to ~2000 points
    ax.loglog(unique, ccdf, "o", ms=3, color="#0969da", label="data")
    if fit["status"] == "ok":
        xmin, alpha = fit["xmin"], fit["alpha"]
        grid = np.geomspace(xmin, unique.max(), 60)
        if fit["discrete"]:
            grid = np.unique(grid.round())
            tail = zeta(alpha, grid) / zeta(alpha, xmin)
        else:
            tail = (grid / xmin) ** (1.0 - alpha)
        model = tail * fit["n_tail"] / fit["n"]
        ax.loglog(grid, model, "-", color="#cf222e", label=f"power law α={alpha:.2f}")
        ax.axvline(xmin, color="#8c959f", lw=0.8, ls=":")
    ax.set_xlabel(quantity.replace("_", " "))
    ax.set_ylabel("P(X ≥ x)")
    ax.legend(fontsize=8, frameon=False)
    return png(fig)


def _sentence(text: str) -> str:
    """A verdict fragment as a sentence: capital first letter, final full stop."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _comparisons(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    folder: Path,
    known_reports: Mapping[str, str | Path],
) -> list[dict[str, Any]]:
    """The compare runs involving ``run_id``: link, role, and the verdict sentences."""
    found = _rows(
        con,
        """
        select c.run_id, any_value(c.source) as source, bool_or(c.is_reference) as is_reference,
               any_value(r.report_path) as report_path, any_value(r.started_at) as started_at
        from comparison_statistics as c left join runs as r on r.run_id = c.run_id
        where c.analysis_run_id = ?
        group by c.run_id order by started_at desc nulls last, c.run_id
        """,
        [run_id],
    )
    out = []
    for f in found:
        summary = comparison_summary(con, f["run_id"]).to_dicts()
        reference = summary[0]["reference"] if summary else f["source"]
        mine = summary if f["is_reference"] else [s for s in summary if s["source"] == f["source"]]
        out.append(
            {
                "run_id": f["run_id"],
                "href": relative_link(known_reports.get(f["run_id"]) or f["report_path"], folder),
                "role": "reference" if f["is_reference"] else f"compared with {reference}",
                "others": [s["source"] for s in summary if s["source"] != f["source"]]
                + ([] if f["is_reference"] else [reference]),
                "verdicts": [s["verdict"] for s in mine],
            }
        )
    return out


def write_report(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    reports_dir: str | Path,
    *,
    n_trees: int = 6,
    max_tree_nodes: int = 2000,
    known_reports: Mapping[str, str | Path] | None = None,
) -> Path:
    """Write ``<reports_dir>/<run_id>.html`` for an analysis run.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The netdyn database holding the run's result rows.
    run_id : str
        The run (must exist in ``runs``).
    reports_dir : str or Path
        Folder for reports (created if missing).
    n_trees : int, keyword-only, default 6
        Largest cascade trees drawn.
    max_tree_nodes : int, keyword-only, default 2000
        Nodes drawn per tree at most (the first ones by delay after the root).
    known_reports : mapping of run id to path, keyword-only, optional
        Report files of compare runs not yet recorded in ``runs.report_path`` (a compare run
        rewriting this report while it is still running), so the report can link to them.

    Returns
    -------
    Path
        The report file (one self-contained HTML page: the plots are data URIs).

    Raises
    ------
    KeyError
        If ``run_id`` is not in ``runs``.
    InvalidInputError
        If ``n_trees < 1`` or ``max_tree_nodes < 2``.

    Notes
    -----
    Memory stays bounded on large runs: cascades, nodes and actors are counted in SQL; only
    the values of each fitted quantity (for its CCDF), the selected tree nodes
    (``n_trees * max_tree_nodes`` at most) and the top rows of each table reach Python.

    Written again for the same run in the same process (a compare run adding its link), the
    figures and the parts of the page drawn with them are reused, not redrawn: the result
    rows behind them are final (:data:`FIGURE_MEMO_SIZE` parts are kept).
    """
    runs = _rows(con, "select * from runs where run_id = ?", [run_id])
    if not runs:
        raise KeyError(f"no run {run_id!r} in runs")
    if n_trees < 1 or max_tree_nodes < 2:
        raise InvalidInputError(
            f"n_trees must be >= 1 and max_tree_nodes >= 2; got {n_trees} and {max_tree_nodes}"
        )
    folder = Path(reports_dir)
    folder.mkdir(parents=True, exist_ok=True)
    run = runs[0]
    run["sources"] = list(run["sources"] or [])
    sources = run["sources"]
    fits = _rows(con, "select * from powerlaw_fits where run_id = ? order by quantity", [run_id])
    for fit in fits:
        fit["verdict"] = fit.get("verdict") or verdict(fit)
    comparisons = _rows(
        con,
        """
        select quantity, alternative, loglikelihood_ratio, normalized_ratio, p_value, is_nested
        from powerlaw_comparisons where run_id = ? order by quantity, alternative
        """,
        [run_id],
    )

    def ccdf_plots() -> list[dict[str, Any]]:
        plots = []
        for fit in fits:
            quantity = FITTED_QUANTITIES.get(fit["quantity"])
            if quantity is None:
                continue
            values = quantity_values(con, quantity, run_id)
            if values.size == 0:
                continue
            plots.append(
                {
                    "quantity": fit["quantity"],
                    "png": _ccdf_plot(values, fit, fit["quantity"]),
                    "caption": f"{quantity_words(fit['quantity'])}: {fit['verdict']}",
                }
            )
            del values
        return plots

    plots = _memo(con, run_id, "ccdf", ccdf_plots)
    stats = _rows(
        con,
        """
        select count(*) as n_cascades, max(size) as max_size, max(depth) as max_depth,
               avg(structural_virality) as mean_virality, sum(n_orphans) as n_orphans,
               count(*) filter (where size > 1) as n_nontrivial,
               median(size) filter (where size > 1) as median_size_nontrivial
        from cascades where run_id = ?
        """,
        [run_id],
    )[0]
    stats |= _rows(
        con,
        """
        select count(*) filter (where depth >= 1) as n_replies,
               count(*) filter (where depth = 1) as n_direct_replies
        from cascade_nodes where run_id = ?
        """,
        [run_id],
    )[0]
    actors = _rows(
        con,
        """
        select count(*) as n_actors, max(coreness) as max_core,
               coalesce(sum(out_degree), 0) as n_edges,
               count(*) filter (where in_degree = 0) as n_never_received
        from actor_metrics where run_id = ?
        """,
        [run_id],
    )[0]
    actors["n_innermost"] = con.execute(
        "select count(*) from actor_metrics where run_id = ? and coreness = ?",
        [run_id, actors["max_core"]],
    ).fetchall()[0][0]
    kinds = _rows(
        con,
        """
        select source, kind, count(*) as n from events
        where source in (select unnest(?)) and event_seq <= ?
        group by source, kind order by source, n desc
        """,
        [sources, run["event_watermark"] or 0],
    )
    n_events = sum(k["n"] for k in kinds)
    relative_time = bool(
        con.execute(
            """
            select count(*) from events where source in (select unnest(?))
              and occurred_at is null and seconds_since_root is not null
            """,
            [sources],
        ).fetchall()[0][0]
    )
    cards = [
        {"label": "events", "value": format_number(n_events)},
        {"label": "actors", "value": format_number(actors["n_actors"])},
        {"label": "cascades", "value": format_number(stats["n_cascades"])},
        {"label": "cascades with replies", "value": format_number(stats["n_nontrivial"])},
        {"label": "largest cascade", "value": format_number(stats["max_size"])},
        {"label": "deepest cascade", "value": format_number(stats["max_depth"])},
        {"label": "mean structural virality", "value": format_number(stats["mean_virality"], 2)},
        {"label": "max coreness", "value": format_number(actors["max_core"])},
    ]
    # what both the section verdicts and the page read
    findings: dict[str, Any] = {
        "fits": fits,
        "comparisons": comparisons,
        "cascade_stats": stats,
        "sp": _memo(con, run_id, "spreading", lambda: spreading_context(con, run_id)),
        "st": _memo(con, run_id, "structure", lambda: structure_context(con, run_id, sources)),
        "involved": _comparisons(con, run_id, folder, known_reports or {}),
    }
    trees = _memo(
        con,
        run_id,
        f"trees:{n_trees}:{max_tree_nodes}",
        lambda: draw_largest_trees(con, run_id, n_trees=n_trees, max_nodes=max_tree_nodes),
    )
    html = render_page(
        "report.html.j2",
        run,
        **findings,
        verdicts=_section_verdicts(actors=actors, **findings),
        relative_time=relative_time,
        cards=cards,
        ccdf_plots=plots,
        trees=trees,
        top_cascades=_rows(
            con,
            "select * from cascades where run_id = ? order by size desc, cascade_id limit 15",
            [run_id],
        ),
        depth_table=_rows(
            con,
            "select depth, count(*) as n from cascades where run_id = ? "
            "group by depth order by depth",
            [run_id],
        ),
        top_actors=_rows(
            con,
            """select * from actor_metrics where run_id = ?
               order by in_strength desc, actor_id limit 15""",
            [run_id],
        ),
        kinds=kinds,
        batches=_rows(
            con,
            """
            select source, count(*) as n_batches, sum(n_read) as n_read,
                   sum(n_inserted) as n_inserted, sum(n_duplicate) as n_duplicate,
                   sum(n_quarantined) as n_quarantined
            from ingest_batches where source in (select unnest(?)) and status = 'committed'
            group by source order by source
            """,
            [sources],
        ),
        quarantine=_rows(
            con,
            """
            select source, reason, count(*) as n from quarantine
            where source in (select unnest(?)) group by source, reason order by source, n desc
            """,
            [sources],
        ),
        sections=SECTIONS,
        methods=METHODS,
        pct=_pct,
        pval=_pval,
        duration=_duration,
    )
    path = folder / f"{run_id}.html"
    path.write_text(html, encoding="utf-8")
    return path


#: Report sections in order: (anchor, title). The template's h2 headings use the same titles.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("heavy-tails", "Heavy tails"),
    ("cascades", "Cascades"),
    ("interaction-graph", "Interaction graph"),
    ("content", "Content cascades"),
    ("exposure", "Exposure and adoption"),
    ("elites", "Elites and concentration"),
    ("over-time", "Over time"),
    ("core-periphery", "Core and periphery"),
    ("roles", "Structural roles"),
    ("mesoscale", "Modular or hierarchical?"),
    ("comparisons", "Real versus synthetic"),
)


_ROLE_METHODS = {"kmeans": "k-means", "gmm": "Gaussian mixture"}


def _section_verdicts(
    *,
    fits: list[dict[str, Any]],
    comparisons: list[dict[str, Any]],
    cascade_stats: dict[str, Any],
    actors: dict[str, Any],
    sp: dict[str, Any],
    st: dict[str, Any],
    involved: list[dict[str, Any]],
) -> dict[str, str]:
    """One plain-language verdict per section, keyed by the section's anchor."""
    hazards = sp["hazards"]
    activity = [c for c in sp["concentration"] if c["quantity"] == "activity"]
    discrete = [f for f in st["fits"] if f["method"] == "discrete"] or st["fits"]
    content_parameters = sp.get("content_parameters") or {}
    if involved:
        comparisons_text = " ".join(v for c in involved for v in c["verdicts"]) or (
            f"This run takes part in {len(involved)} comparison(s); see below."
        )
    else:
        comparisons_text = (
            "No comparison with a synthetic or null-model log involves this run yet "
            "(netdyn compare writes one, and this report then links to it)."
        )
    out = {
        "heavy-tails": heavy_tails_verdict(fits, comparisons),
        "cascades": cascades_verdict(cascade_stats),
        "interaction-graph": graph_verdict(
            {
                "n_actors": actors["n_actors"],
                "n_edges": actors["n_edges"],
                "n_never_received": actors["n_never_received"],
                "max_coreness": actors["max_core"],
                "n_innermost": actors["n_innermost"],
            }
        ),
        "content": content_verdict(
            sp["content_kinds"], min_adopters=content_parameters.get("min_adopters")
        )
        if sp["content_kinds"]
        else "No piece of content was used by several actors"
        + ("." if sp["content_scanned"] else ": these events carry no text."),
        "exposure": " ".join(
            _sentence(f"{h['contagion_type'].replace('_', ' ')}: {h['verdict']}") for h in hazards
        )
        or "No exposure analysis for this run.",
        "elites": " ".join([_sentence(f"Activity: {activity[0]['verdict']}")] if activity else [])
        + " "
        + _sentence(f"preferential attachment: {sp['kernel_verdict']}"),
        "over-time": windows_verdict(sp["windows"])
        + (" " + _sentence(sp["persistence_verdict"]) if sp["windows"] else ""),
        "core-periphery": _sentence(f"{discrete[0]['method']} model: {discrete[0]['verdict']}")
        if discrete
        else "No core-periphery analysis for this run.",
        "roles": " ".join(
            _sentence(f"{_ROLE_METHODS.get(r['method'], r['method'])}: {r['verdict']}")
            for r in st["role_fits"]
        )
        or "No role analysis (too few actors).",
        "mesoscale": mesoscale_verdict(st["label_counts"]),
        "comparisons": comparisons_text,
    }
    return {key: text.strip() for key, text in out.items()}
