"""When a hazard becomes perceivable: brake onsets, lines of sight past static boxes, sensor range, lane wandering."""

from __future__ import annotations

import numpy as np

from farm.preventable import footprint, recorded
from farm.preventable.replay import EGO, EGO_FRONT_M, LIDAR_MOUNT_M, ActorTrack, Trace
from scenario_library.scene import RecordedTrajectory, SceneSpec, ScriptedSpeed

SCAN_HEIGHT_M = 0.9  # farm.sim.sensors: the lidar's scan plane; lower boxes hide nothing
_FIRST_WINDOW = 16  # steps of the first look in first_visible_s (then doubling)


def first_time_s(trace: Trace, mask: np.ndarray) -> float | None:
    """The first grid time where ``mask`` holds (None: never)."""
    hits = np.flatnonzero(mask)
    return float(trace.t_s[hits[0]]) if hits.size else None


def brake_onset_s(track: ActorTrack) -> float | None:
    """When the actor's first decelerating phase began, or a logged actor started slowing (None: it never brakes
    in the replay)."""
    b = track.actor.behaviour
    if isinstance(b, RecordedTrajectory):
        return recorded.brake_onset_s(b)
    if not isinstance(b, ScriptedSpeed):
        return None
    phases = sorted(b.phases, key=lambda p: p.t_s)
    for phase, begun_s in zip(phases, track.phase_begin_s, strict=False):
        if phase.accel_mps2 < 0.0 or phase.target_speed_mps < b.initial_speed_mps:
            return begun_s
    return None


def _eye_m(trace: Trace, steps: slice | np.ndarray) -> np.ndarray:
    yaw = trace.ego_yaw_rad[steps]
    return trace.ego_xy_m[steps] + LIDAR_MOUNT_M * np.column_stack([np.cos(yaw), np.sin(yaw)])


def in_range(trace: Trace, track: ActorTrack, range_m: float, steps: slice | np.ndarray = slice(None)) -> np.ndarray:
    """True where the actor's box is within ``range_m`` of the lidar mount (on ``steps``)."""
    return footprint.point_to_box_m(_eye_m(trace, steps), track.xy_m[steps], track.yaw_rad[steps],
                                    track.size_m) <= range_m


def in_sight(trace: Trace, scene: SceneSpec, track: ActorTrack, steps: slice | np.ndarray = slice(None)) -> np.ndarray:
    """True where a line of sight from the lidar mount past the static boxes taller than the scan plane
    reaches a corner or the centre of the actor (on ``steps``)."""
    eye, xy, heading = _eye_m(trace, steps), track.xy_m[steps], track.yaw_rad[steps]
    walls = np.array([(o.x_m, o.y_m, o.yaw_rad, o.length_m, o.width_m) for o in scene.obstacles
                      if o.height_m > SCAN_HEIGHT_M]).reshape(-1, 5).T[:, :, None]
    if not walls.shape[1]:
        return np.ones(len(xy), dtype=bool)
    points = np.concatenate([footprint.corners(xy, heading, track.size_m), xy[:, None, :]], axis=1)
    flat_points, flat_eye = points.reshape(-1, 2), np.repeat(eye, points.shape[1], axis=0)
    hidden: np.ndarray = np.any(footprint.blocked(flat_eye, flat_points, walls[:2], walls[2], walls[3:]), axis=0)
    return np.any((~hidden).reshape(points.shape[:2]), axis=1)


def visible(trace: Trace, scene: SceneSpec, track: ActorTrack, *, range_m: float | None = None) -> np.ndarray:
    """``(N,)`` ``in_sight``, and with ``range_m`` also ``in_range``."""
    seen = in_sight(trace, scene, track)
    return seen if range_m is None else seen & in_range(trace, track, range_m)


def first_visible_s(trace: Trace, scene: SceneSpec, track: ActorTrack, from_s: float, *,
                    range_m: float | None = None) -> float | None:
    """The first grid time >= ``from_s`` (less 1e-12 s) at which ``visible`` holds.

    The range (cheap) is checked on every step from ``from_s``; lines of sight only
    on the steps in range, in windows growing from ``_FIRST_WINDOW``, up to the first hit.
    """
    steps = np.arange(int(np.searchsorted(trace.t_s, from_s - 1e-12, side="left")), len(trace.t_s))
    if range_m is not None:
        steps = steps[in_range(trace, track, range_m, steps)]
    start, window = 0, _FIRST_WINDOW
    while start < steps.size:
        chunk = steps[start:start + window]
        seen = np.flatnonzero(in_sight(trace, scene, track, chunk))
        if seen.size:
            return float(trace.t_s[chunk[seen[0]]])
        start, window = start + window, 2 * window
    return None


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
