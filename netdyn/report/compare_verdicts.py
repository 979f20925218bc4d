"""Verdicts on a comparison: does each compared log reproduce the reference, statistic by statistic?

:func:`statistic_verdicts`, :func:`distance_verdicts` and :func:`comparison_summary` decide
whether a synthetic log *reproduces* the reference (its value inside the reference's 95 %
interval, or within a stated tolerance; a distribution when the two-sample Kolmogorov–Smirnov
test cannot tell the two apart, p > 0.05; Massey 1951), reading the tables of
:mod:`netdyn.results.comparison`.

References
----------
.. [1] Massey, F. J. (1951). The Kolmogorov–Smirnov test for goodness of fit. *JASA*, 46, 68–78.
.. [2] Clauset, A., Shalizi, C. R., & Newman, M. E. J. (2009). Power-law distributions in
   empirical data. *SIAM Review*, 51(4), 661–703.
"""

from __future__ import annotations

from typing import Any

import duckdb
import matplotlib
import polars as pl

from netdyn.report.text import comparison_verdict, distance_verdict
from netdyn.report.wording import quantity_words, statistic_label
from netdyn.results.rows import finite_or_none
from netdyn.store.db import query_dicts as rows

matplotlib.use("Agg")
from netdyn.results.comparison import comparison_sources as _sources_of

__all__ = ["statistic_verdicts", "distance_verdicts", "comparison_summary"]


#: Order of the measures in the side-by-side table (unknown measures go last, by name).
_MEASURE_ORDER = (
    "n_cascades",
    "max_cascade_size",
    "mean_cascade_size",
    "mean_cascade_depth",
    "mean_structural_virality",
    "share_cascades_with_replies",
    "n_actors",
    "n_edges",
    "max_coreness",
    "core_share",
    "core_periphery_rho",
    "alpha",
    "xmin",
    "gof_p",
    "gini",
    "top_1pct_share",
    "beta",
    "gamma",
    "gamma_predicted",
    "gamma_by_window",
    "share_lower",
    "mean_jaccard_top_k",
    "mean_spearman_rho",
    "hazard_ratio",
    "mean_window_reciprocity",
)


def _statistic_order(statistic: str) -> tuple[int, str]:
    measure = statistic.partition(":")[0]
    rank = _MEASURE_ORDER.index(measure) if measure in _MEASURE_ORDER else len(_MEASURE_ORDER)
    return rank, statistic


def statistic_verdicts(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    *,
    relative_tolerance: float = 0.10,
    absolute_tolerance: float = 0.05,
) -> pl.DataFrame:
    """Whether each compared source reproduces each statistic of the reference.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        A database with the compare run's ``comparison_statistics`` rows.
    run_id : str
        The compare run.
    relative_tolerance, absolute_tolerance : float, keyword-only
        As in :func:`netdyn.report.text.comparison_verdict` (defaults 10 % and 0.05).

    Returns
    -------
    polars.DataFrame
        One row per statistic and compared (non-reference) source, in table order:
        ``statistic``, ``label`` (plain words), ``reference``, ``reference_value``,
        ``reference_ci_low``, ``reference_ci_high``, ``source``, ``value``, ``ci_low``,
        ``ci_high``, ``difference`` (value − reference value), ``status`` (reproduced,
        missed, not comparable), ``reason``.

    Raises
    ------
    KeyError
        If ``run_id`` has no comparison rows.
    InvalidInputError
        If a tolerance is negative.
    """
    order, _ = _sources_of(con, run_id)
    reference = order[0]
    cells: dict[str, dict[str, dict[str, Any]]] = {}
    for r in rows(con, "select * from comparison_statistics where run_id = ?", [run_id]):
        cells.setdefault(r["statistic"], {})[r["source"]] = r
    out = []
    for statistic in sorted(cells, key=_statistic_order):
        ref = cells[statistic].get(reference) or {}
        for source in order[1:]:
            other = cells[statistic].get(source) or {}
            decided = comparison_verdict(
                statistic,
                ref,
                other,
                relative_tolerance=relative_tolerance,
                absolute_tolerance=absolute_tolerance,
            )
            value, ref_value = other.get("value"), ref.get("value")
            out.append(
                {
                    "statistic": statistic,
                    "label": statistic_label(statistic),
                    "reference": reference,
                    "reference_value": ref_value,
                    "reference_ci_low": ref.get("ci_low"),
                    "reference_ci_high": ref.get("ci_high"),
                    "source": source,
                    "value": value,
                    "ci_low": other.get("ci_low"),
                    "ci_high": other.get("ci_high"),
                    "difference": None
                    if value is None or ref_value is None
                    else finite_or_none(value - ref_value),
                    **decided,
                }
            )
    schema = {
        "statistic": pl.String,
        "label": pl.String,
        "reference": pl.String,
        "reference_value": pl.Float64,
        "reference_ci_low": pl.Float64,
        "reference_ci_high": pl.Float64,
        "source": pl.String,
        "value": pl.Float64,
        "ci_low": pl.Float64,
        "ci_high": pl.Float64,
        "difference": pl.Float64,
        "status": pl.String,
        "reason": pl.String,
    }
    return pl.DataFrame(out, schema=schema)


def distance_verdicts(
    con: duckdb.DuckDBPyConnection, run_id: str, *, significance: float = 0.05
) -> pl.DataFrame:
    """Whether each compared source reproduces each heavy-tailed distribution of the reference.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        A database with the compare run's ``comparison_distances`` rows.
    run_id : str
        The compare run.
    significance : float, keyword-only, default 0.05
        Reproduced when the two-sample KS p-value exceeds it.

    Returns
    -------
    polars.DataFrame
        One row per quantity and compared source: the ``comparison_distances`` columns
        (``quantity``, ``reference``, ``source``, ``ks_distance``, ``ks_p_value``,
        ``n_reference``, ``n_source``) plus ``label``, ``status`` and ``reason``. Empty (same
        columns) when nothing was compared.

    Raises
    ------
    InvalidInputError
        If ``significance`` is not in (0, 1).
    """
    found = rows(
        con,
        """
        select quantity, reference, source, ks_distance, ks_p_value, n_reference, n_source
        from comparison_distances where run_id = ? order by quantity, source
        """,
        [run_id],
    )
    for r in found:
        r["label"] = quantity_words(r["quantity"])
        r |= distance_verdict(r["ks_distance"], r["ks_p_value"], significance=significance)
    schema = {
        "quantity": pl.String,
        "reference": pl.String,
        "source": pl.String,
        "ks_distance": pl.Float64,
        "ks_p_value": pl.Float64,
        "n_reference": pl.Int64,
        "n_source": pl.Int64,
        "label": pl.String,
        "status": pl.String,
        "reason": pl.String,
    }
    return pl.DataFrame(found, schema=schema)


def comparison_summary(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    *,
    relative_tolerance: float = 0.10,
    absolute_tolerance: float = 0.05,
    significance: float = 0.05,
) -> pl.DataFrame:
    """How much of the reference each compared source reproduces, with a sentence in words.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The netdyn database.
    run_id : str
        The compare run.
    relative_tolerance, absolute_tolerance, significance : float, keyword-only
        As in :func:`statistic_verdicts` and :func:`distance_verdicts`.

    Returns
    -------
    polars.DataFrame
        One row per compared (non-reference) source: ``reference``, ``source``,
        ``analysis_run_id``, ``n_statistics`` (comparable ones), ``n_reproduced``,
        ``n_distributions`` (comparable), ``n_distributions_reproduced``, ``missed`` (list
        of plain-language labels of missed statistics and distributions), ``verdict``.

    Raises
    ------
    KeyError
        If ``run_id`` has no comparison rows.

    Examples
    --------
    The verdict reads like "`B` reproduces 12 of 30 statistics and 2 of 6 distributions
    of the reference `A` ...".
    """
    order, analyses = _sources_of(con, run_id)
    stats = statistic_verdicts(
        con,
        run_id,
        relative_tolerance=relative_tolerance,
        absolute_tolerance=absolute_tolerance,
    )
    distances = distance_verdicts(con, run_id, significance=significance)
    out = []
    for source in order[1:]:
        s = stats.filter(pl.col("source") == source, pl.col("status") != "not comparable")
        d = distances.filter(pl.col("source") == source, pl.col("status") != "not comparable")
        n_ok = int((s["status"] == "reproduced").sum())
        d_ok = int((d["status"] == "reproduced").sum())
        missed = s.filter(pl.col("status") == "missed")["label"].to_list() + [
            f"the distribution of {label}"
            for label in d.filter(pl.col("status") == "missed")["label"].to_list()
        ]
        if s.height + d.height == 0:
            verdict = f"The log {source} has no statistic in common with the reference {order[0]}."
        else:
            share = (n_ok + d_ok) / (s.height + d.height)
            overall = (
                "a close match"
                if share >= 0.8
                else "a partial match"
                if share >= 0.5
                else "a poor match"
            )
            verdict = (
                f"The log {source} reproduces {n_ok} of {s.height} statistics and {d_ok} of "
                f"{d.height} distributions of the reference {order[0]}: {overall}."
            )
            if missed:
                shown = ", ".join(missed[:5])
                more = f" and {len(missed) - 5} more" if len(missed) > 5 else ""
                verdict += f" Missed: {shown}{more}."
        out.append(
            {
                "reference": order[0],
                "source": source,
                "analysis_run_id": analyses[source],
                "n_statistics": s.height,
                "n_reproduced": n_ok,
                "n_distributions": d.height,
                "n_distributions_reproduced": d_ok,
                "missed": missed,
                "verdict": verdict,
            }
        )
    schema = {
        "reference": pl.String,
        "source": pl.String,
        "analysis_run_id": pl.String,
        "n_statistics": pl.Int64,
        "n_reproduced": pl.Int64,
        "n_distributions": pl.Int64,
        "n_distributions_reproduced": pl.Int64,
        "missed": pl.List(pl.String),
        "verdict": pl.String,
    }
    return pl.DataFrame(out, schema=schema)
