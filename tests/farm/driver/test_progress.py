"""Progress lines for logs and the final per-family summary."""

from __future__ import annotations

import io

from rich.console import Console

from farm.driver.progress import ProgressReporter, family_counts, pass_rate, summary_table
from farm.result import RolloutResult, Status
from tests.farm.execution.specs import null_spec


def _result(status: Status) -> RolloutResult:
    return RolloutResult(spec=null_spec(0.5), status=status)


def test_plain_progress_lines_count_failures_and_errors_separately() -> None:
    out = io.StringIO()
    logged: list[str] = []
    with ProgressReporter(total=10, done=2, stream=out, tty=False, interval_s=0.0, log_line=logged.append) as bar:
        for status in (Status.PASSED, Status.FAILED, Status.TIMEOUT, Status.INFRA_ERROR, Status.SIM_ERROR,
                       Status.STACK_ERROR):
            bar.update(_result(status))
        bar.refresh()
    lines = out.getvalue().splitlines()
    assert lines and lines[-1].startswith("rollouts: 8/10 (80%)")
    assert "failures 3  sim errors 1  infra 1" in lines[-1] and logged[-1] == lines[-1]


def test_pass_rate_follows_the_status_table() -> None:
    assert pass_rate({"passed": 3, "failed": 1, "sim_error": 10}) == 0.75
    assert pass_rate({"passed": 3, "stack_error": 1, "timeout": 2}) == 0.5  # a crash or a hang is no escape
    assert pass_rate({"infra_error": 2, "sim_error": 1}) is None


def test_summary_table_has_a_row_per_family_and_a_total() -> None:
    by_family = family_counts({"family": ["a", "a", "b", "b"], "status": ["passed", "failed", "passed", "timeout"]})
    assert by_family == {"a": {"passed": 1, "failed": 1}, "b": {"passed": 1, "timeout": 1}}
    console = Console(file=io.StringIO(), width=120)
    console.print(summary_table(by_family))
    text = console.file.getvalue()
    assert "50.0%" in text and "all" in text and "100.0%" not in text  # b's timeout counts as a failure
