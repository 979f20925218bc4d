"""What every seeded generative model's parameters share: a fingerprint and a source label.

A parameter dataclass inherits :class:`SimulationParams` and sets ``model`` (a class
attribute, not a field); the same parameters and seed then give the same fingerprint, the
same ``sim:<model>:<hash>`` source label and the same batch uri
(:func:`netdyn.sim.labels.synthetic_label`), so re-running appends nothing. The models also
share the checks of their parameters (:func:`require`, :func:`parse_start`) and the root count
of their ``for_events`` (:func:`roots_for_events`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime
from typing import ClassVar
from urllib.parse import urlencode

from netdyn.core.errors import InvalidInputError
from netdyn.sim.labels import synthetic_label
from netdyn.store.canonical import sha256_text

__all__ = ["SimulationParams", "require", "parse_start", "roots_for_events"]


class SimulationParams:
    """Mixin for frozen parameter dataclasses of :mod:`netdyn.sim` models."""

    model: ClassVar[str]

    def fingerprint(self) -> str:
        """SHA-256 of the canonical JSON of the parameters (seed included)."""
        return sha256_text([self.model, json.dumps(asdict(self), sort_keys=True)])  # type: ignore[call-overload]

    @property
    def source_label(self) -> str:
        """``sim:<model>:<first 10 hex digits of the fingerprint>``: stable per parameters."""
        return synthetic_label(self.model, self.fingerprint())

    @property
    def uri(self) -> str:
        """``sim:<model>?<parameters>``, the batch uri of a whole simulated log."""
        return f"{synthetic_label(self.model)}?{urlencode(asdict(self))}"  # type: ignore[call-overload]


def require(checks: Iterable[tuple[bool, str]]) -> None:
    """Raise :class:`InvalidInputError` with the message of the first check that fails.

    Examples
    --------
    >>> require([(1 > 0, "fine"), (0 > 1, "n must be > 1")])
    Traceback (most recent call last):
    ...
    netdyn.core.errors.InvalidInputError: n must be > 1
    """
    for ok, message in checks:
        if not ok:
            raise InvalidInputError(message)


def parse_start(
    start: str, *, errors: tuple[type[Exception], ...] = (TypeError, ValueError)
) -> datetime:
    """Parse ``start``, which must be an ISO-8601 timestamp with a time zone.

    Parameters
    ----------
    start : str
        The ``start`` parameter of a model.
    errors : tuple of exception types
        Errors of :meth:`datetime.fromisoformat` reported as an invalid input; others
        propagate.

    Returns
    -------
    datetime.datetime
        The time, with its zone.

    Raises
    ------
    InvalidInputError
        If ``start`` is not such a timestamp.

    Examples
    --------
    >>> parse_start("2026-01-01T06:00:00+02:00").hour
    6
    >>> parse_start("2026-01-01")
    Traceback (most recent call last):
    ...
    netdyn.core.errors.InvalidInputError: start needs a time zone, e.g. '2026-01-01+00:00'
    """
    try:
        moment = datetime.fromisoformat(start)
    except errors as e:
        raise InvalidInputError(f"start must be an ISO-8601 timestamp; got {start!r}") from e
    if moment.tzinfo is None:
        raise InvalidInputError(f"start needs a time zone, e.g. '{start}+00:00'")
    return moment


def roots_for_events(n_events: int, branching_ratio: float, field: str) -> int:
    """Roots whose trees hold about ``n_events`` events: ``round(n_events (1 − ratio))``.

    A subcritical Galton–Watson tree has mean size ``1 / (1 − branching_ratio)``.

    Parameters
    ----------
    n_events : int
        Events wanted, ``≥ 1``.
    branching_ratio : float
        Mean offspring per item, ``< 1``.
    field : str
        The model's field of the root count, named in the error message.

    Raises
    ------
    InvalidInputError
        If ``branching_ratio ≥ 1`` (the mean size is infinite) or ``n_events < 1``.

    Examples
    --------
    >>> roots_for_events(10_000, 0.9, "n_roots")
    1000
    """
    if branching_ratio >= 1.0:
        raise InvalidInputError(
            f"for_events needs branching_ratio < 1; set {field} directly for critical runs"
        )
    if n_events < 1:
        raise InvalidInputError(f"n_events must be >= 1; got {n_events}")
    return max(1, round(n_events * (1.0 - branching_ratio)))
