"""The criteria grammar: ``<metric> <op> <value>`` over the run metrics.

``KNOWN_METRICS`` is the set of metrics a rollout reports (it must equal
``farm.result.Metrics.names()``; a farm test checks that). Boolean metrics take
``true``/``false`` with ``==``/``!=`` only; text metrics a lower_snake_case word
with ``==``/``!=`` only (``collision_class != front``); the others take a finite number.
"""

from __future__ import annotations

import math
import re

from scenario_library.family import OPERATORS, Criterion

KNOWN_METRICS: tuple[str, ...] = (
    "collision", "collision_speed_mps", "collision_rel_speed_mps", "collision_kind", "collision_class",
    "collision_at_fault", "min_ttc_s", "min_distance_m", "min_distance_interest_m", "route_completion",
    "time_to_goal_s", "max_decel_mps2", "max_jerk_mps3", "max_lat_accel_mps2", "offroad", "speed_violation",
    "safety_triggers", "fallbacks",
)
BOOL_METRICS: frozenset[str] = frozenset({"collision", "collision_at_fault", "offroad", "speed_violation"})
TEXT_METRICS: frozenset[str] = frozenset({"collision_kind", "collision_class"})
_WORD = re.compile(r"^[a-z][a-z0-9_]*$")

_CRITERION = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(==|!=|<=|>=|<|>)\s*(\S+)\s*$")


def parse_criterion(text: str) -> Criterion:
    """Parse ``"min_ttc_s >= 1.0"`` into a ``Criterion``.

    Raises:
        ValueError: the text does not follow the grammar, names an unknown metric,
            or gives a value of the wrong kind for the metric.
    """
    match = _CRITERION.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not '<metric> <op> <value>' with op one of {' '.join(OPERATORS)}")
    metric, op, raw = match.groups()
    if metric not in KNOWN_METRICS:
        raise ValueError(f"unknown metric {metric!r} (known: {', '.join(KNOWN_METRICS)})")
    if metric in BOOL_METRICS:
        if raw not in ("true", "false"):
            raise ValueError(f"{metric} is a boolean metric: the value must be true or false, got {raw!r}")
        if op not in ("==", "!="):
            raise ValueError(f"{metric} is a boolean metric: use == or !=, not {op}")
        return Criterion(metric=metric, op=op, value=raw == "true", text=f"{metric} {op} {raw}")
    if metric in TEXT_METRICS:
        if op not in ("==", "!=") or not _WORD.match(raw):
            raise ValueError(f"{metric} is a text metric: use == or != with a lower_snake_case word, got {op} {raw!r}")
        return Criterion(metric=metric, op=op, value=raw, text=f"{metric} {op} {raw}")
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{metric} needs a number, got {raw!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{metric} needs a finite number, got {raw!r}")
    return Criterion(metric=metric, op=op, value=value, text=f"{metric} {op} {raw}")
