"""Readers: one module per source format, each a generator of :class:`netdyn.store.canonical.Chunk`.

Every reader has the signature ``read(path: str | Path) -> Iterator[Chunk]`` and yields one
chunk per input unit (file or archive); the event log appends each chunk as one batch.
:data:`READERS` maps the format names used on the command line to reader specs.
"""

from __future__ import annotations

from collections.abc import Mapping

from netdyn.ingest.readers.spec import ReaderSpec, StagedInput

__all__ = ["ReaderSpec", "StagedInput", "READERS", "get_reader"]


def _registry() -> dict[str, ReaderSpec]:
    from netdyn.ingest.readers import (
        edgelist,
        moltbook_api,
        moltbook_observatory,
        scholp,
        table,
        twitter,
    )

    return {
        "twitter15-16": ReaderSpec(
            "twitter15-16",
            twitter.read,
            lambda _path: "twitter15-16",
            "Twitter15/16 propagation trees (Ma et al. 2017), the .tar.gz archive or its folder",
        ),
        "moltbook-api": ReaderSpec(
            "moltbook-api",
            moltbook_api.read,
            lambda _path: "moltbook-api",
            "MoltBook raw API /posts/{id} responses: a folder of <post_uuid>.json or one file",
        ),
        "moltbook-observatory": ReaderSpec(
            "moltbook-observatory",
            moltbook_observatory.read,
            lambda _path: "moltbook-observatory",
            "MoltBook observatory export: posts.json(.gz), comments.json(.gz), network.csv(.gz)",
            (
                "posts.json",
                "posts.json.gz",
                "comments.json",
                "comments.json.gz",
                "network.csv",
                "network.csv.gz",
            ),
        ),
        "edgelist": ReaderSpec(
            "edgelist",
            None,
            lambda path: f"edgelist:{edgelist.stem(path)}",
            "temporal edge list 'src dst unix_seconds' (whitespace separated, .gz allowed)",
            ("*.txt", "*.txt.gz", "*.csv", "*.csv.gz", "*.tsv", "*.tsv.gz", "*.edges", "*.gz"),
            stage=edgelist.stage,
        ),
        "table": table.configure({}),
        "scholp": ReaderSpec(
            "scholp",
            scholp.read,
            scholp.default_label,
            "ScHoLP timestamped simplices (Benson et al. 2018): a folder with <name>-nverts.txt, "
            "<name>-simplices.txt and <name>-times.txt (.gz allowed); one group event per member",
        ),
    }


READERS: dict[str, ReaderSpec] = {}


def get_reader(name: str, options: Mapping[str, str] | None = None) -> ReaderSpec:
    """Return the reader spec for a format name, bound to its options.

    Parameters
    ----------
    name : str
        A format name (``netdyn ingest --source``).
    options : mapping of str to str, optional
        Reader options (``--option KEY=VALUE``), e.g. the column mapping of the ``table``
        reader.

    Raises
    ------
    InvalidInputError
        If ``name`` is not a known format (the message lists the known ones), or options are
        given to a format that takes none, or the reader refuses them.
    """
    from netdyn.core.errors import InvalidInputError

    if not READERS:
        READERS.update(_registry())
    try:
        spec = READERS[name]
    except KeyError:
        known = ", ".join(sorted(READERS))
        raise InvalidInputError(f"unknown source format {name!r}; choose one of: {known}") from None
    if spec.configure is not None:
        return spec.configure(dict(options or {}))
    if options:
        raise InvalidInputError(
            f"the {name} format takes no options; got {sorted(options)}. Remove --option."
        )
    return spec
