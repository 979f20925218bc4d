"""Report sections for the spreading and elites analyses: plots, tables and verdicts in words.

Reads the run's rows of the tables written by :mod:`netdyn.results.windows`,
:mod:`netdyn.results.elites` and :mod:`netdyn.results.contagion` and returns the
context the report template renders (``templates/report.html.j2``). Plots are PNGs as base64
strings; every verdict is a sentence built from stored numbers, never from free text in the data.
"""

from __future__ import annotations

import json
import math
from typing import Any

import duckdb
import matplotlib
import numpy as np

from netdyn.store.db import query_dicts as rows

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from netdyn.report.figures import png
from netdyn.report.wording import is_finite

__all__ = ["spreading_context"]


def _statistics(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[tuple[str, str], dict]:
    out = {}
    for r in rows(con, "select * from run_statistics where run_id = ?", [run_id]):
        r["detail"] = json.loads(r["detail"]) if r["detail"] else {}
        out[r["analysis"], r["statistic"]] = r
    return out


def _concentration_verdict(r: dict[str, Any]) -> str:
    if not is_finite(r["gini"]):
        return "no variation to measure"
    level = (
        "extremely concentrated"
        if r["gini"] >= 0.8
        else "highly concentrated"
        if r["gini"] >= 0.6
        else "moderately concentrated"
        if r["gini"] >= 0.4
        else "fairly even"
    )
    return (
        f"the top 1 % of actors hold {r['top_1pct_share']:.0%} and the top 10 % hold "
        f"{r['top_10pct_share']:.0%} (Gini {r['gini']:.2f}): {level}"
    )


def _kernel_verdict(stat: dict[str, Any] | None) -> str:
    if stat is None:
        return "not measured"
    if not is_finite(stat["value"]):
        return f"not measured: {stat['detail'].get('skipped', 'too few degree classes to fit')}"
    beta, lo, hi = stat["value"], stat["ci_low"], stat["ci_high"]
    interval = f" (95 % interval {lo:.2f}–{hi:.2f})" if is_finite(lo) and is_finite(hi) else ""
    if is_finite(lo) and is_finite(hi):
        if lo <= 1.0 <= hi:
            reading = "consistent with linear preferential attachment (β = 1): rich get richer"
        elif hi < 1.0 and beta >= 0.9:
            reading = "close to linear preferential attachment, slightly below β = 1"
        elif hi < 1.0:
            reading = (
                "sublinear attachment: well-connected actors gain, but less than in "
                "proportion to their degree"
                if lo > 0
                else "no evidence that well-connected actors attract more new links"
            )
        else:
            reading = "superlinear attachment: a few actors can capture most new links"
    else:
        reading = "no interval (bootstrap skipped)"
    return f"attachment exponent β = {beta:.2f}{interval}: {reading}"


def _scaling_verdict(gamma: dict | None, predicted: dict | None) -> str:
    if gamma is None or not is_finite(gamma["value"]):
        return "not measured (too few cascades)"
    text = f"the largest cascade grows as N^{gamma['value']:.2f} with the number N of cascades"
    if predicted is not None and is_finite(predicted["value"]):
        p = predicted["value"]
        lo, hi = gamma["ci_low"], gamma["ci_high"]
        agree = is_finite(lo) and is_finite(hi) and lo <= p <= hi
        text += f"; independent draws from the fitted power law predict N^{p:.2f} (1/(α−1)), " + (
            "which the data match" if agree else "which the data do not match"
        )
    return text


def _paradox_verdict(stat: dict | None) -> str:
    if stat is None or not is_finite(stat["value"]):
        return "not measured (no contacts)"
    d = stat["detail"]
    return (
        f"{stat['value']:.0%} of actors have fewer contacts than their contacts have on average "
        f"(mean degree {d.get('mean_degree', float('nan')):.1f}, mean degree of a neighbour "
        f"{d.get('edge_end_mean_degree', float('nan')):.1f})"
    )


def _kernel_plot(kernel: list[dict[str, Any]], beta: float | None) -> str | None:
    points = [k for k in kernel if k["degree"] > 0 and (k["attachment_rate"] or 0) > 0]
    if len(points) < 2:
        return None
    fig, ax = plt.subplots(figsize=(4.2, 3.3))
    k = np.array([p["degree"] for p in points], dtype=float)
    a = np.array([p["attachment_rate"] for p in points], dtype=float)
    ax.loglog(k, a, "o", ms=3, color="#0969da", label="A(k) measured")
    if beta is not None and math.isfinite(beta):
        # the line k^beta placed by least squares in log-log (the fit itself is on the
        # cumulative kernel, see netdyn.analytics.attachment_kernel)
        grid = np.sort(k)
        level = np.mean(np.log(a) - beta * np.log(k))
        ax.loglog(
            grid, np.exp(level) * grid**beta, "-", color="#cf222e", lw=1, label=f"∝ k^{beta:.2f}"
        )
    ax.set_xlabel("degree k at t0")
    ax.set_ylabel("new links per node, A(k)")
    ax.legend(fontsize=8, frameon=False)
    return png(fig)


def _scaling_plot(points: list[dict[str, Any]], gamma: float | None, predicted: float | None):
    sub = [p for p in points if p["method"] == "subsample"]
    win = [p for p in points if p["method"] == "window"]
    if len(sub) + len(win) < 2:
        return None
    fig, ax = plt.subplots(figsize=(4.2, 3.3))
    if sub:
        n = np.array([p["n_cascades"] for p in sub], dtype=float)
        s = np.array([p["largest_size"] for p in sub], dtype=float)
        ax.loglog(n, s, "o", ms=3, color="#0969da", label="mean largest of N (subsamples)")
        if predicted is not None and math.isfinite(predicted):
            ax.loglog(n, s[0] * (n / n[0]) ** predicted, ":", color="#8c959f", label="1/(α−1)")
    if win:
        n = np.array([p["n_cascades"] for p in win], dtype=float)
        s = np.array([p["largest_size"] for p in win], dtype=float)
        ax.loglog(n, s, "s", ms=3, color="#bf8700", label="largest per window")
    ax.set_xlabel("cascades N")
    ax.set_ylabel("largest cascade size")
    title = f"γ = {gamma:.2f}" if gamma is not None and math.isfinite(gamma) else ""
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, frameon=False)
    return png(fig)


def _windows_plot(windows: list[dict[str, Any]]) -> str | None:
    if len(windows) < 2:
        return None
    t = [w["window_start"] for w in windows]
    fig, axes = plt.subplots(2, 2, figsize=(8.4, 4.8), sharex=True)
    series = [
        ("events", "n_events"),
        ("active actors", "n_active_actors"),
        ("activity Gini", "activity_gini"),
        ("largest cascade started", "largest_cascade_size"),
    ]
    for ax, (label, key) in zip(axes.flat, series, strict=True):
        values = [np.nan if w[key] is None else w[key] for w in windows]
        ax.set_title(label, fontsize=9)
        if all(np.isnan(v) for v in values):
            ax.text(
                0.5,
                0.5,
                "none in these data",
                ha="center",
                va="center",
                transform=ax.transAxes,
                fontsize=8,
                color="#57606a",
            )
            ax.set_yticks([])
            continue
        ax.plot(t, values, "-o", ms=2, color="#0969da")
        ax.tick_params(axis="x", labelrotation=30, labelsize=7)
    fig.tight_layout()
    return png(fig)


def _hazard_verdict(h: dict[str, Any]) -> str:
    if h["status"] != "ok" or not is_finite(h["hazard_ratio"]):
        return f"not estimated ({h['status'].replace('_', ' ')})"
    hr, lo, hi = h["hazard_ratio"], h["ci_low"], h["ci_high"]
    text = f"hazard ratio {hr:.2f} per extra exposure (95 % interval {lo:.2f}–{hi:.2f})"
    if lo > 1:
        text += (
            ": each further exposure raises the chance to adopt — reinforcement, as in a "
            "complex contagion"
        )
    elif hi < 1:
        text += (
            ": each further exposure lowers the hazard — diminishing returns; the first "
            "exposure does most of the work"
        )
    else:
        text += ": further exposures neither help nor hurt — consistent with a simple contagion"
    if h["ph_violated"]:
        text += (
            f". The proportional-hazards check fails (p = {h['ph_p_value']:.2g}): the effect "
            "changes over time, so read the ratio as a time average"
        )
    elif h["ph_violated"] is not None:
        text += f". Proportional-hazards check passed (p = {h['ph_p_value']:.2g})"
    if h["static_graph"]:
        text += ". No calendar times: the interaction graph was taken as present from the start"
    text += _sample_sentence(h)
    return text


def _sample_sentence(h: dict[str, Any]) -> str:
    """What the exposure analysis was estimated on, when it ran on a sample of contagions."""
    rate = h.get("sample_rate")
    if rate is None or not is_finite(rate) or rate >= 1.0:
        return ""
    limit = h.get("max_pairs")
    why = (
        f"counting all {h['n_pairs']:,} (adoption, exposed neighbour) pairs exceeds the limit of "
        f"{limit:,} (--exposure-max-pairs)"
        if limit is not None and h.get("n_pairs") is not None
        else "of the pair limit (--exposure-max-pairs)"
    )
    return (
        f". Approximation: estimated on a seeded random sample of the "
        f"{h['n_contagions_total']:,} contagions, each kept with probability {_share(rate)} "
        f"({h['n_contagions']:,} sampled contagions had actors at risk), because {why}"
    )


def _share(rate: float) -> str:
    """A probability as a percentage with two significant digits (never rounded to 0 or 100)."""
    text = f"{100 * rate:.2g}"
    if "e" in text:
        text = f"{100 * rate:.6f}".rstrip("0").rstrip(".")
    return f"{text} %"


def _response_plot(curves: dict[str, list[dict[str, Any]]]) -> str | None:
    curves = {
        kind: [p for p in points if p["p_adopt"] is not None] for kind, points in curves.items()
    }
    curves = {kind: points for kind, points in curves.items() if points}
    if not curves:
        return None  # no exposure class with an adoption probability: nothing to draw
    fig, ax = plt.subplots(figsize=(4.6, 3.3))
    colors = ["#0969da", "#bf8700", "#8250df", "#1a7f37"]
    for i, (kind, points) in enumerate(sorted(curves.items())):
        k = np.array([p["k"] for p in points], dtype=float) + 0.08 * i
        p = np.array([p["p_adopt"] for p in points])
        lo = np.array([q["ci_low"] for q in points])
        hi = np.array([q["ci_high"] for q in points])
        ax.errorbar(
            k,
            p,
            yerr=[np.maximum(p - lo, 0.0), np.maximum(hi - p, 0.0)],
            fmt="o-",
            ms=3,
            lw=1,
            capsize=2,
            color=colors[i % len(colors)],
            label=kind.replace("_", " "),
        )
    ax.set_xlabel("exposures k (in-neighbours who adopted earlier)")
    ax.set_ylabel("P(adopt | k)")
    ax.legend(fontsize=8, frameon=False)
    return png(fig)


def spreading_context(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, Any]:
    """Everything the spreading and elites sections of the report show for ``run_id``.

    Returns
    -------
    dict
        ``concentration`` (rows with a ``verdict``), ``kernel_plot``, ``kernel_verdict``,
        ``scaling_plot``, ``scaling_verdict``, ``paradox_verdict``, ``windows`` (rows),
        ``windows_plot``, ``window_spec``, ``persistence`` (rows), ``persistence_verdict``.
    """
    stats = _statistics(con, run_id)
    concentration = rows(
        con, "select * from concentration where run_id = ? order by quantity", [run_id]
    )
    for r in concentration:
        r["verdict"] = _concentration_verdict(r)
    kernel = rows(con, "select * from attachment_kernel where run_id = ? order by degree", [run_id])
    beta = stats.get(("attachment_kernel", "beta"))
    gamma = stats.get(("largest_cascade", "gamma"))
    predicted = stats.get(("largest_cascade", "gamma_predicted"))
    points = rows(
        con,
        "select * from largest_cascade_scaling where run_id = ? order by method, point",
        [run_id],
    )
    windows = rows(
        con, "select * from window_graph_metrics where run_id = ? order by window_start", [run_id]
    )
    persistence = rows(
        con,
        "select * from influence_persistence where run_id = ? order by window_start",
        [run_id],
    )
    n_windows = stats.get(("windows", "n_windows"))
    untimed = stats.get(("windows", "n_untimed_events"))
    mean_jaccard = stats.get(("windows", "mean_jaccard_top_k"))
    if persistence and mean_jaccard is not None and is_finite(mean_jaccard["value"]):
        k = persistence[0]["k"]
        j = mean_jaccard["value"]
        persistence_verdict = (
            f"between consecutive windows the top {k} actors (by interactions received) "
            f"overlap by {j:.0%} on average (Jaccard): "
            + (
                "a persistent elite"
                if j >= 0.5
                else "a partly persistent elite"
                if j >= 0.2
                else "the elite turns over quickly"
            )
        )
    else:
        persistence_verdict = "fewer than two windows with interactions: persistence not measured"
    hazards = rows(
        con, "select * from exposure_hazard where run_id = ? order by contagion_type", [run_id]
    )
    for h in hazards:
        h["verdict"] = _hazard_verdict(h)
    curves: dict[str, list[dict[str, Any]]] = {}
    for r in rows(
        con,
        "select * from exposure_response where run_id = ? order by contagion_type, k",
        [run_id],
    ):
        curves.setdefault(r["contagion_type"], []).append(r)
    content = rows(
        con,
        """
        select * from content_cascades where run_id = ?
        order by n_adopters desc, cascade_id limit 15
        """,
        [run_id],
    )
    content_kinds = rows(
        con,
        """
        select feature_kind, count(*) as n_cascades, max(n_adopters) as max_adopters,
               sum(n_adopters) as n_adoptions
        from content_cascades where run_id = ? group by feature_kind order by feature_kind
        """,
        [run_id],
    )
    content_stat = stats.get(("content_cascades", "n_cascades"))
    return {
        "content": content,
        "content_kinds": content_kinds,
        "content_parameters": (content_stat or {}).get("detail", {}).get("parameters"),
        "content_scanned": (content_stat or {}).get("detail", {}).get("n_events_scanned", 0),
        "hazards": hazards,
        "response_plot": _response_plot(curves),
        "concentration": concentration,
        "kernel_plot": _kernel_plot(kernel, beta["value"] if beta else None),
        "kernel_verdict": _kernel_verdict(beta),
        "scaling_plot": _scaling_plot(
            points,
            gamma["value"] if gamma else None,
            predicted["value"] if predicted else None,
        ),
        "scaling_verdict": _scaling_verdict(gamma, predicted),
        "paradox_verdict": _paradox_verdict(stats.get(("friendship_paradox", "share_lower"))),
        "windows": windows,
        "windows_plot": _windows_plot(windows),
        "window_spec": (n_windows or {}).get("detail", {}),
        "n_untimed_events": int(untimed["value"]) if untimed and is_finite(untimed["value"]) else 0,
        "persistence": persistence,
        "persistence_verdict": persistence_verdict,
    }
