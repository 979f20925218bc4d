"""Drawings of the largest cascade trees for the analyst report.

The few largest reply / reshare trees of a run are drawn as small multiples: each tree with the
Reingold–Tilford layout [1]_ (root at the top, one row per step away from it, subtrees never
crossing), as computed by igraph [2]_, and drawn with matplotlib; node colour is the delay after
the root (or the depth when the data carry no times), the root is a star. Seeing a few trees is
the quickest way to tell broadcast-like spreading (a wide, flat star) from person-to-person
spreading (long, thin chains), the two ends of structural virality [3]_.

The trees are chosen in SQL (largest first) and at most ``max_nodes`` nodes of each are read:
the first ones by delay after the root (by depth when there are no times), so a run with millions
of cascade nodes never loads more than ``n_trees * max_nodes`` rows into Python.

References
----------
.. [1] Reingold, E. M., & Tilford, J. S. (1981). Tidier drawings of trees. *IEEE Transactions on
   Software Engineering*, SE-7(2), 223–228.
.. [2] Csárdi, G., & Nepusz, T. (2006). The igraph software package for complex network
   research. *InterJournal Complex Systems*, 1695.
.. [3] Goel, S., Anderson, A., Hofman, J., & Watts, D. J. (2016). The structural virality of
   online diffusion. *Management Science*, 62(1), 180–196.
"""

from __future__ import annotations

import math
from typing import Any

import duckdb
import igraph as ig
import matplotlib
import numpy as np
import polars as pl

from netdyn.core.errors import InvalidInputError
from netdyn.report.figures import png

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.colors import LogNorm, Normalize  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

__all__ = ["largest_tree_nodes", "tree_coordinates", "draw_largest_trees"]

#: Colour-bar ticks for delays: (seconds, label).
_DELAY_TICKS = (
    (1.0, "1 s"),
    (60.0, "1 min"),
    (3600.0, "1 h"),
    (86400.0, "1 d"),
    (7 * 86400.0, "1 w"),
    (30 * 86400.0, "30 d"),
    (365 * 86400.0, "1 y"),
)

_NODE_SCHEMA = {
    "source": pl.String,
    "cascade_id": pl.String,
    "cascade_size": pl.Int64,
    "cascade_depth": pl.Int64,
    "object_id": pl.String,
    "parent_object_id": pl.String,
    "depth": pl.Int64,
    "delay_seconds": pl.Float64,
}


def largest_tree_nodes(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    *,
    n_trees: int = 6,
    max_nodes: int = 2000,
) -> pl.DataFrame:
    """The nodes of the ``n_trees`` largest cascades of a run, at most ``max_nodes`` per tree.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        A netdyn database with the run's ``cascades`` and ``cascade_nodes`` rows and the
        ``proj_items`` projection (the parent links).
    run_id : str
        The analysis run.
    n_trees : int, keyword-only, default 6
        Trees to select: cascades with at least two nodes, largest first (ties: deeper first,
        then by source and ``cascade_id``).
    max_nodes : int, keyword-only, default 2000
        Nodes kept per tree: the root and then the earliest nodes by ``delay_seconds`` (ties
        and missing delays: by depth, then ``object_id``).

    Returns
    -------
    polars.DataFrame
        One row per selected node: ``source``, ``cascade_id``, ``cascade_size`` (nodes in the
        whole tree), ``cascade_depth``, ``object_id``, ``parent_object_id`` (null for the
        root), ``depth`` (edges from the root), ``delay_seconds`` (after the root; null
        without times). Ordered by tree (largest first) and then by the selection order
        above. Empty (same columns) when the run has no cascade with a reply.

    Raises
    ------
    InvalidInputError
        If ``n_trees < 1`` or ``max_nodes < 2``.

    Notes
    -----
    The selection runs in DuckDB; only the selected rows reach Python. A node whose parent
    is not selected (possible only when a reply carries an earlier time than its parent)
    is returned and later left out by :func:`tree_coordinates`.
    """
    if n_trees < 1:
        raise InvalidInputError(f"n_trees must be >= 1; got {n_trees}")
    if max_nodes < 2:
        raise InvalidInputError(f"max_nodes must be >= 2 (the root and one reply); got {max_nodes}")
    frame = con.sql(
        """
        with top as (
            select source, cascade_id, size, depth,
                   row_number() over (order by size desc, depth desc, source, cascade_id)
                       as tree_rank
            from cascades
            where run_id = $run_id and size > 1
            order by tree_rank
            limit $n_trees
        ),
        nodes as (
            select n.source, n.cascade_id, n.object_id, n.depth, n.delay_seconds,
                   top.size as cascade_size, top.depth as cascade_depth, top.tree_rank,
                   row_number() over (
                       partition by n.source, n.cascade_id
                       order by n.depth = 0 desc, n.delay_seconds nulls last, n.depth,
                                n.object_id
                   ) as node_rank
            from cascade_nodes as n
            join top on top.source = n.source and top.cascade_id = n.cascade_id
            where n.run_id = $run_id
        ),
        final as (
            select nodes.source, nodes.cascade_id, nodes.cascade_size, nodes.cascade_depth,
                   nodes.object_id,
                   case when nodes.depth = 0 then null else items.parent_object_id end
                       as parent_object_id,
                   nodes.depth, nodes.delay_seconds, nodes.tree_rank, nodes.node_rank
            from nodes
            left join proj_items as items
              on items.source = nodes.source and items.object_id = nodes.object_id
            where nodes.node_rank <= $max_nodes
        )
        select * from final order by tree_rank, node_rank
        """,
        params={"run_id": run_id, "n_trees": n_trees, "max_nodes": max_nodes},
    ).pl()
    if frame.height == 0:
        return pl.DataFrame(schema=_NODE_SCHEMA)
    return frame.select(list(_NODE_SCHEMA)).cast(_NODE_SCHEMA)


def tree_coordinates(nodes: pl.DataFrame, root: str) -> pl.DataFrame:
    """Reingold–Tilford coordinates of the tree hanging from ``root``.

    Parameters
    ----------
    nodes : polars.DataFrame
        One row per node of one tree, with columns ``object_id`` and ``parent_object_id``
        (other columns are carried through). Nodes whose parent is not in ``nodes`` are
        not reachable from the root and are dropped.
    root : str
        The ``object_id`` of the root.

    Returns
    -------
    polars.DataFrame
        One row per node reachable from ``root``, in the input order, with the input
        columns plus ``x`` (horizontal position; unit: one sibling spacing) and ``y``
        (levels below the root: 0 for the root, equal to the depth in the tree).

    Raises
    ------
    InvalidInputError
        If ``root`` is not among ``nodes["object_id"]`` or an ``object_id`` repeats.

    Notes
    -----
    The layout is igraph's :meth:`igraph.Graph.layout_reingold_tilford` with the root given,
    on edges parent → child; it is deterministic for a given input order.

    References
    ----------
    Reingold & Tilford (1981), IEEE Trans. Softw. Eng. SE-7:223.

    Examples
    --------
    >>> import polars as pl
    >>> nodes = pl.DataFrame({"object_id": ["r", "a", "b", "c"],
    ...                       "parent_object_id": [None, "r", "r", "a"]})
    >>> tree_coordinates(nodes, "r").select("object_id", "x", "y").rows()
    [('r', 0.0, 0.0), ('a', -0.5, 1.0), ('b', 0.5, 1.0), ('c', -0.5, 2.0)]
    """
    ids = nodes["object_id"].to_list()
    index = {object_id: i for i, object_id in enumerate(ids)}
    if len(index) != len(ids):
        raise InvalidInputError("object_id repeats in nodes; pass the nodes of one tree")
    if root not in index:
        raise InvalidInputError(f"root {root!r} is not among the nodes; pass the tree's root id")
    parents = nodes["parent_object_id"].to_list()
    edges = [
        (index[parent], child)
        for child, parent in enumerate(parents)
        if parent is not None and parent in index and index[parent] != child
    ]
    graph = ig.Graph(n=len(ids), edges=edges, directed=True)
    reachable = sorted(graph.subcomponent(index[root], mode="out"))
    tree = graph.induced_subgraph(reachable)
    position = {old: new for new, old in enumerate(reachable)}
    layout = np.asarray(
        tree.layout_reingold_tilford(mode="out", root=[position[index[root]]]).coords,
        dtype=np.float64,
    ).reshape(-1, 2)
    return nodes[reachable].with_columns(
        x=pl.Series(layout[:, 0]) if len(reachable) else pl.Series([], dtype=pl.Float64),
        y=pl.Series(layout[:, 1]) if len(reachable) else pl.Series([], dtype=pl.Float64),
    )


def _short(text: str, limit: int = 22) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _delay_colorbar(fig: plt.Figure, axes: list[Any], mappable: Any, norm: LogNorm) -> None:
    bar = fig.colorbar(mappable, ax=axes, shrink=0.7, pad=0.02)
    ticks = [(s, t) for s, t in _DELAY_TICKS if norm.vmin <= s <= norm.vmax]
    if ticks:
        bar.set_ticks([s for s, _ in ticks], labels=[t for _, t in ticks])
    bar.ax.minorticks_off()
    bar.set_label("time after the root")


def draw_largest_trees(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    *,
    n_trees: int = 6,
    max_nodes: int = 2000,
) -> dict[str, Any]:
    """Small multiples of the largest cascade trees of a run, as a PNG for the report.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The netdyn database.
    run_id : str
        The analysis run.
    n_trees : int, keyword-only, default 6
        Largest trees to draw (those with at least one reply).
    max_nodes : int, keyword-only, default 2000
        Nodes drawn per tree at most; larger trees show their first ``max_nodes`` nodes by
        delay after the root, and the caption says so.

    Returns
    -------
    dict
        ``png`` (base64 PNG, or None when no cascade has a reply), ``trees`` (one dict per
        tree drawn: ``cascade_id``, ``source``, ``size``, ``depth``, ``n_drawn``,
        ``is_truncated``), ``colour`` (``"delay"`` or ``"depth"``), ``max_nodes``.

    Raises
    ------
    InvalidInputError
        As :func:`largest_tree_nodes`.

    Notes
    -----
    Deterministic: the same rows give the same PNG bytes. Panel titles (cascade ids are data)
    are drawn as plain text, never parsed as mathtext.
    """
    nodes = largest_tree_nodes(con, run_id, n_trees=n_trees, max_nodes=max_nodes)
    result: dict[str, Any] = {"png": None, "trees": [], "colour": "depth", "max_nodes": max_nodes}
    if nodes.height == 0:
        return result
    trees = []
    for (source, cascade_id), part in nodes.group_by(["source", "cascade_id"], maintain_order=True):
        drawn = tree_coordinates(part, str(cascade_id))
        trees.append(
            {
                "source": source,
                "cascade_id": cascade_id,
                "size": int(part["cascade_size"][0]),
                "depth": int(part["cascade_depth"][0]),
                "n_drawn": drawn.height,
                "is_truncated": drawn.height < int(part["cascade_size"][0]),
                "frame": drawn,
            }
        )
    delays = nodes["delay_seconds"].drop_nulls()
    positive = delays.filter(delays > 0)
    by_delay = positive.len() > 0
    if by_delay:
        low, high = float(positive.min()), float(positive.max())
        norm: Normalize = LogNorm(vmin=low, vmax=max(high, low * 10.0))
    else:
        norm = Normalize(vmin=0.0, vmax=max(1.0, float(nodes["depth"].max())))
    cmap = plt.get_cmap("viridis")
    n_cols = min(3, len(trees))
    n_rows = math.ceil(len(trees) / n_cols)
    fig, axes = plt.subplots(
        n_rows, n_cols, figsize=(3.5 * n_cols + 0.8, 3.1 * n_rows), squeeze=False
    )
    mappable = None
    for ax, tree in zip(axes.flat, trees, strict=False):
        frame = tree["frame"]
        x, y = frame["x"].to_numpy(), frame["y"].to_numpy()
        where = {oid: i for i, oid in enumerate(frame["object_id"].to_list())}
        segments = [
            ((x[where[p]], y[where[p]]), (x[i], y[i]))
            for i, p in enumerate(frame["parent_object_id"].to_list())
            if p is not None and p in where
        ]
        ax.add_collection(LineCollection(segments, colors="#8c959f", linewidths=0.4, zorder=1))
        if by_delay:
            values = frame["delay_seconds"].fill_null(np.nan).to_numpy().astype(np.float64)
            values = np.where(np.isfinite(values), np.maximum(values, norm.vmin), np.nan)
        else:
            values = frame["depth"].to_numpy().astype(np.float64)
        size = 14.0 if frame.height <= 100 else 6.0 if frame.height <= 600 else 2.5
        known = np.isfinite(values)
        ax.scatter(x[~known], y[~known], s=size, color="#d0d7de", lw=0, zorder=2)
        mappable = ax.scatter(
            x[known], y[known], s=size, c=values[known], cmap=cmap, norm=norm, lw=0, zorder=2
        )
        ax.scatter(
            x[:1], y[:1], s=90, marker="*", color="#cf222e", edgecolors="black", lw=0.4, zorder=3
        )
        ax.invert_yaxis()
        ax.margins(0.05)
        ax.set_xticks([])
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel("steps from the root", fontsize=7)
        ax.tick_params(axis="y", labelsize=7)
        for side in ("top", "right", "bottom"):
            ax.spines[side].set_visible(False)
        note = f" (first {tree['n_drawn']:,})" if tree["is_truncated"] else ""
        ax.set_title(
            f"{_short(str(tree['cascade_id']))}\n{tree['size']:,} nodes{note} · depth "
            f"{tree['depth']}",
            fontsize=8,
            parse_math=False,
        )
    for ax in axes.flat[len(trees) :]:
        ax.set_visible(False)
    shown = list(axes.flat[: len(trees)])
    if mappable is not None:
        if by_delay:
            _delay_colorbar(fig, shown, mappable, norm)  # type: ignore[arg-type]
        else:
            fig.colorbar(mappable, ax=shown, shrink=0.7, pad=0.02).set_label(
                "depth (steps from the root)"
            )
    result.update(
        png=png(fig),
        trees=[{k: v for k, v in t.items() if k != "frame"} for t in trees],
        colour="delay" if by_delay else "depth",
    )
    return result
