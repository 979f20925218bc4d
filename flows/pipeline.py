"""The pipeline flow: ingest real data (or simulate), then analyse and report.

Each pipeline run publishes one version of the artifacts ``netdyn-run-summary``,
``netdyn-powerlaw-fits`` and (when it ingests) ``netdyn-ingest-batches``; its nested flows
publish none of their own.
"""

from __future__ import annotations

from prefect import flow

from netdyn.core.errors import InvalidInputError
from netdyn.flows.analyze import analyze_flow, publish_run_artifacts
from netdyn.flows.engine import flow_logger, in_flow_run, step
from netdyn.flows.ingest import ingest_flow
from netdyn.flows.options import DEFAULT_ANALYSIS, AnalysisOptions, check_n_jobs
from netdyn.flows.simulate import simulate_flow
from netdyn.ingest.load import DEFAULT_MAX_REJECTED_SHARE

__all__ = ["pipeline_flow"]


@flow(name="netdyn-pipeline")
def pipeline_flow(
    db: str = "netdyn.duckdb",
    reports_dir: str = "reports",
    source: str | None = None,
    path: str | None = None,
    label: str | None = None,
    n_events: int = 100_000,
    max_rejected_share: float = DEFAULT_MAX_REJECTED_SHARE,
    force: bool = False,
    reader_options: dict[str, str] | None = None,
    options: AnalysisOptions = DEFAULT_ANALYSIS,
    n_jobs: int | None = None,
) -> dict:
    """Extract → validate → load → project → analyse → report, as one flow run.

    With ``source`` and ``path``, ingests that real data; with neither, simulates a platform
    of about ``n_events`` events seeded by ``options.seed``. Then analyses exactly the events
    it loaded (:func:`netdyn.flows.analyze.analyze_flow`).

    Parameters
    ----------
    db : str, default ``"netdyn.duckdb"``
        The DuckDB file of the event log.
    reports_dir : str, default ``"reports"``
        Folder of the HTML report.
    source, path : str, optional
        Format (a reader name) and file or folder of the real data to ingest; both or neither.
    label : str, optional
        Source label of the ingested events (default: the reader's).
    n_events : int, default 100,000
        Size of the simulation when nothing is ingested.
    max_rejected_share : float, default :data:`~netdyn.ingest.load.DEFAULT_MAX_REJECTED_SHARE`
        A batch rejecting a larger share of its records fails and stores nothing.
    force : bool, default False
        Re-read files already ingested (same SHA-256); otherwise they are skipped.
    reader_options : dict of str to str, optional
        Reader options (the ``table`` format's column mapping).
    options : AnalysisOptions, default :data:`~netdyn.flows.options.DEFAULT_ANALYSIS`
        The analysis options, passed whole to the analysis; its ``seed`` also seeds the
        simulation.
    n_jobs : int, optional
        Worker processes for the null models (None: one per core).

    Returns
    -------
    dict
        ``load`` (the ingest or simulate summary) and ``analysis`` (run id, report, counts).

    Raises
    ------
    InvalidInputError
        If only one of ``source`` and ``path`` is given, or ``n_jobs`` is unusable (checked
        before anything is loaded, so bad options never leave data loaded and unanalysed).
    """
    logger = flow_logger()
    if (source is None) != (path is None):
        raise InvalidInputError("give both --source and --path to ingest real data, or neither")
    check_n_jobs(n_jobs)
    seed = options.seed
    if source is not None and path is not None:
        load = step(
            ingest_flow,
            source=source,
            path=path,
            db=db,
            label=label,
            max_rejected_share=max_rejected_share,
            force=force,
            options=reader_options,
            publish_artifacts=False,
        )
        lines = [
            f"ingested `{load['label']}` from `{path}` ({source}): {load['n_inserted']:,} "
            f"new events, {load['n_duplicate']:,} duplicates, {load['n_quarantined']:,} "
            f"quarantined, {load['n_skipped']:,} files skipped (already ingested)"
        ]
        batches = load["batches"]
    else:
        load = step(simulate_flow, db=db, n_events=n_events, seed=seed)
        lines = [
            f"simulated `{load['label']}` (seed {seed}): {load['n_inserted']:,} new events, "
            f"{load['n_duplicate']:,} already in the log"
        ]
        batches = [load]
    analysis = step(
        analyze_flow,
        db=db,
        sources=[load["label"]],
        reports_dir=reports_dir,
        options=options,
        n_jobs=n_jobs,
        publish_artifacts=False,
    )
    if in_flow_run():
        publish_run_artifacts(
            title=f"netdyn pipeline run `{analysis['run_id']}`",
            lines=lines,
            analysis=analysis,
            batches=batches,
            description="netdyn pipeline run summary",
        )
    logger.info("pipeline done: report %s", analysis["report"])
    return {"load": load, "analysis": analysis}
