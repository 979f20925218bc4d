"""How the reports write numbers and names: shares, whole numbers, numbers by magnitude, the
plain-language names of quantities and comparison statistics, and run parameters as lines.

These are the building blocks of the verdicts of :mod:`netdyn.report.text`; they are pure.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "ABSOLUTE_MEASURES",
    "KIND_WORDS",
    "is_finite",
    "share_words",
    "number_words",
    "join_words",
    "format_number",
    "quantity_words",
    "statistic_label",
    "flatten_parameters",
]

_QUANTITY_WORDS = {
    "cascade_size": "cascade size",
    "cascade_depth": "cascade depth",
    "in_degree": "contacts received (in-degree)",
    "out_degree": "contacts made (out-degree)",
    "activity": "events per actor",
    "content_cascade_size": "adopters per piece of content",
    "inter_event_time": "time between an actor's events",
    "in_strength": "interactions received",
    "cascade_volume": "cascade volume",
}

KIND_WORDS = {"ngram": "phrase", "url": "link", "hashtag": "hashtag", "code": "code block"}

#: Comparison statistics whose values are shares or correlations: compared by absolute difference.
ABSOLUTE_MEASURES = frozenset(
    {
        "gini",
        "top_1pct_share",
        "share_cascades_with_replies",
        "share_lower",
        "mean_jaccard_top_k",
        "mean_spearman_rho",
        "mean_window_reciprocity",
        "core_periphery_rho",
    }
)

_STATISTIC_WORDS = {
    "n_cascades": "cascades (threads)",
    "max_cascade_size": "largest cascade (nodes)",
    "mean_cascade_size": "mean cascade size (nodes)",
    "mean_cascade_depth": "mean cascade depth (steps)",
    "mean_structural_virality": "mean structural virality of cascades with replies",
    "share_cascades_with_replies": "share of cascades with at least one reply",
    "n_actors": "actors",
    "n_edges": "who-addressed-whom links",
    "max_coreness": "highest coreness (k-core index)",
    "core_share": "share of actors in the Borgatti–Everett core ({q} model)",
    "core_periphery_rho": "core-periphery fit quality ρ ({q} model)",
    "mean_window_reciprocity": "mean reciprocity per window",
    "alpha": "power-law exponent α of {q}",
    "xmin": "start of the power-law tail x_min of {q}",
    "gof_p": "power-law goodness-of-fit p of {q}",
    "gini": "Gini coefficient of {q}",
    "top_1pct_share": "share of {q} held by the top 1 % of actors",
    "beta": "preferential-attachment exponent β",
    "gamma": "growth exponent γ of the largest cascade",
    "gamma_predicted": "γ predicted from the fitted α",
    "gamma_by_window": "γ from the largest cascade per window",
    "share_lower": "share of actors with fewer contacts than their contacts (friendship paradox)",
    "mean_jaccard_top_k": "overlap of the top actors between consecutive windows (Jaccard)",
    "mean_spearman_rho": "rank correlation of actors between consecutive windows",
    "hazard_ratio": "hazard ratio per extra exposure ({q})",
}


def is_finite(value: Any) -> bool:
    """True for an int or float that is neither NaN nor infinite (False for None and text).

    >>> is_finite(2), is_finite(float("nan")), is_finite(None)
    (True, False, False)
    """
    return value is not None and isinstance(value, int | float) and math.isfinite(float(value))


def share_words(value: float) -> str:
    """A share in [0, 1] as a percentage: one decimal below 10 %, none above.

    >>> share_words(0.034), share_words(0.5)
    ('3.4%', '50%')
    """
    return f"{value:.1%}" if 0 < value < 0.1 else f"{value:.0%}"


#: How a number that is not whole is written, by magnitude (largest first): in a sentence, and
#: in a table (:func:`format_number`).
_SENTENCE_STYLE: tuple[tuple[float, str], ...] = ((100, "{:,.0f}"), (1, "{:.2f}"), (0, "{:.3g}"))
_TABLE_STYLE: tuple[tuple[float, str], ...] = ((100, "{:,.1f}"), (0.01, "{:.3f}"), (0, "{:.2e}"))


def _whole_or_by_magnitude(number: float, style: tuple[tuple[float, str], ...]) -> str:
    """A whole number with thousands separators, any other in the format ``style`` gives its
    magnitude (the last format when none applies, e.g. for NaN)."""
    if number.is_integer() and abs(number) < 1e15:
        return f"{int(number):,}"
    fmt = next((f for smallest, f in style if abs(number) >= smallest), style[-1][1])
    return fmt.format(number)


def number_words(value: float) -> str:
    """A number as written in a sentence: whole numbers with thousands separators, others by
    magnitude (no decimals from 100, two from 1, three significant digits below).

    >>> number_words(12345), number_words(3.14159), number_words(0.0123)
    ('12,345', '3.14', '0.0123')
    """
    return _whole_or_by_magnitude(float(value), _SENTENCE_STYLE)


def format_number(value: Any, decimals: int | None = None) -> str:
    """A number as the report tables show it.

    Parameters
    ----------
    value : int, float or None
        The number (anything :class:`float` accepts, e.g. a ``Decimal`` or a numpy scalar).
    decimals : int, optional
        Show this many decimals. By default a whole number is shown with thousands
        separators, and any other by its magnitude: one decimal from 100, three from 0.01,
        else two significant digits in scientific notation.

    Returns
    -------
    str
        The number, or ``–`` when it is missing or not finite.

    Raises
    ------
    TypeError, ValueError
        If :class:`float` cannot convert ``value``.

    Examples
    --------
    >>> format_number(1234.0), format_number(0.5), format_number(0.5, 2), format_number(None)
    ('1,234', '0.500', '0.50', '–')
    """
    if value is None:
        return "–"
    number = float(value)
    if not math.isfinite(number):
        return "–"
    if decimals is not None:
        return f"{number:.{decimals}f}"
    return _whole_or_by_magnitude(number, _TABLE_STYLE)


def join_words(items: Sequence[str]) -> str:
    """Items as an English list: "a", "a and b", "a, b and c".

    >>> join_words(["cascades", "degrees", "activity"])
    'cascades, degrees and activity'
    """
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def quantity_words(quantity: str) -> str:
    """A fitted quantity's name in plain words.

    Examples
    --------
    >>> quantity_words("in_degree")
    'contacts received (in-degree)'
    >>> quantity_words("reply_thread")
    'reply thread'
    """
    return _QUANTITY_WORDS.get(quantity, quantity.replace("_", " "))


def statistic_label(statistic: str) -> str:
    """A comparison statistic (``<measure>`` or ``<measure>:<quantity>``) in plain words.

    Examples
    --------
    >>> statistic_label("alpha:cascade_size")
    'power-law exponent α of cascade size'
    >>> statistic_label("beta:attachment_kernel")
    'preferential-attachment exponent β'
    >>> statistic_label("something_new")
    'something new'
    """
    measure, _, quantity = statistic.partition(":")
    words = _STATISTIC_WORDS.get(measure)
    if words is None:
        return statistic.replace("_", " ").replace(":", " of ")
    return words.format(q=quantity_words(quantity)) if "{q}" in words else words


def flatten_parameters(parameters: Mapping[str, Any] | str | None) -> list[tuple[str, str]]:
    """Run parameters as ``(dotted.key, value)`` rows for the appendix table.

    Parameters
    ----------
    parameters : mapping, JSON string or None
        ``runs.parameters``.

    Returns
    -------
    list of (str, str)
        One row per leaf, keys sorted; lists joined by ``", "``; empty for None.

    Examples
    --------
    >>> flatten_parameters('{"seed": 0, "window": {"kind": "tumbling"}, "sources": ["a", "b"]}')
    [('seed', '0'), ('sources', 'a, b'), ('window.kind', 'tumbling')]
    """
    if parameters is None:
        return []
    if isinstance(parameters, str):
        parameters = json.loads(parameters) if parameters.strip() else {}
    out: list[tuple[str, str]] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for key in sorted(value):
                walk(f"{prefix}.{key}" if prefix else str(key), value[key])
        elif isinstance(value, list | tuple):
            out.append((prefix, ", ".join(str(v) for v in value)))
        else:
            out.append((prefix, "–" if value is None else str(value)))

    walk("", parameters)
    return out
