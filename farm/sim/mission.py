"""The ego's mission and route, derived from the scene: what the stack is told at reset."""

from __future__ import annotations

import itertools
import math

import numpy as np

from autonomy.geometry import Path
from autonomy.types import Crosswalk, Mission
from scenario_library.scene import Lane, SceneSpec

GOAL_MARGIN_M = 5.0  # default goal: this far before the end of the ego lane
ROUTE_SPACING_M = 1.0


def densify(centreline: tuple[tuple[float, float], ...], spacing_m: float = ROUTE_SPACING_M) -> np.ndarray:
    """The polyline's points plus evenly spaced points on each segment so no gap exceeds ``spacing_m``."""
    xy = np.asarray(centreline, dtype=float).reshape(-1, 2)
    out = [xy[:1]]
    for a, b in itertools.pairwise(xy):
        n = max(1, math.ceil(float(np.hypot(*(b - a))) / spacing_m))
        out.append(a + (b - a) * (np.arange(1, n + 1)[:, None] / n))
    return np.concatenate(out)


def build_mission(scene: SceneSpec, lane: Lane, route: Path) -> Mission:
    """The ego lane as route, the start state on it, the goal and the marked crossings."""
    ego = scene.ego
    x, y, yaw = route.point_at(ego.start_s_m)
    goal = ego.goal_s_m if ego.goal_s_m is not None else max(route.length_m - GOAL_MARGIN_M, ego.start_s_m)
    return Mission(route_xy_m=route.xy_m.copy(), lane_width_m=lane.width_m, speed_limit_mps=lane.speed_limit_mps,
                   target_speed_mps=ego.target_speed_mps, goal_s_m=float(goal), initial_x_m=x, initial_y_m=y,
                   initial_yaw_rad=yaw, initial_speed_mps=ego.initial_speed_mps, avoid_left_m=ego.avoid_left_m,
                   avoid_right_m=ego.avoid_right_m, stop_at_goal=ego.stop_at_goal,
                   crosswalks=tuple(Crosswalk(centre_s_m=s) for s in scene.crosswalks_s_m))
