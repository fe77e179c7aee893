"""Rules for road users crossing the ego's path: a pedestrian at a crossing, a car pulling out at an intersection.

Start triggers are evaluated against the reference ego's own position (the
replay steps them with it). Perception starts at the later of the road user
setting off and the first line of sight from the lidar mount past parked cars
or buildings (``perception.visible``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from farm.preventable.contact import best, outcome
from farm.preventable.driver import R157
from farm.preventable.perception import first_visible_s
from farm.preventable.replay import EGO, EgoPlan, Trace, simulate
from farm.preventable.rules_following import CRUISE, braking_outcome
from farm.preventable.verdict import Outcome
from scenario_library.family import PreventableRule
from scenario_library.scene import SceneSpec


def perception_s(scene: SceneSpec, actor_id: str, cruise: Trace) -> float | None:
    """When the crossing road user is both moving and in sight of the cruising ego (None: never within the scene)."""
    track = cruise.actors[actor_id]
    if track.fired_s is None:
        return None
    return first_visible_s(cruise, scene, track, track.fired_s)


def pedestrian_crossing(scene: SceneSpec, params: Mapping[str, Any], rule: PreventableRule, *,
                        target: str = "pedestrian") -> Outcome:
    """Perception once the walker has stepped off and is visible past the parked car; then R157 braking."""
    del params
    cruise = simulate(scene, CRUISE)
    return braking_outcome(scene, target, perception_s(scene, target, cruise), rule, cruise)


def intersection_crossing(scene: SceneSpec, params: Mapping[str, Any], rule: PreventableRule, *,
                          target: str = "crossing_car") -> Outcome:
    """The best of braking short of the conflict zone, keeping the speed, or accelerating to clear it first."""
    del params
    trace = simulate(scene, CRUISE)
    seen_s = perception_s(scene, target, trace)
    cruise = outcome(trace, scene, target, margin_m=rule.margin_m, policy="cruise", perception_t_s=seen_s)
    if seen_s is None:
        return cruise
    limit_mps = scene.lane(scene.ego.lane_id).speed_limit_mps
    go = EgoPlan(kind="accelerate", cmd_s=seen_s + R157.delay_s, accel_mps2=EGO.max_accel_mps2,
                 speed_cap_mps=max(limit_mps, scene.ego.initial_speed_mps), perceived_s=seen_s)
    accelerate = outcome(simulate(scene, go, reuse=trace), scene, target, margin_m=rule.margin_m,
                         policy="accelerate", perception_t_s=seen_s)
    return best([braking_outcome(scene, target, seen_s, rule, trace), cruise, accelerate])
