"""A real run's metrics from its logged trajectories, with ``farm.metrics`` — one definition for sim and real.

The logged tracks are resampled to the stack rate exactly as the simulator records its
ground truth (``farm.sim.recorder``): one ``Trace`` sample after every stack tick of the
ego's logged span (ticks of 1/stack_hz from the ego's first sample, the span truncated to
whole ticks as ``log_replay`` does), poses interpolated as the recorded-trajectory actor
does (``farm.sim.recorded_actor.LogTrajectory``: position linearly, yaw along the shortest
arc, velocity from the interpolated positions). On that trace:

- the ego's reference point is its rear axle (the logged centre moved back by
  ``EGO_CENTRE_AHEAD_M``, the builder's rule), so every footprint is the logged box;
- the ego's speed is the logged ``v_mps`` interpolated linearly when the log has it, else the
  speed of the interpolated positions;
- gaps and contacts are taken at the physics rate inside each tick (``physics_hz``), as the
  simulator's contact sweep does, and a collision is read at the physics step of first
  contact (an ``Impact`` with the interpolated poses and velocities);
- route progress, goal, speed limit and drivable area are those of the scene the run is
  re-simulated in (its ``log_replay`` scene), so ``route_completion`` is measured on the route
  the simulated ego drives.

``TRAJECTORY_METRICS`` are the metrics a log determines; ``safety_triggers`` and ``fallbacks``
(what the stack reported) cannot be read from poses and are never produced here.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autonomy.geometry import Path
from farm.metrics import compute_metrics, evaluate
from farm.metrics.drivable import DrivableArea
from farm.metrics.footprint import box_gaps_m
from farm.metrics.trace import Impact, Trace
from farm.sim.mission import build_mission, densify
from farm.sim.recorded_actor import LogTrajectory
from farm.spec import SimSettings
from scenario_library.builders.common import EGO_CENTRE_AHEAD_M
from scenario_library.family import Criterion
from scenario_library.recorded import RecordedLog, Track
from scenario_library.scene import PoseSample, Road, SceneSpec

TRAJECTORY_METRICS: tuple[str, ...] = (
    "collision", "collision_speed_mps", "collision_rel_speed_mps", "min_ttc_s", "min_distance_m",
    "min_distance_interest_m", "route_completion", "time_to_goal_s", "max_decel_mps2", "max_jerk_mps3",
    "max_lat_accel_mps2", "offroad", "speed_violation")


def trajectory_metrics(log: RecordedLog, scene: SceneSpec, criteria: tuple[Criterion, ...], *,
                       sim: SimSettings | None = None) -> tuple[dict[str, Any], bool]:
    """The run's ``TRAJECTORY_METRICS`` (bools, floats; ``min_ttc_s`` +inf when never closing; None where
    undefined) and whether it passes ``criteria`` (the re-simulating family's)."""
    trace = log_trace(log, scene, sim or SimSettings())
    metrics = compute_metrics(trace)
    values = metrics.as_dict()
    return {name: values[name] for name in TRAJECTORY_METRICS}, not evaluate(metrics, criteria)


def _interpolator(track: Track, t0_s: float) -> LogTrajectory:
    return LogTrajectory(tuple(PoseSample(t_s=float(t) - t0_s, x_m=float(x), y_m=float(y), yaw_rad=float(a))
                               for t, x, y, a in zip(track.t_s, track.x_m, track.y_m, track.yaw_rad, strict=True)))


def _poses(track: Track, t0_s: float, times_s: np.ndarray) -> np.ndarray:
    """(T, 5) x, y, yaw, vx, vy of a track's box centre at ``times_s`` (a static track stays at its first pose)."""
    if track.kind == "static":
        first = [float(track.x_m[0]), float(track.y_m[0]), float(track.yaw_rad[0]), 0.0, 0.0]
        return np.tile(first, (times_s.size, 1))
    log = _interpolator(track, t0_s)
    return np.array([log.at(float(t))[:5] for t in times_s], dtype=float).reshape(-1, 5)


def _ego_speed(ego: Track, t0_s: float, times_s: np.ndarray, poses: np.ndarray) -> np.ndarray:
    if ego.v_mps is not None:
        return np.interp(times_s, ego.t_s - t0_s, ego.v_mps)
    return np.hypot(poses[:, 3], poses[:, 4])


def log_trace(log: RecordedLog, scene: SceneSpec, sim: SimSettings) -> Trace:
    """The ``Trace`` a logged run would have left in the simulator (rules in the module docstring)."""
    dt, sub = 1.0 / sim.stack_hz, sim.physics_hz // sim.stack_hz
    ego, t0 = log.ego, log.start_s
    n = math.floor(log.span_s / dt + 1e-9)
    fine = np.arange(1, n * sub + 1) * (dt / sub)  # every physics step of every tick, scene time
    ticks = fine[sub - 1::sub]
    ego_fine = _poses(ego, t0, fine)
    speed_fine = _ego_speed(ego, t0, fine, ego_fine)
    others = log.others
    bodies_fine = np.stack([_poses(t, t0, fine) for t in others], axis=1) if others else np.zeros((fine.size, 0, 5))
    ego_box = (ego_fine[:, 0], ego_fine[:, 1], ego_fine[:, 2], np.full(fine.size, ego.length_m),
               np.full(fine.size, ego.width_m))
    gaps_fine = np.stack([box_gaps_m(ego_box, (bodies_fine[:, j, 0], bodies_fine[:, j, 1], bodies_fine[:, j, 2],
                                               np.full(fine.size, t.length_m), np.full(fine.size, t.width_m)))
                          for j, t in enumerate(others)], axis=1) if others else np.zeros((fine.size, 0))
    ids = tuple(t.actor_id for t in others)
    interest = tuple(i for i in scene.actors_of_interest if i in ids)
    k = slice(sub - 1, None, sub)
    ego_ticks, bodies = ego_fine[k], bodies_fine[k]
    rear_x = ego_ticks[:, 0] - EGO_CENTRE_AHEAD_M * np.cos(ego_ticks[:, 2])
    rear_y = ego_ticks[:, 1] - EGO_CENTRE_AHEAD_M * np.sin(ego_ticks[:, 2])
    overhang = 0.5 * ego.length_m - EGO_CENTRE_AHEAD_M
    lane = scene.lane(scene.ego.lane_id)
    route = Path.from_points(densify(lane.centreline))
    mission = build_mission(scene, lane, route)
    drivable, own_lane = DrivableArea(scene.road), DrivableArea(Road(kind=scene.road.kind, lanes=(lane,),
                                                                     shoulder_m=0.0))
    speed = speed_fine[k]
    yaw_rate = np.gradient(np.unwrap(ego_ticks[:, 2]), dt) if n > 1 else np.zeros(n)
    return Trace(
        dt_s=dt, t_s=ticks, ego_x_m=rear_x, ego_y_m=rear_y, ego_yaw_rad=ego_ticks[:, 2], ego_speed_mps=speed,
        ego_lat_accel_mps2=speed * yaw_rate,
        route_s_m=np.array([route.project(float(x), float(y))[0] for x, y in zip(rear_x, rear_y, strict=True)]),
        start_s_m=float(route.project(mission.initial_x_m, mission.initial_y_m)[0]), goal_s_m=float(mission.goal_s_m),
        speed_limit_mps=float(mission.speed_limit_mps), ego_length_m=ego.length_m, ego_width_m=ego.width_m,
        ego_rear_overhang_m=overhang, body_ids=ids, body_kinds=tuple(t.kind for t in others),
        body_xy_m=bodies[:, :, 0:2], body_yaw_rad=bodies[:, :, 2], body_vxy_mps=bodies[:, :, 3:5],
        body_length_m=np.array([t.length_m for t in others]), body_width_m=np.array([t.width_m for t in others]),
        contacts=tuple(tuple(ids[j] for j in np.flatnonzero(row <= 0.0))
                       for row in _tick_min(gaps_fine, n, sub, axis_bodies=True)),
        gap_m=_tick_min(gaps_fine.min(axis=1) if others else np.full(fine.size, np.inf), n, sub),
        offroad=np.array([not drivable.footprint_inside(float(x), float(y), float(a), ego.length_m, ego.width_m,
                                                        overhang) for x, y, a in zip(rear_x, rear_y, ego_ticks[:, 2],
                                                                                     strict=True)], dtype=bool),
        cmd_accel_mps2=np.zeros(n), cmd_steer_rad=np.zeros(n),
        impact=_impact(fine, ego_fine, speed_fine, bodies_fine, gaps_fine, log, own_lane, overhang),
        interest_ids=interest,
        gap_interest_m=_tick_min(gaps_fine[:, [ids.index(i) for i in interest]].min(axis=1), n, sub)
        if interest else np.zeros(0))


def _tick_min(values: np.ndarray, n: int, sub: int, *, axis_bodies: bool = False) -> np.ndarray:
    """The minimum over each tick's physics steps: (n,) from (n·sub,), or (n, M) from (n·sub, M)."""
    if axis_bodies:
        return values.reshape(n, sub, -1).min(axis=1) if values.size else np.zeros((n, 0))
    return values.reshape(n, sub).min(axis=1) if n else np.zeros(0)


def _impact(fine: np.ndarray, ego: np.ndarray, speed: np.ndarray, bodies: np.ndarray, gaps: np.ndarray,
            log: RecordedLog, own_lane: DrivableArea, overhang: float) -> Impact | None:
    """The first physics step at which the ego's box meets another box, read as the simulator reads a contact."""
    if gaps.size == 0 or not (gaps <= 0.0).any():
        return None
    i = int(np.argmax((gaps <= 0.0).any(axis=1)))
    j = int(np.argmax(gaps[i] <= 0.0))
    track, ego_track = log.others[j], log.ego
    x, y, yaw = ego[i, 0], ego[i, 1], ego[i, 2]
    rear_x, rear_y = x - EGO_CENTRE_AHEAD_M * math.cos(yaw), y - EGO_CENTRE_AHEAD_M * math.sin(yaw)
    v = float(speed[i])
    return Impact(t_s=float(fine[i]), body_id=track.actor_id, body_kind=track.kind, ego_x_m=rear_x, ego_y_m=rear_y,
                  ego_yaw_rad=float(yaw), ego_speed_mps=v, ego_vx_mps=v * math.cos(yaw), ego_vy_mps=v * math.sin(yaw),
                  body_x_m=float(bodies[i, j, 0]), body_y_m=float(bodies[i, j, 1]), body_yaw_rad=float(bodies[i, j, 2]),
                  body_vx_mps=float(bodies[i, j, 3]), body_vy_mps=float(bodies[i, j, 4]), body_length_m=track.length_m,
                  body_width_m=track.width_m, ego_in_lane=own_lane.footprint_inside(
                      rear_x, rear_y, float(yaw), ego_track.length_m, ego_track.width_m, overhang))
