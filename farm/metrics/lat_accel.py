"""max_lat_accel_mps2: largest |lateral acceleration| (v x filtered yaw rate), before first contact."""

from __future__ import annotations

from typing import Any

import numpy as np

from farm.metrics.longitudinal import filtered
from farm.metrics.trace import Trace


def compute(trace: Trace) -> dict[str, Any]:
    lat = filtered(trace).lat_accel_mps2
    return {"max_lat_accel_mps2": float(np.abs(lat).max()) if len(lat) else 0.0}
