"""The notebook API: open a database, ingest, analyse, read any table as a polars DataFrame.

``import netdyn`` exposes these names (loaded on first use, so ``import netdyn`` stays cheap):

>>> import netdyn
>>> sorted(netdyn.__all__)
['AnalysisOptions', 'analyze', 'connect', 'ingest_path', 'read_table', 'tables']

A session in a notebook::

    import netdyn

    netdyn.ingest_path("CollegeMsg.txt.gz", "edgelist", db="college.duckdb")
    run = netdyn.analyze(db="college.duckdb", options=netdyn.AnalysisOptions(cp_nulls=20))
    fits = netdyn.read_table("powerlaw_fits", db="college.duckdb", run_id=run["run_id"])

Ingesting is a library call (no Prefect); analysing runs the ``netdyn-analyze`` Prefect flow
(:func:`netdyn.flows.analyze.analyze_flow`), as ``netdyn analyze`` does, so its run is recorded
in ``runs`` and its report written.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from netdyn.core.config import db_path, reports_dir
from netdyn.core.errors import InvalidInputError
from netdyn.flows.options import AnalysisOptions
from netdyn.store.db import connect as _connect
from netdyn.store.eventlog import BatchResult

if TYPE_CHECKING:
    import duckdb

__all__ = ["AnalysisOptions", "analyze", "connect", "ingest_path", "read_table", "tables"]

PathLike = str | os.PathLike[str]


def connect(db: PathLike | None = None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (and, unless ``read_only``, create and migrate) a netdyn database.

    Parameters
    ----------
    db : str or path-like, optional
        The DuckDB file; default ``$NETDYN_DB`` or ``./netdyn.duckdb``; ``":memory:"`` for a
        throw-away database.
    read_only : bool, default False
        Open without write access; nothing done through the connection can change the file.

    Returns
    -------
    duckdb.DuckDBPyConnection
        Close it when done (or use it in a ``with`` block); DuckDB allows one writer per file.

    Raises
    ------
    netdyn.core.errors.SchemaError
        If the database was written by a newer netdyn, or a migration fails.
    netdyn.core.errors.DatabaseBusyError
        If another process holds the file's lock.

    Examples
    --------
    >>> con = connect(":memory:")
    >>> con.execute("select count(*) from events").fetchall()
    [(0,)]
    >>> con.close()
    """
    return _connect(str(db) if db is not None else None, read_only=read_only)


def ingest_path(
    path: PathLike,
    source_format: str,
    *,
    db: PathLike | None = None,
    label: str | None = None,
    options: Mapping[str, str] | None = None,
    force: bool = False,
) -> list[BatchResult]:
    """Read a file or folder in ``source_format`` and append it to the event log.

    Each input file is one batch, committed whole or not at all; bad records go to
    ``quarantine`` with a reason; a file whose content was already committed is skipped
    (unless ``force``). The same as ``netdyn ingest`` without Prefect.

    Parameters
    ----------
    path : str or path-like
        File or folder to read.
    source_format : str
        Reader name: ``twitter15-16``, ``moltbook-api``, ``moltbook-observatory``,
        ``edgelist``, ``table`` or ``scholp`` (:data:`netdyn.ingest.readers.READERS`).
    db : str or path-like, optional
        The database (as in :func:`connect`).
    label : str, optional
        ``source`` label of the events; default the reader's.
    options : mapping of str to str, optional
        Reader options, e.g. the column mapping of the ``table`` format.
    force : bool, default False
        Re-read files whose content was already committed.

    Returns
    -------
    list of netdyn.store.eventlog.BatchResult
        One per input file: ``batch_id``, ``source``, ``uri``, counts read, inserted,
        duplicate and quarantined, and ``status`` (``committed`` or ``skipped``).

    Raises
    ------
    netdyn.core.errors.InvalidInputError
        If the format is unknown, the path is missing, or a file is not in that format.
    netdyn.core.errors.RejectedShareError
        If a batch rejects more than the allowed share of its records (nothing is stored).
    """
    from netdyn.ingest.load import ingest_path as _ingest_path

    con = connect(db)
    try:
        return _ingest_path(
            con, source_format, Path(path), label=label, force=force, options=options
        )
    finally:
        con.close()


def analyze(
    db: PathLike | None = None,
    *,
    sources: Sequence[str] | None = None,
    options: AnalysisOptions | None = None,
    reports: PathLike | None = None,
    n_jobs: int | None = None,
) -> dict[str, Any]:
    """Analyse the events of ``sources`` as one run, store every result table, write its report.

    Parameters
    ----------
    db : str or path-like, optional
        The database (as in :func:`connect`).
    sources : sequence of str, optional
        Source labels to analyse together; default every source in the log.
    options : AnalysisOptions, optional
        Every analysis parameter (nulls, bootstrap, windows, seed, ...); default
        ``AnalysisOptions()``.
    reports : str or path-like, optional
        Folder of the HTML report; default ``$NETDYN_REPORTS`` or ``./reports``.
    n_jobs : int, optional
        Worker processes for the null models (None: one per core; 1: in this process). The
        results do not depend on it.

    Returns
    -------
    dict
        ``run_id``, ``report`` (path), ``sources``, the counts of each step and ``fits`` (one
        dict per fitted quantity), as :func:`netdyn.flows.analyze.analyze_flow` returns.

    Raises
    ------
    netdyn.core.errors.InvalidInputError
        If the log is empty or a source is not in it.
    """
    from netdyn.flows.analyze import analyze_flow
    from netdyn.flows.engine import run_flow

    return run_flow(
        analyze_flow,
        db=str(db_path(db)),
        sources=list(sources) if sources is not None else None,
        reports_dir=str(reports_dir(reports)),
        options=options if options is not None else AnalysisOptions(),
        n_jobs=n_jobs,
    )


def tables(db: PathLike | None = None) -> list[str]:
    """The names of every table and view in the database (event log, results, analyst views).

    Parameters
    ----------
    db : str or path-like, optional
        The database (as in :func:`connect`); opened read-only.

    Returns
    -------
    list of str
        Sorted names; ``docs/tables.md`` describes each table, ``docs/sql.md`` each view.
    """
    con = connect(db, read_only=True)
    try:
        return _table_names(con)
    finally:
        con.close()


def _table_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    found = con.execute(
        "select table_name from information_schema.tables "
        "where table_schema = 'main' and table_catalog = current_database() order by 1"
    ).fetchall()
    return [name for (name,) in found]


def read_table(name: str, *, db: PathLike | None = None, run_id: str | None = None) -> pl.DataFrame:
    """Read a table or view of the database as a polars DataFrame.

    Parameters
    ----------
    name : str
        A table or view name, as :func:`tables` lists them (``powerlaw_fits``, ``cascades``,
        ``mart_actors``, ``events``, ...).
    db : str or path-like, optional
        The database (as in :func:`connect`); opened read-only.
    run_id : str, optional
        Keep only the rows of this run (for tables keyed by ``run_id``).

    Returns
    -------
    polars.DataFrame
        Every row (of the run), in the table's column order.

    Raises
    ------
    netdyn.core.errors.InvalidInputError
        If ``name`` is not a table or view of the database, or ``run_id`` is given for a
        table without a ``run_id`` column.

    Notes
    -----
    ``name`` is checked against the catalogue and quoted as an identifier; ``run_id`` is a
    bound parameter. A large table is read whole: filter in SQL (:func:`connect`) instead.
    """
    con = connect(db, read_only=True)
    try:
        known = _table_names(con)
        if name not in known:
            raise InvalidInputError(
                f"no table or view {name!r} in {db_path(db)}; netdyn.tables() lists them"
            )
        quoted = '"' + name.replace('"', '""') + '"'
        if run_id is None:
            return con.sql(f"select * from {quoted}").pl()
        has_run_id = con.execute(
            "select count(*) from information_schema.columns where table_schema = 'main' "
            "and table_name = ? and column_name = 'run_id'",
            [name],
        ).fetchall()[0][0]
        if not has_run_id:
            raise InvalidInputError(f"{name} has no run_id column; call read_table without run_id")
        return con.sql(f"select * from {quoted} where run_id = ?", params=[run_id]).pl()
    finally:
        con.close()
