"""max_decel_mps2, max_jerk_mps3, max_lat_accel_mps2: filtered (``farm.metrics.longitudinal``), before first contact.

Deceleration is reported as a positive number; jerk and lateral acceleration as magnitudes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from farm.metrics.longitudinal import filtered
from farm.metrics.trace import Trace


def compute(trace: Trace) -> dict[str, Any]:
    f = filtered(trace)
    if not len(f.accel_mps2):
        return {"max_decel_mps2": 0.0, "max_jerk_mps3": 0.0, "max_lat_accel_mps2": 0.0}
    return {"max_decel_mps2": float(max(0.0, -f.accel_mps2.min())), "max_jerk_mps3": float(np.abs(f.jerk_mps3).max()),
            "max_lat_accel_mps2": float(np.abs(f.lat_accel_mps2).max())}
