"""The gate's paired-metric statistics at scale: Hodges–Lehmann shift (with its interval) and the signed-rank test.

Run from the repository root: ``python benchmarks/bench_stats.py [--repeats N] [--seed S]``.

Cases: 1,000,000 pairs with 99 % exact zeros (a deterministic simulator, one run in a
hundred changed), 100,000 pairs all non-zero, and 1,000,000 pairs all non-zero (every
run changed). Each is timed ``--repeats`` times; the median wall and CPU time (this
process only: steadier on a shared machine) are printed. Figures, not a test: nothing
asserts a timing (``tests/farm/test_stats_shift.py`` checks the values against brute force).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from farm.stats_shift import hodges_lehmann, wilcoxon_signed_rank


def _ms(fn: Callable[[], Any]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return 1e3 * (time.perf_counter() - wall), 1e3 * (time.process_time() - cpu)


def _case(rng: np.random.Generator, n: int, zero_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    baseline = rng.normal(2.5, 0.8, size=n)  # e.g. min TTC [s]
    candidate = baseline.copy()
    changed = rng.random(n) >= zero_fraction
    candidate[changed] += rng.normal(-0.05, 0.3, size=int(changed.sum()))
    return candidate, baseline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    cases = [("1,000,000 pairs, 99 % zeros", 1_000_000, 0.99), ("100,000 pairs, all non-zero", 100_000, 0.0),
             ("1,000,000 pairs, all non-zero", 1_000_000, 0.0)]
    print(f"{'case':32} {'function':16} {'wall ms':>9} {'cpu ms':>9}  result")
    for label, n, zeros in cases:
        cand, base = _case(rng, n, zeros)
        calls: list[tuple[str, Callable[[], Any]]] = [
            ("hodges_lehmann", lambda c=cand, b=base: hodges_lehmann(c, b)),
            ("wilcoxon", lambda c=cand, b=base: wilcoxon_signed_rank(c, b))]
        for name, fn in calls:
            times = [_ms(fn) for _ in range(args.repeats)]
            res = fn()
            shown = (f"shift {res.estimate:+.5f} [{res.low:+.5f}, {res.high:+.5f}]" if name == "hodges_lehmann"
                     else f"p = {res.p_value:.3g} ({res.method})")
            print(f"{label:32} {name:16} {statistics.median(t[0] for t in times):9.0f} "
                  f"{statistics.median(t[1] for t in times):9.0f}  {shown}")


if __name__ == "__main__":
    main()
