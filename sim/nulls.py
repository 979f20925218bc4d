"""Null-model replays of a real event log: randomised reference models for temporal networks.

Each model takes the canonical events of one source and returns a randomised copy in the same
schema (:data:`netdyn.store.canonical.EVENT_SCHEMA`), to be appended under its own synthetic source
label, so every analysis runs on it unchanged and sets it beside the real log. Each model keeps
some features of the log exactly and destroys the rest (Gauvin et al. 2022):

``timestamp_shuffle``
    The event times are permuted among the timed events. Keeps who interacts with whom (every
    event's actor, target and parent links) and the multiset of timestamps (so the activity
    time series); destroys every temporal correlation (burstiness, causal order of replies).
    Gauvin et al.'s P[w] / "permuted timestamps".
``link_shuffle``
    The targets of the interaction events are permuted among them (a configuration model of
    the event multigraph): keeps each actor's out-degree and in-degree counted in events, and
    every event's time; destroys who-with-whom (assortativity, clustering, communities). Events
    whose new target equals their actor are swapped with other events until none is left (or,
    vanishingly rarely, a bounded search fails; they are counted). Parent links no longer
    match the targets, so they are removed (the events become flat contacts).
``timeline_shuffle``
    The timelines (ordered lists of event times) of the links — ordered (actor, target) pairs
    — are permuted among links with the same number of events. Keeps the static weighted
    graph exactly and the multiset of timelines; destroys the correlation between who
    interacts and when (e.g. daily patterns tied to particular pairs). Parent links are
    removed.
``inter_event_shuffle``
    Within each link, the gaps between consecutive events are permuted; the first event time
    stays. Keeps the static weighted graph, each link's first and last event time and its
    multiset of inter-event times; destroys the order of the gaps (burst trains). Parent
    links are removed.

Only interaction events (kinds of :data:`netdyn.analytics.interaction_graph.INTERACTION_KINDS` with
both an actor and a target) take part in the link, timeline and inter-event models; other
events (posts, votes, group events) are copied unchanged. Events keep their
``source_event_id``, so a null event can be traced to the real one.

References
----------
.. [1] Gauvin, L., Génois, M., Karsai, M., Kivelä, M., Takaguchi, T., Valdano, E., &
   Vestergaard, C. L. (2022). Randomized reference models for temporal networks. *SIAM
   Review* 64(4), 763–830.
.. [2] Holme, P., & Saramäki, J. (2012). Temporal networks. *Physics Reports* 519(3).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl

from netdyn.analytics.interaction_graph import INTERACTION_KINDS
from netdyn.core.errors import InvalidInputError
from netdyn.sim.labels import REPLAYED, synthetic_label
from netdyn.store.canonical import EVENT_SCHEMA

__all__ = [
    "NULL_MODELS",
    "NullReplay",
    "null_source_label",
    "replay_null",
    "timestamp_shuffle",
    "link_shuffle",
    "timeline_shuffle",
    "inter_event_shuffle",
]

_TIME = pl.Datetime("us", "UTC")


@dataclass(frozen=True)
class NullReplay:
    """A randomised copy of a log.

    Attributes
    ----------
    events : polars.DataFrame
        Canonical rows (exactly :data:`netdyn.store.canonical.EVENT_SCHEMA`), in the input order.
    model : str
        The null model.
    seed : int
    n_randomised : int
        Events whose randomised fields changed or could have changed (the events the model
        acts on).
    n_kept : int
        Events copied unchanged (outside the model's scope, or, for ``link_shuffle``, whose
        re-draws kept producing self-loops).
    """

    events: pl.DataFrame
    model: str
    seed: int
    n_randomised: int
    n_kept: int


def null_source_label(source: str, model: str, seed: int) -> str:
    """``null:<model>:<10 hex digits>`` of (source, model, seed): stable per replay."""
    digest = hashlib.sha256(f"{source}\x00{model}\x00{seed}".encode()).hexdigest()
    return synthetic_label(model, digest, kind=REPLAYED)


def _canonical(events: pl.DataFrame) -> pl.DataFrame:
    missing = sorted(set(EVENT_SCHEMA) - set(events.columns))
    if missing:
        raise InvalidInputError(
            f"events lack columns {missing}; "
            "pass canonical events (netdyn.store.eventlog.read_events)"
        )
    return events.select(list(EVENT_SCHEMA)).cast(EVENT_SCHEMA)


def _is_link() -> pl.Expr:
    return (
        pl.col("kind").is_in(sorted(INTERACTION_KINDS))
        & pl.col("actor_id").is_not_null()
        & pl.col("target_actor_id").is_not_null()
    )


def _flat(frame: pl.DataFrame, mask: pl.Series) -> pl.DataFrame:
    """Remove parent links of the masked rows (their targets or times no longer match them)."""
    return frame.with_columns(
        parent_object_id=pl.when(mask).then(None).otherwise(pl.col("parent_object_id")),
        root_object_id=pl.when(mask).then(None).otherwise(pl.col("root_object_id")),
    )


def timestamp_shuffle(events: pl.DataFrame, *, seed: int) -> NullReplay:
    """Permute the event times among the events that have them.

    Parameters
    ----------
    events : polars.DataFrame
        Canonical events of one source (any order).
    seed : int
        Seed of :func:`numpy.random.default_rng`.

    Returns
    -------
    NullReplay
        ``occurred_at`` permuted among rows where it is not null, and separately
        ``seconds_since_root`` among rows where it is not null; everything else unchanged.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> ev = pl.DataFrame({c: [None] * 3 for c in EVENT_SCHEMA}, schema=EVENT_SCHEMA)
    >>> ev = ev.with_columns(occurred_at=pl.Series([datetime(2026, 1, d, tzinfo=UTC)
    ...                                             for d in (1, 2, 3)]))
    >>> sorted(timestamp_shuffle(ev, seed=1).events["occurred_at"].dt.day().to_list())
    [1, 2, 3]
    """
    frame = _canonical(events)
    rng = np.random.default_rng(seed)
    out = frame
    n = 0
    for column in ("occurred_at", "seconds_since_root"):
        present = frame[column].is_not_null()
        idx = np.flatnonzero(present.to_numpy())
        n = max(n, idx.size)
        values = frame[column].gather(idx)
        shuffled = values.gather(rng.permutation(idx.size))
        out = out.with_columns(out[column].scatter(idx, shuffled) if idx.size else out[column])
    return NullReplay(out, "timestamp_shuffle", seed, n, frame.height - n)


def link_shuffle(events: pl.DataFrame, *, seed: int, max_rounds: int = 20) -> NullReplay:
    """Permute the targets of the interaction events (event-multigraph configuration model).

    Parameters
    ----------
    events : polars.DataFrame
        Canonical events of one source.
    seed : int
        Seed of :func:`numpy.random.default_rng`.
    max_rounds : int, default 20
        Rounds of re-drawing for events whose new target equals their actor: each round
        permutes the targets among the offending events and one random partner each.

    Returns
    -------
    NullReplay
        Interaction events with permuted ``target_actor_id`` and no parent links; per actor,
        the number of events sent and received is exactly as in the input.

    Notes
    -----
    A self-loop is resolved by swapping targets with a random other interaction event whose
    own swap creates no self-loop (a double-edge swap on the event multigraph, Maslov &
    Sneppen 2002), which keeps both degree sequences; an event still on a self-loop after
    ``max_rounds`` swaps with an event holding its original target. Self-loops of the input
    stay possible targets; one that cannot be resolved at all is left and counted in
    ``n_kept``.
    """
    frame = _canonical(events)
    link = frame.select(_is_link()).to_series()
    idx = np.flatnonzero(link.to_numpy())
    rng = np.random.default_rng(seed)
    targets = frame["target_actor_id"].gather(idx).to_numpy().astype(object)
    actors = frame["actor_id"].gather(idx).to_numpy().astype(object)
    original_self = targets == actors
    new = targets[rng.permutation(idx.size)] if idx.size else targets
    for _ in range(max_rounds):
        bad = np.flatnonzero((new == actors) & ~original_self)
        if bad.size == 0:
            break
        partners = rng.integers(0, idx.size, bad.size)
        for b, p in zip(bad.tolist(), partners.tolist(), strict=True):
            # swap if neither end becomes a self-loop
            if new[p] != actors[b] and new[b] != actors[p]:
                new[b], new[p] = new[p], new[b]
    stuck = np.flatnonzero((new == actors) & ~original_self)
    # a stuck event takes back its original target only through a swap, keeping degrees:
    # find the event holding that target now and give it the stuck event's target
    n_kept = 0
    for b in stuck.tolist():
        holders = np.flatnonzero((new == targets[b]) & (actors != new[b]))
        if holders.size:
            h = int(holders[0])
            new[b], new[h] = new[h], new[b]
        else:
            n_kept += 1
    out = frame.with_columns(
        frame["target_actor_id"].scatter(idx, pl.Series(new.tolist(), dtype=pl.String))
        if idx.size
        else frame["target_actor_id"]
    )
    out = _flat(out, link)
    return NullReplay(out, "link_shuffle", seed, idx.size, frame.height - idx.size + n_kept)


def _links(frame: pl.DataFrame) -> pl.DataFrame:
    """Interaction events with their row index, link key and epoch-microsecond time."""
    return (
        frame.with_row_index("_row")
        .filter(_is_link() & pl.col("occurred_at").is_not_null())
        .select(
            "_row",
            "actor_id",
            "target_actor_id",
            pl.col("occurred_at").dt.epoch("us").alias("_t"),
        )
        .sort("actor_id", "target_actor_id", "_t", "_row")
    )


def timeline_shuffle(events: pl.DataFrame, *, seed: int) -> NullReplay:
    """Permute whole timelines among links with the same number of events.

    Parameters
    ----------
    events : polars.DataFrame
        Canonical events of one source; interaction events need ``occurred_at``.
    seed : int
        Seed of :func:`numpy.random.default_rng`.

    Returns
    -------
    NullReplay
        Interaction events keep their actor and target; the times of each link's events are
        replaced by the timeline of another link of the same size (in time order). Parent
        links of those events are removed.
    """
    frame = _canonical(events)
    links = _links(frame)
    rng = np.random.default_rng(seed)
    keyed = links.with_columns(
        _link=pl.struct("actor_id", "target_actor_id").rank("dense") - 1,
        _pos=pl.int_range(pl.len()).over("actor_id", "target_actor_id"),
        _size=pl.len().over("actor_id", "target_actor_id"),
    )
    link_sizes = keyed.group_by("_link").agg(pl.col("_size").first()).sort("_link")
    # within each size class, a random permutation of the links
    donor = np.empty(link_sizes.height, dtype=np.int64)
    for _size, group in link_sizes.sort("_size").group_by("_size", maintain_order=True):
        ids = group["_link"].to_numpy()
        donor[ids] = ids[rng.permutation(ids.size)]
    donors = pl.DataFrame(
        {"_link": link_sizes["_link"], "_donor": pl.Series(donor)},
        schema_overrides={"_donor": link_sizes["_link"].dtype},
    )
    keyed = keyed.join(donors, on="_link", how="left")
    times = keyed.select(pl.col("_link").alias("_donor"), "_pos", pl.col("_t").alias("_new_t"))
    moved = keyed.join(times, on=["_donor", "_pos"], how="left").sort("_row")
    return _with_times(frame, moved, "timeline_shuffle", seed)


def inter_event_shuffle(events: pl.DataFrame, *, seed: int) -> NullReplay:
    """Permute each link's inter-event times, keeping its first event time.

    Parameters
    ----------
    events, seed
        As :func:`timeline_shuffle`.

    Returns
    -------
    NullReplay
        Interaction events keep their actor and target; each link's times are rebuilt from
        its first time and a random permutation of its gaps (so its last time is kept too).
        Parent links of those events are removed.
    """
    frame = _canonical(events)
    links = _links(frame)
    rng = np.random.default_rng(seed)
    keyed = links.with_columns(
        _gap=(pl.col("_t") - pl.col("_t").shift(1).over("actor_id", "target_actor_id")),
        _link=pl.struct("actor_id", "target_actor_id").rank("dense") - 1,
    )
    # a random key per gap, sorted within the link: a uniform permutation of each link's gaps
    shuffled = (
        keyed.filter(pl.col("_gap").is_not_null())
        .with_columns(_key=pl.Series(rng.random(keyed.height - keyed["_link"].n_unique())))
        .sort("_link", "_key")
        .with_columns(_k=pl.int_range(pl.len()).over("_link"))
        .select("_link", "_k", pl.col("_gap").alias("_new_gap"))
    )
    first = keyed.group_by("_link").agg(pl.col("_t").min().alias("_t0"))
    positioned = keyed.with_columns(_k=pl.int_range(pl.len()).over("_link") - 1)
    rebuilt = (
        positioned.join(shuffled, on=["_link", "_k"], how="left")
        .join(first, on="_link")
        .sort("_link", "_k")
        .with_columns(
            _new_t=pl.col("_t0") + pl.col("_new_gap").fill_null(0).cum_sum().over("_link")
        )
        .sort("_row")
    )
    return _with_times(frame, rebuilt, "inter_event_shuffle", seed)


def _with_times(frame: pl.DataFrame, moved: pl.DataFrame, model: str, seed: int) -> NullReplay:
    rows = moved["_row"].cast(pl.Int64).to_numpy()
    new_times = moved["_new_t"].cast(pl.Int64).cast(_TIME)
    out = frame.with_columns(
        frame["occurred_at"].scatter(rows, new_times) if rows.size else frame["occurred_at"]
    )
    mask = pl.Series(np.isin(np.arange(frame.height), rows))
    out = _flat(out, mask)
    return NullReplay(out, model, seed, int(rows.size), frame.height - int(rows.size))


#: The null models by name.
NULL_MODELS: dict[str, Callable[..., NullReplay]] = {
    "timestamp_shuffle": timestamp_shuffle,
    "link_shuffle": link_shuffle,
    "timeline_shuffle": timeline_shuffle,
    "inter_event_shuffle": inter_event_shuffle,
}


def replay_null(events: pl.DataFrame, model: str, *, seed: int) -> NullReplay:
    """Run the null model named ``model`` (one of :data:`NULL_MODELS`).

    Raises
    ------
    InvalidInputError
        If ``model`` is unknown.
    """
    if model not in NULL_MODELS:
        raise InvalidInputError(
            f"unknown null model {model!r}; use one of {', '.join(sorted(NULL_MODELS))}"
        )
    return NULL_MODELS[model](events, seed=seed)
