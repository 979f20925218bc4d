"""The exception tree of netdyn.

Every error the project raises on purpose derives from :class:`NetDynError`, so callers can
catch the project's errors without catching programming errors. Driver errors (DuckDB, I/O)
are wrapped with ``raise ... from e`` so the original cause stays visible.
"""

from __future__ import annotations

__all__ = [
    "NetDynError",
    "InvalidInputError",
    "UnknownFormatError",
    "SchemaError",
    "EventLogError",
    "DatabaseBusyError",
    "RejectedShareError",
]


class NetDynError(Exception):
    """Base class of every error netdyn raises on purpose."""


class InvalidInputError(NetDynError, ValueError):
    """An argument or an input file is unusable as given; the message says how to fix it."""


class UnknownFormatError(InvalidInputError):
    """A file is not in the format its reader expects (wrong reader chosen, or a corrupt file)."""


class SchemaError(NetDynError):
    """The database schema is missing, newer than this code, or a migration failed."""


class EventLogError(NetDynError):
    """Appending to or reading from the event log failed; nothing of the batch was stored."""


class DatabaseBusyError(EventLogError):
    """Another process holds the database's write lock; wait, or read the Parquet export."""


class RejectedShareError(NetDynError):
    """A batch rejected more rows than the configured threshold allows; nothing was stored."""
