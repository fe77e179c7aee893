"""``assess`` per family: the frozen reference oracle (before) against ``farm.preventable`` (after), side by side.

Run from the repository root: ``PYTHONPATH=. python benchmarks/bench_preventable.py [--repeats N] [--family F]``.

For every family with a rule: its nominal case and each documented edge case.
The scene is built once outside the timing (as a rollout already has it); the
two implementations are interleaved ``--repeats`` times and the median wall
and CPU time (this process only: steadier on a shared machine) of each are
printed, with whether the verdict columns agree. Figures, not a
test: nothing asserts a timing (``tests/farm/preventable/test_fast_matches_oracle.py`` checks the values).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from farm.preventable import assess
from scenario_library.catalog import list_families
from scenario_library.family import Family
from scenario_library.scene import SceneSpec
from tests.farm.preventable.oracle import assess as oracle_assess


def _ms(fn: Callable[[], Any]) -> tuple[float, float]:
    """Wall and CPU (this process) milliseconds of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return 1e3 * (time.perf_counter() - wall), 1e3 * (time.process_time() - cpu)


def _same(a: Any, b: Any) -> bool:
    def close(x: float | None, y: float | None) -> bool:
        if x is None or y is None:
            return x is y
        return abs(x - y) <= 1e-6 * max(abs(x), abs(y), 1.0)

    return a.preventable == b.preventable and close(a.ref_impact_speed_mps, b.ref_impact_speed_mps) \
        and close(a.ref_min_gap_m, b.ref_min_gap_m)


def _cases(only: str | None) -> list[tuple[Family, str, dict[str, Any]]]:
    out = []
    for family in list_families():
        if family.preventable is None or family.preventable.rule == "null" or (only and family.name != only):
            continue
        out.append((family, "nominal", {}))
        out.extend((family, e["name"], dict(e["params"])) for e in family.edge_cases)
    return out


def _bench(family: Family, params: dict[str, Any], scene: SceneSpec, repeats: int) -> tuple[list[float], bool]:
    """Median wall and CPU ms, before then after, and whether the verdict columns agree."""
    before, after = [], []
    for _ in range(repeats):
        before.append(_ms(lambda: oracle_assess(family, params, scene)))
        after.append(_ms(lambda: assess(family, params, scene)))
    same = _same(oracle_assess(family, params, scene), assess(family, params, scene))
    medians = [statistics.median(t[i] for t in runs) for runs in (before, after) for i in (0, 1)]
    return medians, same


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--family", default=None)
    args = ap.parse_args()
    print(f"{'':<58} {'---- before ----':>17} {'---- after -----':>17}")
    print(f"{'family':<22} {'case':<35} {'wall ms':>8} {'cpu ms':>8} {'wall ms':>8} {'cpu ms':>8} {'cpu x':>6}  same")
    for family, name, params in _cases(args.family):
        scene = family.build(family.resolve(params))
        (bw, bc, aw, ac), same = _bench(family, params, scene, args.repeats)
        print(f"{family.name:<22} {name[:35]:<35} {bw:>8.1f} {bc:>8.1f} {aw:>8.2f} {ac:>8.2f} {bc / ac:>5.0f}x  {same}")


if __name__ == "__main__":
    main()
