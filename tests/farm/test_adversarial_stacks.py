"""Adversarial stacks as mutation tests of the catalogue: every family's nominal case fails with each of them.

The four stacks of ``tests.farm.adversarial_stacks`` are well-formed (they pass
``simfarm stack check``) but drive badly on purpose: an inert one (full brake),
a blind one (full throttle), a cruiser that ignores the lidar and a late braker
that brakes only below a TTC of 1.0 s. A family whose nominal case one of them
passes does not test what it claims, unless its file says why under ``may_pass``
(and then the stack must really pass: a stale excuse is an error too).
Kinematic fidelity for every family, dynamic fidelity for the critical ones; seed 1.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from autonomy.types import GnssFix, LidarScan, Mission, OdometryMsg, SensorFrame, VehicleLimits
from farm.conformance import check_stack
from farm.result import Status
from farm.sim.rollout import run_rollout
from farm.spec import RolloutSpec, StackRef
from scenario_library.catalog import list_families, load_family
from scenario_library.family import Family
from scenario_library.family_schema import MUTANT_STACKS
from tests.farm import adversarial_stacks
from tests.farm.adversarial_stacks import ADVERSARIAL_STACKS


def _ref(stack: str) -> StackRef:
    return StackRef.create(f"tests.farm.adversarial_stacks:{stack}", "default", {})


def test_the_catalogue_validates_may_pass_against_the_shipped_adversarial_stacks() -> None:
    assert MUTANT_STACKS == ADVERSARIAL_STACKS


@pytest.mark.parametrize("stack", ADVERSARIAL_STACKS)
def test_every_adversarial_stack_conforms_so_its_failures_are_driving_failures(stack: str) -> None:
    report = check_stack(_ref(stack))
    assert report.ok, [(c.name, c.detail) for c in report.checks if not c.ok]


def _cases() -> list[Any]:
    out = []
    for family in list_families():
        fidelities = ("kinematic", "dynamic") if family.criticality == "critical" else ("kinematic",)
        out += [pytest.param(family, stack, fidelity, id=f"{family.name}-{stack}-{fidelity}")
                for fidelity in fidelities for stack in ADVERSARIAL_STACKS]
    return out


@pytest.mark.parametrize(("family", "stack", "fidelity"), _cases())
def test_every_family_nominal_case_fails_with_every_adversarial_stack(family: Family, stack: str,
                                                                      fidelity: str) -> None:
    spec = RolloutSpec.create(family=family.name, family_version=family.version, params=family.nominal, seed=1,
                              stack=_ref(stack), fidelity=fidelity)  # type: ignore[arg-type]
    result = run_rollout(spec)
    excuse = next((m.why for m in family.may_pass if m.stack == stack), None)
    detail = f"{family.name}/{stack}/{fidelity}: {result.status.value} {list(result.fail_reasons)} {result.error or ''}"
    if excuse is None:
        assert result.status is Status.FAILED, f"{detail}: the family does not catch the {stack} stack"
    else:
        assert result.status is Status.PASSED, f"{detail}: the may_pass excuse for {stack} is stale, remove it"


def _frame(t_s: float, ranges_m: float) -> SensorFrame:
    angles = np.linspace(-np.pi, np.pi, 8, endpoint=False)
    return SensorFrame(t_s=t_s, lidar=LidarScan(t_s=t_s, angles_rad=angles, ranges_m=np.full(8, ranges_m),
                                                max_range_m=60.0),
                       odometry=OdometryMsg(t_s=t_s, speed_mps=10.0, yaw_rate_radps=0.0),
                       gnss=GnssFix(t_s=t_s, x_m=10.0 + 10.0 * t_s, y_m=0.0, std_m=0.5))


def _mission() -> Mission:
    route = np.column_stack([np.arange(0.0, 300.0, 1.0), np.zeros(300)])
    return Mission(route_xy_m=route, lane_width_m=3.5, speed_limit_mps=12.0, target_speed_mps=12.0, goal_s_m=250.0,
                   initial_x_m=10.0, initial_y_m=0.0, initial_yaw_rad=0.0, initial_speed_mps=10.0)


def test_the_inert_stack_brakes_fully_and_the_blind_one_floors_it_with_the_wheel_straight() -> None:
    limits = VehicleLimits()
    for factory, accel_mps2 in ((adversarial_stacks.inert, -limits.max_decel_mps2),
                                (adversarial_stacks.blind, limits.max_accel_mps2)):
        stack = factory({})
        stack.reset(_mission(), limits, 1)
        for t_s in (0.0, 0.1, 5.0):
            command = stack.step(_frame(t_s, ranges_m=2.0)).command
            assert (command.accel_mps2, command.steer_rad) == (accel_mps2, 0.0)


def test_the_cruiser_drives_to_the_speed_limit_whatever_the_lidar_sees() -> None:
    commands = []
    for ranges_m in (np.inf, 1.0):  # nothing at all, or a wall all around
        stack = adversarial_stacks.cruiser({})
        stack.reset(_mission(), VehicleLimits(), 1)
        commands.append([stack.step(_frame(0.1 * i, ranges_m)).command for i in range(20)])
    assert commands[0] == commands[1]
    assert all(c.accel_mps2 > 0.0 for c in commands[0])  # 10 m/s measured, 12 m/s limit: speeding up


def test_the_late_braker_only_ever_brakes_fully_and_later_than_the_reference() -> None:
    """Behind the braking lead of lead_vehicle_braking: the reference eases off early, the late braker coasts on
    until its own TTC estimate drops below 1.0 s and then stands on the brake (its AEB, -9 m/s^2)."""
    family = load_family("lead_vehicle_braking")
    first_brake_s = {}
    for name, ref in (("reference", StackRef()), ("late_braker", _ref("late_braker"))):
        spec = RolloutSpec.create(family=family.name, family_version=family.version, params=family.nominal, seed=1,
                                  stack=ref, telemetry=True)
        tel = run_rollout(spec).telemetry
        assert tel is not None
        braking = np.asarray(tel.cmd_accel_mps2) < 0.0
        first_brake_s[name] = float(np.asarray(tel.t_s)[braking.argmax()]) if braking.any() else np.inf
        if name == "late_braker":
            assert braking.any()
            np.testing.assert_allclose(np.asarray(tel.cmd_accel_mps2)[braking], -VehicleLimits().max_decel_mps2)
    assert first_brake_s["reference"] + 1.0 < first_brake_s["late_braker"] < np.inf, first_brake_s
