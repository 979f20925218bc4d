"""Benchmark: :func:`netdyn.analytics.power_law.fit_power_law` against ``powerlaw.Fit``.

Times both on the same seeded discrete sample of 10**5 values (a power law with
``alpha = 2.5`` above ``xmin = 5``, and a fifth of the values uniform on 1..4 below it),
then a 10**6-value sample, and prints the times, the speed-ups and the fitted
``(xmin, alpha)`` of each. ``powerlaw`` is run as ``Fit(x, discrete=True, verbose=False)``
(its defaults, which use the approximate discrete estimator at ``xmin ≥ 10``) and, for
reference, with ``estimate_discrete=False`` (the exact likelihood, as ours).

Then the continuous fit (``discrete=False``, every distinct value a candidate ``xmin``) on a
seeded sample of 10**6 values (a Pareto law with ``alpha = 2.5`` above ``xmin = 1``, and a
fifth of the values lognormal below it), and ``powerlaw.Fit(x, discrete=False)`` against it
on 10**4 values drawn the same way. ``powerlaw`` is not run on the 10**6 continuous values:
its time grows faster than ``n**1.5`` (here, with other jobs running: 0.1 s at 2000 values,
2.2 s at 16000, 12 s at 32000, 137 s at 64000), so it would take hours at 10**6.

Then times the CSN goodness-of-fit bootstrap (:func:`netdyn.analytics.power_law.bootstrap_gof`,
1000 resamples of a 10**4-value sample with ``n_jobs = 2``, discrete and continuous) and
the likelihood-ratio comparisons (:func:`netdyn.analytics.power_law_compare.compare_alternatives`)
against ``powerlaw``'s ``distribution_compare`` on the same tail.

Run from the repository root::

    .venv/bin/python benchmarks/bench_power_law.py [--repeats 5] [--skip-reference-1e6]
        [--resamples 1000] [--skip-continuous-bootstrap] [--fits-only]
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from netdyn.analytics.power_law import bootstrap_gof, fit_power_law, sample_discrete_power_law
from netdyn.analytics.power_law_compare import compare_alternatives, verdict

ALPHA, XMIN, BODY_SHARE, SEED = 2.5, 5, 0.2, 20240601


def planted_sample(n: int, seed: int) -> np.ndarray:
    """Discrete power law above XMIN, with a uniform body on 1..XMIN-1 below it."""
    x = sample_discrete_power_law(n, ALPHA, XMIN, seed=seed)
    n_body = int(BODY_SHARE * n)
    x[:n_body] = np.random.default_rng([seed, 1]).integers(1, XMIN, n_body)
    return x


def planted_continuous(n: int, seed: int) -> np.ndarray:
    """Pareto law (ALPHA) above 1, with a lognormal body (median e**-1) for BODY_SHARE."""
    rng = np.random.default_rng([seed, 2])
    x = (1.0 - rng.random(n)) ** (-1.0 / (ALPHA - 1.0))
    n_body = int(BODY_SHARE * n)
    x[:n_body] = rng.lognormal(-1.0, 0.5, n_body)
    return x


def best_time(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Smallest wall time over ``repeats`` calls, and the last result."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def reference(x: np.ndarray, *, discrete: bool = True, **kwargs: Any) -> Any:
    import powerlaw

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # powerlaw warns hundreds of times per fit
        return powerlaw.Fit(x, discrete=discrete, verbose=False, **kwargs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of our fit")
    parser.add_argument(
        "--skip-reference-1e6", action="store_true", help="do not run powerlaw on 10**6"
    )
    parser.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples")
    parser.add_argument(
        "--skip-continuous-bootstrap", action="store_true", help="time the discrete one only"
    )
    parser.add_argument(
        "--fits-only", action="store_true", help="skip the bootstrap and the comparisons"
    )
    args = parser.parse_args()

    x5 = planted_sample(10**5, SEED)
    fit_power_law(x5, discrete=True)  # warm-up: imports, first-call overheads
    t_ours, ours = best_time(lambda: fit_power_law(x5, discrete=True), args.repeats)
    t_ref, ref = best_time(lambda: reference(x5), 1)
    t_exact, exact = best_time(lambda: reference(x5, estimate_discrete=False), 1)
    print(f"n = 10**5, planted alpha = {ALPHA}, xmin = {XMIN}, seed = {SEED}")
    print(
        f"  fit_power_law                 {t_ours * 1e3:9.1f} ms  xmin = {ours.xmin:g}  "
        f"alpha = {ours.alpha:.6f}"
    )
    print(
        f"  powerlaw.Fit(discrete=True)   {t_ref * 1e3:9.1f} ms  xmin = {ref.xmin:g}  "
        f"alpha = {ref.alpha:.6f}  speed-up {t_ref / t_ours:.0f}x"
    )
    print(
        f"  ... estimate_discrete=False   {t_exact * 1e3:9.1f} ms  xmin = {exact.xmin:g}  "
        f"alpha = {exact.alpha:.6f}  speed-up {t_exact / t_ours:.0f}x"
    )

    x6 = planted_sample(10**6, SEED)
    t6, fit6 = best_time(lambda: fit_power_law(x6, discrete=True), args.repeats)
    print("n = 10**6")
    print(
        f"  fit_power_law                 {t6 * 1e3:9.1f} ms  xmin = {fit6.xmin:g}  "
        f"alpha = {fit6.alpha:.6f}"
    )
    if not args.skip_reference_1e6:
        t6_ref, ref6 = best_time(lambda: reference(x6), 1)
        print(
            f"  powerlaw.Fit(discrete=True)   {t6_ref * 1e3:9.1f} ms  xmin = {ref6.xmin:g}  "
            f"alpha = {ref6.alpha:.6f}  speed-up {t6_ref / t6:.0f}x"
        )

    bench_continuous(args.repeats)
    if not args.fits_only:
        bench_gof_and_comparisons(args.resamples, args.skip_continuous_bootstrap)


def bench_continuous(repeats: int) -> None:
    """The continuous fit on 10**6 values, and on 10**4 against ``powerlaw``."""
    c6 = planted_continuous(10**6, SEED)
    fit_power_law(c6[:1000], discrete=False)  # warm-up
    t6, fit6 = best_time(lambda: fit_power_law(c6, discrete=False), repeats)
    print(f"continuous, planted alpha = {ALPHA}, xmin = 1, lognormal body, seed = {SEED}")
    print(
        f"  n = 10**6 fit_power_law       {t6 * 1e3:9.1f} ms  xmin = {fit6.xmin:.6f}  "
        f"alpha = {fit6.alpha:.6f}  D = {fit6.ks_distance:.6f}"
    )
    print("            powerlaw.Fit(discrete=False) not run: hours at 10**6 (see the docstring)")
    c4 = planted_continuous(10**4, SEED)
    t4, fit4 = best_time(lambda: fit_power_law(c4, discrete=False), repeats)
    t4_ref, ref4 = best_time(lambda: reference(c4, discrete=False), 1)
    print(
        f"  n = 10**4 fit_power_law       {t4 * 1e3:9.1f} ms  xmin = {fit4.xmin:.6f}  "
        f"alpha = {fit4.alpha:.6f}  D = {fit4.ks_distance:.6f}"
    )
    print(
        f"            powerlaw.Fit(discrete=False) {t4_ref * 1e3:9.1f} ms  xmin = {ref4.xmin:.6f}  "
        f"alpha = {ref4.alpha:.6f}  D = {ref4.D:.6f}  speed-up {t4_ref / t4:.0f}x"
    )


def bench_gof_and_comparisons(n_resamples: int, skip_continuous: bool) -> None:
    """Bootstrap p-value and likelihood-ratio comparisons on 10**4 values."""
    import powerlaw

    x4 = planted_sample(10**4, SEED)
    rng = np.random.default_rng(SEED)
    c4 = 3.0 * (1.0 - rng.random(10**4)) ** (-1.0 / (ALPHA - 1.0))
    cases = [("discrete", x4, True)]
    if not skip_continuous:
        cases.append(("continuous", c4, False))
    print(f"bootstrap_gof: {n_resamples} resamples, n = 10**4, n_jobs = 2")
    fits = {}
    for label, x, discrete in cases:
        fit = fit_power_law(x, discrete=discrete)
        fits[label] = (x, fit)
        t, gof = best_time(
            lambda x=x, fit=fit: bootstrap_gof(x, fit, n_resamples=n_resamples, seed=1, n_jobs=2),
            1,
        )
        t1, _ = best_time(
            lambda x=x, fit=fit: bootstrap_gof(x, fit, n_resamples=100, seed=1, n_jobs=1), 1
        )
        print(
            f"  {label:<10} {t:7.2f} s  (n_jobs = 1: {t1 * n_resamples / 100:6.2f} s, from 100)  "
            f"p = {gof.p_value:.3f}  alpha 95% [{gof.alpha_ci[0]:.3f}, {gof.alpha_ci[1]:.3f}]"
        )
    print("compare_alternatives (all four), against powerlaw.distribution_compare")
    x, fit = fits["discrete"]
    for label, (x, fit) in fits.items():
        t, comps = best_time(lambda x=x, fit=fit: compare_alternatives(x, fit), 3)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            ref = powerlaw.Fit(
                x, xmin=fit.xmin, discrete=fit.discrete, verbose=False, estimate_discrete=False
            )
            refs = [ref.distribution_compare("power_law", c.alternative) for c in comps]
            t_ref = time.perf_counter() - start
        print(f"  {label:<10} {t * 1e3:7.0f} ms   powerlaw {t_ref * 1e3:7.0f} ms")
        for c, (r_ref, p_ref) in zip(comps, refs, strict=True):
            print(
                f"    {c.alternative:<22} R = {c.loglikelihood_ratio:9.3f} (powerlaw "
                f"{float(r_ref):9.3f})  p = {c.p_value:.4f} (powerlaw {float(p_ref):.4f})"
            )
        print("    verdict:", verdict(fit, None, comps))


if __name__ == "__main__":
    main()
