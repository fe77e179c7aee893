"""Cut-in: a car in the left lane cuts into the ego's lane ahead of it.

At ``CUT_TIME_S`` the cutter's rear is ``cut_in_gap_m`` ahead of the ego's front
bumper (assuming the ego cruised at ``ego_speed_mps`` until then); it then moves
across one lane width in ``cut_duration_s`` (half-cosine lateral profile) at a
constant ``cutter_speed_mps``. Two straight lanes in the same direction.
"""

from __future__ import annotations

from scenario_library.builders.common import (
    CAR_LENGTH_M,
    EGO_FRONT_M,
    EGO_START_S_M,
    LANE_WIDTH_M,
    lane_change,
    straight_lane,
)
from scenario_library.scene import Actor, EgoStart, Road, SceneSpec, ScriptedSpeed

DURATION_S = 14.0
CUT_TIME_S = 3.0
PROGRESS_FRACTION = 0.7  # the goal: this share of what the slower car covers in DURATION_S


def build(*, ego_speed_mps: float, cutter_speed_mps: float, cut_in_gap_m: float,
          cut_duration_s: float) -> SceneSpec:
    """The scene for one parameter set."""
    ego_front_at_cut_m = EGO_START_S_M + EGO_FRONT_M + ego_speed_mps * CUT_TIME_S
    cutter_x_at_cut_m = ego_front_at_cut_m + cut_in_gap_m + CAR_LENGTH_M / 2.0
    cutter_x0_m = cutter_x_at_cut_m - cutter_speed_mps * CUT_TIME_S
    length_m = max(cutter_x_at_cut_m, EGO_START_S_M) + 1.2 * max(ego_speed_mps, cutter_speed_mps) * DURATION_S + 60.0
    lanes = (straight_lane("ego", 0.0, length_m, speed_limit_mps=ego_speed_mps),
             straight_lane("left", LANE_WIDTH_M, length_m, speed_limit_mps=ego_speed_mps))
    path = lane_change(LANE_WIDTH_M, 0.0, x0_m=cutter_x0_m, x_change_m=cutter_x_at_cut_m,
                       change_length_m=max(cutter_speed_mps * cut_duration_s, 1.0), x_end_m=length_m + 100.0)
    cutter = Actor(actor_id="cutter", kind="vehicle", path=path,
                   behaviour=ScriptedSpeed(initial_speed_mps=cutter_speed_mps))
    goal_s_m = EGO_START_S_M + PROGRESS_FRACTION * min(ego_speed_mps, cutter_speed_mps) * DURATION_S
    return SceneSpec(
        name="cut_in", duration_s=DURATION_S, road=Road(kind="straight", lanes=lanes),
        ego=EgoStart(lane_id="ego", start_s_m=EGO_START_S_M, initial_speed_mps=ego_speed_mps,
                     target_speed_mps=ego_speed_mps, goal_s_m=goal_s_m),
        actors=(cutter,))
