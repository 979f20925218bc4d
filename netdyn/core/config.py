"""Paths and settings: where the database, the reports and the SQL files are.

Precedence for every setting: explicit argument > environment variable > default.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

__all__ = ["DEFAULT_DB", "DEFAULT_REPORTS", "SQL_DIR", "db_path", "reports_dir"]

DEFAULT_DB = "netdyn.duckdb"
DEFAULT_REPORTS = "reports"

#: The ``sql/`` folder (schema migrations, staging views, marts, queries, invariants), found as
#: the package data of :mod:`netdyn.sql`: the repository's ``sql/`` in a checkout or an editable
#: install, ``site-packages/netdyn/sql`` in a wheel install.
SQL_DIR = Path(str(resources.files("netdyn.sql")))


def db_path(path: str | os.PathLike[str] | None = None) -> Path:
    """The DuckDB file to use: ``path``, else ``$NETDYN_DB``, else ``./netdyn.duckdb``."""
    return Path(path or os.environ.get("NETDYN_DB") or DEFAULT_DB)


def reports_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """The report folder: ``path``, else ``$NETDYN_REPORTS``, else ``./reports``."""
    return Path(path or os.environ.get("NETDYN_REPORTS") or DEFAULT_REPORTS)
