"""``simfarm stack check``: the reference stack conforms; each broken stack is caught on its clause."""

from __future__ import annotations

import pytest

from farm.conformance import check_stack
from farm.stacks import resolve_stack


def _failed(entry_point: str) -> dict[str, str]:
    report = check_stack(resolve_stack(entry_point))
    return {c.name: c.detail for c in report.checks if not c.ok}


def test_the_reference_stack_conforms() -> None:
    report = check_stack(resolve_stack("reference"))
    assert report.ok, report
    assert [c.name for c in report.checks] == ["builds", "rate", "runs", "types and limits", "reset clears state",
                                                "deterministic"]


@pytest.mark.parametrize(("entry_point", "clause", "words"), [
    ("tests.farm.broken_stacks:nondeterministic", "deterministic", "differ"),
    ("tests.farm.broken_stacks:nan_command", "types and limits", "non-finite"),
    ("tests.farm.broken_stacks:over_steer", "types and limits", "steer"),
    ("tests.farm.broken_stacks:no_reset", "reset clears state", "differ"),
    ("tests.farm.broken_stacks:bad_rate", "rate", "240"),
    ("tests.farm.broken_stacks:raises_on_build", "builds", "missing calibration"),
    ("tests.farm.broken_stacks:absent", "builds", "no callable"),
    ("tests.farm.broken_stacks:raises_mid_rollout", "runs", "planner diverged"),
])
def test_a_broken_stack_fails_on_the_clause_it_breaks(entry_point: str, clause: str, words: str) -> None:
    failed = _failed(entry_point)
    assert clause in failed, failed
    assert words in failed[clause]
