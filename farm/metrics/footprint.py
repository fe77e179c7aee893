"""Planar box footprints: corners, and the distance from a segment to a box (pure math, no pybullet)."""

from __future__ import annotations

import math

Point = tuple[float, float]


def corners(x_m: float, y_m: float, yaw_rad: float, length_m: float, width_m: float,
            ahead_m: float = 0.0) -> list[Point]:
    """Corners of a box centred ``ahead_m`` in front of (x, y) along ``yaw_rad``: front-left, front-right,
    rear-right, rear-left."""
    c, s = math.cos(yaw_rad), math.sin(yaw_rad)
    cx, cy = x_m + ahead_m * c, y_m + ahead_m * s
    hl, hw = 0.5 * length_m, 0.5 * width_m
    return [(cx + lon * c - lat * s, cy + lon * s + lat * c) for lon, lat in ((hl, hw), (hl, -hw), (-hl, -hw),
                                                                             (-hl, hw))]


def _point_segment_m(p: Point, a: Point, b: Point) -> float:
    ax, ay = b[0] - a[0], b[1] - a[1]
    length2 = ax * ax + ay * ay
    t = 0.0 if length2 == 0.0 else min(max(((p[0] - a[0]) * ax + (p[1] - a[1]) * ay) / length2, 0.0), 1.0)
    return math.hypot(p[0] - a[0] - t * ax, p[1] - a[1] - t * ay)


def _cross(o: Point, a: Point, b: Point) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def _segments_cross(a: Point, b: Point, c: Point, d: Point) -> bool:
    return (_cross(a, b, c) * _cross(a, b, d) <= 0.0) and (_cross(c, d, a) * _cross(c, d, b) <= 0.0)


def _inside(p: Point, box: list[Point]) -> bool:
    """``p`` inside the convex, clockwise-ordered ``box`` (edges included)."""
    return all(_cross(box[k], box[(k + 1) % 4], p) <= 0.0 for k in range(4))


def segment_to_box_m(a: Point, b: Point, box: list[Point]) -> float:
    """Distance from segment a-b to the box (0 when they meet or the segment lies inside)."""
    edges = [(box[k], box[(k + 1) % 4]) for k in range(4)]
    if _inside(a, box) or any(_segments_cross(a, b, c, d) for c, d in edges):
        return 0.0
    to_edges = min(min(_point_segment_m(a, c, d), _point_segment_m(b, c, d)) for c, d in edges)
    return min(to_edges, min(_point_segment_m(c, a, b) for c in box))
