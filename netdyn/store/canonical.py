"""The canonical event row that every reader and generator produces.

A reader turns one input unit (a file, an archive, a generated stream) into a :class:`Chunk`:
canonical rows in an :class:`EventBuffer`, plus :class:`Rejected` rows for everything it could
not turn into an event, each with a reason code. Nothing is dropped silently: every input
record counted in ``n_read`` ends up as exactly one canonical row or one rejected row
(``n_read == len(rows) + len(rejects)``); the event log later splits canonical rows into
inserted and duplicate.

Column conventions (the ``events`` table adds ``event_seq``, ``source``, ``batch_id`` and
``ingested_at`` on append):

``source_event_id``
    The record's identity inside its source; with ``source`` it is the idempotency key.
``kind``
    One of :data:`KINDS`.
``occurred_at``
    When it happened, a timezone-aware UTC ``datetime``; ``None`` when the source gives no
    absolute time (Twitter15/16 trees give only minutes since the source tweet).
``seconds_since_root``
    Seconds since the reference item of the event's cascade (its root, or for Twitter15/16 the
    tweet the tree file is named after), when that is all the source gives; may be negative.
``actor_id`` / ``target_actor_id``
    Who acted / whom the action was addressed to (the author of the parent item, or a
    message's recipient). ``actor_id`` may be null only for the item-creating kinds
    (:data:`AUTHORLESS_KINDS`): an item whose author was deleted is still a node of its reply
    tree, by an unknown actor. A null ``target_actor_id`` on an event with a
    ``parent_object_id`` is derived by the event log from the parent item's author
    (:func:`netdyn.store.eventlog.append_staged`).
``object_id`` / ``parent_object_id`` / ``root_object_id``
    The item the event created, the item it responds to, and the root of its thread.
``community``
    The venue (submolt, subreddit, dataset split).
``text``
    Untrusted free text written by the actor (kept as data, never evaluated).
``attributes``
    Everything else from the source record, as a JSON object.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import polars as pl

__all__ = [
    "KINDS",
    "AUTHORLESS_KINDS",
    "EVENT_SCHEMA",
    "REASONS",
    "Rejected",
    "EventBuffer",
    "Chunk",
    "parse_timestamp",
    "sha256_file",
]

#: Event kinds the log accepts.
KINDS: frozenset[str] = frozenset(
    {"post", "comment", "reply", "retweet", "message", "mention", "vote", "group"}
)

#: Kinds that create an item of a reply tree (posts, comments, replies, retweets): the only
#: kinds whose ``actor_id`` may be null (a deleted author; the item stays in its tree). A
#: message, mention, vote or group event without an actor says nothing and is refused.
AUTHORLESS_KINDS: frozenset[str] = frozenset({"post", "comment", "reply", "retweet"})

#: Polars schema of the canonical rows a reader produces (before the log adds its columns).
EVENT_SCHEMA: dict[str, pl.DataType] = {
    "source_event_id": pl.String(),
    "kind": pl.String(),
    "occurred_at": pl.Datetime("us", "UTC"),
    "seconds_since_root": pl.Float64(),
    "actor_id": pl.String(),
    "target_actor_id": pl.String(),
    "object_id": pl.String(),
    "parent_object_id": pl.String(),
    "root_object_id": pl.String(),
    "community": pl.String(),
    "text": pl.String(),
    "attributes": pl.String(),
}

#: Reason codes for rejected rows, and what each means. Readers and validation use only these.
REASONS: dict[str, str] = {
    "malformed_line": "the line does not have the structure the format requires",
    "invalid_json": "the record is not valid JSON",
    "invalid_encoding": "the bytes are not valid UTF-8 text",
    "missing_field": "a required field is absent or empty",
    "invalid_id": "an identifier is not of the form the source uses",
    "unparseable_timestamp": "a timestamp could not be parsed",
    "timestamp_out_of_range": "a timestamp is before 1970 or after the ingest time",
    "unknown_kind": "the event kind is not one netdyn knows",
    "self_parent": "the item names itself as its parent",
    "conflicting_duplicate": "the same source_event_id occurs again with different content",
    "empty_input": "the file holds no records at all",
}


@dataclass(frozen=True, slots=True)
class Rejected:
    """One input record that could not become an event.

    Attributes
    ----------
    locator : str
        Where it is: ``"<file>:<line>"`` or ``"<file>#<json path>"``.
    reason : str
        A key of :data:`REASONS`.
    detail : str
        A human-readable explanation ("delay 'abc' is not a number").
    raw : str
        The raw text of the record (truncated by the event log if huge).
    """

    locator: str
    reason: str
    detail: str
    raw: str

    def __post_init__(self) -> None:
        if self.reason not in REASONS:
            raise ValueError(f"unknown reason code {self.reason!r}; use one of {sorted(REASONS)}")


class EventBuffer:
    """Column-wise accumulator of canonical event rows.

    ``add`` takes one event's fields as keywords (names of :data:`EVENT_SCHEMA`; missing ones
    are null, ``attributes`` may be a dict); ``add_frame`` takes many at once as a polars
    DataFrame (what vectorised simulators produce). ``to_frame`` returns a polars DataFrame
    with exactly :data:`EVENT_SCHEMA`, rows in the order they were added.
    """

    __slots__ = ("_cols", "_frames")

    def __init__(self) -> None:
        self._cols: dict[str, list[Any]] = {name: [] for name in EVENT_SCHEMA}
        self._frames: list[pl.DataFrame] = []

    def __len__(self) -> int:
        return len(self._cols["source_event_id"]) + sum(f.height for f in self._frames)

    def _flush(self) -> None:
        if self._cols["source_event_id"]:
            self._frames.append(pl.DataFrame(self._cols, schema=EVENT_SCHEMA))
            self._cols = {name: [] for name in EVENT_SCHEMA}

    def add(self, **fields: Any) -> None:
        unknown = fields.keys() - EVENT_SCHEMA.keys()
        if unknown:
            raise TypeError(f"unknown event fields {sorted(unknown)}")
        attributes = fields.get("attributes")
        if isinstance(attributes, dict):
            fields["attributes"] = json.dumps(attributes, ensure_ascii=False, sort_keys=True)
        for name, column in self._cols.items():
            column.append(fields.get(name))

    def add_frame(self, frame: pl.DataFrame) -> None:
        """Append canonical rows given as a DataFrame with exactly the columns of
        :data:`EVENT_SCHEMA` (any order; cast to its types).

        Raises
        ------
        TypeError
            If a column is missing or unknown.
        """
        if set(frame.columns) != set(EVENT_SCHEMA):
            missing = sorted(set(EVENT_SCHEMA) - set(frame.columns))
            unknown = sorted(set(frame.columns) - set(EVENT_SCHEMA))
            raise TypeError(f"event frame columns: missing {missing}, unknown {unknown}")
        self._flush()
        self._frames.append(frame.select(list(EVENT_SCHEMA)).cast(EVENT_SCHEMA))

    def extend(self, other: EventBuffer) -> None:
        self._flush()
        other._flush()
        self._frames.extend(other._frames)

    def to_frame(self) -> pl.DataFrame:
        self._flush()
        if not self._frames:
            return pl.DataFrame(schema=EVENT_SCHEMA)
        return pl.concat(self._frames) if len(self._frames) > 1 else self._frames[0]


@dataclass(slots=True)
class Chunk:
    """What a reader made of one input unit; the event log appends it as one batch.

    Attributes
    ----------
    uri : str
        The input unit (a file path, ``archive.tar.gz``, or ``sim:platform?seed=1``).
    content_hash : str
        SHA-256 of the input bytes (or of the generator's parameters).
    n_read : int
        Records read: ``len(rows) + len(rejects)``.
    rows : EventBuffer
        Canonical rows.
    rejects : list of Rejected
        Rows that could not be converted, each with its reason.
    """

    uri: str
    content_hash: str
    rows: EventBuffer = field(default_factory=EventBuffer)
    rejects: list[Rejected] = field(default_factory=list)

    @property
    def n_read(self) -> int:
        return len(self.rows) + len(self.rejects)

    def reject(self, locator: str, reason: str, detail: str, raw: str) -> None:
        self.rejects.append(Rejected(locator, reason, detail, raw))


def parse_timestamp(value: str) -> datetime:
    """Parse an ISO-8601 timestamp into an aware UTC datetime.

    Accepts ``Z`` or a numeric offset and 0–9 fractional digits (digits beyond microseconds
    are truncated), as MoltBook's API mixes ``...:25.26514+00:00`` and ``...:33.485Z``.

    Raises
    ------
    ValueError
        If the text is not an ISO-8601 timestamp with a time zone. Naive timestamps are
        refused rather than guessed.
    OverflowError
        If the instant falls outside the years 1–9999 once converted to UTC (readers quarantine
        it as ``timestamp_out_of_range``).

    Examples
    --------
    >>> parse_timestamp("2026-03-04T02:21:33.485Z").isoformat()
    '2026-03-04T02:21:33.485000+00:00'
    >>> parse_timestamp("2026-01-29T08:30:25.26514+00:00").microsecond
    265140
    """
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    # Python < 3.12 needs 3 or 6 fractional digits; normalise to 6.
    dot = text.find(".")
    if dot != -1:
        end = dot + 1
        while end < len(text) and text[end].isdigit():
            end += 1
        digits = text[dot + 1 : end]
        text = text[: dot + 1] + (digits + "000000")[:6] + text[end:]
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError(f"timestamp {value!r} has no time zone; add 'Z' or '+00:00'")
    return parsed.astimezone(UTC)


def sha256_file(path: str, chunk_size: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes, read in chunks (constant memory)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk_size):
            digest.update(block)
    return digest.hexdigest()


def sha256_text(parts: Iterable[str]) -> str:
    """Hex SHA-256 of the concatenated UTF-8 parts (used to fingerprint generated streams)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
    return digest.hexdigest()
