"""Full braking from 20 m/s stops in v^2 / (2 mu g) in both fidelities.

Golden value: with the tyres at the friction limit the deceleration is mu g, so
the stopping distance of uniform deceleration is d = v^2 / (2 mu g)
(e.g. Wong, *Theory of Ground Vehicles*, 4th ed., sec. 3.4; AASHTO braking distance).
"""

from __future__ import annotations

import pytest

from autonomy.types import ControlCommand
from farm.sim.ego import GRAVITY_MPS2
from farm.sim.world import SimSession
from tests.farm.sim.sim_scenes import scene, world

START_SPEED_MPS = 20.0


def _stop(fidelity: str, mu: float) -> tuple[float, float]:
    """Distance [m] and time [s] from full-brake onset to standstill."""
    with SimSession() as session:
        w = world(scene(speed_mps=START_SPEED_MPS, mu=mu), fidelity, session)
        w.step(12)  # let the dynamic car settle on its tyres first
        start = w.ego_state()
        t0 = w.t_s
        w.apply(ControlCommand(accel_mps2=-w.limits.max_decel_mps2, steer_rad=0.0))
        while w.ego_state().speed_mps > 0.01 and w.t_s - t0 < 30.0:
            w.step(1)
        end = w.ego_state()
        return end.x_m - start.x_m, w.t_s - t0


@pytest.mark.parametrize("fidelity", ["dynamic", "kinematic"])
@pytest.mark.parametrize("mu", [0.8, 0.3])
def test_full_brake_from_20_mps_stops_in_v2_over_2_mu_g(fidelity: str, mu: float) -> None:
    distance_m, time_s = _stop(fidelity, mu)
    expected_m = START_SPEED_MPS**2 / (2.0 * mu * GRAVITY_MPS2)
    assert distance_m == pytest.approx(expected_m, rel=0.10)
    assert time_s == pytest.approx(START_SPEED_MPS / (mu * GRAVITY_MPS2), rel=0.10)


def test_full_brake_keeps_the_dynamic_car_straight() -> None:
    with SimSession() as session:
        w = world(scene(speed_mps=START_SPEED_MPS, mu=0.8), "dynamic", session)
        w.apply(ControlCommand(accel_mps2=-w.limits.max_decel_mps2, steer_rad=0.0))
        w.step(240 * 4)
        end = w.ego_state()
    assert abs(end.speed_mps) < 0.05
    assert abs(end.y_m) < 0.1
    assert abs(end.yaw_rad) < 0.02


def test_gentle_braking_decelerates_at_the_commanded_rate() -> None:
    for fidelity in ("dynamic", "kinematic"):
        with SimSession() as session:
            w = world(scene(speed_mps=START_SPEED_MPS, mu=0.9), fidelity, session)
            w.apply(ControlCommand(accel_mps2=-2.0, steer_rad=0.0))
            w.step(240)
            assert w.ego_state().speed_mps == pytest.approx(START_SPEED_MPS - 2.0, abs=0.1), fidelity
            assert w.ego_state().accel_mps2 == pytest.approx(-2.0, abs=0.1), fidelity
