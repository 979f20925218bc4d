"""The analyze flow: project cascades and actor metrics, fit power laws, write the report.

Every top-level run publishes its summary as Prefect artifacts under stable keys, so the
versions of one key line up run after run in the UI (Artifacts → key): the markdown
``netdyn-run-summary`` and the tables ``netdyn-powerlaw-fits`` and, for runs that load data,
``netdyn-ingest-batches`` (:func:`publish_run_artifacts`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NONE

from netdyn.core.errors import InvalidInputError
from netdyn.flows.engine import flow_logger, in_flow_run, step
from netdyn.flows.ingest import batch_table, io_retry_options, plain_rows
from netdyn.flows.options import DEFAULT_ANALYSIS, AnalysisOptions, check_n_jobs
from netdyn.report.run_report import write_report
from netdyn.results.cascades import write_actor_metrics, write_cascades
from netdyn.results.contagion import (
    content_adoptions,
    thread_adoptions,
    write_content_cascades,
    write_exposure,
)
from netdyn.results.elites import write_elites
from netdyn.results.heavy_tails import write_powerlaw_fits
from netdyn.results.structure import write_structure
from netdyn.results.windows import write_windows
from netdyn.store.db import connect
from netdyn.store.projections import advance_all
from netdyn.store.runs import recorded_run

__all__ = [
    "analyze_flow",
    "analysis_parameters",
    "publish_run_artifacts",
    "fits_table",
    "FIT_COLUMNS",
    "SUMMARY_KEY",
    "FITS_KEY",
    "BATCHES_KEY",
]

#: Artifact keys (lowercase letters, digits and dashes, as Prefect requires).
SUMMARY_KEY = "netdyn-run-summary"
FITS_KEY = "netdyn-powerlaw-fits"
BATCHES_KEY = "netdyn-ingest-batches"

#: Columns of the ``netdyn-powerlaw-fits`` table artifact (as in ``powerlaw_fits``).
FIT_COLUMNS = (
    "run_id",
    "quantity",
    "status",
    "n",
    "n_tail",
    "xmin",
    "alpha",
    "sigma",
    "ks_distance",
    "p_value",
)


def fits_table(run_id: str, fits: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows of the ``netdyn-powerlaw-fits`` artifact: one per fitted quantity, plain JSON."""
    return plain_rows(({**f, "run_id": run_id} for f in fits), FIT_COLUMNS)


def publish_run_artifacts(
    *,
    title: str,
    lines: Sequence[str] = (),
    analysis: Mapping[str, Any] | None = None,
    batches: Sequence[Mapping[str, Any]] | None = None,
    description: str = "netdyn run summary",
) -> None:
    """Publish a run's summary as Prefect artifacts with stable keys.

    Parameters
    ----------
    title : str
        Heading of the markdown summary.
    lines : sequence of str, keyword-only
        Bullet points describing the load step (what was ingested, simulated or skipped).
    analysis : mapping, optional, keyword-only
        The result of :func:`analyze_flow`; its bullet points and power-law fits are
        published (``netdyn-powerlaw-fits``). None when the run did not analyse.
    batches : sequence of mapping, optional, keyword-only
        Batch dicts (:class:`netdyn.store.eventlog.BatchResult` fields) to publish as
        ``netdyn-ingest-batches``; None publishes no batch table, an empty list an empty one.
    description : str, keyword-only
        Description of the markdown artifact.

    Notes
    -----
    Call it once per top-level flow run: nested flows are called with
    ``publish_artifacts=False`` so that each key gets exactly one version per run.
    """
    markdown = f"# {title}\n\n" + "".join(f"* {line}\n" for line in lines)
    if analysis is not None:
        markdown += analysis["summary_markdown"]
        create_table_artifact(
            key=FITS_KEY,
            table=fits_table(analysis["run_id"], analysis["fits"]),
            description=f"Power-law fits of run {analysis['run_id']}",
        )
    if batches is not None:
        create_table_artifact(
            key=BATCHES_KEY, table=batch_table(batches), description=f"Batches of: {title}"
        )
    create_markdown_artifact(key=SUMMARY_KEY, markdown=markdown, description=description)


def _sources(db: str, sources: list[str] | None) -> list[str]:
    con = connect(db)
    try:
        known = [
            r[0]
            for r in con.execute("select distinct source from events order by source").fetchall()
        ]
    finally:
        con.close()
    if not sources:
        if not known:
            raise InvalidInputError(
                f"the event log {db} is empty; ingest data first (netdyn ingest) or simulate"
            )
        return known
    unknown = sorted(set(sources) - set(known))
    if unknown:
        raise InvalidInputError(f"no events with source {unknown} in {db}; known sources: {known}")
    return list(sources)


@task(cache_policy=NONE, **io_retry_options())
def projections_task(db: str) -> dict:
    """Advance every projection from its last consumed event to the log head."""
    con = connect(db)
    try:
        return {name: adv.to_event_seq for name, adv in advance_all(con).items()}
    finally:
        con.close()


@task(cache_policy=NONE)
def cascades_task(db: str, run_id: str, sources: list[str]) -> dict:
    con = connect(db)
    try:
        return write_cascades(con, run_id, sources)
    finally:
        con.close()


@task(cache_policy=NONE)
def actor_metrics_task(db: str, run_id: str, sources: list[str]) -> dict:
    con = connect(db)
    try:
        return write_actor_metrics(con, run_id, sources)
    finally:
        con.close()


@task(cache_policy=NONE)
def powerlaw_task(db: str, run_id: str, n_bootstrap: int, seed: int) -> list[dict]:
    con = connect(db)
    try:
        return write_powerlaw_fits(con, run_id, n_resamples=n_bootstrap, seed=seed).to_dicts()
    finally:
        con.close()


@task(cache_policy=NONE)
def elites_task(db: str, run_id: str, n_bootstrap: int, seed: int) -> dict:
    con = connect(db)
    try:
        return write_elites(con, run_id, n_bootstrap=n_bootstrap, seed=seed)
    finally:
        con.close()


@task(cache_policy=NONE)
def windows_task(db: str, run_id: str, options: AnalysisOptions) -> dict:
    """Per-window statistics over ``options.window`` / ``window_step``, elites of ``top_k``."""
    con = connect(db)
    try:
        return write_windows(con, run_id, options.window_spec(), top_k=options.top_k)
    finally:
        con.close()


@task(cache_policy=NONE)
def content_task(db: str, run_id: str, options: AnalysisOptions) -> dict:
    """Content cascades: n-grams, URLs, hashtags and code blocks adopted by several actors."""
    con = connect(db)
    try:
        return write_content_cascades(con, run_id, options.content_params())
    finally:
        con.close()


@task(cache_policy=NONE)
def exposure_task(db: str, run_id: str, options: AnalysisOptions = DEFAULT_ANALYSIS) -> dict:
    """Exposure-response and Cox hazard ratio for joining threads and adopting content, on a
    sample of contagions above ``options.exposure_max_pairs`` pairs."""
    con = connect(db)
    try:
        contagions = {"reply_thread": thread_adoptions(con, run_id)}
        content = content_adoptions(con, run_id)
        if content.height:
            contagions["content"] = content
        return write_exposure(
            con,
            run_id,
            contagions,
            max_pairs=options.exposure_pair_limit(),
            seed=options.seed,
        )
    finally:
        con.close()


@task(cache_policy=NONE)
def structure_task(
    db: str, run_id: str, options: AnalysisOptions, n_jobs: int | None = None
) -> dict:
    """Core-periphery (with its null test), rich club, structural roles and mesoscale
    profiles, with the null counts and the mesoscale window of ``options``."""
    con = connect(db)
    try:
        return write_structure(
            con,
            run_id,
            cp_nulls=options.cp_nulls,
            role_nulls=options.role_nulls,
            rich_club_nulls=options.rich_club_nulls,
            mesoscale_nulls=options.mesoscale_nulls,
            window=options.mesoscale_window_spec(),
            betweenness_exact_max_actors=options.betweenness_exact_max_actors,
            betweenness_pivots=options.betweenness_pivots,
            role_fit_actors=options.role_fit_actors or None,
            reach_max_targets=options.reach_max_targets or None,
            seed=options.seed,
            n_jobs=n_jobs,
        )
    finally:
        con.close()


@task(cache_policy=NONE, **io_retry_options())
def report_task(db: str, run_id: str, reports_dir: str) -> str:
    con = connect(db)
    try:
        return str(write_report(con, run_id, reports_dir))
    finally:
        con.close()


def analysis_parameters(
    sources: Sequence[str], options: AnalysisOptions, *, reports_dir: str
) -> dict[str, Any]:
    """The ``runs.parameters`` of an analysis of ``sources`` with the analysis ``options``.

    What decides its results, so two analyses of unchanged events with equal parameters
    (``reports_dir`` aside) have equal results (:func:`netdyn.flows.compare.reusable_analysis`).

    Parameters
    ----------
    sources : sequence of str
        The source labels analysed.
    options : AnalysisOptions
        The analysis options.
    reports_dir : str, keyword-only
        The report folder (recorded, but not compared for reuse).

    Returns
    -------
    dict
        ``sources``, ``reports_dir`` and :meth:`AnalysisOptions.to_parameters
        <netdyn.flows.options.AnalysisOptions.to_parameters>`.
    """
    return {"sources": list(sources), "reports_dir": reports_dir, **options.to_parameters()}


@flow(name="netdyn-analyze")
def analyze_flow(
    db: str = "netdyn.duckdb",
    sources: list[str] | None = None,
    reports_dir: str = "reports",
    options: AnalysisOptions = DEFAULT_ANALYSIS,
    n_jobs: int | None = None,
    publish_artifacts: bool = True,
) -> dict:
    """Analyse the events of ``sources`` (default: every source in the log) as one run.

    Writes the result tables (cascades, actor metrics, power-law fits and comparisons,
    windows, concentration, attachment kernel, largest-cascade scaling, persistence, content
    cascades, exposure, core-periphery, rich club, roles, mesoscale profiles, ...) keyed by a
    new ``run_id``, records the run in ``runs`` (``parameters``:
    :func:`analysis_parameters`), and writes ``<reports_dir>/<run_id>.html``.

    Parameters
    ----------
    db : str, default ``"netdyn.duckdb"``
        The DuckDB file of the event log.
    sources : list of str, optional
        Source labels to analyse together; None: every source in the log.
    reports_dir : str, default ``"reports"``
        Folder of the HTML report.
    options : AnalysisOptions, default :data:`~netdyn.flows.options.DEFAULT_ANALYSIS`
        Every option that decides the results: bootstrap resamples, windows, elite size,
        content-cascade parameters, null counts, seed
        (:class:`~netdyn.flows.options.AnalysisOptions`). Prefect also accepts a mapping of
        its fields (a deployment's JSON parameters); absent fields take their defaults.
    n_jobs : int, optional
        Worker processes for the null models (None or -1: one per core; 1: in this process,
        much faster for small graphs, where starting workers costs more than the nulls).
        Results do not depend on it.
    publish_artifacts : bool, default True
        Publish ``netdyn-run-summary`` and ``netdyn-powerlaw-fits``
        (:func:`publish_run_artifacts`); a parent flow that publishes its own passes False.

    Returns
    -------
    dict
        ``run_id``, ``report`` (path), ``sources``, the counts of each step, ``fits`` (one
        dict per fitted quantity) and ``summary_markdown`` (the summary's bullet points).

    Raises
    ------
    InvalidInputError
        If the log is empty, a source is unknown or ``n_jobs`` is unusable, before the run
        starts. (Bad analysis options never get here: the object refuses them when built,
        and Prefect refuses a mapping that does not validate.)
    """
    logger = flow_logger()
    sources = _sources(db, sources)
    # fail on bad arguments before the run starts
    check_n_jobs(n_jobs)
    parameters = analysis_parameters(sources, options, reports_dir=reports_dir)
    spec = options.window_spec()
    with recorded_run(db, flow="analyze", parameters=parameters, sources=sources) as run:
        run_id = run.run_id
        step(projections_task, db)
        cascade_counts = step(cascades_task, db, run_id, sources)
        actor_counts = step(actor_metrics_task, db, run_id, sources)
        content_counts = step(content_task, db, run_id, options)
        fits = step(powerlaw_task, db, run_id, options.n_bootstrap, options.seed)
        step(elites_task, db, run_id, options.n_bootstrap, options.seed)
        window_counts = step(windows_task, db, run_id, options)
        exposure = step(exposure_task, db, run_id, options)
        structure = step(structure_task, db, run_id, options, n_jobs)
        report = run.report_path = step(report_task, db, run_id, reports_dir)
    logger.info("run %s: %s, %s; report %s", run_id, cascade_counts, actor_counts, report)
    summary = (
        f"* analysis run: `{run_id}`\n"
        f"* sources: {', '.join(f'`{s}`' for s in sources)}\n"
        f"* cascades: {cascade_counts['n_cascades']:,} "
        f"(orphan events {cascade_counts['n_orphan_nodes']:,})\n"
        f"* actors: {actor_counts['n_actors']:,}, edges: {actor_counts['n_edges']:,}\n"
        f"* windows: {window_counts['n_windows']:,} ({spec.kind}, "
        f"{spec.width_seconds:g} s)\n"
        + f"* content cascades: {content_counts['n_cascades']:,}\n"
        + "".join(
            f"* core-periphery ({model}): rho {rho:.3g}, p {p:.3g}\n"
            for model, (rho, p) in structure["core_periphery"].items()
            if rho is not None and p is not None
        )
        + "".join(
            f"* {kind}: hazard ratio per extra exposure {e['hazard_ratio']:.3g} "
            f"({e['status']}, {e['n_adoptions']:,} adoptions)\n"
            for kind, e in exposure.items()
            if e["hazard_ratio"] is not None
        )
        + f"* report: `{report}`\n"
    )
    result = {
        "run_id": run_id,
        "report": report,
        "sources": sources,
        **cascade_counts,
        **actor_counts,
        "fits": fits,
        "summary_markdown": summary,
    }
    if publish_artifacts and in_flow_run():
        publish_run_artifacts(
            title=f"netdyn run `{run_id}`",
            analysis=result,
            description="netdyn analysis run summary",
        )
    return result
