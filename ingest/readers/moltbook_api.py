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
record, e.g. ``"x.json#comments[3].replies[0]"``.

* ``invalid_json`` — the file is not valid JSON (one reject for the file, raw = its text).
* ``invalid_encoding`` — the file is not UTF-8 (one reject for the file).
* ``empty_input`` — the file is empty or whitespace only.
* ``missing_field`` — in a folder, a file without a ``post`` object (one reject; a single file
  like that raises :class:`~netdyn.errors.UnknownFormatError` instead, since the wrong reader
  was probably chosen); a post without an ``id`` (the whole file is one reject, because its
  comments cannot be attached to a thread); a comment without an ``id``; a post or comment
  without ``created_at``.
* ``unparseable_timestamp`` — a ``created_at`` that is not an ISO-8601 time with a zone.
* ``malformed_line`` — ``comments``/``replies`` that is not a list, or a comment that is not
  an object.

A rejected comment's replies are still read (their ``parent_id`` names it).

References
----------
.. [1] E. Newman, K. Rimey, "Moltbook Data: A Dataset of AI Agent Social Interactions",
   GitHub, 2026, https://github.com/ExtraE113/moltbook_data.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ingest.canonical import Chunk, parse_timestamp, sha256_file
from netdyn.errors import InvalidInputError, UnknownFormatError

__all__ = ["read"]

_HINT = "did you mean --source moltbook-observatory?"


def read(path: str | Path) -> Iterator[Chunk]:
    """Read MoltBook ``/posts/{id}`` responses, one chunk per file.

    Parameters
    ----------
    path : str or Path
        A folder of ``<post_uuid>.json`` files (read in name order; other files are ignored)
        or one such file.

    Returns
    -------
    Iterator of Chunk
        One chunk per file: the post and all its embedded comments and replies as rows,
        and a reject for each record that could not be converted. ``uri`` is the file's
        resolved path, ``content_hash`` its SHA-256.

    Raises
    ------
    InvalidInputError
        At the call, not on iteration: if ``path`` does not exist.
    UnknownFormatError
        If ``path`` is a folder with no ``*.json`` file, or a single file that is not JSON
        at all or has no ``post`` object.

    Notes
    -----
    Timestamps mix ``Z`` and ``+00:00`` and 3–6 fractional digits; all are parsed to UTC by
    :func:`ingest.canonical.parse_timestamp`. Author snapshots (karma, follower counts) are
    values at download time and are not kept.

    Examples
    --------
    >>> chunks = list(read("moltbook-api-sample/posts"))  # doctest: +SKIP
    >>> sum(chunk.n_read for chunk in chunks)  # doctest: +SKIP
    874
    """
    source = Path(path)
    if not source.exists():
        raise InvalidInputError(
            f"{source} does not exist; pass a folder of <post_uuid>.json files or one such file"
        )
    resolved = source.resolve()
    if resolved.is_dir():
        files = sorted(p for p in resolved.glob("*.json") if p.is_file())
        if not files:
            raise UnknownFormatError(
                f"{resolved} holds no *.json files; expected MoltBook /posts/{{id}} responses "
                f"named <post_uuid>.json; {_HINT}"
            )
        return (_read_file(file, single=False) for file in files)
    return (_read_file(file, single=True) for file in [resolved])


def _read_file(path: Path, *, single: bool) -> Chunk:
    chunk = Chunk(uri=str(path), content_hash=sha256_file(str(path)))
    name = path.name
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
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
    except (json.JSONDecodeError, RecursionError) as e:
        chunk.reject(name, "invalid_json", f"not valid JSON (or nested too deeply): {e}", text)
        return chunk
    post = response.get("post") if isinstance(response, dict) else None
    if not isinstance(post, dict):
        if single:
            raise UnknownFormatError(
                f"{name} is not a MoltBook /posts/{{id}} response: it has no 'post' object; {_HINT}"
            )
        chunk.reject(name, "missing_field", "no 'post' object; not a /posts/{id} response", text)
        return chunk
    post_id = post.get("id")
    if not isinstance(post_id, str) or not post_id:
        chunk.reject(
            f"{name}#post.id",
            "missing_field",
            "the post has no 'id', so neither it nor its comments can be placed",
            text,
        )
        return chunk

    submolt = post.get("submolt")
    community = submolt.get("name") if isinstance(submolt, dict) else None
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
    return chunk


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


def _timestamp(chunk: Chunk, locator: str, item: dict[str, Any], raw: str) -> Any:
    """``item["created_at"]`` as a UTC datetime, or ``None`` after recording a reject."""
    value = item.get("created_at")
    if value is None or value == "":
        chunk.reject(locator, "missing_field", "no 'created_at'", raw)
        return None
    try:
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {type(value).__name__}")
        return parse_timestamp(value)
    except ValueError as e:
        chunk.reject(locator, "unparseable_timestamp", f"created_at {value!r}: {e}", raw)
        return None


def _add_post(
    chunk: Chunk,
    name: str,
    response: dict[str, Any],
    post: dict[str, Any],
    post_id: str,
    author: str | None,
    community: str | None,
) -> None:
    occurred_at = _timestamp(chunk, f"{name}#post", post, _dumps(post))
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
        raw = _dumps({k: v for k, v in comment.items() if k != "replies"})
        if not isinstance(comment_id, str) or not comment_id:
            chunk.reject(locator, "missing_field", "the comment has no 'id'", raw)
            comment_id = None
        else:
            occurred_at = _timestamp(chunk, locator, comment, raw)
            if occurred_at is not None:
                declared = comment.get("parent_id")
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
