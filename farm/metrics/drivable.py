"""The drivable area: the union of lane corridors (centreline +- width/2 + shoulder)."""

from __future__ import annotations

import math

import numpy as np

from autonomy.geometry import Path
from scenario_library.scene import Road


class DrivableArea:
    """Answers "is every corner of this footprint on the road?" for the offroad metric."""

    def __init__(self, road: Road) -> None:
        self._corridors = [(Path.from_points(lane.centreline), lane.width_m / 2.0 + road.shoulder_m)
                           for lane in road.lanes]

    def _inside(self, x_m: float, y_m: float) -> bool:
        for path, half_width_m in self._corridors:
            s_m, offset_m = path.project(x_m, y_m)
            if abs(offset_m) <= half_width_m and -0.5 <= s_m <= path.length_m + 0.5:
                return True
        return False

    def footprint_inside(self, x_m: float, y_m: float, yaw_rad: float, length_m: float, width_m: float,
                         rear_overhang_m: float) -> bool:
        """All four corners of the ego box (rear-axle origin) lie in some lane corridor."""
        c, s = math.cos(yaw_rad), math.sin(yaw_rad)
        rear, front, half = -rear_overhang_m, length_m - rear_overhang_m, width_m / 2.0
        corners = np.array([[rear, -half], [rear, half], [front, -half], [front, half]])
        xs = x_m + corners[:, 0] * c - corners[:, 1] * s
        ys = y_m + corners[:, 0] * s + corners[:, 1] * c
        return all(self._inside(float(px), float(py)) for px, py in zip(xs, ys, strict=True))
