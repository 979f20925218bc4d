"""The pipeline flow: ingest real data (or simulate), then analyse and report.

Each pipeline run publishes one version of the artifacts ``netdyn-run-summary``,
``netdyn-powerlaw-fits`` and (when it ingests) ``netdyn-ingest-batches``; its nested flows
publish none of their own.
"""

from __future__ import annotations

from prefect import flow, get_run_logger

from flows.analyze import analyze_flow, check_analysis_options, publish_run_artifacts
from flows.ingest import ingest_flow
from flows.simulate import simulate_flow
from ingest.load import DEFAULT_MAX_REJECTED_SHARE
from netdyn.errors import InvalidInputError

__all__ = ["pipeline_flow"]


@flow(name="netdyn-pipeline")
def pipeline_flow(
    db: str = "netdyn.duckdb",
    reports_dir: str = "reports",
    source: str | None = None,
    path: str | None = None,
    label: str | None = None,
    n_events: int = 100_000,
    seed: int = 0,
    max_rejected_share: float = DEFAULT_MAX_REJECTED_SHARE,
    force: bool = False,
    options: dict[str, str] | None = None,
    n_bootstrap: int = 200,
    window: str = "1d",
    window_step: str | None = None,
    top_k: int = 10,
    ngram: int = 3,
    min_adopters: int = 2,
    cp_nulls: int = 100,
    role_nulls: int = 10,
    mesoscale_nulls: int = 20,
    n_jobs: int | None = None,
) -> dict:
    """Extract → validate → load → project → analyse → report, as one flow run.

    With ``source`` and ``path``, ingests that real data; with neither, simulates a platform
    of about ``n_events`` events with ``seed``. Then analyses exactly the events it loaded.
    Files already ingested (same SHA-256) are skipped unless ``force``. ``n_bootstrap``,
    ``window``, ``window_step``, ``top_k``, ``ngram``, ``min_adopters``, the null counts and
    ``n_jobs`` are passed to the analysis (see :func:`flows.analyze.analyze_flow`).

    Returns
    -------
    dict
        ``load`` (the ingest or simulate summary) and ``analysis`` (run id, report, counts).

    Raises
    ------
    InvalidInputError
        If only one of ``source`` and ``path`` is given, or an analysis option is out of
        range (checked before anything is loaded).
    """
    logger = get_run_logger()
    if (source is None) != (path is None):
        raise InvalidInputError("give both --source and --path to ingest real data, or neither")
    check_analysis_options(
        n_bootstrap=n_bootstrap,
        top_k=top_k,
        ngram=ngram,
        min_adopters=min_adopters,
        cp_nulls=cp_nulls,
        role_nulls=role_nulls,
        mesoscale_nulls=mesoscale_nulls,
        window=window,
        window_step=window_step,
        mesoscale_window="7d",
        n_jobs=n_jobs,
    )
    if source is not None and path is not None:
        load = ingest_flow(
            source=source,
            path=path,
            db=db,
            label=label,
            max_rejected_share=max_rejected_share,
            force=force,
            options=options,
            publish_artifacts=False,
        )
        lines = [
            f"ingested `{load['label']}` from `{path}` ({source}): {load['n_inserted']:,} "
            f"new events, {load['n_duplicate']:,} duplicates, {load['n_quarantined']:,} "
            f"quarantined, {load['n_skipped']:,} files skipped (already ingested)"
        ]
        batches = load["batches"]
    else:
        load = simulate_flow(db=db, n_events=n_events, seed=seed)
        lines = [
            f"simulated `{load['label']}` (seed {seed}): {load['n_inserted']:,} new events, "
            f"{load['n_duplicate']:,} already in the log"
        ]
        batches = [load]
    analysis = analyze_flow(
        db=db,
        sources=[load["label"]],
        reports_dir=reports_dir,
        n_bootstrap=n_bootstrap,
        seed=seed,
        window=window,
        window_step=window_step,
        top_k=top_k,
        ngram=ngram,
        min_adopters=min_adopters,
        cp_nulls=cp_nulls,
        role_nulls=role_nulls,
        mesoscale_nulls=mesoscale_nulls,
        n_jobs=n_jobs,
        publish_artifacts=False,
    )
    publish_run_artifacts(
        title=f"netdyn pipeline run `{analysis['run_id']}`",
        lines=lines,
        analysis=analysis,
        batches=batches,
        description="netdyn pipeline run summary",
    )
    logger.info("pipeline done: report %s", analysis["report"])
    return {"load": load, "analysis": analysis}
