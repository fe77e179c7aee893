"""Low-friction braking: stop behind a car standing in the lane on a wet, snowy or icy road, then move on with it.

The standing car's rear is ``obstacle_distance_m`` ahead of the ego's front
bumper; the whole road has friction coefficient ``mu`` (the simulator caps the
ego's combined acceleration at mu g). The car waits until the ego's front is
within ``QUEUE_GAP_M`` of its rear (a queue moving up), then ``MOVE_OFF_DELAY_S``
later accelerates at ``MOVE_OFF_ACCEL_MPS2`` to the speed limit. The goal: the
ego's front where the car's rear stood (at most
``PROGRESS_FRACTION`` of what the speed limit allows), so a stack that never
drives up to the car, or never moves off again, fails. One straight lane.
"""

from __future__ import annotations

from scenario_library.builders.common import (
    CAR_LENGTH_M,
    EGO_FRONT_M,
    EGO_START_S_M,
    PROGRESS_FRACTION,
    line,
    straight_lane,
)
from scenario_library.scene import Actor, EgoStart, Road, SceneSpec, ScriptedSpeed, SpeedPhase, Trigger

DURATION_S = 14.0
QUEUE_GAP_M = 10.0
MOVE_OFF_DELAY_S = 0.5
MOVE_OFF_ACCEL_MPS2 = 2.0


def build(*, mu: float, ego_speed_mps: float, obstacle_distance_m: float) -> SceneSpec:
    """The scene for one parameter set."""
    car_x_m = EGO_START_S_M + EGO_FRONT_M + obstacle_distance_m + CAR_LENGTH_M / 2.0
    length_m = car_x_m + 1.2 * ego_speed_mps * DURATION_S + 60.0
    lane = straight_lane("ego", 0.0, length_m, speed_limit_mps=ego_speed_mps)
    # The trigger measures from the ego's rear axle to the car's centre.
    trigger = Trigger(t_s=None, ego_within_m=QUEUE_GAP_M + EGO_FRONT_M + CAR_LENGTH_M / 2.0)
    stopped = Actor(actor_id="stopped_car", kind="vehicle", path=line((0.0, 0.0), 0.0, length_m), start_s_m=car_x_m,
                    behaviour=ScriptedSpeed(initial_speed_mps=0.0, phases=(
                        SpeedPhase(t_s=MOVE_OFF_DELAY_S, accel_mps2=MOVE_OFF_ACCEL_MPS2,
                                   target_speed_mps=ego_speed_mps),)),
                    trigger=trigger)
    goal_front_m = min(car_x_m - CAR_LENGTH_M / 2.0,
                       EGO_START_S_M + EGO_FRONT_M + PROGRESS_FRACTION * ego_speed_mps * DURATION_S)
    return SceneSpec(
        name="low_friction_braking", duration_s=DURATION_S, road=Road(kind="straight", lanes=(lane,)),
        ego=EgoStart(lane_id="ego", start_s_m=EGO_START_S_M, initial_speed_mps=ego_speed_mps,
                     target_speed_mps=ego_speed_mps, goal_s_m=goal_front_m - EGO_FRONT_M),
        actors=(stopped,), friction_mu=mu)
