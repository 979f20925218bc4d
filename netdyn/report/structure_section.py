"""Report section for core-periphery, structural roles and the mesoscale profiles: coreness,
the ordered adjacency matrix, roles against their null baseline, modular or hierarchical.

Reads the run's rows of the tables written by :mod:`netdyn.results.structure` and returns the
context the report template renders; every verdict is built from stored numbers.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb
import matplotlib
import numpy as np

from netdyn.store.db import query_dicts as rows

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from netdyn.report.figures import png
from netdyn.report.wording import is_finite

__all__ = ["structure_context"]


def _coreness_plot(histogram: list[dict[str, Any]]) -> str | None:
    """Bar chart of actors per coreness, from ``(coreness, n)`` rows counted in SQL."""
    if not histogram:
        return None
    fig, ax = plt.subplots(figsize=(4.2, 3.3))
    k = np.array([h["coreness"] for h in histogram])
    counts = np.array([h["n"] for h in histogram])
    ax.bar(k, counts, color="#0969da", width=0.8)
    ax.set_yscale("log")
    ax.set_xlabel("coreness (k-core index, total degree)")
    ax.set_ylabel("actors")
    return png(fig)


def _adjacency_plot(
    con: duckdb.DuckDBPyConnection, run_id: str, sources: list[str], limit: int = 400
) -> str | None:
    """The adjacency matrix of the ``limit`` actors with the highest core score, ordered by it."""
    top = rows(
        con,
        """
        select actor_id from actor_structure where run_id = ? and core_score is not null
        order by core_score desc, actor_id limit ?
        """,
        [run_id, limit],
    )
    if len(top) < 3:
        return None
    order = {r["actor_id"]: i for i, r in enumerate(top)}
    edges = con.execute(
        """
        select actor_id, target_actor_id from proj_interactions
        where source in (select unnest(?)) and actor_id in (select unnest(?))
          and target_actor_id in (select unnest(?)) and actor_id <> target_actor_id
        """,
        [sources, list(order), list(order)],
    ).fetchall()
    n = len(order)
    matrix = np.zeros((n, n))
    for a, b in edges:
        matrix[order[a], order[b]] = 1.0
        matrix[order[b], order[a]] = 1.0
    fig, ax = plt.subplots(figsize=(4.0, 4.0))
    ax.imshow(matrix, cmap="Greys", interpolation="nearest")
    ax.set_xlabel("actors by core score (highest first)")
    ax.set_ylabel("actors by core score")
    ax.set_xticks([])
    ax.set_yticks([])
    return png(fig)


def _mesoscale_plot(profiles: list[dict[str, Any]]) -> str | None:
    points = [
        p
        for p in profiles
        if p["window_start"] is None
        and is_finite(p["modularity_z"])
        and is_finite(p["core_periphery_strength_z"])
    ]
    if not points:
        return None
    fig, ax = plt.subplots(figsize=(4.6, 3.6))
    x = np.array([p["modularity_z"] for p in points])
    y = np.array([p["core_periphery_strength_z"] for p in points])
    size = np.array([p["n_actors"] for p in points], dtype=float)
    ax.scatter(x, y, s=12 + 60 * size / size.max(), alpha=0.7, color="#0969da")
    for threshold in (2.0,):
        ax.axvline(threshold, color="#8c959f", lw=0.8, ls=":")
        ax.axhline(threshold, color="#8c959f", lw=0.8, ls=":")
    ax.set_xlabel("modularity z (vs size-matched nulls)")
    ax.set_ylabel("core-periphery strength z")
    return png(fig)


def structure_context(
    con: duckdb.DuckDBPyConnection, run_id: str, sources: list[str]
) -> dict[str, Any]:
    """Everything the core-periphery, roles and mesoscale sections show for ``run_id``.

    Returns
    -------
    dict
        ``fits`` (Borgatti–Everett rows with a ``verdict``), ``coreness_plot``,
        ``adjacency_plot``, ``rich_club`` (rows), ``rich_club_verdict``, ``role_fits`` (rows
        with ``verdict``), ``role_sizes``, ``profiles`` (mesoscale rows, whole run),
        ``n_window_profiles``, ``label_counts``, ``mesoscale_plot``.
    """
    fits = rows(con, "select * from core_periphery_fits where run_id = ? order by method", [run_id])
    for f in fits:
        if not is_finite(f["quality"]):
            f["verdict"] = "not fitted (degenerate graph)"
            continue
        text = (
            f"fit quality ρ = {f['quality']:.3f} (how closely the links follow the ideal pattern "
            "of a tightly linked core and a periphery tied only to it; 1 = perfectly)"
        )
        if f["method"] == "continuous" and not is_finite(f["p_value"]):
            f["verdict"] = (
                text + "; core scores per actor, not tested: degree-preserving nulls fit this "
                "pattern as well as planted cores do, so the discrete model carries the test"
            )
            continue
        if is_finite(f["p_value"]):
            null = (
                f" (nulls {f['null_mean']:.3f} ± {f['null_sd']:.3f})"
                if is_finite(f["null_mean"]) and is_finite(f["null_sd"])
                else ""
            )
            text += (
                f"; p = {f['p_value']:.3g} against {f['n_nulls']} configuration-model nulls{null}: "
                + (
                    "significant core-periphery structure beyond the degree sequence (random "
                    "networks in which every actor keeps their number of contacts fit worse)"
                    if f["p_value"] < 0.05
                    else "no core-periphery structure beyond what the degree sequence gives "
                    "(random networks in which every actor keeps their number of contacts fit "
                    "as well)"
                )
            )
        f["verdict"] = text
    coreness_histogram = rows(
        con,
        """
        select coreness_total as coreness, count(*) as n from actor_structure
        where run_id = ? and coreness_total is not null group by coreness_total order by 1
        """,
        [run_id],
    )
    club = rows(con, "select * from rich_club where run_id = ? order by degree", [run_id])
    clubbed = [
        c for c in club if is_finite(c["phi_normalized"]) and (c["n_actors_above"] or 0) >= 10
    ]
    if clubbed:
        best = max(clubbed, key=lambda c: c["phi_normalized"])
        rich_verdict = (
            f"the normalised rich-club coefficient peaks at {best['phi_normalized']:.2f} for the "
            f"{best['n_actors_above']} actors of degree above {best['degree']}: "
            + (
                "the best-connected actors link to each other more than their degrees imply"
                if best["phi_normalized"] > 1.1
                else "no rich club beyond what the degrees imply"
            )
        )
    else:
        rich_verdict = "not measured (too few well-connected actors)"
    role_fits = rows(con, "select * from role_fits where run_id = ? order by method", [run_id])
    for r in role_fits:
        detail = json.loads(r["detail"]) if r["detail"] else {}
        r["betweenness"] = detail.get("betweenness")
        if is_finite(r["silhouette"]) and is_finite(r["null_mean_silhouette"]):
            r["verdict"] = (
                f"{r['chosen_k']} roles, silhouette {r['silhouette']:.2f} (how clearly actors "
                "fall into separate groups: 1 = perfectly, 0 = not at all); random networks "
                "with the same numbers of contacts per actor (degree sequence) give "
                f"{r['null_mean_silhouette']:.2f} "
                f"± {r['null_sd_silhouette'] or 0:.2f} "
                f"({r['null_share']:.0%} of it)"
                + (
                    ", so the roles mostly reflect how many contacts actors have"
                    if (r["null_share"] or 0) >= 0.9
                    else ", so the roles carry structure beyond the numbers of contacts"
                )
            )
        else:
            r["verdict"] = "not measured"
    sizes = rows(con, "select * from role_sizes where run_id = ? order by method, role", [run_id])
    for s in sizes:
        centroid = json.loads(s["centroid"]) if s["centroid"] else {}
        s["profile"] = ", ".join(
            f"{k.replace('_', ' ')} {v:.3g}" for k, v in centroid.items() if v is not None
        )
    profiles = rows(
        con,
        """
        select * from mesoscale_profiles where run_id = ? and window_start is null
        order by n_actors desc, community
        """,
        [run_id],
    )
    n_window_profiles = con.execute(
        "select count(*) from mesoscale_profiles where run_id = ? and window_start is not null",
        [run_id],
    ).fetchall()[0][0]
    labels = rows(
        con,
        """
        select label, count(*) filter (where window_start is null) as n_whole,
               count(*) filter (where window_start is not null) as n_windows
        from mesoscale_profiles where run_id = ? group by label order by label
        """,
        [run_id],
    )
    return {
        "fits": fits,
        "coreness_plot": _coreness_plot(coreness_histogram),
        "adjacency_plot": _adjacency_plot(con, run_id, sources),
        "rich_club": club,
        "rich_club_verdict": rich_verdict,
        "role_fits": role_fits,
        "role_sizes": sizes,
        "profiles": profiles,
        "n_window_profiles": n_window_profiles,
        "label_counts": labels,
        "mesoscale_plot": _mesoscale_plot(profiles),
    }
