"""Compare on a million synthetic pairs: how long the JSON takes, the Hodges–Lehmann shifts and the HTML apart.

Run from the repository root::

    PYTHONPATH=. python benchmarks/bench_compare.py [--pairs 1000000] [--changed 0.05] [--store DIR]

Builds (once, or reuses under ``--store``) a baseline and a candidate sweep of ``--pairs`` runs
each in the real store layout, compacted (``benchmarks/synthetic_pairs.py``: a deterministic
simulator's pairs, a ``--changed`` fraction of them re-drawn, measured latency different on
every pair), then times ``simfarm report compare`` with the default gate:

- **read**: both sides' runs (the compare columns only, never ``spec``) through ``Store.read_table``;
- **pair**: the inner join on (scenario_key, fidelity) and the per-pair arrays;
- **JSON**: ``farm.reports.compare.compare`` (read, pair, every statistic, the verdict) plus
  serialising the strict-JSON document — the figure the target is on (≤ 10 s for 10^6 pairs);
  inside it, the Hodges–Lehmann shifts (every family × metric, the latency budget) are timed apart;
- **HTML**: building the page (tables, the figure) and writing the three files, reported apart;
- **CLI**: ``simfarm report compare B C --json`` as a fresh process (imports included).

Wall time and process CPU time per phase; the load average is printed because the machine is shared.
Figures, not a test.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from farm.jsonout import dumps
from farm.reports import compare_stats
from farm.store import open_store

BASE, CAND = "bench-base", "bench-cand"


def _timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=1_000_000)
    parser.add_argument("--changed", type=float, default=0.05, help="fraction of pairs re-drawn on the candidate")
    parser.add_argument("--store", type=Path, default=None, help="reuse/keep the synthetic store here")
    args = parser.parse_args()
    root = args.store or Path(tempfile.mkdtemp(prefix="bench-compare-"))
    store = open_store(str(root))
    print(f"store {root}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    if not (root / "sweeps" / CAND / "manifest.json").exists():
        from benchmarks.synthetic_pairs import make_paired_sweeps

        _, wall, _ = _timed(lambda: make_paired_sweeps(store, BASE, CAND, args.pairs, seed=2026,
                                                       changed=args.changed, regress={"static_obstacle": 0.01}))
        print(f"wrote 2 x {args.pairs:,} runs (changed {args.changed:.0%}) in {wall:.1f} s")
    from farm.reports.compare import compare, compare_report
    from farm.reports.compare_pairs import pair_runs, read_sides
    from farm.reports.gatefile import load_gate
    from farm.reports.output import write_report
    from farm.reports.render import report_json
    from farm.reports.source import parse_target

    gate = load_gate("default")
    sides, wall, cpu = _timed(lambda: read_sides(store, parse_target(BASE), parse_target(CAND), allow_partial=False))
    rows = f"{sides[0].runs.num_rows:,} + {sides[1].runs.num_rows:,} runs"
    print(f"read        {wall:6.2f} s wall {cpu:6.2f} s CPU   ({rows})")
    side_b, side_c = sides
    pairs, wall, cpu = _timed(lambda: pair_runs(side_b, side_c))
    print(f"pair        {wall:6.2f} s wall {cpu:6.2f} s CPU   ({pairs.n:,} pairs)")

    hl_time = [0.0]
    original = compare_stats.hodges_lehmann

    def timed_hl(*a: Any, **k: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*a, **k)
        finally:
            hl_time[0] += time.perf_counter() - start

    compare_stats.hodges_lehmann = timed_hl  # type: ignore[assignment]
    try:
        (data, _), wall, cpu = _timed(lambda: compare(store, BASE, CAND, gate=gate))
        text, jwall, jcpu = _timed(lambda: dumps(data))
    finally:
        compare_stats.hodges_lehmann = original  # type: ignore[assignment]
    print(f"JSON        {wall + jwall:6.2f} s wall {cpu + jcpu:6.2f} s CPU   (of which Hodges-Lehmann "
          f"{hl_time[0]:.2f} s; {len(text) / 1e6:.1f} MB; verdict {data['verdict']['outcome']})")
    report, wall, cpu = _timed(lambda: compare_report(store, BASE, CAND, gate=gate))
    with tempfile.TemporaryDirectory() as out:
        _, hwall, hcpu = _timed(lambda: write_report(report, Path(out)))
    print(f"HTML        {hwall:6.2f} s wall {hcpu:6.2f} s CPU   (page + JSON + Markdown written; the report "
          f"itself {wall:.2f} s)")
    assert report_json(report)["verdict"] == data["verdict"]
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-m", "cli", "report", "compare", BASE, CAND, "--store", str(root), "--json",
               "-o", out]
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        print(f"CLI         {time.perf_counter() - start:6.2f} s wall (exit {proc.returncode}, fresh process)")


if __name__ == "__main__":
    main()
