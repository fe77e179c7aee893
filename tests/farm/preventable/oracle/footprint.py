"""Footprints over time: oriented boxes, their gaps, distances to a point, and lines of sight past boxes.

All functions take arrays over N time steps: centres ``(N, 2)`` [m], headings
``(N,)`` [rad] and a fixed (length, width) [m]; pure numpy, vectorised over time.
"""

from __future__ import annotations

import numpy as np

_UNIT = np.array([[0.5, 0.5], [-0.5, 0.5], [-0.5, -0.5], [0.5, -0.5]])


def corners(centre_m: np.ndarray, yaw_rad: np.ndarray, size_m: tuple[float, float]) -> np.ndarray:
    """``(N, 4, 2)`` corners of boxes of (length, width) ``size_m``, counter-clockwise."""
    local = _UNIT * np.asarray(size_m, dtype=float)
    c, s = np.cos(yaw_rad)[:, None], np.sin(yaw_rad)[:, None]
    x = centre_m[:, None, 0] + c * local[None, :, 0] - s * local[None, :, 1]
    y = centre_m[:, None, 1] + s * local[None, :, 0] + c * local[None, :, 1]
    return np.stack([x, y], axis=-1)


def _separated(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """True where some edge normal of ``a`` or ``b`` separates the two boxes (separating-axis test)."""
    out = np.zeros(a.shape[0], dtype=bool)
    for poly in (a, b):
        for i in range(2):  # a rectangle has two distinct edge normals
            edge = poly[:, i + 1] - poly[:, i]
            axis = np.stack([-edge[:, 1], edge[:, 0]], axis=-1)
            pa = np.einsum("nkj,nj->nk", a, axis)
            pb = np.einsum("nkj,nj->nk", b, axis)
            out |= (pa.max(axis=1) < pb.min(axis=1)) | (pb.max(axis=1) < pa.min(axis=1))
    return out


def _points_to_edges_m(points: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """``(N,)`` least distance from any of ``points`` ``(N, K, 2)`` to any edge of ``poly`` ``(N, 4, 2)``."""
    start = poly
    edge = np.roll(poly, -1, axis=1) - poly
    rel = points[:, :, None, :] - start[:, None, :, :]
    length2 = np.maximum(np.sum(edge**2, axis=-1), 1e-12)[:, None, :]
    u = np.clip(np.sum(rel * edge[:, None, :, :], axis=-1) / length2, 0.0, 1.0)
    foot = start[:, None, :, :] + u[..., None] * edge[:, None, :, :]
    return np.sqrt(np.sum((points[:, :, None, :] - foot) ** 2, axis=-1)).min(axis=(1, 2))


def box_gap_m(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(N,)`` footprint gap between boxes ``a`` and ``b`` (corners ``(N, 4, 2)``); 0 where they touch."""
    gap = np.minimum(_points_to_edges_m(a, b), _points_to_edges_m(b, a))
    return np.where(_separated(a, b), gap, 0.0)


def point_to_box_m(point_m: np.ndarray, centre_m: np.ndarray, yaw_rad: np.ndarray,
                   size_m: tuple[float, float]) -> np.ndarray:
    """``(N,)`` distance from ``point_m`` ``(N, 2)`` to the nearest point of the box (0 inside)."""
    rel = point_m - centre_m
    c, s = np.cos(yaw_rad), np.sin(yaw_rad)
    along = np.abs(c * rel[:, 0] + s * rel[:, 1]) - 0.5 * size_m[0]
    across = np.abs(-s * rel[:, 0] + c * rel[:, 1]) - 0.5 * size_m[1]
    return np.hypot(np.maximum(along, 0.0), np.maximum(across, 0.0))


def blocked(eye_m: np.ndarray, target_m: np.ndarray, centre_m: tuple[float, float], yaw_rad: float,
            size_m: tuple[float, float]) -> np.ndarray:
    """``(N,)`` True where the segment eye -> target crosses the static box (Liang-Barsky in the box frame)."""
    c, s = np.cos(yaw_rad), np.sin(yaw_rad)

    def local(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rx, ry = p[:, 0] - centre_m[0], p[:, 1] - centre_m[1]
        return c * rx + s * ry, -s * rx + c * ry

    x0, y0 = local(eye_m)
    x1, y1 = local(target_m)
    lo, hi = np.zeros(len(x0)), np.ones(len(x0))
    hit = np.ones(len(x0), dtype=bool)
    for start, delta, half in ((x0, x1 - x0, 0.5 * size_m[0]), (y0, y1 - y0, 0.5 * size_m[1])):
        for p, q in ((-delta, start + half), (delta, half - start)):
            parallel = np.abs(p) < 1e-12
            hit &= ~(parallel & (q < 0.0))
            with np.errstate(divide="ignore", invalid="ignore"):
                r = np.where(parallel, 0.0, q / np.where(parallel, 1.0, p))
            lo = np.where(~parallel & (p < 0.0), np.maximum(lo, r), lo)
            hi = np.where(~parallel & (p > 0.0), np.minimum(hi, r), hi)
    return hit & (lo <= hi)
