"""Planar polyline geometry shared by the stack and (read-only) by the farm's metrics.

Pure numpy. A ``Path`` is a polyline with cumulative arc length; ``project``
gives (s, signed lateral offset, +left) of a point, ``point_at`` the inverse.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def wrap_angle(angle_rad: float) -> float:
    """Wrap to [-pi, pi)."""
    return (angle_rad + math.pi) % (2.0 * math.pi) - math.pi


@dataclass(frozen=True, slots=True)
class Path:
    """A polyline (N >= 2 points) with cumulative arc length ``s_m``."""

    xy_m: np.ndarray  # (N, 2)
    s_m: np.ndarray   # (N,)
    seg_dir: np.ndarray  # (N-1, 2) unit tangents
    seg_len: np.ndarray  # (N-1,)

    @classmethod
    def from_points(cls, points: np.ndarray | tuple[tuple[float, float], ...]) -> Path:
        xy = np.asarray(points, dtype=float).reshape(-1, 2)
        if len(xy) < 2:
            raise ValueError("a path needs at least two points")
        d = np.diff(xy, axis=0)
        seg_len = np.hypot(d[:, 0], d[:, 1])
        keep = np.concatenate([[True], seg_len > 1e-9])
        xy = xy[keep]
        d = np.diff(xy, axis=0)
        seg_len = np.hypot(d[:, 0], d[:, 1])
        s = np.concatenate([[0.0], np.cumsum(seg_len)])
        return cls(xy_m=xy, s_m=s, seg_dir=d / seg_len[:, None], seg_len=seg_len)

    @property
    def length_m(self) -> float:
        return float(self.s_m[-1])

    def project(self, x_m: float, y_m: float) -> tuple[float, float]:
        """Arc length of the closest point and signed lateral offset (+ left of travel) [m]."""
        rel = np.array([x_m, y_m]) - self.xy_m[:-1]
        along = np.clip(np.einsum("ij,ij->i", rel, self.seg_dir), 0.0, self.seg_len)
        foot = self.xy_m[:-1] + self.seg_dir * along[:, None]
        dist2 = np.sum((np.array([x_m, y_m]) - foot) ** 2, axis=1)
        i = int(np.argmin(dist2))
        cross = self.seg_dir[i, 0] * rel[i, 1] - self.seg_dir[i, 1] * rel[i, 0]
        return float(self.s_m[i] + along[i]), float(math.copysign(math.sqrt(dist2[i]), cross))

    def point_at(self, s_m: float, offset_m: float = 0.0) -> tuple[float, float, float]:
        """(x, y, heading) at arc length ``s_m`` (clamped; extrapolated past the ends), shifted left by ``offset_m``."""
        i = int(np.clip(np.searchsorted(self.s_m, s_m, side="right") - 1, 0, len(self.seg_len) - 1))
        u = self.seg_dir[i]
        base = self.xy_m[i] + u * (s_m - self.s_m[i])
        heading = math.atan2(u[1], u[0])
        return float(base[0] - u[1] * offset_m), float(base[1] + u[0] * offset_m), heading

    def heading_at(self, s_m: float) -> float:
        return self.point_at(s_m)[2]


def straight(start_xy: tuple[float, float], heading_rad: float, length_m: float, step_m: float = 1.0) -> np.ndarray:
    """Points of a straight segment."""
    n = max(2, math.ceil(length_m / step_m) + 1)
    s = np.linspace(0.0, length_m, n)
    return np.column_stack([start_xy[0] + s * math.cos(heading_rad), start_xy[1] + s * math.sin(heading_rad)])


def arc(start_xy: tuple[float, float], heading_rad: float, radius_m: float, angle_rad: float,
        step_m: float = 1.0) -> np.ndarray:
    """Points of a circular arc turning left for ``angle_rad > 0`` (right for < 0)."""
    length = abs(radius_m * angle_rad)
    n = max(2, math.ceil(length / step_m) + 1)
    sign = 1.0 if angle_rad >= 0 else -1.0
    cx = start_xy[0] - sign * radius_m * math.sin(heading_rad)
    cy = start_xy[1] + sign * radius_m * math.cos(heading_rad)
    phi = np.linspace(0.0, angle_rad, n)
    a0 = heading_rad - sign * math.pi / 2
    return np.column_stack([cx + radius_m * np.cos(a0 + phi), cy + radius_m * np.sin(a0 + phi)])
