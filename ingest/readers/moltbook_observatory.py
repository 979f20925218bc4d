"""Reader for the MoltBook export of the Noosphere Project observatory.

Format
------
Three files, each optionally gzip-compressed (detected by magic bytes, not by the name):

* ``posts.json``: ``{"generated", "source", "total", "posts": [{id, title, author, content,
  upvotes, downvotes, comment_count, created_at}, ...]}``; ``author`` is the agent's *name*
  (the export has no author ids) and there is no submolt field.
* ``comments.json``: ``{"date", "total", "comments": [{id, post_id, author, content,
  created_at, depth}, ...]}``; ``author`` is missing on some rows; there is no ``parent_id``
  (``depth`` is 0 everywhere), so comments form post→comment stars only.
* ``network.csv``: header ``source,target,type,weight``; one row per (source, target, type),
  aggregated over the whole collection, with no timestamps; ``type`` is ``reply`` or
  ``mention``; ``weight`` is the number of interactions. Blank lines are skipped and not
  counted.

A UTF-8 byte-order mark at the start of any of the three is tolerated.

Which of the three a file is, is decided by its content (a JSON object with a ``posts`` or a
``comments`` list; a CSV whose header names ``source``, ``target``, ``type``, ``weight``), so
renamed files still load. The JSON files are parsed whole (a few MB).

Mapping to canonical rows
-------------------------
Actor ids are agent **names** in this source, not the uuids of the MoltBook API, so actors do
not join across the two MoltBook sources without a name→id table.

posts
    ``kind="post"``, ``source_event_id=f"post:{id}"``, ``object_id = root_object_id = id``,
    ``actor_id`` = author name (``None`` and ``"author_missing": true`` when absent),
    ``occurred_at`` from ``created_at``, ``text`` = content, ``community=None``; attributes
    ``title``, ``upvotes``, ``downvotes``, ``comment_count``.
comments
    ``kind="comment"``, ``source_event_id=f"comment:{id}"``, ``object_id`` = id,
    ``parent_object_id = root_object_id = post_id``, ``actor_id`` = author name or ``None``
    (kept, with ``"author_missing": true``), ``target_actor_id=None`` (the post's author is
    known only through a join), ``occurred_at`` from ``created_at``, ``text`` = content;
    attribute ``depth`` as exported (0-based: 0 = directly on the post, unlike the API
    reader's 1-based depth).
network edges
    ``kind`` = the edge type, ``source_event_id=f"edge:{type}:{source}>{target}"``,
    ``actor_id`` = source, ``target_actor_id`` = target, ``occurred_at=None``,
    ``object_id=None``; attributes ``{"weight": int, "aggregated": true}``. Many mention
    targets are regex fragments of the exporter ("b", "ches"); they are kept as data.

Rejects
-------
Locators are ``"<file>#posts[i]"``/``"<file>#comments[i]"`` for JSON records and
``"<file>:<line>"`` for CSV rows.

* ``missing_field`` — a post or comment without ``id`` or ``created_at``, a comment without
  ``post_id``, an edge with an empty source, target or type.
* ``unparseable_timestamp`` — a ``created_at`` that is not ISO-8601 with a zone.
* ``timestamp_out_of_range`` — a ``created_at`` that cannot be a UTC time at all (year 1 or
  9999 with an offset that moves it out of the calendar); validation rejects times before
  1970 or in the future with the same code.
* ``malformed_line`` — a record that is not a JSON object, or whose ``content`` is neither
  text nor null; a CSV row with the wrong number of columns, or one the CSV parser cannot
  read (a field over its 128 KiB limit); a weight that is not a non-negative integer.
* ``unknown_kind`` — an edge type other than ``reply`` or ``mention``.
* ``invalid_encoding`` — a CSV row, or a whole JSON file, that is not UTF-8.
* ``invalid_json`` — a file that starts like JSON but does not parse (one reject for the file).
* ``empty_input`` — a file that is empty or whitespace only, a ``network.csv`` with a header
  but no rows, or a JSON file whose ``posts``/``comments`` list is empty (one reject for the
  file).

References
----------
.. [1] Noosphere Project, "Moltbook Observatory" (2026-02-01), CC BY 4.0,
   https://noosphereproject.com, https://github.com/rafalwronapl/moltbook-observatory.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from netdyn.core import progress
from netdyn.core.errors import InvalidInputError, UnknownFormatError
from netdyn.store.canonical import Chunk, parse_timestamp, sha256_file

__all__ = ["read"]

#: The export's file names, in the order a folder is read.
FILE_NAMES: tuple[str, ...] = ("posts.json", "comments.json", "network.csv")
_NETWORK_COLUMNS = ("source", "target", "type", "weight")
_EDGE_KINDS = frozenset({"reply", "mention"})
_COUNT = re.compile(r"\d+")
_GZIP_MAGIC = b"\x1f\x8b"
_HINT = "did you mean --source moltbook-api or edgelist?"


def read(path: str | Path) -> Iterator[Chunk]:
    """Read the observatory export, one chunk per file.

    Parameters
    ----------
    path : str or Path
        The export folder (its ``posts.json``, ``comments.json`` and ``network.csv``, each
        with or without ``.gz``, are read in that order; absent ones are skipped, and a file
        present both plain and gzipped is read twice, the event log counting the repeats
        as duplicates) or one of the three files.

    Returns
    -------
    Iterator of Chunk
        One chunk per file; ``uri`` is the file's resolved path, ``content_hash`` the
        SHA-256 of its bytes as stored (compressed if gzipped).

    Raises
    ------
    InvalidInputError
        At the call, not on iteration: if ``path`` does not exist.
    UnknownFormatError
        If the folder holds none of the three files, or a file is neither a JSON object
        with a ``posts``/``comments`` list nor a CSV with the columns
        ``source,target,type,weight``, or a gzip file is corrupt.

    Notes
    -----
    Network edges carry no time: ``occurred_at`` is ``None`` and the weight is an aggregate
    count, so edges must not be read as single events in time.

    Examples
    --------
    A folder with one post and two aggregated edges (no ``comments.json``):

    >>> import json
    >>> import tempfile
    >>> from pathlib import Path
    >>> tmp = tempfile.TemporaryDirectory()
    >>> post = {"id": "p1", "author": "Alpha", "created_at": "2026-02-03T13:11:42Z"}
    >>> _ = Path(tmp.name, "posts.json").write_text(json.dumps({"posts": [post]}))
    >>> _ = Path(tmp.name, "network.csv").write_text(
    ...     "source,target,type,weight\\nAlpha,Beta,reply,2\\nBeta,Alpha,mention,1\\n"
    ... )
    >>> [chunk.n_read for chunk in read(tmp.name)]
    [1, 2]
    >>> tmp.cleanup()
    """
    source = Path(path)
    if not source.exists():
        raise InvalidInputError(
            f"{source} does not exist; pass the observatory export folder or one of "
            "posts.json(.gz), comments.json(.gz), network.csv(.gz)"
        )
    resolved = source.resolve()
    if resolved.is_dir():
        files = [
            resolved / f"{name}{suffix}"
            for name in FILE_NAMES
            for suffix in ("", ".gz")
            if (resolved / f"{name}{suffix}").is_file()
        ]
        if not files:
            raise UnknownFormatError(
                f"{resolved} holds none of {', '.join(FILE_NAMES)} (optionally .gz); "
                f"pass the observatory export folder or one of its files; {_HINT}"
            )
        return (_read_file(file) for file in progress.track(files, f"read {resolved.name}"))
    return (_read_file(file) for file in [resolved])


def _read_file(path: Path) -> Chunk:
    chunk = Chunk(uri=str(path), content_hash=sha256_file(str(path)))
    data = path.read_bytes()
    if data[:2] == _GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as e:
            raise UnknownFormatError(
                f"{path.name} is a corrupt or truncated gzip file ({e}); re-download it"
            ) from e
    name = path.name
    data = data.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 byte-order mark is not content
    if not data.strip():
        chunk.reject(name, "empty_input", "the file is empty", "")
    elif data.lstrip()[:1] in (b"{", b"["):
        _read_json(chunk, name, data)
    else:
        _read_network(chunk, name, data)
    return chunk


def _read_json(chunk: Chunk, name: str, data: bytes) -> None:
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as e:
        raw = data.decode("utf-8", "backslashreplace")
        chunk.reject(name, "invalid_encoding", f"the file is not UTF-8 ({e.reason})", raw)
        return
    except (ValueError, RecursionError) as e:
        # ValueError: JSONDecodeError, or an integer beyond Python's 4300-digit limit
        detail = f"not valid JSON (or nested too deeply): {e}"
        chunk.reject(name, "invalid_json", detail, data.decode("utf-8"))
        return
    if isinstance(document, dict) and isinstance(document.get("posts"), list):
        key, add = "posts", _add_post
    elif isinstance(document, dict) and isinstance(document.get("comments"), list):
        key, add = "comments", _add_comment
    else:
        raise UnknownFormatError(
            f"{name} is JSON but not an observatory export: expected an object with a "
            f"'posts' or 'comments' list; {_HINT}"
        )
    records = document[key]
    if not records:
        chunk.reject(name, "empty_input", f"the {key!r} list is empty", data.decode("utf-8"))
    for index, record in enumerate(records):
        add(chunk, f"{name}#{key}[{index}]", record)


def _record(chunk: Chunk, locator: str, record: Any, ids: tuple[str, ...]) -> Any:
    """Check a JSON record; return its ``created_at`` as UTC, or ``None`` after a reject."""
    raw = json.dumps(record, ensure_ascii=False)
    if not isinstance(record, dict):
        chunk.reject(locator, "malformed_line", f"expected an object, got {raw[:40]}", raw)
        return None
    for key in ids:
        value = record.get(key)
        if not isinstance(value, str) or not value:
            chunk.reject(locator, "missing_field", f"{key!r} is missing, empty or not text", raw)
            return None
    value = record.get("created_at")
    if value is None or value == "":
        chunk.reject(locator, "missing_field", "no 'created_at'", raw)
        return None
    try:
        if not isinstance(value, str):
            raise ValueError(f"expected text, got {type(value).__name__}")
        occurred_at = parse_timestamp(value)
    except ValueError as e:
        chunk.reject(locator, "unparseable_timestamp", f"created_at {value!r}: {e}", raw)
        return None
    except OverflowError as e:  # e.g. year 1 with a positive offset: no such UTC time
        detail = f"created_at {value!r} is outside the years 1-9999 in UTC ({e})"
        chunk.reject(locator, "timestamp_out_of_range", detail, raw)
        return None
    content = record.get("content")
    if content is not None and not isinstance(content, str):
        detail = f"'content' must be text or null, got {type(content).__name__}"
        chunk.reject(locator, "malformed_line", detail, raw)
        return None
    return occurred_at


def _author(record: dict[str, Any]) -> tuple[str | None, dict[str, bool]]:
    author = record.get("author")
    if isinstance(author, str) and author:
        return author, {}
    return None, {"author_missing": True}


def _add_post(chunk: Chunk, locator: str, post: Any) -> None:
    occurred_at = _record(chunk, locator, post, ("id",))
    if occurred_at is None:
        return
    actor, flags = _author(post)
    chunk.rows.add(
        source_event_id=f"post:{post['id']}",
        kind="post",
        occurred_at=occurred_at,
        actor_id=actor,
        object_id=post["id"],
        root_object_id=post["id"],
        text=post.get("content"),
        attributes={
            "title": post.get("title"),
            "upvotes": post.get("upvotes"),
            "downvotes": post.get("downvotes"),
            "comment_count": post.get("comment_count"),
            **flags,
        },
    )


def _add_comment(chunk: Chunk, locator: str, comment: Any) -> None:
    occurred_at = _record(chunk, locator, comment, ("id", "post_id"))
    if occurred_at is None:
        return
    actor, flags = _author(comment)
    chunk.rows.add(
        source_event_id=f"comment:{comment['id']}",
        kind="comment",
        occurred_at=occurred_at,
        actor_id=actor,
        object_id=comment["id"],
        parent_object_id=comment["post_id"],
        root_object_id=comment["post_id"],
        text=comment.get("content"),
        attributes={"depth": comment.get("depth"), **flags},
    )


def _read_network(chunk: Chunk, name: str, data: bytes) -> None:
    # surrogateescape keeps undecodable bytes visible per row instead of failing the file.
    text = data.decode("utf-8", "surrogateescape").removeprefix("\ufeff")
    consumed: list[str] = []  # the physical lines of the row being parsed, for its raw text

    def lines() -> Iterator[str]:
        for line in io.StringIO(text, newline=""):
            consumed.append(line)
            yield line

    rows = csv.reader(lines())
    try:
        header = [column.strip() for column in next(rows, [])]
    except csv.Error as e:
        raise UnknownFormatError(
            f"{name} is not an observatory network.csv: its first row is not CSV ({e}); {_HINT}"
        ) from e
    if not set(_NETWORK_COLUMNS) <= set(header):
        raise UnknownFormatError(
            f"{name} is not an observatory network.csv: expected a header with the columns "
            f"{','.join(_NETWORK_COLUMNS)}, got {','.join(header)[:80]!r}; {_HINT}"
        )
    at = {column: header.index(column) for column in _NETWORK_COLUMNS}
    n_records = 0
    while True:
        consumed.clear()
        try:
            fields = next(rows)
        except StopIteration:
            break
        except csv.Error as e:  # e.g. a field over the csv module's 128 KiB limit
            n_records += 1
            raw = _visible("".join(consumed).rstrip("\r\n"))
            detail = f"the row cannot be read as CSV: {e}"
            chunk.reject(f"{name}:{rows.line_num}", "malformed_line", detail, raw)
            continue
        locator = f"{name}:{rows.line_num}"
        raw = ",".join(fields)
        if not any(field.strip() for field in fields):
            continue
        n_records += 1
        if not raw.isascii() and _has_surrogates(raw):
            chunk.reject(locator, "invalid_encoding", "the row is not valid UTF-8", _visible(raw))
            continue
        if len(fields) != len(header):
            chunk.reject(
                locator,
                "malformed_line",
                f"expected {len(header)} columns ({','.join(header)}), got {len(fields)}",
                raw,
            )
            continue
        source, target, kind, weight = (fields[at[c]].strip() for c in _NETWORK_COLUMNS)
        if not (source and target and kind):
            chunk.reject(locator, "missing_field", "source, target or type is empty", raw)
        elif kind not in _EDGE_KINDS:
            chunk.reject(locator, "unknown_kind", f"type {kind!r} is not 'reply' or 'mention'", raw)
        elif not _COUNT.fullmatch(weight):
            chunk.reject(
                locator, "malformed_line", f"weight {weight!r} is not a non-negative integer", raw
            )
        else:
            chunk.rows.add(
                source_event_id=f"edge:{kind}:{source}>{target}",
                kind=kind,
                actor_id=source,
                target_actor_id=target,
                attributes={"weight": int(weight), "aggregated": True},
            )
    if n_records == 0:
        chunk.reject(name, "empty_input", "the file has a header but no rows", ",".join(header))


def _visible(text: str) -> str:
    """``text`` with bytes that ``surrogateescape`` kept (not UTF-8) shown as ``\\xNN``."""
    if text.isascii() or not _has_surrogates(text):
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _has_surrogates(text: str) -> bool:
    """Whether ``text`` holds bytes that ``surrogateescape`` kept because they are not UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
