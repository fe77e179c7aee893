"""The closed loop, specified by behaviour: real pybullet, the reference stack, real families."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from farm.result import Status
from farm.sim.rollout import run_batch, run_rollout
from farm.spec import RolloutSpec, StackRef
from scenario_library.catalog import load_family

ROOT = Path(__file__).resolve().parents[2]


def _spec(family: str, seed: int = 1, fidelity: str = "kinematic", **overrides: object) -> RolloutSpec:
    fam = load_family(family)
    return RolloutSpec.create(family=fam.name, family_version=fam.version, params=fam.resolve(overrides),
                              seed=seed, fidelity=fidelity)  # type: ignore[arg-type]


@pytest.mark.parametrize("fidelity", ["kinematic", "dynamic"])
def test_the_ego_at_nominal_speed_stops_before_a_static_obstacle_without_contact(fidelity: str) -> None:
    # avoid_left_m = 0: the mission forbids leaving the lane, so the only safe answer is to stop.
    result = run_rollout(_spec("static_obstacle", fidelity=fidelity, avoid_left_m=0.0), telemetry=True)
    assert result.metrics is not None and result.telemetry is not None
    assert not result.metrics.collision
    assert 0.5 <= result.metrics.min_distance_m <= 6.0
    assert abs(result.telemetry.v_mps[-1]) < 0.2


@pytest.mark.parametrize("fidelity", ["kinematic", "dynamic"])
def test_a_lead_crash_stopping_at_a_short_gap_triggers_aeb_and_it_is_recorded(fidelity: str) -> None:
    result = run_rollout(_spec("lead_vehicle_braking", fidelity=fidelity, ego_speed_mps=15.0, gap_m=12.0,
                               lead_decel_mps2=9.0, brake_time_s=0.0))
    assert result.metrics is not None
    aeb = [e for e in result.events if e.kind == "aeb"]
    assert aeb and result.metrics.safety_triggers >= 1
    assert 0.0 < aeb[0].t_s < 5.0


def test_nominal_pedestrian_crossing_passes_and_an_impossible_one_fails_with_a_reason() -> None:
    fam = load_family("pedestrian_crossing")
    assert run_rollout(_spec("pedestrian_crossing")).status is Status.PASSED
    edge = next(e for e in fam.edge_cases if e["name"] == "child_steps_out_behind_parked_car")
    failed = run_rollout(_spec("pedestrian_crossing", **edge["params"]))
    assert failed.status is Status.FAILED
    assert any(reason.startswith("collision = true") for reason in failed.fail_reasons)
    assert any(e.kind == "collision" for e in failed.events)


def test_the_same_spec_gives_the_same_outcome_hash_in_another_process() -> None:
    spec = _spec("cut_in", seed=4)
    code = ("import sys; from farm.spec import RolloutSpec; from farm.sim.rollout import run_rollout;"
            "print(run_rollout(RolloutSpec.from_json(sys.stdin.read())).outcome_hash)")
    other = subprocess.run([sys.executable, "-c", code], input=spec.to_json(), capture_output=True, text=True,
                           cwd=ROOT, check=True).stdout.strip().splitlines()[-1]
    assert other == run_rollout(spec).outcome_hash


@pytest.mark.parametrize("fidelity", ["kinematic", "dynamic"])
def test_a_rollout_alone_equals_the_same_rollout_in_the_middle_of_a_reused_client_batch(fidelity: str) -> None:
    target = _spec("lead_vehicle_braking", seed=3, fidelity=fidelity, gap_m=20.0)
    batch = [_spec("pedestrian_crossing", seed=2, fidelity=fidelity), target,
             _spec("static_obstacle", seed=5, fidelity=fidelity)]
    in_batch = list(run_batch(batch))[1]
    alone = run_rollout(target)
    assert in_batch.run_id == alone.run_id and in_batch.outcome_hash == alone.outcome_hash
    assert in_batch.metrics == alone.metrics and in_batch.events == alone.events


def test_a_different_seed_changes_noise_but_keeps_the_scenario() -> None:
    a, b = _spec("sensor_degradation", seed=1), _spec("sensor_degradation", seed=2)
    assert a.scenario_key != b.scenario_key
    ra, rb = run_rollout(a), run_rollout(b)
    assert ra.metrics != rb.metrics


def test_a_stack_that_cannot_be_imported_is_a_stack_error_with_a_traceback() -> None:
    result = run_rollout(_spec_with_stack("no_such_pkg.mod:build"))
    assert result.status is Status.STACK_ERROR and result.metrics is None
    assert "no_such_pkg" in (result.error or "") and "Traceback" in (result.error or "")
    assert result.outcome_hash


@pytest.mark.parametrize(("entry_point", "words"), [
    ("tests.farm.broken_stacks:raises_mid_rollout", "the stack's step raised RuntimeError: planner diverged"),
    ("tests.farm.broken_stacks:nan_command", "non-finite command"),
    ("tests.farm.broken_stacks:over_steer", "steer 1.5 rad outside"),
    ("tests.farm.broken_stacks:bad_rate", "rate_hz=7.0, the simulator at stack_hz=10"),
    ("tests.farm.broken_stacks:raises_on_build", "the stack's factory raised RuntimeError"),
    ("tests.farm.broken_stacks:returns_none", "step returned NoneType"),
])
def test_a_stack_that_breaks_its_contract_mid_rollout_is_a_stack_error_that_counts(entry_point: str,
                                                                                   words: str) -> None:
    result = run_rollout(_spec_with_stack(entry_point))
    assert result.status is Status.STACK_ERROR, result.error
    assert words in (result.error or "").strip().splitlines()[-1]
    assert result.status.counts_in_pass_rate and result.status.is_failure


def _spec_with_stack(entry_point: str) -> RolloutSpec:
    fam = load_family("lead_vehicle_braking")
    return RolloutSpec.create(family=fam.name, family_version=fam.version, params=fam.nominal, seed=1,
                              stack=StackRef.create(entry_point))


def test_a_spec_for_another_family_version_is_refused_as_sim_error() -> None:
    fam = load_family("lead_vehicle_braking")
    spec = RolloutSpec.create(family=fam.name, family_version=fam.version + 1, params=fam.nominal, seed=1)
    result = run_rollout(spec)
    assert result.status is Status.SIM_ERROR and "version" in (result.error or "")


def test_rows_carry_fingerprint_odd_tags_and_latency_but_the_hash_ignores_wall_time() -> None:
    r1, r2 = run_rollout(_spec("curve_following")), run_rollout(_spec("curve_following"))
    assert r1.code_fingerprint.startswith("simfarm ") and "stack:autonomy.reference" in r1.code_fingerprint
    assert "road_type=curve" in r1.odd_tags
    modules = {x.module for x in r1.latency}
    assert {"perception", "localization", "planning", "control", "safety", "total"} <= modules
    assert r1.outcome_hash == r2.outcome_hash and r1.latency != () and r1.wall_time_s > 0


def test_a_dynamic_ego_that_bounces_off_a_car_between_two_ticks_still_collides() -> None:
    # The crash stop 4 m ahead at 20 m/s is the family's documented failing edge; the dynamic ego
    # hits the (kinematic) lead box and bounces clear within one 0.1 s tick.
    fam = load_family("lead_vehicle_braking")
    edge = next(e for e in fam.edge_cases if e["name"] == "crash_stop_at_short_gap")
    result = run_rollout(_spec("lead_vehicle_braking", fidelity="dynamic", **edge["params"]))
    assert result.metrics is not None and result.metrics.collision
    assert any(e.kind == "collision" for e in result.events)


def test_every_rollout_carries_the_reference_drivers_verdict_independent_of_seed_stack_and_fidelity() -> None:
    fam = load_family("lead_vehicle_braking")
    edge = next(e for e in fam.edge_cases if e["name"] == "crash_stop_at_short_gap")["params"]
    nominal = [run_rollout(_spec("lead_vehicle_braking", seed=s, fidelity=f)).preventability
               for s, f in ((1, "kinematic"), (2, "dynamic"))]
    assert nominal[0] == nominal[1] and nominal[0] is not None
    assert nominal[0].preventable is True and nominal[0].rule == "lead_vehicle_braking@1"
    crash = run_rollout(_spec("lead_vehicle_braking", **edge)).preventability
    assert crash is not None and crash.preventable is False and (crash.ref_impact_speed_mps or 0.0) > 10.0
    broken = run_rollout(RolloutSpec.create(family=fam.name, family_version=fam.version, params=fam.nominal, seed=1,
                                            stack=StackRef.create("tests.farm.broken_stacks:raises_mid_rollout")))
    assert broken.status is Status.STACK_ERROR and broken.preventability == nominal[0]
