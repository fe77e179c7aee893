"""max_lat_accel_mps2: largest |lateral acceleration| of the ego (v * yaw rate, ground truth)."""

from __future__ import annotations

from typing import Any

from farm.metrics.trace import Trace


def compute(trace: Trace) -> dict[str, Any]:
    if trace.n_ticks == 0:
        return {"max_lat_accel_mps2": 0.0}
    return {"max_lat_accel_mps2": float(abs(trace.ego_lat_accel_mps2).max())}
