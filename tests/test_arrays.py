"""Shared array helpers of the analytics modules, against NumPy."""

from __future__ import annotations

import numpy as np
import pytest

from netdyn.analytics._arrays import unique_values


@pytest.mark.parametrize("seed", range(5))
def test_unique_values_is_numpys_unique(seed):
    """Same values, order and dtype as ``np.unique`` on integers, floats with NaNs (collapsed
    into one), all-NaN, 2-d input (flattened), one value and none."""
    rng = np.random.default_rng(seed)
    floats = rng.normal(size=200).round(1)
    floats[rng.random(200) < 0.2] = np.nan
    cases = [
        rng.integers(-50, 50, 300),
        rng.integers(0, 2**62, 1000, dtype=np.int64),
        floats,
        np.full(7, np.nan),
        rng.integers(0, 4, (30, 2)),
        np.array([5]),
        np.array([], dtype=np.int64),
    ]
    for values in cases:
        got, expected = unique_values(values), np.unique(values)
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)
