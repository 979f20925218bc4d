"""Validation: checks on canonical rows before they reach the event log.

Readers reject what they cannot parse; validation rejects what parses but cannot be a valid
event. The checks are one SQL ``case`` expression over the staged rows, so the same rules
apply to rows from Python readers and to rows a SQL reader stages inside DuckDB, and they run
vectorised over millions of rows.

Checks (a row failing several gets the first reason in this order):

``missing_field``
    ``source_event_id`` or ``kind`` is null or blank, or ``actor_id`` is null or blank on an
    event whose kind is not in :data:`netdyn.store.canonical.AUTHORLESS_KINDS`. A post,
    comment, reply or retweet may have no actor (its author was deleted): it is stored with a
    null ``actor_id`` so that its reply tree stays whole. A message, mention, vote or group
    event without an actor has no one acting, and is refused.
``unknown_kind``
    ``kind`` is not in :data:`netdyn.store.canonical.KINDS`.
``timestamp_out_of_range``
    ``occurred_at`` before 1970-01-01 UTC or more than one day after the ingest time, or a
    ``seconds_since_root`` that is not finite. (A *negative* ``seconds_since_root`` is valid:
    relative times are measured from the source's reference item, and Twitter15/16 trees list
    tweets posted before the tweet their file is named after.)
``self_parent``
    ``parent_object_id`` equals ``object_id``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from netdyn.store.canonical import AUTHORLESS_KINDS, KINDS

__all__ = ["validation_sql", "EARLIEST", "FUTURE_SLACK"]

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)


def validation_sql(now: datetime | None = None, *, kind: str | None = None) -> tuple[str, str]:
    """SQL expressions for the reason code and the detail of a canonical row.

    Parameters
    ----------
    now : datetime, optional
        The ingest time for the future-timestamp check (default: the current UTC time).
    kind : str, optional
        The one kind a reader gives every row (the edge-list reader's ``message``). It is
        checked here, once, and the per-row kind checks are left out of the expressions, as
        is the actor check: such a reader refuses an empty actor itself (the edge-list reader
        quarantines a line with an empty source as ``malformed_line``).

    Returns
    -------
    reason, detail : str
        SQL expressions over the canonical columns: ``reason`` is null for a valid row or one
        of the codes above; ``detail`` explains it.

    Raises
    ------
    ValueError
        If ``kind`` is given and is not in :data:`netdyn.store.canonical.KINDS`.
    """
    latest = ((now or datetime.now(UTC)) + FUTURE_SLACK).astimezone(UTC)
    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind {kind!r} is not one of {sorted(KINDS)}")
    kinds = ", ".join(f"'{k}'" for k in sorted(KINDS))
    kind_names = ", ".join(sorted(KINDS))
    authorless = ", ".join(f"'{k}'" for k in sorted(AUTHORLESS_KINDS))
    authorless_names = ", ".join(sorted(AUTHORLESS_KINDS))
    no_actor = (
        f"(actor_id is null or trim(actor_id) = '') and kind not in ({authorless})"
        if kind is None
        else "false"  # a reader that fixes the kind checks its own actor column
    )
    reason = f"""
        case
            when source_event_id is null or trim(source_event_id) = ''
                 {"" if kind else "or kind is null or trim(kind) = ''"} then 'missing_field'
            when {"false" if kind else f"kind not in ({kinds})"} then 'unknown_kind'
            when {no_actor} then 'missing_field'
            when occurred_at < timestamptz '{EARLIEST.isoformat()}'
                 or occurred_at > timestamptz '{latest.isoformat()}'
                 or isinf(seconds_since_root) or isnan(seconds_since_root)
                 then 'timestamp_out_of_range'
            when parent_object_id = object_id then 'self_parent'
        end"""
    detail = f"""
        case
            when source_event_id is null or trim(source_event_id) = ''
                 {"" if kind else "or kind is null or trim(kind) = ''"}
                 then 'source_event_id and kind must be non-empty'
            when {"false" if kind else f"kind not in ({kinds})"}
                 then 'kind ' || kind || ' is not one of: {kind_names}'
            when {no_actor}
                 then 'actor_id is empty; only {authorless_names} events (items whose author '
                      || 'was deleted) may have no actor, not ' || kind
            when occurred_at < timestamptz '{EARLIEST.isoformat()}'
                 or occurred_at > timestamptz '{latest.isoformat()}'
                 then 'occurred_at ' || occurred_at::varchar || ' is before 1970 or after '
                      || '{latest.isoformat()}'
            when isinf(seconds_since_root) or isnan(seconds_since_root)
                 then 'seconds_since_root ' || seconds_since_root::varchar || ' is not finite'
            when parent_object_id = object_id
                 then 'object ' || object_id || ' names itself as its parent'
        end"""
    return reason, detail
