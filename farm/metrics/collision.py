"""collision and its reading as a safety engineer's: speed, closing speed, kind, class and fault at first contact.

The class follows nuPlan's ``get_collision_type`` and ``no_ego_at_fault_collisions``
(nuplan-devkit, ``nuplan/planning/metrics/utils/collision_utils.py`` and
``evaluation_metrics/common/no_ego_at_fault_collisions.py``), checked in this order:

- ``stopped_ego``: the ego's speed <= 0.05 m/s (nuPlan's stopped-speed threshold): not at fault;
- ``stopped_track``: the other body's speed <= 0.05 m/s (every static obstacle): at fault;
- ``rear``: the other body's centre lies more than 150 deg off the ego's heading, seen from the
  rear axle (nuPlan's ``is_agent_behind``): rear-ended while moving, not at fault;
- ``front``: the ego's front bumper edge touches the other footprint (within ``FRONT_TOLERANCE_M``): at fault;
- ``lateral``: anything else: at fault only when the ego's footprint had left its own lane.

Everything is read at the physics step of first contact (``Trace.impact``), with
the speeds from before that step, i.e. before any contact impulse.
"""

from __future__ import annotations

import math
from typing import Any

from farm.metrics.footprint import corners, segment_to_box_m
from farm.metrics.trace import Impact, Trace
from farm.result import Event

STOPPED_MPS = 0.05
BEHIND_RAD = math.radians(150.0)
FRONT_TOLERANCE_M = 0.05  # Bullet keeps contacts up to ~2 cm apart; a kinematic ego overlaps by <= v dt
AT_FAULT_CLASSES = frozenset({"front", "stopped_track"})
NO_COLLISION = {"collision": False, "collision_speed_mps": 0.0, "collision_rel_speed_mps": 0.0,
                "collision_kind": "none", "collision_class": "none", "collision_at_fault": False}


def first_contact(trace: Trace) -> int | None:
    """Index of the first tick with a contact (or a non-positive gap), else None."""
    for i, touching in enumerate(trace.contacts):
        if touching or trace.gap_m[i] <= 0.0:
            return i
    return None


def impact_of(trace: Trace) -> Impact | None:
    """The simulator's first-contact record; for a trace without one, rebuilt from the first contact tick."""
    if trace.impact is not None:
        return trace.impact
    i = first_contact(trace)
    if i is None:
        return None
    named = trace.contacts[i][0] if trace.contacts[i] else None
    j = trace.body_ids.index(named) if named in trace.body_ids else None
    yaw, v = float(trace.ego_yaw_rad[i]), float(trace.ego_speed_mps[i])
    body: dict[str, Any] = {"body_id": named or "unknown", "body_kind": "unknown", "body_x_m": math.nan,
                            "body_y_m": math.nan, "body_yaw_rad": 0.0, "body_vx_mps": 0.0, "body_vy_mps": 0.0,
                            "body_length_m": 0.0, "body_width_m": 0.0}
    if j is not None:
        body.update(body_kind=trace.body_kinds[j], body_x_m=float(trace.body_xy_m[i, j, 0]),
                    body_y_m=float(trace.body_xy_m[i, j, 1]), body_yaw_rad=float(trace.body_yaw_rad[i, j]),
                    body_vx_mps=float(trace.body_vxy_mps[i, j, 0]), body_vy_mps=float(trace.body_vxy_mps[i, j, 1]),
                    body_length_m=float(trace.body_length_m[j]), body_width_m=float(trace.body_width_m[j]))
    return Impact(t_s=float(trace.t_s[i]), ego_x_m=float(trace.ego_x_m[i]), ego_y_m=float(trace.ego_y_m[i]),
                  ego_yaw_rad=yaw, ego_speed_mps=v, ego_vx_mps=v * math.cos(yaw), ego_vy_mps=v * math.sin(yaw),
                  **body)


def collision_class(hit: Impact, *, ego_length_m: float, ego_width_m: float, ego_rear_overhang_m: float) -> str:
    """stopped_ego | stopped_track | rear | front | lateral (see the module docstring)."""
    if math.hypot(hit.ego_vx_mps, hit.ego_vy_mps) <= STOPPED_MPS:
        return "stopped_ego"
    if math.hypot(hit.body_vx_mps, hit.body_vy_mps) <= STOPPED_MPS:
        return "stopped_track"
    dx, dy = hit.body_x_m - hit.ego_x_m, hit.body_y_m - hit.ego_y_m
    bearing = math.atan2(dy, dx) - hit.ego_yaw_rad
    if math.hypot(dx, dy) > 0.0 and abs(math.atan2(math.sin(bearing), math.cos(bearing))) > BEHIND_RAD:
        return "rear"
    ego = corners(hit.ego_x_m, hit.ego_y_m, hit.ego_yaw_rad, ego_length_m, ego_width_m,
                  ahead_m=0.5 * ego_length_m - ego_rear_overhang_m)
    other = corners(hit.body_x_m, hit.body_y_m, hit.body_yaw_rad, hit.body_length_m, hit.body_width_m)
    if segment_to_box_m(ego[0], ego[1], other) <= FRONT_TOLERANCE_M:
        return "front"
    return "lateral"


def compute(trace: Trace) -> dict[str, Any]:
    """The collision columns; ``NO_COLLISION`` when there is none."""
    hit = impact_of(trace)
    if hit is None:
        return dict(NO_COLLISION)
    kind = collision_class(hit, ego_length_m=trace.ego_length_m, ego_width_m=trace.ego_width_m,
                           ego_rear_overhang_m=trace.ego_rear_overhang_m)
    return {"collision": True, "collision_speed_mps": abs(hit.ego_speed_mps),
            "collision_rel_speed_mps": math.hypot(hit.ego_vx_mps - hit.body_vx_mps, hit.ego_vy_mps - hit.body_vy_mps),
            "collision_kind": hit.body_kind, "collision_class": kind,
            "collision_at_fault": kind in AT_FAULT_CLASSES or (kind == "lateral" and not hit.ego_in_lane)}


def events(trace: Trace) -> list[Event]:
    """One ``collision`` event at the physics step of first contact, naming the body and the reading."""
    hit = impact_of(trace)
    if hit is None:
        return []
    m = compute(trace)
    fault = "at fault" if m["collision_at_fault"] else "not at fault"
    return [Event(t_s=hit.t_s, kind="collision",
                  detail=f"{hit.body_id} ({m['collision_kind']}) {m['collision_class']}, {fault}: ego "
                         f"{m['collision_speed_mps']:.2f} m/s, closing {m['collision_rel_speed_mps']:.2f} m/s")]
