"""speed_violation: over the limit by more than 1 m/s for more than 1 s."""

from __future__ import annotations

from typing import Any

import numpy as np

from farm.metrics.trace import Trace
from farm.result import Event

TOLERANCE_MPS = 1.0
MIN_DURATION_S = 1.0


def _first_violation(trace: Trace) -> int | None:
    over = trace.ego_speed_mps > trace.speed_limit_mps + TOLERANCE_MPS
    needed = max(1, round(MIN_DURATION_S / trace.dt_s))
    run = 0
    for i, flag in enumerate(over):
        run = run + 1 if flag else 0
        if run > needed:
            return i
    return None


def compute(trace: Trace) -> dict[str, Any]:
    return {"speed_violation": _first_violation(trace) is not None}


def events(trace: Trace) -> list[Event]:
    i = _first_violation(trace)
    if i is None:
        return []
    return [Event(t_s=float(trace.t_s[i]), kind="speed_violation",
                  detail=f"{float(np.max(trace.ego_speed_mps)):.2f} m/s > {trace.speed_limit_mps:.2f} m/s")]
