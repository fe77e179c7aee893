"""The family file format: a strict pydantic model of the YAML, then the rules pydantic cannot express.

``check_document`` turns one parsed YAML mapping into a ``Family`` or into a list
of one-line ``ScenarioError`` s (file, field path, reason), collecting as many
problems as it can. The builder is checked by ``scenario_library.builder_check``.
"""

from __future__ import annotations

import math
import re
from itertools import pairwise
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scenario_library.documents import error
from scenario_library.errors import ScenarioError
from scenario_library.family import Parameter, ParamValue
from scenario_library.log_content import InputContentError, packaged_input
from scenario_library.params import fmt, to_input_hash, to_label

NAME = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_DURATION_S = 600.0
# The adversarial stacks of tests/farm/adversarial_stacks.py, which every family's nominal case must fail. Only
# the ones that drive sensibly somewhere may be excused: a family that an inert or a blind stack passes tests nothing.
MUTANT_STACKS: tuple[str, ...] = ("inert", "blind", "cruiser", "late_braker")
EXCUSABLE_MUTANTS: tuple[str, ...] = ("cruiser", "late_braker")


class Strict(BaseModel):
    """Unknown keys and implicit type conversions are errors."""

    model_config = ConfigDict(extra="forbid", strict=True)


class ParameterDoc(Strict):
    name: str
    type: Literal["float", "int", "choice", "bool", "input", "label"]
    description: str
    nominal: Any
    unit: str = ""
    range: list[Any] | None = None
    choices: list[str] | None = None
    levels: list[Any] | None = None
    bin_edges: list[Any] | None = None
    odd: str | None = None


class MayPassDoc(Strict):
    stack: str
    why: str


class EdgeCaseDoc(Strict):
    name: str
    params: dict[str, Any] = Field(min_length=1)
    expect: Literal["fail", "pass"]
    why: str


class PreventableDoc(Strict):
    rule: str
    version: int
    why: str
    margin_m: float = 0.0
    lat_accel_limit_mps2: float | None = None


class FamilyDoc(Strict):
    name: str
    version: int
    description: str
    criticality: Literal["critical", "standard"]
    actors_of_interest: list[str] = []
    duration_s: Any  # a number of seconds, or "from_input" (checked in validation._header)
    odd: dict[str, list[str]]
    parameters: list[ParameterDoc] = Field(min_length=1)
    criteria: list[str] = Field(min_length=1)
    builder: str
    test_only: bool = False
    may_pass: list[MayPassDoc] = []
    edge_cases: list[EdgeCaseDoc] = []
    preventable: PreventableDoc | None = None


_MODELS: dict[tuple[str, ...], type[Strict]] = {(): FamilyDoc, ("parameters",): ParameterDoc,
                                                ("may_pass",): MayPassDoc, ("edge_cases",): EdgeCaseDoc,
                                                ("preventable",): PreventableDoc}


def parse_document(raw: dict[str, Any], source: str) -> FamilyDoc:
    """The structural check; raises the list of problems as ``ScenarioErrors``."""
    try:
        return FamilyDoc.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioErrors([_pydantic_error(source, e) for e in exc.errors()]) from None


class ScenarioErrors(Exception):
    """Several one-line errors found in one document."""

    def __init__(self, errors: list[ScenarioError]) -> None:
        self.errors = errors
        super().__init__("\n".join(e.line() for e in errors))


def _pydantic_error(source: str, e: Any) -> ScenarioError:
    loc = tuple(e["loc"])
    if e["type"] == "extra_forbidden":
        model = _MODELS.get(tuple(p for p in loc[:-1] if not isinstance(p, int)))
        allowed = f" (allowed: {', '.join(model.model_fields)})" if model is not None else ""
        return error(source, loc, f"unknown key{allowed}")
    if e["type"] == "missing":
        return error(source, loc, "required key is missing")
    reason = str(e["msg"])
    value = e.get("input")
    if isinstance(value, str) and e["type"] == "float_type" and _looks_numeric(value):
        reason += f" (got the string {value!r}: YAML reads exponents without a dot as text; write e.g. 1.0e-3)"
    elif e["type"].endswith("_type") and not isinstance(value, dict | list):
        reason += f", got {type(value).__name__} {_short(value)}"
    return error(source, loc, reason)


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def as_number(value: Any, *, integer: bool) -> float | int:
    """A YAML number as the declared kind; ValueError with a reason otherwise (bools are not numbers)."""
    kind = "an integer" if integer else "a number"
    if isinstance(value, bool) or not isinstance(value, int | float):
        hint = " (write exponents with a dot, e.g. 1.0e-3)" if isinstance(value, str) and _looks_numeric(value) else ""
        raise ValueError(f"expected {kind}, got {type(value).__name__} {_short(value)}{hint}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value!r}")
    if integer and not isinstance(value, int):
        raise ValueError(f"expected an integer, got {value!r}")
    return value if integer else float(value) + 0.0


def check_name(name: str, what: str) -> str | None:
    """Reason why ``name`` is not a valid lower_snake_case identifier, or None."""
    if NAME.match(name):
        return None
    return f"{what} {name!r} must be lower_snake_case (a-z, 0-9, _; starting with a letter)"


def numbers(values: list[Any], *, integer: bool, where: str, source: str,
            errors: list[ScenarioError]) -> list[float | int] | None:
    """Each value as a number of the declared kind, strictly increasing; None after recording problems."""
    out: list[float | int] = []
    for i, value in enumerate(values):
        try:
            out.append(as_number(value, integer=integer))
        except ValueError as exc:
            errors.append(error(source, f"{where}[{i}]", str(exc)))
            return None
    if any(b <= a for a, b in pairwise(out)):
        errors.append(error(source, where, "values must be strictly increasing"))
        return None
    return out


def choice_parameter(doc: ParameterDoc, where: str, source: str, errors: list[ScenarioError]) -> Parameter | None:
    """A ``choice`` parameter: choices are its levels."""
    before = len(errors)
    for key in ("range", "bin_edges", "levels"):
        if getattr(doc, key) is not None:
            errors.append(error(source, f"{where}.{key}", "not allowed for a choice parameter (its levels are its "
                                                          "choices)"))
    if doc.unit:
        errors.append(error(source, f"{where}.unit", "a choice parameter has no unit"))
    choices = doc.choices or []
    if not choices:
        errors.append(error(source, f"{where}.choices", "a choice parameter needs a non-empty list of choices"))
    elif len(set(choices)) != len(choices) or any(not c.strip() or c != c.strip() for c in choices):
        errors.append(error(source, f"{where}.choices", "choices must be unique, non-empty and without spaces "
                                                         "around them"))
    elif doc.nominal not in choices or not isinstance(doc.nominal, str):
        errors.append(error(source, f"{where}.nominal", f"{_short(doc.nominal)} is not one of the choices: "
                                                        f"{', '.join(choices)}"))
    if len(errors) > before:
        return None
    return Parameter(name=doc.name, type="choice", description=doc.description, nominal=doc.nominal,
                     choices=tuple(choices), levels=tuple(choices), odd_attribute=doc.odd)


def bool_parameter(doc: ParameterDoc, where: str, source: str, errors: list[ScenarioError]) -> Parameter | None:
    """A ``bool`` parameter: levels are (false, true)."""
    before = len(errors)
    for key in ("range", "bin_edges", "levels", "choices"):
        if getattr(doc, key) is not None:
            errors.append(error(source, f"{where}.{key}", "not allowed for a bool parameter (its levels are false, "
                                                          "true)"))
    if doc.unit:
        errors.append(error(source, f"{where}.unit", "a bool parameter has no unit"))
    if not isinstance(doc.nominal, bool):
        errors.append(error(source, f"{where}.nominal", f"expected true or false, got {_short(doc.nominal)}"))
    if doc.odd is not None:
        errors.append(error(source, f"{where}.odd", "a bool parameter cannot realise an ODD attribute; use a choice"))
    if len(errors) > before:
        return None
    return Parameter(name=doc.name, type="bool", description=doc.description, nominal=doc.nominal,
                     levels=(False, True))


def _never_sampled(doc: ParameterDoc, kind: str, where: str, source: str, errors: list[ScenarioError]) -> None:
    """An input or label parameter declares nothing to sample, bin or bind to the ODD, and no unit."""
    for key in ("range", "bin_edges", "levels", "choices", "odd"):
        if getattr(doc, key) is not None:
            errors.append(error(source, f"{where}.{key}", f"not allowed for {kind} parameter (it is never sampled, "
                                                          "binned or bound to the ODD)"))
    if doc.unit:
        errors.append(error(source, f"{where}.unit", f"{kind} parameter has no unit"))


def input_parameter(doc: ParameterDoc, where: str, source: str, errors: list[ScenarioError]) -> Parameter | None:
    """An ``input`` parameter: a content hash, never sampled; its nominal names a packaged input."""
    before = len(errors)
    _never_sampled(doc, "an input", where, source, errors)
    try:
        nominal = to_input_hash(doc.nominal)
        if packaged_input(nominal) is None:
            errors.append(error(source, f"{where}.nominal", f"no packaged input {nominal} in "
                                                            "scenario_library/inputs/ (the nominal must build)"))
    except (ValueError, InputContentError) as exc:
        errors.append(error(source, f"{where}.nominal", str(exc)))
    if len(errors) > before:
        return None
    return Parameter(name=doc.name, type="input", description=doc.description, nominal=nominal)


def label_parameter(doc: ParameterDoc, where: str, source: str, errors: list[ScenarioError]) -> Parameter | None:
    """A ``label`` parameter: an identifier inside an input (e.g. a logged actor id), never sampled; nominal ``none``
    or another identifier."""
    before = len(errors)
    _never_sampled(doc, "a label", where, source, errors)
    try:
        nominal = to_label(doc.nominal)
    except ValueError as exc:
        errors.append(error(source, f"{where}.nominal", str(exc)))
    if len(errors) > before:
        return None
    return Parameter(name=doc.name, type="label", description=doc.description, nominal=nominal)


def numeric_parameter(doc: ParameterDoc, where: str, source: str, errors: list[ScenarioError]) -> Parameter | None:
    """A ``float``/``int`` parameter: range, nominal, and levels and/or inner bin edges."""
    before = len(errors)
    if doc.choices is not None:
        errors.append(error(source, f"{where}.choices", f"not allowed for a {doc.type} parameter"))
    if not doc.unit.strip():
        errors.append(error(source, f"{where}.unit", f"a {doc.type} parameter needs a unit ('1' if dimensionless)"))
    bounds = _range(doc, where, source, errors)
    if bounds is None:
        return None
    low, high = bounds
    nominal = _nominal(doc, low, high, where, source, errors)
    levels = _levels(doc, low, high, where, source, errors)
    if len(errors) > before or nominal is None or levels is None:
        return None
    return Parameter(name=doc.name, type=doc.type, unit=doc.unit, description=doc.description, nominal=nominal,
                     low=float(low), high=float(high), levels=tuple(levels[0]), bin_edges=tuple(levels[1]),
                     odd_attribute=doc.odd)


def _range(doc: ParameterDoc, where: str, source: str, errors: list[ScenarioError]) -> tuple[float, float] | None:
    if doc.range is None:
        errors.append(error(source, f"{where}.range", f"a {doc.type} parameter needs a range [low, high]"))
        return None
    if len(doc.range) != 2:
        errors.append(error(source, f"{where}.range", f"needs exactly [low, high], got {len(doc.range)} values"))
        return None
    values = numbers(doc.range, integer=doc.type == "int", where=f"{where}.range", source=source, errors=errors)
    if values is None:
        if errors and errors[-1].reason == "values must be strictly increasing":
            errors[-1] = error(source, f"{where}.range", f"empty or inverted range [{fmt(doc.range[0])}, "
                                                         f"{fmt(doc.range[1])}]: needs low < high")
        return None
    return float(values[0]), float(values[1])


def _nominal(doc: ParameterDoc, low: float, high: float, where: str, source: str,
             errors: list[ScenarioError]) -> ParamValue | None:
    try:
        nominal = as_number(doc.nominal, integer=doc.type == "int")
    except ValueError as exc:
        errors.append(error(source, f"{where}.nominal", str(exc)))
        return None
    if not low <= nominal <= high:
        errors.append(error(source, f"{where}.nominal", f"{fmt(nominal)} is outside the range [{fmt(low)}, "
                                                        f"{fmt(high)}]"))
        return None
    return nominal


def _levels(doc: ParameterDoc, low: float, high: float, where: str, source: str,
            errors: list[ScenarioError]) -> tuple[list[float | int], list[float]] | None:
    """(levels, inner bin edges); levels default to the bin centres when only edges are given."""
    integer = doc.type == "int"
    if doc.levels is None and doc.bin_edges is None:
        errors.append(error(source, f"{where}.levels", f"a {doc.type} parameter needs levels or bin_edges "
                                                       "(the discretisation used by grid/t-wise and coverage)"))
        return None
    edges: list[float] = []
    if doc.bin_edges is not None:
        found = numbers(doc.bin_edges, integer=False, where=f"{where}.bin_edges", source=source, errors=errors)
        if found is None:
            return None
        edges = [float(e) for e in found]
        if not edges or edges[0] <= low or edges[-1] >= high:
            errors.append(error(source, f"{where}.bin_edges", f"inner bin edges must lie strictly inside "
                                                              f"({fmt(low)}, {fmt(high)})"))
            return None
    if doc.levels is None:
        bounds = [low, *edges, high]
        centres: list[float | int] = [(a + b) / 2.0 for a, b in pairwise(bounds)]
        if integer:
            centres = [round(c) for c in centres]
            if any(b <= a for a, b in pairwise(centres)):
                errors.append(error(source, f"{where}.bin_edges", "bins are too narrow to hold one integer level each"))
                return None
        return centres, edges
    levels = numbers(doc.levels, integer=integer, where=f"{where}.levels", source=source, errors=errors)
    if levels is None:
        return None
    if not levels or not low <= levels[0] or not levels[-1] <= high:
        errors.append(error(source, f"{where}.levels", f"levels must be non-empty and inside the range "
                                                       f"[{fmt(low)}, {fmt(high)}]"))
        return None
    if edges and ([sum(e <= v for e in edges) for v in levels] != list(range(len(edges) + 1))):
        errors.append(error(source, f"{where}.levels", "with bin_edges, each bin needs exactly one level, in order"))
        return None
    return levels, edges
