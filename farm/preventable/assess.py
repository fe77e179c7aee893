"""The entry point: ``assess(family, params, scene)`` -> ``Preventability``, one pinned rule per family."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from farm.errors import InputError
from farm.preventable import rules_geometric, rules_recorded
from farm.preventable.surrogate import extras
from farm.preventable.verdict import Outcome, Preventability
from scenario_library.family import Family, PreventableRule
from scenario_library.scene import SceneSpec

Rule = Callable[[SceneSpec, Mapping[str, Any], PreventableRule], Outcome]

RULES: dict[str, Rule | None] = {
    **rules_recorded.TARGETED,  # the rules that read the scene only (a log replay may name one of them)
    "narrow_passage": rules_geometric.narrow_passage,
    "curve_following": rules_geometric.curve_following,
    "recorded": rules_recorded.recorded,  # log_replay: the sample names the rule and the actor
    "null": None,  # test-only families: no verdict
}
SUPPORTED_VERSIONS: dict[str, int] = dict.fromkeys(RULES, 1)


def assess(family: Family, params: Mapping[str, Any], scene: SceneSpec | None = None) -> Preventability:
    """What the R157 reference driver achieves in ``family`` at ``params`` (``scene``: its built scene, or built here).

    Deterministic and independent of seed, stack and fidelity. A family without
    a rule, or with the ``null`` rule, gives ``preventable=None``. Under the
    ``recorded`` rule the sample names the rule (``recorded@1:cut_in``); a sample
    naming none has no verdict and no rule.

    Raises:
        InputError: the family names a rule or version this module does not implement.
    """
    block = family.preventable
    if block is None:
        return Preventability(preventable=None, rule=None, ref_impact_speed_mps=None, ref_min_gap_m=None)
    if block.rule not in RULES or SUPPORTED_VERSIONS[block.rule] != block.version:
        raise InputError(f"no implementation of preventable rule {block.rule_id!r} "
                         f"(known: {', '.join(f'{r}@{v}' for r, v in SUPPORTED_VERSIONS.items())})",
                         source=family.source, field="preventable.rule")
    rule = RULES[block.rule]
    if rule is None:
        return Preventability(preventable=None, rule=block.rule_id, ref_impact_speed_mps=None, ref_min_gap_m=None)
    values = family.resolve(params)
    rule_id = block.rule_id
    if block.rule == "recorded":
        chosen = rules_recorded.named(values)
        if chosen is None:
            return Preventability(preventable=None, rule=None, ref_impact_speed_mps=None, ref_min_gap_m=None)
        rule_id = f"{rule_id}:{chosen[0]}"
    scene = family.build(params) if scene is None else scene
    found = rule(scene, values, block)
    return Preventability(preventable=found.preventable, rule=rule_id,
                          ref_impact_speed_mps=found.impact_speed_mps, ref_min_gap_m=found.min_gap_m,
                          ref_policy=found.policy, ref_perception_t_s=found.perception_t_s, **extras(scene))  # type: ignore[arg-type]
