"""The ``netdyn`` command line: :data:`app` is the Typer application.

``common.py`` holds the application, the shared options, error handling and progress display;
``commands_run.py`` the commands that load and analyse (run, ingest, analyze, compare),
``commands_simulate.py`` those that generate events (simulate, sweep), ``commands_serve.py``
the scheduled runs (serve), and ``commands_inspect.py`` those that read the database (status,
sql, export).
"""

from __future__ import annotations

import sys

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
