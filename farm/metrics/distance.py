"""min_distance_m: smallest ego-footprint to body-footprint distance (pybullet closest points)."""

from __future__ import annotations

import math
from typing import Any

from farm.metrics.trace import Trace


def compute(trace: Trace) -> dict[str, Any]:
    if trace.n_ticks == 0:
        return {"min_distance_m": math.inf}
    return {"min_distance_m": float(max(trace.gap_m.min(), 0.0))}
