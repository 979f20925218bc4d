"""Reader for your own tables: CSV, Parquet or NDJSON files with a column mapping.

Format
------
One record per row (CSV with a header line, Parquet) or per line (NDJSON: one JSON object per
line). Which file column becomes which canonical column is given by *options* (strings, from
``netdyn ingest --option KEY=VALUE`` or a TOML options file):

``format``
    ``csv``, ``parquet`` or ``ndjson``. Default: from the file name, ``.csv``/``.tsv``
    (optionally ``.gz``) → csv, ``.parquet``/``.pq`` → parquet, ``.ndjson``/``.jsonl``
    (optionally ``.gz``) → ndjson.
``delimiter``
    The CSV field separator, one character (``tab`` or ``\\t`` for a tab, ``space`` for a
    space). Default ``,`` (``\\t`` for ``.tsv``). Quoting is RFC 4180 (``"``, doubled to
    escape).
``columns``
    The column names of CSV files that have no header line, comma separated
    (``src,dst,unixts``); every line is then a record. Without it the first line is the
    header.
``label``
    The ``source`` label of the events. Default ``table:<file stem>`` (of the path given);
    ``netdyn ingest --label`` wins over it.
``time_format``
    How ``occurred_at`` is written: ``iso`` (default; ISO-8601 with ``Z`` or an offset such
    as ``+02:00``), ``unix_s`` or ``unix_ms`` (numbers, decimals allowed), or a strftime
    pattern such as ``%d/%m/%Y %H:%M:%S %z``. A Parquet column that already has a timestamp
    type is used as it is.
``time_zone``
    Only ``UTC``: read timestamps that carry no zone (ISO text without an offset, a pattern
    without ``%z``, a Parquet ``TIMESTAMP`` column) as UTC. Without it such timestamps are
    refused (``unparseable_timestamp``, or an error for a whole pattern or column) rather
    than guessed.
a canonical column name
    ``source_event_id``, ``kind``, ``occurred_at``, ``actor_id``, ``target_actor_id``,
    ``object_id``, ``parent_object_id``, ``root_object_id``, ``community``, ``text``,
    ``seconds_since_root``: the value is the name of the file column (for NDJSON, the key of
    the top-level object) that holds it. A value starting with ``=`` is a constant:
    ``kind==message`` makes every row's kind the literal ``message``. ``kind`` and
    ``actor_id`` must be mapped; the others are optional (null when unmapped).

Per-file options
----------------
A folder may hold files of different shapes (threads and comments). An options key
``files.<pattern>.<option>`` gives ``<option>`` for the files whose name matches the
``fnmatch`` pattern; in a TOML options file these are sections (``netdyn ingest
--options-file`` flattens nested tables with dots)::

    [options]
    label = "reddit-college"
    delimiter = "tab"
    actor_id = "author_h"

    [files."*_threads.tsv.gz"]
    kind = "=post"
    object_id = "thread_id"

    [files."*_comments.tsv.gz"]
    kind = "=reply"
    object_id = "comment_id"
    parent_object_id = "parent_id"

Each file is read with the shared options overlaid by its section's. With sections, a folder
yields only the files that match one, section by section in the order written (so the file of
parent items can come before the replies, whose targets the event log derives from their
parents' authors); a file that matches no section, or several, is refused. ``label`` can only
be shared.

The reader is a *SQL reader*: DuckDB scans the file and every check runs in SQL, so memory
stays bounded for files of millions of rows.

Mapping to canonical rows
-------------------------
Each record becomes one event with the mapped columns (text; empty values are null).
Every file column that no option names goes into ``attributes``, a JSON object keyed by
column name (CSV values as text, Parquet values with their types, NDJSON values as written;
NDJSON keys absent from a line are absent from its object). ``attributes`` is null when every
column is mapped.

When ``source_event_id`` is mapped, it is the key and the event log handles repeated keys
(an identical repeat counts as a duplicate, a repeat with other identity columns is
quarantined as ``conflicting_duplicate``). When it is not mapped, the key is derived from
the content::

    source_event_id = to_json([v1, v2, ...]) || '#' || k

where ``v1, v2, ...`` are the values of the identity columns that have a mapping (a column
or a constant), in the order
``kind, occurred_at, seconds_since_root, actor_id, target_actor_id, object_id,
parent_object_id, root_object_id`` (text, ``null`` when empty; ``occurred_at`` written as
``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC, ``seconds_since_root`` as DuckDB prints the double;
either as written when it does not parse), and ``k`` is how many earlier records of the same
file have the same values (0 for the first). Exact repeated records are therefore kept as
distinct events, as in the edge-list reader. The key depends only on content, so the same
records under the same source label deduplicate, whatever the file is called.

Rejects
-------
Records the reader cannot parse are quarantined with the locator ``"<file>:<line>"``
(1-based physical line); records rejected by the checks have ``"<file>#<source_event_id>"``.

* ``malformed_line`` — a CSV line with the wrong number of fields or broken quoting, a line
  longer than 16 MB, or an NDJSON line that holds a NUL byte or is valid JSON but not an
  object.
* ``invalid_encoding`` — a line that is not UTF-8.
* ``invalid_json`` — an NDJSON line that is not valid JSON (blank lines are skipped and not
  counted).
* ``missing_field`` — an empty ``kind``, ``source_event_id`` or ``occurred_at`` (when mapped
  to a column), or an empty ``actor_id`` on an event that is not a post, comment, reply or
  retweet. Those four kinds create items of a reply tree: with an empty (or blank) actor, a
  deleted author, they are stored with a null ``actor_id`` so that their trees stay whole.
* ``unparseable_timestamp`` — an ``occurred_at`` not in ``time_format`` (including ISO text
  without a zone, unless ``time_zone=UTC``), or a ``seconds_since_root`` that is not a number.
* ``timestamp_out_of_range`` — a Unix number too large to be a date; and validation's checks
  (:func:`netdyn.ingest.validate.validation_sql`: ``unknown_kind``, dates before 1970 or in the
  future, ``self_parent``).
* ``empty_input`` — a file with no records (one reject for the file).

LF and CRLF line endings are accepted, but not both in one file: DuckDB's scanner cannot read
such a file, and the reader raises :class:`~netdyn.core.errors.UnknownFormatError` (nothing is
stored) rather than guess where lines end.

Examples
--------
``netdyn ingest --source table --path msgs.csv --option kind==message
--option actor_id=sender --option target_actor_id=receiver --option occurred_at=ts
--option time_format=unix_s``

``netdyn ingest --source table --options-file examples/reddit-college.toml
--path ../shared/data/reddit-college`` (``examples/`` holds options files for real datasets)
"""

from __future__ import annotations

import contextlib
import csv
import difflib
import fnmatch
import functools
import gzip
import io
import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from netdyn.core.errors import InvalidInputError, UnknownFormatError
from netdyn.ingest.readers._paths import file_stem
from netdyn.ingest.readers.spec import ReaderSpec, StagedInput
from netdyn.ingest.validate import validation_sql
from netdyn.store.canonical import AUTHORLESS_KINDS
from netdyn.store.eventlog import IDENTITY_COLUMNS

__all__ = [
    "MAPPABLE",
    "OPTIONS",
    "TableOptions",
    "configure",
    "parse_options",
    "stage",
    "stem",
]

#: Canonical columns a table option can map (``attributes`` is built from the rest).
MAPPABLE: tuple[str, ...] = (
    "source_event_id",
    "kind",
    "occurred_at",
    "actor_id",
    "target_actor_id",
    "object_id",
    "parent_object_id",
    "root_object_id",
    "community",
    "text",
    "seconds_since_root",
)
#: Options that are not column mappings.
OPTIONS: tuple[str, ...] = ("format", "delimiter", "columns", "time_format", "time_zone", "label")
#: Prefix of per-file options: ``files.<file name pattern>.<option>``.
FILES_PREFIX = "files."

FORMATS = ("csv", "parquet", "ndjson")
TIME_FORMATS = ("iso", "unix_s", "unix_ms")
# identity columns of the derived key, in key order
_KEY_COLUMNS = IDENTITY_COLUMNS
_REQUIRED = ("kind", "actor_id")
_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
}
PATTERNS: dict[str, tuple[str, ...]] = {
    "csv": ("*.csv", "*.csv.gz", "*.tsv", "*.tsv.gz"),
    "parquet": ("*.parquet", "*.pq"),
    "ndjson": ("*.ndjson", "*.ndjson.gz", "*.jsonl", "*.jsonl.gz"),
}
_GZIP_MAGIC = b"\x1f\x8b"
_PARQUET_MAGIC = b"PAR1"
_SNIFF_BYTES = 1 << 16
_MAX_LINE_BYTES = 1 << 24
# Unix seconds DuckDB can hold as a timestamp (years 1 to 9999); validation narrows further
_MIN_SECONDS = -62_135_596_800
_MAX_SECONDS = 253_402_300_799
_ISO_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_ISO_TIME = r"[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?"
_ISO_ZONE = r"([zZ]|[+-][0-9]{2}(:?[0-9]{2})?)"
_TEMPORARY = ("_table_repeats", "_table_rows", "_table_lines", "_table_scan")


@dataclass(frozen=True)
class TableOptions:
    """Validated options of the ``table`` reader (see the module docstring).

    Attributes
    ----------
    mapping : dict of str to str
        Canonical column → file column name.
    constants : dict of str to str
        Canonical column → literal value (options written ``column==value``).
    format : str or None
        ``csv``, ``parquet``, ``ndjson``, or None to infer it from the file name.
    delimiter : str or None
        The CSV delimiter, or None for the default (``,``; a tab for ``.tsv``).
    time_format : str
        ``iso``, ``unix_s``, ``unix_ms`` or a strftime pattern.
    time_zone : str or None
        ``"UTC"`` to read zone-less timestamps as UTC, else None.
    columns : tuple of str or None
        The column names of CSV files without a header line, or None (the first line names
        them).
    label : str or None
        The ``source`` label of the events, or None for ``table:<file stem>``.
    files : tuple of (str, TableOptions)
        Per-file options: a file whose name matches a pattern (``fnmatch``) is read with its
        options (the shared options merged with its own); empty when every file is read alike.
    """

    mapping: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    format: str | None = None
    delimiter: str | None = None
    time_format: str = "iso"
    time_zone: str | None = None
    columns: tuple[str, ...] | None = None
    label: str | None = None
    files: tuple[tuple[str, TableOptions], ...] = ()

    def mapped(self, column: str) -> bool:
        return column in self.mapping or column in self.constants


def stem(path: str | Path) -> str:
    """The file name without its table and ``.gz`` suffixes (used in ``table:<stem>``).

    Examples
    --------
    >>> stem("exports/messages.csv.gz")
    'messages'
    >>> stem("posts.parquet")
    'posts'
    """
    return file_stem(path, (".gz", *_SUFFIXES))


def parse_options(options: Mapping[str, str]) -> TableOptions:
    """Validate ``table`` reader options (the file-independent checks).

    Parameters
    ----------
    options : mapping of str to str
        ``--option KEY=VALUE`` pairs or a TOML table (see the module docstring).

    Returns
    -------
    TableOptions

    Raises
    ------
    InvalidInputError
        For an unknown key, an empty mapping value or constant, an unknown ``format`` or
        ``time_format``, a ``time_zone`` other than UTC, a strftime pattern without ``%z``
        and no ``time_zone=UTC``, or a ``delimiter`` that is not one character (or given
        with a format other than csv); for ``columns`` that are empty or repeated; for a
        ``files.<pattern>.<option>`` key without a pattern, or with ``label`` (which applies to
        the whole ingest). Whether ``kind`` and ``actor_id`` are mapped and the named columns
        exist is checked when a file is read.
    """
    shared = {k: v for k, v in options.items() if not k.startswith(FILES_PREFIX)}
    sections: dict[str, dict[str, str]] = {}
    for key, value in options.items():
        if not key.startswith(FILES_PREFIX):
            continue
        pattern, _, option = key[len(FILES_PREFIX) :].rpartition(".")
        if not pattern or not option:
            raise InvalidInputError(
                f"per-file option {key!r} must be files.<file name pattern>.<option>, e.g. "
                'files.*_comments.tsv.gz.kind (in TOML: [files."*_comments.tsv.gz"] kind = ...)'
            )
        if option == "label":
            raise InvalidInputError(
                f"{key!r}: label applies to the whole ingest; set it once, outside [files]"
            )
        sections.setdefault(pattern, {})[option] = value
    parsed = _parse_shared(shared)
    if not sections:
        return parsed
    files = tuple((pattern, _parse_shared({**shared, **own})) for pattern, own in sections.items())
    return TableOptions(
        parsed.mapping,
        parsed.constants,
        parsed.format,
        parsed.delimiter,
        parsed.time_format,
        parsed.time_zone,
        parsed.columns,
        parsed.label,
        files,
    )


def _parse_shared(options: Mapping[str, str]) -> TableOptions:
    """:func:`parse_options` for options without per-file sections."""
    known = (*OPTIONS, *MAPPABLE)
    unknown = sorted(set(options) - set(known))
    if unknown:
        hints = []
        for key in unknown:
            close = difflib.get_close_matches(key, known, n=1)
            hints.append(f"{key!r} (did you mean {close[0]!r}?)" if close else repr(key))
        raise InvalidInputError(
            f"unknown table option(s) {', '.join(hints)}. Known options: {', '.join(OPTIONS)}, "
            f"and the canonical columns {', '.join(MAPPABLE)}, each mapped to a file column "
            "(--option actor_id=<column>) or to a constant (--option kind==message)"
        )
    mapping: dict[str, str] = {}
    constants: dict[str, str] = {}
    for column in MAPPABLE:
        if column not in options:
            continue
        value = str(options[column])
        if value.startswith("="):
            if value == "=":
                raise InvalidInputError(
                    f"--option {column}== gives an empty constant; write --option "
                    f"{column}==<value> or map a column with --option {column}=<column>"
                )
            constants[column] = value[1:]
        elif value.strip() == "":
            raise InvalidInputError(
                f"--option {column}= names no column; write --option {column}=<column> "
                f"or a constant --option {column}==<value>"
            )
        else:
            mapping[column] = value
    fmt = options.get("format")
    if fmt is not None:
        fmt = fmt.strip().lower()
        if fmt not in FORMATS:
            raise InvalidInputError(
                f"format must be one of {', '.join(FORMATS)}; got {options['format']!r}"
            )
    delimiter = options.get("delimiter")
    if delimiter is not None:
        delimiter = {"tab": "\t", "\\t": "\t", "space": " "}.get(delimiter.lower(), delimiter)
        if len(delimiter) != 1:
            raise InvalidInputError(
                f"delimiter must be one character (or 'tab'); got {options['delimiter']!r}"
            )
        if fmt not in (None, "csv"):
            raise InvalidInputError(f"delimiter applies to csv files only; format is {fmt}")
    time_zone = options.get("time_zone")
    if time_zone is not None:
        if time_zone.strip().upper() != "UTC":
            raise InvalidInputError(
                f"time_zone can only be UTC (to read zone-less timestamps as UTC); got "
                f"{time_zone!r}. Convert other local times to ISO-8601 with an offset first"
            )
        time_zone = "UTC"
    time_format = options.get("time_format", "iso")
    if time_format not in TIME_FORMATS and "%" not in time_format:
        raise InvalidInputError(
            f"time_format must be iso, unix_s, unix_ms or a strftime pattern such as "
            f"'%Y-%m-%d %H:%M:%S%z'; got {time_format!r}"
        )
    if "%" in time_format and not ({"%z", "%Z"} & _directives(time_format)) and not time_zone:
        raise InvalidInputError(
            f"time_format {time_format!r} has no %z, so its times carry no zone; add "
            "--option time_zone=UTC if they are UTC, or put the offset in the pattern (%z)"
        )
    columns = None
    if options.get("columns") is not None:
        columns = tuple(c.strip() for c in str(options["columns"]).split(","))
        if not all(columns) or len(set(columns)) != len(columns):
            raise InvalidInputError(
                f"columns must name every column once, separated by commas (e.g. "
                f"src,dst,unixts); got {options['columns']!r}"
            )
        if fmt not in (None, "csv"):
            raise InvalidInputError(f"columns applies to csv files only; format is {fmt}")
    label = options.get("label")
    if label is not None and not str(label).strip():
        raise InvalidInputError("label must not be empty; write e.g. label=reddit-college")
    return TableOptions(
        mapping, constants, fmt, delimiter, time_format, time_zone, columns, label or None
    )


def _directives(pattern: str) -> set[str]:
    found, i = set(), 0
    while i < len(pattern) - 1:
        if pattern[i] == "%":
            found.add(pattern[i : i + 2])
            i += 2
        else:
            i += 1
    return found


def configure(options: Mapping[str, str]) -> ReaderSpec:
    """The ``table`` reader spec bound to ``options`` (validated by :func:`parse_options`).

    Raises
    ------
    InvalidInputError
        As :func:`parse_options`.
    """
    parsed = parse_options(options)
    if parsed.files:
        patterns = tuple(pattern for pattern, _ in parsed.files)
    elif parsed.format:
        patterns = PATTERNS[parsed.format]
    else:
        patterns = tuple(p for f in FORMATS for p in PATTERNS[f])
    label = parsed.label
    return ReaderSpec(
        "table",
        None,
        (lambda _path: label) if label else (lambda path: f"table:{stem(path)}"),
        "your own CSV, Parquet or NDJSON table with a column mapping (--option actor_id=...)",
        patterns,
        stage=functools.partial(stage, options=parsed),
        configure=configure,
        ordered=bool(parsed.files),
    )


def _file_options(options: TableOptions, name: str) -> TableOptions:
    """The options for the file called ``name``: its ``[files]`` section's, if any."""
    if not options.files:
        return options
    matched = [(p, o) for p, o in options.files if fnmatch.fnmatchcase(name, p)]
    patterns = ", ".join(repr(p) for p, _ in options.files)
    if not matched:
        raise InvalidInputError(
            f"{name} matches none of the per-file sections ({patterns}); add a "
            f'[files."<pattern>"] section for it or ingest only the files they name'
        )
    if len(matched) > 1:
        raise InvalidInputError(
            f"{name} matches several per-file sections ({', '.join(repr(p) for p, _ in matched)})"
            "; make the patterns exclusive"
        )
    return matched[0][1]


# --- SQL building -----------------------------------------------------------------------------


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _pointer(key: str) -> str:
    return "/" + key.replace("~", "~0").replace("/", "~1")


@dataclass(frozen=True)
class _Source:
    """How to read one file: a SQL relation of ``_pos`` and ``_record``.

    For CSV and Parquet ``_record`` is a struct whose fields are named by position
    (``c0``, ``c1``, ...: DuckDB's names are case-insensitive, file columns need not be);
    for NDJSON it is the line's text.
    """

    fmt: str
    columns: tuple[str, ...]
    types: dict[str, str]
    relation: str

    def field(self, column: str) -> str:
        """SQL of a CSV or Parquet column's value, with its type."""
        return f"struct_extract(_record, 'c{self.columns.index(column)}')"

    def value(self, column: str) -> str:
        """SQL text (VARCHAR) of a file column."""
        if self.fmt == "ndjson":
            return f"json_extract_string(_record, {_lit(_pointer(column))})"
        if self.fmt == "csv":
            return self.field(column)
        return f"cast({self.field(column)} as varchar)"

    def _object(self, columns: list[str]) -> str:
        pairs = ", ".join(f"{_lit(c)}, {self.field(c)}" for c in columns)
        return f"json_object({pairs})::varchar"

    def raw(self) -> str:
        return "_record" if self.fmt == "ndjson" else self._object(list(self.columns))

    def attributes(self, mapped: set[str]) -> str:
        rest = [c for c in self.columns if c not in mapped]
        if not rest:
            return "null::varchar"
        if self.fmt == "ndjson":
            # a merge patch of nulls removes the mapped keys; each line keeps its own keys
            patch = json.dumps(dict.fromkeys(sorted(mapped)), ensure_ascii=False)
            return f"nullif(json_merge_patch(_record, {_lit(patch)})::varchar, '{{}}')"
        return self._object(rest)


def _time_sql(options: TableOptions, source: _Source, text: str) -> tuple[str, str]:
    """SQL for the time in microseconds since 1970 UTC, and for 'numeric but out of range'."""
    column = options.mapping.get("occurred_at")
    kind = source.types.get(column, "VARCHAR").upper() if column else "VARCHAR"
    raw = source.field(column) if column and source.fmt == "parquet" else "null"
    if source.fmt == "parquet" and kind.startswith("TIMESTAMP WITH TIME ZONE"):
        return f"epoch_us({raw})", "false"
    if source.fmt == "parquet" and (kind.startswith("TIMESTAMP") or kind == "DATE"):
        return f"epoch_us({raw}::timestamp)", "false"
    fmt = options.time_format
    if fmt in ("unix_s", "unix_ms"):
        per_second = 1 if fmt == "unix_s" else 1000
        scale = 1_000_000 // per_second
        value = f"try_cast({text} as decimal(38, 6))"
        in_range = f"{value} between {_MIN_SECONDS * per_second} and {_MAX_SECONDS * per_second}"
        micros = f"case when {in_range} then ({value} * {scale})::bigint end"
        numeric = f"(try_cast({text} as double) is not null)"
        return micros, numeric
    if fmt == "iso":
        zoned = f"regexp_full_match({text}, '{_ISO_DATE}[T ]{_ISO_TIME}{_ISO_ZONE}')"
        naive = f"regexp_full_match({text}, '{_ISO_DATE}([T ]{_ISO_TIME})?')"
        as_utc = (
            f"when {naive} then epoch_us(try_cast({text} as timestamp))"
            if options.time_zone
            else ""
        )
        micros = (
            f"case when {zoned} then epoch_us(try_cast(regexp_replace({text}, '[zZ]$', "
            f"'+00:00') as timestamptz)) {as_utc} end"
        )
        return micros, "false"
    return f"epoch_us(try_strptime({text}, {_lit(fmt)}))", "false"


def _time_expectation(options: TableOptions) -> str:
    fmt = options.time_format
    if fmt == "iso":
        if options.time_zone:
            return "an ISO-8601 timestamp (zone-less times are read as UTC)"
        return (
            "an ISO-8601 timestamp with a time zone (add Z or an offset such as +00:00, or "
            "pass --option time_zone=UTC to read zone-less times as UTC)"
        )
    if fmt == "unix_s":
        return "a number of Unix seconds"
    if fmt == "unix_ms":
        return "a number of Unix milliseconds"
    return f"a time in the pattern {fmt}"


def _rows_sql(options: TableOptions, source: _Source) -> str:
    """The query that maps and checks every record (one row per record)."""

    def text(column: str) -> str:
        if column in options.constants:
            return f"nullif({_lit(options.constants[column])}, '')"
        if column in options.mapping:
            return f"nullif({source.value(options.mapping[column])}, '')"
        return "null::varchar"

    def where(column: str) -> str:
        if column in options.constants:
            return f"constant {options.constants[column]!r}"
        return f"column {options.mapping[column]!r}"

    time_text = f"nullif(trim({text('occurred_at')}), '')"
    micros, numeric = _time_sql(options, source, "_time_text")
    reason, detail = validation_sql()
    derived = not options.mapped("source_event_id")
    key_parts = []
    for column in _KEY_COLUMNS:
        if not options.mapped(column):
            continue
        if column == "occurred_at":
            key_parts.append(
                "coalesce(strftime(make_timestamp(_time_us), '%Y-%m-%dT%H:%M:%S.%fZ'), _time_text)"
            )
        elif column == "seconds_since_root":
            key_parts.append("coalesce(seconds_since_root::varchar, _seconds_text)")
        else:
            key_parts.append(column)
    key_base = f"to_json([{', '.join(key_parts)}])::varchar" if derived else "null::varchar"
    checks: list[tuple[str, str, str]] = []
    authorless = ", ".join(_lit(k) for k in sorted(AUTHORLESS_KINDS))
    for column in ("kind", "actor_id", "source_event_id", "occurred_at"):
        if not options.mapped(column) or (column == "source_event_id" and derived):
            continue
        value = "_time_text" if column == "occurred_at" else column
        empty = f"{value} is null or trim({value}) = ''"
        message = f"{column} ({where(column)}) is empty"
        if column == "actor_id":  # a deleted author: the item is kept, by an unknown actor
            empty = f"({empty}) and kind not in ({authorless})"
            message += f"; only {', '.join(sorted(AUTHORLESS_KINDS))} events may have no actor"
        checks.append((empty, "missing_field", _lit(message)))
    if options.mapped("occurred_at"):
        expect = _time_expectation(options)
        checks.append(
            (
                f"_time_us is null and {numeric}",
                "timestamp_out_of_range",
                "'occurred_at ''' || _time_text || ''' is not a date (years 1 to 9999)'",
            )
        )
        checks.append(
            (
                "_time_us is null",
                "unparseable_timestamp",
                "'occurred_at ''' || _time_text || " + _lit("' is not " + expect),
            )
        )
    if options.mapped("seconds_since_root"):
        checks.append(
            (
                "_seconds_text is not null and seconds_since_root is null",
                "unparseable_timestamp",
                "'seconds_since_root ''' || _seconds_text || ''' is not a number'",
            )
        )
    reader_reason = "case " + " ".join(f"when {c} then '{r}'" for c, r, _ in checks) + " end"
    reader_detail = "case " + " ".join(f"when {c} then {d}" for c, _, d in checks) + " end"
    if not checks:  # pragma: no cover - kind and actor_id are always mapped
        reader_reason = reader_detail = "null::varchar"
    mapped_columns = set(options.mapping.values())
    sid = "_key_base" if derived else "source_event_id"
    return f"""
        with src as ({source.relation}),
        texts as (
            select _pos, _record,
                   {text("source_event_id")} as source_event_id,
                   {text("kind")} as kind,
                   {time_text} as _time_text,
                   nullif(trim({text("seconds_since_root")}), '') as _seconds_text,
                   case when trim({text("actor_id")}) = '' then null
                        else {text("actor_id")} end as actor_id,
                   {text("target_actor_id")} as target_actor_id,
                   {text("object_id")} as object_id,
                   {text("parent_object_id")} as parent_object_id,
                   {text("root_object_id")} as root_object_id,
                   {text("community")} as community,
                   {text("text")} as text
            from src
        ),
        parsed as (
            select *,
                   {micros} as _time_us,
                   try_cast(_seconds_text as double) as seconds_since_root
            from texts
        ),
        keyed as (
            select *,
                   case when _time_us between {_MIN_SECONDS * 1_000_000}
                                          and {_MAX_SECONDS * 1_000_000}
                        then make_timestamptz(_time_us) end as occurred_at,
                   {key_base} as _key_base
            from parsed
        ),
        checked as (
            select * replace ({sid} as source_event_id),
                   {reader_reason} as _reader_reason, {reader_detail} as _reader_detail
            from keyed
        )
        select _pos, source_event_id, _key_base, kind, occurred_at, seconds_since_root,
               actor_id, target_actor_id, object_id, parent_object_id, root_object_id,
               community, text, {source.attributes(mapped_columns)} as attributes,
               coalesce(_reader_reason, {reason}) as _reason,
               coalesce(_reader_detail, {detail}) as _detail,
               case when coalesce(_reader_reason, {reason}) is not null
                    then {source.raw()} end as _raw
        from checked
    """


# --- reading ----------------------------------------------------------------------------------


def _sniff(resolved: Path) -> tuple[bytes, str]:
    """The first bytes of the file (decompressed if it is gzip) and its compression."""
    with resolved.open("rb") as raw:
        compressed = raw.read(2) == _GZIP_MAGIC
    opener = gzip.open if compressed else open
    try:
        with opener(resolved, "rb") as handle:
            return handle.read(_SNIFF_BYTES), ("gzip" if compressed else "none")
    except (gzip.BadGzipFile, EOFError, zlib.error, OSError) as e:
        raise UnknownFormatError(
            f"{resolved.name} is a corrupt or truncated gzip file ({e}); re-download it"
        ) from e


def _resolve_format(options: TableOptions, resolved: Path) -> str:
    if options.format:
        return options.format
    name = resolved.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    fmt = _SUFFIXES.get(Path(name).suffix)
    if fmt is None:
        raise InvalidInputError(
            f"cannot tell the format of {resolved.name} from its name; pass "
            "--option format=csv, format=parquet or format=ndjson"
        )
    return fmt


def _csv_header(head: bytes, delimiter: str, name: str) -> tuple[str, ...]:
    """The column names of a CSV file's header line (RFC 4180 quoting)."""
    text = head.decode("utf-8-sig", errors="replace")  # later lines may be bad; not the header
    try:
        header = next(csv.reader(io.StringIO(text), delimiter=delimiter, quotechar='"'))
    except (StopIteration, csv.Error) as e:
        raise UnknownFormatError(f"{name} has no readable CSV header line ({e})") from e
    if any("\ufffd" in c for c in header):
        raise UnknownFormatError(f"{name}: the header line is not UTF-8; convert the file")
    columns = tuple(c if c != "" else f"column{i}" for i, c in enumerate(header))
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        raise InvalidInputError(
            f"{name}: the header names {', '.join(map(repr, repeated))} more than once; give "
            "every column its own name"
        )
    return columns


def _csv_source(
    uri: str, delimiter: str, compression: str, columns: tuple[str, ...], *, header: bool = True
) -> str:
    spec = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(columns)))
    fields = ", ".join(f"c{i} := c{i}" for i in range(len(columns)))
    return f"""
        select row_number() over () as _pos, struct_pack({fields}) as _record
        from read_csv({_lit(uri)}, header = {str(header).lower()}, delim = {_lit(delimiter)},
                      quote = '"', escape = '"', auto_detect = false, strict_mode = true,
                      compression = {_lit(compression)},
                      max_line_size = {_MAX_LINE_BYTES}, columns = {{{spec}}},
                      ignore_errors = true, store_rejects = true,
                      rejects_table = '_table_csv_errors', rejects_scan = '_table_csv_scans')
    """


def _parquet_source(
    con: duckdb.DuckDBPyConnection, uri: str
) -> tuple[tuple[str, ...], dict[str, str], str]:
    described = con.execute("describe select * from read_parquet(?)", [uri]).fetchall()
    columns = tuple(row[0] for row in described)
    types = {row[0]: str(row[1]) for row in described}
    fields = ", ".join(f"c{i} := {_ident(c)}" for i, c in enumerate(columns))
    relation = f"""
        select file_row_number + 1 as _pos, struct_pack({fields}) as _record
        from read_parquet({_lit(uri)}, file_row_number = true)
    """
    return columns, types, relation


def _ndjson_source(
    con: duckdb.DuckDBPyConnection, uri: str, compression: str
) -> tuple[tuple[str, ...], str]:
    """Read NDJSON line by line (so no bad line is lost), numbering physical lines.

    Each line is one VARCHAR value: the delimiter is NUL, which valid JSON cannot hold, so a
    line containing one is a scanner reject (``malformed_line``) and nothing is cut off.
    """
    con.execute(
        f"""
        create or replace temp table _table_scan as
        select row_number() over () as _n, line
        from read_csv(?, header = false, delim = chr(0), quote = '', escape = '',
                      auto_detect = false, strict_mode = true, compression = ?,
                      max_line_size = {_MAX_LINE_BYTES}, columns = {{'line': 'VARCHAR'}},
                      ignore_errors = true, store_rejects = true,
                      rejects_table = '_table_csv_errors', rejects_scan = '_table_csv_scans')
        """,
        [uri, compression],
    )
    # The scanner numbers only the lines it accepts; shift them past the lines it rejected
    # (the i-th rejected line r_i comes right before accepted line r_i - i + 1).
    con.execute(
        """
        create or replace temp table _table_lines as
        with rejected as (
            select line - row_number() over (order by line) + 1 as before_n,
                   row_number() over (order by line) as i
            from (select distinct line from _table_csv_errors)
        ),
        shifts as (select before_n, max(i) as shift from rejected group by before_n)
        select l._n + coalesce(s.shift, 0) as _line_no, l.line,
               case when json_valid(l.line) then json_type(l.line) end as json_type
        from _table_scan l asof left join shifts s on l._n >= s.before_n
        where l.line is not null and trim(l.line, ' ' || chr(9) || chr(13)) <> ''
        """
    )
    con.execute("drop table _table_scan")
    keys = con.execute(
        """
        select k from (
            select unnest(json_keys(line)) as k,
                   generate_subscripts(json_keys(line), 1) as i, _line_no
            from _table_lines where json_type = 'OBJECT'
        ) group by k order by min(struct_pack(l := _line_no, i := i))
        """
    ).fetchall()
    relation = """
        select _line_no as _pos, line as _record
        from _table_lines where json_type = 'OBJECT'
    """
    return tuple(k for (k,) in keys), relation


def _check_mapping(options: TableOptions, name: str, columns: tuple[str, ...]) -> None:
    listed = ", ".join(columns) or "(none)"
    for column in _REQUIRED:
        if not options.mapped(column):
            example = "--option kind==message" if column == "kind" else ""
            raise InvalidInputError(
                f"{name}: no mapping for {column}, which every event needs. Its columns are: "
                f"{listed}. Add --option {column}=<one of: {listed}>"
                + (f" or a constant, e.g. {example}" if example else "")
            )
    missing = {c: s for c, s in options.mapping.items() if s not in columns}
    if missing and columns:  # an NDJSON file without one object: its lines are quarantined
        first, source = next(iter(missing.items()))
        named = ", ".join(f"{c}={s!r}" for c, s in missing.items())
        raise InvalidInputError(
            f"{name} has no column {source!r} (mapped by {named}). Its columns are: "
            f"{listed}. Fix the call, e.g. --option {first}=<one of: {listed}>, or write a "
            f"constant as --option {first}==<value>"
        )


def _check_time_column(options: TableOptions, name: str, source: _Source) -> None:
    column = options.mapping.get("occurred_at")
    if source.fmt != "parquet" or column is None:
        return
    kind = source.types[column].upper()
    if kind.startswith("TIMESTAMP WITH TIME ZONE"):
        return
    if (kind.startswith("TIMESTAMP") or kind == "DATE") and not options.time_zone:
        raise InvalidInputError(
            f"{name}: column {column!r} holds {kind} values without a time zone; pass "
            "--option time_zone=UTC if they are UTC"
        )
    numeric = ("INT", "BIGINT", "SMALLINT", "TINYINT", "HUGEINT", "DOUBLE", "FLOAT", "DECIMAL")
    if kind.startswith(numeric) and options.time_format not in ("unix_s", "unix_ms"):
        raise InvalidInputError(
            f"{name}: column {column!r} holds numbers ({kind}); pass --option "
            "time_format=unix_s or time_format=unix_ms"
        )


def stage(
    con: duckdb.DuckDBPyConnection, path: str | Path, options: TableOptions | None = None
) -> StagedInput:
    """Stage a CSV, Parquet or NDJSON file as ``_staged`` / ``_rejects`` inside DuckDB.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        An open netdyn database; the staged tables are temporary (connection-local).
    path : str or Path
        One file.
    options : TableOptions
        The validated options (:func:`parse_options`); bound by :func:`configure`.

    Returns
    -------
    StagedInput
        ``check_repeats`` is True when ``source_event_id`` is mapped (the file may repeat
        keys) and False for derived keys (unique by construction).

    Raises
    ------
    InvalidInputError
        If ``path`` does not exist or is a folder; its format cannot be told from its name;
        its name matches none (or several) of the per-file sections, when there are any;
        ``kind`` or ``actor_id`` is not mapped; a mapped column is not in the file (the
        message lists the file's columns); a Parquet time column's type does not fit
        ``time_format`` / ``time_zone``; or ``delimiter`` is given for a file that is not CSV.
    UnknownFormatError
        If the file is corrupt gzip, is not Parquet although read as Parquet (or is Parquet
        read as text), a CSV starts like JSON, or DuckDB cannot read it in its format (e.g. a
        text file mixing LF and CRLF line endings).
    """
    options = options or TableOptions()
    source_path = Path(path)
    if not source_path.exists():
        raise InvalidInputError(f"{source_path} does not exist; pass a CSV, Parquet or NDJSON file")
    resolved = source_path.resolve()
    if resolved.is_dir():
        raise InvalidInputError(f"{resolved} is a folder; pass one file (or ingest the folder)")
    options = _file_options(options, source_path.name)
    fmt = _resolve_format(options, resolved)
    for given, name in ((options.delimiter, "delimiter"), (options.columns, "columns")):
        if given is not None and fmt != "csv":
            raise InvalidInputError(
                f"{name} applies to csv files only; {resolved.name} is read as {fmt}"
            )
    uri = str(resolved)
    head, compression = _sniff(resolved)
    if fmt == "parquet" and not head.startswith(_PARQUET_MAGIC):
        raise UnknownFormatError(
            f"{resolved.name} is not a Parquet file (no PAR1 header); pass --option "
            "format=csv or format=ndjson if it is text"
        )
    if fmt != "parquet" and head[:4] == _PARQUET_MAGIC:
        raise UnknownFormatError(f"{resolved.name} is a Parquet file; pass --option format=parquet")
    if fmt == "csv" and head.lstrip()[:1] in (b"{", b"["):
        raise UnknownFormatError(
            f"{resolved.name} starts like JSON, not a CSV header; pass --option format=ndjson "
            "for one JSON object per line"
        )
    if fmt != "parquet" and not head.strip():
        _stage_empty(con, uri)
        return StagedInput(check_repeats=False)
    delimiter = options.delimiter or ("\t" if ".tsv" in resolved.name.lower() else ",")
    try:
        if fmt == "csv":
            columns = options.columns or _csv_header(head, delimiter, resolved.name)
            relation = _csv_source(
                uri, delimiter, compression, columns, header=options.columns is None
            )
            source = _Source(fmt, columns, {}, relation)
        elif fmt == "parquet":
            columns, types, relation = _parquet_source(con, uri)
            source = _Source(fmt, columns, types, relation)
        else:
            columns, relation = _ndjson_source(con, uri, compression)
            source = _Source(fmt, columns, {}, relation)
        _check_mapping(options, resolved.name, columns)
        _check_time_column(options, resolved.name, source)
        con.execute("create or replace temp table _table_rows as " + _rows_sql(options, source))
        _stage_rows(con, options)
        _stage_rejects(con, uri, fmt)
    except (duckdb.IOException, duckdb.InvalidInputException) as e:
        _drop(con, _TEMPORARY)
        hint = ""
        if "invalid state" in str(e):
            hint = (
                "; a file that mixes LF and CRLF line endings cannot be read: normalise them "
                "(e.g. dos2unix) and ingest it again"
            )
        raise UnknownFormatError(f"{resolved.name} could not be read as {fmt}{hint}: {e}") from e
    except BaseException:
        _drop(con, _TEMPORARY)
        raise
    finally:
        _drop(con, ("_table_csv_errors", "_table_csv_scans"))
    n = con.execute(
        "select (select count(*) from _staged) + (select count(*) from _rejects)"
    ).fetchall()[0][0]
    if n == 0:
        con.execute(
            "insert into _rejects values (?, 'empty_input', 'the file holds no records', '')",
            [uri],
        )
    # derived keys are unique by construction (#k numbers repeats); mapped ones may repeat
    return StagedInput(check_repeats=options.mapped("source_event_id"), temporary=_TEMPORARY)


def _drop(con: duckdb.DuckDBPyConnection, tables: tuple[str, ...]) -> None:
    for table in tables:
        with contextlib.suppress(duckdb.Error):
            con.execute(f"drop table if exists {table}")


def _stage_rows(con: duckdb.DuckDBPyConnection, options: TableOptions) -> None:
    columns = (
        "kind, occurred_at, seconds_since_root, actor_id, target_actor_id, object_id, "
        "parent_object_id, root_object_id, community, text, attributes, _reason, _detail, _raw"
    )
    if options.mapped("source_event_id"):
        con.execute(
            f"""
            create or replace temp view _staged as
            select _pos, source_event_id, {columns} from _table_rows
            """
        )
        return
    # repeated records are distinct events: number them (#k); only repeated keys need it
    con.execute(
        """
        create or replace temp table _table_repeats as
        with repeated as (
            select hash(_key_base) as h from _table_rows group by h having count(*) > 1
        )
        select _pos, row_number() over (partition by _key_base order by _pos) - 1 as k
        from _table_rows
        where hash(_key_base) in (select h from repeated)
        """
    )
    con.execute(
        f"""
        create or replace temp view _staged as
        select r._pos, r._key_base || '#' || coalesce(k.k, 0) as source_event_id, {columns}
        from _table_rows r left join _table_repeats k using (_pos)
        """
    )


def _stage_rejects(con: duckdb.DuckDBPyConnection, uri: str, fmt: str) -> None:
    scanner = """
        select ? || ':' || line as locator,
               case when bool_or(error_type = 'INVALID ENCODING') then 'invalid_encoding'
                    else 'malformed_line' end as reason,
               string_agg(distinct error_message, '; ') as detail,
               trim(any_value(csv_line), chr(10) || chr(13)) as raw,
               line as _order
        from _table_csv_errors
        group by line
    """
    if fmt == "parquet":
        con.execute(
            "create or replace temp table _rejects "
            "(locator varchar, reason varchar, detail varchar, raw varchar)"
        )
        return
    if fmt == "csv":
        con.execute(
            f"""
            create or replace temp table _rejects as
            select locator, reason, detail, raw from ({scanner}) order by _order
            """,
            [uri],
        )
        return
    con.execute(
        f"""
        create or replace temp table _rejects as
        select locator, reason, detail, raw from (
            {scanner}
            union all
            select ? || ':' || _line_no,
                   case when json_type is null then 'invalid_json' else 'malformed_line' end,
                   case when json_type is null then 'the line is not valid JSON'
                        else 'the line is a JSON ' || lower(json_type) || ', not an object'
                   end,
                   line, _line_no
            from _table_lines where json_type is distinct from 'OBJECT'
        ) order by _order
        """,
        [uri, uri],
    )


def _stage_empty(con: duckdb.DuckDBPyConnection, uri: str) -> None:
    con.execute(
        """
        create or replace temp table _staged as
        select null::bigint as _pos, null::varchar as source_event_id, null::varchar as kind,
               null::timestamptz as occurred_at, null::double as seconds_since_root,
               null::varchar as actor_id, null::varchar as target_actor_id,
               null::varchar as object_id, null::varchar as parent_object_id,
               null::varchar as root_object_id, null::varchar as community,
               null::varchar as text, null::varchar as attributes, null::varchar as _reason,
               null::varchar as _detail, null::varchar as _raw
        limit 0
        """
    )
    con.execute(
        "create or replace temp table _rejects as select ?::varchar as locator, "
        "'empty_input' as reason, 'the file holds no records' as detail, '' as raw",
        [uri],
    )
