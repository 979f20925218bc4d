"""Time windows: per-actor and per-graph statistics computed window by window.

A window is the half-open interval ``[window_start, window_end)`` of event times. Windows are
*tumbling* (consecutive, not overlapping: ``step = width``) or *sliding* (``step < width``, so
an event falls into ``width / step`` windows). Their starts are aligned to multiples of
``step`` counted from the Unix epoch, so daily windows start at UTC midnight and two runs
with the same spec cut the same windows.

Within a window the interaction graph is built from the window's events only (an edge exists
if the pair interacted in the window), as in snapshot analyses of temporal networks
(Holme & Saramäki 2012). Per-actor metrics are those of
:func:`netdyn.analytics.interaction_graph.actor_metrics`; per-graph metrics summarise size,
density, reciprocity, the giant component, concentration of activity
(:func:`netdyn.analytics.concentration.concentration`), the friendship paradox and the
cascades started in the window.

Events without an absolute time (``occurred_at`` null, e.g. Twitter15/16 trees that give only
minutes since the root) belong to no window; they are counted, not dropped silently
(:attr:`WindowedStatistics.n_untimed_events`).

References
----------
.. [1] Holme, P., & Saramäki, J. (2012). Temporal networks. *Physics Reports* 519(3), 97–125.
.. [2] Krings, G., Karsai, M., Bernhardsson, S., Blondel, V. D., & Saramäki, J. (2012). Effects
   of time window size and placement on the structure of an aggregated communication network.
   *EPJ Data Science* 1(4).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import polars as pl

from netdyn.analytics.concentration import concentration
from netdyn.analytics.friendship_paradox import friendship_paradox
from netdyn.analytics.interaction_graph import (
    INTERACTION_KINDS,
    actor_metrics,
    build_interaction_graph,
)
from netdyn.core.errors import InvalidInputError

__all__ = [
    "WindowSpec",
    "window_bounds",
    "assign_windows",
    "WindowedStatistics",
    "windowed_statistics",
]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_WINDOW_TYPE = pl.Datetime("us", "UTC")


def _seconds(text: str | float | int, name: str) -> float:
    if isinstance(text, int | float):
        value = float(text)
    else:
        match = _DURATION.match(str(text))
        if not match:
            raise InvalidInputError(
                f"{name} must be a duration like '3600s', '30m', '6h', '1d' or '2w'; got {text!r}"
            )
        value = float(match.group(1)) * _UNITS[match.group(2)]
    if not math.isfinite(value) or value <= 0:
        raise InvalidInputError(f"{name} must be a positive duration; got {text!r}")
    return value


@dataclass(frozen=True)
class WindowSpec:
    """How to cut time into windows.

    Parameters
    ----------
    width_seconds : float
        Length of each window, in seconds (> 0).
    step_seconds : float, optional
        Distance between consecutive window starts, in seconds; ``None`` (the default) means
        ``width_seconds`` (tumbling windows). Must not exceed the width (windows would leave
        gaps) and must divide it into at most 1,000 windows per event.

    Raises
    ------
    InvalidInputError
        If a duration is not positive or the step is larger than the width.

    Examples
    --------
    >>> WindowSpec.parse("1d").to_dict()
    {'width_seconds': 86400.0, 'step_seconds': 86400.0, 'kind': 'tumbling'}
    >>> WindowSpec.parse("7d", "1d").kind
    'sliding'
    """

    width_seconds: float
    step_seconds: float | None = None

    def __post_init__(self) -> None:
        width = _seconds(self.width_seconds, "window width")
        step = width if self.step_seconds is None else _seconds(self.step_seconds, "window step")
        if step > width:
            raise InvalidInputError(
                f"window step ({step:g} s) must not exceed the width ({width:g} s): windows "
                "would leave gaps; use a step equal to the width for tumbling windows"
            )
        if width / step > 1000:
            raise InvalidInputError(
                f"width / step = {width / step:g} windows per event is too many; use a larger step"
            )
        object.__setattr__(self, "width_seconds", width)
        object.__setattr__(self, "step_seconds", step)

    @classmethod
    def parse(cls, width: str | float, step: str | float | None = None) -> WindowSpec:
        """A spec from durations such as ``"1d"`` and ``"6h"`` (units s, m, h, d, w)."""
        return cls(
            _seconds(width, "window width"), None if step is None else _seconds(step, "window step")
        )

    @property
    def kind(self) -> str:
        """``"tumbling"`` or ``"sliding"``."""
        return "tumbling" if self.step_seconds == self.width_seconds else "sliding"

    def to_dict(self) -> dict[str, Any]:
        """The spec as run parameters."""
        return {
            "width_seconds": self.width_seconds,
            "step_seconds": self.step_seconds,
            "kind": self.kind,
        }


def _epoch_seconds(events: pl.DataFrame) -> pl.Expr:
    return pl.col("occurred_at").dt.epoch("us").cast(pl.Float64) / 1e6


def window_bounds(start: datetime, end: datetime, spec: WindowSpec) -> pl.DataFrame:
    """The windows that contain at least one instant of ``[start, end]``.

    Parameters
    ----------
    start, end : datetime
        First and last event time (timezone-aware; naive values are taken as UTC).
    spec : WindowSpec

    Returns
    -------
    polars.DataFrame
        One row per window, ordered by start: ``window_id`` (int64, the window's start in
        units of ``step`` since the epoch), ``window_start``, ``window_end`` (UTC datetimes,
        half-open ``[start, end)``).

    Raises
    ------
    InvalidInputError
        If ``end`` is before ``start``.

    Examples
    --------
    >>> w = window_bounds(datetime(2026, 1, 1, 5, tzinfo=UTC),
    ...                   datetime(2026, 1, 2, 1, tzinfo=UTC), WindowSpec.parse("1d"))
    >>> [d.day for d in w["window_start"]]
    [1, 2]
    """
    s, e = (_as_utc(v).timestamp() for v in (start, end))
    if e < s:
        raise InvalidInputError(f"window end {end} is before start {start}")
    step, width = spec.step_seconds, spec.width_seconds
    first = math.floor((s - width) / step) + 1
    last = math.floor(e / step)
    ids = np.arange(first, last + 1, dtype=np.int64)
    return _bounds_frame(ids, spec)


def _bounds_frame(ids: np.ndarray, spec: WindowSpec) -> pl.DataFrame:
    starts_us = np.round(ids * spec.step_seconds * 1e6).astype(np.int64)
    width_us = round(spec.width_seconds * 1e6)
    return pl.DataFrame(
        {
            "window_id": ids,
            "window_start": pl.Series(starts_us).cast(_WINDOW_TYPE),
            "window_end": pl.Series(starts_us + width_us).cast(_WINDOW_TYPE),
        }
    )


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def assign_windows(events: pl.DataFrame, spec: WindowSpec) -> pl.DataFrame:
    """Each timed event once per window it falls in.

    Parameters
    ----------
    events : polars.DataFrame
        Events with ``occurred_at`` (UTC datetime); other columns are carried along.
    spec : WindowSpec

    Returns
    -------
    polars.DataFrame
        The events with ``occurred_at`` not null, with ``window_id``, ``window_start``,
        ``window_end`` added; an event appears once per window it falls in: once for tumbling
        windows, ``width / step`` times for sliding ones (rounded down or up when the step
        does not divide the width).

    Examples
    --------
    >>> ev = pl.DataFrame({"occurred_at": [datetime(2026, 1, 1, 12, tzinfo=UTC)]})
    >>> assign_windows(ev, WindowSpec.parse("2d", "1d"))["window_start"].dt.day().to_list()
    [31, 1]
    """
    step, width = spec.step_seconds, spec.width_seconds
    timed = events.filter(pl.col("occurred_at").is_not_null())
    t = _epoch_seconds(timed)
    last = (t / step).floor().cast(pl.Int64)
    first = ((t - width) / step).floor().cast(pl.Int64) + 1
    width_us = round(width * 1e6)
    return (
        timed.with_columns(window_id=pl.int_ranges(first, last + 1))
        .explode("window_id")
        .with_columns(
            window_start=(pl.col("window_id").cast(pl.Float64) * step * 1e6)
            .round()
            .cast(pl.Int64)
            .cast(_WINDOW_TYPE)
        )
        .with_columns(window_end=pl.col("window_start") + pl.duration(microseconds=width_us))
    )


@dataclass(frozen=True)
class WindowedStatistics:
    """Per-window results of :func:`windowed_statistics`.

    Attributes
    ----------
    actors : polars.DataFrame
        One row per window and actor active or addressed in it: ``window_start``,
        ``window_end``, ``actor_id``, ``n_events``, ``in_degree``, ``out_degree``,
        ``in_strength``, ``out_strength``, ``coreness`` (see
        :func:`netdyn.analytics.interaction_graph.actor_metrics`).
    graphs : polars.DataFrame
        One row per window with at least one event: ``window_start``, ``window_end``,
        ``n_events``, ``n_actors`` (active or addressed), ``n_active_actors`` (who acted),
        ``n_edges`` (distinct ordered pairs, loops excluded), ``density`` (``n_edges /
        (n (n − 1))``), ``reciprocity`` (share of edges whose reverse exists),
        ``giant_component_share`` (actors in the largest weakly connected component),
        ``max_coreness``, ``activity_top1_share``, ``activity_top10_share``,
        ``activity_gini``, ``paradox_share`` (friendship paradox, see
        :func:`netdyn.analytics.friendship_paradox.friendship_paradox`),
        ``n_cascades_started`` and ``largest_cascade_size`` (cascades whose root falls in the
        window; null without ``cascades``).
    spec : WindowSpec
    n_untimed_events : int
        Events left out because they have no ``occurred_at``.
    """

    actors: pl.DataFrame
    graphs: pl.DataFrame
    spec: WindowSpec
    n_untimed_events: int


def windowed_statistics(
    events: pl.DataFrame,
    spec: WindowSpec,
    *,
    cascades: pl.DataFrame | None = None,
    kinds: frozenset[str] = INTERACTION_KINDS,
) -> WindowedStatistics:
    """Per-actor and per-graph statistics of every window.

    Parameters
    ----------
    events : polars.DataFrame
        Canonical events (``occurred_at``, ``kind``, ``actor_id``, ``target_actor_id``,
        ``attributes``), one row per event.
    spec : WindowSpec
        Tumbling or sliding windows.
    cascades : polars.DataFrame, optional
        One row per cascade with ``started_at`` and ``size``
        (:func:`netdyn.analytics.cascades.compute_cascades`); adds the cascade columns of
        ``graphs``.
    kinds : frozenset of str
        Event kinds that make interaction edges.

    Returns
    -------
    WindowedStatistics
        Windows without events have no rows.

    Notes
    -----
    Cost: one igraph graph per window; sliding windows multiply the work by ``width / step``.
    Memory: one copy of the timed events sorted by window (``width / step`` copies of each
    event for sliding windows), read window by window as zero-copy slices, plus one window's
    graph; the input frame is not referenced once it is cut (a caller that drops its own
    reference frees it).
    """
    n_untimed = events.height - events.filter(pl.col("occurred_at").is_not_null()).height
    # one copy of the events, sorted by window (stable: log order within a window), read
    # window by window as zero-copy slices; the caller's frame is not referenced after this
    windowed = assign_windows(events, spec).sort("window_id", maintain_order=True)
    empty = events.clear()
    del events
    actor_frames, graph_rows = [], []
    started = None
    if cascades is not None and cascades.height:
        started = assign_windows(
            cascades.select(pl.col("started_at").alias("occurred_at"), "size"), spec
        )
    ids = windowed["window_id"].to_numpy()
    cuts = np.concatenate(([0], np.flatnonzero(ids[1:] != ids[:-1]) + 1, [ids.size]))
    for lo, hi in zip(cuts[:-1], cuts[1:], strict=True):
        if hi <= lo:
            continue
        group = windowed.slice(int(lo), int(hi - lo))
        window_id = int(ids[lo])
        bounds = group.select("window_start", "window_end").row(0)
        metrics = actor_metrics(group, kinds=kinds)
        actor_frames.append(
            metrics.with_columns(
                window_start=pl.lit(bounds[0], dtype=_WINDOW_TYPE),
                window_end=pl.lit(bounds[1], dtype=_WINDOW_TYPE),
            )
        )
        graph_rows.append(
            {
                "window_id": window_id,
                "window_start": bounds[0],
                "window_end": bounds[1],
                "n_events": group.height,
                **_graph_row(group, metrics, kinds),
            }
        )
    actor_columns = ["window_start", "window_end", "actor_id"]
    if actor_frames:
        actors = pl.concat(actor_frames).select(
            actor_columns + [c for c in actor_frames[0].columns if c not in actor_columns]
        )
    else:
        actors = actor_metrics(empty, kinds=kinds).with_columns(
            window_start=pl.lit(None, dtype=_WINDOW_TYPE),
            window_end=pl.lit(None, dtype=_WINDOW_TYPE),
        )
        actors = actors.select(
            actor_columns + [c for c in actors.columns if c not in actor_columns]
        )
    graphs = pl.DataFrame(graph_rows, schema=_GRAPH_SCHEMA)
    if started is not None:
        per_window = started.group_by("window_id").agg(
            n_cascades_started=pl.len().cast(pl.Int64),
            largest_cascade_size=pl.col("size").max().cast(pl.Int64),
        )
        graphs = graphs.drop("n_cascades_started", "largest_cascade_size").join(
            per_window, on="window_id", how="left"
        )
        graphs = graphs.with_columns(pl.col("n_cascades_started").fill_null(0))
    return WindowedStatistics(
        actors=actors.sort("window_start", "actor_id"),
        graphs=graphs.drop("window_id").sort("window_start"),
        spec=spec,
        n_untimed_events=n_untimed,
    )


_GRAPH_SCHEMA = {
    "window_id": pl.Int64,
    "window_start": _WINDOW_TYPE,
    "window_end": _WINDOW_TYPE,
    "n_events": pl.Int64,
    "n_actors": pl.Int64,
    "n_active_actors": pl.Int64,
    "n_edges": pl.Int64,
    "density": pl.Float64,
    "reciprocity": pl.Float64,
    "giant_component_share": pl.Float64,
    "max_coreness": pl.Int64,
    "activity_top1_share": pl.Float64,
    "activity_top10_share": pl.Float64,
    "activity_gini": pl.Float64,
    "paradox_share": pl.Float64,
    "n_cascades_started": pl.Int64,
    "largest_cascade_size": pl.Int64,
}


def _graph_row(group: pl.DataFrame, metrics: pl.DataFrame, kinds: frozenset[str]) -> dict:
    edges = (
        group.filter(
            pl.col("kind").is_in(sorted(kinds))
            & pl.col("actor_id").is_not_null()
            & pl.col("target_actor_id").is_not_null()
            & (pl.col("actor_id") != pl.col("target_actor_id"))
        )
        .select("actor_id", "target_actor_id")
        .unique()
    )
    n = metrics.height
    n_edges = edges.height
    reciprocal = edges.join(
        edges.rename({"actor_id": "target_actor_id", "target_actor_id": "actor_id"}),
        on=["actor_id", "target_actor_id"],
    ).height
    giant = _giant_share(edges, n)
    activity = metrics.filter(pl.col("n_events") > 0)["n_events"].to_numpy()
    conc = concentration(activity) if activity.size else None
    paradox = (
        friendship_paradox(edges, columns=("actor_id", "target_actor_id")).share_lower
        if n_edges
        else None
    )
    return {
        "n_actors": n,
        "n_active_actors": int(activity.size),
        "n_edges": n_edges,
        "density": n_edges / (n * (n - 1)) if n > 1 else None,
        "reciprocity": reciprocal / n_edges if n_edges else None,
        "giant_component_share": giant,
        "max_coreness": int(metrics["coreness"].max()) if n else None,
        "activity_top1_share": _finite(conc.top_1pct_share) if conc else None,
        "activity_top10_share": _finite(conc.top_10pct_share) if conc else None,
        "activity_gini": _finite(conc.gini) if conc else None,
        "paradox_share": _finite(paradox),
        "n_cascades_started": None,
        "largest_cascade_size": None,
    }


def _giant_share(edges: pl.DataFrame, n: int) -> float | None:
    if n == 0:
        return None
    if edges.height == 0:
        return 1.0 / n
    graph = build_interaction_graph(edges.with_columns(weight=pl.lit(1, dtype=pl.Int64)))
    return max(graph.connected_components(mode="weak").sizes()) / n


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)
