"""Reader for timestamped simplices in the ScHoLP format (Benson et al. 2018) as group events.

Format
------
One dataset is a folder holding three files of one integer per line (each may be gzipped,
``.txt.gz``), named after the dataset ``<name>``:

* ``<name>-nverts.txt``: the size of each simplex;
* ``<name>-simplices.txt``: the node ids of all simplices, concatenated in simplex order;
* ``<name>-times.txt``: one time per simplex.

``len(nverts) == len(times)`` and ``sum(nverts) == len(simplices)``. A simplex is a set of
people who interacted at once: the sender and recipients of one email (email-Enron,
email-Eu) or a clique of simultaneous face-to-face contacts (contact-high-school). Other files
in the folder (``README.txt``, ``DATA-DESCRIPTION.txt``, ``<name>-node-labels.txt``) are not
read. Blank lines are skipped.

Mapping to canonical rows
-------------------------
Every member of every simplex becomes one event of kind ``"group"``, so each member is an
actor of its own row and analyses can rebuild the simplex by grouping on ``object_id``:

============================  ===============================================================
``source_event_id``           ``f"{i}:{member}"`` for simplex index ``i`` (0-based, file
                              order) and the member's node id.
``kind``                      ``"group"``.
``occurred_at``               the simplex's time, UTC (see Times).
``actor_id``                  the member's node id (text).
``target_actor_id``           ``None`` (a simplex has no direction).
``object_id``                 ``f"s{i}"``, the simplex; shared by all its members' rows.
``parent_object_id``,         ``None`` (the data has no reply links).
``root_object_id``
``community``                 the dataset name (``email-Enron``).
``text``                      ``None``.
``attributes``                ``simplex_size`` (n) and ``position`` (0-based place of the
                              member in the simplex) on every row; the first member's row
                              (``position`` 0) also has ``members``, the simplex's node ids
                              in file order (integers).
============================  ===============================================================

Size-1 simplices (an email to no other node of the dataset: 431 in email-Enron, 25,755 in
email-Eu) are kept as one-member groups: they are interactions of that person and count in
activity. A node listed twice in one simplex gives two rows with the same key; the event log
counts the second as a duplicate.

Times
-----
A dataset's times are Unix seconds unless their median exceeds ``10**13``; then they are
milliseconds of Julia's ``DateTime``, which counts from ``0000-12-31T00:00:00`` (Rata Die:
day 1 is 0001-01-01; ``Dates.value(DateTime(1970)) == 62_135_683_200_000``). So
``unix_ms = t - 62_135_683_200_000``. email-Enron is stored so (its raw times
63,046,642,020,000 … 63,159,582,033,000 become 1998-11-13T12:07:00 … 2002-06-12T16:20:33); with
this epoch its quiet days are Saturday and Sunday, which a one-day error would move. The
DateTime values carry no zone and are read as UTC (their hour-of-day profile suggests they
are US local wall-clock times). contact-high-school (Dec 2013) and email-Eu are Unix seconds;
email-Eu's dates (2003-09 … 2005-12) are an offset the ScHoLP authors added to SNAP's
relative times, so only differences between them are meaningful.

Rejects
-------
Locator ``"<folder>#<source_event_id>"``: ``timestamp_out_of_range`` (a time no calendar date
can hold; validation further rejects times before 1970 or in the future), ``missing_field``
(a simplex of size 0: locator ``"<folder>#s<i>"``). Files that cannot be aligned (a line that
is not one integer, a negative size, or vectors of mismatched lengths) make the whole dataset
unusable and raise :class:`~netdyn.core.errors.UnknownFormatError`.

References
----------
.. [1] A. R. Benson, R. Abebe, M. T. Schaub, A. Jadbabaie, J. Kleinberg, "Simplicial closure
   and higher-order link prediction", PNAS 115(48), 2018. Data:
   https://github.com/arbenson/ScHoLP-Data.
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl

from netdyn.core.errors import InvalidInputError, UnknownFormatError
from netdyn.store.canonical import EVENT_SCHEMA, Chunk, EventBuffer, sha256_file, sha256_text

__all__ = ["read", "default_label", "dataset_name", "julia_ms_to_unix_ms", "JULIA_UNIX_EPOCH_MS"]

#: Julia ``DateTime`` milliseconds of 1970-01-01T00:00:00 (its epoch is 0000-12-31T00:00:00).
JULIA_UNIX_EPOCH_MS = 719_163 * 86_400_000
#: Times whose median exceeds this are Julia ``DateTime`` milliseconds, not Unix seconds.
JULIA_THRESHOLD = 10**13
_PARTS = ("nverts", "simplices", "times")
_FILE = re.compile(r"^(?P<name>.+)-(?P<part>nverts|simplices|times)\.txt(\.gz)?$")
# microseconds DuckDB and polars can hold (years 1 to 9999); validation narrows further
_MIN_US = -62_135_596_800 * 1_000_000
_MAX_US = 253_402_300_799 * 1_000_000


def julia_ms_to_unix_ms(value: int) -> int:
    """Milliseconds of a Julia ``DateTime`` as Unix milliseconds.

    Examples
    --------
    >>> julia_ms_to_unix_ms(62_135_683_200_000)  # DateTime(1970)
    0
    >>> from datetime import UTC, datetime
    >>> datetime.fromtimestamp(julia_ms_to_unix_ms(63_046_642_020_000) / 1000, UTC).isoformat()
    '1998-11-13T12:07:00+00:00'
    """
    return value - JULIA_UNIX_EPOCH_MS


def _dataset_files(folder: Path) -> dict[str, dict[str, Path]]:
    found: dict[str, dict[str, Path]] = {}
    for path in sorted(folder.iterdir()):
        match = _FILE.match(path.name)
        if match and path.is_file():
            found.setdefault(match["name"], {})[match["part"]] = path
    return found


def dataset_name(folder: str | Path) -> str:
    """The dataset name of a ScHoLP folder, from its ``<name>-nverts.txt(.gz)`` file.

    Raises
    ------
    InvalidInputError
        If the folder holds no such dataset, several, or lacks one of the three files.
    """
    name, _files = _find_dataset(Path(folder))
    return name


def default_label(path: Path) -> str:
    """``scholp:<name>``; the folder's name if the dataset name cannot be found."""
    try:
        return f"scholp:{dataset_name(path)}"
    except InvalidInputError:
        return f"scholp:{Path(path).name}"


def _find_dataset(folder: Path) -> tuple[str, dict[str, Path]]:
    if not folder.is_dir():
        raise InvalidInputError(
            f"{folder} is not a folder; pass the folder holding <name>-nverts.txt, "
            "<name>-simplices.txt and <name>-times.txt (e.g. .../email-Enron)"
        )
    found = _dataset_files(folder)
    if not found:
        subfolders = sorted(p.name for p in folder.iterdir() if p.is_dir())
        hint = f" (one of its sub-folders? {', '.join(subfolders)})" if subfolders else ""
        raise UnknownFormatError(
            f"{folder} holds no ScHoLP dataset: expected <name>-nverts.txt, "
            f"<name>-simplices.txt and <name>-times.txt (.gz allowed); pass one dataset "
            f"folder{hint}"
        )
    if len(found) > 1:
        raise InvalidInputError(
            f"{folder} holds several ScHoLP datasets ({', '.join(sorted(found))}); put each "
            "in its own folder and ingest them one by one"
        )
    ((name, files),) = found.items()
    missing = [part for part in _PARTS if part not in files]
    if missing:
        raise UnknownFormatError(
            f"{folder}: dataset {name} lacks "
            + ", ".join(f"{name}-{part}.txt(.gz)" for part in missing)
            + "; all three of -nverts, -simplices and -times are needed"
        )
    return name, files


def _integers(path: Path) -> np.ndarray:
    """The file's integers, one per non-blank line, as int64."""
    with path.open("rb") as raw:
        compressed = raw.read(2) == b"\x1f\x8b"
    try:
        data = gzip.decompress(path.read_bytes()) if compressed else path.read_bytes()
    except (gzip.BadGzipFile, EOFError, zlib.error, OSError) as e:
        raise UnknownFormatError(
            f"{path.name} is a corrupt or truncated gzip file ({e}); re-download it"
        ) from e
    lines = [line.strip() for line in data.splitlines()]
    lines = [line for line in lines if line]
    try:
        return np.array(lines, dtype=np.bytes_).astype(np.int64) if lines else np.empty(0, int)
    except (ValueError, OverflowError):
        bad = (
            (n, line)
            for n, line in enumerate(data.splitlines(), start=1)
            if line.strip() and not re.fullmatch(rb"\s*[+-]?[0-9]{1,18}\s*", line)
        )
        number, line = next(bad, (0, b"?"))
        raise UnknownFormatError(
            f"{path.name}:{number} is {line[:80]!r}, not one integer; every line of a "
            "ScHoLP file holds one integer"
        ) from None


class _FrameRows(EventBuffer):
    """Canonical rows already built as a polars frame (a vectorised :class:`EventBuffer`)."""

    __slots__ = ("_frame",)

    def __init__(self, frame: pl.DataFrame) -> None:
        super().__init__()
        self._frame = frame.select(
            pl.col(name).cast(dtype) if name in frame.columns else pl.lit(None, dtype).alias(name)
            for name, dtype in EVENT_SCHEMA.items()
        )

    def __len__(self) -> int:
        return self._frame.height

    def add(self, **fields: object) -> None:  # pragma: no cover - never used
        raise TypeError("rows built as a frame cannot be extended row by row")

    def to_frame(self) -> pl.DataFrame:
        return self._frame


def read(path: str | Path) -> Iterator[Chunk]:
    """Read one ScHoLP dataset folder as one chunk of ``group`` events.

    Parameters
    ----------
    path : str or Path
        The folder holding ``<name>-nverts.txt``, ``<name>-simplices.txt`` and
        ``<name>-times.txt`` (each optionally ``.gz``).

    Returns
    -------
    Iterator of Chunk
        Exactly one chunk: one row per simplex member. ``uri`` is the resolved folder;
        ``content_hash`` is a SHA-256 over the three file names and their SHA-256s.

    Raises
    ------
    InvalidInputError
        At the call, not on iteration: if ``path`` does not exist or is not a folder, or holds
        several datasets.
    UnknownFormatError
        At the call: if the folder holds no dataset or lacks one of the three files. On
        iteration: if a line is not one integer, a size is negative, or the vectors'
        lengths disagree (``len(nverts) != len(times)`` or ``sum(nverts) != len(simplices)``).

    Examples
    --------
    Two simplices, ``{1, 2, 3}`` at time 10 and ``{2, 4}`` at 15, as a dataset ``tiny``:

    >>> import tempfile
    >>> from pathlib import Path
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = Path(tmp.name, "tiny")
    >>> folder.mkdir()
    >>> for part, values in (("nverts", "3 2"), ("simplices", "1 2 3 2 4"), ("times", "10 15")):
    ...     _ = (folder / f"tiny-{part}.txt").write_text(values.replace(" ", "\\n") + "\\n")
    >>> chunk = next(read(folder))
    >>> chunk.n_read, chunk.rows.to_frame()["actor_id"].to_list()
    (5, ['1', '2', '3', '2', '4'])
    >>> tmp.cleanup()
    """
    source = Path(path)
    if not source.exists():
        raise InvalidInputError(
            f"{source} does not exist; pass a ScHoLP dataset folder (e.g. .../email-Enron)"
        )
    folder = source.resolve()
    name, files = _find_dataset(folder)
    return _chunks(folder, name, files)


def _chunks(folder: Path, name: str, files: dict[str, Path]) -> Iterator[Chunk]:
    yield _read_dataset(folder, name, files)


def _read_dataset(folder: Path, name: str, files: dict[str, Path]) -> Chunk:
    digest = sha256_text(
        f"{files[part].name}\0{sha256_file(str(files[part]))}\n" for part in _PARTS
    )
    chunk = Chunk(uri=str(folder), content_hash=digest)
    nverts = _integers(files["nverts"])
    simplices = _integers(files["simplices"])
    times = _integers(files["times"])
    n_files = f"{files['nverts'].name} and {files['times'].name}"
    if len(nverts) != len(times):
        raise UnknownFormatError(
            f"{name}: {len(nverts):,} simplex sizes but {len(times):,} times in {n_files}; "
            "the files must come from one dataset (one time per simplex)"
        )
    if len(nverts) and int(nverts.min()) < 0:
        bad = int(np.argmax(nverts < 0))
        raise UnknownFormatError(
            f"{name}: simplex {bad} has size {int(nverts[bad])} in {files['nverts'].name} "
            f"(line {bad + 1}); sizes are counts of nodes"
        )
    total = int(nverts.sum())
    if total != len(simplices):
        raise UnknownFormatError(
            f"{name}: the sizes in {files['nverts'].name} add up to {total:,} node ids but "
            f"{files['simplices'].name} holds {len(simplices):,}; the files must come from "
            "one dataset"
        )
    julia = bool(len(times)) and float(np.median(times)) > JULIA_THRESHOLD
    if julia:
        micros, valid = _to_micros(times - JULIA_UNIX_EPOCH_MS, 1000)
    else:
        micros, valid = _to_micros(times, 1_000_000)
    simplex = np.repeat(np.arange(len(nverts), dtype=np.int64), nverts)
    starts = np.cumsum(nverts) - nverts
    position = np.arange(total, dtype=np.int64) - np.repeat(starts, nverts)
    members = (
        pl.DataFrame({"simplex": simplex, "member": simplices})
        .group_by("simplex")
        .agg(pl.col("member").cast(pl.String).str.join(","))
    )
    frame = (
        pl.DataFrame(
            {
                "simplex": simplex,
                "position": position,
                "member": simplices,
                "size": np.repeat(nverts, nverts),
                "micros": np.repeat(micros, nverts),
                "valid": np.repeat(valid, nverts),
                "raw_time": np.repeat(times, nverts),
            }
        )
        .join(members, on="simplex", how="left", maintain_order="left")
        .with_columns(pl.col("member").cast(pl.String).alias("actor_id"))
    )
    key = pl.format("{}:{}", pl.col("simplex"), pl.col("actor_id"))
    members_json = pl.when(pl.col("position") == 0).then(
        pl.concat_str(pl.lit(',"members":['), pl.col("member_right"), pl.lit("]"))
    )
    rows = frame.select(
        key.alias("source_event_id"),
        pl.lit("group").alias("kind"),
        pl.when(pl.col("valid"))
        .then(pl.col("micros"))
        .cast(pl.Datetime("us", "UTC"))
        .alias("occurred_at"),
        pl.col("actor_id"),
        pl.format("s{}", pl.col("simplex")).alias("object_id"),
        pl.lit(name).alias("community"),
        pl.concat_str(
            pl.lit('{"position":'),
            pl.col("position"),
            pl.lit(',"simplex_size":'),
            pl.col("size"),
            members_json.fill_null(""),
            pl.lit("}"),
        ).alias("attributes"),
        pl.col("valid"),
        pl.col("raw_time"),
    )
    bad = rows.filter(~pl.col("valid"))
    unit = "Julia DateTime milliseconds" if julia else "Unix seconds"
    for sid, raw_time in bad.select("source_event_id", "raw_time").iter_rows():
        chunk.reject(
            f"{folder}#{sid}",
            "timestamp_out_of_range",
            f"time {raw_time} ({unit}) is not a date between the years 1 and 9999",
            f"{sid} {raw_time}",
        )
    for i in np.flatnonzero(nverts == 0):
        chunk.reject(
            f"{folder}#s{i}",
            "missing_field",
            f"simplex {i} has no members (size 0)",
            f"nverts=0 time={int(times[i])}",
        )
    chunk.rows = _FrameRows(rows.filter(pl.col("valid")).drop("valid", "raw_time"))
    return chunk


def _to_micros(values: np.ndarray, scale: int) -> tuple[np.ndarray, np.ndarray]:
    """``values * scale`` as microseconds, and which of them a calendar date can hold."""
    valid = (values >= _MIN_US // scale) & (values <= _MAX_US // scale)
    micros = np.where(valid, values, 0) * scale
    return micros, valid
