"""The compare flow: analyse several sources one by one (or reuse their analyses), then set
their results side by side."""

from __future__ import annotations

import json
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE

from netdyn.core.errors import InvalidInputError
from netdyn.flows.analyze import analysis_parameters, analyze_flow
from netdyn.flows.engine import flow_logger, in_flow_run, step
from netdyn.flows.options import DEFAULT_ANALYSIS, AnalysisOptions, check_n_jobs
from netdyn.report.compare import write_compare_report
from netdyn.results.comparison import write_comparison
from netdyn.store.db import connect
from netdyn.store.runs import data_fingerprint, package_versions, recorded_run

__all__ = ["compare_flow", "reusable_analysis"]


def reusable_analysis(con: Any, source: str, parameters: dict[str, Any]) -> str | None:
    """The newest completed analysis of exactly ``source`` whose results a new one would repeat.

    That is an ``analyze`` run over ``[source]`` alone, completed, with the same
    ``parameters`` as :func:`netdyn.flows.analyze.analysis_parameters` gives (``reports_dir``
    aside: every analysis option of :meth:`AnalysisOptions.to_parameters
    <netdyn.flows.options.AnalysisOptions.to_parameters>` counts), the same data fingerprint
    as the source has now (no event appended since) and the same package versions (netdyn's
    included). Every analysis is a function of the events and the parameters (seeded), so
    its tables are what a new run would write.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        An open connection to the database.
    source : str
        The source label.
    parameters : dict
        The ``runs.parameters`` a new analysis would record
        (:func:`~netdyn.flows.analyze.analysis_parameters`).

    Returns
    -------
    str or None
        The run id, or None when no run qualifies.
    """
    _, fingerprint = data_fingerprint(con, [source])
    wanted = json.loads(json.dumps({k: v for k, v in parameters.items() if k != "reports_dir"}))
    rows = con.execute(
        """
        select run_id, parameters, package_versions from runs
        where flow = 'analyze' and status = 'completed' and sources = [?]
          and data_fingerprint = ?
        order by finished_at desc
        """,
        [source, fingerprint],
    ).fetchall()
    versions = json.loads(json.dumps(package_versions()))
    for run_id, stored, stored_versions in rows:
        stored = json.loads(stored) if isinstance(stored, str) else stored
        if isinstance(stored_versions, str):
            stored_versions = json.loads(stored_versions)
        same = {k: v for k, v in (stored or {}).items() if k != "reports_dir"} == wanted
        if same and stored_versions == versions:
            return run_id
    return None


@task(cache_policy=NONE)
def find_reusable_task(db: str, source: str, parameters: dict[str, Any]) -> str | None:
    con = connect(db)
    try:
        return reusable_analysis(con, source, parameters)
    finally:
        con.close()


@task(cache_policy=NONE)
def comparison_task(db: str, run_id: str, analyses: dict[str, str]) -> dict:
    con = connect(db)
    try:
        return write_comparison(con, run_id, analyses)
    finally:
        con.close()


@task(cache_policy=NONE, retries=1, retry_delay_seconds=2)
def compare_report_task(db: str, run_id: str, reports_dir: str) -> str:
    con = connect(db)
    try:
        return str(write_compare_report(con, run_id, reports_dir))
    finally:
        con.close()


@flow(name="netdyn-compare")
def compare_flow(
    sources: list[str],
    db: str = "netdyn.duckdb",
    reports_dir: str = "reports",
    options: AnalysisOptions = DEFAULT_ANALYSIS,
    n_jobs: int | None = None,
    reuse: bool = True,
) -> dict:
    """Analyse each of ``sources`` in a run of its own, then compare them (the first is the
    reference) in a compare run: ``comparison_statistics``, ``comparison_distances`` and a
    report ``<reports_dir>/<run_id>.html`` with overlaid CCDFs.

    Parameters
    ----------
    sources : list of str
        At least two distinct source labels; the first is the reference.
    db : str, default ``"netdyn.duckdb"``
        The DuckDB file of the event log.
    reports_dir : str, default ``"reports"``
        Folder of the HTML reports.
    options : AnalysisOptions, default :data:`~netdyn.flows.options.DEFAULT_ANALYSIS`
        The options of every analysis (:func:`netdyn.flows.analyze.analyze_flow`), passed
        whole; the compare run records them too.
    n_jobs : int, optional
        Worker processes for the null models (None: one per core).
    reuse : bool, default True
        A source whose events are unchanged since a completed analysis with the same options
        (every field of ``options``) is not analysed again: that run is compared
        (:func:`reusable_analysis`); ``reused`` in the result lists them.

    Returns
    -------
    dict
        ``run_id``, ``analyses`` (source -> analyze run id), ``reused``, ``report`` and the
        comparison counts.

    Raises
    ------
    InvalidInputError
        With fewer than two distinct sources, or an unusable ``n_jobs``.
    """
    distinct = list(dict.fromkeys(sources))
    if len(distinct) < 2:
        raise InvalidInputError("compare needs at least two distinct sources, e.g. REAL NULL")
    check_n_jobs(n_jobs)
    logger = flow_logger()
    analyses, reused = {}, []
    for source in distinct:
        if reuse:
            parameters = analysis_parameters([source], options, reports_dir=reports_dir)
            previous = step(find_reusable_task, db, source, parameters)
            if previous is not None:
                logger.info(
                    "%s: reusing analyze run %s (same events, same options)", source, previous
                )
                analyses[source] = previous
                reused.append(source)
                continue
        result = step(
            analyze_flow,
            db=db,
            sources=[source],
            reports_dir=reports_dir,
            options=options,
            n_jobs=n_jobs,
        )
        analyses[source] = result["run_id"]
    parameters = {
        "sources": distinct,
        "analyses": analyses,
        "reused": reused,
        **options.to_parameters(),
    }
    with recorded_run(db, flow="compare", parameters=parameters, sources=distinct) as run:
        counts = step(comparison_task, db, run.run_id, analyses)
        report = run.report_path = step(compare_report_task, db, run.run_id, reports_dir)
    logger.info("compare run %s: %s; report %s", run.run_id, counts, report)
    if in_flow_run():
        create_markdown_artifact(
            key="netdyn-compare-summary",
            markdown=(
                f"# netdyn comparison `{run.run_id}`\n\n"
                + "".join(f"* `{s}`: analyze run `{r}`\n" for s, r in analyses.items())
                + f"* report: `{report}`\n"
            ),
            description="netdyn comparison summary",
        )
    return {
        "run_id": run.run_id,
        "analyses": analyses,
        "reused": reused,
        "report": report,
        **counts,
    }
