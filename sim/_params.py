"""What every seeded generative model's parameters share: a fingerprint and a source label.

A parameter dataclass inherits :class:`SimulationParams` and sets ``model`` (a class
attribute, not a field); the same parameters and seed then give the same fingerprint, the
same ``sim:<model>:<hash>`` source label and the same batch uri, so re-running appends nothing.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import ClassVar
from urllib.parse import urlencode

from ingest.canonical import sha256_text

__all__ = ["SimulationParams"]


class SimulationParams:
    """Mixin for frozen parameter dataclasses of :mod:`sim` models."""

    model: ClassVar[str]

    def fingerprint(self) -> str:
        """SHA-256 of the canonical JSON of the parameters (seed included)."""
        return sha256_text([self.model, json.dumps(asdict(self), sort_keys=True)])  # type: ignore[call-overload]

    @property
    def source_label(self) -> str:
        """``sim:<model>:<first 10 hex digits of the fingerprint>``: stable per parameters."""
        return f"sim:{self.model}:{self.fingerprint()[:10]}"

    @property
    def uri(self) -> str:
        """``sim:<model>?<parameters>``, the batch uri of a whole simulated log."""
        return f"sim:{self.model}?{urlencode(asdict(self))}"  # type: ignore[call-overload]
