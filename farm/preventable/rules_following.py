"""Rules for a road user ahead in the ego's lane: lead braking, sensor degradation, low friction, cut-in.

Each rule replays the scene with the reference ego cruising to find when the
hazard becomes perceivable, then replays it again with the ego braking as the
R157 driver does (``driver.R157``) from perception + 0.4 s + 0.75 s.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from farm.preventable.contact import best, outcome
from farm.preventable.driver import LANE_WANDERING_M, R157
from farm.preventable.perception import alongside, brake_onset_s, first_time_s, first_visible_s, lateral_offset_m
from farm.preventable.replay import EgoPlan, Trace, simulate
from farm.preventable.verdict import Outcome
from scenario_library.family import PreventableRule
from scenario_library.scene import SceneSpec

CRUISE = EgoPlan()


def brake_plan(scene: SceneSpec, perception_t_s: float) -> EgoPlan:
    """Cruise until ``perception_t_s`` + 0.4 s + 0.75 s, then the R157 braking on the scene's grip, to a stop."""
    return EgoPlan(kind="brake", cmd_s=perception_t_s + R157.delay_s, decel_mps2=R157.decel_on(scene.friction_mu),
                   jerk_mps3=R157.jerk_mps3, perceived_s=perception_t_s)


def braking_outcome(scene: SceneSpec, target_id: str, perception_t_s: float | None, rule: PreventableRule,
                    cruise: Trace | None = None) -> Outcome:
    """The reference braking from ``perception_t_s`` (cruising throughout when the hazard is never perceivable).

    ``cruise``: the scene's replay with the ego cruising, if already made (reused, never recomputed).
    """
    if perception_t_s is None:
        return outcome(cruise or simulate(scene, CRUISE), scene, target_id, margin_m=rule.margin_m, policy="cruise",
                       perception_t_s=None)
    return outcome(simulate(scene, brake_plan(scene, perception_t_s), reuse=cruise), scene, target_id,
                   margin_m=rule.margin_m, policy="brake", perception_t_s=perception_t_s)


def lead_vehicle_braking(scene: SceneSpec, params: Mapping[str, Any], rule: PreventableRule, *,
                         target: str = "lead") -> Outcome:
    """R157 deceleration case: perception starts at the lead's (``target``'s) brake onset."""
    del params
    cruise = simulate(scene, CRUISE)
    return braking_outcome(scene, target, brake_onset_s(cruise.actors[target]), rule, cruise)


def sensor_degradation(scene: SceneSpec, params: Mapping[str, Any], rule: PreventableRule, *,
                       target: str = "lead") -> Outcome:
    """As ``lead_vehicle_braking``, but not before the lead is within the degraded lidar range of the mount."""
    del params
    trace = simulate(scene, CRUISE)
    lead = trace.actors[target]
    onset_s = brake_onset_s(lead)
    if onset_s is None:
        return braking_outcome(scene, target, None, rule, trace)
    seen_s = first_visible_s(trace, scene, lead, onset_s, range_m=scene.sensors.lidar_max_range_m)
    return braking_outcome(scene, target, seen_s, rule, trace)


def low_friction_braking(scene: SceneSpec, params: Mapping[str, Any], rule: PreventableRule, *,
                         target: str = "stopped_car") -> Outcome:
    """Stopping distance: the stopped car is perceived at t = 0, then 1.15 s and braking at min(mu g, 0.774 g)."""
    del params
    return braking_outcome(scene, target, 0.0, rule)


def cut_in(scene: SceneSpec, params: Mapping[str, Any], rule: PreventableRule, *, target: str = "cutter") -> Outcome:
    """R157 cut-in case: perception when the cutter has wandered 0.375 m towards the ego; alongside: unpreventable."""
    del params
    trace = simulate(scene, CRUISE)
    cutter = trace.actors[target]
    offset = lateral_offset_m(trace, cutter)
    moved = (abs(offset[0]) - abs(offset)) > LANE_WANDERING_M
    start_s = first_time_s(trace, moved)
    cruise = outcome(trace, scene, target, margin_m=rule.margin_m, policy="cruise", perception_t_s=start_s)
    if start_s is None:
        return cruise
    found = best([braking_outcome(scene, target, start_s, rule, trace), cruise])
    if alongside(trace, cutter, start_s):
        return Outcome(preventable=False, impact_speed_mps=found.impact_speed_mps, min_gap_m=found.min_gap_m,
                       policy=f"{found.policy} (alongside)", perception_t_s=start_s)
    return found
