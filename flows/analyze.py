"""The analyze flow: project cascades and actor metrics, fit power laws, write the report.

Every top-level run publishes its summary as Prefect artifacts under stable keys, so the
versions of one key line up run after run in the UI (Artifacts → key): the markdown
``netdyn-run-summary`` and the tables ``netdyn-powerlaw-fits`` and, for runs that load data,
``netdyn-ingest-batches`` (:func:`publish_run_artifacts`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NONE

from analytics.content_cascades import ContentParams
from analytics.windows import WindowSpec
from flows.ingest import batch_table, io_retry_options, plain_rows
from netdyn.db import connect
from netdyn.errors import InvalidInputError
from netdyn.projections import advance_all
from netdyn.report import write_report
from netdyn.results import write_actor_metrics, write_cascades, write_powerlaw_fits
from netdyn.runs import recorded_run
from netdyn.spreading import (
    content_adoptions,
    thread_adoptions,
    write_content_cascades,
    write_elites,
    write_exposure,
    write_windows,
)
from netdyn.structure import write_structure

__all__ = [
    "analyze_flow",
    "analysis_parameters",
    "check_analysis_options",
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
        Batch dicts (:class:`netdyn.eventlog.BatchResult` fields) to publish as
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


def check_analysis_options(
    *,
    n_bootstrap: int,
    top_k: int,
    ngram: int,
    min_adopters: int,
    cp_nulls: int,
    role_nulls: int,
    mesoscale_nulls: int,
    window: str,
    window_step: str | None,
    mesoscale_window: str,
    n_jobs: int | None = None,
) -> None:
    """Refuse bad analysis options before anything runs (a flow that loads data first calls
    it before loading, so bad options never leave data loaded and unanalysed).

    Raises
    ------
    InvalidInputError
        If a count is below its minimum, ``n_jobs`` is not None, -1 or >= 1, or a window or
        the content parameters do not parse; the message names the option to change.
    """
    if n_jobs is not None and n_jobs != -1 and n_jobs < 1:
        raise InvalidInputError(f"n_jobs must be >= 1, or -1 / None for every core; got {n_jobs}")
    for name, value, minimum in (
        ("cp_nulls", cp_nulls, 0),
        ("role_nulls", role_nulls, 1),
        ("mesoscale_nulls", mesoscale_nulls, 2),
        ("n_bootstrap", n_bootstrap, 0),
        ("top_k", top_k, 1),
    ):
        if value < minimum:
            raise InvalidInputError(
                f"--{name.replace('_', '-')} must be at least {minimum}; got {value}"
            )
    WindowSpec.parse(window, window_step)
    WindowSpec.parse(mesoscale_window)
    ContentParams(n=ngram, min_adopters=min_adopters)


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
def windows_task(db: str, run_id: str, window: str, window_step: str | None, top_k: int) -> dict:
    con = connect(db)
    try:
        return write_windows(con, run_id, WindowSpec.parse(window, window_step), top_k=top_k)
    finally:
        con.close()


@task(cache_policy=NONE)
def content_task(db: str, run_id: str, ngram: int, min_adopters: int) -> dict:
    """Content cascades: n-grams, URLs, hashtags and code blocks adopted by several actors."""
    con = connect(db)
    try:
        params = ContentParams(n=ngram, min_adopters=min_adopters)
        return write_content_cascades(con, run_id, params)
    finally:
        con.close()


@task(cache_policy=NONE)
def exposure_task(db: str, run_id: str) -> dict:
    """Exposure-response and Cox hazard ratio for joining threads and adopting content."""
    con = connect(db)
    try:
        contagions = {"reply_thread": thread_adoptions(con, run_id)}
        content = content_adoptions(con, run_id)
        if content.height:
            contagions["content"] = content
        return write_exposure(con, run_id, contagions)
    finally:
        con.close()


@task(cache_policy=NONE)
def structure_task(
    db: str,
    run_id: str,
    cp_nulls: int,
    role_nulls: int,
    mesoscale_nulls: int,
    mesoscale_window: str,
    seed: int,
    n_jobs: int | None = None,
) -> dict:
    """Core-periphery (with its null test), structural roles and mesoscale profiles."""
    con = connect(db)
    try:
        return write_structure(
            con,
            run_id,
            cp_nulls=cp_nulls,
            role_nulls=role_nulls,
            mesoscale_nulls=mesoscale_nulls,
            window=WindowSpec.parse(mesoscale_window),
            seed=seed,
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
    sources: Sequence[str],
    *,
    reports_dir: str = "reports",
    n_bootstrap: int = 200,
    seed: int = 0,
    window: str = "1d",
    window_step: str | None = None,
    top_k: int = 10,
    ngram: int = 3,
    min_adopters: int = 2,
    cp_nulls: int = 100,
    role_nulls: int = 10,
    mesoscale_nulls: int = 20,
    mesoscale_window: str = "7d",
) -> dict[str, Any]:
    """The ``runs.parameters`` of an analysis with these options (defaults: those of
    :func:`analyze_flow`): what decides its results, so two analyses of unchanged events
    with equal parameters (``reports_dir`` aside) have equal results.

    Raises
    ------
    InvalidInputError
        If a window or the content parameters do not parse.
    """
    spec = WindowSpec.parse(window, window_step)
    content_params = ContentParams(n=ngram, min_adopters=min_adopters)
    return {
        "sources": list(sources),
        "reports_dir": reports_dir,
        "n_bootstrap": n_bootstrap,
        "seed": seed,
        "window": spec.to_dict(),
        "top_k": top_k,
        "content": {k: v for k, v in content_params.to_dict().items() if k != "stopwords"}
        | {"stopwords": f"{len(content_params.stopwords)} words (analytics.content_cascades)"},
        "nulls": {"core_periphery": cp_nulls, "roles": role_nulls, "mesoscale": mesoscale_nulls},
        "mesoscale_window": WindowSpec.parse(mesoscale_window).to_dict(),
    }


@flow(name="netdyn-analyze")
def analyze_flow(
    db: str = "netdyn.duckdb",
    sources: list[str] | None = None,
    reports_dir: str = "reports",
    n_bootstrap: int = 200,
    seed: int = 0,
    window: str = "1d",
    window_step: str | None = None,
    top_k: int = 10,
    ngram: int = 3,
    min_adopters: int = 2,
    cp_nulls: int = 100,
    role_nulls: int = 10,
    mesoscale_nulls: int = 20,
    mesoscale_window: str = "7d",
    n_jobs: int | None = None,
    publish_artifacts: bool = True,
) -> dict:
    """Analyse the events of ``sources`` (default: every source in the log) as one run.

    Writes the result tables (cascades, actor metrics, power-law fits and comparisons,
    windows, concentration, attachment kernel, largest-cascade scaling, persistence, ...)
    keyed by a new ``run_id``, records the run in ``runs``, and writes
    ``<reports_dir>/<run_id>.html``. ``n_bootstrap`` resamples (seeded by ``seed``) give each
    power-law fit its goodness-of-fit p-value and the attachment exponent its interval; 0
    skips them. ``window`` / ``window_step`` (durations such as ``"1d"``, ``"6h"``; no step
    means tumbling windows) cut time for the per-window statistics; ``top_k`` is the elite
    size whose persistence between windows is measured. ``ngram`` (word n-gram length) and
    ``min_adopters`` (distinct actors needed) define the content cascades. ``cp_nulls``,
    ``role_nulls`` and ``mesoscale_nulls`` are the numbers of degree-preserving null graphs
    behind the core-periphery p-values, the role silhouette baseline and the community
    z-scores; ``mesoscale_window`` (tumbling) cuts time for the per-window community profiles.
    ``n_jobs`` worker processes compute those nulls (None: one per core; 1: in this process,
    much faster for small graphs, where starting workers costs more than the nulls; results
    do not depend on it).
    ``publish_artifacts`` publishes ``netdyn-run-summary`` and ``netdyn-powerlaw-fits``
    (:func:`publish_run_artifacts`); a parent flow that publishes its own passes False.

    Returns
    -------
    dict
        ``run_id``, ``report`` (path), ``sources``, the counts of each step, ``fits`` (one
        dict per fitted quantity) and ``summary_markdown`` (the summary's bullet points).
    """
    logger = get_run_logger()
    sources = _sources(db, sources)
    # fail on bad arguments before the run starts
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
        mesoscale_window=mesoscale_window,
        n_jobs=n_jobs,
    )
    parameters = analysis_parameters(
        sources,
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
        mesoscale_window=mesoscale_window,
    )
    spec = WindowSpec.parse(window, window_step)
    with recorded_run(db, flow="analyze", parameters=parameters, sources=sources) as run:
        run_id = run.run_id
        projections_task(db)
        cascade_counts = cascades_task(db, run_id, sources)
        actor_counts = actor_metrics_task(db, run_id, sources)
        content_counts = content_task(db, run_id, ngram, min_adopters)
        fits = powerlaw_task(db, run_id, n_bootstrap, seed)
        elites_task(db, run_id, n_bootstrap, seed)
        window_counts = windows_task(db, run_id, window, window_step, top_k)
        exposure = exposure_task(db, run_id)
        structure = structure_task(
            db, run_id, cp_nulls, role_nulls, mesoscale_nulls, mesoscale_window, seed, n_jobs
        )
        report = run.report_path = report_task(db, run_id, reports_dir)
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
    if publish_artifacts:
        publish_run_artifacts(
            title=f"netdyn run `{run_id}`",
            analysis=result,
            description="netdyn analysis run summary",
        )
    return result
