"""max_jerk_mps3: largest |d(accel)/dt| at the stack rate."""

from __future__ import annotations

from typing import Any

import numpy as np

from farm.metrics.longitudinal import accel_series
from farm.metrics.trace import Trace


def compute(trace: Trace) -> dict[str, Any]:
    a = accel_series(trace)
    if len(a) < 3:
        return {"max_jerk_mps3": 0.0}
    return {"max_jerk_mps3": float(np.abs(np.diff(a[1:]) / trace.dt_s).max())}
