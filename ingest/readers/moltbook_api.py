"""Reader for raw MoltBook API ``GET /posts/{id}`` responses.

Format
------
A folder of ``<post_uuid>.json`` files (or one such file), each one API response as saved by
the moltbook_data downloader: ``{"success", "post": {...}, "comments": [...], "context",
"_downloaded_at", "_endpoint"}``. Four schema variants occur and all load:

* **A/B** (downloads up to mid-February 2026): comments embedded under ``comments``, each with
  recursive ``replies``; comment authors as ``author.id`` (A) or also ``author_id`` (B).
* **C** (from late February 2026): no ``comments`` key; the post has ``type``,
  ``author_id`` and a camelCase ``author`` object.
* **D** (from July 2026): as C plus ``post.labels``.

A file named ``*.ndjson`` or ``*.jsonl`` (optionally gzip-compressed, detected from its first
bytes; the name may end in ``.gz``) holds one such response per line (NDJSON, as
``benchmarks/generate.py`` writes and bulk exports use). Blank lines are skipped and not
counted. To keep memory bounded whatever the file's size, it is read in blocks of
:data:`LINES_PER_CHUNK` physical lines, one chunk (one batch) per block: the chunk's ``uri``
is ``f"{path}#lines={first}-{last}"`` (1-based, inclusive) and its ``content_hash`` is
``f"{sha256 of the whole file}#lines={first}-{last}"``, so a block is recognised as already
committed when the same file is read again. A folder may mix ``*.json`` and NDJSON files.

The variant is detected from the keys of each file (``labels`` → D; ``type`` or
``author_id`` on the post → C; otherwise A/B), never from the download date.

Mapping to canonical rows
-------------------------
The **post** becomes one ``"post"`` event: ``source_event_id = f"post:{id}"``,
``object_id = root_object_id = id``, ``parent_object_id = None``, ``occurred_at`` from
``created_at``, ``actor_id`` from ``post.author_id`` or ``post.author.id`` (``None`` when the
author is ``null``; the event is kept with ``"author_missing": true``), ``community`` = the
submolt name, ``text`` = the content (may be ``None``). Attributes: ``title``, ``url``,
``upvotes``, ``downvotes``, ``comment_count``, ``author_name``, ``type``, ``schema_variant``
(``"A/B"``, ``"C"`` or ``"D"``), ``comments_embedded`` (``True`` only if the file has a
``comments`` key: in C/D files "no key" means the API did not embed comments, not that the
post has none) and ``downloaded_at``.

Every **comment** and nested **reply** (recursively through ``replies``) becomes one event:
``source_event_id = f"comment:{id}"``, ``kind`` ``"comment"`` for a top-level comment
(``parent_id`` null) and ``"reply"`` otherwise, ``object_id`` = its id,
``parent_object_id`` = its ``parent_id`` (for a nested reply without one, the enclosing
comment's id; for a top-level comment, the post id), ``root_object_id`` = the post id,
``actor_id`` from ``author_id`` or ``author.id``, ``target_actor_id`` = the author id of the
enclosing item (the post's author for a top-level comment; ``None`` if unknown),
``occurred_at`` from ``created_at``, ``community`` = the submolt name, ``text`` = the
content. Attributes: ``author_name``, ``upvotes``, ``downvotes``, ``depth`` (1 for a
top-level comment, 2 for a reply to it, ...).

``n_read`` counts the post and every comment of each file.

Rejects
-------
Locators are ``"<file name>"`` for a whole file and ``"<file name>#<json path>"`` for a
record, e.g. ``"x.json#comments[3].replies[0]"``. In an NDJSON file the line takes the file's
place: ``"<file name>:<line>"`` for a whole line and ``"<file name>:<line>#<json path>"`` for a
record in it, e.g. ``"posts.ndjson:17#comments[0]"``.

* ``invalid_json`` — the file (an NDJSON line) is not valid JSON (one reject for the file or
  line, raw = its text).
* ``invalid_encoding`` — the file (an NDJSON line) is not UTF-8 (one reject for it).
* ``empty_input`` — the file is empty or whitespace only (an NDJSON file: holds no line that
  is not blank; the reject is in its last chunk).
* ``missing_field`` — in a folder, a file (in any NDJSON file, a line) without a ``post``
  object (one reject; a single file like that, or a single NDJSON file whose first record is
  like that, raises :class:`~netdyn.core.errors.UnknownFormatError` instead, since the wrong reader
  was probably chosen); a post without an ``id`` (the whole file or line is one reject,
  because its comments cannot be attached to a thread); a comment without an ``id``; a post or
  comment without ``created_at``.
* ``unparseable_timestamp`` — a ``created_at`` that is not an ISO-8601 time with a zone.
* ``timestamp_out_of_range`` — a ``created_at`` that cannot be a UTC time at all (year 1 or
  9999 with an offset that moves it out of the calendar); times before 1970 or in the future
  are rejected by validation with the same code.
* ``malformed_line`` — ``comments``/``replies`` that is not a list, a comment that is not
  an object, or a ``content`` that is neither text nor null; a ``submolt.name`` that is
  neither text nor null (the whole file is one reject, since every record carries it).
* ``invalid_id`` — a comment whose ``parent_id`` is neither text nor null.

A rejected comment's replies are still read (their ``parent_id`` names it).

References
----------
.. [1] E. Newman, K. Rimey, "Moltbook Data: A Dataset of AI Agent Social Interactions",
   GitHub, 2026, https://github.com/ExtraE113/moltbook_data.
"""

from __future__ import annotations

import codecs
import gzip
import json
import zlib
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from netdyn.core import progress
from netdyn.core.errors import InvalidInputError, UnknownFormatError
from netdyn.store.canonical import Chunk, parse_timestamp, sha256_file

__all__ = ["read", "LINES_PER_CHUNK"]

#: Physical lines of an NDJSON file per chunk (each chunk is appended as one batch). Changing
#: it changes the chunks' content hashes, so files read before are read (and deduplicated) again.
LINES_PER_CHUNK = 50_000

_HINT = "did you mean --source moltbook-observatory?"
_PATTERNS = ("*.json", "*.ndjson", "*.jsonl", "*.ndjson.gz", "*.jsonl.gz")
_NDJSON_SUFFIXES = (".ndjson", ".jsonl", ".ndjson.gz", ".jsonl.gz")
_GZIP_MAGIC = b"\x1f\x8b"


def read(path: str | Path, *, lines_per_chunk: int | None = None) -> Iterator[Chunk]:
    """Read MoltBook ``/posts/{id}`` responses, one chunk per file or per block of lines.

    Parameters
    ----------
    path : str or Path
        A folder of ``<post_uuid>.json`` files and/or NDJSON files (``*.ndjson``,
        ``*.jsonl``, optionally ``.gz``), read in name order (other files are ignored), or
        one such file.
    lines_per_chunk : int, optional
        Physical lines of an NDJSON file per chunk (default :data:`LINES_PER_CHUNK`).

    Returns
    -------
    Iterator of Chunk
        For a ``.json`` file one chunk: the post and all its embedded comments and replies as
        rows, and a reject for each record that could not be converted; ``uri`` is the file's
        resolved path, ``content_hash`` its SHA-256. For an NDJSON file one chunk per block of
        ``lines_per_chunk`` lines, made lazily (one block in memory at a time); ``uri`` is
        ``f"{path}#lines={first}-{last}"`` and ``content_hash`` the file's SHA-256 followed
        by the same ``#lines=`` range (``#lines=0-0`` for a file of zero bytes).

    Raises
    ------
    InvalidInputError
        At the call, not on iteration: if ``path`` does not exist.
    ValueError
        At the call: if ``lines_per_chunk`` < 1.
    UnknownFormatError
        If ``path`` is a folder with no ``*.json`` or NDJSON file, or a single file that is
        not JSON at all or has no ``post`` object (for an NDJSON file: whose first record is
        not JSON or has no ``post`` object), or a corrupt gzip file.

    Notes
    -----
    Timestamps mix ``Z`` and ``+00:00`` and 3–6 fractional digits; all are parsed to UTC by
    :func:`netdyn.store.canonical.parse_timestamp`. Author snapshots (karma, follower counts) are
    values at download time and are not kept. A record that appears on several lines or in
    several files keeps one event (the event log counts the others as duplicates).

    Examples
    --------
    A folder with one response: post ``p1`` by ``a1`` and a comment on it by ``a2``:

    >>> import json
    >>> import tempfile
    >>> from pathlib import Path
    >>> tmp = tempfile.TemporaryDirectory()
    >>> comment = {"id": "c1", "parent_id": None, "content": "hi", "author": {"id": "a2"},
    ...            "created_at": "2026-01-29T06:00:00Z", "replies": []}
    >>> post = {"id": "p1", "title": "Hello", "content": "body", "author": {"id": "a1"},
    ...         "created_at": "2026-01-29T05:54:32.940823+00:00"}
    >>> response = {"success": True, "post": post, "comments": [comment]}
    >>> _ = Path(tmp.name, "p1.json").write_text(json.dumps(response))
    >>> (chunk,) = read(tmp.name)
    >>> chunk.rows.to_frame().select("kind", "actor_id", "target_actor_id").rows()
    [('post', 'a1', None), ('comment', 'a2', 'a1')]
    >>> tmp.cleanup()
    """
    source = Path(path)
    if not source.exists():
        raise InvalidInputError(
            f"{source} does not exist; pass a folder of <post_uuid>.json files, an NDJSON "
            "file of responses, or one .json file"
        )
    if lines_per_chunk is None:
        lines_per_chunk = LINES_PER_CHUNK
    if lines_per_chunk < 1:
        raise ValueError(f"lines_per_chunk must be >= 1; got {lines_per_chunk}")
    resolved = source.resolve()
    if resolved.is_dir():
        files = sorted({p for pattern in _PATTERNS for p in resolved.glob(pattern) if p.is_file()})
        if not files:
            raise UnknownFormatError(
                f"{resolved} holds no *.json files (nor *.ndjson / *.jsonl); expected MoltBook "
                f"/posts/{{id}} responses named <post_uuid>.json; {_HINT}"
            )
        return (
            chunk
            for file in progress.track(files, f"read {resolved.name} (files)")
            for chunk in _read_unit(file, single=False, lines_per_chunk=lines_per_chunk)
        )
    return _read_unit(resolved, single=True, lines_per_chunk=lines_per_chunk)


def _is_ndjson(path: Path) -> bool:
    return path.name.lower().endswith(_NDJSON_SUFFIXES)


def _read_unit(path: Path, *, single: bool, lines_per_chunk: int) -> Iterator[Chunk]:
    if _is_ndjson(path):
        yield from _read_ndjson(path, single=single, lines_per_chunk=lines_per_chunk)
    else:
        yield _read_file(path, single=single)


def _read_file(path: Path, *, single: bool) -> Chunk:
    chunk = Chunk(uri=str(path), content_hash=sha256_file(str(path)))
    name = path.name
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")  # a leading byte-order mark is not content
    except UnicodeDecodeError as e:
        if single and data.lstrip()[:1] not in (b"{", b"["):
            raise UnknownFormatError(f"{name} is not a JSON file; {_HINT}") from e
        raw = data.decode("utf-8", "backslashreplace")
        chunk.reject(name, "invalid_encoding", f"the file is not UTF-8 ({e.reason})", raw)
        return chunk
    if not text.strip():
        chunk.reject(name, "empty_input", "the file is empty", text)
        return chunk
    if single and text.lstrip()[0] not in "{[":
        raise UnknownFormatError(
            f"{name} is not JSON (it starts with {text.lstrip()[:20]!r}); expected a MoltBook "
            f"/posts/{{id}} response; {_HINT}"
        )
    try:
        response = json.loads(text)
    except (ValueError, RecursionError) as e:  # also: an int over 4300 digits
        chunk.reject(name, "invalid_json", f"not valid JSON (or nested too deeply): {e}", text)
        return chunk
    _add_response(chunk, name, response, text, single=single)
    return chunk


def _read_ndjson(path: Path, *, single: bool, lines_per_chunk: int) -> Iterator[Chunk]:
    """Chunks of ``lines_per_chunk`` physical lines of an NDJSON file, made one at a time."""
    file_hash = sha256_file(str(path))
    name = path.name
    with path.open("rb") as probe:
        compressed = probe.read(2) == _GZIP_MAGIC
    chunk = Chunk(uri="", content_hash="")
    first = line_no = n_records = 0
    try:
        with gzip.open(path, "rb") if compressed else path.open("rb") as handle:
            line = handle.readline()
            while line:
                line_no += 1
                first = first or line_no
                n_records += _read_line(
                    chunk, name, line_no, line, single=single and n_records == 0
                )
                line = handle.readline()  # one line ahead: the last chunk knows it is last
                if not line and n_records == 0:
                    chunk.reject(name, "empty_input", "the file holds only blank lines", "")
                if not line or line_no - first + 1 == lines_per_chunk:
                    yield _finish(chunk, path, file_hash, first, line_no)
                    chunk, first = Chunk(uri="", content_hash=""), 0
    except (gzip.BadGzipFile, EOFError, zlib.error) as e:
        raise UnknownFormatError(
            f"{name} is a corrupt or truncated gzip file ({e}) after line {line_no}; "
            "re-download it (the blocks before it were read)"
        ) from e
    if line_no == 0:
        chunk.reject(name, "empty_input", "the file is empty", "")
        yield _finish(chunk, path, file_hash, 0, 0)


def _finish(chunk: Chunk, path: Path, file_hash: str, first: int, last: int) -> Chunk:
    lines = f"#lines={first}-{last}"
    chunk.uri = f"{path}{lines}"
    chunk.content_hash = f"{file_hash}{lines}"
    return chunk


def _read_line(chunk: Chunk, name: str, line_no: int, line: bytes, *, single: bool) -> int:
    """Add one NDJSON line's post and comments to ``chunk``; return 1, or 0 for a blank line.

    ``single``: the line is the first record of a file given alone, which decides whether
    the file is in this format at all.
    """
    data = line.strip()
    if line_no == 1:
        data = data.removeprefix(codecs.BOM_UTF8)  # a byte-order mark is not content
    if not data:
        return 0
    where = f"{name}:{line_no}"
    if single and data[:1] != b"{":
        preview = data[:20].decode("utf-8", "backslashreplace")
        raise UnknownFormatError(
            f"{name} is not JSON lines (line {line_no} starts with {preview!r}); expected one "
            f"MoltBook /posts/{{id}} response per line; {_HINT}"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raw = data.decode("utf-8", "backslashreplace")
        chunk.reject(where, "invalid_encoding", f"the line is not UTF-8 ({e.reason})", raw)
        return 1
    try:
        response = json.loads(text)
    except (ValueError, RecursionError) as e:  # also: an int over 4300 digits
        chunk.reject(where, "invalid_json", f"not valid JSON (or nested too deeply): {e}", text)
        return 1
    _add_response(chunk, where, response, text, single=single)
    return 1


def _add_response(chunk: Chunk, name: str, response: Any, text: str, *, single: bool) -> None:
    """Add the post and comments of one parsed response; ``name`` prefixes the locators."""
    post = response.get("post") if isinstance(response, dict) else None
    if not isinstance(post, dict):
        if single:
            raise UnknownFormatError(
                f"{name} is not a MoltBook /posts/{{id}} response: it has no 'post' object; {_HINT}"
            )
        chunk.reject(name, "missing_field", "no 'post' object; not a /posts/{id} response", text)
        return
    post_id = post.get("id")
    if not isinstance(post_id, str) or not post_id:
        chunk.reject(
            f"{name}#post.id",
            "missing_field",
            "the post has no 'id', so neither it nor its comments can be placed",
            text,
        )
        return

    submolt = post.get("submolt")
    community = submolt.get("name") if isinstance(submolt, dict) else None
    if community is not None and not isinstance(community, str):
        detail = f"'submolt.name' must be text or null, got {type(community).__name__}"
        chunk.reject(f"{name}#post.submolt.name", "malformed_line", detail, text)
        return
    post_author = _author_id(post)
    _add_post(chunk, name, response, post, post_id, post_author, community)

    if "comments" in response:
        comments = response["comments"]
        _add_comments(
            chunk,
            name,
            comments,
            "comments",
            post_id=post_id,
            parent_id=None,
            parent_author=post_author,
            depth=1,
            community=community,
        )


def _author_id(item: dict[str, Any]) -> str | None:
    author_id = item.get("author_id")
    if isinstance(author_id, str) and author_id:
        return author_id
    author = item.get("author")
    if isinstance(author, dict):
        nested = author.get("id")
        if isinstance(nested, str) and nested:
            return nested
    return None


def _author_name(item: dict[str, Any]) -> str | None:
    author = item.get("author")
    return author.get("name") if isinstance(author, dict) else None


def _variant(post: dict[str, Any]) -> str:
    if "labels" in post:
        return "D"
    if "type" in post or "author_id" in post:
        return "C"
    return "A/B"


def _timestamp(chunk: Chunk, locator: str, item: dict[str, Any], raw: Callable[[], str]) -> Any:
    """``item["created_at"]`` as a UTC datetime, or ``None`` after recording a reject.

    ``raw`` makes the record's raw text, only when it is rejected.
    """
    value = item.get("created_at")
    if value is None or value == "":
        chunk.reject(locator, "missing_field", "no 'created_at'", raw())
        return None
    try:
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {type(value).__name__}")
        return parse_timestamp(value)
    except ValueError as e:
        chunk.reject(locator, "unparseable_timestamp", f"created_at {value!r}: {e}", raw())
        return None
    except OverflowError as e:  # e.g. year 1 with a positive offset: no such UTC time
        detail = f"created_at {value!r} is outside the years 1-9999 in UTC ({e})"
        chunk.reject(locator, "timestamp_out_of_range", detail, raw())
        return None


def _text_ok(chunk: Chunk, locator: str, item: dict[str, Any], raw: Callable[[], str]) -> bool:
    """Whether ``item["content"]`` is text or null; otherwise record a reject."""
    content = item.get("content")
    if content is None or isinstance(content, str):
        return True
    detail = f"'content' must be text or null, got {type(content).__name__}"
    chunk.reject(locator, "malformed_line", detail, raw())
    return False


def _add_post(
    chunk: Chunk,
    name: str,
    response: dict[str, Any],
    post: dict[str, Any],
    post_id: str,
    author: str | None,
    community: str | None,
) -> None:
    raw = partial(_dumps, post)  # made only for a reject
    if not _text_ok(chunk, f"{name}#post", post, raw):
        return
    occurred_at = _timestamp(chunk, f"{name}#post", post, raw)
    if occurred_at is None:
        return
    attributes: dict[str, Any] = {
        "title": post.get("title"),
        "url": post.get("url"),
        "upvotes": post.get("upvotes"),
        "downvotes": post.get("downvotes"),
        "comment_count": post.get("comment_count"),
        "author_name": _author_name(post),
        "type": post.get("type"),
        "schema_variant": _variant(post),
        "comments_embedded": "comments" in response,
        "downloaded_at": response.get("_downloaded_at"),
    }
    if author is None:
        attributes["author_missing"] = True
    chunk.rows.add(
        source_event_id=f"post:{post_id}",
        kind="post",
        occurred_at=occurred_at,
        actor_id=author,
        object_id=post_id,
        root_object_id=post_id,
        community=community,
        text=post.get("content"),
        attributes=attributes,
    )


def _add_comments(
    chunk: Chunk,
    name: str,
    comments: Any,
    path: str,
    *,
    post_id: str,
    parent_id: str | None,
    parent_author: str | None,
    depth: int,
    community: str | None,
) -> None:
    """Add a list of comments (and, recursively, their replies) found at JSON ``path``."""
    if comments is None:
        return
    if not isinstance(comments, list):
        chunk.reject(
            f"{name}#{path}",
            "malformed_line",
            f"expected a list of comments, got {type(comments).__name__}",
            _dumps(comments),
        )
        return
    for index, comment in enumerate(comments):
        here = f"{path}[{index}]"
        locator = f"{name}#{here}"
        if not isinstance(comment, dict):
            chunk.reject(
                locator,
                "malformed_line",
                f"expected a comment object, got {type(comment).__name__}",
                _dumps(comment),
            )
            continue
        comment_id = comment.get("id")
        author = _author_id(comment)
        raw = partial(_dumps_item, comment)
        declared = comment.get("parent_id")
        if not isinstance(comment_id, str) or not comment_id:
            chunk.reject(locator, "missing_field", "the comment has no 'id'", raw())
            comment_id = None
        elif declared is not None and not isinstance(declared, str):
            detail = f"'parent_id' must be text or null, got {type(declared).__name__}"
            chunk.reject(locator, "invalid_id", detail, raw())
        elif _text_ok(chunk, locator, comment, raw):
            occurred_at = _timestamp(chunk, locator, comment, raw)
            if occurred_at is not None:
                is_top = depth == 1 and not declared
                parent = declared or parent_id or post_id
                attributes: dict[str, Any] = {
                    "author_name": _author_name(comment),
                    "upvotes": comment.get("upvotes"),
                    "downvotes": comment.get("downvotes"),
                    "depth": depth,
                }
                if author is None:
                    attributes["author_missing"] = True
                chunk.rows.add(
                    source_event_id=f"comment:{comment_id}",
                    kind="comment" if is_top else "reply",
                    occurred_at=occurred_at,
                    actor_id=author,
                    target_actor_id=parent_author,
                    object_id=comment_id,
                    parent_object_id=parent,
                    root_object_id=post_id,
                    community=community,
                    text=comment.get("content"),
                    attributes=attributes,
                )
        _add_comments(
            chunk,
            name,
            comment.get("replies"),
            f"{here}.replies",
            post_id=post_id,
            parent_id=comment_id,
            parent_author=author,
            depth=depth + 1,
            community=community,
        )


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _dumps_item(item: dict[str, Any]) -> str:
    """A comment's raw text without its replies (which are records of their own)."""
    return _dumps({k: v for k, v in item.items() if k != "replies"})
