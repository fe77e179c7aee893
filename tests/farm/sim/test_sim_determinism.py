"""Determinism: same scene + same commands -> bit-identical truth, in a fresh or a reused session."""

from __future__ import annotations

import math

import pytest

from autonomy.types import ControlCommand
from farm.sim.determinism import streams
from farm.sim.sensors import Sensors
from farm.sim.world import SimSession
from scenario_library.scene import (
    Actor,
    IdmFollow,
    SceneSpec,
    ScriptedSpeed,
    SpeedPhase,
    StaticObstacle,
)
from tests.farm.sim.sim_scenes import LANE_PATH, scene, world

LEAD = Actor(actor_id="lead", kind="vehicle", path=LANE_PATH, start_s_m=45.0,
             behaviour=ScriptedSpeed(initial_speed_mps=12.0,
                                     phases=(SpeedPhase(t_s=2.0, accel_mps2=-5.0, target_speed_mps=0.0),)))
BEHIND = Actor(actor_id="behind", kind="vehicle", path=LANE_PATH, start_s_m=0.0,
               behaviour=IdmFollow(leader="ego", initial_speed_mps=12.0))
SCENE = scene(speed_mps=12.0, start_s_m=15.0, actors=(LEAD, BEHIND),
              obstacles=(StaticObstacle(obstacle_id="cone", x_m=90.0, y_m=3.0),))
OTHER = scene(speed_mps=20.0, obstacles=(StaticObstacle(obstacle_id="wall", x_m=30.0, y_m=0.0),))


def _commands() -> list[ControlCommand]:
    return [ControlCommand(accel_mps2=2.0 * math.sin(0.3 * k) - 1.0, steer_rad=0.1 * math.sin(0.2 * k))
            for k in range(40)]


def _run(session: SimSession, spec: SceneSpec, fidelity: str) -> list[tuple[object, ...]]:
    w = world(spec, fidelity, session)
    sensors = Sensors(spec.sensors, streams(7))
    out: list[tuple[object, ...]] = []
    for cmd in _commands():
        frame = sensors.sense(w)
        w.apply(cmd)
        w.step(24)
        out.append((w.ego_state(), w.bodies(), w.contacts(), w.nearest_gap(), frame.lidar.ranges_m.tobytes(),
                    frame.odometry))
    w.close()
    return out


@pytest.mark.parametrize("fidelity", ["dynamic", "kinematic"])
def test_same_scene_and_commands_give_bit_identical_states(fidelity: str) -> None:
    with SimSession() as first:
        reference = _run(first, SCENE, fidelity)
    with SimSession() as second:
        assert _run(second, SCENE, fidelity) == reference
    with SimSession() as reused:
        _run(reused, OTHER, fidelity)  # another world first, on the same client
        _run(reused, OTHER, "dynamic" if fidelity == "kinematic" else "kinematic")
        assert _run(reused, SCENE, fidelity) == reference
    assert reference[-1][0] != reference[0][0]  # it did move
