"""Benchmark: ``report coverage`` of a synthetic compacted sweep (default 1,000,000 runs).

Prints, in seconds: the store read (runs columns + long params table), the JSON
(read + every computation: the body ``report.json`` holds), the page (heatmap PNGs
and layout) and the HTML/JSON/Markdown write. Timings are figures, never pass/fail.

    python benchmarks/bench_report_coverage.py [--rows 1000000] [--store /tmp/simfarm-bench-coverage]

The sweep is made once per store folder by ``benchmarks/synthetic_store.make_synthetic_sweep``
and reused on later runs.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic_store import make_synthetic_sweep

from farm.reports.coverage_report import build
from farm.reports.output import write_report
from farm.reports.source import Target
from farm.store import open_store


def bench_coverage(store_uri: str, sweep_id: str, out: Path) -> dict[str, float]:
    """Time one coverage report of ``sweep_id``; returns the figures [s]."""
    store = open_store(store_uri)
    clock = time.perf_counter()
    built = build(store, [Target(sweep_id=sweep_id)], heatmaps_per_family=2)
    total_build = time.perf_counter() - clock
    clock, cpu = time.perf_counter(), time.process_time()
    write_report(built.report, out)
    write_s, write_cpu_s = time.perf_counter() - clock, time.process_time() - cpu
    return {**built.timings_s, "build_s": total_build, "write_s": write_s, "write_cpu_s": write_cpu_s,
            "runs": float(built.report.data["runs"]), "html_bytes": float((out / "report.html").stat().st_size)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--store", default=os.path.join(tempfile.gettempdir(), "simfarm-bench-coverage"))
    args = parser.parse_args()
    sweep_id = f"synthetic-20261201T020000Z-{args.rows:06x}"[:48]
    store = open_store(args.store)
    if not any(m.sweep_id == sweep_id for m in store.list_sweeps()):
        clock = time.perf_counter()
        make_synthetic_sweep(store, sweep_id, args.rows, seed=1)
        print(f"made {args.rows:,}-run sweep {sweep_id} in {time.perf_counter() - clock:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        figures = bench_coverage(args.store, sweep_id, Path(tmp))
    load = os.getloadavg()[0]
    print(f"report coverage of {int(figures['runs']):,} runs ({os.cpu_count()} cores, load average {load:.1f}):")
    print("                                             wall      CPU")
    for label, key in (("read (runs columns + long params table)", "read"), ("JSON (read + every computation)", "json"),
                       ("page (heatmap PNGs, layout)", "page"), ("write HTML + JSON + Markdown", "write")):
        print(f"  {label:<42} {figures[key + '_s']:6.2f} s {figures[key + '_cpu_s']:6.2f} s")
    print(f"  report.html {figures['html_bytes'] / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
