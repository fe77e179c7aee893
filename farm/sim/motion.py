"""Motion along a path shared by the actor behaviours: pose lookup, IDM, the ballistic integration step.

Pure Python. A ``PathTrack`` puts an actor's box centre on its path by arc length
(s = 0 at the first point, straight on past the last one); ``idm_accel`` is the
car-following law; ``integrate`` advances (s, speed) by one step.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

from autonomy.geometry import Path
from scenario_library.scene import IdmFollow

EPS = 1e-9
LEADER_LATERAL_M = 2.5  # a leader further than this from the follower's path is not in its way


@dataclass(frozen=True, slots=True, kw_only=True)
class Mover:
    """What a follower needs to know about a leader: centre, heading, speed and length."""

    x_m: float
    y_m: float
    yaw_rad: float
    speed_mps: float
    length_m: float


class PathTrack:
    """Fast pose lookup on a ``Path`` (same semantics as ``Path.point_at`` with zero offset).

    Its coordinate is the arc length [m]; ``kinematics`` adds a velocity along the path.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._s = path.s_m.tolist()
        self._xy = path.xy_m.tolist()
        self._dir = path.seg_dir.tolist()
        self._last = len(self._dir) - 1

    def project(self, x_m: float, y_m: float) -> tuple[float, float]:
        """(s, signed lateral offset) of a point; past the last point the path goes straight on."""
        s_m, offset_m = self.path.project(x_m, y_m)
        if s_m < self.path.length_m - EPS:
            return s_m, offset_m
        (ex, ey), (ux, uy) = self._xy[-1], self._dir[-1]
        rx, ry = x_m - ex, y_m - ey
        return self.path.length_m + rx * ux + ry * uy, ux * ry - uy * rx

    def pose(self, s_m: float) -> tuple[float, float, float]:
        """(x, y, yaw) at arc length ``s_m``."""
        i = min(max(bisect.bisect_right(self._s, s_m) - 1, 0), self._last)
        ux, uy = self._dir[i]
        ds = s_m - self._s[i]
        return self._xy[i][0] + ux * ds, self._xy[i][1] + uy * ds, math.atan2(uy, ux)

    def kinematics(self, s_m: float, speed_mps: float) -> tuple[float, float, float, float, float]:
        """(x, y, yaw, vx, vy) at arc length ``s_m`` moving at ``speed_mps`` along the path."""
        x, y, yaw = self.pose(s_m)
        return x, y, yaw, speed_mps * math.cos(yaw), speed_mps * math.sin(yaw)

    def gap(self, s_m: float, length_m: float, leader: Mover | None) -> tuple[float | None, float]:
        """Bumper-to-bumper gap from a follower at ``s_m`` to ``leader`` along this path, and the leader's speed
        along it (None, 0: no leader in the way)."""
        if leader is None:
            return None, 0.0
        s_lead, offset = self.project(leader.x_m, leader.y_m)
        if abs(offset) > LEADER_LATERAL_M or s_lead <= s_m:
            return None, 0.0
        heading = self.pose(s_lead)[2]
        along = leader.speed_mps * math.cos(leader.yaw_rad - heading)
        return s_lead - s_m - 0.5 * (leader.length_m + length_m), along


def idm_accel(b: IdmFollow, speed_mps: float, gap_m: float | None, leader_speed_mps: float) -> float:
    """Treiber, Hennecke & Helbing (2000) IDM acceleration; ``gap_m=None`` is a free road."""
    free = 1.0 - (speed_mps / max(b.desired_speed_mps, EPS)) ** 4
    if gap_m is None:
        return b.max_accel_mps2 * free
    dv = speed_mps - leader_speed_mps
    s_star = b.min_gap_m + max(0.0, speed_mps * b.time_headway_s
                               + speed_mps * dv / (2.0 * math.sqrt(b.max_accel_mps2 * b.comfort_decel_mps2)))
    return b.max_accel_mps2 * (free - (s_star / max(gap_m, 0.01)) ** 2)


def integrate(s_m: float, speed_mps: float, accel_mps2: float, dt_s: float) -> tuple[float, float]:
    """(s, speed) after a trapezoidal step; a stop within the step uses the ballistic update
    (Treiber & Kanagaraj 2015), so the speed never goes negative."""
    v1 = speed_mps + accel_mps2 * dt_s
    if v1 >= 0.0:
        return s_m + 0.5 * (speed_mps + v1) * dt_s, v1
    return s_m - 0.5 * speed_mps * speed_mps / accel_mps2, 0.0
