"""Persistence of an elite: do the top-k actors of one window stay on top in the next?

:func:`influence_persistence` compares the top-k actors of consecutive windows by the Jaccard
overlap of the two top-k sets (turnover of the elite) and by the Spearman rank correlation of
the scores of the actors present in both (whether the order among continuing actors
persists). One of the elite measures of the MoltBook studies *Do Agent Societies Develop
Intellectual Elites?* and *Does Socialization Emerge in AI Agent Society?*.

References
----------
.. [1] Jaccard, P. (1912). The distribution of the flora in the alpine zone. *New
   Phytologist* 11(2), 37–50.
.. [2] Spearman, C. (1904). The proof and measurement of association between two things.
   *American Journal of Psychology* 15(1), 72–101.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
from scipy.stats import spearmanr

from netdyn.core.errors import InvalidInputError

__all__ = ["influence_persistence"]


def influence_persistence(scores: pl.DataFrame, *, k: int) -> pl.DataFrame:
    """Persistence of the top-k actors between consecutive windows.

    Parameters
    ----------
    scores : polars.DataFrame
        One row per (window, actor): ``window_start`` (any sortable type: Datetime, date,
        number), ``actor_id``, ``score`` (numeric, e.g. replies received in the window).
    k : int
        Size of the elite, ``≥ 1``.

    Returns
    -------
    polars.DataFrame
        One row per pair of consecutive windows, in window order: ``window_start``,
        ``next_window_start``, ``jaccard_top_k`` (``|T ∩ T'| / |T ∪ T'|`` of the two top-k
        sets), ``n_top_common`` (``|T ∩ T'|``), ``spearman_rho`` (Spearman correlation of
        the two windows' scores over the actors scored in both), ``n_common`` (those
        actors). Empty (with these columns) when there are fewer than two windows.

    Raises
    ------
    InvalidInputError
        If a column is missing, ``k < 1``, ``score`` is not numeric or null, or an
        ``(window_start, actor_id)`` pair repeats.

    Notes
    -----
    *Top-k*: the ``k`` highest scores, ties broken by ``actor_id`` ascending so the set is
    deterministic; a window with fewer than ``k`` actors contributes all of them.

    *Spearman* is computed over the actors present in both windows (an actor absent from a
    window has no score there, rather than a zero): this measures whether the order among
    continuing actors persists, not turnover, which the Jaccard overlap measures. It is
    ``nan`` when fewer than two actors are common or either side's scores are constant.

    Examples
    --------
    >>> s = pl.DataFrame({"window_start": [0, 0, 0, 1, 1, 1],
    ...                   "actor_id": ["a", "b", "c", "a", "b", "c"],
    ...                   "score": [3.0, 2.0, 1.0, 1.0, 3.0, 2.0]})
    >>> influence_persistence(s, k=2).select("jaccard_top_k", "spearman_rho").rows()
    [(0.3333333333333333, -0.5)]
    """
    missing = [c for c in ("window_start", "actor_id", "score") if c not in scores.columns]
    if missing:
        raise InvalidInputError(f"scores lacks columns {missing}")
    if not isinstance(k, int | np.integer) or k < 1:
        raise InvalidInputError(f"k must be an integer >= 1; got {k!r}")
    if not scores["score"].dtype.is_numeric() or scores["score"].null_count():
        raise InvalidInputError("score must be numeric without nulls; fill or drop them first")
    if scores.select("window_start", "actor_id").is_duplicated().any():
        raise InvalidInputError(
            "(window_start, actor_id) repeats; aggregate scores to one row per actor per window"
        )
    window_dtype = scores.schema["window_start"]
    schema = {
        "window_start": window_dtype,
        "next_window_start": window_dtype,
        "jaccard_top_k": pl.Float64,
        "n_top_common": pl.Int64,
        "spearman_rho": pl.Float64,
        "n_common": pl.Int64,
    }
    ranked = scores.sort(
        ["window_start", "score", "actor_id"], descending=[False, True, False]
    ).with_columns(rank=pl.int_range(pl.len()).over("window_start"))
    windows = ranked["window_start"].unique(maintain_order=True).to_list()
    by_window = {w[0]: f for w, f in ranked.partition_by("window_start", as_dict=True).items()}
    rows = []
    for w, nxt in zip(windows[:-1], windows[1:], strict=True):
        a, b = by_window[w], by_window[nxt]
        top_a = set(a.filter(pl.col("rank") < k)["actor_id"].to_list())
        top_b = set(b.filter(pl.col("rank") < k)["actor_id"].to_list())
        common = a.select("actor_id", "score").join(
            b.select("actor_id", "score"), on="actor_id", suffix="_next"
        )
        rho = math.nan
        if common.height >= 2:
            sa, sb = common["score"].to_numpy(), common["score_next"].to_numpy()
            if np.ptp(sa) > 0 and np.ptp(sb) > 0:
                rho = float(spearmanr(sa, sb).statistic)
        n_top = len(top_a & top_b)
        rows.append((w, nxt, n_top / len(top_a | top_b), n_top, rho, common.height))
    return pl.DataFrame(rows, schema=schema, orient="row")
