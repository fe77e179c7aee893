"""The Ray executor's cost per result in the driver: objects vs the wire form, real embedded Ray on 127.0.0.1.

Run from the repository root: ``PYTHONPATH=. python benchmarks/bench_ray_results.py [--n 2000]
[--batch-sizes 8,32]``.

Each task is a batch whose rollouts cost nothing: ``heavy_batch`` yields results shaped like the
driver benchmark's (3 families, 4 params, 3 events, 5 telemetry rows), so what is measured is the
executor loop itself — ``ray.wait``, each generator's ``next``/``ray.get``, deserialising each
result — in the driver process, with each result its own Ray item (``group_s`` 0) or sent in
groups (``group_s`` 1, the driver session's default: here a whole batch per item, the rollouts cost
nothing). The figure is the driver process's CPU time per result (user +
system, Ray's own threads in the driver included), which does not depend on how much of the shared
machine the run got; wall time is printed too. Figures, not a test.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")

from farm.result import RolloutResult
from farm.spec import RolloutSpec

_TEMPLATES: list[RolloutResult] = []


def heavy_batch(specs: Iterable[RolloutSpec], *, worker: str = "", attempt: int = 1,
                **_: Any) -> Iterator[RolloutResult]:
    """A batch runner on the worker: each spec's result is a template result with that spec (no rollout)."""
    from benchmarks.bench_driver import synthetic_results

    if not _TEMPLATES:
        _TEMPLATES.extend(synthetic_results(3))
    for i, spec in enumerate(specs):
        yield replace(_TEMPLATES[i % 3], spec=spec, worker=worker, attempt=attempt)


def measure(n: int, batch_size: int, wire: bool, group_s: float = 0.0) -> dict[str, Any]:
    """Drive ``n`` results through a ``RayExecutor``; the driver's CPU and wall time per result."""
    import psutil

    from farm.execution.base import ExecutionOptions, stream
    from farm.execution.ray_executor import RayExecutor
    from farm.wire import WireResult

    specs = [RolloutSpec.create(family="cut_in", family_version=2, seed=i, params={"gap_m": 12.5}) for i in range(n)]
    executor = RayExecutor(ExecutionOptions(batch_size=batch_size, timeout_s=600.0, max_in_flight=8),
                           batch_fn="benchmarks.bench_ray_results:heavy_batch", wire=wire, group_s=group_s)
    list(stream(executor, ((s, 1) for s in specs[:64]), batch_size=batch_size, poll_s=0.05))  # warm workers
    proc = psutil.Process()
    cpu0, t0 = sum(proc.cpu_times()[:2]), time.monotonic()
    got = list(stream(executor, ((s, 1) for s in specs), batch_size=batch_size, poll_s=0.05))
    wall, cpu = time.monotonic() - t0, sum(proc.cpu_times()[:2]) - cpu0
    executor.close()
    kinds = {type(r).__name__ for r in got}
    assert len(got) == n and len({r.run_id for r in got}) == n, "every result exactly once"
    assert kinds == ({WireResult.__name__} if wire else {RolloutResult.__name__}), kinds
    return {"form": "wire" if wire else "objects", "batch": batch_size, "group_s": group_s, "n": n,
            "cpu_us": 1e6 * cpu / n,
            "wall_us": 1e6 * wall / n}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--batch-sizes", default="8,32")
    parser.add_argument("--group-s", default="0,1", help="result groups to compare (0: one Ray item per result)")
    args = parser.parse_args()
    from farm.execution.ray_executor import start_ray, stop_ray

    start_ray(num_cpus=2)
    try:
        rows = [measure(args.n, b, wire, g) for b in (int(x) for x in args.batch_sizes.split(","))
                for g in (float(x) for x in args.group_s.split(",")) for wire in (False, True)]
    finally:
        stop_ray()
    print(f"\n{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}\n")
    print("| form | batch | group_s | results | driver CPU µs/result | wall µs/result | capacity per driver core /s |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['form']} | {r['batch']} | {r['group_s']:g} | {r['n']:,} | {r['cpu_us']:.0f} | "
              f"{r['wall_us']:.0f} | {1e6 / r['cpu_us']:,.0f} |")


if __name__ == "__main__":
    main()
