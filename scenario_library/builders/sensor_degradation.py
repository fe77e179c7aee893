"""Sensor degradation: follow a braking lead car with a noisy, sparse, short-sighted lidar and a GNSS outage.

The lead starts ``LEAD_TIME_GAP_S`` ahead at the ego's speed, brakes at
``LEAD_DECEL_MPS2`` to a stop from ``BRAKE_TIME_S`` on and drives off again at
``common.DRIVE_OFF_S`` (``common.stop_and_go_lead``); the goal asks the ego to
move off behind it. GNSS fixes are missing
from ``OUTAGE_START_S`` for ``gnss_outage_s``. One straight lane.
"""

from __future__ import annotations

from scenario_library.builders.common import (
    CAR_LENGTH_M,
    EGO_FRONT_M,
    EGO_START_S_M,
    stop_and_go_lead,
    straight_lane,
)
from scenario_library.scene import EgoStart, Road, SceneSpec, SensorConditions

DURATION_S = 15.0
LEAD_TIME_GAP_S = 2.0
LEAD_DECEL_MPS2 = 3.0
BRAKE_TIME_S = 3.0  # from 20 m/s the lead stands still by 9.7 s, before it drives off
OUTAGE_START_S = 2.0


def build(*, ego_speed_mps: float, lidar_range_noise_std_m: float, lidar_dropout_prob: float,
          lidar_max_range_m: float, gnss_outage_s: float) -> SceneSpec:
    """The scene for one parameter set."""
    lead_s_m = EGO_START_S_M + EGO_FRONT_M + LEAD_TIME_GAP_S * ego_speed_mps + CAR_LENGTH_M / 2.0
    length_m = lead_s_m + 1.2 * ego_speed_mps * DURATION_S + 60.0
    lane = straight_lane("ego", 0.0, length_m, speed_limit_mps=ego_speed_mps)
    lead, goal_s_m = stop_and_go_lead(lead_s_m=lead_s_m, speed_mps=ego_speed_mps, decel_mps2=LEAD_DECEL_MPS2,
                                      brake_time_s=BRAKE_TIME_S, length_m=length_m, duration_s=DURATION_S)
    outages = ((OUTAGE_START_S, OUTAGE_START_S + gnss_outage_s),) if gnss_outage_s > 0.0 else ()
    sensors = SensorConditions(lidar_range_noise_std_m=lidar_range_noise_std_m, lidar_dropout_prob=lidar_dropout_prob,
                               lidar_max_range_m=lidar_max_range_m, gnss_outages=outages)
    return SceneSpec(
        name="sensor_degradation", duration_s=DURATION_S, road=Road(kind="straight", lanes=(lane,)),
        ego=EgoStart(lane_id="ego", start_s_m=EGO_START_S_M, initial_speed_mps=ego_speed_mps,
                     target_speed_mps=ego_speed_mps, goal_s_m=goal_s_m),
        actors=(lead,), sensors=sensors)
