"""Reader for temporal edge lists: ``src dst unix_seconds`` per line.

Format
------
One directed interaction per line, three fields separated by one space or one tab (sniffed
from the first line): the sender, the recipient and the time in integer Unix seconds (UTC).
The file may be gzip-compressed, which is detected from its first bytes, not from its name.
LF and CRLF line endings are accepted. This is the format of SNAP's temporal networks, such
as CollegeMsg (Panzarasa, Opsahl & Carley 2009).

The reader is a *SQL reader*: DuckDB's CSV scanner streams the file into the staged table and
every check runs in SQL, so memory stays bounded and 10 million lines take seconds.

* The **first record only** may be a header of words (``src dst time``, as some copies of
  CollegeMsg add); it is skipped and not counted in ``n_read``. A non-numeric line anywhere
  else is a bad record.
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
Lines the scanner cannot split have the locator ``"<file>:<line>"`` (1-based physical line);
records rejected by the checks have ``"<file>#<source_event_id>"``.

* ``malformed_line`` — not exactly three fields separated by single delimiters, or an empty
  field, or a line over DuckDB's maximum line size (2 MB).
* ``unparseable_timestamp`` — a time that is not an integer number of seconds.
* ``timestamp_out_of_range`` — an integer too large to be a date, or before 1970 / in the
  future (validation).
* ``invalid_id`` — an id containing ``>``, ``@``, ``#`` or a NUL byte, which would make keys
  ambiguous.
* ``invalid_encoding`` — a line that is not UTF-8.
* ``empty_input`` — a file that is empty, blank or holds only a header (one reject for the
  file).

References
----------
.. [1] P. Panzarasa, T. Opsahl, K. M. Carley, "Patterns and dynamics of users' behavior and
   interaction: Network analysis of an online community", JASIST 60(5), 2009.
.. [2] J. Leskovec, A. Krevl, "SNAP Datasets: Stanford Large Network Dataset Collection",
   https://snap.stanford.edu/data/CollegeMsg.html.
"""

from __future__ import annotations

import contextlib
import gzip
import zlib
from pathlib import Path

import duckdb

from netdyn.core.errors import InvalidInputError, UnknownFormatError
from netdyn.ingest.readers._paths import file_stem
from netdyn.ingest.readers.spec import StagedInput
from netdyn.ingest.validate import validation_sql

__all__ = ["stage", "stem"]

_GZIP_MAGIC = b"\x1f\x8b"
_SUFFIXES = (".gz", ".txt", ".csv", ".tsv", ".edges")
_SNIFF_BYTES = 1 << 16
# Unix seconds DuckDB can hold as a timestamp (years 1 to 9999); validation narrows further
_MIN_SECONDS = -62_135_596_800
_MAX_SECONDS = 253_402_300_799


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
    return file_stem(path, _SUFFIXES)


def _sniff(resolved: Path) -> tuple[str, str]:
    """Compression and delimiter of an edge-list file, from its first bytes.

    Raises
    ------
    UnknownFormatError
        If the file is not text, is JSON, or is a corrupt gzip file.
    """
    with resolved.open("rb") as raw:
        compressed = raw.read(2) == _GZIP_MAGIC
    opener = gzip.open if compressed else open
    try:
        with opener(resolved, "rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except (gzip.BadGzipFile, EOFError, zlib.error, OSError) as e:
        raise UnknownFormatError(
            f"{resolved.name} is a corrupt or truncated gzip file ({e}); re-download it"
        ) from e
    if head.count(b"\0") > 16 or head[:1] == b"\0":
        raise UnknownFormatError(
            f"{resolved.name} is not a text edge list (it holds NUL bytes; an archive or "
            "binary file?); did you mean --source twitter15-16 for a .tar.gz?"
        )
    if head.lstrip()[:1] in (b"{", b"["):
        raise UnknownFormatError(
            f"{resolved.name} is JSON, not a 'src dst unix_seconds' edge list; "
            "did you mean --source moltbook-api, moltbook-observatory or table?"
        )
    first = next((line for line in head.splitlines() if line.strip()), b"")
    delimiter = "\t" if b"\t" in first else " "
    return ("gzip" if compressed else "none"), delimiter


def _number_repeats(con: duckdb.DuckDBPyConnection) -> None:
    """Number repeated lines (``#k``) so that their keys differ: ``_repeats(_pos, k)``.

    Only lines whose triple occurs more than once need a number (everything else has k = 0).
    Finding them takes a group-by over every line, unless the file is sorted by time (edge
    lists usually are): then a repeat can only sit next to a line with the same time, and
    only those lines are grouped.
    """
    is_sorted = con.execute(
        """
        select coalesce(bool_and(ts >= previous), true)
        from (select ts, lag(ts) over () as previous from _lines where ts is not null)
        """
    ).fetchall()[0][0]
    # the neighbour test reads only the times (an unpartitioned window runs on one thread);
    # the few candidate lines are fetched afterwards
    candidates = (
        """
        select rowid + 1 as pos, src, dst, ts_text from _lines
        where rowid + 1 in (
            select pos from (
                select rowid + 1 as pos, ts,
                       lag(ts) over () as previous, lead(ts) over () as following
                from _lines)
            where ts is null or ts = previous or ts = following)
        """
        if is_sorted
        else "select rowid + 1 as pos, src, dst, ts_text from _lines"
    )
    con.execute(
        f"""
        create or replace temp table _repeats as
        with candidates as ({candidates}),
        repeated as (
            select hash(src, dst, ts_text) as h
            from candidates group by h having count(*) > 1
        )
        select pos as _pos,
               row_number() over (partition by src, dst, ts_text order by pos) - 1 as k
        from candidates
        where hash(src, dst, ts_text) in (select h from repeated)
        """
    )


def stage(con: duckdb.DuckDBPyConnection, path: str | Path) -> StagedInput:
    """Stage a temporal edge list as ``_staged`` / ``_rejects`` inside DuckDB.

    The file is streamed by DuckDB's CSV scanner (no Python row objects), so ingesting 10
    million lines needs no more memory than DuckDB's own bulk load of the same file.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        An open netdyn database; the staged tables are temporary (connection-local).
    path : str or Path
        A text file of ``src dst unix_seconds`` lines, plain or gzip-compressed.

    Returns
    -------
    StagedInput
        ``check_repeats=False``: keys are unique by construction (``#k`` numbers repeats).

    Raises
    ------
    InvalidInputError
        If ``path`` does not exist or is a folder.
    UnknownFormatError
        If the file is not text (it holds NUL bytes, as archives and binaries do), starts
        like JSON, or is a corrupt or truncated gzip file.

    Notes
    -----
    ``_pos`` numbers the records DuckDB's scanner accepts, in file order; a record's physical
    line number is known (and used as locator) only for lines the scanner itself rejects.
    Times are integer seconds since 1970-01-01 UTC; ``occurred_at`` is timezone-aware UTC.
    """
    source = Path(path)
    if not source.exists():
        raise InvalidInputError(f"{source} does not exist; pass a 'src dst unix_seconds' file")
    resolved = source.resolve()
    if resolved.is_dir():
        raise InvalidInputError(
            f"{resolved} is a folder; pass one edge-list file (e.g. CollegeMsg.txt.gz)"
        )
    compression, delimiter = _sniff(resolved)
    reason, _detail = validation_sql(kind="message")
    uri = str(resolved)
    word = "^[A-Za-z_][A-Za-z0-9_-]*$"
    try:
        # one pass over the file: parse, check, and remember only what the key needs
        con.execute(
            f"""
            create or replace temp table _lines as
            with scanned as (
                select src, dst, ts as ts_text, try_cast(ts as bigint) as ts
                from read_csv(?, delim = ?, header = false, quote = '', escape = '',
                              auto_detect = false, compression = ?, strict_mode = true,
                              columns = {{'src': 'VARCHAR', 'dst': 'VARCHAR', 'ts': 'VARCHAR'}},
                              ignore_errors = true, store_rejects = true,
                              rejects_table = '_csv_errors', rejects_scan = '_csv_scans')
            ),
            parsed as (
                select src, dst, ts, ts_text,
                       case when ts::varchar is distinct from ts_text then ts_text end
                           as bad_ts_text,
                       case when ts between {_MIN_SECONDS} and {_MAX_SECONDS}
                            then make_timestamptz(ts * 1000000) end as occurred_at
                from scanned
            ),
            checked as (
                select *,
                       case
                           when src = '' or dst = '' or bad_ts_text = '' then 'malformed_line'
                           when contains(src, '>') or contains(src, '@') or contains(src, '#')
                                or contains(src, chr(0)) or contains(dst, '>')
                                or contains(dst, '@') or contains(dst, '#')
                                or contains(dst, chr(0))
                               then 'invalid_id'
                           when ts is null and regexp_full_match(bad_ts_text, '-?[0-9]+')
                               then 'timestamp_out_of_range'
                           when ts is null or bad_ts_text is not null
                               then 'unparseable_timestamp'
                           when occurred_at is null then 'timestamp_out_of_range'
                       end as _reader_reason,
                       -- the canonical names the shared validation rules read (the key is
                       -- never empty once both ids are)
                       'message' as kind, src as source_event_id,
                       null::double as seconds_since_root,
                       null::varchar as object_id, null::varchar as parent_object_id
                from parsed
            )
            select src, dst, ts, ts_text, coalesce(_reader_reason, {reason}) as _reason
            from checked
            """,
            [uri, delimiter, compression],
        )
        # a first record of words is a header, not a record
        con.execute(
            f"""
            delete from _lines
            where rowid = 0 and regexp_full_match(src, '{word}')
              and regexp_full_match(dst, '{word}')
              and ts is null and regexp_full_match(coalesce(ts_text, ''), '{word}')
            """
        )
        _number_repeats(con)
        # the time as written: for an accepted line it is the canonical integer text (a
        # line whose time is not, e.g. "0012", is rejected), so keys are canonical
        ts_text = "l.ts_text"
        con.execute(
            f"""
            create or replace temp view _staged as
            select l.rowid + 1 as _pos,
                   l.src || '>' || l.dst || '@' || {ts_text} || '#' || coalesce(r.k, 0)
                       as source_event_id,
                   'message' as kind,
                   -- computed here, not stored in _lines: 8 bytes a line less to hold
                   case when l.ts between {_MIN_SECONDS} and {_MAX_SECONDS}
                        then make_timestamptz(l.ts * 1000000) end as occurred_at,
                   null::double as seconds_since_root,
                   l.src as actor_id, l.dst as target_actor_id,
                   null::varchar as object_id, null::varchar as parent_object_id,
                   null::varchar as root_object_id, null::varchar as community,
                   null::varchar as text, null::varchar as attributes,
                   l._reason,
                   case l._reason
                       when 'malformed_line' then 'an empty field: expected src dst unix_seconds'
                       when 'invalid_id' then 'an id contains >, @, # or a NUL byte'
                       when 'unparseable_timestamp'
                           then 'time ' || {ts_text} || ' is not an integer number of Unix seconds'
                       when 'timestamp_out_of_range'
                           then 'time ' || {ts_text} || ' is not a date after 1970 and before '
                                || 'tomorrow'
                   end as _detail,
                   case when l._reason is not null
                        then l.src || ' ' || l.dst || ' ' || {ts_text} end as _raw
            from _lines l left join _repeats r on r._pos = l.rowid + 1
            """
        )
        con.execute(
            """
            create or replace temp table _rejects as
            select ? || ':' || line as locator,
                   case when bool_or(error_type = 'INVALID ENCODING') then 'invalid_encoding'
                        else 'malformed_line' end as reason,
                   string_agg(distinct error_message, '; ') as detail,
                   trim(any_value(csv_line), chr(10) || chr(13)) as raw
            from _csv_errors
            group by line
            order by line
            """,
            [uri],
        )
    except (duckdb.IOException, duckdb.InvalidInputException) as e:
        raise UnknownFormatError(
            f"{resolved.name} could not be read as a 'src dst unix_seconds' edge list: {e}"
        ) from e
    finally:
        for table in ("_csv_errors", "_csv_scans"):
            with contextlib.suppress(duckdb.Error):
                con.execute(f"drop table if exists {table}")
    n = con.execute(
        "select (select count(*) from _lines) + (select count(*) from _rejects)"
    ).fetchall()[0][0]
    if n == 0:  # empty, blank or header-only: nothing to read is itself a finding
        con.execute(
            "insert into _rejects values (?, 'empty_input', 'the file holds no records', '')",
            [uri],
        )
    return StagedInput(check_repeats=False, temporary=("_repeats", "_lines"))
