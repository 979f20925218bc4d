"""The commands that generate events: simulate (a platform, a calibrated model or a null replay)
and sweep (parameter sweeps of the platform model)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from netdyn.cli.common import (
    DbOption,
    SeedOption,
    WaitOption,
    _check_sources,
    _check_subcritical,
    _handles_errors,
    _require_db,
    _running,
    _writable,
    app,
    out,
)
from netdyn.core.config import db_path
from netdyn.core.errors import InvalidInputError

# -------------------------------------------------------------------------- commands


@app.command()
@_handles_errors
def simulate(
    n_events: Annotated[int, typer.Option(min=1, help="About this many events")] = 100_000,
    seed: SeedOption = 0,
    n_actors: Annotated[int, typer.Option(min=1, help="Number of actors")] = 5_000,
    branching_ratio: Annotated[
        float, typer.Option(min=0.0, help="Mean replies per item (< 1)")
    ] = 0.9,
    null: Annotated[
        str | None,
        typer.Option(
            help="Instead of a platform, replay `--replay SOURCE` under a null model: "
            "timestamp_shuffle, link_shuffle, timeline_shuffle, inter_event_shuffle"
        ),
    ] = None,
    replay: Annotated[
        str | None, typer.Option(help="Source label to replay under `--null`")
    ] = None,
    calibrate_from: Annotated[
        str | None,
        typer.Option(
            help="Instead, fit the branching platform model to this source label and "
            "append a synthetic log of its size (label `sim:branching:<hash>`)"
        ),
    ] = None,
    db: DbOption = None,
    wait: WaitOption = 10.0,
) -> None:
    r"""Simulate a platform into the event log, or replay a source under a null model.

    A MoltBook-like platform goes in under `sim:platform:<hash>`; a null-model replay of
    a real source under `null:<model>:<hash>`; a branching model fitted to a source under
    `sim:branching:<hash>`. The same parameters and seed give the same label and events,
    so re-running appends nothing new.

    **Examples**

    ```
    netdyn simulate --n-events 20000 --seed 7
    netdyn simulate --null link_shuffle --replay edgelist:CollegeMsg --seed 1
    netdyn simulate --calibrate-from edgelist:CollegeMsg --seed 1
    ```
    """
    from netdyn.flows.engine import run_flow
    from netdyn.flows.simulate import calibrated_flow, null_replay_flow, simulate_flow

    if (null is None) != (replay is None):
        raise InvalidInputError(
            "give --null MODEL and --replay SOURCE together, e.g. "
            "--null link_shuffle --replay twitter15-16"
        )
    if calibrate_from is not None and null is not None:
        raise InvalidInputError("choose one of --calibrate-from and --null/--replay")
    if calibrate_from is not None or replay is not None:
        from netdyn.sim.nulls import NULL_MODELS

        if null is not None and null not in NULL_MODELS:
            raise InvalidInputError(
                f"unknown null model {null!r}; use one of {', '.join(sorted(NULL_MODELS))}"
            )
        path = _require_db(db)
        known = _writable(db, wait, must_exist=True)
        _check_sources([calibrate_from or replay or ""], known, path)
    else:
        from netdyn.sim.platform import PlatformParams

        _check_subcritical(branching_ratio, "--branching-ratio")
        PlatformParams.for_events(
            n_events, seed=seed, n_actors=n_actors, branching_ratio=branching_ratio
        )
        _writable(db, wait)

    if calibrate_from is not None:
        with _running():
            result = run_flow(
                calibrated_flow, db=str(db_path(db)), source=calibrate_from, seed=seed
            )
        params = ", ".join(
            f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
            for k, v in result["params"].items()
            if k in ("n_actors", "n_roots", "branching_ratio", "activity_exponent")
        )
        out.print(
            f"calibrated [bold]{escape(result['label'])}[/] from {escape(calibrate_from)} "
            f"({escape(params)}): {result['n_inserted']:,} events inserted"
        )
        return
    if null is not None and replay is not None:
        with _running():
            result = run_flow(
                null_replay_flow, db=str(db_path(db)), source=replay, model=null, seed=seed
            )
        out.print(
            f"replayed [bold]{escape(replay)}[/] under {escape(null)} as "
            f"[bold]{escape(result['label'])}[/]: {result['n_inserted']:,} events inserted "
            f"({result['n_duplicate']:,} already present)"
        )
        return
    with _running():
        result = run_flow(
            simulate_flow,
            db=str(db_path(db)),
            n_events=n_events,
            seed=seed,
            n_actors=n_actors,
            branching_ratio=branching_ratio,
        )
    out.print(
        f"simulated [bold]{escape(result['label'])}[/]: {result['n_inserted']:,} events "
        f"inserted ({result['n_duplicate']:,} already present)"
    )


def _sweep_axes(vary: list[str]) -> dict[str, list[float]]:
    axes: dict[str, list[float]] = {}
    for item in vary:
        name, sep, values = item.partition("=")
        if not sep or not values.strip() or not name.strip():
            raise InvalidInputError(
                f"--vary {item!r} must be NAME=V1,V2,..., e.g. branching_ratio=0.5,0.9"
            )
        try:
            axes[name.strip()] = [float(v) for v in values.split(",")]
        except ValueError:
            raise InvalidInputError(
                f"--vary {item!r}: the values must be numbers separated by commas, "
                "e.g. branching_ratio=0.5,0.9"
            ) from None
    return axes


@app.command()
@_handles_errors
def sweep(
    vary: Annotated[
        list[str],
        typer.Option(
            help="A swept parameter and its values, NAME=V1,V2,... (repeatable): "
            "branching_ratio, activity_exponent, attachment_offset, n_communities"
        ),
    ],
    n_events: Annotated[int, typer.Option(min=1, help="About this many events per point")] = 20_000,
    seed: Annotated[int, typer.Option(min=0, help="Root seed (each point gets its own child)")] = 0,
    dask: Annotated[
        str | None,
        typer.Option(
            help="Run the points on a Dask cluster: a scheduler address "
            "(`tcp://host:8786`), or `local` for a local cluster of two workers"
        ),
    ] = None,
    db: DbOption = None,
    wait: WaitOption = 10.0,
) -> None:
    r"""Simulate the platform model at every point of a parameter grid.

    One Prefect task per point (threads, or the workers of a Dask cluster); the
    statistics of every point go to `sweep_results`. The grid is the product of the
    `--vary` axes.

    **Examples**

    ```
    netdyn sweep --vary branching_ratio=0.5,0.8,0.95 \
      --vary activity_exponent=2,3
    netdyn sweep --vary branching_ratio=0.5,0.9 --n-events 5000 --dask local
    ```
    """
    from netdyn.flows.sweep import sweep_flow, sweep_grid
    from netdyn.sim.platform import PlatformParams

    axes = _sweep_axes(vary)
    for value in axes.get("branching_ratio", []):
        _check_subcritical(value, "--vary branching_ratio")
    for point in sweep_grid(axes):
        PlatformParams.for_events(
            n_events,
            seed=seed,
            **{k: (int(v) if k == "n_communities" else float(v)) for k, v in point.items()},
        )
    runner_flow = sweep_flow
    if dask is not None:
        from netdyn.core.parallel import check_dask_address

        check_dask_address(dask)
        try:
            from prefect_dask import DaskTaskRunner
        except ImportError as e:
            raise InvalidInputError(
                "--dask needs the prefect-dask package: pip install 'prefect-dask>=0.3.7'"
            ) from e
        runner = (
            DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1})
            if dask == "local"
            else DaskTaskRunner(address=dask)
        )
        runner_flow = sweep_flow.with_options(task_runner=runner)
    _writable(db, wait)
    with _running():
        result = runner_flow(axes=axes, db=str(db_path(db)), n_events=n_events, seed=seed)
    out.print(f"sweep run {result['run_id']}: {result['n_points']} points in sweep_results")
