"""Rules settled by the room the scene leaves: debris to stop for or swerve round, a narrow gap, a bend."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from farm.preventable.contact import best, outcome
from farm.preventable.driver import G_MPS2, R157, brake_profile
from farm.preventable.replay import EGO, EgoPlan, simulate
from farm.preventable.rules_following import braking_outcome
from farm.preventable.verdict import Outcome
from scenario_library.builders.curve_following import ENTRY_M
from scenario_library.family import PreventableRule
from scenario_library.scene import SceneSpec


def static_obstacle(scene: SceneSpec, params: Mapping[str, Any], rule: PreventableRule, *,
                    target: str = "obstacle") -> Outcome:
    """Perceived at t = 0: brake (R157) or swerve to the mission's full lateral room at min(mu g, 0.774 g)."""
    del params
    found = [braking_outcome(scene, target, 0.0, rule)]
    lat_mps2 = R157.decel_on(scene.friction_mu)
    for name, room_m in (("swerve_left", scene.ego.avoid_left_m), ("swerve_right", -scene.ego.avoid_right_m)):
        if room_m != 0.0:
            plan = EgoPlan(kind="swerve", cmd_s=R157.delay_s, lateral_m=room_m, lat_accel_mps2=lat_mps2,
                           perceived_s=0.0)
            found.append(outcome(simulate(scene, plan), scene, target, margin_m=rule.margin_m, policy=name,
                                 perception_t_s=0.0))
    return best(found)


def narrow_passage(scene: SceneSpec, params: Mapping[str, Any], rule: PreventableRule) -> Outcome:
    """Geometric: the best side clearance of a lateral position inside the lane; preventable above ``margin_m``."""
    width_m, centre_m = float(params["passage_width_m"]), float(params["passage_offset_m"])
    room_m = max(0.5 * (scene.lane(scene.ego.lane_id).width_m - EGO.width_m), 0.0)
    position_m = min(max(centre_m, -room_m), room_m)
    clearance_m = 0.5 * (width_m - EGO.width_m) - abs(position_m - centre_m)
    fits = clearance_m > rule.margin_m
    return Outcome(preventable=fits, impact_speed_mps=0.0 if clearance_m > 0.0 else None, min_gap_m=clearance_m,
                   policy="thread" if fits else None)


def curve_following(scene: SceneSpec, params: Mapping[str, Any], rule: PreventableRule) -> Outcome:
    """Can R157 braking over the straight bring the speed down to sqrt(a_lim r) by the bend? (no reaction delay)."""
    assert rule.lat_accel_limit_mps2 is not None  # the family schema requires it for this rule
    radius_m, speed_mps = float(params["radius_m"]), scene.ego.initial_speed_mps
    lat_mps2 = min(scene.friction_mu * G_MPS2, rule.lat_accel_limit_mps2)
    limit_mps = math.sqrt(lat_mps2 * radius_m)
    room_m = ENTRY_M - scene.ego.start_s_m
    tau = np.linspace(0.0, speed_mps / R157.decel_on(scene.friction_mu) + 1.0, 4001)
    dist, speed = brake_profile(tau, speed_mps, R157.decel_on(scene.friction_mu), R157.jerk_mps3)
    at_bend_mps = float(np.interp(room_m, dist, speed)) if dist[-1] > room_m else 0.0
    ok = speed_mps <= limit_mps or at_bend_mps <= limit_mps
    return Outcome(preventable=ok, impact_speed_mps=0.0 if ok else None, min_gap_m=None,
                   policy="cruise" if speed_mps <= limit_mps else ("brake" if ok else None))
