"""Pedestrian crossing: someone walks across the ego's lane at a marked crossing.

The pedestrian waits at the kerb and starts walking when the ego's centre comes
within ``trigger_distance_m`` of them; with ``occluded`` a car parked at the
kerb just before the crossing hides them from the ego until they step out. One
straight lane; the crossing is at ``CROSSING_X_M``.
"""

from __future__ import annotations

import math

from scenario_library.builders.common import (
    CAR_LENGTH_M,
    CAR_WIDTH_M,
    EGO_START_S_M,
    LANE_WIDTH_M,
    PEDESTRIAN_SIZE_M,
    line,
    straight_lane,
)
from scenario_library.scene import Actor, EgoStart, Road, SceneSpec, StaticObstacle, Trigger, WaypointFollow

DURATION_S = 15.0
CROSSING_X_M = 70.0
KERB_Y_M = -(LANE_WIDTH_M / 2.0 + 0.85)  # where the pedestrian waits, just outside the lane
GOAL_PAST_CROSSING_M = 15.0


def build(*, ego_speed_mps: float, ped_speed_mps: float, trigger_distance_m: float, occluded: bool) -> SceneSpec:
    """The scene for one parameter set."""
    length_m = CROSSING_X_M + GOAL_PAST_CROSSING_M + 60.0
    lane = straight_lane("ego", 0.0, length_m, speed_limit_mps=ego_speed_mps)
    length, width, height = PEDESTRIAN_SIZE_M
    walker = Actor(actor_id="pedestrian", kind="pedestrian", path=line((CROSSING_X_M, KERB_Y_M), math.pi / 2, 30.0),
                   behaviour=WaypointFollow(speed_mps=ped_speed_mps), length_m=length, width_m=width,
                   height_m=height, trigger=Trigger(t_s=None, ego_within_m=trigger_distance_m))
    parked = StaticObstacle(obstacle_id="parked_car", kind="parked_vehicle",
                            x_m=CROSSING_X_M - width / 2.0 - 0.3 - CAR_LENGTH_M / 2.0,
                            y_m=-(LANE_WIDTH_M / 2.0 + 0.3 + CAR_WIDTH_M / 2.0))
    return SceneSpec(
        name="pedestrian_crossing", duration_s=DURATION_S, road=Road(kind="straight", lanes=(lane,)),
        ego=EgoStart(lane_id="ego", start_s_m=EGO_START_S_M, initial_speed_mps=ego_speed_mps,
                     target_speed_mps=ego_speed_mps, goal_s_m=CROSSING_X_M + GOAL_PAST_CROSSING_M),
        actors=(walker,), obstacles=(parked,) if occluded else (), crosswalks_s_m=(CROSSING_X_M,))
