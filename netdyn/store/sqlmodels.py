"""The SQL layer analysts query: the staging and mart views (named queries: `queries.py`).

Three folders under ``sql/`` build on the tables of ``sql/schema`` in the layering of dbt's
jaffle-shop example:

``sql/staging/``
    Thin views over the raw tables: ``stg_events`` (every event with its batch's reader and
    input), one per source format built on it (``stg_<format>_events``: that reader's events
    with the fields it stores in ``attributes`` pulled out and typed) and one per bookkeeping
    table (``stg_runs``, ``stg_ingest_batches``, ``stg_quarantine``).
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

:func:`apply_models` creates or replaces the views (staging first, then marts; within a folder
each view after the views it reads, otherwise in file-name order) in one transaction, and
skips the work when the database already holds the current definitions, so it is cheap to call
on every writable connection.
The header readers here (:func:`read_header`, :func:`read_body`) also read the query files
of :mod:`netdyn.store.queries`.

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
from dataclasses import dataclass
from pathlib import Path

import duckdb

from netdyn.core.config import SQL_DIR
from netdyn.core.errors import SchemaError
from netdyn.store.migrations import schema_version

__all__ = [
    "LAYERS",
    "Model",
    "list_models",
    "models_current",
    "apply_models",
    "read_header",
    "read_body",
    "require_fields",
    "NAME_PATTERN",
    "LITERALS_AND_COMMENTS",
]

log = logging.getLogger(__name__)

#: The model folders under ``sql/``, in the order their views are created.
LAYERS: tuple[str, ...] = ("staging", "marts")

#: A model or query name: snake_case.
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
_HEADER = re.compile(r"^--\s*(model|grain|key|source|question|param)\s*:\s*(.*?)\s*$")
#: SQL string literals, quoted identifiers and comments (blanked before scanning names).
LITERALS_AND_COMMENTS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
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


def read_header(path: Path) -> tuple[dict[str, str], list[str]]:
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


def read_body(path: Path) -> str:
    sql = path.read_text(encoding="utf-8").strip()
    while sql.endswith(";"):
        sql = sql[:-1].rstrip()
    if ";" in LITERALS_AND_COMMENTS.sub("", sql):
        raise SchemaError(f"{path}: a model or query file holds exactly one statement")
    return sql


def require_fields(path: Path, fields: Mapping[str, str], *names: str) -> None:
    missing = [n for n in names if not fields.get(n)]
    if missing:
        raise SchemaError(
            f"{path}: the header lacks {', '.join(f'-- {n}:' for n in missing)}; "
            "every model states '-- model:', '-- grain:', '-- key:' and '-- source:', every "
            "query '-- question:' and '-- grain:'"
        )


def _load_model(path: Path, layer: str) -> Model:
    fields, _ = read_header(path)
    require_fields(path, fields, "model", "grain", "key", "source")
    name = path.stem
    if not NAME_PATTERN.match(name) or fields["model"] != name:
        raise SchemaError(
            f"{path}: the header names model {fields['model']!r}; it must be the file stem "
            f"{name!r} in snake_case"
        )
    key_text = fields["key"].strip()
    if not (key_text.startswith("(") and key_text.endswith(")")):
        raise SchemaError(f"{path}: write the key as a column list, e.g. '-- key: (run_id, x)'")
    key = tuple(c.strip() for c in key_text[1:-1].split(","))
    if not key or not all(NAME_PATTERN.match(c) for c in key):
        raise SchemaError(f"{path}: key {key_text!r} must list snake_case column names")
    return Model(name, layer, fields["grain"], key, fields["source"], read_body(path), path)


def list_models(sql_dir: Path | None = None) -> list[Model]:
    """Every staging and mart model: staging, then marts, each folder by file name.

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


def _reads(model: Model, names: set[str]) -> set[str]:
    """The other models among ``names`` that ``model``'s SQL mentions (outside literals and
    comments): the views it reads."""
    words = set(_IDENTIFIER.findall(LITERALS_AND_COMMENTS.sub(" ", model.sql)))
    return (words & names) - {model.name}


def _creation_order(models: list[Model]) -> list[Model]:
    """``models`` reordered so that every view comes after the views it reads.

    DuckDB binds a view when it is created, so a view that reads another model (for example
    ``stg_edgelist_events`` reading ``stg_events``) must be created after it. Models that do
    not depend on each other keep their order in ``models``.

    Raises
    ------
    SchemaError
        If models read each other in a cycle.
    """
    by_name = {m.name: m for m in models}
    position = {m.name: i for i, m in enumerate(models)}
    ordered: list[Model] = []
    done: set[str] = set()

    def visit(model: Model, path: tuple[str, ...]) -> None:
        if model.name in done:
            return
        if model.name in path:
            cycle = " -> ".join((*path[path.index(model.name) :], model.name))
            raise SchemaError(f"the SQL models read each other in a cycle: {cycle}")
        for name in sorted(_reads(model, set(by_name)), key=position.__getitem__):
            visit(by_name[name], (*path, model.name))
        done.add(model.name)
        ordered.append(model)

    for model in models:
        visit(model, ())
    return ordered


def _marker(con: duckdb.DuckDBPyConnection, models: list[Model]) -> str:
    """The comment the current views carry: a checksum of the model files and the schema
    version, so that a new migration also re-creates (and so re-checks) every view."""
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
    """Drop ``obsolete`` and create every model, in the order given, as a ``kind`` in one
    transaction."""
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
    """Create or replace every staging view, then every mart view, each after those it reads.

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
        The names of the views created, in :func:`list_models` order (they are created
        staging first, then marts, each view after the views it reads); empty when they were
        already current.

    Raises
    ------
    SchemaError
        If a model file is malformed, models read each other in a cycle, or a model's SQL
        fails against the database (the message names the model); nothing is changed then.

    Notes
    -----
    Two connections of one process may race to replace stale views; the loser's transaction
    conflicts and is rolled back, and it waits (up to 10 s) until the winner's views are
    current, then returns an empty list.

    Examples
    --------
    :func:`netdyn.store.db.connect` already applies the models, so start from a bare
    in-memory database with the schema only:

    >>> from netdyn.store.db import connect
    >>> from netdyn.store.migrations import migrate
    >>> con = connect(":memory:", migrate_schema=False)
    >>> applied = migrate(con)
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
    ordered = _creation_order(models)
    deadline = time.monotonic() + _CONFLICT_WAIT_SECONDS
    while True:
        try:
            _replace_views(con, ordered, obsolete, kind, marker)
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
