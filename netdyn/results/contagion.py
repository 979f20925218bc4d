"""Result writers for contagion: the content cascades of a run, and the exposure-response
curves and Cox hazard ratios of joining reply threads and adopting content.

Each writer reads what a run covers, calls pure methods of :mod:`netdyn.analytics`, and
replaces the run's rows of its tables in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import duckdb
import numpy as np
import polars as pl

from netdyn.analytics.content_cascades import ContentParams, content_cascades
from netdyn.analytics.exposure import (
    EXPOSER_IS_ACTOR_KINDS,
    EXPOSER_IS_TARGET_KINDS,
    exposure_edges_from_events,
)
from netdyn.analytics.exposure_counts import DEFAULT_CHUNK_SIZE, exposure_analysis
from netdyn.core import progress
from netdyn.results.rows import finite_or_none, run_events, run_scope, store_results

__all__ = [
    "write_content_cascades",
    "write_exposure",
    "thread_adoptions",
    "content_adoptions",
]

log = logging.getLogger(__name__)


def thread_adoptions(con: duckdb.DuckDBPyConnection, run_id: str) -> pl.DataFrame:
    """Adoption of reply threads: each actor's first item in each cascade of the run.

    Reads the run's ``cascade_nodes`` (write them first) and the items' actors and times from
    the ``proj_items`` projection.

    Returns
    -------
    polars.DataFrame
        One row per (cascade, actor): ``contagion_id`` (``source/cascade_id``), ``actor_id``,
        ``adopted_at`` (float seconds: epoch seconds of ``occurred_at``, or
        ``seconds_since_root`` for sources with relative times only). The root's author is
        the thread's first adopter.
    """
    return con.sql(
        """
        select n.source || '/' || n.cascade_id as contagion_id, i.actor_id,
               min(coalesce(epoch(i.occurred_at), i.seconds_since_root)) as adopted_at
        from cascade_nodes n
        join proj_items i using (source, object_id)
        where n.run_id = ? and i.actor_id is not null
          and coalesce(epoch(i.occurred_at), i.seconds_since_root) is not null
        group by all
        order by contagion_id, adopted_at, actor_id
        """,
        params=[run_id],
    ).pl()


def write_content_cascades(
    con: duckdb.DuckDBPyConnection, run_id: str, params: ContentParams
) -> dict[str, Any]:
    """Content cascades (n-grams, URLs, hashtags, code blocks) of the run's events.

    Writes ``content_cascades`` and ``content_adoptions`` (every cascade with at least
    ``params.min_adopters`` adopters, none truncated) and the parameters as
    ``run_statistics`` row ``content_cascades.n_cascades``.

    Returns
    -------
    dict
        ``n_cascades``, ``n_adoptions``, ``n_events_scanned`` and the count per feature kind.
    """
    events = run_events(
        con,
        run_id,
        columns=(
            "event_seq",
            "kind",
            "actor_id",
            "occurred_at",
            "seconds_since_root",
            "community",
            "text",
        ),
    ).filter(pl.col("text").is_not_null())
    result = content_cascades(events, params)
    del events
    by_kind = {
        kind: int(n)
        for kind, n in result.cascades.group_by("feature_kind").len().sort("feature_kind").rows()
    }
    written = store_results(
        con,
        run_id,
        {
            "content_cascades": result.cascades,
            "content_adoptions": result.adoptions.select(
                "cascade_id",
                "actor_id",
                "adopted_at",
                "adopted_seconds",
                "event_seq",
                pl.col("adoption_rank").cast(pl.Int64),
            ),
        },
        statistics={
            "content_cascades": [
                {
                    "statistic": "n_cascades",
                    "value": result.cascades.height,
                    "detail": {
                        "parameters": params.to_dict(),
                        "n_events_scanned": result.n_events,
                        "by_kind": by_kind,
                    },
                }
            ]
        },
    )
    return {
        "n_cascades": written["content_cascades"],
        "n_adoptions": written["content_adoptions"],
        "n_events_scanned": result.n_events,
        "by_kind": by_kind,
    }


def content_adoptions(con: duckdb.DuckDBPyConnection, run_id: str) -> pl.DataFrame:
    """Adoption of content cascades stored for the run, as exposure-analysis input.

    Returns
    -------
    polars.DataFrame
        One row per (content cascade, actor): ``contagion_id`` (the cascade id),
        ``actor_id``, ``adopted_at`` (float seconds). Adoptions without a time are left out.
    """
    return con.sql(
        """
        select cascade_id as contagion_id, actor_id, adopted_seconds as adopted_at
        from content_adoptions
        where run_id = ? and adopted_seconds is not null
        order by contagion_id, adopted_at, actor_id
        """,
        params=[run_id],
    ).pl()


def _event_clock(con: duckdb.DuckDBPyConnection, run_id: str) -> tuple[bool, float | None]:
    """Whether some event of the run lacks a calendar time, and the last calendar time.

    One aggregate over the run's events (no rows loaded): ``(static, last epoch seconds)``.
    """
    sources, watermark = run_scope(con, run_id)
    [(n_events, n_timed, last_us)] = con.execute(
        """
        select count(*), count(occurred_at), epoch_us(max(occurred_at))
        from events
        where source in (select unnest($sources)) and event_seq <= $watermark
        """,
        {"sources": sources, "watermark": watermark},
    ).fetchall()
    static = n_events > 0 and n_timed < n_events
    return static, (None if last_us is None else last_us / 1e6)


#: Second entropy word of the exposure samples' seed sequence.
_SAMPLE_STREAM = 0x45585053


def write_exposure(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    contagions: Mapping[str, pl.DataFrame],
    *,
    max_k: int = 10,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    max_pairs: int | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Exposure-response curves and Cox hazard ratios, one set per contagion type.

    The exposure graph is the run's interaction graph as it stood at each moment
    (:func:`netdyn.analytics.exposure.exposure_edges_from_events`: who read whom, from the first
    interaction of each pair). For runs whose events lack calendar times (Twitter15/16),
    times are comparable only inside one cascade, so the graph is taken as present from the
    start (``static_graph``) and each contagion is observed until its last adoption;
    otherwise actors at risk are observed until the run's last event (right-censored there).

    Parameters
    ----------
    contagions : mapping of contagion type to adoptions
        Each frame has ``contagion_id``, ``actor_id``, ``adopted_at`` (float seconds), one
        row per first adoption (e.g. :func:`thread_adoptions`).
    max_k : int
        Exposure counts shown in ``exposure_response`` (1..max_k).
    chunk_size : int
        Exposures counted at once
        (:func:`netdyn.analytics.exposure_counts.exposure_analysis`); bounds the memory.
    max_pairs : int, optional
        Above this many (adoption, out-edge) pairs a contagion type is analysed on a seeded
        random sample of whole contagions (``exposure_analysis``'s ``max_pairs``); bounds the
        time. ``exposure_hazard`` records ``n_contagions_total``, ``n_pairs``, ``max_pairs``
        and ``sample_rate``. None: every pair is counted.
    seed : int
        Seed of the samples (each contagion type takes its own child seed).

    Returns
    -------
    dict
        Per contagion type: ``n_adoptions``, ``n_exposures``, ``hazard_ratio``, ``status``.

    Notes
    -----
    Only the events of the exposure kinds are loaded, with the five columns the exposure
    graph needs; whether the clock is calendar time and the run's last event time come from
    one aggregate query. The exposures are counted chunk by chunk and never stored, so memory
    grows with adoptions, actors and edges, not with exposures; a progress task per contagion
    type reports the chunks of the three passes (:mod:`netdyn.core.progress`).
    """
    static, last_event_at = _event_clock(con, run_id)
    events = run_events(
        con,
        run_id,
        columns=("kind", "actor_id", "target_actor_id", "occurred_at", "seconds_since_root"),
        kinds=sorted(EXPOSER_IS_TARGET_KINDS | EXPOSER_IS_ACTOR_KINDS),
    )
    edges = exposure_edges_from_events(events)
    del events
    until = None  # relative times: each contagion is observed until its last adoption
    if static:
        edges = edges.with_columns(formed_at=pl.lit(None, dtype=pl.Float64))
    elif last_event_at is not None:
        # calendar times: every actor at risk stays observed until the log's last event
        until = last_event_at
    curves, hazards, summary = [], [], {}
    # a stream of its own (not the root's first children, which the null models take)
    seeds = np.random.SeedSequence([seed, _SAMPLE_STREAM]).spawn(len(contagions))
    for (contagion_type, adoptions), child in zip(contagions.items(), seeds, strict=True):
        with progress.task(f"exposure: {contagion_type}") as bar:

            def report(done: int, total: int, bar: Any = bar) -> None:
                if bar.total != total:
                    bar.update(total=total)
                bar.advance(max(done - bar.completed, 0))

            curve, cox, counts = exposure_analysis(
                adoptions,
                edges,
                until=until,
                max_k=max_k,
                chunk_size=chunk_size,
                max_pairs=max_pairs,
                seed=int(child.generate_state(1)[0]),
                progress=report,
            )
        curves.append(
            curve.select(
                pl.lit(contagion_type).alias("contagion_type"),
                pl.col("k").cast(pl.Int32),
                pl.col("n_exposed").cast(pl.Int64),
                pl.col("n_adopted").cast(pl.Int64),
                pl.col("p").alias("p_adopt"),
                "ci_low",
                "ci_high",
            )
        )
        row = {
            k: v for k, v in cox.to_dict().items() if k not in {"ph_time_transform", "confidence"}
        }
        row = {k: (finite_or_none(v) if isinstance(v, float) else v) for k, v in row.items()}
        hazards.append(
            {
                "contagion_type": contagion_type,
                **row,
                "n_adoptions": adoptions.height,
                "n_exposures": counts.n_exposures,
                "static_graph": static,
                "n_contagions_total": counts.n_contagions,
                "n_pairs": counts.n_pairs,
                "max_pairs": max_pairs,
                "sample_rate": counts.sample_rate,
            }
        )
        summary[contagion_type] = {
            "n_adoptions": adoptions.height,
            "n_exposures": counts.n_exposures,
            "hazard_ratio": row["hazard_ratio"],
            "status": row["status"],
            "sample_rate": counts.sample_rate,
        }
    tables = {
        "exposure_response": pl.concat(curves) if curves else pl.DataFrame(),
        "exposure_hazard": pl.DataFrame(hazards, infer_schema_length=None),
    }
    store_results(con, run_id, {k: v for k, v in tables.items() if v.width})
    return summary
