"""Validation: checks on canonical rows before they reach the event log.

Readers reject what they cannot parse; validation rejects what parses but cannot be a valid
event. Every check is vectorised over the batch and yields the reason codes of
:data:`ingest.canonical.REASONS`.

Checks (a row failing several gets the first reason in this order):

``missing_field``
    ``source_event_id`` or ``kind`` is null or empty.
``unknown_kind``
    ``kind`` is not in :data:`ingest.canonical.KINDS`.
``timestamp_out_of_range``
    ``occurred_at`` before 1970-01-01 UTC or more than one day after the ingest time, or a
    ``seconds_since_root`` that is not finite. (A *negative* ``seconds_since_root`` is valid:
    relative times are measured from the source's reference item, and Twitter15/16 trees list
    tweets posted before the tweet their file is named after.)
``self_parent``
    ``parent_object_id`` equals ``object_id``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import polars as pl

from ingest.canonical import KINDS, Rejected

__all__ = ["validate_rows", "EARLIEST", "FUTURE_SLACK"]

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)


def validate_rows(
    rows: pl.DataFrame, *, uri: str, now: datetime | None = None
) -> tuple[pl.DataFrame, list[Rejected]]:
    """Split canonical rows into valid rows and rejected rows.

    Parameters
    ----------
    rows : polars.DataFrame
        Canonical rows (:data:`ingest.canonical.EVENT_SCHEMA`), one per event.
    uri : str
        The input unit, used in the rejected rows' locators (``uri#source_event_id``).
    now : datetime, optional
        The ingest time for the future-timestamp check (default: the current UTC time).

    Returns
    -------
    valid : polars.DataFrame
        The rows that passed, in their original order.
    rejected : list of Rejected
        One per failed row, with its reason code and the row as JSON in ``raw``.
    """
    now = now or datetime.now(UTC)
    sid = pl.col("source_event_id")
    kind = pl.col("kind")
    ts = pl.col("occurred_at")
    reason = (
        pl.when(sid.is_null() | (sid.str.strip_chars() == "") | kind.is_null() | (kind == ""))
        .then(pl.lit("missing_field"))
        .when(~kind.is_in(sorted(KINDS)))
        .then(pl.lit("unknown_kind"))
        .when(
            (ts < EARLIEST) | (ts > now + FUTURE_SLACK) | ~pl.col("seconds_since_root").is_finite()
        )
        .then(pl.lit("timestamp_out_of_range"))
        .when(pl.col("parent_object_id") == pl.col("object_id"))
        .then(pl.lit("self_parent"))
        .otherwise(pl.lit(None, dtype=pl.String))
        .alias("_reason")
    )
    tagged = rows.with_columns(reason)
    bad = tagged.filter(pl.col("_reason").is_not_null())
    rejected = [
        Rejected(
            locator=f"{uri}#{row['source_event_id']}",
            reason=row["_reason"],
            detail=_DETAILS[row["_reason"]](row),
            raw=json.dumps(
                {k: v for k, v in row.items() if k != "_reason"}, default=str, ensure_ascii=False
            ),
        )
        for row in bad.iter_rows(named=True)
    ]
    return tagged.filter(pl.col("_reason").is_null()).drop("_reason"), rejected


_DETAILS = {
    "missing_field": lambda r: "source_event_id and kind must be non-empty",
    "unknown_kind": lambda r: f"kind {r['kind']!r} is not one of {sorted(KINDS)}",
    "timestamp_out_of_range": lambda r: (
        f"occurred_at {r['occurred_at']} / seconds_since_root {r['seconds_since_root']} "
        "is before 1970, in the future, or not a finite number"
    ),
    "self_parent": lambda r: f"object {r['object_id']!r} names itself as its parent",
}
