"""Ego vehicle behaviour: constant speed, curve following, grip limits, steering limits."""

from __future__ import annotations

import math

import pytest

from autonomy.geometry import arc, straight
from autonomy.types import ControlCommand
from farm.sim.ego import GRAVITY_MPS2
from farm.sim.world import SimSession
from scenario_library.scene import Lane
from tests.farm.sim.sim_scenes import COAST, PHYSICS_HZ, polyline, scene, world

RADIUS_M = 60.0


def _curve_lane() -> Lane:
    """A 60 m-radius left turn of 120 degrees from the origin, heading east."""
    return Lane(lane_id="curve", centreline=polyline(arc((0.0, 0.0), 0.0, RADIUS_M, math.radians(120.0))))


def test_kinematic_ego_with_zero_command_keeps_its_speed_and_heading_on_a_straight_lane() -> None:
    with SimSession() as session:
        w = world(scene(speed_mps=15.0), "kinematic", session)
        w.apply(COAST)
        w.step(PHYSICS_HZ * 10)
        ego = w.ego_state()
    assert ego.speed_mps == 15.0
    assert ego.x_m == pytest.approx(150.0, abs=1e-6)
    assert ego.y_m == 0.0 and ego.yaw_rad == 0.0


def test_kinematic_ego_with_zero_command_keeps_its_speed_on_a_curved_lane() -> None:
    with SimSession() as session:
        w = world(scene(speed_mps=12.0, lane=_curve_lane(), start_s_m=20.0), "kinematic", session)
        start = w.ego_state()
        speeds = []
        for _ in range(50):
            w.step(24)
            speeds.append(w.ego_state().speed_mps)
        end = w.ego_state()
    assert speeds == [12.0] * 50
    assert end.yaw_rad == pytest.approx(start.yaw_rad, abs=1e-12)  # no steer, no turn
    assert math.hypot(end.x_m - start.x_m, end.y_m - start.y_m) == pytest.approx(60.0, abs=1e-6)


def test_kinematic_ego_steered_at_the_arc_curvature_stays_on_the_arc() -> None:
    with SimSession() as session:
        w = world(scene(speed_mps=10.0, lane=_curve_lane()), "kinematic", session)
        steer = math.atan(w.limits.wheelbase_m / RADIUS_M)
        w.apply(ControlCommand(accel_mps2=0.0, steer_rad=steer))
        w.step(PHYSICS_HZ)  # steering ramps up at max_steer_rate: ~0.06 s
        offsets = []
        for _ in range(80):
            w.step(24)
            ego = w.ego_state()
            offsets.append(w.route.project(ego.x_m, ego.y_m)[1])
    assert ego.yaw_rate_radps == pytest.approx(10.0 / RADIUS_M, rel=1e-9)
    # the 0.06 s steering ramp leaves a ~5 mrad heading lag: a bounded offset of about R * 5 mrad
    assert max(abs(o) for o in offsets) < 0.35
    assert ego.speed_mps == 10.0


def test_dynamic_ego_holds_20_mps_with_a_p_controller() -> None:
    with SimSession() as session:
        w = world(scene(speed_mps=15.0), "dynamic", session)
        errors = []
        for tick in range(150):
            speed = w.ego_state().speed_mps
            w.apply(ControlCommand(accel_mps2=1.5 * (20.0 - speed), steer_rad=0.0))
            w.step(24)
            if tick >= 50:  # 5 s to reach the set point
                errors.append(abs(w.ego_state().speed_mps - 20.0))
        ego = w.ego_state()
    assert max(errors) < 0.5
    assert abs(ego.y_m) < 0.5  # and it drove straight


@pytest.mark.parametrize("mu", [0.5, 0.9])
def test_kinematic_hard_steer_is_capped_at_mu_g(mu: float) -> None:
    with SimSession() as session:
        w = world(scene(speed_mps=20.0, mu=mu), "kinematic", session)
        w.apply(ControlCommand(accel_mps2=0.0, steer_rad=w.limits.max_steer_rad))
        lateral = []
        for _ in range(30):
            w.step(24)
            lateral.append(abs(w.ego_state().lat_accel_mps2))
    uncapped = 20.0**2 * math.tan(0.6) / 2.8
    assert uncapped > 10.0 * mu * GRAVITY_MPS2
    assert max(lateral) <= mu * GRAVITY_MPS2 * (1.0 + 1e-9)
    assert lateral[-1] == pytest.approx(mu * GRAVITY_MPS2, rel=1e-6)


def test_dynamic_hard_steer_stays_within_grip() -> None:
    mu = 0.5
    with SimSession() as session:
        w = world(scene(speed_mps=20.0, mu=mu), "dynamic", session)
        w.apply(ControlCommand(accel_mps2=0.0, steer_rad=w.limits.max_steer_rad))
        lateral = []
        for _ in range(60):
            w.step(6)
            lateral.append(abs(w.ego_state().lat_accel_mps2))
    assert max(lateral) <= 1.1 * mu * GRAVITY_MPS2
    assert max(lateral) >= 0.7 * mu * GRAVITY_MPS2


@pytest.mark.parametrize("fidelity", ["dynamic", "kinematic"])
def test_steering_follows_the_command_at_the_rate_limit(fidelity: str) -> None:
    with SimSession() as session:
        w = world(scene(speed_mps=5.0), fidelity, session)
        w.apply(ControlCommand(accel_mps2=0.0, steer_rad=1.5))  # beyond max_steer
        w.step(PHYSICS_HZ // 4)
        quarter_s = w.ego_state().steer_rad
        w.step(PHYSICS_HZ * 2)
        settled = w.ego_state().steer_rad
    assert quarter_s == pytest.approx(0.25 * w.limits.max_steer_rate_radps, abs=1e-9)
    assert settled == pytest.approx(w.limits.max_steer_rad, abs=1e-12)


def test_accelerating_kinematic_ego_is_capped_by_the_actuator_limit() -> None:
    with SimSession() as session:
        w = world(scene(speed_mps=0.0, mu=0.9), "kinematic", session)
        w.apply(ControlCommand(accel_mps2=10.0, steer_rad=0.0))
        w.step(PHYSICS_HZ)
        ego = w.ego_state()
    assert ego.speed_mps == pytest.approx(w.limits.max_accel_mps2, abs=1e-9)
    assert ego.accel_mps2 == pytest.approx(w.limits.max_accel_mps2, abs=1e-9)


def test_braking_never_reverses_the_car() -> None:
    for fidelity in ("dynamic", "kinematic"):
        with SimSession() as session:
            w = world(scene(speed_mps=2.0), fidelity, session)
            w.apply(ControlCommand(accel_mps2=-3.0, steer_rad=0.0))
            w.step(PHYSICS_HZ * 3)
            assert abs(w.ego_state().speed_mps) < 0.01, fidelity


def test_straight_helper_is_a_straight_lane() -> None:
    # the scenes above rely on the lane helper running along +x from the origin
    points = straight((0.0, 0.0), 0.0, 100.0, step_m=50.0)
    assert points.tolist() == [[0.0, 0.0], [50.0, 0.0], [100.0, 0.0]]
