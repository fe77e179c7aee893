"""Curve following: a bend of radius ``radius_m`` at the lane's speed limit, on a road of friction ``mu``.

Straight entry, a left-hand arc (at most a quarter turn, at most ``MAX_ARC_M``
long), straight exit. The ego starts at the speed limit ``ego_speed_mps``,
``ENTRY_M - EGO_START_S_M`` before the bend, and must stay on the road.
"""

from __future__ import annotations

import math

import numpy as np

from autonomy.geometry import arc, straight
from scenario_library.builders.common import ARC_STEP_M, EGO_START_S_M, LANE_WIDTH_M, polyline
from scenario_library.scene import EgoStart, Lane, Road, SceneSpec

DURATION_S = 14.0
ENTRY_M = 30.0
MAX_ARC_M = 100.0
EXIT_M = 150.0
PROGRESS_FRACTION = 0.7
GOAL_PAST_BEND_M = 30.0


def centreline(radius_m: float) -> tuple[np.ndarray, float]:
    """The lane's centreline points and the arc length at the end of the bend."""
    angle_rad = min(math.pi / 2.0, MAX_ARC_M / radius_m)
    entry = straight((0.0, 0.0), 0.0, ENTRY_M, step_m=ENTRY_M)
    bend = arc((ENTRY_M, 0.0), 0.0, radius_m, angle_rad, step_m=ARC_STEP_M)
    end_x, end_y = bend[-1]
    exit_ = straight((float(end_x), float(end_y)), angle_rad, EXIT_M, step_m=EXIT_M)
    return np.concatenate([entry, bend[1:], exit_[1:]]), ENTRY_M + radius_m * angle_rad


def build(*, radius_m: float, ego_speed_mps: float, mu: float) -> SceneSpec:
    """The scene for one parameter set."""
    points, bend_end_s_m = centreline(radius_m)
    lane = Lane(lane_id="ego", centreline=polyline(points), width_m=LANE_WIDTH_M, speed_limit_mps=ego_speed_mps)
    goal_s_m = min(EGO_START_S_M + PROGRESS_FRACTION * ego_speed_mps * DURATION_S, bend_end_s_m + GOAL_PAST_BEND_M)
    return SceneSpec(
        name="curve_following", duration_s=DURATION_S, road=Road(kind="curve", lanes=(lane,)),
        ego=EgoStart(lane_id="ego", start_s_m=EGO_START_S_M, initial_speed_mps=ego_speed_mps,
                     target_speed_mps=ego_speed_mps, goal_s_m=goal_s_m),
        friction_mu=mu)
