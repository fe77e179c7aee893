"""The in-process executor and the feeding loops of the Executor protocol."""

from __future__ import annotations

from farm.execution import ExecutionOptions, as_completed, batches, stream
from farm.execution.sequential import SequentialExecutor
from farm.result import Status
from farm.sim.synthetic import run_synthetic
from tests.farm.execution.conftest import SYNTHETIC_BATCH_FN
from tests.farm.execution.specs import fault_spec, null_spec


def test_batches_split_by_size_and_by_attempt_number() -> None:
    specs = [null_spec(i / 10) for i in range(5)]
    work = [(specs[0], 1), (specs[1], 1), (specs[2], 1), (specs[3], 2), (specs[4], 2)]
    grouped = [([s.run_id for s in batch], attempt) for batch, attempt in batches(work, 2)]
    assert grouped == [([specs[0].run_id, specs[1].run_id], 1), ([specs[2].run_id], 1),
                       ([specs[3].run_id, specs[4].run_id], 2)]


def test_sequential_yields_one_result_per_spec_equal_to_a_direct_run() -> None:
    specs = [null_spec(i / 10, pass_below=0.5) for i in range(10)]
    executor = SequentialExecutor(ExecutionOptions(batch_size=3), batch_fn=SYNTHETIC_BATCH_FN)
    results = list(stream(executor, ((s, 1) for s in specs), batch_size=3))
    assert [r.run_id for r in results] == [s.run_id for s in specs]
    assert [r.outcome_hash for r in results] == [run_synthetic(s).outcome_hash for s in specs]
    assert [r.status for r in results] == [Status.PASSED] * 5 + [Status.FAILED] * 5


def test_stream_keeps_at_most_max_in_flight_batches_queued() -> None:
    executor = SequentialExecutor(ExecutionOptions(max_in_flight=2), batch_fn=SYNTHETIC_BATCH_FN)
    peak = 0

    def tick() -> None:
        nonlocal peak
        peak = max(peak, executor.in_flight())

    specs = [null_spec(i / 100) for i in range(40)]
    assert len(list(stream(executor, ((s, 1) for s in specs), batch_size=4, tick=tick))) == 40
    assert peak <= 2 * 4


def test_a_hang_times_out_by_alarm_and_its_batch_mates_run() -> None:
    specs = [null_spec(0.1), fault_spec("hang", 0.2), null_spec(0.3), null_spec(0.4)]
    executor = SequentialExecutor(ExecutionOptions(timeout_s=0.3), batch_fn=SYNTHETIC_BATCH_FN)
    executor.submit(specs)
    results = {r.run_id: r for r in as_completed(executor)}
    assert set(results) == {s.run_id for s in specs}
    assert results[specs[1].run_id].status is Status.TIMEOUT
    assert 0.3 <= results[specs[1].run_id].wall_time_s < 2.0
    assert [results[s.run_id].status for s in (specs[0], specs[2], specs[3])] == [Status.PASSED] * 3


def test_stop_ends_the_stream_without_submitting_more() -> None:
    executor = SequentialExecutor(ExecutionOptions(), batch_fn=SYNTHETIC_BATCH_FN)
    seen = []
    for result in stream(executor, ((null_spec(i / 100), 1) for i in range(50)), batch_size=5,
                         stop=lambda: len(seen) >= 7):
        seen.append(result)
    assert 7 <= len(seen) < 50
    executor.close()
    assert executor.in_flight() == 0
