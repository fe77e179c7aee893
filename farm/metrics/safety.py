"""safety_triggers, fallbacks: interventions the stack's safety monitor reported as events."""

from __future__ import annotations

from typing import Any

from farm.metrics.trace import Trace

TRIGGER_KINDS = frozenset({"aeb", "speed_envelope", "geofence"})
FALLBACK_KINDS = frozenset({"fallback"})


def compute(trace: Trace) -> dict[str, Any]:
    return {
        "safety_triggers": sum(1 for e in trace.stack_events if e.kind in TRIGGER_KINDS),
        "fallbacks": sum(1 for e in trace.stack_events if e.kind in FALLBACK_KINDS),
    }
