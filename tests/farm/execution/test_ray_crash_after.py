"""A worker that dies after N rollouts loses none of them (a fresh Ray session: worker counts start at 0)."""

from __future__ import annotations

import pytest

from farm.execution import ExecutionOptions, as_completed
from farm.execution.ray_executor import RayExecutor
from farm.result import Status
from tests.farm.execution.specs import fault_spec

pytestmark = pytest.mark.usefixtures("fresh_ray_session")


def test_crash_after_three_keeps_the_finished_three_and_reruns_the_rest_singly(batch_fn: str) -> None:
    batch = [fault_spec("crash_after", i / 10, after_n=3) for i in range(6)]
    executor = RayExecutor(ExecutionOptions(timeout_s=30.0, retries=2), batch_fn=batch_fn)
    try:
        executor.submit(batch)
        results = {r.run_id: r for r in as_completed(executor, poll_s=0.2)}
    finally:
        executor.close()
    assert [results[s.run_id].status for s in batch] == [Status.PASSED] * 6
    first_worker = results[batch[0].run_id].worker
    assert [results[s.run_id].worker for s in batch[:3]] == [first_worker] * 3
    assert [results[s.run_id].attempt for s in batch] == [1, 1, 1, 2, 1, 1]
    assert all(results[s.run_id].worker != first_worker for s in batch[3:])
