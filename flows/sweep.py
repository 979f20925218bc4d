"""The sweep flow: one Prefect task per point of a parameter grid of the platform model.

Each point simulates a platform (:func:`netdyn.sim.platform.simulate_platform`) with its parameters
and a seed of its own, measures it in memory (cascade sizes and their power-law fit, structural
virality, concentration of activity) and returns a small dict — no database access in the
task, so points run anywhere: threads by default, or the workers of a Dask cluster with no
code change::

    from prefect_dask import DaskTaskRunner
    sweep_flow.with_options(task_runner=DaskTaskRunner(address="tcp://scheduler:8786"))(...)

(or ``netdyn sweep --dask tcp://scheduler:8786``; ``--dask local`` starts a local cluster).
The flow then writes every point's statistics to ``sweep_results`` under one run.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import polars as pl
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NONE
from prefect.task_runners import ThreadPoolTaskRunner

from netdyn.analytics.cascades import compute_cascades
from netdyn.analytics.concentration import concentration
from netdyn.analytics.power_law import fit_power_law
from netdyn.core.errors import InvalidInputError
from netdyn.results.rows import store_results
from netdyn.sim.platform import PlatformParams, simulate_platform
from netdyn.store.db import connect
from netdyn.store.runs import recorded_run

__all__ = ["sweep_flow", "sweep_point", "sweep_grid"]

#: Platform parameters a sweep may vary.
SWEEPABLE = ("branching_ratio", "activity_exponent", "attachment_offset", "n_communities")


def sweep_grid(axes: dict[str, list[float]]) -> list[dict[str, float]]:
    """Every combination of the axes' values, in row-major order.

    Raises
    ------
    InvalidInputError
        If an axis is not a sweepable parameter or has no values.
    """
    unknown = sorted(set(axes) - set(SWEEPABLE))
    if unknown:
        raise InvalidInputError(
            f"cannot sweep {unknown}; sweepable parameters: {', '.join(SWEEPABLE)}"
        )
    if not axes or any(len(v) == 0 for v in axes.values()):
        raise InvalidInputError("give at least one value for every swept parameter")
    names = list(axes)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*axes.values())]


@task(cache_policy=NONE, retries=1, retry_delay_seconds=2)
def sweep_point(point: dict[str, float], n_events: int, seed: int) -> dict[str, Any]:
    """Simulate one grid point and measure it (pure: no database, runs on any worker)."""
    params = PlatformParams.for_events(
        n_events,
        seed=seed,
        **{k: (int(v) if k == "n_communities" else float(v)) for k, v in point.items()},
    )
    events = (
        simulate_platform(params)
        .rows.to_frame()
        .with_columns(
            source=pl.lit(params.source_label), event_seq=pl.int_range(pl.len(), dtype=pl.Int64)
        )
    )
    cascades = compute_cascades(events).cascades
    sizes = cascades["size"].to_numpy()
    fit = fit_power_law(sizes, discrete=True)
    activity = events.group_by("actor_id").len()["len"].to_numpy()
    conc = concentration(activity)
    virality = cascades["structural_virality"].drop_nulls()
    return {
        "point": point,
        "seed": seed,
        "source_label": params.source_label,
        "statistics": {
            "n_events": float(events.height),
            "n_cascades": float(cascades.height),
            "max_cascade_size": float(sizes.max()) if sizes.size else None,
            "mean_cascade_size": float(sizes.mean()) if sizes.size else None,
            "alpha:cascade_size": fit.alpha if fit.status == "ok" else None,
            "xmin:cascade_size": fit.xmin if fit.status == "ok" else None,
            "mean_structural_virality": float(virality.mean()) if virality.len() else None,
            "gini:activity": conc.gini,
            "top_1pct_share:activity": conc.top_1pct_share,
        },
    }


@flow(name="netdyn-sweep", task_runner=ThreadPoolTaskRunner(max_workers=2))
def sweep_flow(
    axes: dict[str, list[float]],
    db: str = "netdyn.duckdb",
    n_events: int = 20_000,
    seed: int = 0,
) -> dict:
    """Run the platform model at every point of ``axes`` (e.g. ``{"branching_ratio": [0.5,
    0.9], "activity_exponent": [2.0, 3.0]}``), one task per point, and store the statistics.

    Each point gets its own seed from ``numpy.random.SeedSequence(seed)``, so a point's result
    does not depend on the grid it is in or on where it ran.

    Returns
    -------
    dict
        ``run_id``, ``n_points`` and the rows written to ``sweep_results``.
    """
    grid = sweep_grid(axes)
    logger = get_run_logger()
    seeds = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(len(grid))]
    parameters = {"axes": axes, "n_events": n_events, "seed": seed}
    with recorded_run(db, flow="sweep", parameters=parameters, sources=[]) as run:
        futures = [
            sweep_point.submit(point, n_events, s) for point, s in zip(grid, seeds, strict=True)
        ]
        results = [f.result() for f in futures]
        rows = [
            {
                "point": i,
                "parameters": _json(r["point"]),
                "seed": r["seed"],
                "source_label": r["source_label"],
                "statistic": name,
                "value": value,
            }
            for i, r in enumerate(results)
            for name, value in r["statistics"].items()
        ]
        con = connect(db)
        try:
            written = store_results(
                con,
                run.run_id,
                {"sweep_results": pl.DataFrame(rows, infer_schema_length=None)},
            )
        finally:
            con.close()
    logger.info("sweep %s: %d points", run.run_id, len(grid))
    create_table_artifact(
        key="netdyn-sweep",
        table=[{**r["point"], **r["statistics"]} for r in results],
        description=f"Sweep {run.run_id}: one row per grid point",
    )
    return {"run_id": run.run_id, "n_points": len(grid), **written}


def _json(value: dict[str, Any]) -> str:
    import json

    return json.dumps(value, sort_keys=True)
