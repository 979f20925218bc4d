"""Reader for the Twitter15/Twitter16 rumour propagation trees.

Format
------
The archive ``Twitter15_16_dataset.tar.gz`` (or a folder holding its ``twitter15/`` and
``twitter16/`` sub-folders, or one such sub-folder) contains, per set ``twitterNN``:

* ``twitterNN/label.txt``: one ``label:source_tweet_id`` line per tree (``non-rumor``,
  ``false``, ``true``, ``unverified``);
* ``twitterNN/tree/<root_tweet_id>.txt``: one propagation edge per line,
  ``['parent_uid', 'parent_tweet_id', 'parent_delay']->['child_uid', 'child_tweet_id',
  'child_delay']``, delays in minutes after the source tweet as written by the authors. The
  source tweet is the child of a ``['ROOT', 'ROOT', '0.0']`` line.

Lines are parsed with a regular expression (never evaluated). Other members (``README.txt``)
are not records and are ignored; blank lines are skipped and not counted.

Mapping to canonical rows
-------------------------
A node is keyed by ``(uid, tweet_id, delay as written)``, because a retweet is recorded under
the id of the tweet it retweets, so tweet ids repeat inside a tree. Every edge line becomes
one event for its *child* node, whose key ``f"{root_tweet_id}/{uid}/{tweet_id}/{delay}"`` is
both ``source_event_id`` and ``object_id``. The key carries no ``twitter15``/``twitter16``
prefix, so the 169 trees present in both sets deduplicate in the event log (their rows differ
only in ``community`` and ``attributes``, which are not identity columns).

============================  ===============================================================
``kind``                      ``"post"`` for the child of a ROOT line; otherwise
                              ``"retweet"`` when the child's tweet id is the source tweet's id
                              (the dataset records retweets under the source id), else
                              ``"reply"``. This is the dataset's convention, a heuristic: the
                              trees do not say how a child responded.
``occurred_at``               ``None`` (the dataset has no absolute time).
``seconds_since_root``        child delay × 60.
``actor_id``                  child uid.
``target_actor_id``           parent uid (``None`` for the ROOT line).
``object_id``                 the child's key.
``parent_object_id``          the parent's key (``None`` for the ROOT line).
``root_object_id``            the key of the ROOT line's child.
``community``                 the set, ``"twitter15"`` or ``"twitter16"``.
``text``                      ``None`` (tweet text is withheld by the dataset).
``attributes``                ``dataset``, ``label`` (``None`` if ``label.txt`` lacks the
                              tree), ``tweet_id``, ``delay_minutes`` (float),
                              ``parent_tweet_id`` (``None`` for the ROOT line).
============================  ===============================================================

Rules for irregular trees, chosen so that nothing is lost:

* The ROOT line's row is emitted first, then the other lines in file order (27 real trees
  have the ROOT line further down). The event log keeps the first row of a key, so the root
  row survives when a later line repeats the root key with another parent.
* Negative delays are kept (``seconds_since_root < 0``): 27 real trees contain tweets that
  precede the source tweet, and in 17 of them the ROOT line's child is such an earlier tweet,
  not the tweet the file is named after. ``root_object_id`` follows the ROOT line, and
  ``seconds_since_root`` stays the delay the dataset gives (minutes after the named tweet),
  so those 17 roots have negative times. Whether a negative time is a valid event is for
  validation to decide; the reader loses nothing.
* A tree with no ROOT line keeps all its lines; its root is taken to be the parent node of
  the first line whose parent tweet id is the file's tweet id (else the parent of the first
  line), and every row of the tree gets ``"root_inferred": true``. That root has no row.
* A tree with several ROOT lines: the first defines ``root_object_id``; every ROOT line's
  child is a ``"post"`` row.
* Exact repeated lines and repeated keys with another parent (including self-loops, a node
  listed as its own parent) are emitted as they are: the event log counts the former as
  duplicates and quarantines the latter as ``conflicting_duplicate``; validation flags
  self-loops. The reader does not deduplicate.

On the real archive every parent key occurs as a child key of the same tree (no orphans).

Rejects (locator ``"<member>:<line>"``): ``malformed_line`` (not an edge of the form above,
or a ``label.txt`` line that is not ``label:tweet_id``), ``unparseable_timestamp`` (a delay
that is not a decimal number), ``missing_field`` (an empty uid or tweet id),
``invalid_id`` (an id containing ``/`` or whitespace, which would make keys ambiguous, or a
control character such as a NUL byte),
``invalid_encoding`` (a line that is not UTF-8), ``empty_input`` (a tree file with no lines),
``conflicting_duplicate`` (a ``label.txt`` line giving a tree a second, different label).
Well-formed ``label.txt`` lines are metadata, not events, and are not counted in ``n_read``.

References
----------
.. [1] J. Ma, W. Gao, K.-F. Wong, "Detect Rumors in Microblog Posts Using Propagation
   Structure via Kernel Learning", ACL 2017.
.. [2] X. Liu, A. Nourbakhsh, Q. Li, R. Fang, S. Shah, "Real-time Rumor Debunking on
   Twitter", CIKM 2015 (Twitter15).
.. [3] J. Ma et al., "Detecting Rumors from Microblogs with Recurrent Neural Networks",
   IJCAI 2016 (Twitter16).
"""

from __future__ import annotations

import json
import re
import tarfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from netdyn.core import progress
from netdyn.core.errors import InvalidInputError, UnknownFormatError
from netdyn.store.canonical import Chunk, sha256_file, sha256_text

__all__ = ["read"]

_TREE_MEMBER = re.compile(r"(?:^|/)([^/]+)/tree/([^/]+)\.txt$")
_LABEL_MEMBER = re.compile(r"(?:^|/)([^/]+)/label\.txt$")
_NODE = r"\[\s*'([^']*)'\s*,\s*'([^']*)'\s*,\s*'([^']*)'\s*\]"
_EDGE_LOOSE = re.compile(rf"{_NODE}\s*->\s*{_NODE}")
#: The common case in one match: word-character ids and decimal delays (ROOT allowed).
_STRICT_NODE = r"\['(\w+)', '(\w+)', '(-?\d+(?:\.\d+)?)'\]"
_EDGE_STRICT = re.compile(rf"{_STRICT_NODE}->{_STRICT_NODE}", re.ASCII)
_DELAY = re.compile(r"-?\d+(?:\.\d+)?")
_ID = re.compile(r"[^/\s\x00-\x1f\x7f]+")
_ROOT = "ROOT"

_HINT = "did you mean --source edgelist, moltbook-api or moltbook-observatory?"


def read(path: str | Path) -> Iterator[Chunk]:
    """Read the Twitter15/16 propagation trees as one chunk of canonical events.

    Parameters
    ----------
    path : str or Path
        The ``.tar.gz`` archive, a folder holding ``twitter15/`` and ``twitter16/``
        sub-folders, or one such sub-folder (with ``label.txt`` and ``tree/``).

    Returns
    -------
    Iterator of Chunk
        Exactly one chunk for the whole archive or folder: one row per edge line (the edge's
        child node), plus one reject per unusable line. ``uri`` is the resolved path;
        ``content_hash`` is the archive's SHA-256 (for a folder, a SHA-256 over the sorted
        relative names and SHA-256s of its ``label.txt`` and tree files).

    Raises
    ------
    InvalidInputError
        At the call, not on iteration: if ``path`` does not exist.
    UnknownFormatError
        If ``path`` is not a gzip-compressed tar, the archive is truncated or corrupt, or it
        (or the folder) holds no ``*/tree/*.txt`` files.

    Notes
    -----
    The archive is read member by member without extracting it to disk; only one tree file
    (at most a few thousand lines) is held in memory at a time. Labels are read before the
    trees wherever ``label.txt`` sits in the archive.

    Examples
    --------
    A folder with one tree: user ``u1`` posts tweet 100 and ``u2`` retweets it 1.5 minutes
    later:

    >>> import tempfile
    >>> from pathlib import Path
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = Path(tmp.name, "twitter15")
    >>> (folder / "tree").mkdir(parents=True)
    >>> _ = (folder / "label.txt").write_text("false:100\\n")
    >>> _ = (folder / "tree" / "100.txt").write_text(
    ...     "['ROOT', 'ROOT', '0.0']->['u1', '100', '0.0']\\n"
    ...     "['u1', '100', '0.0']->['u2', '100', '1.5']\\n"
    ... )
    >>> chunk = next(read(folder))
    >>> chunk.rows.to_frame().select("kind", "actor_id", "seconds_since_root").rows()
    [('post', 'u1', 0.0), ('retweet', 'u2', 90.0)]
    >>> tmp.cleanup()
    """
    source = Path(path)
    if not source.exists():
        raise InvalidInputError(
            f"{source} does not exist; pass the Twitter15_16_dataset.tar.gz archive or its folder"
        )
    resolved = source.resolve()
    return _chunks(resolved)


def _chunks(resolved: Path) -> Iterator[Chunk]:
    yield _read_folder(resolved) if resolved.is_dir() else _read_archive(resolved)


def _read_archive(path: Path) -> Chunk:
    not_archive = (
        f"{path.name} is not a Twitter15/16 archive: expected a gzip-compressed tar with "
        f"twitter15/tree/*.txt members; {_HINT}"
    )
    chunk = Chunk(uri=str(path), content_hash=sha256_file(str(path)))
    opened = False
    try:
        with tarfile.open(path, mode="r:gz") as archive:
            opened = True
            members = [member for member in archive.getmembers() if member.isfile()]
            trees = [m for m in members if _TREE_MEMBER.search(m.name)]
            if not trees:
                raise UnknownFormatError(not_archive)
            labels: dict[str, dict[str, str]] = {}
            for member in members:
                match = _LABEL_MEMBER.search(member.name)
                if match:
                    data = _member_bytes(archive, member)
                    labels[match.group(1)] = _parse_labels(chunk, member.name, data)
            for member in progress.track(trees, f"read {path.name} (trees)"):
                _read_tree(chunk, member.name, _member_bytes(archive, member), labels)
    except (tarfile.TarError, OSError, EOFError, zlib.error) as e:
        # EOFError / zlib.error while opening: gzip data that ends early or is damaged, so
        # the file is a (small) archive cut short, not a file of another format
        if not opened and not isinstance(e, (EOFError, zlib.error)):
            raise UnknownFormatError(not_archive) from e
        raise UnknownFormatError(
            f"{path.name} is truncated or corrupt ({e}); re-download the archive"
        ) from e
    return chunk


def _member_bytes(archive: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    handle = archive.extractfile(member)
    return handle.read() if handle is not None else b""


def _read_folder(folder: Path) -> Chunk:
    # A folder of sets (twitter15/, twitter16/) or one set folder (label.txt, tree/).
    base = folder if any(folder.glob("*/tree/*.txt")) else folder.parent
    names = sorted(p.relative_to(base).as_posix() for p in folder.rglob("*.txt") if p.is_file())
    trees = [name for name in names if _TREE_MEMBER.search(name)]
    if not trees:
        raise UnknownFormatError(
            f"{folder} holds no Twitter15/16 trees: expected twitter15/tree/*.txt files "
            f"(or tree/*.txt with label.txt in a twitterNN folder); {_HINT}"
        )
    label_names = [name for name in names if _LABEL_MEMBER.search(name)]
    digest = sha256_text(
        f"{name}\0{sha256_file(str(base / name))}\n" for name in (*label_names, *trees)
    )
    chunk = Chunk(uri=str(folder), content_hash=digest)
    labels: dict[str, dict[str, str]] = {}
    for name in label_names:
        match = _LABEL_MEMBER.search(name)
        assert match is not None
        labels[match.group(1)] = _parse_labels(chunk, name, (base / name).read_bytes())
    for name in progress.track(trees, f"read {folder.name} (trees)"):
        _read_tree(chunk, name, (base / name).read_bytes(), labels)
    return chunk


def _lines(data: bytes) -> Iterator[tuple[int, str | bytes]]:
    """Non-blank lines with their 1-based numbers, line endings (LF or CRLF) removed.

    Lines are ``str``; a line that is not valid UTF-8 is yielded as ``bytes``. A leading UTF-8
    byte-order mark is dropped.
    """
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        yield from _lines_one_by_one(data)
        return
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            yield number, line.rstrip("\r")


def _lines_one_by_one(data: bytes) -> Iterator[tuple[int, str | bytes]]:
    for number, raw in enumerate(data.split(b"\n"), start=1):
        raw = raw.rstrip(b"\r")
        if raw.strip():
            try:
                yield number, raw.decode("utf-8")
            except UnicodeDecodeError:
                yield number, raw


def _reject_encoding(chunk: Chunk, locator: str, line: bytes) -> None:
    chunk.reject(
        locator,
        "invalid_encoding",
        "the line is not valid UTF-8",
        line.decode("utf-8", "backslashreplace"),
    )


def _parse_labels(chunk: Chunk, name: str, data: bytes) -> dict[str, str]:
    labels: dict[str, str] = {}
    for number, line in _lines(data):
        locator = f"{name}:{number}"
        if isinstance(line, bytes):
            _reject_encoding(chunk, locator, line)
            continue
        label, sep, tweet_id = (part.strip() for part in line.partition(":"))
        if not (sep and label and tweet_id):
            chunk.reject(locator, "malformed_line", "expected 'label:source_tweet_id'", line)
        elif labels.setdefault(tweet_id, label) != label:
            chunk.reject(
                locator,
                "conflicting_duplicate",
                f"tweet {tweet_id} already has label {labels[tweet_id]!r}; kept the first",
                line,
            )
    return labels


def _diagnose(chunk: Chunk, locator: str, line: str) -> tuple[str, ...] | None:
    """Slow path for a line the strict pattern refused: its fields, or ``None`` if rejected."""
    match = _EDGE_LOOSE.fullmatch(line.strip())
    if match is None:
        chunk.reject(
            locator,
            "malformed_line",
            "expected ['uid', 'tweet_id', 'delay']->['uid', 'tweet_id', 'delay']",
            line,
        )
        return None
    fields = match.groups()
    if fields[0] == _ROOT and fields[1] == _ROOT:
        ids, delays = fields[3:5], fields[5:]
    else:
        ids, delays = (*fields[0:2], *fields[3:5]), (fields[2], fields[5])
    for value in ids:
        if not value:
            chunk.reject(locator, "missing_field", "a uid or tweet id is empty", line)
            return None
        if not _ID.fullmatch(value):
            detail = f"id {value!r} contains '/', whitespace or a control character"
            chunk.reject(locator, "invalid_id", detail, line)
            return None
    for delay in delays:
        if not _DELAY.fullmatch(delay):
            chunk.reject(
                locator,
                "unparseable_timestamp",
                f"delay {delay!r} is not a number of minutes",
                line,
            )
            return None
    return fields


def _read_tree(chunk: Chunk, name: str, data: bytes, labels: dict[str, dict[str, str]]) -> None:
    match = _TREE_MEMBER.search(name)
    assert match is not None
    dataset, root_tweet = match.group(1), match.group(2)

    edges: list[tuple[str, ...]] = []
    root_index: int | None = None
    n_lines = 0
    strict = _EDGE_STRICT.fullmatch
    for number, line in _lines(data):
        n_lines += 1
        if isinstance(line, bytes):
            _reject_encoding(chunk, f"{name}:{number}", line)
            continue
        found = strict(line)
        fields = found.groups() if found else _diagnose(chunk, f"{name}:{number}", line)
        if fields is None:
            continue
        if root_index is None and fields[0] == _ROOT and fields[1] == _ROOT:
            root_index = len(edges)
        edges.append(fields)
    if n_lines == 0:
        chunk.reject(name, "empty_input", "the tree file has no lines", "")
        return
    if not edges:
        return

    prefix = f"{root_tweet}/"
    inferred = root_index is None
    if root_index is not None:
        root = edges[root_index]
        root_key = f"{prefix}{root[3]}/{root[4]}/{root[5]}"
        order = [root_index, *(i for i in range(len(edges)) if i != root_index)]
    else:
        # No ROOT line: the parent of the first edge out of the source tweet, else of the first.
        root = next((e for e in edges if e[1] == root_tweet), edges[0])
        root_key = f"{prefix}{root[0]}/{root[1]}/{root[2]}"
        order = list(range(len(edges)))

    label = labels.get(dataset, {}).get(root_tweet)
    head = f'{{"dataset": {_json(dataset)}, "delay_minutes": '
    middle = f', "label": {_json(label)}, "parent_tweet_id": '
    tail = '"root_inferred": true, "tweet_id": ' if inferred else '"tweet_id": '
    add = chunk.rows.add
    for index in order:
        p_uid, p_tweet, p_delay, uid, tweet, delay = edges[index]
        key = f"{prefix}{uid}/{tweet}/{delay}"
        if p_uid == _ROOT and p_tweet == _ROOT:
            kind, parent_key, target, parent_tweet = "post", None, None, None
        else:
            kind = "retweet" if tweet == root_tweet else "reply"
            parent_key = f"{prefix}{p_uid}/{p_tweet}/{p_delay}"
            target, parent_tweet = p_uid, p_tweet
        minutes = float(delay)
        # The same text json.dumps(..., sort_keys=True, ensure_ascii=False) gives for
        # {dataset, delay_minutes, label, parent_tweet_id, tweet_id}, built without an
        # encoder call per row (a million rows).
        attributes = f"{head}{minutes!r}{middle}{_json(parent_tweet)}, {tail}{_json(tweet)}}}"
        add(
            source_event_id=key,
            kind=kind,
            seconds_since_root=minutes * 60.0,
            actor_id=uid,
            target_actor_id=target,
            object_id=key,
            parent_object_id=parent_key,
            root_object_id=root_key,
            community=dataset,
            attributes=attributes,
        )


_ENCODER = json.JSONEncoder(ensure_ascii=False)


def _json(value: str | None) -> str:
    """``value`` as JSON text, as ``json.dumps(value, ensure_ascii=False)`` writes it."""
    if value is None:
        return "null"
    if value.isdigit():  # ids: nothing to escape
        return f'"{value}"'
    return _ENCODER.encode(value)
