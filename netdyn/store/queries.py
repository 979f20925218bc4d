"""The library of named analyst queries: ``sql/queries/*.sql``, one question per file.

Every query file starts with its question, grain and parameters (``name = default``)::

    -- question: Which cascades were largest in a given time window?
    -- grain: one row per cascade
    -- param: source = *
    -- param: window_start = 1970-01-01T00:00:00Z

:func:`run_query` runs a named query with its parameters bound by DuckDB (``$name``), never
formatted into the text; on a database whose views are missing or stale (for example one
opened read-only) it creates the current views (:mod:`netdyn.store.sqlmodels`) as temporary
views of that connection, so a query never changes the file it reads.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from netdyn.core.config import SQL_DIR
from netdyn.core.errors import EventLogError, InvalidInputError, SchemaError
from netdyn.store.sqlmodels import (
    LITERALS_AND_COMMENTS,
    NAME_PATTERN,
    apply_models,
    models_current,
    read_body,
    read_header,
    require_fields,
)

__all__ = ["Query", "list_queries", "load_query", "run_query"]

_PARAM = re.compile(r"^([a-z][a-z0-9_]*)\s*(?:=\s*(.*))?$")
_PLACEHOLDER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


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


def _load_query(path: Path) -> Query:
    fields, param_lines = read_header(path)
    require_fields(path, fields, "question", "grain")
    if not NAME_PATTERN.match(path.stem):
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
    sql = read_body(path)
    used = set(_PLACEHOLDER.findall(LITERALS_AND_COMMENTS.sub(" ", sql)))
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
    if not NAME_PATTERN.match(name or "") or not path.is_file():
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
    >>> from netdyn.store.db import connect
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
