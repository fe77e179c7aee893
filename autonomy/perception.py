"""Perception: cluster the ordered lidar scan into obstacles in the world frame.

Adjacent returns belong to one cluster unless they are further apart than a
range-dependent gap. Each cluster gets the rectangle, among a fixed set of
orientations, whose edges the points hug closest (an L-shape fit): its centre is the centre of what the
sensor sees (for a car seen from behind, its rear face), so the near edge is
where the points are, and the extent is that of the visible points. All of it is
vectorised over rays and clusters; no per-ray Python loop.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from autonomy.config import PerceptionConfig
from autonomy.types import EgoEstimate, LidarScan, Obstacle


@dataclass(frozen=True, slots=True, kw_only=True)
class PerceptionInput:
    """A scan and the pose it was taken from."""

    scan: LidarScan
    pose: EgoEstimate


@dataclass(frozen=True, slots=True, kw_only=True)
class PerceptionOutput:
    """Clusters as arrays: centre (n, 2) [m], size (n, 2) = (length, width) [m], heading of the length side (n,),
    1-sigma centre uncertainty (n,) [m] (grows with range: rays spread apart) and points per cluster."""

    centre_xy_m: np.ndarray
    size_m: np.ndarray
    heading_rad: np.ndarray
    position_std_m: np.ndarray
    n_points: np.ndarray

    @property
    def obstacles(self) -> tuple[Obstacle, ...]:
        """The clusters as ``autonomy.types.Obstacle`` values."""
        return tuple(Obstacle(x_m=c[0], y_m=c[1], length_m=s[0], width_m=s[1], n_points=n)
                     for c, s, n in zip(self.centre_xy_m.tolist(), self.size_m.tolist(),
                                        self.n_points.tolist(), strict=True))


EMPTY = PerceptionOutput(centre_xy_m=np.zeros((0, 2)), size_m=np.zeros((0, 2)), heading_rad=np.zeros(0),
                         position_std_m=np.zeros(0), n_points=np.zeros(0, dtype=int))


class Perception(Protocol):
    """Turns a scan into obstacles."""

    def step(self, inp: PerceptionInput) -> PerceptionOutput: ...


class ScanClusterer:
    """Euclidean clustering on the ordered scan plus an L-shape rectangle fit per cluster."""

    def __init__(self, config: PerceptionConfig) -> None:
        self._cfg = config
        self._theta = np.arange(config.fit_angles) * (0.5 * math.pi / config.fit_angles)
        self._cos, self._sin = np.cos(self._theta), np.sin(self._theta)
        # Columns: the K candidate length axes (cos, sin), then the K width axes (-sin, cos).
        self._axes = np.hstack([np.vstack([self._cos, self._sin]), np.vstack([-self._sin, self._cos])])

    def step(self, inp: PerceptionInput) -> PerceptionOutput:
        """Cluster the scan's returns and fit a rectangle to each cluster."""
        points, starts = self._cluster(inp.scan)
        if len(points) == 0:
            return EMPTY
        pose = inp.pose
        c, s = math.cos(pose.yaw_rad), math.sin(pose.yaw_rad)
        world = points @ np.array([[c, s], [-s, c]]) + (pose.x_m, pose.y_m)
        out = self._fit(world, starts)
        # An edge is only known to within about half the ray spacing at that range.
        spacing = abs(float(inp.scan.angles_rad[1] - inp.scan.angles_rad[0])) if len(inp.scan.angles_rad) > 1 else 0.0
        dist = np.hypot(out.centre_xy_m[:, 0] - pose.x_m, out.centre_xy_m[:, 1] - pose.y_m)
        return replace(out, position_std_m=np.hypot(self._cfg.position_std_m, 0.5 * spacing * dist))

    def _cluster(self, scan: LidarScan) -> tuple[np.ndarray, np.ndarray]:
        """Valid returns in the vehicle frame, in scan order, and the index where each cluster starts."""
        r = scan.ranges_m
        idx = ((r >= self._cfg.min_range_m) & (r <= scan.max_range_m)).nonzero()[0]
        if len(idx) == 0:
            return np.zeros((0, 2)), np.zeros(0, dtype=int)
        rv, av = r[idx], scan.angles_rad[idx]
        pts = np.empty((len(idx), 2))
        pts[:, 0] = scan.mount_x_m + rv * np.cos(av)
        pts[:, 1] = rv * np.sin(av)
        # Gap from each return to the next, with the last one wrapping round to the first.
        step = np.concatenate((pts[1:], pts[:1])) - pts
        gap2 = step[:, 0] ** 2 + step[:, 1] ** 2
        # Rays between two returns: 1 = adjacent, 2 = one ray dropped; more is empty space, always a break.
        n_rays = len(r)
        rays = (np.concatenate((idx[1:], idx[:1] + n_rays)) - idx).astype(float)
        spacing = abs(float(scan.angles_rad[1] - scan.angles_rad[0])) if n_rays > 1 else 0.0
        if abs(n_rays * spacing - 2.0 * math.pi) > 0.5 * spacing:
            rays[-1] = 0.0  # not a full circle: the last and first returns are not neighbours
        rays[rays > 1.0 + self._cfg.max_dropped_rays] = 0.0
        near = np.minimum(rv, np.concatenate((rv[1:], rv[:1])))
        allowed = np.maximum(self._cfg.gap_min_m, self._cfg.gap_angle_factor * near * spacing) * rays
        breaks = (gap2 > allowed * allowed).nonzero()[0]  # a cluster ends after each of these
        if len(breaks) == 0:
            return pts, np.zeros(1, dtype=int)
        last = int(breaks[-1])
        if last == len(pts) - 1:
            return pts, np.concatenate([[0], breaks[:-1] + 1])
        # The cluster after the last break continues at index 0: rotate it to the front.
        shift = len(pts) - 1 - last
        return np.concatenate([pts[last + 1:], pts[:last + 1]]), np.concatenate([[0], breaks[:-1] + 1 + shift])

    def _fit(self, world: np.ndarray, starts: np.ndarray) -> PerceptionOutput:
        k_n = len(self._theta)
        counts = np.concatenate((starts[1:], [len(world)])) - starts
        proj = world @ self._axes  # (n, 2K): along each candidate length axis, then each width axis
        lo, hi = np.minimum.reduceat(proj, starts, axis=0), np.maximum.reduceat(proj, starts, axis=0)
        # Closeness criterion (Zhang et al. 2017, L-shape fitting): points should hug the rectangle's edges.
        owner = np.repeat(np.arange(len(starts)), counts)
        to_edge = np.minimum(proj - lo[owner], hi[owner] - proj)
        nearest = np.maximum(np.minimum(to_edge[:, :k_n], to_edge[:, k_n:]), self._cfg.closeness_floor_m)
        k = np.argmax(np.add.reduceat(1.0 / nearest, starts, axis=0), axis=1)
        ext, mid = hi - lo, 0.5 * (hi + lo)
        lu, lv = ext[:, :k_n], ext[:, k_n:]
        rows = np.arange(len(starts))
        cu, cv = mid[rows, k], mid[rows, k + k_n]
        ct, st = self._cos[k], self._sin[k]
        centre = np.column_stack([cu * ct - cv * st, cu * st + cv * ct])
        length, width = lu[rows, k], lv[rows, k]
        heading = self._theta[k] + np.where(width > length, 0.5 * math.pi, 0.0)
        size = np.maximum(np.column_stack([np.maximum(length, width), np.minimum(length, width)]),
                          self._cfg.min_extent_m)
        keep = counts >= self._cfg.min_points
        if not keep.all():
            centre, size, heading, counts = centre[keep], size[keep], heading[keep], counts[keep]
        return PerceptionOutput(centre_xy_m=centre, size_m=size, heading_rad=heading,
                                position_std_m=np.zeros(len(counts)), n_points=counts)
