"""The ``recorded`` rule: a logged run judged by a rule the promotion names, against the logged actor it names.

``log_replay`` (one family for every incident) cannot carry one rule: a logged
lead that brakes, a logged cutter and a logged pedestrian need different ones.
Its samples name the rule (``rule``, one of ``scenario_library.family.RECORDED_RULES``,
or ``none``) and the actor of interest (``actor``, a logged actor or static
obstacle id). The named rule runs unchanged on the replayed scene with that
actor as its target: the reference ego drives the logged ego's route as it was
logged until its reaction, the other actors move as logged
(``farm.preventable.replay``, ``farm.preventable.recorded``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from farm.errors import InputError
from farm.preventable import rules_crossing, rules_following, rules_geometric
from farm.preventable.verdict import Outcome
from scenario_library.family import RECORDED_RULES, PreventableRule
from scenario_library.scene import SceneSpec

TargetedRule = Callable[..., Outcome]

TARGETED: dict[str, TargetedRule] = {
    "lead_vehicle_braking": rules_following.lead_vehicle_braking,
    "sensor_degradation": rules_following.sensor_degradation,
    "low_friction_braking": rules_following.low_friction_braking,
    "cut_in": rules_following.cut_in,
    "pedestrian_crossing": rules_crossing.pedestrian_crossing,
    "intersection_crossing": rules_crossing.intersection_crossing,
    "static_obstacle": rules_geometric.static_obstacle,
}
assert tuple(TARGETED) == RECORDED_RULES  # one list of rules for logs, kept in scenario_library


def named(params: Mapping[str, Any]) -> tuple[str, str] | None:
    """(rule, actor) the sample names, or None when its ``rule`` is ``none``.

    Raises:
        InputError: an unknown rule, or a rule without an actor.
    """
    rule, actor = str(params.get("rule", "none")), str(params.get("actor", "none"))
    if rule == "none":
        return None
    if rule not in TARGETED:
        raise InputError(f"no rule {rule!r} for recorded motion (known: {', '.join(TARGETED)}, none)", field="rule")
    if actor == "none":
        raise InputError(f"rule {rule!r} needs the actor of interest", field="actor")
    return rule, actor


def recorded(scene: SceneSpec, params: Mapping[str, Any], rule: PreventableRule) -> Outcome:
    """The named rule on the replayed scene, targeting the named actor (no verdict when no rule is named)."""
    chosen = named(params)
    if chosen is None:
        return Outcome(preventable=None, impact_speed_mps=None, min_gap_m=None)
    name, actor = chosen
    return TARGETED[name](scene, params, rule, target=actor)
