"""The compare flow: analyse several sources one by one, then set their results side by side."""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE

from flows.analyze import analyze_flow
from netdyn.compare import write_compare_report, write_comparison
from netdyn.db import connect
from netdyn.errors import InvalidInputError
from netdyn.runs import recorded_run

__all__ = ["compare_flow"]


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
    n_bootstrap: int = 200,
    seed: int = 0,
    window: str = "1d",
    cp_nulls: int = 100,
    role_nulls: int = 10,
    mesoscale_nulls: int = 20,
) -> dict:
    """Analyse each of ``sources`` in a run of its own, then compare them (the first is the
    reference) in a compare run: ``comparison_statistics``, ``comparison_distances`` and a
    report ``<reports_dir>/<run_id>.html`` with overlaid CCDFs. The null counts are passed to
    each analysis (:func:`flows.analyze.analyze_flow`).

    Raises
    ------
    InvalidInputError
        With fewer than two distinct sources.
    """
    distinct = list(dict.fromkeys(sources))
    if len(distinct) < 2:
        raise InvalidInputError("compare needs at least two distinct sources, e.g. REAL NULL")
    logger = get_run_logger()
    analyses = {}
    for source in distinct:
        result = analyze_flow(
            db=db,
            sources=[source],
            reports_dir=reports_dir,
            n_bootstrap=n_bootstrap,
            seed=seed,
            window=window,
            cp_nulls=cp_nulls,
            role_nulls=role_nulls,
            mesoscale_nulls=mesoscale_nulls,
        )
        analyses[source] = result["run_id"]
    parameters = {"sources": distinct, "analyses": analyses, "n_bootstrap": n_bootstrap}
    with recorded_run(db, flow="compare", parameters=parameters, sources=distinct) as run:
        counts = comparison_task(db, run.run_id, analyses)
        report = run.report_path = compare_report_task(db, run.run_id, reports_dir)
    logger.info("compare run %s: %s; report %s", run.run_id, counts, report)
    create_markdown_artifact(
        key="netdyn-compare-summary",
        markdown=(
            f"# netdyn comparison `{run.run_id}`\n\n"
            + "".join(f"* `{s}`: analyze run `{r}`\n" for s, r in analyses.items())
            + f"* report: `{report}`\n"
        ),
        description="netdyn comparison summary",
    )
    return {"run_id": run.run_id, "analyses": analyses, "report": report, **counts}
