"""The analyst report: one self-contained HTML file per run (``reports/<run_id>.html``).

Plots are PNGs embedded as base64 data URIs, so the file opens offline and can be mailed.
All text that comes from the data (actor ids, community names, cascade ids) passes through
Jinja2's HTML autoescaping.
"""

from __future__ import annotations

import base64
import io
import json
import math
from pathlib import Path
from typing import Any

import duckdb
import matplotlib
import numpy as np
from jinja2 import Environment, PackageLoader, select_autoescape
from scipy.special import zeta

from netdyn.report_spreading import spreading_context, structure_context
from netdyn.results import FITTED_QUANTITIES, quantity_values

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

__all__ = ["write_report", "verdict"]

_env = Environment(
    loader=PackageLoader("netdyn", "templates"),
    autoescape=select_autoescape(["html", "j2"], default=True),
)


def _fmt(value: Any, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if digits == 0 and float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:.{digits or 2}f}"


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
    :func:`analytics.power_law_compare.verdict` (goodness of fit and likelihood ratios); this
    fallback only states the fitted tail, and does not claim the data *are* power-law
    distributed.
    """
    if fit["status"] != "ok":
        return f"not fitted ({fit['status']}): too little data for a tail"
    share = fit["n_tail"] / fit["n"] if fit["n"] else 0.0
    return (
        f"tail above x_min = {_fmt(fit['xmin'])} ({share:.0%} of values) fitted with "
        f"α = {fit['alpha']:.2f} ± {fit['sigma']:.2f}; goodness of fit not tested"
    )


def _png(fig: plt.Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _ccdf_plot(values: np.ndarray, fit: dict[str, Any], quantity: str) -> str:
    """Log-log empirical CCDF with the fitted power law (discrete or continuous) over its tail."""
    fig, ax = plt.subplots(figsize=(4.2, 3.3))
    x = np.sort(values)
    unique, first = np.unique(x, return_index=True)
    ccdf = 1.0 - first / x.size  # P(X >= value)
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
    return _png(fig)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def write_report(con: duckdb.DuckDBPyConnection, run_id: str, reports_dir: str | Path) -> Path:
    """Write ``<reports_dir>/<run_id>.html`` for an analysis run.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The netdyn database holding the run's result rows.
    run_id : str
        The run (must exist in ``runs``).
    reports_dir : str or Path
        Folder for reports (created if missing).

    Returns
    -------
    Path
        The report file.

    Raises
    ------
    KeyError
        If ``run_id`` is not in ``runs``.
    """
    runs = _rows(con, "select * from runs where run_id = ?", [run_id])
    if not runs:
        raise KeyError(f"no run {run_id!r} in runs")
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
                "caption": f"{fit['quantity'].replace('_', ' ')}: {fit['verdict']}",
            }
        )
    stats = _rows(
        con,
        """
        select count(*) as n_cascades, max(size) as max_size, max(depth) as max_depth,
               avg(structural_virality) as mean_virality, sum(n_orphans) as n_orphans,
               count(*) filter (where size > 1) as n_nontrivial
        from cascades where run_id = ?
        """,
        [run_id],
    )[0]
    actors = _rows(
        con,
        "select count(*) as n_actors, max(coreness) as max_core from actor_metrics "
        "where run_id = ?",
        [run_id],
    )[0]
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
        {"label": "events", "value": _fmt(n_events)},
        {"label": "actors", "value": _fmt(actors["n_actors"])},
        {"label": "cascades", "value": _fmt(stats["n_cascades"])},
        {"label": "cascades with replies", "value": _fmt(stats["n_nontrivial"])},
        {"label": "largest cascade", "value": _fmt(stats["max_size"])},
        {"label": "deepest cascade", "value": _fmt(stats["max_depth"])},
        {"label": "mean structural virality", "value": _fmt(stats["mean_virality"], 2)},
        {"label": "max coreness", "value": _fmt(actors["max_core"])},
    ]
    html = _env.get_template("report.html.j2").render(
        run=run
        | {
            "parameters": json.dumps(json.loads(run["parameters"] or "{}"), sort_keys=True),
        },
        relative_time=relative_time,
        cards=cards,
        fits=fits,
        comparisons=comparisons,
        ccdf_plots=plots,
        cascade_stats=stats,
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
        sp=spreading_context(con, run_id),
        st=structure_context(con, run_id, sources),
        fmt=_fmt,
        pct=_pct,
        pval=_pval,
        duration=_duration,
    )
    folder = Path(reports_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{run_id}.html"
    path.write_text(html, encoding="utf-8")
    return path
