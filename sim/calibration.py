"""Calibration of the branching platform model from an event log.

:func:`calibrate` estimates every parameter of :class:`netdyn.sim.branching.BranchingParams`
from the reply trees of a real event log — the branching ratio and the overdispersion of the
offspring (Lloyd-Smith et al. 2005), the preference of repliers for active authors, the tail
of the actors' activity (Clauset, Shalizi & Newman 2009), the reply delays, the communities
and their mixing — so a synthetic log of the same size
(:func:`netdyn.sim.branching.simulate_branching`) answers "is this structure real, or what a
simple mechanism gives?". Threads cut at a size cap are detected and censored, not counted as
childless.

References
----------
.. [1] Clauset, A., Shalizi, C. R., & Newman, M. E. J. (2009). Power-law distributions in
   empirical data. *SIAM Review* 51(4), 661–703.
.. [2] Lloyd-Smith, J. O., Schreiber, S. J., Kopp, P. E., & Getz, W. M. (2005).
   Superspreading and the effect of individual variation on disease emergence. *Nature*
   438, 355–359.
.. [3] Harris, T. E. (1963). *The Theory of Branching Processes*. Springer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

import numpy as np
import polars as pl
from scipy.optimize import brentq, minimize_scalar
from scipy.special import xlogy

from netdyn.analytics.cascades import CASCADE_KINDS, tree_depths
from netdyn.analytics.power_law import fit_power_law
from netdyn.core.errors import InvalidInputError
from netdyn.sim.branching import BranchingParams

__all__ = [
    "Calibration",
    "calibrate",
    "ATTACHMENT_MIN_ITEMS",
    "ACTIVITY_MIN_ACTORS",
    "POISSON_INVERSE_DISPERSION",
]

#: Smallest number of items an actor must have authored to enter the attachment fit.
ATTACHMENT_MIN_ITEMS = 10

#: Fewest actors a home community must have for its own fit of the activity exponent.
ACTIVITY_MIN_ACTORS = 50

#: A fitted ``1 / offspring_dispersion`` at or below this is reported as Poisson (``None``).
POISSON_INVERSE_DISPERSION = 0.05


@dataclass(frozen=True)
class Calibration:
    """Parameters estimated from an event log; the result of :func:`calibrate`.

    Attributes
    ----------
    params : BranchingParams
        The estimates, ready for :func:`netdyn.sim.branching.simulate_branching` (a
        synthetic log of the same size: the same number of roots and, in expectation, of
        items).
    diagnostics : dict
        One entry per estimated field (and ``"log"`` for the input): a dict with ``value``,
        ``method`` (how it was computed, or why the default was kept), ``n`` (observations
        used) and, where there is one, ``se`` (standard error).
    """

    params: BranchingParams
    diagnostics: dict[str, dict[str, Any]] = field(default_factory=dict)


_REQUIRED = (
    "object_id",
    "parent_object_id",
    "actor_id",
    "community",
    "occurred_at",
    "seconds_since_root",
)


def _default(name: str) -> Any:
    return next(f.default for f in fields(BranchingParams) if f.name == name)


def _entry(value: Any, method: str, n: int, se: float | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"value": value, "method": method, "n": int(n)}
    if se is not None:
        out["se"] = float(se)
    return out


def _attachment_slope(
    received: np.ndarray, exposure: np.ndarray, x: np.ndarray, group: np.ndarray
) -> tuple[float, float, np.ndarray]:
    """Poisson regression ``log E[received_j] = log exposure_j + β_group(j) + γ x_j``.

    The group effects are profiled out (``exp β_g = Σ_g received / Σ_g exposure e^(γ x)``),
    so ``γ`` maximises a one-dimensional profile likelihood. Returns ``γ``, its
    quasi-Poisson standard error (profile curvature, scaled by the Pearson dispersion when
    above 1) and the fitted means.
    """
    n_groups = int(group.max()) + 1

    def fitted(g: float) -> np.ndarray:
        base = exposure * np.exp(g * x)
        scale = np.bincount(group, weights=received, minlength=n_groups) / np.bincount(
            group, weights=base, minlength=n_groups
        )
        return base * scale[group]

    def nll(g: float) -> float:
        mu = fitted(g)
        return float(np.sum(mu - xlogy(received, mu)))

    gamma = float(minimize_scalar(nll, bounds=(-3.0, 3.0), method="bounded").x)
    mu = fitted(gamma)
    h = 1e-3
    curvature = (nll(gamma + h) - 2.0 * nll(gamma) + nll(gamma - h)) / h**2
    dof = max(received.size - n_groups - 1, 1)
    positive = mu > 0
    phi = float(np.sum((received[positive] - mu[positive]) ** 2 / mu[positive]) / dof)
    se = math.sqrt(max(phi, 1.0) / curvature) if curvature > 0 else math.nan
    return gamma, se, mu


def _activity_exponent(written: np.ndarray, home: np.ndarray) -> dict[str, Any] | None:
    """Tail exponent of items per actor: per home community, combined (see :func:`calibrate`)."""
    seen = written > 0
    alphas, weights, tails = [], [], []
    groups, group = np.unique(home[seen], return_inverse=True)
    for g in range(groups.size):
        counts = written[seen][group == g]
        if counts.size < ACTIVITY_MIN_ACTORS:
            continue
        fit = fit_power_law(counts, discrete=True)
        if fit.status == "ok":
            alphas.append(fit.alpha)
            weights.append(fit.n_tail / (fit.alpha - 1.0) ** 2)
            tails.append(fit.n_tail)
    pooled = fit_power_law(written[seen], discrete=True)
    if alphas:
        w = np.asarray(weights)
        value = float(np.asarray(alphas) @ w / w.sum())
        pooled_text = f"{pooled.alpha:.4g}" if pooled.status == "ok" else pooled.status
        return _entry(
            value,
            f"fit_power_law(items per actor, discrete) in each of {len(alphas)} home "
            f"communities with >= {ACTIVITY_MIN_ACTORS} actors, alphas combined with weights "
            f"n_tail / (alpha - 1)^2 (pooled fit: {pooled_text}); exponent = alpha",
            int(sum(tails)),
            1.0 / math.sqrt(float(w.sum())),
        )
    if pooled.status == "ok":
        return _entry(
            pooled.alpha,
            f"fit_power_law(items per actor, discrete), all actors pooled, xmin={pooled.xmin:g}; "
            "exponent = alpha",
            pooled.n_tail,
            pooled.sigma,
        )
    return None


def _zipf_exponent(counts: np.ndarray) -> float:
    """MLE of ``s`` in ``P(rank r) ∝ r^−s`` on ranks 1..len(counts) (counts sorted desc)."""
    log_rank = np.log(np.arange(1, counts.size + 1, dtype=np.float64))
    total, weighted = float(counts.sum()), float(counts @ log_rank)

    def nll(s: float) -> float:
        return s * weighted + total * math.log(float(np.exp(-s * log_rank).sum()))

    return float(minimize_scalar(nll, bounds=(0.0, 10.0), method="bounded").x)


def _silent_corrected(n_seen: int, n_events: int, alpha: float) -> float:
    """Actors including those with no event: ``N`` solving ``N (1 − E[e^(−λ a)]) = n_seen``,
    ``λ a`` an actor's expected events under Pareto(``alpha``) activity."""
    m = int(min(max(n_seen, 1_000), 200_000))
    u = (np.arange(m) + 0.5) / m
    a = (1.0 - u) ** (-1.0 / (alpha - 1.0))
    a /= a.mean()

    def excess(n: float) -> float:
        return n * -np.expm1(-(n_events / n) * a).mean() - n_seen

    hi = 1_000.0 * n_seen
    if excess(float(n_seen)) >= 0 or excess(hi) <= 0:
        return float(n_seen)
    return float(brentq(excess, float(n_seen), hi, xtol=0.5))


def calibrate(
    events: pl.DataFrame, *, max_cascade_size: int | None = None, seed: int = 0
) -> Calibration:
    """Estimate :class:`BranchingParams` from an event log of one source.

    Parameters
    ----------
    events : polars.DataFrame
        Canonical events of one source, one row per event (as
        :func:`netdyn.store.eventlog.read_events` returns them, or a chunk's frame): at least
        ``object_id``, ``parent_object_id``, ``actor_id``, ``community``, ``occurred_at`` and
        ``seconds_since_root``; ``kind`` and ``source`` are used when present. Items are the
        events with an ``object_id`` (and a kind of
        :data:`netdyn.analytics.cascades.CASCADE_KINDS`); the first event per ``object_id`` wins.
    max_cascade_size : int, optional
        The cap the threads were cut at, if known. Default: detected as the largest thread
        size when at least 3 threads share it and more threads have it than have one item
        less (a pile-up, improbable without a cap); without a cap, the larger of the default
        and the largest thread.
    seed : int, default 0
        The ``seed`` of the returned parameters (calibration itself is deterministic).

    Returns
    -------
    Calibration
        The parameters and, per parameter, how it was estimated (``diagnostics``).
        Parameters that cannot be estimated keep their :class:`BranchingParams` default,
        and their diagnostics say why (e.g. no positive delay, times only relative).

    Raises
    ------
    InvalidInputError
        If a required column is missing, the frame holds several sources, it has no
        reply-tree item or no complete tree (every item's parent missing), or
        ``max_cascade_size`` is not an integer ``≥ 1``.

    Notes
    -----
    Only items in complete trees count (a root without parent and its descendants, linked
    by ``parent_object_id``); orphans (parent not in the log) and cycles are counted in
    ``diagnostics["log"]`` and left out.

    * ``branching_ratio``: the Poisson/negative-binomial MLE of the mean offspring,
      (replies) / (items whose offspring were drawn). Without a cap every item counts, so
      it is (items with a parent) / (items). In a thread cut at the cap of depth ``D``,
      generation ``D − 1`` was cut part-way and generation ``D`` never drew offspring, so
      only the items of depth ``≤ D − 2`` and their replies count (the likelihood of the
      completed generations; slightly conservative). ``se`` is ``sd(offspring) / √n``.
    * *Home community* of an actor: the community it posts (writes roots) in most, else the
      one it writes most in; ties go to the smallest name.
    * ``attachment_exponent``: slope ``γ`` of a Poisson regression of the replies an
      actor's items received on the log of the items it wrote, with one effect per home
      community, profiled out (actors with at least :data:`ATTACHMENT_MIN_ITEMS` items; the
      item count stands in for the activity ``a_j``):
      ``log E[replies_j] = log items_j + β_home(j) + γ log items_j``. The community effects
      matter: a community's threads scale all its actors' counts alike, and without them
      ``γ = 0.5`` was estimated as 0.23.
    * ``offspring_dispersion``: the moment estimator ``1/k = Σ[(n_i − μ_i)² − n_i] / Σ μ_i²``
      over the items of the actors in the attachment fit, ``μ_i`` the fitted mean of the
      author's items rescaled per depth (the model normalises attractiveness per
      generation); ``None`` (Poisson) when ``1/k`` is at most
      :data:`POISSON_INVERSE_DISPERSION` (``k ≥ 20`` adds at most 7.5 % to the offspring
      variance at ratio 1.5).
    * ``median_delay_seconds``, ``delay_sigma``: lognormal MLE, ``exp(mean ln d)`` and
      ``sd(ln d)`` (``ddof = 0``), over the positive delays ``d`` of a reply after its
      parent — from ``occurred_at``, or from differences of ``seconds_since_root`` when the
      log has only relative times. ``se`` of the median by the delta method,
      ``median · σ / √n``; of ``σ``, ``σ / √(2n)``.
    * ``activity_exponent``: ``alpha`` of :func:`netdyn.analytics.power_law.fit_power_law`
      (discrete, ``xmin`` by the KS scan) of the items per actor, fitted in every home
      community with at least :data:`ACTIVITY_MIN_ACTORS` actors and combined with weights
      ``n_tail / (alpha − 1)²`` (inverse variances); the pooled fit when no community is
      that large. The mapping is the identity: a Poisson count whose intensity has a
      Pareto density ``∝ a^−α`` has a pmf with tail ``∝ n^−α``. Per community, because
      communities scale their actors' counts differently and a pooled fit of the mixture
      is biased (2.2 was estimated as 1.94–2.12 pooled, 2.18–2.25 per community). For
      ``activity_exponent < 2`` (infinite-mean activity) a few actors' threads dominate and
      the estimate is unreliable (1.8 came out as 2.0).
    * ``n_actors``: roots are draws ``∝ a_j`` from all actors, so the ``D`` distinct authors
      of ``R`` roots give ``N`` solving ``N (1 − E[e^(−R a / (N ā))]) = D`` with ``a``
      Pareto(``activity_exponent``); at least the actors seen. Rough (off by up to 30 %
      in trials), as it inherits the error of the exponent.
    * ``n_communities``, ``community_exponent``: the distinct communities; the Zipf MLE over
      the communities ranked by their distinct root authors (expected in proportion to a
      community's actors, as roots are drawn from all actors).
    * ``community_mixing``: the share of replies written outside the author's home
      community, divided by ``1 − Σ_c π_c ρ_c`` (the chance that a draw from all actors
      lands in the thread's own community; ``π_c`` the replies' and ``ρ_c`` the roots'
      share of community ``c``).
    * ``n_roots``: roots of complete trees. ``duration_days``, ``start``: from the roots'
      times, unbiased for uniform arrivals: ``T = span (n + 1) / (n − 1)`` and
      ``start = first − T / (n + 1)``.

    References
    ----------
    Clauset, Shalizi & Newman (2009) for the activity tail; Lloyd-Smith et al. (2005) for
    the negative binomial offspring.

    Examples
    --------
    >>> from netdyn.sim.branching import simulate_branching
    >>> truth = BranchingParams(n_actors=200, n_roots=2_000, branching_ratio=0.5, seed=3)
    >>> fit = calibrate(simulate_branching(truth).rows.to_frame())
    >>> fit.params.n_roots, round(fit.params.branching_ratio, 1)
    (2000, 0.5)
    """
    missing = sorted(set(_REQUIRED) - set(events.columns))
    if missing:
        raise InvalidInputError(
            f"events lack columns {missing}; "
            "pass canonical events (netdyn.store.eventlog.read_events)"
        )
    if "source" in events.columns:
        sources = events["source"].drop_nulls().unique()
        if sources.len() > 1:
            raise InvalidInputError(
                f"events hold {sources.len()} sources; calibrate one at a time, e.g. "
                f"events.filter(pl.col('source') == {sources.sort()[0]!r})"
            )
    keep = pl.col("object_id").is_not_null()
    if "kind" in events.columns:
        keep = keep & pl.col("kind").is_in(sorted(CASCADE_KINDS))
    items = (
        events.filter(keep).select(_REQUIRED).unique("object_id", keep="first", maintain_order=True)
    )
    if items.height == 0:
        raise InvalidInputError(
            "events hold no reply-tree item (post, comment, reply or retweet with an "
            "object_id); nothing to calibrate"
        )
    diagnostics: dict[str, dict[str, Any]] = {}
    est: dict[str, Any] = {"seed": seed}

    # --- trees
    parent = (
        items.select(pl.col("parent_object_id").alias("object_id"))
        .join(
            items.select("object_id").with_row_index("_p"),
            on="object_id",
            how="left",
            maintain_order="left",
        )["_p"]
        .cast(pl.Int64)
        .fill_null(-1)
        .to_numpy()
    )
    has_ref = items["parent_object_id"].is_not_null().to_numpy()
    depth, top, on_cycle = tree_depths(parent)
    in_tree = ~on_cycle & (top >= 0) & ~has_ref[np.maximum(top, 0)]
    is_root = in_tree & ~has_ref
    n = items.height
    n_items = int(in_tree.sum())
    size = np.bincount(top[in_tree], minlength=n)
    root_idx = np.flatnonzero(is_root)
    if root_idx.size == 0:
        raise InvalidInputError(
            f"events hold no complete tree: all {n} items have a parent missing from the log "
            "or sit on a parent cycle; pass the roots (posts) too"
        )
    root_size = size[root_idx]
    largest = int(root_size.max())
    n_at = int(np.count_nonzero(root_size == largest))
    n_below = int(np.count_nonzero(root_size == largest - 1))
    if max_cascade_size is not None:
        if (
            isinstance(max_cascade_size, bool)
            or not isinstance(max_cascade_size, int)
            or (max_cascade_size < 1)
        ):
            raise InvalidInputError(
                f"max_cascade_size must be an integer >= 1 or None; got {max_cascade_size!r}"
            )
        cap: int | None = max_cascade_size
        cap_method = "given"
    elif largest > 1 and n_at >= 3 and n_at > n_below:
        cap = largest
        cap_method = (
            f"detected: {n_at} threads share the largest size, {n_below} have one item less"
        )
    else:
        cap, cap_method = None, "no cap detected: the larger of the default and the largest thread"
    capped = np.zeros(n, dtype=bool)
    if cap is not None:
        capped[root_idx[root_size >= cap]] = True
    thread_capped = in_tree & capped[np.maximum(top, 0)]
    max_depth = np.zeros(n, dtype=np.int64)
    np.maximum.at(max_depth, top[thread_capped], depth[thread_capped])
    expanded = in_tree & (~thread_capped | (depth <= max_depth[np.maximum(top, 0)] - 2))
    child = in_tree & has_ref
    offspring = np.bincount(parent[child], minlength=n)
    n_expanded = int(expanded.sum())
    k = offspring[expanded].astype(np.float64)
    ratio = float(k.mean())
    est["branching_ratio"] = min(ratio, 1.5)
    diagnostics["branching_ratio"] = _entry(
        est["branching_ratio"],
        "mean direct replies per item whose offspring were drawn"
        + (" (threads at the cap: items of depth <= D - 2 only)" if thread_capped.any() else ""),
        n_expanded,
        float(k.std(ddof=1)) / math.sqrt(n_expanded) if n_expanded > 1 else math.nan,
    )
    est["max_cascade_size"] = cap if cap is not None else max(_default("max_cascade_size"), largest)
    diagnostics["max_cascade_size"] = _entry(
        est["max_cascade_size"], cap_method, int(np.count_nonzero(capped))
    )
    est["n_roots"] = int(root_idx.size)
    diagnostics["n_roots"] = _entry(est["n_roots"], "roots of complete trees", n_items)

    # --- actors: activity, attachment
    actor_code = items.select(pl.col("actor_id").cast(pl.Categorical).to_physical()).to_series()
    has_actor = actor_code.is_not_null().to_numpy() & in_tree
    code = actor_code.fill_null(0).cast(pl.Int64).to_numpy()
    n_codes = int(code.max()) + 1 if code.size else 0
    # home community: where an actor posts most (roots), else where it writes most; ties to
    # the smallest name
    tree_items = items.filter(pl.Series(in_tree)).with_columns(
        _depth=pl.Series(depth[in_tree]), _code=pl.Series(code[in_tree])
    )
    home_of = (
        tree_items.drop_nulls(["actor_id", "community"])
        .group_by("actor_id", "_code", "community")
        .agg(n_roots=(pl.col("_depth") == 0).sum(), n=pl.len())
        .sort(["actor_id", "n_roots", "n", "community"], descending=[False, True, True, False])
        .unique("actor_id", keep="first", maintain_order=True)
        .select("actor_id", "_code", home="community")
    )
    home = np.full(n_codes, -1, dtype=np.int64)
    home[home_of["_code"].to_numpy()] = (
        home_of.select(pl.col("home").cast(pl.Categorical).to_physical()).to_series().to_numpy()
    )
    written = np.bincount(code[has_actor], minlength=n_codes)
    seen = written[written > 0]
    activity = _activity_exponent(written, home)
    if activity is not None:
        est["activity_exponent"] = activity["value"]
        diagnostics["activity_exponent"] = activity
    else:
        diagnostics["activity_exponent"] = _entry(
            _default("activity_exponent"),
            "default kept: no power-law fit to items per actor (too few actors or no tail)",
            seen.size,
        )
    alpha = est.get("activity_exponent", _default("activity_exponent"))
    n_seen = int(seen.size)
    root_authors = code[is_root & has_actor]
    n_posters = int(np.unique(root_authors).size)
    if n_seen:
        # roots are draws ∝ activity from all actors: the distinct posters among them say
        # how many actors there are
        n_hat = _silent_corrected(n_posters, int(root_authors.size), alpha)
        est["n_actors"] = max(n_seen, round(n_hat))
        diagnostics["n_actors"] = _entry(
            est["n_actors"],
            f"N solving N (1 - E[exp(-R a / N)]) = {n_posters} distinct authors of R = "
            f"{root_authors.size} roots, a ~ Pareto({alpha:.3g}); at least the {n_seen} seen",
            n_seen,
        )
    else:
        diagnostics["n_actors"] = _entry(_default("n_actors"), "default kept: no actor ids", 0)
    exp_mask = expanded & has_actor
    exposure = np.bincount(code[exp_mask], minlength=n_codes)
    received = np.bincount(code[exp_mask], weights=offspring[exp_mask], minlength=n_codes)
    use = (written >= ATTACHMENT_MIN_ITEMS) & (exposure > 0)
    mean_per_item = np.full(n_codes, np.nan)  # fitted mean offspring of an actor's items
    if np.count_nonzero(use) >= 3 and np.ptp(written[use]) > 0 and received[use].sum() > 0:
        _, group = np.unique(home[use], return_inverse=True)
        gamma, gamma_se, fitted = _attachment_slope(
            received[use], exposure[use].astype(np.float64), np.log(written[use]), group
        )
        mean_per_item[use] = fitted / exposure[use]
        est["attachment_exponent"] = gamma
        diagnostics["attachment_exponent"] = _entry(
            gamma,
            "Poisson regression of replies received on log items written, home-community "
            f"effects profiled out, actors with >= {ATTACHMENT_MIN_ITEMS} items",
            int(np.count_nonzero(use)),
            gamma_se,
        )
    else:
        diagnostics["attachment_exponent"] = _entry(
            _default("attachment_exponent"),
            f"default kept: fewer than 3 actors with >= {ATTACHMENT_MIN_ITEMS} items",
            0,
        )

    # --- offspring dispersion, given each actor's fitted mean
    in_fit = exp_mask & use[code]
    if in_fit.any():
        k_fit = offspring[in_fit].astype(np.float64)
        mean = mean_per_item[code[in_fit]]
        # the generator normalises attractiveness per generation: refit a factor per depth
        d_fit = depth[in_fit]
        observed = np.bincount(d_fit, weights=k_fit)
        fitted_sum = np.bincount(d_fit, weights=mean)
        per_depth = np.divide(
            observed, fitted_sum, out=np.zeros_like(observed), where=fitted_sum > 0
        )
        mean = mean * per_depth[d_fit]
        how = "items of the actors in the attachment fit, their fitted means per depth"
    else:
        k_fit, mean = k, np.full(k.size, ratio)
        how = "all items, mean = branching ratio"
    if k_fit.size > 1 and np.sum(mean**2) > 0:
        inverse_k = float(np.sum((k_fit - mean) ** 2 - k_fit) / np.sum(mean**2))
        if inverse_k > POISSON_INVERSE_DISPERSION:
            est["offspring_dispersion"] = 1.0 / inverse_k
            method = f"moment estimator 1/k = sum((n - mu)^2 - n) / sum(mu^2) over {how}"
        else:
            method = (
                f"Poisson: moment estimate 1/k = {inverse_k:.4f} <= "
                f"{POISSON_INVERSE_DISPERSION} over {how}"
            )
        diagnostics["offspring_dispersion"] = _entry(
            est.get("offspring_dispersion"), method, k_fit.size
        )
    else:
        diagnostics["offspring_dispersion"] = _entry(None, "Poisson: no replies", k_fit.size)

    # --- times: delays, duration, start
    if items["occurred_at"].null_count() < items.height:
        clock = "occurred_at"
        t = (
            items.select(pl.col("occurred_at").dt.epoch("us").cast(pl.Float64) / 1e6)
            .to_series()
            .fill_null(float("nan"))
            .to_numpy()
        )
    elif items["seconds_since_root"].null_count() < items.height:
        clock = "seconds_since_root"
        t = items["seconds_since_root"].cast(pl.Float64).fill_null(float("nan")).to_numpy()
    else:
        clock = "none"
        t = np.full(n, np.nan)
    delay = t[child] - t[parent[child]]
    n_delays = int(delay.size)
    delay = delay[np.isfinite(delay) & (delay > 0)]
    if delay.size >= 2:
        log_delay = np.log(delay)
        mu, sigma = float(log_delay.mean()), float(log_delay.std())
        est["median_delay_seconds"] = math.exp(mu)
        est["delay_sigma"] = sigma
        note = f"{n_delays - delay.size} of {n_delays} delays not positive or untimed, dropped"
        diagnostics["median_delay_seconds"] = _entry(
            math.exp(mu),
            f"lognormal MLE exp(mean log delay) from {clock}; {note}",
            delay.size,
            math.exp(mu) * sigma / math.sqrt(delay.size),
        )
        diagnostics["delay_sigma"] = _entry(
            sigma,
            f"lognormal MLE sd(log delay) from {clock}",
            delay.size,
            sigma / math.sqrt(2 * delay.size),
        )
    else:
        for name in ("median_delay_seconds", "delay_sigma"):
            diagnostics[name] = _entry(
                _default(name), f"default kept: {delay.size} positive delays", delay.size
            )
    root_t = t[root_idx]
    root_t = root_t[np.isfinite(root_t)]
    if clock == "occurred_at" and root_t.size >= 2 and np.ptp(root_t) > 0:
        m = root_t.size
        span = (float(root_t.max()) - float(root_t.min())) * (m + 1) / (m - 1)
        first = float(root_t.min()) - span / (m + 1)
        est["duration_days"] = span / 86_400.0
        est["start"] = datetime.fromtimestamp(round(first * 1e6) / 1e6, UTC).isoformat()
        method = "roots' time span, (n + 1) / (n - 1) times the observed span"
        diagnostics["duration_days"] = _entry(est["duration_days"], method, m)
        diagnostics["start"] = _entry(est["start"], "first root minus span / (n + 1)", m)
    else:
        why = f"default kept: {root_t.size} timed roots on clock {clock!r}"
        diagnostics["duration_days"] = _entry(_default("duration_days"), why, root_t.size)
        diagnostics["start"] = _entry(_default("start"), why, root_t.size)

    # --- communities
    communities = tree_items["community"].drop_nulls().unique()
    n_comm = int(communities.len())
    if n_comm >= 1:
        est["n_communities"] = n_comm
        diagnostics["n_communities"] = _entry(n_comm, "distinct communities", tree_items.height)
        home_frame = home_of.select("actor_id", "home")
        roots = tree_items.filter(pl.col("_depth") == 0).drop_nulls("community")
        posters = (
            roots.drop_nulls("actor_id")
            .group_by("community")
            .agg(n=pl.col("actor_id").n_unique())["n"]
            .sort(descending=True)
            .to_numpy()
        )
        ranked = np.zeros(n_comm)
        ranked[: posters.size] = posters
        if n_comm >= 2 and ranked.sum() > 0:
            est["community_exponent"] = _zipf_exponent(ranked)
            diagnostics["community_exponent"] = _entry(
                est["community_exponent"],
                "Zipf MLE over the communities ranked by distinct root authors",
                int(ranked.sum()),
            )
        if n_comm >= 2 and roots.height:
            replies = (
                tree_items.filter(pl.col("_depth") > 0)
                .drop_nulls(["actor_id", "community"])
                .join(home_frame, on="actor_id", how="left")
            )
            pi = replies.group_by(c="community").agg(pi=pl.len() / max(replies.height, 1))
            rho = roots.group_by(c="community").agg(rho=pl.len() / roots.height)
            same = float(
                pi.join(rho, on="c", how="inner")
                .select((pl.col("pi") * pl.col("rho")).sum())
                .item()
                or 0.0
            )
            outside = float((replies["home"] != replies["community"]).mean() or 0.0)
            if replies.height and same < 1.0:
                est["community_mixing"] = float(np.clip(outside / (1.0 - same), 0.0, 1.0))
                diagnostics["community_mixing"] = _entry(
                    est["community_mixing"],
                    f"share of replies outside the author's home community ({outside:.4f}) "
                    f"/ (1 - {same:.4f})",
                    replies.height,
                )
        for name in ("community_exponent", "community_mixing"):
            if name not in est:
                est[name] = 0.0
                diagnostics[name] = _entry(
                    0.0, "one community (or no replies): not identifiable", 0
                )
    else:
        est.update(n_communities=1, community_exponent=0.0, community_mixing=0.0)
        for name in ("n_communities", "community_exponent", "community_mixing"):
            diagnostics[name] = _entry(est[name], "no community recorded: one community", 0)

    diagnostics["log"] = {
        "n_items": n,
        "n_in_trees": n_items,
        "n_orphans": int(np.count_nonzero(~in_tree & ~on_cycle)),
        "n_cycle_nodes": int(np.count_nonzero(on_cycle)),
        "clock": clock,
        "largest_thread": largest,
        "n_capped_threads": int(np.count_nonzero(capped)),
    }
    return Calibration(params=BranchingParams(**est), diagnostics=diagnostics)
