"""Ego accelerations from ground-truth speed and heading at the stack rate.

``accel_series`` is the raw difference (telemetry). ``filtered`` gives what the
comfort metrics (max_decel_mps2, max_jerk_mps3, max_lat_accel_mps2) read: a
Savitzky-Golay derivative (``scipy.signal.savgol_filter``'s, computed by
``farm.metrics.savgol``; polyorder 2, a window of ``SAVGOL_WINDOW_S`` = 0.5 s, i.e.
5 ticks at 10 Hz, ``mode="interp"``), as nuPlan's ``approximate_derivatives`` does, over the ticks before first contact
only, so the impact itself never reads as braking or jerk:
accel = d/dt v, jerk = d/dt accel (filtered again), lateral accel = v * d/dt yaw.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from farm.metrics.collision import first_contact
from farm.metrics.savgol import savgol_derivative
from farm.metrics.trace import Trace

SAVGOL_WINDOW_S = 0.5
SAVGOL_POLYORDER = 2


def accel_series(trace: Trace) -> np.ndarray:
    """a[i] = (v[i] - v[i-1]) / dt [m/s^2]; a[0] = 0."""
    if trace.n_ticks < 2:
        return np.zeros(trace.n_ticks)
    return np.concatenate([[0.0], np.diff(trace.ego_speed_mps) / trace.dt_s])


@dataclass(frozen=True, slots=True)
class Filtered:
    """Filtered series over the ticks before first contact (empty when too few)."""

    accel_mps2: np.ndarray
    jerk_mps3: np.ndarray
    lat_accel_mps2: np.ndarray


def window_ticks(n_ticks: int, dt_s: float) -> int:
    """The odd window length in ticks: ``SAVGOL_WINDOW_S`` at ``dt_s``, shrunk to fit ``n_ticks``; 0 if none fits."""
    wanted = max(SAVGOL_POLYORDER + 1, round(SAVGOL_WINDOW_S / dt_s))
    window = min(wanted | 1, n_ticks if n_ticks % 2 else n_ticks - 1)
    return window if window > SAVGOL_POLYORDER else 0


def filtered(trace: Trace) -> Filtered:
    """Savitzky-Golay accel, jerk and lateral accel before first contact (see the module docstring)."""
    contact = first_contact(trace)
    n = trace.n_ticks if contact is None else contact
    window = window_ticks(n, trace.dt_s)
    if window == 0:
        empty = np.zeros(0)
        return Filtered(empty, empty, empty)
    v = trace.ego_speed_mps[:n]
    first = savgol_derivative(np.stack([v, np.unwrap(trace.ego_yaw_rad[:n])]), window, SAVGOL_POLYORDER,
                              trace.dt_s)
    accel, yaw_rate = first[0], first[1]
    jerk = savgol_derivative(accel, window, SAVGOL_POLYORDER, trace.dt_s)
    return Filtered(accel_mps2=accel, jerk_mps3=np.asarray(jerk), lat_accel_mps2=v * yaw_rate)
