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

__all__ = ["structure_context", "null_test_words", "role_approximations", "reach_approximation"]


def role_approximations(detail: dict[str, Any]) -> str:
    """The approximations behind a role fit, as a sentence ("" when there were none).

    ``detail`` is the row's ``role_fits.detail``: ``betweenness`` ("exact" or "sampled"),
    ``betweenness_pivots``, ``n_fit_actors`` and ``n_actors``.

    Examples
    --------
    >>> role_approximations({"betweenness": "exact", "n_fit_actors": 50, "n_actors": 50})
    ''
    >>> detail = {"betweenness": "sampled", "betweenness_pivots": 200,
    ...           "n_fit_actors": 20000, "n_actors": 84986}
    >>> role_approximations(detail)  # doctest: +NORMALIZE_WHITESPACE
    'Approximations: betweenness estimated from 200 sampled source actors (Brandes & Pich
    2007) rather than computed exactly; the clusters fitted on a seeded random sample of
    20,000 of the 84,986 actors, every actor then assigned by the fitted model (its nearest
    k-means centre, its most probable mixture component)'
    """
    parts = []
    if detail.get("betweenness") == "sampled":
        pivots = detail.get("betweenness_pivots")
        parts.append(
            f"betweenness estimated from {pivots:,} sampled source actors (Brandes & Pich 2007) "
            "rather than computed exactly"
            if pivots
            else "betweenness estimated from sampled source actors (Brandes & Pich 2007)"
        )
    n_fit, n = detail.get("n_fit_actors"), detail.get("n_actors")
    if n_fit is not None and n is not None and n_fit < n:
        parts.append(
            f"the clusters fitted on a seeded random sample of {n_fit:,} of the {n:,} actors, "
            "every actor then assigned by the fitted model (its nearest k-means centre, its "
            "most probable mixture component)"
        )
    return "Approximations: " + "; ".join(parts) if parts else ""


def reach_approximation(n_sampled: int, n_profiles: int, max_targets: int | None) -> str:
    """The mesoscale GRC approximation, as a sentence ("" when no profile was sampled).

    Examples
    --------
    >>> reach_approximation(0, 12, 4096)
    ''
    >>> print(reach_approximation(3, 121, 4096))  # doctest: +NORMALIZE_WHITESPACE
    Approximation: in 3 of the 121 profiles the graph has more than 4,096 strongly connected
    components, so each actor's reach was estimated from 4,096 uniformly sampled target actors
    (standard error at most 0.0078 per actor; --reach-max-targets)
    """
    if not n_sampled:
        return ""
    profiles = "profile" if n_profiles == 1 else "profiles"
    target = f"{max_targets:,}" if max_targets else "the --reach-max-targets number of"
    error = (
        f" (standard error at most {0.5 / max_targets**0.5:.2g} per actor; "
        if max_targets
        else " ("
    )
    return (
        f"Approximation: in {n_sampled:,} of the {n_profiles:,} {profiles} the graph has more "
        f"than {target} strongly connected components, so each actor's reach was estimated from "
        f"{target} uniformly sampled target actors{error}--reach-max-targets)"
    )


def null_test_words(
    p_value: float | None,
    n_drawn: int | None,
    n_max: int | None = None,
    *,
    stopped_early: bool = False,
) -> str:
    """A p-value against nulls with the number of nulls behind it and its resolution.

    Parameters
    ----------
    p_value : float or None
        The Monte-Carlo p-value (sequential, Besag & Clifford 1991, or fixed).
    n_drawn : int or None
        Nulls actually drawn.
    n_max : int, optional
        The most nulls the test could draw (default ``n_drawn``: a fixed test).
    stopped_early : bool
        The sequential test stopped after ``h`` nulls as extreme as the observation.

    Returns
    -------
    str
        ``"p = 0.42 (sequential test stopped after 24 of 199 nulls)"``,
        ``"p ≤ 0.005 (199 nulls, the smallest p-value they can give)"``,
        ``"p = 0.03 (199 nulls; the smallest possible is 0.005)"`` or, without a p-value or
        a null, ``"not tested (no nulls drawn)"``.

    Examples
    --------
    >>> null_test_words(10 / 24, 24, 199, stopped_early=True)
    'p = 0.42 (sequential test stopped after 24 of 199 nulls)'
    >>> null_test_words(1 / 200, 199, 199)
    'p ≤ 0.005 (199 nulls, the smallest p-value they can give)'
    """
    n_max = n_drawn if n_max is None else n_max
    if not is_finite(p_value) or not n_drawn or not n_max:
        return "not tested (no nulls drawn)"
    if stopped_early and n_drawn < n_max:
        return f"p = {p_value:.2g} (sequential test stopped after {n_drawn} of {n_max} nulls)"
    resolution = 1.0 / (n_max + 1)
    if p_value <= resolution * (1 + 1e-9):
        return f"p ≤ {resolution:.2g} ({n_max} nulls, the smallest p-value they can give)"
    return f"p = {p_value:.2g} ({n_max} nulls; the smallest possible is {resolution:.2g})"


def _sequential(row: dict[str, Any]) -> tuple[int | None, bool]:
    """``n_nulls_max`` and ``stopped_early`` of a fit row (its ``detail``; fixed tests before)."""
    detail = json.loads(row["detail"]) if row.get("detail") else {}
    n_max = detail.get("n_nulls_max", row.get("n_nulls"))
    return n_max, bool(detail.get("stopped_early", False))


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
            n_max, stopped = _sequential(f)
            words = null_test_words(f["p_value"], f["n_nulls"], n_max, stopped_early=stopped)
            text += f"; against configuration-model nulls{null}, {words}: " + (
                "significant core-periphery structure beyond the degree sequence (random "
                "networks in which every actor keeps their number of contacts fit worse)"
                if f["p_value"] < 0.05
                else "no core-periphery structure beyond what the degree sequence gives "
                "(random networks in which every actor keeps their number of contacts fit "
                "as well)"
            )
        elif f["method"] == "discrete":
            text += "; not tested against nulls (no nulls drawn)"
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
        n_rand = best.get("n_nulls")
        against = f" (against {n_rand} degree-preserving randomisations)" if n_rand else ""
        rich_verdict = (
            f"the normalised rich-club coefficient peaks at {best['phi_normalized']:.2f}{against} "
            f"for the {best['n_actors_above']} actors of degree above {best['degree']}: "
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
        r["approximations"] = role_approximations(detail)
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
            n_max = detail.get("n_nulls_max", r["n_nulls"])
            stopped = bool(detail.get("stopped_early", False))
            r["verdict"] += "; silhouette test " + null_test_words(
                r["p_value"], r["n_nulls"], n_max, stopped_early=stopped
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
    [(n_profiles, n_reach_sampled)] = con.execute(
        "select count(*), count(*) filter (where reach_sampled) from mesoscale_profiles "
        "where run_id = ?",
        [run_id],
    ).fetchall()
    parameters = con.execute("select parameters from runs where run_id = ?", [run_id]).fetchall()
    approximations = (json.loads(parameters[0][0]) if parameters and parameters[0][0] else {}).get(
        "approximations"
    ) or {}
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
        "reach_approximation": reach_approximation(
            n_reach_sampled, n_profiles, approximations.get("reach_max_targets")
        ),
    }
