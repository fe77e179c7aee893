"""collision, collision_speed_mps: first contact between the ego and any body."""

from __future__ import annotations

from typing import Any

from farm.metrics.trace import Trace
from farm.result import Event


def first_contact(trace: Trace) -> int | None:
    """Index of the first tick with a contact (or a non-positive gap), else None."""
    for i, touching in enumerate(trace.contacts):
        if touching or trace.gap_m[i] <= 0.0:
            return i
    return None


def compute(trace: Trace) -> dict[str, Any]:
    """Ego speed at first contact [m/s]; 0 when there is none."""
    i = first_contact(trace)
    if i is None:
        return {"collision": False, "collision_speed_mps": 0.0}
    return {"collision": True, "collision_speed_mps": float(abs(trace.ego_speed_mps[i]))}


def events(trace: Trace) -> list[Event]:
    """One ``collision`` event at first contact, naming the bodies hit."""
    i = first_contact(trace)
    if i is None:
        return []
    who = ",".join(trace.contacts[i]) or "unknown"
    return [Event(t_s=float(trace.t_s[i]), kind="collision",
                  detail=f"{who} at {abs(float(trace.ego_speed_mps[i])):.2f} m/s")]
