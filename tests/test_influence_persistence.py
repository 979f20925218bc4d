"""Persistence of the top-k actors between consecutive windows."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from netdyn.analytics.influence_persistence import influence_persistence
from netdyn.core.errors import InvalidInputError


def windows(*frames: dict) -> pl.DataFrame:
    return pl.concat(
        [
            pl.DataFrame(
                {"window_start": [w] * len(d), "actor_id": list(d), "score": list(d.values())}
            )
            for w, d in enumerate(frames)
        ]
    ).with_columns(pl.col("score").cast(pl.Float64))


def test_persistence_identical_and_disjoint_windows():
    same = {"a": 5, "b": 3, "c": 1, "d": 0}
    res = influence_persistence(windows(same, same), k=2)
    assert res.rows() == [(0, 1, 1.0, 2, 1.0, 4)]
    disjoint = influence_persistence(windows(same, {"x": 4, "y": 2}), k=2)
    row = disjoint.row(0, named=True)
    assert row["jaccard_top_k"] == 0.0 and row["n_common"] == 0 and row["n_top_common"] == 0
    assert math.isnan(row["spearman_rho"])
    reversed_ = influence_persistence(windows(same, {"a": 0, "b": 1, "c": 3, "d": 5}), k=2)
    assert reversed_["jaccard_top_k"][0] == 0.0 and reversed_["spearman_rho"][0] == -1.0


def test_persistence_rank_correlation_matches_pearson_of_ranks_and_ties():
    rng = np.random.default_rng(2)
    a = dict(zip("abcdefghij", rng.random(10).tolist(), strict=True))
    b = dict(zip("cdefghijkl", rng.random(10).tolist(), strict=True))
    res = influence_persistence(windows(a, b, a), k=3)
    assert res["window_start"].to_list() == [0, 1] and res["next_window_start"].to_list() == [1, 2]
    common = sorted(set(a) & set(b))
    ra = pl.Series([a[x] for x in common]).rank().to_numpy()
    rb = pl.Series([b[x] for x in common]).rank().to_numpy()
    assert res["spearman_rho"][0] == pytest.approx(np.corrcoef(ra, rb)[0, 1])
    assert res["n_common"].to_list() == [8, 8]
    top = lambda d: set(sorted(d, key=d.get, reverse=True)[:3])  # noqa: E731
    assert res["n_top_common"][0] == len(top(a) & top(b))
    # ties at the boundary go to the smaller actor_id
    tied = influence_persistence(windows({"b": 1, "a": 1, "c": 0}, {"a": 1, "c": 2}), k=1)
    assert tied["jaccard_top_k"][0] == 0.0  # {a} vs {c}
    tied = influence_persistence(windows({"b": 1, "a": 1, "c": 0}, {"a": 2, "c": 1}), k=1)
    assert tied["jaccard_top_k"][0] == 1.0  # {a} vs {a}


def test_persistence_degenerate_and_bad_inputs():
    one = influence_persistence(windows({"a": 1.0}), k=1)
    assert one.height == 0 and "spearman_rho" in one.columns
    with pytest.raises(InvalidInputError, match="k must be"):
        influence_persistence(windows({"a": 1.0}), k=0)
    dup = pl.concat([windows({"a": 1.0}), windows({"a": 2.0})])
    with pytest.raises(InvalidInputError, match="repeats"):
        influence_persistence(dup, k=1)
