"""The physics-free test families behave exactly as specified (in-process modes only)."""

from __future__ import annotations

from farm.result import Status
from farm.sim.synthetic import run_synthetic, run_synthetic_batch
from tests.farm.execution.specs import fault_spec, null_spec


def test_null_passes_below_threshold_and_fails_at_or_above_it() -> None:
    below = run_synthetic(null_spec(0.4, pass_below=0.5))
    at = run_synthetic(null_spec(0.5, pass_below=0.5))
    assert below.status is Status.PASSED and below.fail_reasons == ()
    assert at.status is Status.FAILED and at.fail_reasons == ("x = 0.5, needs < 0.5",)
    assert below.metrics is not None and below.metrics.route_completion == 0.4


def test_null_outcome_is_deterministic_and_ignores_worker_and_attempt() -> None:
    first = run_synthetic(null_spec(0.3, y=0.7), worker="a", attempt=1)
    second = run_synthetic(null_spec(0.3, y=0.7), worker="b", attempt=3)
    assert first.outcome_hash and first.outcome_hash == second.outcome_hash
    assert run_synthetic(null_spec(0.31, y=0.7)).outcome_hash != first.outcome_hash


def test_null_spins_for_work_ms() -> None:
    result = run_synthetic(null_spec(0.1, work_ms=30.0))
    assert 0.030 <= result.wall_time_s < 0.5
    assert result.sim_time_s == 0.03


def test_fault_raise_becomes_sim_error_with_traceback() -> None:
    result = run_synthetic(fault_spec("raise", 0.2))
    assert result.status is Status.SIM_ERROR
    assert result.error is not None and "Traceback" in result.error and "InjectedFault" in result.error
    assert result.outcome_hash == run_synthetic(fault_spec("raise", 0.2)).outcome_hash


def test_fault_ok_passes_and_unknown_mode_is_a_sim_error() -> None:
    assert run_synthetic(fault_spec("ok", 1.0)).status is Status.PASSED
    assert run_synthetic(fault_spec("melt", 0.5)).status is Status.SIM_ERROR


def test_results_carry_worker_attempt_fingerprint_and_start_time() -> None:
    (result,) = list(run_synthetic_batch([null_spec(0.1)], worker="w:1", attempt=2))
    assert result.worker == "w:1" and result.attempt == 2
    assert result.code_fingerprint.startswith("simfarm ") and result.started_at.endswith("+00:00")
