"""Prefect 3 flows: ingest, analyze, simulate, and the pipeline that composes them.

Importing this package sets quiet, offline defaults for Prefect (no telemetry) unless the
environment already sets them.
"""

import os

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
