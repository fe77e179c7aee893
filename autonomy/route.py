"""The mission route as arrays built once per reset: windowed projection, sampling, curvature.

``autonomy.geometry.Path`` projects one point against the whole polyline; the
planner needs many points per tick near the ego, so this keeps the same
polyline as flat arrays and projects batches against a window of segments.
"""

from __future__ import annotations

import bisect
import math

import numpy as np

from autonomy.geometry import Path


class RouteFrame:
    """Route-frame (s along, d left) helpers over a dense centreline polyline."""

    def __init__(self, route_xy_m: np.ndarray, curvature_ds_m: float = 2.0) -> None:
        self.path = Path.from_points(route_xy_m)
        self.xy_m = self.path.xy_m
        self.s_m = self.path.s_m
        self._a = self.xy_m[:-1]
        self._dir = self.path.seg_dir
        self._len = self.path.seg_len
        seg_heading = np.unwrap(np.arctan2(self._dir[:, 1], self._dir[:, 0]))
        seg_mid_s = 0.5 * (self.s_m[:-1] + self.s_m[1:])
        # Heading at every vertex (interpolated between segment midpoints), unwrapped so np.interp is valid.
        self.heading_rad = np.interp(self.s_m, seg_mid_s, seg_heading)
        ahead = np.interp(self.s_m + curvature_ds_m, seg_mid_s, seg_heading)
        behind = np.interp(self.s_m - curvature_ds_m, seg_mid_s, seg_heading)
        self.curvature_1pm = (ahead - behind) / (2.0 * curvature_ds_m)
        self._nx, self._ny = -np.sin(self.heading_rad), np.cos(self.heading_rad)
        self._seg = [tuple(row) for row in np.column_stack([self._a, self._dir, self._len]).tolist()]
        self._s_list = self.s_m.tolist()

    @property
    def length_m(self) -> float:
        """Total arc length [m]."""
        return float(self.s_m[-1])

    def project(self, points_xy_m: np.ndarray, s_lo_m: float, s_hi_m: float) -> tuple[np.ndarray, np.ndarray]:
        """(s, d) of points (M, 2) against the segments overlapping [s_lo, s_hi].

        Points beyond the window come out clamped to its ends; callers treat an
        ``s`` at the window's edge as "outside".
        """
        i0 = max(0, int(np.searchsorted(self.s_m, s_lo_m, side="right")) - 1)
        i1 = min(len(self._len), max(i0 + 1, int(np.searchsorted(self.s_m, s_hi_m, side="left"))))
        if len(points_xy_m) == 0:
            return np.zeros(0), np.zeros(0)
        ax, ay, ux, uy = self._a[i0:i1, 0], self._a[i0:i1, 1], self._dir[i0:i1, 0], self._dir[i0:i1, 1]
        rx = points_xy_m[:, 0, None] - ax  # (M, S)
        ry = points_xy_m[:, 1, None] - ay
        along = np.clip(rx * ux + ry * uy, 0.0, self._len[i0:i1])
        fx, fy = rx - along * ux, ry - along * uy
        dist2 = fx * fx + fy * fy
        k = np.argmin(dist2, axis=1)
        rows = np.arange(len(points_xy_m))
        s = self.s_m[i0 + k] + along[rows, k]
        cross = ux[k] * ry[rows, k] - uy[k] * rx[rows, k]
        return s, np.copysign(np.sqrt(dist2[rows, k]), cross)

    def project_point(self, x_m: float, y_m: float, s_hint_m: float) -> tuple[float, float]:
        """(s, d) of one point: the closest segment found by walking from the one at ``s_hint_m``.

        Plain floats, no numpy: the ego is projected every tick and moves a
        segment or two per tick. Following the local minimum (rather than the
        global one) keeps the ego on its own leg of a route that passes near itself.
        """
        n = len(self._seg)
        start = min(max(bisect.bisect_right(self._s_list, s_hint_m) - 1, 0), n - 1)
        best_i, best = start, self._seg_dist2(start, x_m, y_m)[0]
        for step in (1, -1):
            j = start + step
            while 0 <= j < n:
                d2 = self._seg_dist2(j, x_m, y_m)[0]
                if d2 >= best:
                    break
                best_i, best, j = j, d2, j + step
        d2, along, cross = self._seg_dist2(best_i, x_m, y_m)
        return self._s_list[best_i] + along, math.copysign(math.sqrt(d2), cross)

    def _seg_dist2(self, i: int, x_m: float, y_m: float) -> tuple[float, float, float]:
        """Squared distance to segment ``i``, distance along it to the foot, and the cross product sign source."""
        ax, ay, ux, uy, length = self._seg[i]
        rx, ry = x_m - ax, y_m - ay
        along = min(max(rx * ux + ry * uy, 0.0), length)
        fx, fy = rx - along * ux, ry - along * uy
        return fx * fx + fy * fy, along, ux * ry - uy * rx

    def heading_at(self, s_m: np.ndarray) -> np.ndarray:
        """Route heading [rad] at arc lengths ``s_m`` (held constant past the ends)."""
        return np.interp(s_m, self.s_m, self.heading_rad)

    def sample(self, s_m: np.ndarray, offset_m: np.ndarray) -> np.ndarray:
        """Points (K, 2) at arc lengths ``s_m`` shifted left by ``offset_m`` (extrapolated straight past the end)."""
        x = np.interp(s_m, self.s_m, self.xy_m[:, 0])
        y = np.interp(s_m, self.s_m, self.xy_m[:, 1])
        past = s_m - self.s_m[-1]
        if past[-1] > 0.0:
            h = float(self.heading_rad[-1])
            extra = np.maximum(past, 0.0)
            x, y = x + extra * math.cos(h), y + extra * math.sin(h)
        nx = np.interp(s_m, self.s_m, self._nx)
        ny = np.interp(s_m, self.s_m, self._ny)
        return np.column_stack([x + offset_m * nx, y + offset_m * ny])
