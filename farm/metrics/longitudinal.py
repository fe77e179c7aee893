"""Longitudinal acceleration from ground-truth speed at the stack rate (shared by decel and jerk)."""

from __future__ import annotations

import numpy as np

from farm.metrics.trace import Trace


def accel_series(trace: Trace) -> np.ndarray:
    """a[i] = (v[i] - v[i-1]) / dt [m/s^2]; a[0] = 0."""
    if trace.n_ticks < 2:
        return np.zeros(trace.n_ticks)
    return np.concatenate([[0.0], np.diff(trace.ego_speed_mps) / trace.dt_s])
