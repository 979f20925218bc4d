"""Ingest: source formats → canonical rows (``readers``) → checks (``validate``) → event log.

The event log itself lives in :mod:`netdyn.eventlog`; this package only turns input files into
:class:`ingest.canonical.Chunk` objects and hands them to it.
"""
