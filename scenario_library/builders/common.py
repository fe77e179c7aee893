"""Road pieces shared by the builders: straight and offset polylines, lanes, a lane change, vehicle sizes.

World frame as in ``autonomy.types``; the ego drives along +x from x = 0 unless
a builder says otherwise. Straight lanes are two-point polylines (the simulator
densifies routes), curved ones are sampled every ``ARC_STEP_M``.
"""

from __future__ import annotations

import math

import numpy as np

from autonomy.geometry import Path, straight
from scenario_library.scene import (
    Actor,
    EgoStart,
    Lane,
    Point,
    Polyline,
    Road,
    SceneSpec,
    ScriptedSpeed,
    SpeedPhase,
)

LANE_WIDTH_M = 3.5
EGO_START_S_M = 10.0  # room behind the ego's rear overhang on its lane
CAR_LENGTH_M = 4.5
CAR_WIDTH_M = 1.85
EGO_FRONT_M = 3.65  # rear axle (the ego's reference point) to front bumper
EGO_CENTRE_AHEAD_M = 1.4  # rear axle to the ego's box centre
PEDESTRIAN_SIZE_M = (0.5, 0.5, 1.75)  # length, width, height
ARC_STEP_M = 1.0


def polyline(points: np.ndarray) -> Polyline:
    """A numpy (N, 2) array as a tuple of float pairs (hashable, JSON-friendly)."""
    return tuple((float(x), float(y)) for x, y in np.asarray(points, dtype=float).reshape(-1, 2))


def line(start: Point, heading_rad: float, length_m: float) -> Polyline:
    """A two-point straight polyline."""
    return polyline(straight(start, heading_rad, length_m, step_m=max(length_m, 1e-3)))


def offset(points: Polyline, offset_m: float) -> Polyline:
    """The polyline shifted ``offset_m`` to its left (+) or right (-), point by point along the normals."""
    xy = np.asarray(points, dtype=float)
    tangent = np.gradient(xy, axis=0)
    tangent /= np.hypot(tangent[:, 0], tangent[:, 1])[:, None]
    normal = np.column_stack([-tangent[:, 1], tangent[:, 0]])
    return polyline(xy + offset_m * normal)


def straight_lane(lane_id: str, y_m: float, length_m: float, *, speed_limit_mps: float,
                  width_m: float = LANE_WIDTH_M, x0_m: float = 0.0, reverse: bool = False) -> Lane:
    """A straight lane along x at ``y_m`` (towards -x when ``reverse``)."""
    start = (x0_m + length_m, y_m) if reverse else (x0_m, y_m)
    heading = math.pi if reverse else 0.0
    return Lane(lane_id=lane_id, centreline=line(start, heading, length_m), width_m=width_m,
                speed_limit_mps=speed_limit_mps)


def lane_change(from_y_m: float, to_y_m: float, *, x0_m: float, x_change_m: float, change_length_m: float,
                x_end_m: float, step_m: float = 0.5) -> Polyline:
    """A path along x that moves from ``from_y_m`` to ``to_y_m`` over ``change_length_m`` starting at ``x_change_m``.

    The lateral profile is a half cosine (zero lateral speed at both ends).
    """
    xs = np.concatenate([[x0_m], np.arange(x_change_m, x_change_m + change_length_m + step_m / 2, step_m), [x_end_m]])
    u = np.clip((xs - x_change_m) / change_length_m, 0.0, 1.0)
    ys = from_y_m + (to_y_m - from_y_m) * 0.5 * (1.0 - np.cos(math.pi * u))
    return polyline(np.column_stack([xs, ys]))


def point_on(points: Polyline, s_m: float, left_m: float = 0.0) -> tuple[float, float, float]:
    """(x, y, heading) at arc length ``s_m`` along ``points``, shifted ``left_m`` to the left."""
    return Path.from_points(points).point_at(s_m, left_m)


def scripted_travel_m(initial_speed_mps: float, phases: tuple[SpeedPhase, ...], t_s: float,
                      dt_s: float = 0.01) -> float:
    """Distance [m] a ``ScriptedSpeed`` actor covers in its first ``t_s`` seconds (to place a goal behind it).

    The same rule as the simulator's: the latest begun phase drives the speed
    towards its target at its rate; integrated with trapezoids at ``dt_s``.
    """
    ordered = sorted(phases, key=lambda p: p.t_s)
    speed, travel, t, k = initial_speed_mps, 0.0, 0.0, -1
    for _ in range(round(t_s / dt_s)):
        while k + 1 < len(ordered) and ordered[k + 1].t_s <= t + 1e-9:
            k += 1
        if k >= 0:
            rate = abs(ordered[k].accel_mps2) * dt_s
            new = speed + min(max(ordered[k].target_speed_mps - speed, -rate), rate)
        else:
            new = speed
        travel += 0.5 * (speed + new) * dt_s
        speed, t = new, t + dt_s
    return travel


DRIVE_OFF_S = 10.0  # a stop-and-go lead drives off again at this time, stopped or not
DRIVE_OFF_ACCEL_MPS2 = 2.0
PROGRESS_FRACTION = 0.8


def stop_and_go_lead(*, lead_s_m: float, speed_mps: float, decel_mps2: float, brake_time_s: float,
                     length_m: float, duration_s: float) -> tuple[Actor, float]:
    """A lead car ahead in the ego lane (along +x from x = 0) that brakes to a stop and drives off again.

    It starts at ``speed_mps`` with its centre at ``lead_s_m``, brakes at
    ``decel_mps2`` from ``brake_time_s`` on and, at ``DRIVE_OFF_S``, accelerates
    at ``DRIVE_OFF_ACCEL_MPS2`` back to ``speed_mps``. Returns the actor and the
    ego's goal (rear-axle arc length [m]): its front bumper where the lead's rear
    was at ``DRIVE_OFF_S`` (so an ego that stops behind the lead for good fails),
    at most ``PROGRESS_FRACTION`` of what ``speed_mps`` covers in ``duration_s``.
    """
    phases = (SpeedPhase(t_s=brake_time_s, accel_mps2=-decel_mps2, target_speed_mps=0.0),
              SpeedPhase(t_s=DRIVE_OFF_S, accel_mps2=DRIVE_OFF_ACCEL_MPS2, target_speed_mps=speed_mps))
    lead = Actor(actor_id="lead", kind="vehicle", path=line((0.0, 0.0), 0.0, length_m), start_s_m=lead_s_m,
                 behaviour=ScriptedSpeed(initial_speed_mps=speed_mps, phases=phases))
    rear_at_drive_off_m = lead_s_m - CAR_LENGTH_M / 2.0 + scripted_travel_m(speed_mps, phases, DRIVE_OFF_S)
    goal_front_m = min(rear_at_drive_off_m,
                       EGO_START_S_M + EGO_FRONT_M + PROGRESS_FRACTION * speed_mps * duration_s)
    return lead, goal_front_m - EGO_FRONT_M


TEST_ONLY_DURATION_S = 8.0


def minimal_scene(name: str) -> SceneSpec:
    """A one-lane, actor-free scene for the test-only families (never simulated)."""
    lane = straight_lane("ego", 0.0, 100.0, speed_limit_mps=10.0)
    return SceneSpec(name=name, duration_s=TEST_ONLY_DURATION_S, road=Road(kind="straight", lanes=(lane,)),
                     ego=EgoStart(lane_id="ego", start_s_m=EGO_START_S_M))
