"""The SQL files of netdyn, shipped as package data (``importlib.resources``).

``schema/`` migrations, ``staging/`` and ``marts/`` analyst views, ``queries/`` named analyst
questions, ``invariants/`` queries that must return no rows.
"""
