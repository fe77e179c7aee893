"""From a replay to an ``Outcome``: footprint gaps between the reference ego and the actor of interest."""

from __future__ import annotations

import numpy as np

from farm.preventable.verdict import Outcome
from scenario_library.scene import SceneSpec
from tests.farm.preventable.oracle import footprint
from tests.farm.preventable.oracle.replay import EGO_CENTRE_AHEAD_M, EGO_SIZE_M, Trace


def ego_box(trace: Trace) -> np.ndarray:
    """``(N, 4, 2)`` the ego's footprint over the replay."""
    return footprint.corners(trace.ego_point_m(EGO_CENTRE_AHEAD_M), trace.ego_yaw_rad, EGO_SIZE_M)


def target_box(trace: Trace, scene: SceneSpec, target_id: str) -> np.ndarray:
    """``(N, 4, 2)`` the footprint of actor or static obstacle ``target_id`` over the replay."""
    if target_id in trace.actors:
        track = trace.actors[target_id]
        return footprint.corners(track.xy_m, track.yaw_rad, track.size_m)
    box = next(o for o in scene.obstacles if o.obstacle_id == target_id)
    n = len(trace.t_s)
    return footprint.corners(np.tile((box.x_m, box.y_m), (n, 1)), np.full(n, box.yaw_rad), (box.length_m, box.width_m))


def gaps_m(trace: Trace, scene: SceneSpec, target_id: str) -> np.ndarray:
    """``(N,)`` footprint gap ego -> target (0 in contact)."""
    return footprint.box_gap_m(ego_box(trace), target_box(trace, scene, target_id))


def outcome(trace: Trace, scene: SceneSpec, target_id: str, *, margin_m: float, policy: str,
            perception_t_s: float | None) -> Outcome:
    """Impact speed at the first contact (0 if none) and the least gap before it; preventable iff clear by > margin."""
    gaps = gaps_m(trace, scene, target_id)
    touching = np.flatnonzero(gaps <= 0.0)
    if touching.size:
        first = int(touching[0])
        return Outcome(preventable=False, impact_speed_mps=float(trace.ego_speed_mps[first]), min_gap_m=0.0,
                       policy=policy, perception_t_s=perception_t_s)
    min_gap = float(gaps.min())
    return Outcome(preventable=min_gap > margin_m, impact_speed_mps=0.0, min_gap_m=min_gap, policy=policy,
                   perception_t_s=perception_t_s)


def best(outcomes: list[Outcome]) -> Outcome:
    """The best of several policies: an avoiding one with the largest gap, else the lowest impact speed."""
    avoiding = [o for o in outcomes if o.preventable]
    if avoiding:
        return max(avoiding, key=lambda o: o.min_gap_m or 0.0)
    return min(outcomes, key=lambda o: (o.impact_speed_mps or 0.0, -(o.min_gap_m or 0.0)))
