"""From a parsed family document to a validated ``Family``: every rule, every problem on its own line.

Rules beyond the structure (``family_schema``): names, ranges and levels of
parameters, ODD attributes and values against the taxonomy (and the values a
bound parameter's levels reach), the criteria grammar, the builder's signature,
the adversarial stacks excused by ``may_pass``, the edge cases' parameters, and
finally that the nominal and every edge case actually build a ``SceneSpec`` of
the declared duration holding every actor of interest.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from scenario_library.builder_ref import builder_function, signature_problem
from scenario_library.criteria import parse_criterion
from scenario_library.documents import error
from scenario_library.errors import ScenarioError
from scenario_library.family import (
    PREVENTABLE_RULES,
    RULES_NEEDING_LAT_ACCEL,
    Criterion,
    Family,
    MayPass,
    Parameter,
    PreventableRule,
)
from scenario_library.family_schema import (
    EXCUSABLE_MUTANTS,
    MAX_DURATION_S,
    MUTANT_STACKS,
    FamilyDoc,
    ScenarioErrors,
    as_number,
    bool_parameter,
    check_name,
    choice_parameter,
    input_parameter,
    label_parameter,
    numeric_parameter,
    parse_document,
)
from scenario_library.log_content import resolve_inputs
from scenario_library.odd import Odd, default_odd, odd_value
from scenario_library.params import resolve
from scenario_library.scene import SceneSpec

_PARAMETER_KINDS = {"float": numeric_parameter, "int": numeric_parameter, "choice": choice_parameter,
                    "bool": bool_parameter, "input": input_parameter,
                    "label": label_parameter}


def check_document(raw: dict[str, Any], source: str, *, odd: Odd | None = None) -> Family:
    """Validate one parsed family document; raises ``ScenarioErrors`` listing every problem found."""
    doc = parse_document(raw, source)
    errors: list[ScenarioError] = []
    _header(doc, source, errors)
    parameters = _parameters(doc, source, errors)
    odd_tags = _odd(doc, parameters, odd or default_odd(), source, errors)
    criteria = _criteria(doc, source, errors)
    function = _builder(doc, source, errors)
    preventable = _preventable(doc, source, errors)
    may_pass = _may_pass(doc, source, errors)
    if errors:
        raise ScenarioErrors(errors)
    family = Family(name=doc.name, version=doc.version, description=doc.description.strip(),
                    criticality=doc.criticality, duration_s=_duration(doc), odd=odd_tags,
                    parameters=tuple(parameters), criteria=tuple(criteria), builder=doc.builder, source=source,
                    test_only=doc.test_only, may_pass=may_pass,
                    edge_cases=_edge_cases(doc, parameters, source, errors), preventable=preventable,
                    actors_of_interest=tuple(doc.actors_of_interest))
    if not errors:
        _builds(family, function, source, errors)
    if errors:
        raise ScenarioErrors(errors)
    return family


def _header(doc: FamilyDoc, source: str, errors: list[ScenarioError]) -> None:
    problem = check_name(doc.name, "family name")
    if problem:
        errors.append(error(source, "name", problem))
    if doc.version < 1:
        errors.append(error(source, "version", f"must be a positive integer, got {doc.version}"))
    if doc.duration_s == FROM_INPUT:
        if not any(p.type == "input" for p in doc.parameters):
            errors.append(error(source, "duration_s", "'from_input' needs an input parameter (type: input)"))
        return
    try:
        duration_s = as_number(doc.duration_s, integer=False)
    except ValueError as exc:
        errors.append(error(source, "duration_s", f"Input should be a valid number or 'from_input' ({exc})"))
        return
    if not 0.0 < duration_s <= MAX_DURATION_S:
        errors.append(error(source, "duration_s", f"must be in (0, {MAX_DURATION_S:g}] s, got {doc.duration_s!r}"))
    if not doc.description.strip():
        errors.append(error(source, "description", "must not be empty"))


FROM_INPUT = "from_input"


def _duration(doc: FamilyDoc) -> float | None:
    """The family's fixed duration [s], or None when its builder takes it from an input (``from_input``)."""
    return None if doc.duration_s == FROM_INPUT else float(doc.duration_s)


def _parameters(doc: FamilyDoc, source: str, errors: list[ScenarioError]) -> list[Parameter]:
    out: list[Parameter] = []
    seen: set[str] = set()
    for i, p in enumerate(doc.parameters):
        where = f"parameters[{i}]"
        problem = check_name(p.name, "parameter name")
        if problem:
            errors.append(error(source, f"{where}.name", problem))
        elif p.name in seen:
            errors.append(error(source, f"{where}.name", f"duplicate parameter name {p.name!r}"))
        seen.add(p.name)
        parameter = _PARAMETER_KINDS[p.type](p, where, source, errors)
        if parameter is not None:
            out.append(parameter)
    return out


def _odd(doc: FamilyDoc, parameters: list[Parameter], odd: Odd, source: str,
         errors: list[ScenarioError]) -> dict[str, tuple[str, ...]]:
    """The family's ODD values per attribute, in taxonomy order; every attribute must be declared."""
    tags: dict[str, tuple[str, ...]] = {}
    for name, values in doc.odd.items():
        if name not in odd.names:
            errors.append(error(source, ("odd", name), f"unknown ODD attribute (known: {', '.join(odd.names)})"))
            continue
        permitted = odd.attribute(name).values
        bad = [v for v in values if v not in permitted]
        if bad:
            errors.append(error(source, ("odd", name), f"{bad[0]!r} is not a value of {name} "
                                                       f"(permitted: {', '.join(permitted)})"))
        elif len(set(values)) != len(values):
            errors.append(error(source, ("odd", name), "values must be unique"))
        else:
            tags[name] = tuple(v for v in permitted if v in values)
    missing = [n for n in odd.names if n not in doc.odd]
    if missing:
        errors.append(error(source, "odd", f"missing ODD attributes: {', '.join(missing)} (list [] for none)"))
    for i, p in enumerate(doc.parameters):
        bound = next((q for q in parameters if q.name == p.name and q.odd_attribute is not None), None)
        if bound is not None:
            _binding(bound, f"parameters[{i}].odd", tags, odd, source, errors)
    return {n: tags[n] for n in odd.names if n in tags}


def _binding(p: Parameter, where: str, tags: dict[str, tuple[str, ...]], odd: Odd, source: str,
             errors: list[ScenarioError]) -> None:
    """A parameter realising an ODD attribute: it must be a measure of it, and its levels' values must be listed."""
    assert p.odd_attribute is not None
    if p.odd_attribute not in odd.names:
        errors.append(error(source, where, f"unknown ODD attribute {p.odd_attribute!r} "
                                           f"(known: {', '.join(odd.names)})"))
        return
    attribute = odd.attribute(p.odd_attribute)
    if p.type == "choice":
        bad = [c for c in p.choices if c not in attribute.values]
        if bad:
            errors.append(error(source, where, f"choice {bad[0]!r} is not a value of {attribute.name} "
                                               f"(permitted: {', '.join(attribute.values)})"))
            return
    else:
        measure = attribute.measure(p.name)
        if measure is None:
            names = ", ".join(m.parameter for m in attribute.measures) or "none"
            errors.append(error(source, where, f"parameter {p.name!r} cannot realise {attribute.name} "
                                               f"(the ODD measures it by: {names})"))
            return
        if measure.unit != p.unit:
            errors.append(error(source, where, f"unit {p.unit!r} does not match the ODD measure's unit "
                                               f"{measure.unit!r}"))
            return
    reached = {odd_value(p, v, odd) for v in (*p.levels, p.nominal)}
    unlisted = sorted(v for v in reached if v is not None and v not in tags.get(attribute.name, ()))
    if unlisted:
        errors.append(error(source, ("odd", attribute.name), f"parameter {p.name}'s levels reach "
                                                             f"{', '.join(unlisted)}, which must be listed here"))


def _criteria(doc: FamilyDoc, source: str, errors: list[ScenarioError]) -> list[Criterion]:
    out: list[Criterion] = []
    for i, text in enumerate(doc.criteria):
        try:
            criterion = parse_criterion(text)
        except ValueError as exc:
            errors.append(error(source, f"criteria[{i}]", str(exc)))
            continue
        if any(c.metric == criterion.metric and c.op == criterion.op for c in out):
            errors.append(error(source, f"criteria[{i}]", f"duplicate criterion on {criterion.metric} {criterion.op}"))
            continue
        out.append(criterion)
    return out


def _builder(doc: FamilyDoc, source: str, errors: list[ScenarioError]) -> Callable[..., Any] | None:
    """The builder function, if it exists and takes exactly the declared parameters (keyword-only)."""
    try:
        function = builder_function(doc.builder)
    except ValueError as exc:
        errors.append(error(source, "builder", str(exc)))
        return None
    problem = signature_problem(function, [p.name for p in doc.parameters])
    if problem:
        errors.append(error(source, "builder", problem))
        return None
    return function


def _preventable(doc: FamilyDoc, source: str, errors: list[ScenarioError]) -> PreventableRule | None:
    """The ``preventable:`` block: a known rule name, a positive version, a reason, sane settings."""
    block = doc.preventable
    if block is None:
        return None
    before = len(errors)
    if block.rule not in PREVENTABLE_RULES:
        errors.append(error(source, "preventable.rule", f"unknown rule {block.rule!r} "
                                                        f"(known: {', '.join(PREVENTABLE_RULES)})"))
    if block.version < 1:
        errors.append(error(source, "preventable.version", f"must be a positive integer, got {block.version}"))
    if not block.why.strip():
        errors.append(error(source, "preventable.why", "must explain the rule as applied to this family"))
    if not math.isfinite(block.margin_m) or block.margin_m < 0.0:
        errors.append(error(source, "preventable.margin_m", f"must be a finite number >= 0, got {block.margin_m!r}"))
    limit = block.lat_accel_limit_mps2
    if block.rule in RULES_NEEDING_LAT_ACCEL and (limit is None or not math.isfinite(limit) or limit <= 0.0):
        errors.append(error(source, "preventable.lat_accel_limit_mps2", f"rule {block.rule!r} needs a finite "
                                                                        f"limit > 0, got {limit!r}"))
    elif block.rule not in RULES_NEEDING_LAT_ACCEL and limit is not None:
        errors.append(error(source, "preventable.lat_accel_limit_mps2", f"not used by rule {block.rule!r}"))
    if len(errors) > before:
        return None
    return PreventableRule(rule=block.rule, version=block.version, why=block.why.strip(), margin_m=block.margin_m,
                           lat_accel_limit_mps2=limit)


def _may_pass(doc: FamilyDoc, source: str, errors: list[ScenarioError]) -> tuple[MayPass, ...]:
    """Adversarial stacks excused from failing the nominal case: known, excusable, once each, with a reason."""
    out: list[MayPass] = []
    for i, entry in enumerate(doc.may_pass):
        where = f"may_pass[{i}]"
        if entry.stack not in MUTANT_STACKS:
            errors.append(error(source, f"{where}.stack", f"unknown adversarial stack {entry.stack!r} "
                                                          f"(known: {', '.join(MUTANT_STACKS)})"))
        elif entry.stack not in EXCUSABLE_MUTANTS:
            errors.append(error(source, f"{where}.stack", f"the {entry.stack} stack may not pass: a family it passes "
                                                          "tests nothing (fix the criteria instead)"))
        elif any(m.stack == entry.stack for m in out):
            errors.append(error(source, f"{where}.stack", f"duplicate entry for {entry.stack!r}"))
        if not entry.why.strip():
            errors.append(error(source, f"{where}.why", "must explain why the stack may pass the nominal case"))
        out.append(MayPass(stack=entry.stack, why=entry.why.strip()))
    return tuple(out)


def _edge_cases(doc: FamilyDoc, parameters: list[Parameter], source: str,
                errors: list[ScenarioError]) -> tuple[dict[str, Any], ...]:
    probe = Family(name=doc.name, version=doc.version, description="", criticality=doc.criticality,
                   duration_s=_duration(doc), odd={}, parameters=tuple(parameters), criteria=(), builder=doc.builder,
                   source=source)
    out: list[dict[str, Any]] = []
    names: set[str] = set()
    for i, edge in enumerate(doc.edge_cases):
        where = f"edge_cases[{i}]"
        problem = check_name(edge.name, "edge case name")
        if problem or edge.name in names:
            errors.append(error(source, f"{where}.name", problem or f"duplicate edge case name {edge.name!r}"))
        names.add(edge.name)
        values, problems = resolve(probe, edge.params)
        errors.extend(error(source, f"{where}.params.{name}", reason) for name, reason in problems)
        if not edge.why.strip():
            errors.append(error(source, f"{where}.why", "must explain why the edge fails (or passes)"))
        bad = {name for name, _ in problems}
        typed = {k: values[k] for k in edge.params if k not in bad}
        out.append({"name": edge.name, "params": typed, "expect": edge.expect, "why": edge.why.strip()})
    return tuple(out)


def _builds(family: Family, function: Callable[..., Any] | None, source: str, errors: list[ScenarioError]) -> None:
    """The nominal and every edge case must build a SceneSpec lasting ``duration_s``, with its actors of interest."""
    if function is None:
        return
    cases = [("nominal", {})] + [(f"edge case {e['name']}", e["params"]) for e in family.edge_cases]
    for label, overrides in cases:
        params = resolve(family, overrides)[0]
        try:
            scene = function(**resolve_inputs(family.parameters, params, {}))  # packaged logs for input nominals
        except Exception as exc:  # a builder bug must surface as a validation error, not a traceback
            errors.append(error(source, "builder", f"{label} does not build: {type(exc).__name__}: {exc}"))
            return
        if not isinstance(scene, SceneSpec):
            errors.append(error(source, "builder", f"{label} returned {type(scene).__name__}, not a SceneSpec"))
            return
        if family.duration_s is None and not 0.0 < scene.duration_s <= MAX_DURATION_S:
            errors.append(error(source, "duration_s", f"the {label} scene lasts {scene.duration_s:g} s: must be in "
                                                      f"(0, {MAX_DURATION_S:g}] s"))
            return
        if family.duration_s is not None and scene.duration_s != family.duration_s:
            errors.append(error(source, "duration_s", f"{family.duration_s:g} s differs from the builder's scene "
                                                      f"duration {scene.duration_s:g} s"))
            return
        if not _interest_present(family, scene, label, source, errors):
            return


def _interest_present(family: Family, scene: SceneSpec, label: str, source: str,
                      errors: list[ScenarioError]) -> bool:
    """Every declared actor of interest is an actor or obstacle of the built scene (and listed once)."""
    known = [a.actor_id for a in scene.actors] + [o.obstacle_id for o in scene.obstacles]
    for i, actor_id in enumerate(family.actors_of_interest):
        if actor_id in family.actors_of_interest[:i]:
            errors.append(error(source, f"actors_of_interest[{i}]", f"duplicate actor id {actor_id!r}"))
            return False
        if actor_id not in known:
            errors.append(error(source, f"actors_of_interest[{i}]", f"unknown actor id {actor_id!r}: the {label} "
                                                                   f"scene has {', '.join(known) or 'no actors'}"))
            return False
    return True
