"""The simulate flow: generate a synthetic platform and append it to the event log."""

from __future__ import annotations

from dataclasses import asdict

from prefect import flow, task
from prefect.cache_policies import NONE

from netdyn.flows.engine import flow_logger, step
from netdyn.flows.ingest import io_retry_options
from netdyn.ingest.load import ingest_chunk
from netdyn.sim.labels import REPLAYED, synthetic_label
from netdyn.sim.platform import MODEL, PlatformParams, simulate_platform
from netdyn.store.db import connect
from netdyn.store.runs import recorded_run

__all__ = ["simulate_flow", "null_replay_flow", "calibrated_flow"]


@task(cache_policy=NONE, **io_retry_options())
def generate_and_append(db: str, params: dict) -> dict:
    """Generate events from the platform model and append them as one batch.

    Retried like an I/O task: the same parameters give the same events and content hash, so
    a retry after a failed append stores the batch once.
    """
    p = PlatformParams(**params)
    chunk = simulate_platform(p)
    con = connect(db)
    try:
        return asdict(
            ingest_chunk(con, chunk, source=p.source_label, reader=synthetic_label(MODEL))
        )
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
    :mod:`netdyn.sim.platform`) and append it under the source label ``sim:platform:<hash>``.

    The same parameters and seed give the same label and identical events, so re-running
    appends nothing new.

    Returns
    -------
    dict
        ``label``, ``run_id``, ``params`` and the batch counts.
    """
    logger = flow_logger()
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
        batch = step(generate_and_append, db, asdict(params))
    run_id = run.run_id
    logger.info("simulated %s: %s", label, batch)
    return {"label": label, "run_id": run_id, "params": asdict(params), **batch}


@task(cache_policy=NONE)
def replay_and_append(db: str, source: str, model: str, seed: int) -> dict:
    """Replay ``source`` under a null model and append it as one batch of its own source."""
    from netdyn.core.errors import InvalidInputError
    from netdyn.sim.nulls import null_source_label, replay_null
    from netdyn.store.canonical import Chunk
    from netdyn.store.eventlog import read_events

    con = connect(db)
    try:
        events = read_events(con, sources=[source])
        if events.height == 0:
            raise InvalidInputError(f"no events with source {source!r} in {db}; nothing to replay")
        replay = replay_null(events, model, seed=seed)
        label = null_source_label(source, model, seed)
        reader = synthetic_label(model, kind=REPLAYED)
        chunk = Chunk(f"{reader}?source={source}&seed={seed}", label)
        chunk.rows.add_frame(replay.events)
        batch = asdict(ingest_chunk(con, chunk, source=label, reader=reader))
        return {"label": label, "n_randomised": replay.n_randomised, **batch}
    finally:
        con.close()


@flow(name="netdyn-null-replay")
def null_replay_flow(
    db: str = "netdyn.duckdb", source: str = "", model: str = "timestamp_shuffle", seed: int = 0
) -> dict:
    """Replay the events of ``source`` under a null model (:mod:`netdyn.sim.nulls`) and append them
    under the synthetic source label ``null:<model>:<hash>`` (stable per source, model and
    seed, so re-running appends nothing new).

    Returns
    -------
    dict
        ``label``, ``run_id``, ``model``, ``seed`` and the batch counts.
    """
    from netdyn.core.errors import InvalidInputError
    from netdyn.sim.nulls import NULL_MODELS, null_source_label

    if model not in NULL_MODELS:
        raise InvalidInputError(
            f"unknown null model {model!r}; use one of {', '.join(sorted(NULL_MODELS))}"
        )
    label = null_source_label(source, model, seed)
    parameters = {"model": model, "replayed_source": source, "seed": seed}
    with recorded_run(
        db, flow="simulate", parameters=parameters, sources=[label], sources_grow=True
    ) as run:
        batch = step(replay_and_append, db, source, model, seed)
    flow_logger().info("replayed %s under %s as %s: %s", source, model, label, batch)
    return {"run_id": run.run_id, "model": model, "seed": seed, **batch}


@task(cache_policy=NONE)
def calibrate_and_append(db: str, source: str, seed: int) -> dict:
    """Estimate the branching model from ``source`` and append a synthetic log of its size."""
    from netdyn.core.errors import InvalidInputError
    from netdyn.sim.branching import MODEL as BRANCHING
    from netdyn.sim.branching import iter_branching_chunks
    from netdyn.sim.calibration import calibrate
    from netdyn.store.eventlog import read_events

    con = connect(db)
    try:
        events = read_events(con, sources=[source])
        if events.height == 0:
            raise InvalidInputError(f"no events with source {source!r} in {db}; nothing to fit")
        calibration = calibrate(events, seed=seed)
        del events
        params = calibration.params
        totals = {"n_read": 0, "n_inserted": 0, "n_duplicate": 0, "n_quarantined": 0}
        reader = synthetic_label(BRANCHING)
        for chunk in iter_branching_chunks(params):
            batch = asdict(ingest_chunk(con, chunk, source=params.source_label, reader=reader))
            for key in totals:
                totals[key] += batch[key]
        return {
            "label": params.source_label,
            "params": asdict(params),
            "diagnostics": calibration.diagnostics,
            **totals,
        }
    finally:
        con.close()


@flow(name="netdyn-calibrated-simulation")
def calibrated_flow(db: str = "netdyn.duckdb", source: str = "", seed: int = 0) -> dict:
    """Fit the branching platform model (:mod:`netdyn.sim.branching`) to the events of ``source``
    and append a synthetic log of the same size under ``sim:branching:<hash>``.

    The estimated parameters and how each was estimated are stored in ``runs.parameters``.

    Returns
    -------
    dict
        ``label``, ``run_id``, ``params``, ``diagnostics`` and the batch counts.
    """
    with recorded_run(
        db,
        flow="simulate",
        parameters={"model": "branching", "calibrated_from": source, "seed": seed},
        sources=[],
        sources_grow=True,
    ) as run:
        result = step(calibrate_and_append, db, source, seed)
        run.sources.append(result["label"])
        run.parameters_update = {
            "params": result["params"],
            "diagnostics": result["diagnostics"],
        }
    flow_logger().info("calibrated %s from %s: %s", result["label"], source, result["params"])
    return {"run_id": run.run_id, **result}
