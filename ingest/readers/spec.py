"""What the registry knows of a source format: its reader spec, and what a SQL reader stages.

:class:`ReaderSpec` describes one format of :data:`netdyn.ingest.readers.READERS`;
:class:`StagedInput` is what a SQL reader (``stage``) reports to the event log. The reader
modules import them from here, and the registry imports the reader modules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from netdyn.store.canonical import Chunk

__all__ = ["ReaderSpec", "StagedInput"]


@dataclass(frozen=True)
class StagedInput:
    """What a SQL reader reports after staging a file (see :mod:`netdyn.store.eventlog`).

    Attributes
    ----------
    check_repeats : bool
        Whether the event log must look for keys repeated within the batch.
    temporary : tuple of str
        Temporary tables the staged view reads, dropped by the loader after the append.
    """

    check_repeats: bool = True
    temporary: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReaderSpec:
    """A source format: its reader, the default ``source`` label of its events, a description,
    and how a folder splits into input units (each appended as one batch by its own task).

    Exactly one of ``read`` (a row reader yielding chunks) and ``stage`` (a SQL reader that
    fills the staged tables inside DuckDB) is set.
    """

    name: str
    read: Callable[[Path], Iterator[Chunk]] | None
    default_label: Callable[[Path], str]
    description: str
    patterns: tuple[str, ...] = ()
    stage: Callable[[duckdb.DuckDBPyConnection, Path], StagedInput] | None = None
    #: for formats that take options (a column mapping): returns the spec bound to them
    configure: Callable[[Mapping[str, str]], ReaderSpec] | None = None
    #: take a folder's files pattern by pattern, in the order of ``patterns`` (e.g. the
    #: ``table`` reader's per-file sections, so parent items are read before their replies)
    ordered: bool = False

    def inputs(self, path: Path) -> list[Path]:
        """The input units of ``path``: the path itself, or for a folder (when the format has
        ``patterns``) its matching files in name order (with ``ordered``: the files of the
        first pattern in name order, then those of the next, each file once)."""
        if path.is_dir() and self.patterns:
            if self.ordered:
                ordered = [f for pattern in self.patterns for f in sorted(path.glob(pattern))]
                return [f for f in dict.fromkeys(ordered) if f.is_file()]
            found = sorted({f for pattern in self.patterns for f in path.glob(pattern)})
            return [f for f in found if f.is_file()]
        return [path]
