"""Plain-language verdicts and the methods appendix of the analyst reports.

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

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from netdyn.errors import InvalidInputError

__all__ = [
    "METHODS",
    "quantity_words",
    "statistic_label",
    "heavy_tails_verdict",
    "cascades_verdict",
    "graph_verdict",
    "content_verdict",
    "windows_verdict",
    "mesoscale_verdict",
    "comparison_verdict",
    "distance_verdict",
    "flatten_parameters",
]

#: One line per analysis: (analysis, what is computed, reference).
METHODS: tuple[tuple[str, str, str], ...] = (
    (
        "Cascades",
        "Reply and reshare trees rebuilt from parent links; size, depth, widest level, "
        "structural virality (mean distance between two nodes of a tree), growth times.",
        "Goel, Anderson, Hofman & Watts (2016) Management Science 62:180",
    ),
    (
        "Cascade drawings",
        "The largest trees drawn with the Reingold–Tilford tree layout (igraph), coloured by "
        "time after the root.",
        "Reingold & Tilford (1981) IEEE Trans. Softw. Eng. SE-7:223",
    ),
    (
        "Heavy tails",
        "Power-law fit by maximum likelihood with x_min chosen by the smallest "
        "Kolmogorov–Smirnov distance; semi-parametric bootstrap goodness of fit; likelihood-ratio "
        "tests against lognormal, exponential, stretched exponential and cutoff.",
        "Clauset, Shalizi & Newman (2009) SIAM Review 51:661; Vuong (1989) Econometrica 57:307",
    ),
    (
        "Interaction graph",
        "Directed graph of who replied to, reshared or messaged whom; in/out-degree and "
        "strength; k-core index (coreness) of the undirected graph without loops.",
        "Batagelj & Zaversnik (2003) arXiv:cs/0310049",
    ),
    (
        "Content cascades",
        "The same word n-gram, URL, hashtag or code block used by different actors; each "
        "actor's first use is an adoption.",
        "Leskovec, Backstrom & Kleinberg (2009) KDD 497",
    ),
    (
        "Exposure and adoption",
        "P(adopt | k exposures) with Wilson intervals; Cox model with the exposure count as a "
        "time-varying covariate, clustered errors, Grambsch–Therneau check.",
        "Romero, Meeder & Kleinberg (2011) WWW 695; Cox (1972) JRSS B 34:187; Lin & Wei (1989) "
        "JASA 84:1074; Grambsch & Therneau (1994) Biometrika 81:515",
    ),
    (
        "Concentration",
        "Shares of activity, cascade volume and interactions received held by the top 1 % and "
        "10 % of actors; Gini coefficient.",
        "Gini (1912) Variabilità e mutabilità",
    ),
    (
        "Preferential attachment",
        "Attachment kernel A(k) ∝ k^β from the links gained after the median edge time by "
        "degree at that time; bootstrap interval for β.",
        "Jeong, Néda & Barabási (2003) Europhys. Lett. 61:567",
    ),
    (
        "Largest cascade",
        "Growth of the largest cascade with the number of cascades N against the extreme-value "
        "prediction N^(1/(α−1)).",
        "Newman (2005) Contemp. Phys. 46:323",
    ),
    (
        "Friendship paradox",
        "Share of actors with fewer contacts than their contacts have on average.",
        "Feld (1991) Am. J. Sociol. 96:1464",
    ),
    (
        "Over time",
        "Per-window interaction graphs (half-open UTC windows); overlap of the top-k actors "
        "between consecutive windows (Jaccard index).",
        "Jaccard (1912) New Phytologist 11:37",
    ),
    (
        "Core and periphery",
        "Borgatti–Everett discrete and continuous models; discrete fit tested against "
        "configuration-model nulls refitted the same way; normalised rich-club coefficient.",
        "Borgatti & Everett (2000) Social Networks 21:375; Kojaku & Masuda (2018) New J. Phys. "
        "20:043012; Zhou & Mondragón (2004) IEEE Comm. Lett. 8:180; Colizza et al. (2006) "
        "Nature Physics 2:110",
    ),
    (
        "Structural roles",
        "k-means and Gaussian mixture on degree, coreness, clustering, PageRank and (sampled) "
        "betweenness; silhouette against degree-preserving nulls.",
        "Rousseeuw (1987) J. Comput. Appl. Math. 20:53; Brandes & Pich (2007) Int. J. "
        "Bifurcation and Chaos 17:2303",
    ),
    (
        "Modular or hierarchical",
        "Per community: Leiden modularity, core-periphery strength, global reaching centrality, "
        "each as a z-score against degree-preserving nulls.",
        "Traag, Waltman & van Eck (2019) Sci. Rep. 9:5233; Mones, Vicsek & Vicsek (2012) "
        "PLoS ONE 7:e33799",
    ),
    (
        "Real versus synthetic",
        "Statistics of two logs side by side; distributions compared with the two-sample "
        "Kolmogorov–Smirnov test.",
        "Massey (1951) JASA 46:68",
    ),
)

_QUANTITY_WORDS = {
    "cascade_size": "cascade size",
    "cascade_depth": "cascade depth",
    "in_degree": "contacts received (in-degree)",
    "out_degree": "contacts made (out-degree)",
    "activity": "events per actor",
    "content_cascade_size": "adopters per piece of content",
    "inter_event_time": "time between an actor's events",
    "in_strength": "interactions received",
    "cascade_volume": "cascade volume",
}

_KIND_WORDS = {"ngram": "phrase", "url": "link", "hashtag": "hashtag", "code": "code block"}

#: Comparison statistics whose values are shares or correlations: compared by absolute difference.
_ABSOLUTE_MEASURES = frozenset(
    {
        "gini",
        "top_1pct_share",
        "share_cascades_with_replies",
        "share_lower",
        "mean_jaccard_top_k",
        "mean_spearman_rho",
        "mean_window_reciprocity",
        "core_periphery_rho",
    }
)

_STATISTIC_WORDS = {
    "n_cascades": "cascades (threads)",
    "max_cascade_size": "largest cascade (nodes)",
    "mean_cascade_size": "mean cascade size (nodes)",
    "mean_cascade_depth": "mean cascade depth (steps)",
    "mean_structural_virality": "mean structural virality of cascades with replies",
    "share_cascades_with_replies": "share of cascades with at least one reply",
    "n_actors": "actors",
    "n_edges": "who-addressed-whom links",
    "max_coreness": "highest coreness (k-core index)",
    "core_share": "share of actors in the Borgatti–Everett core ({q} model)",
    "core_periphery_rho": "core-periphery fit quality ρ ({q} model)",
    "mean_window_reciprocity": "mean reciprocity per window",
    "alpha": "power-law exponent α of {q}",
    "xmin": "start of the power-law tail x_min of {q}",
    "gof_p": "power-law goodness-of-fit p of {q}",
    "gini": "Gini coefficient of {q}",
    "top_1pct_share": "share of {q} held by the top 1 % of actors",
    "beta": "preferential-attachment exponent β",
    "gamma": "growth exponent γ of the largest cascade",
    "gamma_predicted": "γ predicted from the fitted α",
    "gamma_by_window": "γ from the largest cascade per window",
    "share_lower": "share of actors with fewer contacts than their contacts (friendship paradox)",
    "mean_jaccard_top_k": "overlap of the top actors between consecutive windows (Jaccard)",
    "mean_spearman_rho": "rank correlation of actors between consecutive windows",
    "hazard_ratio": "hazard ratio per extra exposure ({q})",
}


def _ok(value: Any) -> bool:
    return value is not None and isinstance(value, int | float) and math.isfinite(float(value))


def _share(value: float) -> str:
    return f"{value:.1%}" if 0 < value < 0.1 else f"{value:.0%}"


def _num(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def _join(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def quantity_words(quantity: str) -> str:
    """A fitted quantity's name in plain words.

    Examples
    --------
    >>> quantity_words("in_degree")
    'contacts received (in-degree)'
    >>> quantity_words("reply_thread")
    'reply thread'
    """
    return _QUANTITY_WORDS.get(quantity, quantity.replace("_", " "))


def statistic_label(statistic: str) -> str:
    """A comparison statistic (``<measure>`` or ``<measure>:<quantity>``) in plain words.

    Examples
    --------
    >>> statistic_label("alpha:cascade_size")
    'power-law exponent α of cascade size'
    >>> statistic_label("beta:attachment_kernel")
    'preferential-attachment exponent β'
    >>> statistic_label("something_new")
    'something new'
    """
    measure, _, quantity = statistic.partition(":")
    words = _STATISTIC_WORDS.get(measure)
    if words is None:
        return statistic.replace("_", " ").replace(":", " of ")
    return words.format(q=quantity_words(quantity)) if "{q}" in words else words


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
            _ok(c.get("p_value"))
            and c["p_value"] < 0.1
            and _ok(c.get("loglikelihood_ratio"))
            and c["loglikelihood_ratio"] < 0
        ):
            name = "a power law with cutoff" if c.get("is_nested") else c["alternative"]
            better.setdefault(c["quantity"], []).append(name.replace("_", " "))
    for f in fits:
        words = quantity_words(f["quantity"])
        if f["status"] != "ok":
            unfitted.append(words)
        elif not _ok(f.get("p_value")):
            untested.append(words)
        elif f["p_value"] >= 0.1:
            plausible.append(words)
        else:
            alternatives = better.get(f["quantity"])
            verb = "fits" if alternatives and len(alternatives) == 1 else "fit"
            ruled_out.append(
                f"{words} (where {_join(alternatives)} {verb} better)" if alternatives else words
            )
    sentences = ["A heavy tail means that a few cases are far larger than the typical one."]
    if plausible:
        sentences.append(
            f"A power law (goodness-of-fit p ≥ 0.1) is a plausible description of "
            f"{_join(plausible)}."
        )
    if ruled_out:
        sentences.append(f"It is ruled out (p < 0.1) for {_join(ruled_out)}.")
    if untested:
        sentences.append(
            f"The fit for {_join(untested)} was not tested (no bootstrap): read its α as a "
            "description of the tail, not as evidence of a power law."
        )
    for f in fits:
        words = quantity_words(f["quantity"])
        if f["quantity"] in better and not (
            f["status"] == "ok" and _ok(f.get("p_value")) and f["p_value"] < 0.1
        ):
            alternatives = better[f["quantity"]]
            sentences.append(
                f"For {words}, {_join(alternatives)} {'fits' if len(alternatives) == 1 else 'fit'}"
                " the tail better than a power law (likelihood-ratio test, p < 0.1)."
            )
    if unfitted:
        sentences.append(f"Too little data to fit {_join(unfitted)}.")
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
        f"{nontrivial:,} of {n:,} threads ({_share(nontrivial / n)}) drew at least one reply; "
        f"those have a median of {_num(summary['median_size_nontrivial'])} nodes and the "
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
            f" {_share(direct)} of all replies answer the thread's first post directly, so "
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
        f"an actor addressed {edges / n:.1f} others, and {_share(silent)} never received a "
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
    kind = _KIND_WORDS.get(top["feature_kind"], str(top["feature_kind"]))
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
        f"{max(counts):,} events per window (median {_num(median)}); the busiest began "
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
    if not _ok(ref) or not _ok(val):
        return {"status": "not comparable", "reason": "missing in one of the two logs"}
    lo, hi = (reference or {}).get("ci_low"), (reference or {}).get("ci_high")
    if _ok(lo) and _ok(hi):
        inside = lo <= val <= hi
        return {
            "status": "reproduced" if inside else "missed",
            "reason": f"{'inside' if inside else 'outside'} the reference's 95 % interval "
            f"{_num(lo)}–{_num(hi)}",
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
    if measure in _ABSOLUTE_MEASURES:
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
    if not _ok(ks_distance) or not _ok(ks_p_value):
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


def flatten_parameters(parameters: Mapping[str, Any] | str | None) -> list[tuple[str, str]]:
    """Run parameters as ``(dotted.key, value)`` rows for the appendix table.

    Parameters
    ----------
    parameters : mapping, JSON string or None
        ``runs.parameters``.

    Returns
    -------
    list of (str, str)
        One row per leaf, keys sorted; lists joined by ``", "``; empty for None.

    Examples
    --------
    >>> flatten_parameters('{"seed": 0, "window": {"kind": "tumbling"}, "sources": ["a", "b"]}')
    [('seed', '0'), ('sources', 'a, b'), ('window.kind', 'tumbling')]
    """
    if parameters is None:
        return []
    if isinstance(parameters, str):
        parameters = json.loads(parameters) if parameters.strip() else {}
    out: list[tuple[str, str]] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for key in sorted(value):
                walk(f"{prefix}.{key}" if prefix else str(key), value[key])
        elif isinstance(value, list | tuple):
            out.append((prefix, ", ".join(str(v) for v in value)))
        else:
            out.append((prefix, "–" if value is None else str(value)))

    walk("", parameters)
    return out
