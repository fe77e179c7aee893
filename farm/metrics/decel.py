"""max_decel_mps2: hardest longitudinal deceleration (positive number), filtered, before first contact."""

from __future__ import annotations

from typing import Any

from farm.metrics.longitudinal import filtered
from farm.metrics.trace import Trace


def compute(trace: Trace) -> dict[str, Any]:
    a = filtered(trace).accel_mps2
    return {"max_decel_mps2": float(max(0.0, -a.min())) if len(a) else 0.0}
