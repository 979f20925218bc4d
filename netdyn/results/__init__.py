"""Result writers: run an analysis method of :mod:`netdyn.analytics` on the events of a run and
store its result tables under the run's ``run_id``, one transaction per table.
"""
