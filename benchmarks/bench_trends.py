"""``simfarm trends`` over 90 nightly sweeps of ~2,000 rollouts: how long the alert's JSON takes, HTML apart.

Run from the repository root::

    PYTHONPATH=. python benchmarks/bench_trends.py [--nights 90] [--store DIR] [--repeats 3]

Builds (once, or reuses under ``--store``) a series of nightly sweeps shaped like
``nightly.yaml``: the catalogue's 9 families, per family 33 frozen samples × 3 seeds and 128
rotating Sobol samples — 2,043 rollouts a night — written through ``Store.write_results``
and compacted (``benchmarks/synthetic_nightly.py``). Night 45 is partial, a frozen cut_in
sample starts failing on night 60, and static_obstacle's Sobol pass rate drops on night 75.
Then it times:

- **read**: every night's manifest and runs (``RUN_COLUMNS`` only, never ``spec``);
- **JSON**: ``farm.reports.trends.trends_body`` — read, digest, compare, write the trend table —
  plus serialising the strict-JSON document: the figure the target is on (≤ 10 s);
- **HTML**: building the page (its two figures) and writing the three files, reported apart;
- **CLI**: ``simfarm trends --json`` as a fresh process (imports included).

Wall time is the median of ``--repeats``; the machine is shared, so its load average is printed.
Figures, not a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_reports import timed
from benchmarks.synthetic_nightly import NightPlan, dates, write_night
from farm.jsonout import dumps
from farm.store import open_store
from farm.store.base import Store
from scenario_library.catalog import family_names

START = dt.date(2026, 6, 1)


def plans(n_nights: int) -> list[NightPlan]:
    """The series (module docstring): 9 families, 2,043 rollouts a night, three planted events."""
    families = {f: 2 for f in family_names()}
    out = []
    for i, day in enumerate(dates(START, n_nights)):
        out.append(NightPlan(date=day, families=families, frozen_samples=33, sobol_samples=128, seed=11,
                             frozen_failing={"cut_in": frozenset({5})} if i >= 60 else {},
                             sobol_pass_p={"static_obstacle": 0.7 if i >= 75 else 0.92},
                             state="partial" if i == 45 else "complete", keep=0.6 if i == 45 else 1.0))
    return out


def series_store(root: Path, n_nights: int) -> tuple[Store, float | None]:
    """The store holding the series (written now if it has fewer nights: the time it took)."""
    store = open_store(str(root), fsync=False)
    have = {m.created_at[:10] for m in store.list_sweeps() if m.name == "nightly"}
    todo = [p for p in plans(n_nights) if p.date.isoformat() not in have]
    if not todo:
        return store, None
    started = time.perf_counter()
    for k, plan in enumerate(todo, 1):
        manifest = write_night(store, plan)
        store.compact(manifest.sweep_id)
        if k % 10 == 0:
            print(f"  wrote {k}/{len(todo)} nights", file=sys.stderr, flush=True)
    return store, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nights", type=int, default=90)
    parser.add_argument("--store", type=Path, default=None, help="reuse (or create) the series here")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    root = args.store or Path(tempfile.mkdtemp(prefix="bench-trends-")) / "store"
    store, built = series_store(root, args.nights)
    from farm.reports.output import write_report
    from farm.reports.trends import trends_body, trends_report
    from farm.reports.trends_data import read_nights

    nights, read_s, read_cpu = timed(lambda: read_nights(store), args.repeats)
    rows = sum(n.runs.num_rows for n in nights)
    print(f"store: {root} ({len(nights)} nights, {rows:,} runs read)"
          + (f"; written in {built:.0f} s" if built is not None else "; reused"))
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"read   {read_s:6.2f} s wall  {read_cpu:6.2f} s CPU   manifests + runs ({len(nights)} nights)")
    body, json_s, json_cpu = timed(lambda: dumps(trends_body(store)[1]), args.repeats)
    print(f"JSON   {json_s:6.2f} s wall  {json_cpu:6.2f} s CPU   read + compare + trend table + strict JSON "
          f"({len(body) / 1e6:.1f} MB)")
    out = Path(tempfile.mkdtemp(prefix="bench-trends-html-"))
    _, html_s, html_cpu = timed(lambda: write_report(trends_report(store), out), args.repeats)
    print(f"HTML   {html_s:6.2f} s wall  {html_cpu:6.2f} s CPU   the whole report: JSON + page + figures + files "
          f"({(out / 'report.html').stat().st_size / 1e6:.1f} MB page)")
    started = time.perf_counter()
    cli = subprocess.run([sys.executable, "-m", "cli", "trends", "--store", str(root), "-o", str(out), "--json"],
                         capture_output=True, text=True, check=False)
    print(f"CLI    {time.perf_counter() - started:6.2f} s wall (fresh process, exit {cli.returncode})")
    latest = __import__("json").loads(cli.stdout)["latest"] if cli.stdout else {}
    print(f"alert: {latest.get('alert')}, flagged frozen runs {len(latest.get('flagged', []))}, "
          f"rate drops {[f['family'] for f in latest.get('rate_flags', [])]}")


if __name__ == "__main__":
    main()
