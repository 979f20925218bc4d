"""The core every other part of netdyn shares: errors, settings, progress events, failpoints.

Nothing here imports any other part of netdyn.
"""
