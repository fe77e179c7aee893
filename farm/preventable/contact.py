"""From a replay to an ``Outcome``: footprint gaps between the reference ego and the actor of interest."""

from __future__ import annotations

import numpy as np

from farm.preventable import footprint
from farm.preventable.replay import EGO_CENTRE_AHEAD_M, EGO_SIZE_M, Trace
from farm.preventable.verdict import Outcome
from scenario_library.scene import SceneSpec

SLACK_M = 1e-9  # rounding in the bound is ~1e-14 m
MIN_GAP_TOL_M = 1e-9  # the least gap is exact to this
_CHUNK = 64  # steps per exact evaluation while looking for the first contact


def ego_box(trace: Trace) -> np.ndarray:
    """``(N, 4, 2)`` the ego's footprint over the replay."""
    return footprint.corners(trace.ego_point_m(EGO_CENTRE_AHEAD_M), trace.ego_yaw_rad, EGO_SIZE_M)


def _target_pose(trace: Trace, scene: SceneSpec, target_id: str) -> tuple[np.ndarray, np.ndarray, tuple[float, float]]:
    """Centre ``(N, 2)``, heading ``(N,)`` and (length, width) of actor or static obstacle ``target_id``."""
    if target_id in trace.actors:
        track = trace.actors[target_id]
        return track.xy_m, track.yaw_rad, track.size_m
    box = next(o for o in scene.obstacles if o.obstacle_id == target_id)
    n = len(trace.t_s)
    return np.tile((box.x_m, box.y_m), (n, 1)), np.full(n, box.yaw_rad), (box.length_m, box.width_m)


def target_box(trace: Trace, scene: SceneSpec, target_id: str) -> np.ndarray:
    """``(N, 4, 2)`` the footprint of actor or static obstacle ``target_id`` over the replay."""
    return footprint.corners(*_target_pose(trace, scene, target_id))


def gaps_m(trace: Trace, scene: SceneSpec, target_id: str) -> np.ndarray:
    """``(N,)`` footprint gap ego -> target (0 in contact) on every step (what ``contact_and_min_gap`` reduces)."""
    return footprint.box_gap_m(ego_box(trace), target_box(trace, scene, target_id))


class _Gaps:
    """The exact box gap on chosen steps only, and a cheap lower bound on it for every step."""

    def __init__(self, trace: Trace, scene: SceneSpec, target_id: str) -> None:
        self.ego = (trace.ego_point_m(EGO_CENTRE_AHEAD_M), trace.ego_yaw_rad, EGO_SIZE_M)
        self.target = _target_pose(trace, scene, target_id)
        self.bound_m = footprint.separation_bound_m(*self.ego, *self.target)

    def exact_m(self, steps: np.ndarray) -> np.ndarray:
        (ca, ya, sa), (cb, yb, sb) = self.ego, self.target
        return footprint.box_gap_m(footprint.corners(ca[steps], ya[steps], sa),
                                   footprint.corners(cb[steps], yb[steps], sb))


def contact_and_min_gap(trace: Trace, scene: SceneSpec, target_id: str) -> tuple[int | None, float]:
    """The first step in contact (None: none) and the least gap (0 with contact), as ``gaps_m`` gives them.

    The first contact is exact: only steps whose lower bound is <= ``SLACK_M``
    can touch. The least gap is within ``MIN_GAP_TOL_M`` above the least of
    ``gaps_m``: with ``c`` the exact gap where the bound is least, every step
    skipped has a gap >= its bound >= c - MIN_GAP_TOL_M.
    """
    gaps = _Gaps(trace, scene, target_id)
    near = np.flatnonzero(gaps.bound_m <= SLACK_M)
    for chunk in np.split(near, range(_CHUNK, near.size, _CHUNK)) if near.size else []:
        touching = chunk[gaps.exact_m(chunk) <= 0.0]
        if touching.size:
            return int(touching[0]), 0.0
    k = int(np.argmin(gaps.bound_m))
    ceiling_m = float(gaps.exact_m(np.array([k]))[0])
    near = np.flatnonzero(gaps.bound_m < ceiling_m - MIN_GAP_TOL_M)
    return None, min(ceiling_m, float(gaps.exact_m(near).min())) if near.size else ceiling_m


def outcome(trace: Trace, scene: SceneSpec, target_id: str, *, margin_m: float, policy: str,
            perception_t_s: float | None) -> Outcome:
    """Impact speed at the first contact (0 if none) and the least gap before it; preventable iff clear by > margin."""
    first, min_gap = contact_and_min_gap(trace, scene, target_id)
    if first is not None:
        return Outcome(preventable=False, impact_speed_mps=float(trace.ego_speed_mps[first]), min_gap_m=0.0,
                       policy=policy, perception_t_s=perception_t_s)
    return Outcome(preventable=min_gap > margin_m, impact_speed_mps=0.0, min_gap_m=min_gap, policy=policy,
                   perception_t_s=perception_t_s)


def best(outcomes: list[Outcome]) -> Outcome:
    """The best of several policies: an avoiding one with the largest gap, else the lowest impact speed."""
    avoiding = [o for o in outcomes if o.preventable]
    if avoiding:
        return max(avoiding, key=lambda o: o.min_gap_m or 0.0)
    return min(outcomes, key=lambda o: (o.impact_speed_mps or 0.0, -(o.min_gap_m or 0.0)))
