"""Planar box footprints: corners, segment-to-box distance, and box-to-box gaps vectorised (no pybullet)."""

from __future__ import annotations

import math

import numpy as np

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


_SIGN_L = np.array([1.0, 1.0, -1.0, -1.0])
_SIGN_W = np.array([1.0, -1.0, -1.0, 1.0])


def _corner_gap_m(cx: np.ndarray, cy: np.ndarray, half_l: np.ndarray, half_w: np.ndarray) -> np.ndarray:
    """Smallest distance of (N, 4) corners, in a box's own frame, to that box (0 inside)."""
    return np.hypot(np.maximum(np.abs(cx) - half_l[:, None], 0.0),
                    np.maximum(np.abs(cy) - half_w[:, None], 0.0)).min(axis=1)


def box_gaps_m(a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...]) -> np.ndarray:
    """Signed planar distance between boxes a[i] and b[i] [m]; negative = penetration depth.

    Each box set is (x, y, yaw, length, width) of the box centres as (N,) arrays.
    Apart, the distance is the smallest corner-to-box distance either way (two
    convex polygons are nearest at a vertex of one); overlapping, it is minus the
    smallest overlap of the projections on the four edge normals (separating
    axes), which for boxes has a closed form: along one box's axis the other
    spans |cos d| l/2 + |sin d| w/2 (d the relative heading).
    """
    (ax, ay, ayaw, al, aw), (bx, by, byaw, bl, bw) = a, b
    ahl, ahw, bhl, bhw = 0.5 * al, 0.5 * aw, 0.5 * bl, 0.5 * bw
    ca, sa = np.cos(ayaw), np.sin(ayaw)
    cd, sd = np.cos(byaw - ayaw), np.sin(byaw - ayaw)
    rx, ry = bx - ax, by - ay
    px, py = ca * rx + sa * ry, -sa * rx + ca * ry  # b's centre in a's frame
    qx, qy = -(cd * px + sd * py), sd * px - cd * py  # a's centre in b's frame
    acd, asd = np.abs(cd), np.abs(sd)
    overlap = np.minimum(np.minimum(ahl + acd * bhl + asd * bhw - np.abs(px), ahw + asd * bhl + acd * bhw - np.abs(py)),
                         np.minimum(bhl + acd * ahl + asd * ahw - np.abs(qx), bhw + asd * ahl + acd * ahw - np.abs(qy)))
    lx, ly = bhl[:, None] * _SIGN_L, bhw[:, None] * _SIGN_W  # b's corners, in a's frame
    b_in_a = _corner_gap_m(px[:, None] + cd[:, None] * lx - sd[:, None] * ly,
                           py[:, None] + sd[:, None] * lx + cd[:, None] * ly, ahl, ahw)
    lx, ly = ahl[:, None] * _SIGN_L, ahw[:, None] * _SIGN_W  # a's corners, in b's frame
    a_in_b = _corner_gap_m(qx[:, None] + cd[:, None] * lx + sd[:, None] * ly,
                           qy[:, None] - sd[:, None] * lx + cd[:, None] * ly, bhl, bhw)
    return np.where(overlap > 0.0, -overlap, np.minimum(b_in_a, a_in_b))
