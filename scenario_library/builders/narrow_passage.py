"""Narrow passage: rows of parked cars on both sides leave a gap the ego must thread.

The clear width between the rows is ``passage_width_m``, centred
``passage_offset_m`` left of the lane centre, over ``passage_length_m``. One
straight lane; the ego may not leave it (no avoidance offset).
"""

from __future__ import annotations

import math

from scenario_library.builders.common import (
    CAR_LENGTH_M,
    CAR_WIDTH_M,
    EGO_FRONT_M,
    EGO_START_S_M,
    straight_lane,
)
from scenario_library.scene import EgoStart, Road, SceneSpec, StaticObstacle

DURATION_S = 16.0
APPROACH_M = 12.0  # ego front bumper to the first parked car
PARKED_GAP_M = 1.0  # between parked cars in a row
GOAL_PAST_PASSAGE_M = 8.0


def _row(side: str, y_m: float, x_from_m: float, length_m: float) -> list[StaticObstacle]:
    count = max(1, math.ceil((length_m + PARKED_GAP_M) / (CAR_LENGTH_M + PARKED_GAP_M)))
    pitch = CAR_LENGTH_M + PARKED_GAP_M
    return [StaticObstacle(obstacle_id=f"parked_{side}_{i}", kind="parked_vehicle",
                           x_m=x_from_m + CAR_LENGTH_M / 2.0 + i * pitch, y_m=y_m) for i in range(count)]


def build(*, ego_speed_mps: float, passage_width_m: float, passage_offset_m: float,
          passage_length_m: float) -> SceneSpec:
    """The scene for one parameter set."""
    x_from_m = EGO_START_S_M + EGO_FRONT_M + APPROACH_M
    half = passage_width_m / 2.0 + CAR_WIDTH_M / 2.0
    parked = (_row("right", passage_offset_m - half, x_from_m, passage_length_m)
              + _row("left", passage_offset_m + half, x_from_m, passage_length_m))
    passage_end_m = max(o.x_m for o in parked) + CAR_LENGTH_M / 2.0
    goal_s_m = passage_end_m + GOAL_PAST_PASSAGE_M
    length_m = goal_s_m + 1.2 * ego_speed_mps * DURATION_S
    lane = straight_lane("ego", 0.0, length_m, speed_limit_mps=ego_speed_mps)
    return SceneSpec(
        name="narrow_passage", duration_s=DURATION_S, road=Road(kind="straight", lanes=(lane,)),
        ego=EgoStart(lane_id="ego", start_s_m=EGO_START_S_M, initial_speed_mps=ego_speed_mps,
                     target_speed_mps=ego_speed_mps, goal_s_m=goal_s_m),
        obstacles=tuple(parked))
