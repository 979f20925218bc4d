"""The event store: the DuckDB connection and its migrations, the canonical event shape, the
append-only event log, incremental projections, run bookkeeping, the analyst SQL views, and
the Parquet export.

Readers (:mod:`netdyn.ingest`) and generators (:mod:`netdyn.sim`) write through it; result
writers (:mod:`netdyn.results`) and the report read it.
"""
