"""Reader for temporal edge lists: ``src dst unix_seconds`` per line.

Format
------
One directed interaction per line, three fields separated by runs of whitespace (spaces or
tabs): the sender, the recipient and the time in integer Unix seconds (UTC). No header; the
file may be gzip-compressed, which is detected from its first bytes, not from its name.
LF and CRLF line endings are accepted. This is the format of SNAP's temporal networks, such
as CollegeMsg (Panzarasa, Opsahl & Carley 2009).

* The **first line only** may be a header of non-numeric words (``src dst time``, as some
  copies of CollegeMsg add); it is skipped and not counted in ``n_read``. A non-numeric line
  anywhere else is a bad record.
* **Blank lines** are skipped and not counted; they hold no record.

Mapping to canonical rows
-------------------------
Each line becomes one ``"message"`` event: ``actor_id`` = src, ``target_actor_id`` = dst,
``occurred_at`` = the UTC time of the seconds, ``object_id``/``parent_object_id``/
``root_object_id`` = ``None`` (messages have no reply links), no text or attributes.
``source_event_id = f"{src}>{dst}@{ts}#{k}"`` where ``k`` is how many earlier lines of the
same file carry the same ``(src, dst, ts)``: repeated lines are distinct messages sent in
the same second (CollegeMsg has 37 of them), so all are kept and keep distinct keys. Because
``k`` counts within one file, re-reading the file gives the same keys.

Rejects
-------
Locator ``"<file>:<line>"`` (1-based physical line).

* ``malformed_line`` — not exactly three fields (an empty id shows up this way, since runs of
  whitespace separate fields).
* ``unparseable_timestamp`` — a time that is not an integer number of seconds.
* ``timestamp_out_of_range`` — an integer too large to be a date.
* ``invalid_id`` — an id containing ``>``, ``@`` or ``#``, which would make keys ambiguous.
* ``invalid_encoding`` — a line that is not UTF-8.
* ``empty_input`` — a file that is empty or holds only blank lines (one reject for the file).
  A file holding only a header line is a valid empty edge list: no rows, no rejects.

References
----------
.. [1] P. Panzarasa, T. Opsahl, K. M. Carley, "Patterns and dynamics of users' behavior and
   interaction: Network analysis of an online community", JASIST 60(5), 2009.
.. [2] J. Leskovec, A. Krevl, "SNAP Datasets: Stanford Large Network Dataset Collection",
   https://snap.stanford.edu/data/CollegeMsg.html.
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from ingest.canonical import Chunk, sha256_file
from netdyn.errors import InvalidInputError, UnknownFormatError

__all__ = ["read", "stem"]

_GZIP_MAGIC = b"\x1f\x8b"
_SUFFIXES = (".gz", ".txt", ".csv", ".tsv", ".edges")
_INTEGER = re.compile(r"[+-]?\d+")
_WORD = re.compile(r"[A-Za-z_][\w-]*")
_KEY_SEPARATORS = re.compile(r"[>@#]")
_SNIFF_BYTES = 1 << 16


def stem(path: str | Path) -> str:
    """The file name without its ``.txt``, ``.csv``, ``.tsv``, ``.edges`` and ``.gz`` suffixes.

    Used as the default ``source`` label ``edgelist:<stem>``.

    Parameters
    ----------
    path : str or Path
        An edge-list file; it need not exist.

    Returns
    -------
    str
        The name with any trailing ``.gz``, ``.txt``, ``.csv``, ``.tsv`` and ``.edges``
        suffixes removed, in any order and case (the suffixes the registry's edge-list
        patterns match); the full name if nothing would be left.

    Examples
    --------
    >>> stem("../shared/data/snap-collegemsg/CollegeMsg.txt.gz")
    'CollegeMsg'
    >>> stem("email-Eu.csv")
    'email-Eu'
    >>> stem("edges")
    'edges'
    """
    name = Path(path).name
    base = name
    while base.lower().endswith(_SUFFIXES):
        base = base[: base.rfind(".")]
    return base or name


def read(path: str | Path) -> Iterator[Chunk]:
    """Read a temporal edge list as one chunk of ``"message"`` events.

    Parameters
    ----------
    path : str or Path
        A text file of ``src dst unix_seconds`` lines, plain or gzip-compressed.

    Returns
    -------
    Iterator of Chunk
        Exactly one chunk for the file: one row per record line, one reject per bad line.
        ``uri`` is the resolved path, ``content_hash`` the SHA-256 of the stored bytes.

    Raises
    ------
    InvalidInputError
        At the call, not on iteration: if ``path`` does not exist or is a folder.
    UnknownFormatError
        If the file is not text (it holds NUL bytes, as archives and binaries do), starts
        like JSON, or is a corrupt gzip file.

    Notes
    -----
    Times are integer seconds since 1970-01-01 UTC; ``occurred_at`` is timezone-aware UTC.
    Ties (same second) keep file order.

    Examples
    --------
    >>> chunk = next(read("CollegeMsg.txt.gz"))  # doctest: +SKIP
    >>> chunk.rows.to_frame().row(0)[:5]  # doctest: +SKIP
    ('1>2@1082040961#0', 'message', datetime(2004, 4, 15, 14, 56, 1, tzinfo=UTC), None, '1')
    """
    source = Path(path)
    if not source.exists():
        raise InvalidInputError(f"{source} does not exist; pass a 'src dst unix_seconds' file")
    resolved = source.resolve()
    if resolved.is_dir():
        raise InvalidInputError(
            f"{resolved} is a folder; pass one edge-list file (e.g. CollegeMsg.txt.gz)"
        )
    return _chunks(resolved)


def _chunks(resolved: Path) -> Iterator[Chunk]:
    chunk = Chunk(uri=str(resolved), content_hash=sha256_file(str(resolved)))
    with resolved.open("rb") as raw:
        compressed = raw.read(2) == _GZIP_MAGIC
    opener = gzip.open if compressed else open
    try:
        with opener(resolved, "rb") as handle:
            _check_text(resolved.name, handle.peek(_SNIFF_BYTES)[:_SNIFF_BYTES])
            _read_lines(chunk, resolved.name, handle)
    except (gzip.BadGzipFile, EOFError, zlib.error) as e:
        raise UnknownFormatError(
            f"{resolved.name} is a corrupt or truncated gzip file ({e}); re-download it"
        ) from e
    yield chunk


def _check_text(name: str, head: bytes) -> None:
    if b"\0" in head:
        raise UnknownFormatError(
            f"{name} is not a text edge list (it holds NUL bytes; an archive or binary file?); "
            "did you mean --source twitter15-16 for a .tar.gz?"
        )
    if head.lstrip()[:1] in (b"{", b"["):
        raise UnknownFormatError(
            f"{name} is JSON, not a 'src dst unix_seconds' edge list; "
            "did you mean --source moltbook-api or moltbook-observatory?"
        )


def _read_lines(chunk: Chunk, name: str, handle: BinaryIO) -> None:
    seen: dict[tuple[str, str, str], int] = {}
    add = chunk.rows.add
    any_line = False
    for number, raw in enumerate(handle, start=1):
        if not raw.strip():
            continue
        any_line = True
        locator = f"{name}:{number}"
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            text = raw.decode("utf-8", "backslashreplace").rstrip("\r\n")
            chunk.reject(locator, "invalid_encoding", f"the line is not UTF-8 ({e.reason})", text)
            continue
        line = line.rstrip("\r\n")
        fields = line.split()
        if number == 1 and all(_WORD.fullmatch(field) for field in fields):
            continue  # a header line such as "src dst time"
        if len(fields) != 3:
            chunk.reject(
                locator,
                "malformed_line",
                f"expected 3 whitespace-separated fields (src dst unix_seconds), got {len(fields)}",
                line,
            )
            continue
        src, dst, ts = fields
        if _KEY_SEPARATORS.search(src) or _KEY_SEPARATORS.search(dst):
            chunk.reject(locator, "invalid_id", "an id contains '>', '@' or '#'", line)
            continue
        if not _INTEGER.fullmatch(ts):
            chunk.reject(
                locator,
                "unparseable_timestamp",
                f"time {ts!r} is not an integer number of Unix seconds",
                line,
            )
            continue
        try:
            occurred_at = datetime.fromtimestamp(int(ts), UTC)
        except (OverflowError, OSError, ValueError) as e:
            chunk.reject(locator, "timestamp_out_of_range", f"time {ts} is not a date: {e}", line)
            continue
        triple = (src, dst, ts)
        k = seen.get(triple, 0)
        seen[triple] = k + 1
        add(
            source_event_id=f"{src}>{dst}@{ts}#{k}",
            kind="message",
            occurred_at=occurred_at,
            actor_id=src,
            target_actor_id=dst,
        )
    if not any_line:
        chunk.reject(name, "empty_input", "the file holds no lines", "")
