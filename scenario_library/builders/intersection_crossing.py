"""Unprotected crossing traffic: a car from the right crosses a four-way intersection the ego drives through.

The ego goes straight east; the crossing car waits in the side road
``PULL_OUT_S`` (at its speed) short of the conflict point and pulls out at
``cross_speed_mps``, ignoring the ego. ``time_gap_s`` is when its centre reaches
the conflict point relative to the ego's centre, had the ego kept its speed
(negative: it passes first). For ``time_gap_s < PULL_OUT_S`` the car pulls out
when the ego comes within the matching distance (so an ego that slowed earlier
is not spared); a gap earlier than the ego's start allows pulls out at t = 0.
Later gaps pull out at a fixed time. Buildings on the four corners,
``building_setback_m`` back from the road edge, hide the side roads.
"""

from __future__ import annotations

import math

from scenario_library.builders.common import EGO_CENTRE_AHEAD_M, EGO_START_S_M, LANE_WIDTH_M, line
from scenario_library.scene import Actor, EgoStart, Lane, Road, SceneSpec, ScriptedSpeed, StaticObstacle, Trigger

DURATION_S = 12.0
ARM_M = 80.0  # each road reaches this far from the centre of the intersection
BUILDING_SIZE_M = 30.0
BUILDING_HEIGHT_M = 6.0
PROGRESS_FRACTION = 0.8
GOAL_X_M = 15.0
CONFLICT_XY_M = (LANE_WIDTH_M / 2.0, -LANE_WIDTH_M / 2.0)
PULL_OUT_S = 1.0


def _lanes(speed_limit_mps: float) -> tuple[Lane, ...]:
    half = LANE_WIDTH_M / 2.0
    span = 2.0 * ARM_M
    arms = (("ego", (-ARM_M, -half), 0.0), ("westbound", (ARM_M, half), math.pi),
            ("northbound", (half, -ARM_M), math.pi / 2), ("southbound", (-half, ARM_M), -math.pi / 2))
    return tuple(Lane(lane_id=name, centreline=line(start, heading, span), width_m=LANE_WIDTH_M,
                      speed_limit_mps=speed_limit_mps) for name, start, heading in arms)


def _buildings(setback_m: float) -> tuple[StaticObstacle, ...]:
    centre = LANE_WIDTH_M + setback_m + BUILDING_SIZE_M / 2.0
    corners = (("ne", 1, 1), ("nw", -1, 1), ("sw", -1, -1), ("se", 1, -1))
    return tuple(StaticObstacle(obstacle_id=f"building_{name}", kind="building", x_m=sx * centre, y_m=sy * centre,
                                length_m=BUILDING_SIZE_M, width_m=BUILDING_SIZE_M, height_m=BUILDING_HEIGHT_M)
                 for name, sx, sy in corners)


def _trigger(ego_speed_mps: float, cross_distance_m: float, time_gap_s: float, ego_to_conflict_m: float) -> Trigger:
    """Pull out when the ego's centre is ``ego_speed * (PULL_OUT_S - gap)`` from the conflict point."""
    ego_at_pull_out_m = ego_speed_mps * (PULL_OUT_S - time_gap_s)
    if ego_at_pull_out_m <= 0.0:  # the car comes after the ego: a fixed time
        return Trigger(t_s=ego_to_conflict_m / ego_speed_mps + time_gap_s - PULL_OUT_S, ego_within_m=None)
    return Trigger(t_s=None, ego_within_m=math.hypot(ego_at_pull_out_m, cross_distance_m))


def build(*, ego_speed_mps: float, cross_speed_mps: float, time_gap_s: float, building_setback_m: float) -> SceneSpec:
    """The scene for one parameter set."""
    ego_to_conflict_m = CONFLICT_XY_M[0] - (-ARM_M + EGO_START_S_M + EGO_CENTRE_AHEAD_M)
    cross_distance_m = cross_speed_mps * PULL_OUT_S
    path = line((CONFLICT_XY_M[0], CONFLICT_XY_M[1] - cross_distance_m), math.pi / 2,
                cross_distance_m + 2.0 * ARM_M)
    crossing = Actor(actor_id="crossing_car", kind="vehicle", path=path,
                     behaviour=ScriptedSpeed(initial_speed_mps=cross_speed_mps),
                     trigger=_trigger(ego_speed_mps, cross_distance_m, time_gap_s, ego_to_conflict_m))
    goal_s_m = EGO_START_S_M + min(PROGRESS_FRACTION * ego_speed_mps * DURATION_S, ARM_M + GOAL_X_M - EGO_START_S_M)
    return SceneSpec(
        name="intersection_crossing", duration_s=DURATION_S, road=Road(kind="intersection", lanes=_lanes(
            max(ego_speed_mps, cross_speed_mps))),
        ego=EgoStart(lane_id="ego", start_s_m=EGO_START_S_M, initial_speed_mps=ego_speed_mps,
                     target_speed_mps=ego_speed_mps, goal_s_m=goal_s_m),
        actors=(crossing,), obstacles=_buildings(building_setback_m))
