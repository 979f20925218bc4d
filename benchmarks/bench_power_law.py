"""Benchmark: :func:`analytics.power_law.fit_power_law` against ``powerlaw.Fit``.

Times both on the same seeded discrete sample of 10**5 values (a power law with
``alpha = 2.5`` above ``xmin = 5``, and a fifth of the values uniform on 1..4 below it),
then a 10**6-value sample, and prints the times, the speed-ups and the fitted
``(xmin, alpha)`` of each. ``powerlaw`` is run as ``Fit(x, discrete=True, verbose=False)``
(its defaults, which use the approximate discrete estimator at ``xmin ≥ 10``) and, for
reference, with ``estimate_discrete=False`` (the exact likelihood, as ours).

Run from the repository root::

    .venv/bin/python benchmarks/bench_power_law.py [--repeats 5] [--skip-reference-1e6]
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from analytics.power_law import fit_power_law, sample_discrete_power_law

ALPHA, XMIN, BODY_SHARE, SEED = 2.5, 5, 0.2, 20240601


def planted_sample(n: int, seed: int) -> np.ndarray:
    """Discrete power law above XMIN, with a uniform body on 1..XMIN-1 below it."""
    x = sample_discrete_power_law(n, ALPHA, XMIN, seed=seed)
    n_body = int(BODY_SHARE * n)
    x[:n_body] = np.random.default_rng([seed, 1]).integers(1, XMIN, n_body)
    return x


def best_time(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Smallest wall time over ``repeats`` calls, and the last result."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def reference(x: np.ndarray, **kwargs: Any) -> Any:
    import powerlaw

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # powerlaw warns hundreds of times per fit
        return powerlaw.Fit(x, discrete=True, verbose=False, **kwargs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of our fit")
    parser.add_argument(
        "--skip-reference-1e6", action="store_true", help="do not run powerlaw on 10**6"
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


if __name__ == "__main__":
    main()
