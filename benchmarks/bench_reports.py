"""Reports on a large synthetic sweep: how long the JSON takes, and the HTML apart from it.

Run from the repository root::

    PYTHONPATH=. python benchmarks/bench_reports.py [--n 1000000] [--store DIR] [--repeats 3]

Builds (once, or reuses under ``--store``) a synthetic sweep of ``--n`` runs in the real store
layout, compacted (``benchmarks/synthetic_store.py``), then times ``simfarm report summary``:

- **read**: the runs (only the summary's columns, never ``spec``) and the events, through
  ``Store.read_table``;
- **compute**: ``farm.reports.summary.compute_summary`` (the JSON body);
- **JSON**: read + compute + serialising the strict-JSON document — the figure the target is on
  (≤ 10 s for 10^6 runs);
- **HTML**: building the page (tables, the figure) and writing the three files, reported apart;
- **CLI**: ``simfarm report summary ID --json`` as a fresh process (imports included).

Each phase prints wall time (median of ``--repeats``) and the process CPU time; the machine's
load average is printed too, because the machine is shared and wall times stretch with it.
Figures, not a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from farm.jsonout import dumps
from farm.store import open_store
from farm.store.base import Store

SWEEP_ID = "synthetic-20261201T020000Z-000001"


def timed(fn: Callable[[], Any], repeats: int) -> tuple[Any, float, float]:
    """(last result, median wall [s], median CPU [s]) of ``repeats`` calls."""
    walls, cpus, result = [], [], None
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return result, statistics.median(walls), statistics.median(cpus)


def synthetic_store(root: Path, n_rows: int, seed: int) -> tuple[Store, float | None]:
    """The store at ``root`` holding the synthetic sweep (made now if absent: its time in seconds)."""
    from benchmarks.synthetic_store import make_synthetic_sweep

    store = open_store(str(root), fsync=False)
    if any(m.sweep_id == SWEEP_ID for m in store.list_sweeps()):
        return store, None
    started = time.perf_counter()
    make_synthetic_sweep(store, SWEEP_ID, n_rows, seed=seed)
    return store, time.perf_counter() - started


def bench_summary(store: Store, repeats: int, out: Path) -> dict[str, float]:
    """Phase timings of the summary report; returns name -> seconds (wall and CPU)."""
    from farm.reports.output import write_report
    from farm.reports.render import report_json
    from farm.reports.source import open_target, parse_target
    from farm.reports.summary import EVENT_COLUMNS, SUMMARY_COLUMNS, compute_summary, summary_report

    target = parse_target(SWEEP_ID)

    def read() -> Any:
        side = open_target(store, target, columns=SUMMARY_COLUMNS, ordered=False)
        return side, store.read_table(SWEEP_ID, "events", columns=EVENT_COLUMNS, ordered=False)

    (side, events), read_s, read_cpu = timed(read, repeats)
    _, compute_s, compute_cpu = timed(lambda: compute_summary(side.runs, events, stack_names=side.stack_names),
                                      repeats)

    def whole_json() -> Any:
        from farm.reports.summary import read_summary

        return dumps(read_summary(store, SWEEP_ID)[1])

    text, json_s, json_cpu = timed(whole_json, repeats)
    report, _, _ = timed(lambda: summary_report(store, SWEEP_ID), 1)
    _, html_s, html_cpu = timed(lambda: write_report(summary_report_pages(report), out), repeats)
    doc = dumps(report_json(report))
    figures = {"read_s": read_s, "read_cpu_s": read_cpu, "compute_s": compute_s, "compute_cpu_s": compute_cpu,
               "json_s": json_s, "json_cpu_s": json_cpu, "html_s": html_s, "html_cpu_s": html_cpu,
               "json_mb": len(text) / 1e6, "document_mb": len(doc) / 1e6,
               "html_mb": (out / "report.html").stat().st_size / 1e6, "runs": float(side.runs.num_rows),
               "events": float(events.num_rows), "groups": float(len(report.data["groups"]))}
    return figures


def summary_report_pages(report: Any) -> Any:
    """The report rebuilt from its JSON body: the page (tables, figure) is the HTML phase's work."""
    from dataclasses import replace

    from farm.reports.summary_page import build_sections, headline_markdown

    return replace(report, sections=build_sections(report.data), markdown=headline_markdown(report.data))


def bench_cli(store_root: Path, out: Path) -> float:
    """Wall time of ``simfarm report summary ID --json`` in a fresh process [s]."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "cli", "report", "summary", SWEEP_ID, "--store", str(store_root),
                    "--json", "-o", str(out)], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="runs in the synthetic sweep")
    parser.add_argument("--store", type=Path, default=None, help="reuse (or create) the synthetic store here")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    root = args.store or Path(tempfile.mkdtemp(prefix="simfarm-bench-reports-"))
    store, made_s = synthetic_store(root, args.n, args.seed)
    if made_s is not None:
        print(f"synthetic sweep of {args.n:,} runs written and compacted in {made_s:.1f} s ({root})")
    out = Path(tempfile.mkdtemp(prefix="simfarm-bench-report-out-"))
    load = os.getloadavg()
    f = bench_summary(store, args.repeats, out)
    cli_s = bench_cli(root, out / "cli")
    after = os.getloadavg()
    print(f"report summary on {int(f['runs']):,} runs, {int(f['events']):,} events, {int(f['groups'])} groups "
          f"(median of {args.repeats}; load average {load[0]:.1f} before, {after[0]:.1f} after, 2 cores)")
    for name, label in (("read", "read runs + events"), ("compute", "compute (JSON body)"),
                        ("json", "JSON total (read + compute + serialise)"), ("html", "HTML + files (apart)")):
        print(f"  {label:42s} {f[name + '_s']:6.2f} s wall  {f[name + '_cpu_s']:6.2f} s CPU")
    print(f"  {'CLI: simfarm report summary --json':42s} {cli_s:6.2f} s wall (fresh process, all files written)")
    print(f"  JSON body {f['json_mb']:.2f} MB, HTML page {f['html_mb']:.2f} MB")


if __name__ == "__main__":
    main()
