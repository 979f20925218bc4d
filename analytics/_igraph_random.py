"""Seeded randomness for igraph, which draws from one process-wide generator.

:func:`igraph_seeded` makes igraph's random numbers (``rewire``, Leiden, ...) a function of a
seed for the duration of a block, then restores igraph's default (the :mod:`random` module).
It changes process-wide state, so it is not thread-safe; worker processes each have their own.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager

import igraph as ig

__all__ = ["igraph_seeded"]


@contextmanager
def igraph_seeded(seed: int) -> Iterator[None]:
    """igraph draws from ``random.Random(seed)`` inside the block, from :mod:`random` after.

    Parameters
    ----------
    seed : int
        Seed of the block's generator.

    Examples
    --------
    >>> g = ig.Graph.Ring(20)
    >>> with igraph_seeded(7):
    ...     a = g.copy(); a.rewire(40)
    >>> with igraph_seeded(7):
    ...     b = g.copy(); b.rewire(40)
    >>> a.get_edgelist() == b.get_edgelist()
    True
    """
    ig.set_random_number_generator(random.Random(seed))
    try:
        yield
    finally:
        ig.set_random_number_generator(random)
