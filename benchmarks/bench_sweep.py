"""Sweep throughput (serial loop, multiprocessing.Pool, simfarm sequential, simfarm on embedded Ray) and driver memory.

Run from the repository root: ``PYTHONPATH=. python benchmarks/bench_sweep.py [--n 200] [--repeats 5]
[--memory-sizes 10000,100000] [--memory-ray] [--skip-memory]``.

Throughput: the ``ci`` sweep's families (nominal points + an LHS of the critical families) sampled to
``--n`` kinematic rollouts on the reference stack, run ``--repeats`` times by each mode, interleaved
(the order rotates every round, so background load hits every mode alike). simfarm runs on Ray at
batch 4 and 8 (each worker process keeps one simulator session across batches). Steady state is timed from the
first dispatch to the last result with warm workers; start-up (session, pool fork or ``ray.init``,
then one rollout of each family in every process, so imports and per-process caches are warm for
every mode alike) is reported separately. simfarm is timed at
the executor level (``farm.execution.stream``: batching, dispatch, results per rollout), without
store writes. Medians (and best rounds) are reported; targets: Ray on 2 CPUs >= 1.8 x serial and
>= 0.95 x Pool.

Memory: the real driver (``farm.driver.session.run_sweep`` on a local store in a temporary folder) over
N ``null`` rollouts (work_ms 0), each N in a fresh process, peak RSS sampled every 5 ms: RSS growth per
rollout (including the expanded specs the driver holds) must be flat from 10,000 to 100,000, and the
growth while streaming (after the specs are loaded) must not scale with N. Figures, not a test.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from farm.result import RolloutResult
from farm.spec import RolloutSpec

WORKLOAD_SWEEP = """\
name: bench-ci-200
seed: 1
stacks: [reference]
fidelity: [kinematic]
families:
  - select: all
    sampler: nominal
  - select: critical
    sampler: lhs
    budget: {budget}
"""
BATCH_SIZE = 4
CPUS = 2
ROOT = str(Path(__file__).resolve().parents[1])


@dataclass(frozen=True, slots=True, kw_only=True)
class Timing:
    """One run of one mode: start-up and steady-state wall seconds, and the outcome hashes it produced."""

    startup_s: float
    steady_s: float
    hashes: frozenset[str]


def workload(n: int) -> list[RolloutSpec]:
    """The ci sweep's families, sampled to at least ``n`` kinematic rollouts; the first ``n``."""
    from farm.sweep import expand, parse_sweep

    critical = 6  # families the ci sweep's `select: critical` picks; 9 more nominal points
    budget = max(1, -(-(n - 9) // critical))
    specs = expand(parse_sweep(WORKLOAD_SWEEP.format(budget=budget), source="bench_sweep"))
    if len(specs) < n:
        raise SystemExit(f"the workload expands to {len(specs)} rollouts, fewer than --n {n}")
    return list(specs[:n])


def warmup(specs: list[RolloutSpec]) -> list[RolloutSpec]:
    """One rollout of each family: every process runs these before timing (imports, catalogue, caches)."""
    return list({spec.family: spec for spec in reversed(specs)}.values())


def _hashes(results: Iterable[RolloutResult]) -> frozenset[str]:
    return frozenset(f"{r.run_id}:{r.outcome_hash}" for r in results)


def run_serial(specs: list[RolloutSpec]) -> Timing:
    """A plain for-loop over ``run_rollout`` with one SimSession."""
    from farm.sim.rollout import run_rollout
    from farm.sim.world import SimSession

    started = time.perf_counter()
    with SimSession() as session:
        for spec in warmup(specs):
            run_rollout(spec, session=session)
        ready = time.perf_counter()
        results = [run_rollout(spec, session=session) for spec in specs]
        done = time.perf_counter()
    return Timing(startup_s=ready - started, steady_s=done - ready, hashes=_hashes(results))


_POOL_SESSION: Any = None


def _pool_init() -> None:
    global _POOL_SESSION
    from farm.sim.world import SimSession

    _POOL_SESSION = SimSession()


def _pool_rollout(spec: RolloutSpec) -> RolloutResult:
    from farm.sim.rollout import run_rollout

    return run_rollout(spec, session=_POOL_SESSION)


def _pool_warm(specs: list[RolloutSpec]) -> int:
    return len([_pool_rollout(spec) for spec in specs])


def run_pool(specs: list[RolloutSpec]) -> Timing:
    """``multiprocessing.Pool(2)``, ``imap_unordered`` over the specs, chunksize 4, one session per process."""
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(CPUS, initializer=_pool_init) as pool:
        pool.map(_pool_warm, [warmup(specs)] * CPUS, chunksize=1)  # one warm-up per process (most likely)
        ready = time.perf_counter()
        results = list(pool.imap_unordered(_pool_rollout, specs, chunksize=BATCH_SIZE))
        done = time.perf_counter()
    return Timing(startup_s=ready - started, steady_s=done - ready, hashes=_hashes(results))


def _drain(executor: Any, specs: list[RolloutSpec], batch_size: int = BATCH_SIZE) -> list[RolloutResult]:
    from farm.execution import stream

    return list(stream(executor, ((spec, 1) for spec in specs), batch_size=batch_size, poll_s=0.05))


def run_sequential(specs: list[RolloutSpec]) -> Timing:
    """simfarm's in-process executor (batches of 4 on one reused session each)."""
    from farm.execution import ExecutionOptions
    from farm.execution.sequential import SequentialExecutor

    started = time.perf_counter()
    executor = SequentialExecutor(ExecutionOptions(batch_size=BATCH_SIZE, timeout_s=600.0))
    _drain(executor, warmup(specs))
    ready = time.perf_counter()
    results = _drain(executor, specs)
    done = time.perf_counter()
    executor.close()
    return Timing(startup_s=ready - started, steady_s=done - ready, hashes=_hashes(results))


def run_ray(specs: list[RolloutSpec], batch_size: int = BATCH_SIZE) -> Timing:
    """simfarm's Ray executor on embedded Ray with 2 CPUs (started and shut down within the run)."""
    from farm.execution import ExecutionOptions, as_completed
    from farm.execution.ray_executor import RayExecutor, start_ray, stop_ray

    started = time.perf_counter()
    start_ray(num_cpus=CPUS)
    try:
        executor = RayExecutor(ExecutionOptions(batch_size=batch_size, timeout_s=600.0, num_cpus=CPUS))
        for _ in range(CPUS):  # one warm-up batch per worker (they run at once, so on different workers)
            executor.submit(warmup(specs))
        list(as_completed(executor, poll_s=0.05))
        ready = time.perf_counter()
        results = _drain(executor, specs, batch_size)
        done = time.perf_counter()
        executor.close()
    finally:
        stop_ray()
    return Timing(startup_s=ready - started, steady_s=done - ready, hashes=_hashes(results))


MODES: dict[str, tuple[str, Callable[[list[RolloutSpec]], Timing]]] = {
    "serial": ("serial loop", run_serial), "pool": ("multiprocessing.Pool(2), chunksize 4", run_pool),
    "sequential": ("simfarm sequential, batch 4", run_sequential),
    "ray": ("simfarm Ray (embedded, 2 CPUs), batch 4", run_ray),
    "ray8": ("simfarm Ray (embedded, 2 CPUs), batch 8", lambda specs: run_ray(specs, 8)),
}


def throughput(n: int, repeats: int) -> None:
    """Interleaved rounds of every mode; prints the medians and the target ratios."""
    specs = workload(n)
    families = sorted({s.family for s in specs})
    print(f"workload: {len(specs)} kinematic rollouts of {len(families)} families ({', '.join(families)}), "
          f"{repeats} interleaved rounds, {os.cpu_count()} CPUs")
    runs: dict[str, list[Timing]] = {name: [] for name in MODES}
    names = list(MODES)
    for r in range(repeats):
        for name in names[r % len(names):] + names[:r % len(names)]:
            runs[name].append(MODES[name][1](specs))
        print(f"  round {r + 1}/{repeats}: " + ", ".join(f"{k} {n / v[-1].steady_s:.1f}/s" for k, v in runs.items()),
              flush=True)
    print(f"\n{'mode':42}{'rollouts/s':>11}{'(min-max)':>15}{'start-up s':>12}")
    rate = {}
    for name, timings in runs.items():
        rates = [n / t.steady_s for t in timings]
        rate[name] = statistics.median(rates)
        print(f"{MODES[name][0]:42}{rate[name]:11.1f}{f'({min(rates):.1f}-{max(rates):.1f})':>15}"
              f"{statistics.median(t.startup_s for t in timings):12.2f}")
    print(f"\nsequential / serial: {rate['sequential'] / rate['serial']:.2f}")
    def paired(a: str, b: str) -> float:  # the median of per-round ratios: each round's runs share the load
        return statistics.median(y.steady_s / x.steady_s for x, y in zip(runs[a], runs[b], strict=True))

    def best(a: str, b: str) -> float:  # fastest over fastest: the least disturbed rounds (load only slows)
        return min(t.steady_s for t in runs[b]) / min(t.steady_s for t in runs[a])

    print("ratios: of medians | median of per-round ratios | best over best")
    for ray in ("ray", "ray8"):
        print(f"{MODES[ray][0]}:\n  / serial {rate[ray] / rate['serial']:.2f} | {paired(ray, 'serial'):.2f} | "
              f"{best(ray, 'serial'):.2f} (target >= 1.8);  / Pool {rate[ray] / rate['pool']:.2f} | "
              f"{paired(ray, 'pool'):.2f} | {best(ray, 'pool'):.2f} (target >= 0.95)")
    same = len({t.hashes for timings in runs.values() for t in timings}) == 1
    print(f"outcome hashes identical across every mode and round: {'yes' if same else 'NO'}")


def _null_specs(n: int) -> list[RolloutSpec]:
    return [RolloutSpec.create(family="null", family_version=1, seed=i,
                               params={"x": (i % 1000) / 1000, "y": 0.5, "work_ms": 0.0, "pass_below": 0.9})
            for i in range(n)]


class _PeakRss:
    """Samples this process's RSS every 5 ms in a thread; ``peak`` since the last ``reset``."""

    def __init__(self) -> None:
        try:
            import psutil
        except ImportError as exc:
            raise SystemExit("bench_sweep measures memory with psutil: pip install -e '.[test]'") from exc
        self._proc = psutil.Process()
        self.peak = self._proc.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, self._proc.memory_info().rss)

    def reset(self) -> int:
        self.peak = self._proc.memory_info().rss
        return self.peak

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return max(self.peak, self._proc.memory_info().rss)


class _CompactionMark:
    """A store that notes the peak RSS when the driver starts compacting (streaming is over by then)."""

    def __init__(self, store: Any, sampler: _PeakRss) -> None:
        self._store, self._sampler = store, sampler
        self.streaming_peak = 0

    def compact(self, sweep_id: str) -> Any:
        self.streaming_peak = self._sampler.peak
        return self._store.compact(sweep_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def memory_child(n: int, executor: str) -> dict[str, Any]:
    """In a fresh process: RSS before, after creating the sweep's specs, and the peaks while the driver runs."""
    from farm.driver.session import run_sweep
    from farm.execution import ExecutionOptions
    from farm.store import open_store
    from farm.store.base import Manifest

    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp, open(os.devnull, "w") as quiet:
        sampler = _PeakRss()
        store = _CompactionMark(open_store(tmp), sampler)
        base = sampler.reset()
        specs = _null_specs(n)
        store.create_sweep(Manifest(sweep_id=f"mem-20260101T000000Z-{n:06d}", name="mem", code_fingerprint="",
                                    created_at="2026-01-01T00:00:00Z", updated_at="2026-01-01T00:00:00Z",
                                    total=n), specs)
        loaded = sampler.reset()
        started = time.perf_counter()
        report = run_sweep(store, f"mem-20260101T000000Z-{n:06d}", specs=specs,  # type: ignore[arg-type]
                           executor=executor,  # type: ignore[arg-type]
                           options=ExecutionOptions(batch_size=50, num_cpus=CPUS, timeout_s=600.0),
                           stream_to=quiet, tty=False)
        seconds = time.perf_counter() - started
        peak = sampler.stop()
    return {"n": n, "executor": executor, "ran": report.ran, "state": report.state, "seconds": seconds,
            "base_rss": base, "loaded_rss": loaded, "streaming_peak_rss": store.streaming_peak or peak,
            "peak_rss": peak}


def memory(sizes: list[int], executors: list[str]) -> None:
    """One fresh process per (executor, N); prints RSS growth per rollout."""
    print("\ndriver memory (run_sweep, local store, null family, work_ms 0, batch 50), one process per N")
    print("  specs: RSS after expanding and storing the specs; streaming: peak above that until compaction;")
    print("  total: peak above the start, compaction included")
    print(f"{'executor':12}{'N':>8}{'s':>7}{'specs B/rollout':>17}{'streaming MiB':>15}{'total MiB':>11}"
          f"{'total B/rollout':>17}")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH")) if p)}
    for executor in executors:
        for n in sizes:
            out = subprocess.run([sys.executable, __file__, "--memory-child", str(n), "--memory-executor", executor],
                                 capture_output=True, text=True, check=True, env=env).stdout
            m = json.loads(out.strip().splitlines()[-1])
            specs, streaming = m["loaded_rss"] - m["base_rss"], m["streaming_peak_rss"] - m["loaded_rss"]
            total = m["peak_rss"] - m["base_rss"]
            print(f"{executor:12}{n:8d}{m['seconds']:7.1f}{specs / n:17.0f}{streaming / 2**20:15.1f}"
                  f"{total / 2**20:11.1f}{total / n:17.0f}  ({m['state']}, {m['ran']} ran)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="rollouts per throughput run")
    parser.add_argument("--repeats", type=int, default=5, help="interleaved rounds (median reported)")
    parser.add_argument("--memory-sizes", default="10000,100000")
    parser.add_argument("--memory-ray", action="store_true", help="also measure the driver on embedded Ray")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--memory-child", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--memory-executor", default="sequential", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    if args.memory_child:
        print(json.dumps(memory_child(args.memory_child, args.memory_executor)))
        return
    if not args.skip_throughput:
        throughput(args.n, args.repeats)
    if not args.skip_memory:
        memory([int(s) for s in args.memory_sizes.split(",")], ["sequential"] + (["ray"] if args.memory_ray else []))


if __name__ == "__main__":
    main()
