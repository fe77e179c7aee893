"""Low-friction braking: stop for a car standing in the lane on a wet, snowy or icy road.

The stopped car's rear is ``obstacle_distance_m`` ahead of the ego's front
bumper; the whole road has friction coefficient ``mu`` (the simulator caps the
ego's combined acceleration at mu g). One straight lane.
"""

from __future__ import annotations

from scenario_library.builders.common import CAR_LENGTH_M, EGO_FRONT_M, EGO_START_S_M, straight_lane
from scenario_library.scene import EgoStart, Road, SceneSpec, StaticObstacle

DURATION_S = 14.0


def build(*, mu: float, ego_speed_mps: float, obstacle_distance_m: float) -> SceneSpec:
    """The scene for one parameter set."""
    car_x_m = EGO_START_S_M + EGO_FRONT_M + obstacle_distance_m + CAR_LENGTH_M / 2.0
    length_m = car_x_m + 1.2 * ego_speed_mps * DURATION_S + 60.0
    lane = straight_lane("ego", 0.0, length_m, speed_limit_mps=ego_speed_mps)
    stopped = StaticObstacle(obstacle_id="stopped_car", kind="vehicle", x_m=car_x_m, y_m=0.0)
    return SceneSpec(
        name="low_friction_braking", duration_s=DURATION_S, road=Road(kind="straight", lanes=(lane,)),
        ego=EgoStart(lane_id="ego", start_s_m=EGO_START_S_M, initial_speed_mps=ego_speed_mps,
                     target_speed_mps=ego_speed_mps),
        obstacles=(stopped,), friction_mu=mu)
