"""Builders of small test inputs shared by several test files: graphs and event frames, and
helpers for the databases and Prefect artifacts that session fixtures (``conftest.py``) share.

Imported by the test modules as ``from builders import ...`` (pytest puts ``tests/`` on
``sys.path``); not a test module itself.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import igraph as ig
import networkx as nx
import numpy as np
import polars as pl

#: Small null and bootstrap counts, for the tests of plumbing (what a flow stores, publishes and
#: reports) rather than of the statistics, which have tests of their own.
SMALL_ANALYSIS = {
    "n_bootstrap": 10,
    "cp_nulls": 5,
    "role_nulls": 1,
    "rich_club_nulls": 2,
    "mesoscale_nulls": 2,
}


def directed(edges: list[tuple[int, int]], n: int | None = None) -> ig.Graph:
    g = ig.Graph(n=n or 1 + max(max(e) for e in edges), edges=edges, directed=True)
    g.vs["name"] = [f"a{i:04d}" for i in range(g.vcount())]
    return g


def chung_lu(n: int, m: int, seed: int, exponent: float = 2.5) -> ig.Graph:
    """A simple directed graph with heavy-tailed expected in/out-degrees and no other structure."""
    rng = np.random.default_rng(seed)
    w_out = rng.pareto(exponent - 1, n) + 1
    w_in = rng.pareto(exponent - 1, n) + 1
    s = rng.choice(n, 2 * m, p=w_out / w_out.sum())
    t = rng.choice(n, 2 * m, p=w_in / w_in.sum())
    e = np.unique(np.column_stack([s, t])[s != t], axis=0)
    e = e[rng.permutation(len(e))[:m]]
    return directed([tuple(x) for x in e.tolist()], n=n)


def random_digraph(seed: int, n: int, p: float) -> ig.Graph:
    rng = np.random.default_rng(seed)
    a = rng.random((n, n)) < p
    np.fill_diagonal(a, False)
    return ig.Graph(n=n, edges=np.argwhere(a).tolist(), directed=True)


def planted_blocks(seed: int, blocks: int = 4, size: int = 30) -> ig.Graph:
    """Directed SBM: 4 blocks of 30, p_in = 0.3, p_out = 0.01."""
    rng = np.random.default_rng(seed)
    block = np.repeat(np.arange(blocks), size)
    p = np.where(block[:, None] == block[None, :], 0.3, 0.01)
    a = rng.random((blocks * size, blocks * size)) < p
    np.fill_diagonal(a, False)
    return ig.Graph(n=blocks * size, edges=np.argwhere(a).tolist(), directed=True)


def to_networkx(graph: ig.Graph, weights=None) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(range(graph.vcount()))
    if weights is None:
        g.add_edges_from(graph.get_edgelist())
    else:
        g.add_weighted_edges_from(
            (s, t, w) for (s, t), w in zip(graph.get_edgelist(), weights, strict=True)
        )
    return g


def adoptions_frame(rows: list[tuple[str, str, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={"contagion_id": pl.String, "actor_id": pl.String, "adopted_at": pl.Float64},
        orient="row",
    )


def edges_frame(rows: list[tuple[str, str, float | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={"exposer_id": pl.String, "exposed_id": pl.String, "formed_at": pl.Float64},
        orient="row",
    )


def exposures_frame(rows: list[tuple[str, str, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={"contagion_id": pl.String, "actor_id": pl.String, "exposed_at": pl.Float64},
        orient="row",
    )


def result_rows(db: str, run_id: str) -> dict[str, list[tuple]]:
    """Every result table's rows of a run (run_id left out, NaN as "nan"), sorted."""
    from netdyn.results.rows import RESULT_TABLES
    from netdyn.store.db import connect

    con = connect(db, read_only=True)
    try:
        rows = {}
        for table in sorted(RESULT_TABLES):
            columns = [
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_name = ? and column_name <> 'run_id' order by ordinal_position",
                    [table],
                ).fetchall()
            ]
            listed = ", ".join(f'"{c}"' for c in columns)
            rows[table] = [
                tuple("nan" if isinstance(v, float) and math.isnan(v) else v for v in row)
                for row in con.execute(
                    f"select {listed} from {table} where run_id = ? order by all", [run_id]
                ).fetchall()
            ]
        return rows
    finally:
        con.close()


def copy_database(source: str | Path, target: str | Path) -> str:
    """Copy a closed DuckDB file (and its write-ahead log, if any) to ``target``; its path.

    A shared fixture database is built once and closed; a test that writes to it works on a copy.
    """
    shutil.copy(source, target)
    wal = Path(f"{source}.wal")
    if wal.exists():
        shutil.copy(wal, f"{target}.wal")
    return str(target)


def count_artifacts(key: str) -> int:
    """The number of versions of the Prefect artifact ``key`` on the current API."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        return len(
            client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))
        )
