"""offroad: any corner of the ego footprint left the drivable area (lane corridors + shoulder)."""

from __future__ import annotations

from typing import Any

import numpy as np

from farm.metrics.trace import Trace
from farm.result import Event


def compute(trace: Trace) -> dict[str, Any]:
    return {"offroad": bool(np.any(trace.offroad))}


def events(trace: Trace) -> list[Event]:
    hits = np.flatnonzero(trace.offroad)
    return [Event(t_s=float(trace.t_s[hits[0]]), kind="offroad", detail="")] if len(hits) else []
