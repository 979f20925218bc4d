"""File-name helpers shared by the readers."""

from __future__ import annotations

from pathlib import Path

__all__ = ["file_stem"]


def file_stem(path: str | Path, suffixes: tuple[str, ...]) -> str:
    """The file name of ``path`` without its trailing ``suffixes``, for a default label.

    Parameters
    ----------
    path : str or Path
        A file; it need not exist.
    suffixes : tuple of str
        Lowercase suffixes (with their dot) removed from the end of the name, repeatedly, in
        any order and case.

    Returns
    -------
    str
        What is left of the name; the full name if nothing would be left.

    Examples
    --------
    >>> file_stem("exports/Messages.CSV.gz", (".gz", ".csv"))
    'Messages'
    >>> file_stem(".gz", (".gz",))
    '.gz'
    """
    name = Path(path).name
    base = name
    while base.lower().endswith(suffixes):
        base = base[: base.rfind(".")]
    return base or name
