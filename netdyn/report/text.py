"""Plain-language verdicts of the analyst reports (the wording of numbers and names is in
:mod:`netdyn.report.wording`, the methods appendix in :mod:`netdyn.report.methods`).

Every sentence here is built from stored numbers (never from free text in the data) and is
meant for a reader who is not a network scientist: each technical term is explained where it is
used. The functions are pure, so the wording of each verdict is tested on hand-made inputs.

The rules behind the verdicts follow the papers: a power law is *plausible* when its bootstrap
goodness-of-fit p is at least 0.1 and *ruled out* below (Clauset, Shalizi & Newman 2009);
broadcast-like and person-to-person spreading are the two ends of structural virality (Goel,
Anderson, Hofman & Watts 2016); a comparison of a synthetic log with a reference *reproduces* a
statistic when the synthetic value lies in the reference's 95 % interval (or, without an
interval, within a stated tolerance), and a distribution when the two-sample Kolmogorov–Smirnov
test does not tell them apart (p > 0.05; Massey 1951).

References
----------
.. [1] Clauset, A., Shalizi, C. R., & Newman, M. E. J. (2009). Power-law distributions in
   empirical data. *SIAM Review*, 51(4), 661–703.
.. [2] Goel, S., Anderson, A., Hofman, J., & Watts, D. J. (2016). The structural virality of
   online diffusion. *Management Science*, 62(1), 180–196.
.. [3] Massey, F. J. (1951). The Kolmogorov–Smirnov test for goodness of fit. *JASA*, 46,
   68–78.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from netdyn.core.errors import InvalidInputError
from netdyn.report.wording import (
    ABSOLUTE_MEASURES,
    KIND_WORDS,
    is_finite,
    join_words,
    number_words,
    quantity_words,
    share_words,
)

__all__ = [
    "heavy_tails_verdict",
    "cascades_verdict",
    "graph_verdict",
    "content_verdict",
    "windows_verdict",
    "mesoscale_verdict",
    "comparison_verdict",
    "distance_verdict",
]


def heavy_tails_verdict(
    fits: Sequence[Mapping[str, Any]], comparisons: Sequence[Mapping[str, Any]] = ()
) -> str:
    """Which quantities have a plausible power-law tail, in words.

    Parameters
    ----------
    fits : sequence of mapping
        ``powerlaw_fits`` rows: ``quantity``, ``status``, ``p_value`` (bootstrap
        goodness of fit; None when not run).
    comparisons : sequence of mapping, default ()
        ``powerlaw_comparisons`` rows: ``quantity``, ``alternative``,
        ``loglikelihood_ratio``, ``p_value``, ``is_nested``.

    Returns
    -------
    str
        One to three sentences; ``"No quantity was fitted."`` for no fits.

    Notes
    -----
    A power law is plausible when the goodness-of-fit p ≥ 0.1 and ruled out below (CSN 2009).
    An alternative *fits better* when its likelihood-ratio test has p < 0.1 and R < 0.

    Examples
    --------
    >>> text = heavy_tails_verdict([{"quantity": "activity", "status": "ok", "p_value": 0.5}])
    >>> "(goodness-of-fit p ≥ 0.1) is a plausible description of events per actor." in text
    True
    """
    if not fits:
        return "No quantity was fitted."
    plausible, ruled_out, untested, unfitted = [], [], [], []
    better: dict[str, list[str]] = {}
    for c in comparisons:
        if (
            is_finite(c.get("p_value"))
            and c["p_value"] < 0.1
            and is_finite(c.get("loglikelihood_ratio"))
            and c["loglikelihood_ratio"] < 0
        ):
            name = "a power law with cutoff" if c.get("is_nested") else c["alternative"]
            better.setdefault(c["quantity"], []).append(name.replace("_", " "))
    for f in fits:
        words = quantity_words(f["quantity"])
        if f["status"] != "ok":
            unfitted.append(words)
        elif not is_finite(f.get("p_value")):
            untested.append(words)
        elif f["p_value"] >= 0.1:
            plausible.append(words)
        else:
            alternatives = better.get(f["quantity"])
            verb = "fits" if alternatives and len(alternatives) == 1 else "fit"
            ruled_out.append(
                f"{words} (where {join_words(alternatives)} {verb} better)"
                if alternatives
                else words
            )
    sentences = ["A heavy tail means that a few cases are far larger than the typical one."]
    if plausible:
        sentences.append(
            f"A power law (goodness-of-fit p ≥ 0.1) is a plausible description of "
            f"{join_words(plausible)}."
        )
    if ruled_out:
        sentences.append(f"It is ruled out (p < 0.1) for {join_words(ruled_out)}.")
    if untested:
        sentences.append(
            f"The fit for {join_words(untested)} was not tested (no bootstrap): read its α as a "
            "description of the tail, not as evidence of a power law."
        )
    for f in fits:
        words = quantity_words(f["quantity"])
        if f["quantity"] in better and not (
            f["status"] == "ok" and is_finite(f.get("p_value")) and f["p_value"] < 0.1
        ):
            alternatives = better[f["quantity"]]
            verb = "fits" if len(alternatives) == 1 else "fit"
            sentences.append(
                f"For {words}, {join_words(alternatives)} {verb}"
                " the tail better than a power law (likelihood-ratio test, p < 0.1)."
            )
    if unfitted:
        sentences.append(f"Too little data to fit {join_words(unfitted)}.")
    if plausible:
        sentences.append(
            "Plausible is not proven: where an alternative is 'not excluded', the data cannot "
            "tell the two apart."
        )
    return " ".join(sentences)


def cascades_verdict(summary: Mapping[str, Any]) -> str:
    """How threads grow, in words: how many draw replies, how large, broadcast or chains.

    Parameters
    ----------
    summary : mapping
        ``n_cascades``, ``n_nontrivial`` (cascades with at least one reply),
        ``median_size_nontrivial``, ``max_size``, ``n_replies`` (non-root nodes),
        ``n_direct_replies`` (nodes at depth 1).

    Returns
    -------
    str
        Two or three sentences.

    Notes
    -----
    The share of replies that answer the root directly places the trees between a broadcast
    (a star: every reply answers the first post; structural virality about 2) and
    person-to-person chains (Goel et al. 2016): at least 70 % direct is called broadcast,
    at most 30 % chains, in between a mix.

    Examples
    --------
    >>> cascades_verdict({"n_cascades": 0})
    'No cascades: these events carry no parent links (for example, messages only).'
    """
    n = summary.get("n_cascades") or 0
    if n == 0:
        return "No cascades: these events carry no parent links (for example, messages only)."
    nontrivial = summary.get("n_nontrivial") or 0
    if nontrivial == 0:
        return f"None of the {n:,} posts drew a reply, so there is no spreading to describe."
    text = (
        f"{nontrivial:,} of {n:,} threads ({share_words(nontrivial / n)}) drew at least one reply; "
        f"those have a median of {number_words(summary['median_size_nontrivial'])} nodes and the "
        f"largest has {summary['max_size']:,}."
    )
    replies = summary.get("n_replies") or 0
    if replies:
        direct = (summary.get("n_direct_replies") or 0) / replies
        if direct >= 0.7:
            reading = "mostly broadcast: people answer the first post rather than each other"
        elif direct <= 0.3:
            reading = (
                "mostly chains of replies to replies: content travels person to person, the "
                "'viral' pattern of Goel et al. (2016)"
            )
        else:
            reading = "a mix of broadcast (answers to the first post) and person-to-person chains"
        text += (
            f" {share_words(direct)} of all replies answer the thread's first post directly, so "
            f"spreading is {reading}."
        )
    return text


def graph_verdict(summary: Mapping[str, Any]) -> str:
    """Who interacts with whom, in words.

    Parameters
    ----------
    summary : mapping
        ``n_actors``, ``n_edges`` (distinct directed actor pairs), ``n_never_received``
        (actors with in-degree 0), ``max_coreness``, ``n_innermost`` (actors with that
        coreness).

    Returns
    -------
    str

    Examples
    --------
    >>> graph_verdict({"n_actors": 0})
    'No actors.'
    >>> graph_verdict({"n_actors": 3, "n_edges": 0})
    'No actor addressed another: the interaction graph has no links.'
    """
    n = summary.get("n_actors") or 0
    if n == 0:
        return "No actors."
    edges = summary.get("n_edges") or 0
    if edges == 0:
        return "No actor addressed another: the interaction graph has no links."
    k = summary.get("max_coreness") or 0
    silent = (summary.get("n_never_received") or 0) / n
    return (
        f"{n:,} actors are joined by {edges:,} distinct who-addressed-whom links: on average "
        f"an actor addressed {edges / n:.1f} others, and {share_words(silent)} never received a "
        f"reply or message. The innermost group (the {k}-core) has "
        f"{summary.get('n_innermost') or 0:,} actors, each linked to at least {k} others "
        "inside it."
    )


def content_verdict(kinds: Sequence[Mapping[str, Any]], *, min_adopters: int | None) -> str:
    """How much content spread between actors, in words.

    Parameters
    ----------
    kinds : sequence of mapping
        One per feature kind: ``feature_kind``, ``n_cascades``, ``max_adopters``.
    min_adopters : int or None
        The threshold a piece of content needed (None: unknown).

    Returns
    -------
    str

    Examples
    --------
    >>> content_verdict([{"feature_kind": "hashtag", "n_cascades": 3, "max_adopters": 9}],
    ...                 min_adopters=2)
    ... # doctest: +NORMALIZE_WHITESPACE
    '3 pieces of content were each used by at least 2 different actors; the most widely
     adopted (a hashtag) reached 9 actors.'
    """
    total = sum(int(k["n_cascades"] or 0) for k in kinds)
    if total == 0:
        return "No piece of content was used by several actors."
    top = max(kinds, key=lambda k: (k["max_adopters"] or 0, k["feature_kind"]))
    threshold = f"at least {min_adopters}" if min_adopters else "several"
    kind = KIND_WORDS.get(top["feature_kind"], str(top["feature_kind"]))
    return (
        f"{total:,} pieces of content were each used by {threshold} different actors; the most "
        f"widely adopted (a {kind}) reached {int(top['max_adopters']):,} actors."
    )


def windows_verdict(windows: Sequence[Mapping[str, Any]]) -> str:
    """How activity changes over the run's time windows, in words.

    Parameters
    ----------
    windows : sequence of mapping
        ``window_graph_metrics`` rows in time order: ``window_start`` (datetime),
        ``n_events``.

    Returns
    -------
    str

    Notes
    -----
    With at least four windows, the events of the later half are set against the earlier
    half: within ±10 % is called level. The first and last windows may be partial.

    Examples
    --------
    >>> windows_verdict([])
    'No time windows with events.'
    """
    counts = [int(w["n_events"] or 0) for w in windows]
    if not counts:
        return "No time windows with events."
    if len(counts) == 1:
        return f"All {counts[0]:,} events fall in one window: no change over time to show."
    ordered = sorted(counts)
    middle = len(ordered) // 2
    median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    busiest = windows[counts.index(max(counts))]["window_start"]
    text = (
        f"Across {len(counts)} windows, activity ranged from {min(counts):,} to "
        f"{max(counts):,} events per window (median {number_words(median)}); the busiest began "
        f"{busiest:%Y-%m-%d %H:%M} UTC."
    )
    if len(counts) >= 4:
        half = len(counts) // 2
        early, late = sum(counts[:half]), sum(counts[-half:])
        if early > 0:
            change = late / early - 1.0
            if abs(change) <= 0.1:
                text += (
                    " Activity stayed about level from the first half of the period to the second."
                )
            else:
                text += (
                    f" Activity {'grew' if change > 0 else 'fell'} by {abs(change):.0%} from "
                    "the first half of the period to the second."
                )
    return text


def mesoscale_verdict(labels: Sequence[Mapping[str, Any]]) -> str:
    """The modular-or-hierarchical labels of the communities, in words.

    Parameters
    ----------
    labels : sequence of mapping
        ``label`` and ``n_whole`` (communities with that label over the whole run).

    Returns
    -------
    str

    Examples
    --------
    >>> rows = [{"label": "modular", "n_whole": 2}, {"label": "neither", "n_whole": 1}]
    >>> mesoscale_verdict(rows)[:53]
    'Of 3 communities: 2 modular (split into tighter group'
    """
    counts = {row["label"]: int(row["n_whole"] or 0) for row in labels}
    total = sum(counts.values())
    if total == 0:
        return "No community was large enough to profile."
    return (
        f"Of {total:,} communities: {counts.get('modular', 0)} modular (split into tighter "
        f"groups than chance), {counts.get('core-periphery/hierarchical', 0)} "
        "core-periphery/hierarchical (organised around a centre or a top), "
        f"{counts.get('both', 0)} both and {counts.get('neither', 0)} neither. 'Than chance' "
        "means a z-score above 2 against random graphs with the same degrees; about one label "
        "in 25 per measure is expected by chance alone."
    )


def comparison_verdict(
    statistic: str,
    reference: Mapping[str, Any] | None,
    other: Mapping[str, Any] | None,
    *,
    relative_tolerance: float = 0.10,
    absolute_tolerance: float = 0.05,
) -> dict[str, str]:
    """Does a synthetic log reproduce one statistic of the reference log?

    Parameters
    ----------
    statistic : str
        ``<measure>`` or ``<measure>:<quantity>`` as in ``comparison_statistics``.
    reference, other : mapping or None
        ``value``, ``ci_low``, ``ci_high`` (95 % interval; None when there is none) of the
        reference and of the compared log; None when the statistic is missing.
    relative_tolerance : float, keyword-only, default 0.10
        Counts, sizes and means without an interval: reproduced when
        ``|other − reference| ≤ relative_tolerance · |reference|``.
    absolute_tolerance : float, keyword-only, default 0.05
        Shares, Gini coefficients and correlations without an interval: reproduced when
        ``|other − reference| ≤ absolute_tolerance``.

    Returns
    -------
    dict
        ``status`` (``"reproduced"``, ``"missed"`` or ``"not comparable"``) and ``reason``
        (a phrase saying which rule decided).

    Raises
    ------
    InvalidInputError
        If a tolerance is negative.

    Notes
    -----
    Rules, in order: a missing value on either side is not comparable; with a reference
    interval, reproduced means inside it; a goodness-of-fit p (``gof_p:*``) is reproduced
    when both lead to the same conclusion at 0.1 (power law plausible, or ruled out); then the
    tolerances above. The tolerances are conventions for a first look, not tests.

    Examples
    --------
    >>> comparison_verdict("alpha:in_degree", {"value": 2.4, "ci_low": 2.2, "ci_high": 2.6},
    ...                    {"value": 2.5, "ci_low": None, "ci_high": None})["status"]
    'reproduced'
    >>> comparison_verdict("n_actors", {"value": 100.0}, {"value": 125.0})["reason"]
    'differs by 25% of the reference (tolerance 10%)'
    """
    if relative_tolerance < 0 or absolute_tolerance < 0:
        raise InvalidInputError(
            f"tolerances must be >= 0; got relative {relative_tolerance}, absolute "
            f"{absolute_tolerance}"
        )
    ref = (reference or {}).get("value")
    val = (other or {}).get("value")
    if not is_finite(ref) or not is_finite(val):
        return {"status": "not comparable", "reason": "missing in one of the two logs"}
    lo, hi = (reference or {}).get("ci_low"), (reference or {}).get("ci_high")
    if is_finite(lo) and is_finite(hi):
        inside = lo <= val <= hi
        return {
            "status": "reproduced" if inside else "missed",
            "reason": f"{'inside' if inside else 'outside'} the reference's 95 % interval "
            f"{number_words(lo)}–{number_words(hi)}",
        }
    measure = statistic.partition(":")[0]
    if measure == "gof_p":
        same = (ref >= 0.1) == (val >= 0.1)
        return {
            "status": "reproduced" if same else "missed",
            "reason": "same conclusion about the power law (p ≥ 0.1 or p < 0.1 in both)"
            if same
            else "opposite conclusions about the power law at p = 0.1",
        }
    difference = val - ref
    if difference == 0:
        return {"status": "reproduced", "reason": "identical values"}
    if measure in ABSOLUTE_MEASURES:
        close = abs(difference) <= absolute_tolerance
        return {
            "status": "reproduced" if close else "missed",
            "reason": f"differs by {abs(difference):.3f} (tolerance {absolute_tolerance:g})",
        }
    if ref == 0:
        return {"status": "missed", "reason": "the reference is 0 and this log is not"}
    relative = abs(difference) / abs(ref)
    return {
        "status": "reproduced" if relative <= relative_tolerance else "missed",
        "reason": f"differs by {relative:.0%} of the reference "
        f"(tolerance {relative_tolerance:.0%})",
    }


def distance_verdict(
    ks_distance: float | None, ks_p_value: float | None, *, significance: float = 0.05
) -> dict[str, str]:
    """Does a synthetic log reproduce a distribution of the reference log?

    Parameters
    ----------
    ks_distance : float or None
        Two-sample Kolmogorov–Smirnov statistic D (0: identical samples; 1: disjoint).
    ks_p_value : float or None
        Its p-value.
    significance : float, keyword-only, default 0.05
        Reproduced when ``ks_p_value > significance``.

    Returns
    -------
    dict
        ``status`` (``"reproduced"``, ``"missed"`` or ``"not comparable"``) and ``reason``.

    Raises
    ------
    InvalidInputError
        If ``significance`` is not in (0, 1).

    Notes
    -----
    With tens of thousands of values the test detects even small differences; D says how
    large the difference is (the largest gap between the two cumulative distributions).

    Examples
    --------
    >>> distance_verdict(0.02, 0.4)
    {'status': 'reproduced', 'reason': 'the test cannot tell them apart (D = 0.020, p = 0.400)'}
    """
    if not 0 < significance < 1:
        raise InvalidInputError(f"significance must be in (0, 1); got {significance}")
    if not is_finite(ks_distance) or not is_finite(ks_p_value):
        return {"status": "not comparable", "reason": "no values in one of the two logs"}
    p = "p < 0.001" if ks_p_value < 0.001 else f"p = {ks_p_value:.3f}"
    if ks_p_value > significance:
        return {
            "status": "reproduced",
            "reason": f"the test cannot tell them apart (D = {ks_distance:.3f}, {p})",
        }
    return {
        "status": "missed",
        "reason": f"different distributions (D = {ks_distance:.3f}, {p}): the cumulative "
        f"shares differ by up to {ks_distance:.0%}",
    }
