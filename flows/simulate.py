"""The simulate flow: generate a synthetic platform and append it to the event log."""

from __future__ import annotations

from dataclasses import asdict

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE

from ingest.load import ingest_chunk
from netdyn.db import connect
from netdyn.runs import recorded_run
from sim.platform import MODEL, PlatformParams, simulate_platform

__all__ = ["simulate_flow"]


@task(cache_policy=NONE)
def generate_and_append(db: str, params: dict) -> dict:
    """Generate events from the platform model and append them as one batch."""
    p = PlatformParams(**params)
    chunk = simulate_platform(p)
    con = connect(db)
    try:
        return asdict(ingest_chunk(con, chunk, source=p.source_label, reader=f"sim:{MODEL}"))
    finally:
        con.close()


@flow(name="netdyn-simulate")
def simulate_flow(
    db: str = "netdyn.duckdb",
    n_events: int = 100_000,
    seed: int = 0,
    n_actors: int = 5_000,
    branching_ratio: float = 0.9,
    activity_exponent: float = 2.2,
    n_communities: int = 20,
) -> dict:
    """Simulate a MoltBook-like platform of about ``n_events`` events (see
    :mod:`sim.platform`) and append it under the source label ``sim:platform:<hash>``.

    The same parameters and seed give the same label and identical events, so re-running
    appends nothing new.

    Returns
    -------
    dict
        ``label``, ``run_id``, ``params`` and the batch counts.
    """
    logger = get_run_logger()
    params = PlatformParams.for_events(
        n_events,
        seed=seed,
        n_actors=n_actors,
        branching_ratio=branching_ratio,
        activity_exponent=activity_exponent,
        n_communities=n_communities,
    )
    label = params.source_label
    parameters = {"model": MODEL, "n_events": n_events, **asdict(params)}
    with recorded_run(
        db, flow="simulate", parameters=parameters, sources=[label], sources_grow=True
    ) as run:
        batch = generate_and_append(db, asdict(params))
    run_id = run.run_id
    logger.info("simulated %s: %s", label, batch)
    return {"label": label, "run_id": run_id, "params": asdict(params), **batch}
