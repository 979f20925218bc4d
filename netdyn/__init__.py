"""netdyn: an event-sourced network-dynamics pipeline.

The package: :mod:`netdyn.core` (errors, settings, progress events), :mod:`netdyn.store`
(the DuckDB event store), :mod:`netdyn.ingest` (readers), :mod:`netdyn.sim` (generative and
null models), :mod:`netdyn.analytics` (the analysis methods), :mod:`netdyn.results` (result
writers), :mod:`netdyn.report` (HTML reports), :mod:`netdyn.flows` (Prefect flows) and
:mod:`netdyn.cli` (the ``netdyn`` command).
"""

__version__ = "0.1.0"
