"""route_completion, time_to_goal_s: progress along the route towards the mission goal."""

from __future__ import annotations

from typing import Any

import numpy as np

from farm.metrics.trace import Trace
from farm.result import Event


def goal_tick(trace: Trace) -> int | None:
    reached = np.flatnonzero(trace.route_s_m >= trace.goal_s_m)
    return int(reached[0]) if len(reached) else None


def compute(trace: Trace) -> dict[str, Any]:
    span = max(trace.goal_s_m - trace.start_s_m, 1e-9)
    best = float(trace.route_s_m.max()) if trace.n_ticks else trace.start_s_m
    i = goal_tick(trace)
    return {
        "route_completion": float(np.clip((best - trace.start_s_m) / span, 0.0, 1.0)),
        "time_to_goal_s": float(trace.t_s[i]) if i is not None else None,
    }


def events(trace: Trace) -> list[Event]:
    i = goal_tick(trace)
    return [] if i is None else [Event(t_s=float(trace.t_s[i]), kind="goal_reached", detail="")]
