"""max_decel_mps2: hardest longitudinal deceleration (positive number)."""

from __future__ import annotations

from typing import Any

from farm.metrics.longitudinal import accel_series
from farm.metrics.trace import Trace


def compute(trace: Trace) -> dict[str, Any]:
    a = accel_series(trace)
    return {"max_decel_mps2": float(max(0.0, -a.min())) if len(a) else 0.0}
