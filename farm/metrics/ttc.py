"""min_ttc_s: smallest time-to-collision with any body in the ego's path.

A body counts when its footprint, rotated by its own heading, reaches ahead of
the ego's rear and overlaps the ego's swept corridor (half-width plus a 0.3 m
margin) in the ego frame. TTC is the gap from the ego's front bumper to the
nearest point of that footprint along the ego's heading, over the closing speed
(ego speed minus the body's speed along the ego heading), when closing.
Constant-velocity, as in ISO 22839-style FCW. A box of length L and width W at
relative heading d spans |cos d| L/2 + |sin d| W/2 along the ego's axis and
|sin d| L/2 + |cos d| W/2 across it, so a car crossing at 90 deg presents its
width ahead and its length across.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from farm.metrics.trace import Trace

CORRIDOR_MARGIN_M = 0.3
MIN_CLOSING_MPS = 0.1


def series(trace: Trace) -> np.ndarray:
    """TTC per tick [s]; inf when nothing is closing in the corridor."""
    n, m = trace.n_ticks, len(trace.body_ids)
    if m == 0 or n == 0:
        return np.full(n, math.inf)
    cos, sin = np.cos(trace.ego_yaw_rad)[:, None], np.sin(trace.ego_yaw_rad)[:, None]
    dx = trace.body_xy_m[:, :, 0] - trace.ego_x_m[:, None]
    dy = trace.body_xy_m[:, :, 1] - trace.ego_y_m[:, None]
    lon = cos * dx + sin * dy
    lat = -sin * dx + cos * dy
    rel_yaw = trace.body_yaw_rad - trace.ego_yaw_rad[:, None]
    c, s = np.abs(np.cos(rel_yaw)), np.abs(np.sin(rel_yaw))
    half_l, half_w = trace.body_length_m[None, :] / 2.0, trace.body_width_m[None, :] / 2.0
    half_lon = c * half_l + s * half_w  # the rotated footprint's extent along the ego heading
    half_lat = s * half_l + c * half_w  # and across it
    body_v_lon = cos * trace.body_vxy_mps[:, :, 0] + sin * trace.body_vxy_mps[:, :, 1]
    front_m = trace.ego_length_m - trace.ego_rear_overhang_m
    gap = lon - front_m - half_lon
    in_corridor = np.abs(lat) <= trace.ego_width_m / 2.0 + half_lat + CORRIDOR_MARGIN_M
    ahead = lon + half_lon > 0.0
    closing = trace.ego_speed_mps[:, None] - body_v_lon
    valid = in_corridor & ahead & (closing > MIN_CLOSING_MPS)
    ttc = np.where(valid, np.maximum(gap, 0.0) / np.where(valid, closing, 1.0), math.inf)
    return ttc.min(axis=1)


def compute(trace: Trace) -> dict[str, Any]:
    values = series(trace)
    return {"min_ttc_s": float(values.min()) if len(values) else math.inf}
