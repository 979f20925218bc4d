"""Largest-cascade scaling against the extreme-value prediction and exact enumeration."""

from __future__ import annotations

import itertools
import math

import numpy as np
import polars as pl
import pytest

from netdyn.analytics.cascade_scaling import largest_cascade_by_window, largest_cascade_scaling
from netdyn.analytics.power_law import sample_discrete_power_law
from netdyn.core.errors import InvalidInputError


def test_largest_cascade_grows_as_the_extreme_value_prediction():
    alpha = 2.5
    gammas = []
    for seed in range(8):
        sizes = sample_discrete_power_law(100_000, alpha, seed=seed)
        res = largest_cascade_scaling(sizes, alpha=alpha, seed=seed)
        gammas.append(res.gamma)
    assert res.gamma_predicted == pytest.approx(1 / (alpha - 1))
    assert res.table.height == 12 and res.table["n_cascades"].to_list()[0] == 10
    # one sample's γ varies with its few largest values (sd 0.06 over 20 seeds, mean 0.63);
    # the mean of 8 has sd about 0.022: tolerance 0.07
    assert np.mean(gammas) == pytest.approx(2 / 3, abs=0.07)


def test_expected_maximum_matches_enumeration_and_subsampling():
    sizes = np.array([1, 1, 2, 3, 5, 8, 13])
    res = largest_cascade_scaling(sizes, system_sizes=[1, 2, 3, 7], seed=0)
    for n, expected in zip([1, 2, 3, 7], res.table["expected_max_size"], strict=True):
        combos = list(itertools.combinations(sizes.tolist(), n))
        assert expected == pytest.approx(np.mean([max(c) for c in combos]), rel=1e-12)
    # Monte Carlo maxima against materialised subsamples drawn with numpy
    sample = sample_discrete_power_law(300, 2.5, seed=3).astype(float)
    rng = np.random.default_rng(9)
    brute = np.array([sample[rng.choice(300, 30, replace=False)].max() for _ in range(20_000)])
    res = largest_cascade_scaling(sample, system_sizes=[30], n_subsamples=20_000, seed=1)
    row = res.table.row(0, named=True)
    se = brute.std() / math.sqrt(brute.size)
    assert row["expected_max_size"] == pytest.approx(brute.mean(), abs=4 * se)
    assert row["mean_max_size"] == pytest.approx(row["expected_max_size"], abs=4 * se)
    assert row["sd_max_size"] == pytest.approx(brute.std(), rel=0.1)


def test_constant_sizes_have_gamma_zero_and_degenerate_inputs():
    res = largest_cascade_scaling(np.full(500, 4.0), seed=0)
    assert res.gamma == 0.0 and res.table["sd_max_size"].max() == 0.0
    one = largest_cascade_scaling([5], seed=0)
    assert one.table.height == 0 and math.isnan(one.gamma)
    with pytest.raises(InvalidInputError, match="> 0"):
        largest_cascade_scaling([1, 0, 2])
    with pytest.raises(InvalidInputError, match=r"\[1, 3\]"):
        largest_cascade_scaling([1, 2, 3], system_sizes=[1, 4])
    with pytest.raises(InvalidInputError, match="alpha must be > 1"):
        largest_cascade_scaling([1, 2, 3], alpha=0.8)


def test_largest_cascade_by_window_recovers_gamma():
    rng = np.random.default_rng(4)
    counts = np.rint(np.geomspace(10, 10_000, 200)).astype(int)
    rng.shuffle(counts)
    sizes = sample_discrete_power_law(int(counts.sum()), 2.5, seed=5)
    frame = pl.DataFrame({"window_id": np.repeat(np.arange(counts.size), counts), "size": sizes})
    res = largest_cascade_by_window(frame, alpha=2.5)
    assert res.table.height == 200
    assert res.table["n_cascades"].to_list() == counts.tolist()
    # log S_max has sd ≈ 0.85 around γ log N; with 200 windows the slope's sd is ≈ 0.03
    assert res.gamma == pytest.approx(2 / 3, abs=0.1)
    assert res.gamma_se < 0.05
    with pytest.raises(InvalidInputError, match="lacks columns"):
        largest_cascade_by_window(frame.rename({"size": "n"}))
