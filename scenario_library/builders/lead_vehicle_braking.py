"""Lead vehicle braking: the ego follows a car in its lane that brakes to a stop, then drives off again.

The lead starts ``gap_m`` (bumper to bumper) ahead at the ego's speed, brakes
at ``lead_decel_mps2`` from ``brake_time_s`` on and drives off again at
``common.DRIVE_OFF_S`` (``common.stop_and_go_lead``); the goal asks the ego to
move off behind it. One straight lane.
"""

from __future__ import annotations

from scenario_library.builders.common import (
    CAR_LENGTH_M,
    EGO_FRONT_M,
    EGO_START_S_M,
    stop_and_go_lead,
    straight_lane,
)
from scenario_library.scene import EgoStart, Road, SceneSpec

DURATION_S = 15.0


def build(*, ego_speed_mps: float, gap_m: float, lead_decel_mps2: float, brake_time_s: float) -> SceneSpec:
    """The scene for one parameter set."""
    lead_s_m = EGO_START_S_M + EGO_FRONT_M + gap_m + CAR_LENGTH_M / 2.0
    length_m = lead_s_m + 1.2 * ego_speed_mps * DURATION_S + 60.0
    lane = straight_lane("ego", 0.0, length_m, speed_limit_mps=ego_speed_mps)
    lead, goal_s_m = stop_and_go_lead(lead_s_m=lead_s_m, speed_mps=ego_speed_mps, decel_mps2=lead_decel_mps2,
                                      brake_time_s=brake_time_s, length_m=length_m, duration_s=DURATION_S)
    return SceneSpec(
        name="lead_vehicle_braking", duration_s=DURATION_S, road=Road(kind="straight", lanes=(lane,)),
        ego=EgoStart(lane_id="ego", start_s_m=EGO_START_S_M, initial_speed_mps=ego_speed_mps,
                     target_speed_mps=ego_speed_mps, goal_s_m=goal_s_m),
        actors=(lead,))
