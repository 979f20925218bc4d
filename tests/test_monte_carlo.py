"""Sequential Monte-Carlo p-values (Besag & Clifford 1991) and the ordered worker pool."""

from __future__ import annotations

import math
import operator

import numpy as np
import pytest

from netdyn.analytics.monte_carlo import (
    DEFAULT_H,
    ordered_map,
    sequential_p_value,
    sequential_p_values,
)
from netdyn.core.errors import InvalidInputError


def test_stops_at_the_h_th_extreme_null_with_p_h_over_l():
    # extremes at draws 2, 4, 6, ... : the 3rd comes at l = 6
    nulls = [0.0, 1.0] * 50
    t = sequential_p_value(0.5, iter(nulls), n_max=99, h=3)
    assert (t.p_value, t.n_drawn, t.n_extreme, t.stopped_early) == (0.5, 6, 3, True)
    assert t.statistics.tolist() == nulls[:6]
    assert t.resolution == 0.01


def test_stopping_at_the_first_h_draws_gives_p_one():
    t = sequential_p_value(0.0, iter([1.0] * 99), n_max=99)
    assert (t.p_value, t.n_drawn, t.stopped_early, t.h) == (1.0, DEFAULT_H, True, 10)


def test_no_extreme_null_draws_all_and_gives_the_resolution():
    t = sequential_p_value(1e9, range(199), n_max=199)
    assert t.p_value == pytest.approx(1 / 200) and t.p_value == t.resolution
    assert (t.n_drawn, t.n_extreme, t.stopped_early) == (199, 0, False)


def test_fewer_than_h_extremes_give_the_fixed_test():
    nulls = [2.0] * 4 + [0.0] * 95  # 4 extreme of 99
    t = sequential_p_value(1.0, nulls, n_max=99)
    assert t.p_value == pytest.approx(5 / 100) and t.n_drawn == 99 and not t.stopped_early


def test_the_h_th_extreme_at_the_last_draw_is_h_over_n_and_not_early():
    nulls = [0.0] * 89 + [2.0] * 10
    t = sequential_p_value(1.0, nulls, n_max=99)
    assert t.p_value == pytest.approx(10 / 99) and t.n_drawn == 99 and not t.stopped_early


def test_ties_count_as_extreme_and_nan_nulls_never_do():
    t = sequential_p_value(1.0, [1.0, math.nan, 1.0], n_max=3, h=2)
    assert (t.n_drawn, t.n_extreme, t.p_value) == (3, 2, 2 / 3)
    less = sequential_p_value(1.0, [2.0, 0.5, 3.0], n_max=3, h=5, alternative="less")
    assert (less.n_extreme, less.p_value) == (1, 0.5)


def test_no_test_without_nulls_or_a_finite_observation():
    for t in (
        sequential_p_value(1.0, iter([]), n_max=0),
        sequential_p_value(math.nan, iter([1.0] * 5), n_max=5),
    ):
        assert math.isnan(t.p_value) and t.n_drawn == 0 and not t.stopped_early
    assert math.isnan(sequential_p_value(1.0, [], n_max=0).resolution)


def test_stopping_closes_the_null_stream():
    closed = []

    def stream():
        try:
            yield from iter(lambda: 1.0, None)
        finally:
            closed.append(True)

    t = sequential_p_value(0.0, stream(), n_max=1000, h=2)
    assert t.n_drawn == 2 and closed == [True]


def test_bad_arguments_say_how_to_fix_them():
    with pytest.raises(InvalidInputError, match="n_max must be an integer ≥ 0"):
        sequential_p_value(1.0, [], n_max=-1)
    with pytest.raises(InvalidInputError, match="h must be an integer ≥ 1"):
        sequential_p_value(1.0, [], n_max=3, h=0)
    with pytest.raises(InvalidInputError, match="alternative must be one of"):
        sequential_p_value(1.0, [], n_max=3, alternative="two-sided")
    with pytest.raises(InvalidInputError, match="nulls ran out after 2 values"):
        sequential_p_value(1.0, [0.0, 0.0], n_max=3)
    with pytest.raises(InvalidInputError, match="one per statistic"):
        sequential_p_values([1.0, 2.0], [(0.0,)], n_max=3)
    with pytest.raises(InvalidInputError, match="n_jobs must be an integer ≥ 1"):
        ordered_map(abs, [1], n_jobs=0)


def test_valid_under_the_null_and_cheap_when_not_significant():
    # observed and nulls exchangeable (uniform): P(p ≤ α) ≤ α; Besag & Clifford's test with
    # n = 99, h = 10 is exact at α = k / 100 below h / n, so the rejection rate is ≈ α
    rng = np.random.default_rng(0)
    tests = [sequential_p_value(rng.random(), rng.random(99), n_max=99, h=10) for _ in range(4000)]
    p = np.array([t.p_value for t in tests])
    drawn = np.array([t.n_drawn for t in tests])
    for alpha in (0.01, 0.05):
        assert np.mean(p <= alpha) <= alpha + 3 * math.sqrt(alpha * (1 - alpha) / p.size)
    assert np.mean(p <= 0.05) >= 0.035  # not needlessly conservative
    # the expected number drawn under the null is far below 99 (about 40 with h = 10)
    assert drawn.mean() < 50
    # a clearly non-significant statistic (true p = 0.5) stops after about h / p = 20 draws
    half = [sequential_p_value(0.5, rng.random(99), n_max=99).n_drawn for _ in range(500)]
    assert 17 < np.mean(half) < 23


def test_several_statistics_each_stop_on_their_own_prefix():
    rng = np.random.default_rng(3)
    nulls = rng.random((50, 2))
    observed = [0.3, 0.97]
    both = sequential_p_values(observed, (row for row in nulls), n_max=50, h=5)
    for j in range(2):
        alone = sequential_p_value(observed[j], nulls[:, j], n_max=50, h=5)
        assert both[j].p_value == alone.p_value and both[j].n_drawn == alone.n_drawn
        assert both[j].statistics.tolist() == alone.statistics.tolist()
    assert both[0].stopped_early and not both[1].stopped_early


def test_ordered_map_is_lazy_ordered_and_independent_of_workers():
    tasks = list(range(-20, 0))
    one = list(ordered_map(operator.neg, tasks, n_jobs=1))
    two = list(ordered_map(operator.neg, tasks, n_jobs=2, in_flight=3))
    assert one == two == [-t for t in tasks]
    # a test that stops early gives the same answer with and without workers
    a = sequential_p_value(5.0, ordered_map(float, list(range(20)), n_jobs=1), n_max=20, h=3)
    b = sequential_p_value(5.0, ordered_map(float, list(range(20)), n_jobs=2), n_max=20, h=3)
    assert (a.p_value, a.n_drawn) == (b.p_value, b.n_drawn) == (3 / 8, 8)
    assert a.statistics.tolist() == b.statistics.tolist()
