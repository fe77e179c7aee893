"""max_jerk_mps3: largest |d(accel)/dt|, filtered (``farm.metrics.longitudinal``), before first contact."""

from __future__ import annotations

from typing import Any

import numpy as np

from farm.metrics.longitudinal import filtered
from farm.metrics.trace import Trace


def compute(trace: Trace) -> dict[str, Any]:
    j = filtered(trace).jerk_mps3
    return {"max_jerk_mps3": float(np.abs(j).max()) if len(j) else 0.0}
