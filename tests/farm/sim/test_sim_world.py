"""Building worlds: mission, intersection scenes, time, session reuse, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autonomy.geometry import straight
from farm.errors import InputError
from farm.sim.determinism import streams
from farm.sim.mission import densify
from farm.sim.sensors import Sensors
from farm.sim.world import SimSession, World
from farm.spec import SimSettings
from scenario_library.scene import (
    Actor,
    EgoStart,
    Lane,
    Road,
    SceneSpec,
    SensorConditions,
    StaticObstacle,
    Trigger,
    WaypointFollow,
)
from tests.farm.sim.sim_scenes import PHYSICS_HZ, polyline, scene, world


def _intersection() -> SceneSpec:
    """Four approaches (one lane each) crossing at the origin; the ego comes from the west."""
    lanes = tuple(
        Lane(lane_id=name, centreline=polyline(straight((-80.0 * math.cos(h), -80.0 * math.sin(h)), h, 160.0,
                                                        step_m=20.0)), speed_limit_mps=13.9)
        for name, h in (("eb", 0.0), ("nb", math.pi / 2), ("wb", math.pi), ("sb", -math.pi / 2)))
    cross = Actor(actor_id="cross", kind="vehicle", path=lanes[1].centreline, start_s_m=50.0,
                  behaviour=WaypointFollow(speed_mps=8.0), trigger=Trigger(t_s=None, ego_within_m=40.0))
    walker = Actor(actor_id="walker", kind="pedestrian", path=((-12.0, -8.0), (-12.0, 8.0)),
                   behaviour=WaypointFollow(speed_mps=1.4))
    return SceneSpec(name="intersection", duration_s=15.0, road=Road(kind="intersection", lanes=lanes),
                     ego=EgoStart(lane_id="eb", start_s_m=10.0, initial_speed_mps=10.0), actors=(cross, walker),
                     crosswalks_s_m=(68.0,))


@pytest.mark.parametrize("fidelity", ["dynamic", "kinematic"])
def test_intersection_scene_with_four_crossing_lanes_builds_and_runs(fidelity: str) -> None:
    spec = _intersection()
    with SimSession() as session:
        w = world(spec, fidelity, session)
        ego = w.ego_state()
        assert (ego.x_m, ego.y_m, ego.yaw_rad) == pytest.approx((-70.0, 0.0, 0.0), abs=1e-6)
        assert [b.body_id for b in w.bodies()] == ["cross", "walker"]
        frame = Sensors(spec.sensors, streams(2)).sense(w)
        w.step(PHYSICS_HZ * 4)
        waiting = w.bodies()[0]
        w.step(PHYSICS_HZ)
        cross = w.bodies()[0]
    assert np.isfinite(frame.lidar.ranges_m).any()  # the walker 58 m ahead and the crossing car
    # the ego (10 m/s from x = -70) comes within 40 m of the crossing car's start (0, -30) at x = -sqrt(40^2 - 30^2)
    fired_s = (70.0 - math.sqrt(40.0**2 - 30.0**2)) / 10.0
    assert (waiting.x_m, waiting.y_m, waiting.vy_mps) == pytest.approx((0.0, -30.0, 0.0), abs=1e-9)
    assert cross.vy_mps == pytest.approx(8.0)
    assert cross.y_m == pytest.approx(-30.0 + 8.0 * (5.0 - fired_s), abs=8.0 / PHYSICS_HZ + 1e-9)


def test_mission_describes_the_ego_lane_densely() -> None:
    spec = _intersection()
    with SimSession() as session:
        mission = world(spec, "kinematic", session).mission()
    steps = np.hypot(*np.diff(mission.route_xy_m, axis=0).T)
    assert steps.max() <= 1.0 + 1e-12
    assert mission.route_xy_m[0].tolist() == [-80.0, 0.0] and mission.route_xy_m[-1].tolist() == [80.0, 0.0]
    assert mission.goal_s_m == pytest.approx(160.0 - 5.0)
    assert (mission.initial_x_m, mission.initial_y_m, mission.initial_speed_mps) == (-70.0, 0.0, 10.0)
    assert [c.centre_s_m for c in mission.crosswalks] == [68.0]
    assert mission.speed_limit_mps == 13.9 and mission.lane_width_m == 3.5


def test_densify_keeps_corners_and_spacing() -> None:
    points = densify(((0.0, 0.0), (2.5, 0.0), (2.5, 3.0)), spacing_m=1.0)
    expected: list[list[float]] = [[0, 0], [2.5 / 3, 0], [5 / 3, 0], [2.5, 0], [2.5, 1], [2.5, 2], [2.5, 3]]
    assert np.allclose(points, expected, atol=1e-12, rtol=0.0)


def test_step_advances_time_in_physics_steps() -> None:
    with SimSession() as session:
        w = World(scene(), fidelity="kinematic", sim=SimSettings(physics_hz=200), session=session,
                  actors_rng=streams(0).actors)
        w.step(50)
        w.step(0)
        assert w.t_s == 0.25


def test_closed_world_leaves_nothing_behind_in_a_reused_session() -> None:
    exact = SensorConditions(lidar_range_noise_std_m=0.0, lidar_dropout_prob=0.0)
    with SimSession() as session:
        boxed = world(scene(obstacles=(StaticObstacle(obstacle_id="box", x_m=20.0, y_m=0.0),), sensors=exact),
                      "dynamic", session)
        assert np.isfinite(Sensors(exact, streams(0)).sense(boxed).lidar.ranges_m).any()
        boxed.close()
        boxed.close()  # idempotent
        empty = world(scene(sensors=exact), "kinematic", session)
        assert np.isinf(Sensors(exact, streams(0)).sense(empty).lidar.ranges_m).all()
        assert empty.nearest_gap() == (math.inf, "")
    session.close()  # idempotent after the context manager closed it
    assert not session.connected


def test_unknown_ego_lane_and_unknown_fidelity_are_input_errors() -> None:
    spec = scene()
    lost = SceneSpec(name="lost", duration_s=5.0, road=spec.road, ego=EgoStart(lane_id="nowhere"))
    with SimSession() as session:
        with pytest.raises(InputError, match="nowhere") as err:
            world(lost, "kinematic", session)
        assert err.value.field == "ego.lane_id" and err.value.exit_code == 2
        with pytest.raises(InputError, match="fidelity"):
            world(spec, "hifi", session)
