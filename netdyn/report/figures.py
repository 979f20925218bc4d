"""Figures and links of the reports: a matplotlib figure as an embedded PNG, the points of an
empirical CCDF, and a relative link between report files."""

from __future__ import annotations

import base64
import io
import os
import re
from pathlib import Path

import matplotlib
import numpy as np

from netdyn.core.errors import InvalidInputError

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import LogFormatterSciNotation, NullLocator  # noqa: E402

__all__ = ["png", "ccdf_points", "relative_link"]


#: A log axis spanning at least this many decades gets no minor ticks (see :func:`png`).
MINOR_TICKS_MAX_DECADES = 2

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_MATH_POWER = re.compile(r"\$\\mathdefault\{(?:([0-9.]+)\\times\s*)?([0-9.]+)\^\{(-?[0-9]+)\}\}\$")


class PowerLabels(LogFormatterSciNotation):
    r"""Matplotlib's log-axis labels (``10³``, ``2×10⁻¹``) as plain Unicode text.

    The same labels as :class:`matplotlib.ticker.LogFormatterSciNotation` on the same ticks,
    written with superscript digits instead of mathtext, which matplotlib parses afresh for
    every figure (half the time of drawing a log-log CCDF). Any other label is kept as is.

    Examples
    --------
    >>> PowerLabels.plain(r"$\mathdefault{10^{-3}}$")
    '10⁻³'
    >>> PowerLabels.plain(r"$\mathdefault{2\times10^{4}}$"), PowerLabels.plain("")
    ('2×10⁴', '')
    """

    @staticmethod
    def plain(label: str) -> str:
        """A mathtext power label as Unicode text (other labels unchanged)."""
        match = _MATH_POWER.fullmatch(label)
        if match is None:
            return label
        factor, base, exponent = match.groups()
        power = base + exponent.translate(_SUPERSCRIPT)
        return f"{factor}×{power}" if factor else power

    def __call__(self, x: float, pos: int | None = None) -> str:
        return self.plain(super().__call__(x, pos))


def png(fig: plt.Figure) -> str:
    """A matplotlib figure as a base64 PNG (the figure is closed).

    A log axis spanning :data:`MINOR_TICKS_MAX_DECADES` decades or more is drawn without
    minor ticks: its labelled decades carry the scale, and matplotlib builds each minor tick
    as its own line and label objects, which made the minor ticks of a CCDF over eight
    decades most of the figure's drawing time (0.97 s against 0.52 s per figure).
    """
    for ax in fig.axes:
        for axis, limits in ((ax.xaxis, ax.get_xlim), (ax.yaxis, ax.get_ylim)):
            if axis.get_scale() != "log":
                continue
            for set_formatter, current in (
                (axis.set_major_formatter, axis.get_major_formatter()),
                (axis.set_minor_formatter, axis.get_minor_formatter()),
            ):
                if type(current) is LogFormatterSciNotation:  # matplotlib's default
                    set_formatter(
                        PowerLabels(
                            base=current._base,
                            labelOnlyBase=current.labelOnlyBase,
                            minor_thresholds=current.minor_thresholds,
                            linthresh=current._linthresh,
                        )
                    )
            low, high = sorted(limits())
            if low > 0 and high >= low * 10**MINOR_TICKS_MAX_DECADES:
                axis.set_minor_locator(NullLocator())
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def relative_link(target: str | Path | None, folder: Path) -> str | None:
    """A link from a report in ``folder`` to another report file, if that file exists.

    Parameters
    ----------
    target : str, Path or None
        The file to link to (e.g. a run's recorded ``report_path``).
    folder : Path
        The folder of the report that holds the link.

    Returns
    -------
    str or None
        The path of ``target`` relative to ``folder``, with forward slashes (an ``href``);
        None when ``target`` is empty or no such file exists.

    Raises
    ------
    ValueError
        On Windows, if ``target`` and ``folder`` are on different drives.
    """
    if not target or not Path(target).exists():
        return None
    return Path(os.path.relpath(Path(target).resolve(), folder.resolve())).as_posix()


def ccdf_points(values: np.ndarray, *, max_points: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """The empirical CCDF P(X ≥ x) at the distinct values, thinned for plotting.

    Parameters
    ----------
    values : numpy.ndarray
        One value per observation (any order).
    max_points : int, keyword-only, default 2000
        At most about this many points are returned: all of them when there are fewer
        distinct values, otherwise points spaced geometrically in rank from both ends (dense
        in the head and in the tail, where a log-log plot needs them), always including the
        smallest and the largest value.

    Returns
    -------
    x, ccdf : numpy.ndarray
        Distinct values (ascending) and the share of observations at least as large.

    Raises
    ------
    InvalidInputError
        If ``max_points < 2``.

    Examples
    --------
    >>> x, p = ccdf_points(np.array([1.0, 1.0, 2.0, 4.0]))
    >>> x.tolist(), p.tolist()
    ([1.0, 2.0, 4.0], [1.0, 0.5, 0.25])
    """
    if max_points < 2:
        raise InvalidInputError(f"max_points must be >= 2; got {max_points}")
    x = np.sort(np.asarray(values, dtype=np.float64))
    unique, first = np.unique(x, return_index=True)
    ccdf = 1.0 - first / max(x.size, 1)
    n = unique.size
    if n > max_points:
        ranks = np.geomspace(1, n, max_points // 2).round().astype(np.int64) - 1
        keep = np.unique(np.concatenate([ranks, n - 1 - ranks]))
        unique, ccdf = unique[keep], ccdf[keep]
    return unique, ccdf
