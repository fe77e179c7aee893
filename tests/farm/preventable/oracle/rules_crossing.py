"""Rules for road users crossing the ego's path: a pedestrian at a crossing, a car pulling out at an intersection.

Start triggers are evaluated against the reference ego's own position (the
replay steps them with it). Perception starts at the later of the road user
setting off and the first line of sight from the lidar mount past parked cars
or buildings (``perception.visible``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from farm.preventable.driver import R157
from farm.preventable.verdict import Outcome
from scenario_library.family import PreventableRule
from scenario_library.scene import SceneSpec
from tests.farm.preventable.oracle.contact import best, outcome
from tests.farm.preventable.oracle.perception import first_time_s, visible
from tests.farm.preventable.oracle.replay import EGO, EgoPlan, simulate
from tests.farm.preventable.oracle.rules_following import CRUISE, braking_outcome


def perception_s(scene: SceneSpec, actor_id: str) -> float | None:
    """When the crossing road user is both moving and in sight (None: never within the scene)."""
    trace = simulate(scene, CRUISE)
    track = trace.actors[actor_id]
    if track.fired_s is None:
        return None
    in_sight = visible(trace, scene, track) & (trace.t_s >= track.fired_s - 1e-12)
    return first_time_s(trace, in_sight)


def pedestrian_crossing(scene: SceneSpec, params: Mapping[str, Any], rule: PreventableRule) -> Outcome:
    """Perception once the walker has stepped off and is visible past the parked car; then R157 braking."""
    del params
    return braking_outcome(scene, "pedestrian", perception_s(scene, "pedestrian"), rule)


def intersection_crossing(scene: SceneSpec, params: Mapping[str, Any], rule: PreventableRule) -> Outcome:
    """The best of braking short of the conflict zone, keeping the speed, or accelerating to clear it first."""
    del params
    seen_s = perception_s(scene, "crossing_car")
    cruise = outcome(simulate(scene, CRUISE), scene, "crossing_car", margin_m=rule.margin_m, policy="cruise",
                     perception_t_s=seen_s)
    if seen_s is None:
        return cruise
    limit_mps = scene.lane(scene.ego.lane_id).speed_limit_mps
    go = EgoPlan(kind="accelerate", cmd_s=seen_s + R157.delay_s, accel_mps2=EGO.max_accel_mps2,
                 speed_cap_mps=max(limit_mps, scene.ego.initial_speed_mps))
    accelerate = outcome(simulate(scene, go), scene, "crossing_car", margin_m=rule.margin_m, policy="accelerate",
                         perception_t_s=seen_s)
    return best([braking_outcome(scene, "crossing_car", seen_s, rule), cruise, accelerate])
