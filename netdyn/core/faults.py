"""Failpoints: named places where a test can kill the process, to prove crash safety.

``failpoint(name)`` does nothing unless the environment variable ``NETDYN_FAILPOINT`` equals
``name``; then the process sends itself SIGKILL on the spot, as a power cut or an OOM kill
would, with no chance to clean up. The crash-safety tests run real subprocesses with it set.
"""

from __future__ import annotations

import os
import signal

__all__ = ["failpoint", "FAILPOINT_ENV"]

FAILPOINT_ENV = "NETDYN_FAILPOINT"


def failpoint(name: str) -> None:
    """Kill this process with SIGKILL if ``$NETDYN_FAILPOINT == name``."""
    if os.environ.get(FAILPOINT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
