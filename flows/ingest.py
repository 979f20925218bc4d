"""The ingest flow: discover input units, then append each one as a batch (one task each)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NONE

from ingest.load import DEFAULT_MAX_REJECTED_SHARE
from ingest.load import ingest_unit as load_unit
from ingest.readers import get_reader
from netdyn.db import connect
from netdyn.errors import EventLogError, InvalidInputError, NetDynError
from netdyn.runs import recorded_run

__all__ = ["ingest_flow", "discover_inputs", "ingest_unit"]


@task(cache_policy=NONE)
def discover_inputs(source: str, path: str, options: dict[str, str] | None = None) -> list[str]:
    """The input units under ``path`` for the reader ``source`` (files, or one archive)."""
    spec = get_reader(source, options)
    p = Path(path)
    if not p.exists():
        raise InvalidInputError(f"path {p} does not exist; pass the file or folder to ingest")
    return [str(u) for u in spec.inputs(p)]


def _retry_unless_bad_input(task, task_run, state) -> bool:
    """Retry I/O and database hiccups, not inputs that will fail the same way again."""
    try:
        state.result()
    except NetDynError as e:
        return isinstance(e, EventLogError)
    except Exception:
        return True
    return False


@task(
    cache_policy=NONE,
    retries=2,
    retry_delay_seconds=[2, 10],
    retry_condition_fn=_retry_unless_bad_input,
)
def ingest_unit(
    db: str,
    source: str,
    unit: str,
    label: str,
    max_rejected_share: float,
    force: bool = False,
    options: dict[str, str] | None = None,
) -> list[dict]:
    """Read one input unit and append it as batches; safe to retry (appends are idempotent)."""
    spec = get_reader(source, options)
    con = connect(db)
    try:
        results = load_unit(
            con,
            spec,
            Path(unit),
            source=label,
            max_rejected_share=max_rejected_share,
            force=force,
        )
        return [asdict(r) for r in results]
    finally:
        con.close()


@flow(name="netdyn-ingest")
def ingest_flow(
    source: str,
    path: str,
    db: str = "netdyn.duckdb",
    label: str | None = None,
    max_rejected_share: float = DEFAULT_MAX_REJECTED_SHARE,
    force: bool = False,
    options: dict[str, str] | None = None,
) -> dict:
    """Ingest a file or folder in format ``source`` into the event log.

    Parameters
    ----------
    source : str
        Reader name (:data:`ingest.readers.READERS`): ``twitter15-16``, ``moltbook-api``,
        ``moltbook-observatory``, ``edgelist``, ``table``, ``scholp``.
    path : str
        File or folder to read.
    db : str
        DuckDB file of the event log.
    label : str, optional
        ``source`` label of the events (default: the reader's).
    max_rejected_share : float
        A batch rejecting a larger share of its records fails and stores nothing.
    force : bool
        Re-read files whose content (SHA-256) was already committed; by default they are
        skipped without reading.
    options : dict of str to str, optional
        Reader options, e.g. the column mapping of the ``table`` format.

    Returns
    -------
    dict
        ``label``, ``run_id`` and ``batches`` (one dict of counts per batch).
    """
    logger = get_run_logger()
    spec = get_reader(source, options)
    label = label or spec.default_label(Path(path))
    parameters = {
        "source": source,
        "path": path,
        "label": label,
        "force": force,
        "max_rejected_share": max_rejected_share,
        "options": options or {},
    }
    with recorded_run(
        db, flow="ingest", parameters=parameters, sources=[label], sources_grow=True
    ) as run:
        batches: list[dict] = []
        for unit in discover_inputs(source, path, options):
            batches.extend(ingest_unit(db, source, unit, label, max_rejected_share, force, options))
    run_id = run.run_id
    totals = {
        k: sum(b[k] for b in batches)
        for k in ("n_read", "n_inserted", "n_duplicate", "n_quarantined")
    }
    totals["n_skipped"] = sum(b["status"] == "skipped" for b in batches)
    logger.info("ingested %s from %s: %s", label, path, totals)
    create_table_artifact(
        key="netdyn-ingest-batches",
        table=[
            {
                k: b[k]
                for k in (
                    "batch_id",
                    "status",
                    "uri",
                    "n_read",
                    "n_inserted",
                    "n_duplicate",
                    "n_quarantined",
                )
            }
            for b in batches
        ],
        description=f"Batches of {label} ingested from {path}",
    )
    return {"label": label, "run_id": run_id, "batches": batches, **totals}
