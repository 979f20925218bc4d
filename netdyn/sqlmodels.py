"""The SQL layer analysts query: staging views, mart views and a library of named queries.

Three folders under ``sql/`` build on the tables of ``sql/schema`` in the layering of dbt's
jaffle-shop example:

``sql/staging/``
    Thin views over the raw tables, one per source format (``stg_<format>_events``: that
    reader's events with the fields it stores in ``attributes`` pulled out and typed) and one
    per bookkeeping table (``stg_runs``, ``stg_ingest_batches``, ``stg_quarantine``).
``sql/marts/``
    Analyst-facing views (``mart_cascades``, ``mart_actors``, ``mart_powerlaw_fits``, ...)
    that join results to their run and label them; every mart carries ``is_latest_run``.
    Marts read the raw tables and the staging views, never another mart.
``sql/queries/``
    Questions, one per file, with named parameters bound by DuckDB (``$name``), never
    formatted into the text.

Every model file starts with a header stating its grain and key::

    -- model: mart_cascades
    -- grain: one row per analysis run, source and reply cascade
    -- key: (run_id, source, cascade_id)
    -- source: cascades, stg_runs

and every query file with its question, grain and parameters (``name = default``)::

    -- question: Which cascades were largest in a given time window?
    -- grain: one row per cascade
    -- param: source = *
    -- param: window_start = 1970-01-01T00:00:00Z

:func:`apply_models` creates or replaces the views (staging first, then marts, each folder
in file-name order) in one transaction, and skips the work when the database already holds
the current definitions, so it is cheap to call on every writable connection.
:func:`run_query` runs a named query; on a database whose views are missing or stale (for
example one opened read-only) it creates the current views as temporary views of that
connection, so a query never changes the file it reads.

References
----------
.. [1] dbt Labs, "jaffle-shop": staging, marts and the header conventions of one model per
   file. https://github.com/dbt-labs/jaffle-shop
.. [2] Clauset, A., Shalizi, C. R. & Newman, M. E. J. (2009). Power-law distributions in
   empirical data. *SIAM Review* 51(4), 661-703 (the verdict classes of
   ``mart_powerlaw_fits``).
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from netdyn.config import SQL_DIR
from netdyn.errors import EventLogError, InvalidInputError, SchemaError

__all__ = [
    "LAYERS",
    "Model",
    "Query",
    "list_models",
    "models_current",
    "apply_models",
    "list_queries",
    "load_query",
    "run_query",
]

log = logging.getLogger(__name__)

#: The model folders under ``sql/``, in the order their views are created.
LAYERS: tuple[str, ...] = ("staging", "marts")

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_HEADER = re.compile(r"^--\s*(model|grain|key|source|question|param)\s*:\s*(.*?)\s*$")
_PARAM = re.compile(r"^([a-z][a-z0-9_]*)\s*(?:=\s*(.*))?$")
_PLACEHOLDER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_LITERALS_AND_COMMENTS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*")
#: Views created by :func:`apply_models` carry this comment prefix (and the models' checksum).
_MARKER = "netdyn-sql-models sha256:"
#: How long :func:`apply_models` waits for another connection that is replacing the views.
_CONFLICT_WAIT_SECONDS = 10.0


@dataclass(frozen=True)
class Model:
    """One staging or mart view: a ``select`` in ``sql/<layer>/<name>.sql`` and its header.

    Attributes
    ----------
    name : str
        The view's name (the file stem; the header's ``-- model:`` line must agree).
    layer : str
        ``staging`` or ``marts``.
    grain : str
        What one row is (``one row per ...``).
    key : tuple of str
        The columns that identify a row; unique in every database (tested).
    source : str
        The tables and views it reads.
    sql : str
        The file's text: a ``select`` (with CTEs), without a trailing semicolon.
    path : Path
        The file.
    """

    name: str
    layer: str
    grain: str
    key: tuple[str, ...]
    source: str
    sql: str
    path: Path


@dataclass(frozen=True)
class Query:
    """A named analyst question in ``sql/queries/<name>.sql``.

    Attributes
    ----------
    name : str
        The file stem.
    question : str
        The question the query answers.
    grain : str
        What one row of the answer is.
    parameters : dict of str to str or None
        Parameter name → default value as text, in header order; ``None`` marks a required
        parameter (a ``-- param: name`` line without ``=``).
    sql : str
        The query text; parameters appear as DuckDB named parameters ``$name``.
    path : Path
        The file.
    """

    name: str
    question: str
    grain: str
    parameters: dict[str, str | None] = field(default_factory=dict)
    sql: str = ""
    path: Path = Path()

    def bind(self, params: Mapping[str, object] | None = None) -> dict[str, str]:
        """The parameter values to bind: the defaults overridden by ``params``.

        Raises
        ------
        InvalidInputError
            If ``params`` names a parameter the query does not declare, gives a value that is
            not text or a number, or leaves a required parameter without a value.
        """
        given = dict(params or {})
        unknown = sorted(set(given) - set(self.parameters))
        if unknown:
            raise InvalidInputError(
                f"query {self.name!r} has no parameter {', '.join(map(repr, unknown))}; "
                f"its parameters are: {_describe(self.parameters)}"
            )
        values: dict[str, str] = {}
        for name, default in self.parameters.items():
            value = given.get(name, default)
            if value is None:
                raise InvalidInputError(
                    f"query {self.name!r} needs a value for parameter {name!r}; pass it as "
                    f"--param {name}=VALUE (parameters: {_describe(self.parameters)})"
                )
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise InvalidInputError(
                    f"parameter {name!r} of query {self.name!r} must be text or a number; "
                    f"got {type(value).__name__}"
                )
            values[name] = str(value)
        return values


def _describe(parameters: Mapping[str, str | None]) -> str:
    if not parameters:
        return "(none)"
    return ", ".join(
        f"{k} (required)" if v is None else f"{k} (default {v!r})" for k, v in parameters.items()
    )


def _header(path: Path) -> tuple[dict[str, str], list[str]]:
    """The single-valued header fields and the ``param`` lines of a SQL file's leading comments."""
    fields: dict[str, str] = {}
    params: list[str] = []
    text = path.read_text(encoding="utf-8")
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("--"):
            break
        match = _HEADER.match(stripped)
        if match is None:
            continue
        tag, value = match.groups()
        if tag == "param":
            params.append(value)
        elif tag in fields:
            raise SchemaError(f"{path}: the header has two '-- {tag}:' lines")
        else:
            fields[tag] = value
    return fields, params


def _body(path: Path) -> str:
    sql = path.read_text(encoding="utf-8").strip()
    while sql.endswith(";"):
        sql = sql[:-1].rstrip()
    if ";" in _LITERALS_AND_COMMENTS.sub("", sql):
        raise SchemaError(f"{path}: a model or query file holds exactly one statement")
    return sql


def _require(path: Path, fields: Mapping[str, str], *names: str) -> None:
    missing = [n for n in names if not fields.get(n)]
    if missing:
        raise SchemaError(
            f"{path}: the header lacks {', '.join(f'-- {n}:' for n in missing)}; "
            "every model states '-- model:', '-- grain:', '-- key:' and '-- source:', every "
            "query '-- question:' and '-- grain:'"
        )


def _load_model(path: Path, layer: str) -> Model:
    fields, _ = _header(path)
    _require(path, fields, "model", "grain", "key", "source")
    name = path.stem
    if not _NAME.match(name) or fields["model"] != name:
        raise SchemaError(
            f"{path}: the header names model {fields['model']!r}; it must be the file stem "
            f"{name!r} in snake_case"
        )
    key_text = fields["key"].strip()
    if not (key_text.startswith("(") and key_text.endswith(")")):
        raise SchemaError(f"{path}: write the key as a column list, e.g. '-- key: (run_id, x)'")
    key = tuple(c.strip() for c in key_text[1:-1].split(","))
    if not key or not all(_NAME.match(c) for c in key):
        raise SchemaError(f"{path}: key {key_text!r} must list snake_case column names")
    return Model(name, layer, fields["grain"], key, fields["source"], _body(path), path)


def list_models(sql_dir: Path | None = None) -> list[Model]:
    """Every staging and mart model, in creation order (staging, then marts; by file name).

    Parameters
    ----------
    sql_dir : Path, optional
        The folder holding ``staging/`` and ``marts/`` (default: the repository's ``sql/``).

    Returns
    -------
    list of Model
        One per file ``sql/<layer>/*.sql``.

    Raises
    ------
    SchemaError
        If a file lacks a header line, its ``-- model:`` differs from its name, its key is
        not a column list, it holds more than one statement, or two files share a name.
    """
    folder = sql_dir or SQL_DIR
    found: list[Model] = []
    for layer in LAYERS:
        for path in sorted((folder / layer).glob("*.sql")):
            found.append(_load_model(path, layer))
    names = [m.name for m in found]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise SchemaError(f"two model files define {', '.join(twice)}")
    return found


def _marker(con: duckdb.DuckDBPyConnection, models: list[Model]) -> str:
    """The comment the current views carry: a checksum of the model files and the schema
    version, so that a new migration also re-creates (and so re-checks) every view."""
    from netdyn.db import schema_version

    digest = hashlib.sha256(f"schema {schema_version(con)}\n".encode())
    for m in models:
        digest.update(f"{m.layer}/{m.name}\n{m.sql}\n\0".encode())
    return _MARKER + digest.hexdigest()[:16]


def _installed(con: duckdb.DuckDBPyConnection, *, temporary: bool) -> dict[str, str | None]:
    """View name → comment of the views of the main database (or the temporary catalog)."""
    database = "database_name = 'temp'" if temporary else "database_name = current_database()"
    rows = con.execute(
        f"""
        select view_name, comment from duckdb_views()
        where not internal and temporary = ? and schema_name = 'main' and {database}
        """,
        [temporary],
    ).fetchall()
    return dict(rows)


def models_current(
    con: duckdb.DuckDBPyConnection, *, temporary: bool = False, sql_dir: Path | None = None
) -> bool:
    """Whether the database holds every model view with the current definitions.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        An open netdyn database (read-only is fine).
    temporary : bool
        Look at this connection's temporary views instead of the database's views.
    sql_dir : Path, optional
        As :func:`list_models`.

    Returns
    -------
    bool
        True when every model exists as a view marked with the checksum of the current files
        and the database's schema version.
    """
    models = list_models(sql_dir)
    marker = _marker(con, models)
    installed = _installed(con, temporary=temporary)
    return all(installed.get(m.name) == marker for m in models)


def _replace_views(
    con: duckdb.DuckDBPyConnection,
    models: list[Model],
    obsolete: list[str],
    kind: str,
    marker: str,
) -> None:
    """Drop ``obsolete`` and create every model as a ``kind`` in one transaction."""
    current = None
    con.execute("begin transaction")
    try:
        for name in obsolete:
            current = name
            con.execute(f"drop view if exists {name}")
        for model in models:
            current = model.name
            con.execute(f"create or replace {kind} {model.name} as\n{model.sql}")
            con.execute(f"comment on view {model.name} is '{marker}'")
        con.execute("commit")
    except duckdb.TransactionException:
        con.execute("rollback")
        raise
    except duckdb.Error as e:
        con.execute("rollback")
        raise SchemaError(f"model {current} ({kind}) failed: {e}") from e


def apply_models(
    con: duckdb.DuckDBPyConnection,
    *,
    temporary: bool = False,
    force: bool = False,
    sql_dir: Path | None = None,
) -> list[str]:
    """Create or replace every staging view, then every mart view, in file order.

    Idempotent and cheap: when the database already holds the current definitions (each view
    carries a comment with a checksum of all model files and the schema version) nothing is
    written. Otherwise all
    views are replaced in one transaction, and views an earlier version created that no model
    file defines any more are dropped. Safe to call on every writable connection.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        An open, migrated netdyn database, not inside a transaction. Must be writable unless
        ``temporary``.
    temporary : bool
        Create the views as temporary views of this connection only (works on read-only
        connections; the file is not changed).
    force : bool
        Replace the views even if they are current.
    sql_dir : Path, optional
        As :func:`list_models`.

    Returns
    -------
    list of str
        The views created, in creation order; empty when they were already current.

    Raises
    ------
    SchemaError
        If a model file is malformed or its SQL fails against the database (the message names
        the model); nothing is changed then.

    Notes
    -----
    Two connections of one process may race to replace stale views; the loser's transaction
    conflicts and is rolled back, and it waits (up to 10 s) until the winner's views are
    current, then returns an empty list.

    Examples
    --------
    >>> from netdyn.db import connect
    >>> con = connect(":memory:")
    >>> created = apply_models(con)
    >>> created[0], apply_models(con)
    ('stg_edgelist_events', [])
    """
    models = list_models(sql_dir)
    marker = _marker(con, models)
    installed = _installed(con, temporary=temporary)
    if not force and all(installed.get(m.name) == marker for m in models):
        return []
    names = {m.name for m in models}
    obsolete = [
        name
        for name, comment in installed.items()
        if name not in names and (comment or "").startswith(_MARKER)
    ]
    kind = "temporary view" if temporary else "view"
    deadline = time.monotonic() + _CONFLICT_WAIT_SECONDS
    while True:
        try:
            _replace_views(con, models, obsolete, kind, marker)
            break
        except duckdb.TransactionException as e:
            # another connection of this process is replacing them: wait for it to commit
            if time.monotonic() >= deadline:
                raise SchemaError(
                    f"creating the SQL model views conflicted with another writer for "
                    f"{_CONFLICT_WAIT_SECONDS:g} s: {e}"
                ) from e
            time.sleep(0.05)
            if models_current(con, temporary=temporary, sql_dir=sql_dir):
                return []
    log.info("created %d SQL model views (%s)", len(models), marker)
    return [m.name for m in models]


def _load_query(path: Path) -> Query:
    fields, param_lines = _header(path)
    _require(path, fields, "question", "grain")
    if not _NAME.match(path.stem):
        raise SchemaError(f"{path}: query file names are snake_case")
    parameters: dict[str, str | None] = {}
    for line in param_lines:
        match = _PARAM.match(line)
        if match is None:
            raise SchemaError(
                f"{path}: write parameters as '-- param: name = default'; got {line!r}"
            )
        name, default = match.groups()
        if name in parameters:
            raise SchemaError(f"{path}: parameter {name!r} is declared twice")
        parameters[name] = None if default is None else default.strip()
    sql = _body(path)
    used = set(_PLACEHOLDER.findall(_LITERALS_AND_COMMENTS.sub(" ", sql)))
    undeclared = sorted(used - set(parameters))
    unused = sorted(set(parameters) - used)
    if undeclared or unused:
        raise SchemaError(
            f"{path}: the SQL uses ${', $'.join(undeclared) or '-'} without a '-- param:' line "
            f"and declares {', '.join(unused) or '-'} without using it; they must match"
        )
    return Query(path.stem, fields["question"], fields["grain"], parameters, sql, path)


def list_queries(queries_dir: Path | None = None) -> list[Query]:
    """The query library: every ``sql/queries/*.sql``, by name.

    Parameters
    ----------
    queries_dir : Path, optional
        The folder of query files (default: the repository's ``sql/queries``).

    Returns
    -------
    list of Query
        One per file, sorted by name.

    Raises
    ------
    SchemaError
        If a file lacks its ``-- question:`` or ``-- grain:`` line, or its ``-- param:`` lines
        differ from the ``$name`` parameters its SQL uses.
    """
    folder = queries_dir or SQL_DIR / "queries"
    return [_load_query(path) for path in sorted(folder.glob("*.sql"))]


def load_query(name: str, *, queries_dir: Path | None = None) -> Query:
    """The query called ``name``.

    Raises
    ------
    InvalidInputError
        If there is no such query; the message lists the known ones.
    SchemaError
        If its file is malformed (see :func:`list_queries`).

    Examples
    --------
    >>> load_query("failed_runs").parameters
    {'flow': '*', 'since': '1970-01-01T00:00:00Z'}
    """
    folder = queries_dir or SQL_DIR / "queries"
    path = folder / f"{name}.sql"
    if not _NAME.match(name or "") or not path.is_file():
        known = ", ".join(sorted(p.stem for p in folder.glob("*.sql")))
        raise InvalidInputError(f"unknown query {name!r}; known queries: {known}")
    return _load_query(path)


def _ensure_models(con: duckdb.DuckDBPyConnection) -> None:
    """Make the current model views visible to ``con`` without writing the database."""
    if models_current(con) or models_current(con, temporary=True):
        return
    apply_models(con, temporary=True)


def run_query(
    con: duckdb.DuckDBPyConnection,
    name: str,
    params: Mapping[str, object] | None = None,
    *,
    queries_dir: Path | None = None,
) -> pl.DataFrame:
    """Run the named query of ``sql/queries`` with its parameters bound by DuckDB.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        An open netdyn database, read-only or writable. If its model views are missing or
        stale, current ones are created as temporary views of this connection.
    name : str
        A query name (file stem), e.g. ``largest_cascades_in_window``.
    params : mapping of str to str, optional
        Values for the query's parameters (text; numbers are turned into text); the others
        take their defaults. Values are bound as DuckDB named parameters ``$name`` and are
        never part of the SQL text, so no value can change the statement.
    queries_dir : Path, optional
        As :func:`list_queries`.

    Returns
    -------
    polars.DataFrame
        The answer; its grain is the query's ``grain``.

    Raises
    ------
    InvalidInputError
        If the query is unknown (the known ones are listed), a parameter is unknown or a
        required one missing (the parameters and their defaults are listed), or a value
        cannot be converted to the type the query needs (a date, a number).
    EventLogError
        If the database fails the query otherwise.

    Examples
    --------
    >>> from netdyn.db import connect
    >>> run_query(connect(":memory:"), "failed_runs").height
    0
    """
    query = load_query(name, queries_dir=queries_dir)
    values = query.bind(params)
    _ensure_models(con)
    try:
        return con.sql(query.sql, params=values).pl()
    except (
        duckdb.ConversionException,
        duckdb.InvalidInputException,
        duckdb.OutOfRangeException,
    ) as e:
        raise InvalidInputError(
            f"query {name!r} cannot use the values {values}: {e}. Parameters: "
            f"{_describe(query.parameters)}"
        ) from e
    except duckdb.Error as e:
        raise EventLogError(f"query {name!r} failed: {e}") from e
