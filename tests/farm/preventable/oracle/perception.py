"""When a hazard becomes perceivable: brake onsets, lines of sight past static boxes, sensor range, lane wandering."""

from __future__ import annotations

import numpy as np

from scenario_library.scene import SceneSpec, ScriptedSpeed
from tests.farm.preventable.oracle import footprint
from tests.farm.preventable.oracle.replay import EGO, EGO_FRONT_M, LIDAR_MOUNT_M, ActorTrack, Trace

SCAN_HEIGHT_M = 0.9  # farm.sim.sensors: the lidar's scan plane; lower boxes hide nothing


def first_time_s(trace: Trace, mask: np.ndarray) -> float | None:
    """The first grid time where ``mask`` holds (None: never)."""
    hits = np.flatnonzero(mask)
    return float(trace.t_s[hits[0]]) if hits.size else None


def brake_onset_s(track: ActorTrack) -> float | None:
    """When the actor's first decelerating phase began (None: it never brakes in the replay)."""
    b = track.actor.behaviour
    if not isinstance(b, ScriptedSpeed):
        return None
    phases = sorted(b.phases, key=lambda p: p.t_s)
    for phase, begun_s in zip(phases, track.phase_begin_s, strict=False):
        if phase.accel_mps2 < 0.0 or phase.target_speed_mps < b.initial_speed_mps:
            return begun_s
    return None


def visible(trace: Trace, scene: SceneSpec, track: ActorTrack, *, range_m: float | None = None) -> np.ndarray:
    """``(N,)`` True where a line of sight from the lidar mount reaches a corner or the centre of the actor.

    Static boxes taller than the scan plane block it; with ``range_m`` the actor
    must also be within that distance of the mount.
    """
    eye = trace.ego_point_m(LIDAR_MOUNT_M)
    box = footprint.corners(track.xy_m, track.yaw_rad, track.size_m)
    points = np.concatenate([box, track.xy_m[:, None, :]], axis=1)
    seen = np.zeros(len(trace.t_s), dtype=bool)
    for j in range(points.shape[1]):
        clear = np.ones(len(trace.t_s), dtype=bool)
        for o in scene.obstacles:
            if o.height_m > SCAN_HEIGHT_M:
                clear &= ~footprint.blocked(eye, points[:, j], (o.x_m, o.y_m), o.yaw_rad, (o.length_m, o.width_m))
        seen |= clear
    if range_m is not None:
        seen &= footprint.point_to_box_m(eye, track.xy_m, track.yaw_rad, track.size_m) <= range_m
    return seen


def lateral_offset_m(trace: Trace, track: ActorTrack) -> np.ndarray:
    """``(N,)`` signed offset of the actor's centre from the ego's (straight) lane line, + left."""
    heading = trace.ego_yaw_rad
    rel = track.xy_m - trace.ego_xy_m
    return np.cos(heading) * rel[:, 1] - np.sin(heading) * rel[:, 0]


def alongside(trace: Trace, track: ActorTrack, at_s: float) -> bool:
    """Whether the actor overlaps the ego lengthwise at ``at_s`` (rear behind its front, front ahead of its rear)."""
    k = int(np.searchsorted(trace.t_s, at_s - 1e-12))
    heading = trace.ego_yaw_rad[k]
    rel = track.xy_m[k] - trace.ego_xy_m[k]
    along_m = float(np.cos(heading) * rel[0] + np.sin(heading) * rel[1])  # actor centre ahead of the rear axle
    half_m = 0.5 * track.size_m[0]
    return along_m - half_m < EGO_FRONT_M and along_m + half_m > -EGO.rear_overhang_m
