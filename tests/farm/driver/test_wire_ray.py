"""Ray workers return wire results in groups: still exactly once, a hang still a ``timeout``, a crash still retried."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from farm.execution import ExecutionOptions, as_completed
from farm.execution.ray_executor import RayExecutor
from farm.execution.ray_worker import grouped
from farm.result import Status
from farm.sim.rollout import run_rollout
from farm.wire import RUN_COLUMNS, WireResult
from tests.farm.execution.specs import fault_spec, null_spec


def test_groups_go_when_their_time_is_up_and_at_the_end_in_order() -> None:
    def slow(n: int) -> Iterator[int]:
        for i in range(n):
            time.sleep(0.02)
            yield i

    groups = list(grouped(slow(12), 0.07))
    assert [i for g in groups for i in g] == list(range(12))
    assert 2 <= len(groups) <= 6 and all(groups)
    assert list(grouped(iter(range(5)), 10.0)) == [[0, 1, 2, 3, 4]]  # fast rollouts: one group per batch


@pytest.fixture
def executor(ray_session: None, batch_fn: str) -> Iterator[RayExecutor]:
    ex = RayExecutor(ExecutionOptions(batch_size=4, timeout_s=1.5, retries=1), batch_fn=batch_fn, wire=True,
                     group_s=0.3)
    yield ex
    ex.close()


@pytest.mark.parametrize(("mode", "status", "attempt"), [("hang", Status.TIMEOUT, 1), ("exit", Status.INFRA_ERROR, 2)])
def test_a_fault_in_a_grouped_batch_marks_only_its_rollout(executor: RayExecutor, mode: str, status: Status,
                                                           attempt: int) -> None:
    batch = [null_spec(0.11), fault_spec(mode, 0.5), null_spec(0.33), null_spec(0.44)]
    executor.submit(batch)
    started = time.monotonic()
    results = list(as_completed(executor, poll_s=0.2))
    by_run = {r.run_id: r for r in results}
    assert len(by_run) == len(results) == 4, "every run exactly once"
    faulty = by_run[batch[1].run_id]
    assert faulty.status is status and faulty.attempt == attempt
    for spec in (batch[0], batch[2], batch[3]):  # never failed for it: re-run singly (a dispatch more after a crash)
        mate = by_run[spec.run_id]
        assert isinstance(mate, WireResult)
        assert (mate.status, mate.attempt) == (Status.PASSED, attempt)
        assert mate.runs[RUN_COLUMNS.index("outcome_hash")] == run_rollout(spec).outcome_hash
    if mode == "hang":  # grouped run killed after 1.5 + 0.3 s, the single re-run after 1.5 s
        assert time.monotonic() - started >= 3.0
