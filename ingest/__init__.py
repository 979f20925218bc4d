"""Ingest: source formats → canonical rows (``readers``) → checks (``validate``) → event log.

The event log itself lives in :mod:`netdyn.store.eventlog`; this package only turns input files into
:class:`netdyn.store.canonical.Chunk` objects and hands them to it.
"""
