"""Input checks and id coding shared by the analytics modules.

:func:`as_values` checks a one-dimensional sample of non-negative numbers;
:func:`dense_codes` codes the two end columns of an edge list as integers 0 … n − 1.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from netdyn.core.errors import InvalidInputError

__all__ = ["as_values", "dense_codes"]


def dense_codes(a: pl.Series, b: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """Dense 0-based integer codes of two id columns, shared between them.

    Parameters
    ----------
    a, b : polars.Series
        Ids of one type, e.g. the source and target ends of edges; same length.

    Returns
    -------
    tuple of numpy.ndarray
        The codes of ``a`` and of ``b`` (int64), one code per distinct id in sort order.

    Examples
    --------
    >>> codes = dense_codes(pl.Series(["b", "c"]), pl.Series(["a", "b"]))
    >>> [c.tolist() for c in codes]
    [[1, 2], [0, 1]]
    """
    if a.len() == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    codes = pl.concat([a, b]).rank("dense").cast(pl.Int64).to_numpy() - 1
    return codes[: a.len()], codes[a.len() :]


def as_values(values: Any, name: str) -> np.ndarray:
    """``values`` as a one-dimensional float64 array of finite numbers ``>= 0``.

    Parameters
    ----------
    values : array_like of float or polars.Series
        The sample.
    name : str
        The argument's name, for the error message.

    Returns
    -------
    numpy.ndarray
        Shape (n,), float64.

    Raises
    ------
    InvalidInputError
        If ``values`` is not one-dimensional and numeric, or holds a negative, NaN or
        infinite value.

    Examples
    --------
    >>> as_values(pl.Series([3, 0]), "sizes").tolist()
    [3.0, 0.0]
    """
    if isinstance(values, pl.Series):
        values = values.to_numpy()
    try:
        x = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise InvalidInputError(f"{name} must be numeric; got {type(values).__name__}") from e
    if x.ndim != 1:
        raise InvalidInputError(f"{name} must be one-dimensional; got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise InvalidInputError(f"{name} holds NaN or infinite values; drop or fill them first")
    if np.any(x < 0):
        raise InvalidInputError(f"{name} must be >= 0; got minimum {x.min()}")
    return x
