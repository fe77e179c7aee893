"""The drivable area: the union of lane corridors (centreline +- width/2 + shoulder)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from autonomy.geometry import Path
from scenario_library.scene import Road


@dataclass(frozen=True, slots=True)
class _Corridor:
    start_xy: np.ndarray   # (S, 2) segment starts
    seg_dir: np.ndarray    # (S, 2) unit tangents
    seg_len: np.ndarray    # (S,)
    s0_m: np.ndarray       # (S,) arc length at each segment start
    length_m: float
    half_width_m: float

    def contains(self, points: np.ndarray) -> np.ndarray:
        """(P,) bool: each point within the corridor, all points in one vectorised pass."""
        rel = points[:, None, :] - self.start_xy[None, :, :]
        along = np.clip(np.einsum("psk,sk->ps", rel, self.seg_dir), 0.0, self.seg_len)
        gap = rel - self.seg_dir[None, :, :] * along[:, :, None]
        dist2 = np.einsum("psk,psk->ps", gap, gap)
        best = np.argmin(dist2, axis=1)
        rows = np.arange(len(points))
        s_m = self.s0_m[best] + along[rows, best]
        inside = dist2[rows, best] <= self.half_width_m ** 2
        return inside & (s_m >= -0.5) & (s_m <= self.length_m + 0.5)


class DrivableArea:
    """Answers "is every corner of this footprint on the road?" for the offroad metric."""

    def __init__(self, road: Road) -> None:
        self._corridors = []
        for lane in road.lanes:
            path = Path.from_points(lane.centreline)
            self._corridors.append(_Corridor(start_xy=path.xy_m[:-1], seg_dir=path.seg_dir, seg_len=path.seg_len,
                                             s0_m=path.s_m[:-1], length_m=path.length_m,
                                             half_width_m=lane.width_m / 2.0 + road.shoulder_m))

    def footprint_inside(self, x_m: float, y_m: float, yaw_rad: float, length_m: float, width_m: float,
                         rear_overhang_m: float) -> bool:
        """All four corners of the ego box (rear-axle origin) lie in some lane corridor."""
        c, s = math.cos(yaw_rad), math.sin(yaw_rad)
        rear, front, half = -rear_overhang_m, length_m - rear_overhang_m, width_m / 2.0
        local = np.array([[rear, -half], [rear, half], [front, -half], [front, half]])
        corners = np.column_stack([x_m + local[:, 0] * c - local[:, 1] * s, y_m + local[:, 0] * s + local[:, 1] * c])
        covered = np.zeros(4, dtype=bool)
        for corridor in self._corridors:
            remaining = ~covered
            covered[remaining] = corridor.contains(corners[remaining])
            if covered.all():
                return True
        return False
