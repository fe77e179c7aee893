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


def test_summary_table_has_a_row_per_group_and_per_stack() -> None:
    import pyarrow as pa

    from farm.reports.summary import summary_groups

    by_family = family_counts({"family": ["a", "a", "b", "b"], "status": ["passed", "failed", "passed", "timeout"]})
    assert by_family == {"a": {"passed": 1, "failed": 1}, "b": {"passed": 1, "timeout": 1}}
    runs = pa.table({"family": ["a", "a", "b", "b"], "family_version": [1] * 4, "stack_id": ["s"] * 4,
                     "fidelity": ["kinematic"] * 4, "design": ["grid"] * 4, "params": ["{}", "{}", "{}", "{}"],
                     "seed": [1, 2, 1, 2], "status": ["passed", "failed", "passed", "timeout"],
                     "preventable": [True] * 4})
    console = Console(file=io.StringIO(), width=160)
    console.print(summary_table(summary_groups(runs, {"s": "ref"})))
    text = console.file.getvalue()
    # each family is one sample whose two seeds disagree (b's timeout counts as a failure): flaky, 0 of 1 passes
    assert sum(line.rstrip().endswith("counts only") for line in text.splitlines()) == 3 and "random" in text
    assert [line.split()[5] for line in text.splitlines() if line.split()[:1] == ["a"]] == ["1"]  # a's failure
