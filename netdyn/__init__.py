"""netdyn: an event-sourced network-dynamics pipeline.

The public API for notebooks and scripts (:mod:`netdyn.api`): :func:`connect` opens a
database, :func:`ingest_path` appends a file or folder to the event log, :func:`analyze` analyses
it with an :class:`AnalysisOptions`, :func:`tables` lists the tables and views, and
:func:`read_table` reads any of them as a polars DataFrame. These names load on first use, so
``import netdyn`` does not import DuckDB, igraph or Prefect.

The package: :mod:`netdyn.core` (errors, settings, progress events), :mod:`netdyn.store`
(the DuckDB event store), :mod:`netdyn.ingest` (readers), :mod:`netdyn.sim` (generative and
null models), :mod:`netdyn.analytics` (the analysis methods), :mod:`netdyn.results` (result
writers), :mod:`netdyn.report` (HTML reports), :mod:`netdyn.flows` (Prefect flows) and
:mod:`netdyn.cli` (the ``netdyn`` command).
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["AnalysisOptions", "analyze", "connect", "ingest_path", "read_table", "tables"]


def __getattr__(name: str) -> Any:
    """Load the public API on first use (PEP 562)."""
    if name in __all__:
        from netdyn import api

        return getattr(api, name)
    raise AttributeError(f"module 'netdyn' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
