"""Result writer for core-periphery structure, structural roles and mesoscale profiles.

Builds the run's interaction graph from the ``proj_interactions`` projection (as
:func:`netdyn.results.cascades.write_actor_metrics` does), then runs, from :mod:`netdyn.analytics`:

* coreness by in-, out- and total degree and by strength (:mod:`netdyn.analytics.core_periphery`);
* the rich-club coefficient normalised by degree-preserving randomisations;
* the discrete and continuous Borgatti–Everett models, each tested against refitted
  configuration-model nulls;
* structural roles (k-means and Gaussian mixture, k by silhouette) and the same procedure on
  degree-preserving nulls (:mod:`netdyn.analytics.roles`);
* modularity, core-periphery strength and global reaching centrality per community (the whole
  network when the events name no community), for the whole run and per time window, as
  z-scores against size-matched nulls (:mod:`netdyn.analytics.hierarchy`).

All tables are replaced for the run in one transaction
(:func:`netdyn.results.rows.store_results`).

Large graphs: the role and mesoscale nulls repeat a full analysis per null, so their number is
a parameter; betweenness is sampled from pivots above
:data:`netdyn.analytics.roles.AUTO_EXACT_MAX_VERTICES` vertices (the method is recorded).
"""

from __future__ import annotations

import functools
import json
import logging
from typing import Any

import duckdb
import polars as pl

from netdyn.analytics.core_periphery import (
    DEFAULT_STARTS,
    START_PATIENCE,
    borgatti_everett,
    core_periphery_strength,
    coreness,
)
from netdyn.analytics.hierarchy import community_profiles
from netdyn.analytics.interaction_graph import build_interaction_graph
from netdyn.analytics.monte_carlo import DEFAULT_H
from netdyn.analytics.rich_club import rich_club
from netdyn.analytics.roles import roles_with_baseline
from netdyn.analytics.windows import WindowSpec
from netdyn.results.rows import (
    WEIGHT_ONLY_ATTRIBUTES,
    finite_or_none,
    run_events,
    store_results,
)
from netdyn.store.projections import advance

__all__ = ["run_graph", "write_structure"]

log = logging.getLogger(__name__)


#: Fewer actors than this are not clustered into roles.
_MIN_ROLE_ACTORS = 10
#: Numbers of roles tried (k by silhouette).
ROLE_K_RANGE = range(2, 9)
#: The defaults of the size limits (the analyze flow passes the ``AnalysisOptions`` fields of
#: the same names, whose defaults a test holds equal to these): exact betweenness up to this
#: many actors, pivot-sampled above ...
EXACT_BETWEENNESS_MAX_ACTORS = 2_000
#: ... from this many pivots;
BETWEENNESS_PIVOTS = 200
#: role clusters fitted on a sample of this many actors above it;
ROLE_FIT_ACTORS = 20_000
#: the mesoscale GRC from this many sampled targets above as many strongly connected components.
REACH_MAX_TARGETS = 4_096
#: Points the silhouette is computed on (a seeded subsample above it).
SILHOUETTE_SAMPLE = 2_000
#: The community name under which a log without venues is profiled as one network.
WHOLE_NETWORK = "(whole network)"
#: Below this many edges the nulls run in this process when ``n_jobs`` is None: starting
#: worker processes (spawned, each re-importing igraph, polars and scikit-learn) costs more
#: than the nulls of a small graph (a 30-actor run: 14.5 s with workers, 0.5 s without).
PARALLEL_MIN_EDGES = 20_000
#: Extreme nulls that stop a sequential test (Besag & Clifford 1991 suggest 10).
SEQUENTIAL_H = DEFAULT_H
#: The same for the role silhouette test, whose nulls are few (``role_nulls``, 10 by
#: default) and dear (each repeats the feature extraction and every clustering): with
#: h = 10 a test of 10 nulls could never stop early. Three nulls at least as large as the
#: observed silhouette stop it (p = 3 / l after l nulls); a silhouette above all nulls still
#: draws them all. On the default run the degree sequence alone gives the observed
#: silhouette (0.48 against 0.47), so the test stops after 3 (k-means) and 4 (Gaussian
#: mixture) nulls instead of 10.
ROLE_SEQUENTIAL_H = 3
#: Edge-switching trials per edge of the role and mesoscale nulls, which are directed and
#: switched by igraph (the core-periphery and rich-club nulls are undirected and drawn by
#: global curveball trades, analytics.curveball; the analytics default is 10). Measured on
#: the default run's graph (3,937 actors, 65,527 undirected edges, maximum degree 1,522;
#: 12 nulls each, when these nulls were switched too): the share of the observed edges
#: still present after k·m trials is 40, 26, 23, 21.5 and 21.3 % for k = 1, 2, 3, 5, 10 —
#: 21 % being what an independent draw shares with it (the hub's edges) — and the nulls'
#: discrete Borgatti–Everett rho (0.22173 ± 0.00006 at 3, 0.22174 ± 0.00009 at 10) and
#: rich-club phi(k) at k = 10, 30, 60, 100 agree with 10 per edge within one null sd from
#: k = 2 on. Three per edge is a third of the switching cost.
NULL_SWAPS_PER_EDGE = 3
#: The mesoscale nulls give z-scores, not a test: a community (window) stops drawing them,
#: after at least this many, once every statistic is clearly not in excess (this many nulls
#: at least as large as the observed value, and over a fifth of those drawn) or clearly in
#: excess (confidence bounds; analytics.hierarchy.mesoscale_profile).
MESOSCALE_STOP_H = 5
#: Starts of the discrete Borgatti–Everett heuristic behind each mesoscale core-periphery
#: strength, observed and null alike (the core-periphery test itself keeps 10). Measured on
#: the default run's 120 community profiles (2,014 nulls, ``n_jobs=2``): 24.5 s wall at 10
#: starts, 18.2 s at 3; the same label for all 120, the cp z-score unchanged in the median
#: (at most 0.55 apart), and rho at most 6.3 % lower in any profile. On 870 graphs of
#: reddit-college's communities and weekly windows (observed and nulls), 3 starts reached
#: the 10-start rho in 98.7 % (1 start: 96.6 %).
MESOSCALE_CP_STARTS = 3
#: Default windows of the per-window community profiles.
WEEKLY = WindowSpec.parse("7d")


def run_graph(con: duckdb.DuckDBPyConnection, run_id: str) -> Any:
    """The directed, weighted interaction graph of the run's sources (igraph Graph).

    Vertices are every actor who acted or was addressed (``proj_actor_activity`` and
    ``proj_interactions``), named by ``actor_id``; edge weight = interactions.
    """
    sources = con.execute("select sources from runs where run_id = ?", [run_id]).fetchall()
    if not sources:
        raise KeyError(f"no run {run_id!r} in runs")
    chosen = list(sources[0][0] or [])
    advance(con, "actor_activity")
    advance(con, "interactions")
    edges = con.sql(
        """
        select actor_id, target_actor_id, sum(weight)::bigint as weight from proj_interactions
        where source in (select unnest(?)) and actor_id <> target_actor_id
        group by actor_id, target_actor_id order by actor_id, target_actor_id
        """,
        params=[chosen],
    ).pl()
    actors = con.sql(
        "select distinct actor_id from proj_actor_activity where source in (select unnest(?)) "
        "order by actor_id",
        params=[chosen],
    ).pl()["actor_id"]
    return build_interaction_graph(edges, actors=actors.to_list())


def write_structure(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    *,
    cp_nulls: int,
    role_nulls: int,
    rich_club_nulls: int,
    mesoscale_nulls: int,
    window: WindowSpec | None = WEEKLY,
    min_community_actors: int = 20,
    betweenness_exact_max_actors: int = EXACT_BETWEENNESS_MAX_ACTORS,
    betweenness_pivots: int = BETWEENNESS_PIVOTS,
    role_fit_actors: int | None = ROLE_FIT_ACTORS,
    reach_max_targets: int | None = REACH_MAX_TARGETS,
    seed: int = 0,
    n_jobs: int | None = None,
) -> dict[str, Any]:
    """Core-periphery, roles and mesoscale profiles of the run's interaction graph.

    Parameters
    ----------
    cp_nulls : int
        The most configuration-model nulls refitted for the discrete Borgatti–Everett test
        (≥ 99 gives a p-value resolution of 0.01); the test is sequential and stops early
        when clearly not significant. The continuous model is fitted for its core scores and
        not tested (see the comment in the code).
    role_nulls : int
        The most degree-preserving nulls for the role silhouette test (sequential too).
    rich_club_nulls, mesoscale_nulls : int
        Degree-preserving nulls for the rich-club normalisation (a fixed number) and, at
        most, for each community's z-scores. The four null counts are required: their
        defaults are those of :class:`netdyn.flows.options.AnalysisOptions`, which the
        analyze flow passes.
    window : WindowSpec, optional
        Also profile every community per time window (default: weekly; ``None``: only the
        whole run).
    min_community_actors : int
        Communities (and community windows) with fewer actors are skipped (and counted).
    betweenness_exact_max_actors, betweenness_pivots : int
        Betweenness (a role feature) is exact up to this many actors and estimated from
        ``betweenness_pivots`` sampled sources above (Brandes & Pich 2007); recorded in
        ``role_fits.detail`` (``betweenness``, ``betweenness_pivots``).
    role_fit_actors : int, optional
        Above this many actors the role clusterings are fitted on a seeded sample of this
        many and every actor is assigned by the fitted model
        (:func:`netdyn.analytics.roles.roles_with_baseline`, ``fit_size``); recorded in
        ``role_fits.detail`` (``n_fit_actors``). None or 0: fitted on every actor.
    reach_max_targets : int, optional
        The mesoscale GRC samples this many targets on graphs with more strongly connected
        components (:func:`netdyn.analytics.hierarchy.community_profiles`); recorded per
        profile in ``mesoscale_profiles.reach_sampled``. None or 0: always exact.
    seed : int
        Root seed; each analysis takes its own child.
    n_jobs : int, optional
        Worker processes for the nulls (default: one per core, or none below
        :data:`PARALLEL_MIN_EDGES` edges). The answer does not depend on it.

    Returns
    -------
    dict
        ``n_actors``, ``n_edges``, the core-periphery ``rho`` and ``p_value`` per model,
        roles chosen per method, and rows written per table.

    Notes
    -----
    *Null counts.* Tests that give a p-value (the discrete Borgatti–Everett fit, the role
    silhouettes) are Besag & Clifford's (1991) sequential Monte-Carlo tests with
    ``h = SEQUENTIAL_H`` (:data:`ROLE_SEQUENTIAL_H` for the roles): a clearly
    non-significant statistic stops after about ``h / p`` nulls, a significant one draws
    them all. ``core_periphery_fits.n_nulls`` and
    ``role_fits.n_nulls`` are the nulls drawn; their ``detail`` holds ``n_nulls_max``,
    ``h``, ``stopped_early`` and ``p_value_resolution`` (``1 / (n_nulls_max + 1)``).
    The rich-club normalisation is a ratio to a mean, not a test: it keeps a fixed number
    of randomisations (``rich_club.n_nulls``). The mesoscale z-scores stop drawing only
    once every statistic is clearly not in excess or clearly in excess
    (:data:`MESOSCALE_STOP_H`; the rules and why they almost never change a label are in
    :func:`netdyn.analytics.hierarchy.mesoscale_profile`); ``mesoscale_profiles.n_nulls``
    counts the nulls drawn. The core-periphery and rich-club nulls are uniform samples of the
    simple graphs with the degree sequence by global curveball trades
    (:mod:`netdyn.analytics.curveball`); the role and mesoscale nulls keep the in- and
    out-degrees and make :data:`NULL_SWAPS_PER_EDGE` switching trials per edge (the
    measurement behind that number is at its definition).

    *Cost* on the default run (3,937 actors, 65,527 undirected edges): about 200 CPU-s with
    100/10/20/20 fixed nulls at 10 trials per edge before; the sequential tests, three trials
    per edge and the mesoscale stopping rule cut it to the numbers in the issue-14 notes.

    References
    ----------
    .. [1] Besag, J., & Clifford, P. (1991). Sequential Monte Carlo p-values. *Biometrika*
       78(2), 301–304.
    .. [2] Borgatti, S. P., & Everett, M. G. (2000). Models of core/periphery structures.
       *Social Networks* 21(4), 375–395.
    .. [3] Colizza, V., Flammini, A., Serrano, M. A., & Vespignani, A. (2006). Detecting
       rich-club ordering in complex networks. *Nature Physics* 2, 110–115.
    """
    graph = run_graph(con, run_id)
    n_actors, n_edges = graph.vcount(), graph.ecount()
    if n_jobs is None and n_edges < PARALLEL_MIN_EDGES:
        n_jobs = 1
    seeds = [int(s.generate_state(1)[0]) for s in _children(seed, 6)]
    actors = pl.DataFrame(
        {"actor_id": graph.vs["name"] if n_actors else []}, schema={"actor_id": pl.String}
    )
    for mode, column in (("in", "coreness_in"), ("out", "coreness_out"), ("all", "coreness_total")):
        actors = actors.join(
            coreness(graph, mode=mode).rename({"coreness": column}), on="actor_id", how="left"
        )
    actors = actors.join(
        coreness(graph, weighted=True).rename({"coreness": "coreness_weighted"}),
        on="actor_id",
        how="left",
    )
    fits = []
    for i, model in enumerate(("discrete", "continuous")):
        # Only the discrete model is tested against nulls: degree-preserving nulls reproduce
        # the continuous c c^T pattern as well as planted cores do (p = 1 on a planted
        # core-periphery SBM, analytics.core_periphery), so its test says nothing and would
        # double the cost; the continuous model gives the per-actor core scores.
        n_nulls = cp_nulls if model == "discrete" else 0
        fit = borgatti_everett(
            graph,
            model=model,
            n_nulls=n_nulls,
            h=SEQUENTIAL_H,
            seed=seeds[i],
            n_jobs=n_jobs,
        )
        fits.append(
            {
                "method": model,
                "quality": finite_or_none(fit.rho),
                "n_core": fit.n_core,
                "n_actors": fit.n_vertices,
                "p_value": finite_or_none(fit.p_value),
                "n_nulls": fit.n_nulls,
                "null_mean": finite_or_none(fit.null_rho_mean),
                "null_sd": finite_or_none(fit.null_rho_sd),
                # a null sd at rounding level (every null refits to the same rho) makes z
                # meaningless, not huge
                "z": finite_or_none(fit.z)
                if finite_or_none(fit.null_rho_sd) is not None
                and fit.null_rho_sd > 1e-9 * max(abs(fit.null_rho_mean), 1e-12)
                else None,
                "detail": json.dumps(
                    {
                        "n_edges": fit.n_edges,
                        # the nulls' sampler (analytics.curveball)
                        "null_sampler": "global curveball",
                        "global_trades": fit.global_trades,
                        # the discrete heuristic: at most this many starts, ending after
                        # start_patience starts in a row without improvement (observed and
                        # nulls alike)
                        **(
                            {"starts_max": DEFAULT_STARTS, "start_patience": START_PATIENCE}
                            if model == "discrete"
                            else {}
                        ),
                        "seed": seeds[i],
                        # the sequential test (Besag & Clifford 1991): nulls drawn of at most
                        # n_nulls_max, and the smallest p-value the test could give
                        "n_nulls_max": fit.n_nulls_max,
                        "h": fit.h,
                        "stopped_early": fit.stopped_early,
                        "p_value_resolution": finite_or_none(fit.p_value_resolution),
                    }
                ),
            }
        )
        scores = fit.actors.select(
            "actor_id",
            pl.col("core_score").alias("core_score" if model == "continuous" else "_d_score"),
            pl.col("is_core").alias("is_core" if model == "discrete" else "_c_core"),
        )
        actors = actors.join(scores, on="actor_id", how="left")
    actors = actors.drop("_d_score", "_c_core")
    club = rich_club(
        graph,
        n_randomisations=rich_club_nulls,
        seed=seeds[2],
        n_jobs=n_jobs,
    )
    role_fit_rows, size_frames = [], []
    if n_actors >= _MIN_ROLE_ACTORS:
        roles = roles_with_baseline(
            graph,
            n_nulls=role_nulls,
            k_range=ROLE_K_RANGE,
            # pivot-sampled betweenness (Brandes & Pich 2007) above this size: the nulls
            # repeat the feature extraction, and exact betweenness is O(n m)
            betweenness="exact" if n_actors <= betweenness_exact_max_actors else "sampled",
            n_samples=betweenness_pivots,
            sample_size=SILHOUETTE_SAMPLE,
            h=ROLE_SEQUENTIAL_H,
            swaps_per_edge=NULL_SWAPS_PER_EDGE,
            fit_size=role_fit_actors or None,
            seed=seeds[3],
            n_jobs=n_jobs,
        )
        features = roles.features.select("actor_id", "pagerank", "betweenness", "clustering")
        summary = {r["method"]: r for r in roles.baseline.summary.iter_rows(named=True)}
        clusterings = roles.roles
    else:  # too few actors to cluster: the role columns stay null
        features = pl.DataFrame(
            schema={
                "actor_id": pl.String,
                "pagerank": pl.Float64,
                "betweenness": pl.Float64,
                "clustering": pl.Float64,
            }
        )
        summary, clusterings = {}, {}
        for method in ("kmeans", "gmm"):
            actors = actors.with_columns(pl.lit(None, dtype=pl.Int64).alias(f"role_{method}"))
    actors = actors.join(features, on="actor_id", how="left")
    for method, clustering in clusterings.items():
        actors = actors.join(
            clustering.labels.select("actor_id", pl.col("role").alias(f"role_{method}")),
            on="actor_id",
            how="left",
        )
        s = summary.get(method, {})
        role_fit_rows.append(
            {
                "method": method,
                "chosen_k": clustering.chosen_k,
                "silhouette": finite_or_none(clustering.silhouette),
                "n_nulls": s.get("n_nulls"),
                "null_mean_silhouette": finite_or_none(s.get("null_mean_silhouette")),
                "null_sd_silhouette": finite_or_none(s.get("null_sd_silhouette")),
                "null_modal_k": s.get("null_modal_k"),
                "null_share": finite_or_none(s.get("null_share")),
                "z_score": finite_or_none(s.get("z_score")),
                "p_value": finite_or_none(s.get("p_value")),
                "detail": json.dumps(
                    {
                        "betweenness": roles.betweenness,
                        "betweenness_pivots": betweenness_pivots
                        if roles.betweenness == "sampled"
                        else None,
                        # the clusters were fitted on this many actors (all of them, or a
                        # seeded sample above role_fit_actors) and every actor assigned
                        "n_fit_actors": clustering.n_fit_actors,
                        "n_actors": n_actors,
                        "silhouette_by_k": {
                            str(k): finite_or_none(v) for k, v in clustering.silhouette_by_k.rows()
                        },
                        "describe": roles.baseline.describe(method) if s else None,
                        "n_nulls_max": s.get("n_nulls_max"),
                        "h": ROLE_SEQUENTIAL_H,
                        "stopped_early": s.get("stopped_early"),
                        "p_value_resolution": finite_or_none(s.get("p_value_resolution")),
                    }
                ),
            }
        )
        centroids = clustering.centroids.drop("n_actors")
        size_frames.append(
            clustering.sizes.join(
                centroids.select(
                    "role",
                    pl.struct(pl.exclude("role")).struct.json_encode().alias("centroid"),
                ),
                on="role",
                how="left",
            ).select(
                pl.lit(method).alias("method"),
                pl.col("role").cast(pl.Int32),
                pl.col("n_actors").cast(pl.Int64),
                pl.col("share_actors").cast(pl.Float64),
                "centroid",
            )
        )
    events = run_events(
        con,
        run_id,
        columns=(
            "kind",
            "actor_id",
            "target_actor_id",
            "community",
            "occurred_at",
            WEIGHT_ONLY_ATTRIBUTES,
        ),
    )
    mesoscale_cp = functools.partial(core_periphery_strength, n_starts=MESOSCALE_CP_STARTS)
    if events.height and events["community"].null_count() == events.height:
        # no venues in these data (an e-mail or message log): profile the whole network
        events = events.with_columns(community=pl.lit(WHOLE_NETWORK))
    profiles = [
        community_profiles(
            events,
            min_actors=min_community_actors,
            n_nulls=mesoscale_nulls,
            swaps_per_edge=NULL_SWAPS_PER_EDGE,
            stop_h=MESOSCALE_STOP_H,
            reach_max_targets=reach_max_targets or None,
            seed=seeds[4],
            n_jobs=n_jobs,
            cp_strength=mesoscale_cp,
        ).profiles
    ]
    if window is not None and events["occurred_at"].null_count() < events.height:
        profiles.append(
            community_profiles(
                events,
                windows=window,
                min_actors=min_community_actors,
                n_nulls=mesoscale_nulls,
                swaps_per_edge=NULL_SWAPS_PER_EDGE,
                stop_h=MESOSCALE_STOP_H,
                reach_max_targets=reach_max_targets or None,
                seed=seeds[5],
                n_jobs=n_jobs,
                cp_strength=mesoscale_cp,
            ).profiles
        )
    del events
    mesoscale = pl.concat(profiles, how="vertical_relaxed").with_columns(
        pl.col("n_nulls").cast(pl.Int32)
    )
    tables = {
        "actor_structure": actors.select(
            "actor_id",
            pl.col("coreness_in").cast(pl.Int32),
            pl.col("coreness_out").cast(pl.Int32),
            pl.col("coreness_total").cast(pl.Int32),
            pl.col("coreness_weighted").cast(pl.Float64),
            "core_score",
            "is_core",
            pl.col("role_kmeans").cast(pl.Int32),
            pl.col("role_gmm").cast(pl.Int32),
            "pagerank",
            "betweenness",
            "clustering",
        ),
        "core_periphery_fits": pl.DataFrame(fits, infer_schema_length=None),
        "rich_club": club.select(
            "degree",
            pl.col("n_rich").alias("n_actors_above"),
            "phi",
            pl.col("phi_random_mean").alias("phi_null_mean"),
            pl.col("phi_random_sd").alias("phi_null_sd"),
            pl.col("phi_normalised").alias("phi_normalized"),
            pl.col("n_randomisations").cast(pl.Int32).alias("n_nulls"),
        ),
        "role_fits": pl.DataFrame(role_fit_rows, infer_schema_length=None),
        "role_sizes": pl.concat(size_frames) if size_frames else pl.DataFrame(),
        "mesoscale_profiles": mesoscale,
    }
    written = store_results(con, run_id, {k: v for k, v in tables.items() if v.width})
    return {
        "n_actors": n_actors,
        "n_edges": n_edges,
        "core_periphery": {f["method"]: (f["quality"], f["p_value"]) for f in fits},
        "roles": {r["method"]: r["chosen_k"] for r in role_fit_rows},
        **written,
    }


def _children(seed: int, n: int) -> list[Any]:
    import numpy as np

    return np.random.SeedSequence(seed).spawn(n)
