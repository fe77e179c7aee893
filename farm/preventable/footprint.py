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
    edges = np.concatenate([a[:, 1:3] - a[:, 0:2], b[:, 1:3] - b[:, 0:2]], axis=1)  # two distinct per rectangle
    axes = np.stack([-edges[..., 1], edges[..., 0]], axis=-1)  # (N, 4, 2)
    pa, pb = np.einsum("nkj,nmj->nmk", a, axes), np.einsum("nkj,nmj->nmk", b, axes)  # (N, axis, corner)
    return np.any((pa.max(axis=2) < pb.min(axis=2)) | (pb.max(axis=2) < pa.min(axis=2)), axis=1)


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
    n = len(a)
    both = _points_to_edges_m(np.concatenate([a, b]), np.concatenate([b, a]))  # a's corners to b, b's to a
    return np.where(_separated(a, b), np.minimum(both[:n], both[n:]), 0.0)


def point_to_box_m(point_m: np.ndarray, centre_m: np.ndarray, yaw_rad: np.ndarray,
                   size_m: tuple[float, float]) -> np.ndarray:
    """``(N,)`` distance from ``point_m`` ``(N, 2)`` to the nearest point of the box (0 inside)."""
    rel = point_m - centre_m
    c, s = np.cos(yaw_rad), np.sin(yaw_rad)
    along = np.abs(c * rel[:, 0] + s * rel[:, 1]) - 0.5 * size_m[0]
    across = np.abs(-s * rel[:, 0] + c * rel[:, 1]) - 0.5 * size_m[1]
    return np.hypot(np.maximum(along, 0.0), np.maximum(across, 0.0))


def blocked(eye_m: np.ndarray, target_m: np.ndarray, centre_m: tuple[float, float] | np.ndarray,
            yaw_rad: float | np.ndarray, size_m: tuple[float, float] | np.ndarray) -> np.ndarray:
    """``(N,)`` True where the segment eye -> target crosses the static box (Liang-Barsky in the box frame).

    Several boxes at once: ``centre_m`` ``(2, W, 1)``, ``yaw_rad`` and the two of ``size_m`` ``(W, 1)`` give ``(W, N)``.
    """
    c, s = np.cos(yaw_rad), np.sin(yaw_rad)

    def local(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rx, ry = p[:, 0] - centre_m[0], p[:, 1] - centre_m[1]
        return c * rx + s * ry, -s * rx + c * ry

    x0, y0 = local(eye_m)
    x1, y1 = local(target_m)
    lo, hi = np.zeros(x0.shape), np.ones(x0.shape)
    hit = np.ones(x0.shape, dtype=bool)
    for start, delta, half in ((x0, x1 - x0, 0.5 * size_m[0]), (y0, y1 - y0, 0.5 * size_m[1])):
        for p, q in ((-delta, start + half), (delta, half - start)):
            parallel = np.abs(p) < 1e-12
            hit &= ~(parallel & (q < 0.0))
            with np.errstate(divide="ignore", invalid="ignore"):
                r = np.where(parallel, 0.0, q / np.where(parallel, 1.0, p))
            lo = np.where(~parallel & (p < 0.0), np.maximum(lo, r), lo)
            hi = np.where(~parallel & (p > 0.0), np.minimum(hi, r), hi)
    return hit & (lo <= hi)


def separation_bound_m(centre_a_m: np.ndarray, yaw_a_rad: np.ndarray, size_a_m: tuple[float, float],
                       centre_b_m: np.ndarray, yaw_b_rad: np.ndarray, size_b_m: tuple[float, float]) -> np.ndarray:
    """``(N,)`` a lower bound on ``box_gap_m`` from the gaps between the boxes' shadows on their edge normals.

    For points p of box a and q of box b, |(p - q) . u| >= s_u on each unit axis
    u whose shadows are s_u apart, so on a box's two orthogonal axes
    |p - q| >= hypot(s_u+, s_v+). Exact for parallel or perpendicular boxes; 0
    exactly when all four shadows overlap, i.e. the boxes do (separating-axis
    theorem). Centres and headings broadcast (a static box may give scalars).
    """
    d = np.broadcast_to(np.asarray(centre_b_m, dtype=float) - np.asarray(centre_a_m, dtype=float), (len(yaw_a_rad), 2))
    ca, sa, cb, sb = np.cos(yaw_a_rad), np.sin(yaw_a_rad), np.cos(yaw_b_rad), np.sin(yaw_b_rad)
    cd, sd = np.abs(ca * cb + sa * sb), np.abs(sa * cb - ca * sb)  # |cos|, |sin| of the relative heading
    (la, wa), (lb, wb) = (0.5 * np.asarray(size_a_m, dtype=float)), (0.5 * np.asarray(size_b_m, dtype=float))
    on_a = np.hypot(np.maximum(np.abs(d[:, 0] * ca + d[:, 1] * sa) - la - (lb * cd + wb * sd), 0.0),
                    np.maximum(np.abs(d[:, 1] * ca - d[:, 0] * sa) - wa - (lb * sd + wb * cd), 0.0))
    on_b = np.hypot(np.maximum(np.abs(d[:, 0] * cb + d[:, 1] * sb) - lb - (la * cd + wa * sd), 0.0),
                    np.maximum(np.abs(d[:, 1] * cb - d[:, 0] * sb) - wb - (la * sd + wa * cd), 0.0))
    return np.maximum(on_a, on_b)
