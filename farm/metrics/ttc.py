"""min_ttc_s: smallest time-to-collision with any body in the ego's path.

A body counts when it is ahead of the ego's front bumper and overlaps the ego's
swept corridor (half-widths plus a 0.3 m margin) in the ego frame. TTC is the
longitudinal gap over the closing speed (ego speed minus the body's speed along
the ego heading), when closing. Constant-velocity, as in ISO 22839-style FCW.
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
    body_v_lon = cos * trace.body_vxy_mps[:, :, 0] + sin * trace.body_vxy_mps[:, :, 1]
    front_m = trace.ego_length_m - trace.ego_rear_overhang_m
    gap = lon - front_m - trace.body_length_m[None, :] / 2.0
    in_corridor = np.abs(lat) <= (trace.ego_width_m + trace.body_width_m[None, :]) / 2.0 + CORRIDOR_MARGIN_M
    ahead = lon + trace.body_length_m[None, :] / 2.0 > 0.0
    closing = trace.ego_speed_mps[:, None] - body_v_lon
    valid = in_corridor & ahead & (closing > MIN_CLOSING_MPS)
    ttc = np.where(valid, np.maximum(gap, 0.0) / np.where(valid, closing, 1.0), math.inf)
    return ttc.min(axis=1)


def compute(trace: Trace) -> dict[str, Any]:
    values = series(trace)
    return {"min_ttc_s": float(values.min()) if len(values) else math.inf}
