"""Sensor degradation: follow a braking lead car with a noisy, sparse, short-sighted lidar and a GNSS outage.

The lead starts ``LEAD_TIME_GAP_S`` ahead at the ego's speed and brakes at
``LEAD_DECEL_MPS2`` to a stop from ``BRAKE_TIME_S`` on. GNSS fixes are missing
from ``OUTAGE_START_S`` for ``gnss_outage_s``. One straight lane.
"""

from __future__ import annotations

from scenario_library.builders.common import CAR_LENGTH_M, EGO_FRONT_M, EGO_START_S_M, line, straight_lane
from scenario_library.scene import (
    Actor,
    EgoStart,
    Road,
    SceneSpec,
    ScriptedSpeed,
    SensorConditions,
    SpeedPhase,
)

DURATION_S = 15.0
LEAD_TIME_GAP_S = 2.0
LEAD_DECEL_MPS2 = 3.0
BRAKE_TIME_S = 5.0
OUTAGE_START_S = 2.0


def build(*, ego_speed_mps: float, lidar_range_noise_std_m: float, lidar_dropout_prob: float,
          lidar_max_range_m: float, gnss_outage_s: float) -> SceneSpec:
    """The scene for one parameter set."""
    lead_s_m = EGO_START_S_M + EGO_FRONT_M + LEAD_TIME_GAP_S * ego_speed_mps + CAR_LENGTH_M / 2.0
    length_m = lead_s_m + 1.2 * ego_speed_mps * DURATION_S + 60.0
    lane = straight_lane("ego", 0.0, length_m, speed_limit_mps=ego_speed_mps)
    lead = Actor(actor_id="lead", kind="vehicle", path=line((0.0, 0.0), 0.0, length_m), start_s_m=lead_s_m,
                 behaviour=ScriptedSpeed(initial_speed_mps=ego_speed_mps, phases=(
                     SpeedPhase(t_s=BRAKE_TIME_S, accel_mps2=-LEAD_DECEL_MPS2, target_speed_mps=0.0),)))
    outages = ((OUTAGE_START_S, OUTAGE_START_S + gnss_outage_s),) if gnss_outage_s > 0.0 else ()
    sensors = SensorConditions(lidar_range_noise_std_m=lidar_range_noise_std_m, lidar_dropout_prob=lidar_dropout_prob,
                               lidar_max_range_m=lidar_max_range_m, gnss_outages=outages)
    return SceneSpec(
        name="sensor_degradation", duration_s=DURATION_S, road=Road(kind="straight", lanes=(lane,)),
        ego=EgoStart(lane_id="ego", start_s_m=EGO_START_S_M, initial_speed_mps=ego_speed_mps,
                     target_speed_mps=ego_speed_mps),
        actors=(lead,), sensors=sensors)
