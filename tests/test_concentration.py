"""Concentration: top-1 % and top-10 % shares and the Gini coefficient."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from netdyn.analytics.concentration import concentration
from netdyn.core.errors import InvalidInputError


def gini_pairwise(x: np.ndarray) -> float:
    """Gini as the mean absolute difference over twice the mean, O(n²)."""
    return float(np.abs(x[:, None] - x[None, :]).sum() / (2 * x.size**2 * x.mean()))


def test_gini_and_top_shares_on_hand_examples():
    c = concentration([0, 0, 0, 1])
    assert c.gini == pytest.approx(0.75) and c.n_actors == 4 and c.total == 1.0
    assert concentration([3, 3, 3, 3, 3]).gini == 0.0
    assert concentration([7]).gini == 0.0 and concentration([7]).top_1pct_share == 1.0
    # 1..100: top 1 % is {100}, top 10 % is 91..100
    c = concentration(np.arange(1, 101))
    assert c.top_1pct_share == pytest.approx(100 / 5050)
    assert c.top_10pct_share == pytest.approx(sum(range(91, 101)) / 5050)
    assert c.gini == pytest.approx(gini_pairwise(np.arange(1, 101.0)))
    # n = 150: ceil(1.5) = 2 actors in the top 1 %, ceil(15) = 15 in the top 10 %
    x = np.arange(150.0)
    c = concentration(pl.Series(x))
    assert c.top_1pct_share == pytest.approx((149 + 148) / x.sum())
    assert c.top_10pct_share == pytest.approx(x[-15:].sum() / x.sum())


def test_gini_agrees_with_the_pairwise_formula_on_random_samples():
    rng = np.random.default_rng(0)
    for n in (2, 17, 400):
        for sample in (rng.pareto(1.5, n), rng.poisson(0.7, n).astype(float)):
            if sample.sum() == 0:
                continue
            assert concentration(sample).gini == pytest.approx(gini_pairwise(sample), abs=1e-12)


def test_concentration_degenerate_and_bad_inputs():
    for empty in ([], [0, 0, 0]):
        c = concentration(empty)
        assert math.isnan(c.gini) and math.isnan(c.top_1pct_share)
        assert math.isnan(c.top_10pct_share)
    assert concentration([0, 0, 0]).n_actors == 3
    with pytest.raises(InvalidInputError, match=">= 0"):
        concentration([1, -2])
    with pytest.raises(InvalidInputError, match="NaN"):
        concentration([1, float("nan")])
    with pytest.raises(InvalidInputError, match="one-dimensional"):
        concentration([[1, 2]])
