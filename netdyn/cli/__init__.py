"""The ``netdyn`` command line: :data:`app` is the Typer application.

``common.py`` holds the application, the shared options, error handling and progress display;
``commands_run.py`` the commands that load and analyse (run, ingest, analyze, compare),
``commands_simulate.py`` those that generate events (simulate, sweep), ``commands_serve.py``
the scheduled runs (serve), and ``commands_inspect.py`` those that read the database (status,
sql, export).
"""

from __future__ import annotations

import os
import sys

# One BLAS thread unless the user says otherwise, set before numpy is imported and inherited by
# the worker processes: netdyn's linear algebra is on tiny matrices (optimisers with 2-3
# parameters, 6 role features), where OpenBLAS's threads only spin (the power-law comparisons
# took 4.4x the CPU time with them on 2 cores); the parallel work is done by processes.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

# Importing a module registers its commands; `netdyn --help` lists them in this order.
# isort: off
from netdyn.cli import commands_run  # noqa: F401
from netdyn.cli import commands_simulate  # noqa: F401
from netdyn.cli import commands_serve  # noqa: F401
from netdyn.cli import commands_inspect  # noqa: F401

# isort: on
from netdyn.cli.common import app

__all__ = ["app", "main"]


def main() -> None:  # pragma: no cover - console entry point
    """Run the command line on ``sys.argv``."""
    app(sys.argv[1:])
