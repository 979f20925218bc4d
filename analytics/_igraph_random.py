"""Seeded randomness: igraph's process-wide generator, and seeds derived from one root seed.

:func:`igraph_seeded` makes igraph's random numbers (``rewire``, Leiden, ...) a function of a
seed for the duration of a block, then restores igraph's default (the :mod:`random` module).
It changes process-wide state, so it is not thread-safe; worker processes each have their own.
:func:`seed_ints` derives the integer seeds of such blocks from one seed. :func:`seed_sequence`,
:func:`child_seed`, :func:`child_seeds` and :func:`int_seed` derive independent streams from a
root seed through :class:`numpy.random.SeedSequence`, so results do not depend on the order or
the process in which the streams are used.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager

import igraph as ig
import numpy as np

from netdyn.core.errors import InvalidInputError

__all__ = ["igraph_seeded", "seed_ints", "seed_sequence", "child_seed", "child_seeds", "int_seed"]

_MAX_SEED = 2**63 - 1


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


def seed_ints(seed: int | np.random.Generator | np.random.SeedSequence | None, n: int) -> list[int]:
    """``n`` integer seeds in ``[0, 2**63 − 1)`` drawn from ``seed``.

    Parameters
    ----------
    seed : int, numpy Generator or SeedSequence, optional
        A Generator is drawn from (and advanced); anything else seeds
        :func:`numpy.random.default_rng`.
    n : int
        How many seeds.

    Returns
    -------
    list of int
        The seeds, e.g. for :func:`igraph_seeded`.

    Examples
    --------
    >>> len(seed_ints(7, 3)), seed_ints(7, 3) == seed_ints(7, 3)
    (3, True)
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    return [int(v) for v in rng.integers(0, _MAX_SEED, size=n)]


def seed_sequence(seed: int | np.random.SeedSequence | None) -> np.random.SeedSequence:
    """``seed`` as a :class:`numpy.random.SeedSequence` (a SeedSequence is returned as is).

    Raises
    ------
    InvalidInputError
        If ``seed`` is neither an int, a SeedSequence nor None.

    Examples
    --------
    >>> seed_sequence(5).entropy
    5
    """
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)):
        raise InvalidInputError(
            f"seed must be an int, a numpy SeedSequence or None; got {type(seed).__name__}"
        )
    return np.random.SeedSequence(None if seed is None else int(seed))


def child_seed(ss: np.random.SeedSequence, i: int) -> np.random.SeedSequence:
    """The i-th child of ``ss``, without advancing ``ss``'s spawn counter (unlike ``spawn``).

    Examples
    --------
    >>> child_seed(seed_sequence(5), 2).spawn_key
    (2,)
    """
    return np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, i), pool_size=ss.pool_size)


def child_seeds(ss: np.random.SeedSequence, n: int) -> list[np.random.SeedSequence]:
    """The first ``n`` children of ``ss`` (:func:`child_seed` 0 … n − 1).

    Examples
    --------
    >>> [c.spawn_key for c in child_seeds(seed_sequence(5), 2)]
    [(0,), (1,)]
    """
    return [child_seed(ss, i) for i in range(n)]


def int_seed(ss: np.random.SeedSequence) -> int:
    """A 31-bit integer seed for libraries that want an int (scikit-learn, ``random``).

    Examples
    --------
    >>> 0 <= int_seed(seed_sequence(5)) < 2**31
    True
    """
    return int(ss.generate_state(1, dtype=np.uint32)[0] >> 1)
