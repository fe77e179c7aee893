"""Planning, closed loop through the whole stack: stop, pass, follow, yield, corner, goal."""

from __future__ import annotations

import math

import numpy as np

from autonomy.config import PlanningConfig
from autonomy.geometry import arc, straight
from autonomy.planning import IdmRoutePlanner, PlanningInput
from autonomy.prediction import PredictionOutput
from autonomy.reference import build_stack
from autonomy.route import RouteFrame
from autonomy.tracking import TrackingOutput
from autonomy.types import Crosswalk, EgoEstimate, Mission, VehicleLimits
from tests.autonomy.autonomy_synth import Box, World, drive, straight_mission


def _run(world: World, seconds: float, config: dict | None = None) -> list:
    stack = build_stack(config or {})
    stack.reset(world.mission, world.limits, seed=1)
    return drive(stack, world, int(seconds * world.rate_hz))


def _clearance_m(world: World, box: Box) -> float:
    """Smallest distance between the ego's footprint and an axis-aligned box (straight road along x)."""
    lim = world.limits
    ego_x0, ego_x1 = world.x_m - lim.rear_overhang_m, world.x_m + lim.length_m - lim.rear_overhang_m
    dx = max(box.x_m - 0.5 * box.length_m - ego_x1, ego_x0 - (box.x_m + 0.5 * box.length_m), 0.0)
    dy = max(abs(box.y_m - world.y_m) - 0.5 * (box.width_m + lim.width_m), 0.0)
    return math.hypot(dx, dy)


def test_stops_about_3_m_behind_a_static_obstacle_in_the_lane_and_stays_stopped() -> None:
    box = Box(x_m=80.0, y_m=0.2)
    world = World(mission=straight_mission(speed_mps=12.0), boxes=[box], seed=2)
    outputs = _run(world, 25.0)
    assert world.v_mps < 0.05
    assert 2.0 < world.front_gap_m(box) < 4.0
    assert [o.mode for o in outputs[-20:]] == ["stopped"] * 20
    assert all(o.command.accel_mps2 < 0.0 for o in outputs[-20:])
    assert not any(e.kind == "aeb" for o in outputs for e in o.events)


def test_planner_targets_zero_speed_behind_a_static_obstacle() -> None:
    mission = straight_mission(speed_mps=12.0)
    planner = IdmRoutePlanner(PlanningConfig(), mission, VehicleLimits(), RouteFrame(mission.route_xy_m))
    tracks = TrackingOutput(track_id=np.array([1]), centre_xy_m=np.array([[46.8, 0.0]]), velocity_mps=np.zeros((1, 2)),
                            velocity_std_mps=np.array([0.1]), size_m=np.array([[1.85, 0.3]]),
                            heading_rad=np.array([math.pi / 2]), age_ticks=np.array([30]), misses=np.array([0]))
    pred = PredictionOutput(track_id=np.array([1]), times_s=np.array([0.0, 0.5]),
                            xy_m=np.array([[[46.8, 0.0], [46.8, 0.0]]]), radius_m=np.array([1.0]))
    for k in range(5):
        est = EgoEstimate(x_m=40.0, y_m=0.0, yaw_rad=0.0, speed_mps=0.0)
        out = planner.step(PlanningInput(t_s=0.1 * k, estimate=est, tracks=tracks, predictions=pred))
    # Front bumper at 43.65 m, obstacle face at 46.65 m: already at the 3 m margin.
    assert out.target_speed_mps == 0.0
    assert out.stopped and out.reason == "stop"
    assert out.target_accel_mps2 <= 0.0


def test_passes_a_static_obstacle_with_a_lateral_offset_when_avoid_left_allows() -> None:
    box = Box(x_m=70.0, y_m=-0.3)
    world = World(mission=straight_mission(speed_mps=10.0, avoid_left_m=3.0), boxes=[box], seed=3)
    lateral, clearance = [], []
    stack = build_stack({})
    stack.reset(world.mission, world.limits, seed=1)
    for _ in range(150):
        out = stack.step(world.frame())
        world.apply(out.command.accel_mps2, out.command.steer_rad)
        lateral.append(world.y_m)
        clearance.append(_clearance_m(world, box))
        assert out.mode == "nominal"
    assert world.x_m > 120.0  # never stopped
    # Needed: obstacle's left edge (0.625) + half the ego (0.925) + 0.5 m clearance = 2.05 m left of centre.
    assert 1.7 < max(lateral) < 3.0
    assert min(clearance) > 0.3
    assert abs(lateral[-1]) < 0.3  # back on the centreline afterwards


def test_stops_instead_when_no_lateral_room_is_allowed() -> None:
    box = Box(x_m=70.0, y_m=-0.3)
    world = World(mission=straight_mission(speed_mps=10.0, avoid_left_m=1.0), boxes=[box], seed=3)
    _run(world, 20.0)
    assert world.v_mps < 0.05 and abs(world.y_m) < 0.5
    assert 2.0 < world.front_gap_m(box) < 4.0


def test_keeps_a_time_gap_to_a_slower_lead() -> None:
    lead = Box(x_m=40.0, y_m=0.0, vx_mps=8.0)
    world = World(mission=straight_mission(length_m=800.0, speed_mps=14.0), boxes=[lead], seed=4)
    _run(world, 45.0)
    assert abs(world.v_mps - 8.0) < 0.5
    time_gap_s = world.front_gap_m(lead) / world.v_mps
    assert 1.3 < time_gap_s < 2.6  # IDM equilibrium for T = 1.5 s, s0 = 3 m, v0 = 14 m/s: ~2.0 s


def test_yields_to_a_pedestrian_predicted_to_cross_and_then_goes_on() -> None:
    ped = Box(x_m=45.0, y_m=-7.0, length_m=0.5, width_m=0.5, vy_mps=1.4)
    world = World(mission=straight_mission(speed_mps=10.0), boxes=[ped], seed=5)
    clearance = []
    stack = build_stack({})
    stack.reset(world.mission, world.limits, seed=1)
    for _ in range(250):
        out = stack.step(world.frame())
        world.apply(out.command.accel_mps2, out.command.steer_rad)
        clearance.append(_clearance_m(world, ped))
    assert min(clearance) > 1.0
    assert world.x_m > 60.0  # went on once the pedestrian had crossed


def test_waits_for_a_pedestrian_standing_in_a_crosswalk() -> None:
    ped = Box(x_m=50.0, y_m=-1.0, length_m=0.5, width_m=0.5)
    mission = straight_mission(speed_mps=10.0, crosswalks=(Crosswalk(centre_s_m=50.0, width_m=4.0),))
    world = World(mission=mission, boxes=[ped], seed=6)
    _run(world, 20.0)
    front_m = world.x_m + world.limits.length_m - world.limits.rear_overhang_m
    assert world.v_mps < 0.05
    assert 44.0 < front_m < 48.0  # short of the crossing, which starts at 48 m


def test_slows_for_a_curve_to_the_lateral_acceleration_limit_and_tracks_it() -> None:
    radius_m = 40.0
    route = np.vstack([straight((0.0, 0.0), 0.0, 60.0), arc((60.0, 0.0), 0.0, radius_m, math.pi)[1:]])
    mission = Mission(route_xy_m=route, lane_width_m=3.5, speed_limit_mps=20.0, target_speed_mps=15.0,
                      goal_s_m=180.0, initial_x_m=0.0, initial_y_m=0.0, initial_yaw_rad=0.0, initial_speed_mps=15.0)
    world = World(mission=mission, seed=7)
    centre = (60.0, radius_m)
    speeds, errors = [], []
    stack = build_stack({})
    stack.reset(mission, world.limits, seed=1)
    for _ in range(120):
        out = stack.step(world.frame())
        world.apply(out.command.accel_mps2, out.command.steer_rad)
        if world.x_m > 70.0 and world.y_m > 5.0:  # well into the curve
            speeds.append(world.v_mps)
            errors.append(abs(math.hypot(world.x_m - centre[0], world.y_m - centre[1]) - radius_m))
    v_max = math.sqrt(PlanningConfig().lat_accel_max_mps2 * radius_m)
    assert speeds and max(speeds) < v_max + 0.5
    assert max(errors) < 0.5


def test_stops_at_the_goal_when_told_to() -> None:
    world = World(mission=straight_mission(length_m=120.0, speed_mps=10.0, stop_at_goal=True), seed=8)
    outputs = _run(world, 25.0)
    assert world.v_mps < 0.05
    assert abs(world.x_m - world.mission.goal_s_m) < 1.0
    assert outputs[-1].mode == "stopped"
