"""Per-rollout metrics and pass/fail evaluation, one metric (or one family of them) per module, from a ``Trace``.

May import farm's contracts and ``scenario_library`` (criteria); never pybullet.
"""

from __future__ import annotations

from collections.abc import Sequence

from farm.metrics import (
    collision,
    comfort,
    distance,
    latency,
    offroad,
    route,
    safety,
    speed,
    ttc,
)
from farm.metrics.trace import Trace
from farm.result import Event, Metrics, ModuleLatency
from scenario_library.family import Criterion

_METRIC_MODULES = (collision, ttc, distance, route, comfort, offroad, speed, safety)
_EVENT_MODULES = (collision, route, offroad, speed)


def compute_metrics(trace: Trace) -> Metrics:
    """Every run metric of the runs table (``farm.schema``; columns in docs/store.md)."""
    values: dict[str, object] = {}
    for module in _METRIC_MODULES:
        values.update(module.compute(trace))
    return Metrics(**values)  # type: ignore[arg-type]


def metric_events(trace: Trace) -> list[Event]:
    """Events the metrics detect (collision, goal_reached, offroad, speed_violation)."""
    return [e for module in _EVENT_MODULES for e in module.events(trace)]


def module_latency(trace: Trace) -> tuple[ModuleLatency, ...]:
    return latency.compute(trace)


def evaluate(metrics: Metrics, criteria: Sequence[Criterion]) -> tuple[str, ...]:
    """Fail reasons (empty = passed), in the family's criteria order."""
    values = metrics.as_dict()
    return tuple(reason for c in criteria if (reason := c.evaluate(values)) is not None)


__all__ = ["Trace", "compute_metrics", "evaluate", "metric_events", "module_latency"]
