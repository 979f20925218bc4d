"""Export the database to hive-partitioned Parquet that other tools read without locks.

DuckDB allows one writing process per database file, and while it writes no other process can
open the file. An export is a lock-free snapshot for everyone else: Spark, polars, pandas, R's
arrow or another DuckDB read it in place (``read_parquet('out/events/**/*.parquet',
hive_partitioning = true)``).

Layout (under the output folder)::

    events/source=<label>/day=<YYYY-MM-DD | relative>/data_0.parquet
    quarantine/source=<label>/data_0.parquet
    cascades/run_id=<run>/...   actor_metrics/run_id=<run>/...   powerlaw_fits/run_id=<run>/...
    runs.parquet   ingest_batches.parquet

``day`` is the UTC date of ``occurred_at``; events with only relative time (Twitter15/16) go to
``day=relative``. The export is written to a sibling temporary folder and swapped in by
renaming, so a reader sees either the previous export or the new one, never a half-written one.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import duckdb

__all__ = ["export_parquet", "PARTITIONED"]

#: Tables exported as partitioned datasets, with their partition columns.
PARTITIONED: dict[str, tuple[str, ...]] = {
    "events": ("source", "day"),
    "quarantine": ("source",),
    "cascades": ("run_id",),
    "cascade_nodes": ("run_id",),
    "actor_metrics": ("run_id",),
    "powerlaw_fits": ("run_id",),
    "powerlaw_comparisons": ("run_id",),
    "window_graph_metrics": ("run_id",),
    "window_actor_metrics": ("run_id",),
    "concentration": ("run_id",),
    "attachment_kernel": ("run_id",),
    "largest_cascade_scaling": ("run_id",),
    "influence_persistence": ("run_id",),
    "run_statistics": ("run_id",),
    "exposure_response": ("run_id",),
    "exposure_hazard": ("run_id",),
    "content_cascades": ("run_id",),
    "content_adoptions": ("run_id",),
    "comparison_statistics": ("run_id",),
    "comparison_distances": ("run_id",),
    "actor_structure": ("run_id",),
    "core_periphery_fits": ("run_id",),
    "rich_club": ("run_id",),
    "role_fits": ("run_id",),
    "role_sizes": ("run_id",),
    "mesoscale_profiles": ("run_id",),
    "sweep_results": ("run_id",),
}
_SINGLE = ("runs", "ingest_batches")


def export_parquet(con: duckdb.DuckDBPyConnection, out: str | Path) -> dict[str, int]:
    """Write a consistent Parquet snapshot of the database under ``out``.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The netdyn database (read-only is enough).
    out : str or Path
        The export folder; replaced atomically (by rename) if it exists.

    Returns
    -------
    dict
        Rows exported per table.

    Raises
    ------
    ValueError
        If ``out`` exists and is not a folder.
    """
    target = Path(out)
    if target.exists() and not target.is_dir():
        raise ValueError(f"{target} exists and is not a folder; choose another --out")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.tmp-{time.time_ns()}"
    staging.mkdir()
    counts: dict[str, int] = {}
    con.execute("begin transaction")  # one snapshot for every table
    try:
        for table, partition in PARTITIONED.items():
            query = f"select * from {table}"
            if table == "events":
                query = (
                    "select *, coalesce(strftime(occurred_at at time zone 'UTC', '%Y-%m-%d'), "
                    "'relative') as day from events"
                )
            counts[table] = con.execute(f"select count(*) from {table}").fetchall()[0][0]
            if counts[table]:
                con.execute(
                    f"copy ({query}) to '{staging / table}' "
                    f"(format parquet, partition_by ({', '.join(partition)}))"
                )
        for table in _SINGLE:
            counts[table] = con.execute(f"select count(*) from {table}").fetchall()[0][0]
            con.execute(f"copy {table} to '{staging / f'{table}.parquet'}' (format parquet)")
    except BaseException:
        con.execute("rollback")
        shutil.rmtree(staging, ignore_errors=True)
        raise
    con.execute("commit")
    old = None
    if target.exists():
        old = target.parent / f".{target.name}.old-{time.time_ns()}"
        target.rename(old)
    staging.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return counts
