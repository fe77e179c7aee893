"""Static obstacle in lane: debris or a broken-down object the ego must pass or stop for.

The obstacle's near face is ``obstacle_distance_m`` ahead of the ego's front
bumper, its centre ``obstacle_offset_m`` left of the lane centre. The mission
allows ``avoid_left_m`` of lateral offset into the free left lane.
"""

from __future__ import annotations

from scenario_library.builders.common import EGO_FRONT_M, EGO_START_S_M, LANE_WIDTH_M, straight_lane
from scenario_library.scene import EgoStart, Road, SceneSpec, StaticObstacle

DURATION_S = 14.0
OBSTACLE_LENGTH_M = 1.0
OBSTACLE_HEIGHT_M = 1.0
GOAL_PAST_OBSTACLE_M = 30.0


def build(*, ego_speed_mps: float, obstacle_distance_m: float, obstacle_offset_m: float, obstacle_width_m: float,
          avoid_left_m: float) -> SceneSpec:
    """The scene for one parameter set."""
    obstacle_x_m = EGO_START_S_M + EGO_FRONT_M + obstacle_distance_m + OBSTACLE_LENGTH_M / 2.0
    goal_s_m = obstacle_x_m + GOAL_PAST_OBSTACLE_M
    length_m = goal_s_m + 1.2 * ego_speed_mps * DURATION_S
    lanes = (straight_lane("ego", 0.0, length_m, speed_limit_mps=ego_speed_mps),
             straight_lane("left", LANE_WIDTH_M, length_m, speed_limit_mps=ego_speed_mps))
    obstacle = StaticObstacle(obstacle_id="obstacle", kind="debris", x_m=obstacle_x_m, y_m=obstacle_offset_m,
                              length_m=OBSTACLE_LENGTH_M, width_m=obstacle_width_m, height_m=OBSTACLE_HEIGHT_M)
    return SceneSpec(
        name="static_obstacle", duration_s=DURATION_S, road=Road(kind="straight", lanes=lanes),
        ego=EgoStart(lane_id="ego", start_s_m=EGO_START_S_M, initial_speed_mps=ego_speed_mps,
                     target_speed_mps=ego_speed_mps, goal_s_m=goal_s_m, avoid_left_m=avoid_left_m),
        obstacles=(obstacle,))
