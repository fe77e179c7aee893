"""Sweep progress: a rich bar on a terminal, plain periodic lines elsewhere, and the final summary table.

The bar shows done/total, rollouts/s, ETA, failures and errors; when output is
not a terminal (a CronJob's log, a detached driver) the same figures go out as
one plain line every ``interval_s``. ``summary_table`` is the per-family table
printed at the end of a sweep.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any, TextIO

from rich import box
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from rich.table import Table

from farm.result import RolloutResult, Status, counts_from_mapping
from farm.wire import WireResult

STATUS_ORDER: tuple[str, ...] = tuple(s.value for s in Status)


class ProgressReporter:
    """Counts results as they stream and shows them (bar or plain lines)."""

    def __init__(self, *, total: int, done: int = 0, label: str = "rollouts", tty: bool | None = None,
                 stream: TextIO | None = None, interval_s: float = 10.0,
                 log_line: Callable[[str], None] | None = None) -> None:
        self.total = total
        self.already_done = done
        self.label = label
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.interval_s = interval_s
        self.log_line = log_line
        self.counts: Counter[str] = Counter()
        self._start = time.monotonic()
        self._last_line = self._start
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    @property
    def done(self) -> int:
        """Results stored so far, including those of earlier sessions."""
        return self.already_done + sum(self.counts.values())

    def rate_per_s(self) -> float:
        """Rollouts per second in this session."""
        elapsed = time.monotonic() - self._start
        return sum(self.counts.values()) / elapsed if elapsed > 0 else 0.0

    def __enter__(self) -> ProgressReporter:
        self._start = self._last_line = time.monotonic()  # the rate counts from the first dispatch
        if self.tty:
            self._bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                                 TextColumn("{task.completed}/{task.total}"), TextColumn("{task.fields[rate]}"),
                                 TextColumn("ETA"), TimeRemainingColumn(), TextColumn("{task.fields[faults]}"),
                                 console=Console(file=self.stream), transient=False)
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=self.total, completed=self.done, rate="",
                                            faults="")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._refresh_bar()
            self._bar.stop()
        self._emit_line()

    def update(self, result: RolloutResult | WireResult) -> None:
        """Count one result."""
        self.counts[result.status.value] += 1

    def refresh(self) -> None:
        """Redraw the bar, or emit a plain line if ``interval_s`` has passed."""
        if self._bar is not None:
            self._refresh_bar()
        now = time.monotonic()
        if now - self._last_line >= self.interval_s:
            self._last_line = now
            if self._bar is None or self.log_line is not None:
                self._emit_line(to_stream=self._bar is None)

    def _refresh_bar(self) -> None:
        assert self._bar is not None and self._task is not None
        self._bar.update(self._task, completed=self.done, rate=f"{self.rate_per_s():.1f}/s",
                         faults=self._faults_text())

    def _faults_text(self) -> str:
        c = counts_from_mapping(self.counts)  # the one counting table
        return f"failures {c.failures}  sim errors {c.excluded}  infra {c.incomplete}"

    def line(self) -> str:
        """``done/total (pct) | rate | ETA | failures | sim errors | infra`` as one plain line."""
        rate = self.rate_per_s()
        left = self.total - self.done
        eta = f"{left / rate:.0f} s" if rate > 0 else "?"
        pct = 100.0 * self.done / self.total if self.total else 100.0
        return f"{self.label}: {self.done}/{self.total} ({pct:.0f}%) | {rate:.1f}/s | ETA {eta} | {self._faults_text()}"

    def _emit_line(self, *, to_stream: bool = True) -> None:
        text = self.line()
        if to_stream and self._bar is None:
            print(text, file=self.stream, flush=True)
        if self.log_line is not None:
            self.log_line(text)


def family_counts(rows: Mapping[str, list[Any]]) -> dict[str, dict[str, int]]:
    """Per-family status counts from ``{"family": [...], "status": [...]}`` columns."""
    out: dict[str, Counter[str]] = {}
    for family, status in zip(rows["family"], rows["status"], strict=True):
        out.setdefault(str(family), Counter())[str(status)] += 1
    return {family: dict(counts) for family, counts in sorted(out.items())}


def pass_rate(counts: Mapping[str, int]) -> float | None:
    """Passed over the runs that count (``farm.result.STATUS_TABLE``: stack errors and timeouts count as
    failures, sim and infra errors do not count); None when nothing counts."""
    return counts_from_mapping(counts).pass_rate


_CAPTION = ("runs: stored; fail: failed, stack_error or timeout; excl: sim_error or infra_error (not counted); "
            "unprev: runs even the reference driver could not save (mitigation, apart from the verdict). "
            "samples, pass, flaky, rate: verdict samples (preventable or no rule); a sample passes when all its "
            "counted seeds pass. 95 % CI: Wilson, random designs only; chosen designs: counts only.")


def summary_table(summary: Mapping[str, Any], *, title: str = "") -> Table:
    """The end-of-sweep table: one row per family × stack × fidelity × design, then one per stack.

    ``summary`` is ``farm.reports.summary.summary_groups`` — the code ``simfarm report summary``
    uses — so the rates and intervals here are the report's, cell for cell (``format_cell``):
    runs by outcome, verdict samples (a sample passes when all its counted seeds pass), flaky
    samples, the sample pass rate and its 95 % Wilson interval (random designs) or "counts only".
    """
    from farm.reports.render import format_cell as cell
    from farm.reports.summary_page import interval_cells

    table = Table(title=title or None, box=box.SIMPLE_HEAD, caption=_CAPTION, caption_justify="left",
                  padding=0, pad_edge=False)
    for name in ("family", "stack", "fidelity", "design"):
        table.add_column(name, no_wrap=True)
    for name in ("runs", "fail", "excl", "unprev", "samples", "pass", "flaky", "rate", "95 % CI"):
        table.add_column(name, justify="right", no_wrap=True, min_width=len(name))
    for g in summary.get("groups", ()):
        runs, v = g["runs"], g["verdict"]
        table.add_row(g["family"], g["stack"], g["fidelity"], g["design"], cell(sum(runs["by_status"].values())),
                      cell(runs["failures"]), cell(runs["excluded"] + runs["incomplete"]),
                      cell(sum(g["mitigation"]["runs"]["by_status"].values())), cell(v["counted"]),
                      cell(v["passed"]), cell(v["flaky"]), cell(v["pass_rate"]), _interval_text(interval_cells(v)))
    for s in summary.get("stacks", ()):
        for label, part in (("all", s["all_designs"]), ("random", s["random_designs"])):
            table.add_row("[bold]all[/bold]", s["stack"], "", label, "", "", "", "", cell(part["counted"]),
                          cell(part["passed"]), cell(part["flaky"]), cell(part["pass_rate"]),
                          _interval_text(interval_cells(part)))
    return table


def _interval_text(cells: tuple[Any, Any, str]) -> str:
    """``low–high`` as the report formats them, ``counts only`` for a chosen design, "—" with nothing counted."""
    from farm.reports.render import format_cell

    low, high, method = cells
    if not method.startswith("Wilson"):
        return "counts only"
    return "—" if low is None or high is None else f"{format_cell(low)}–{format_cell(high)}"
