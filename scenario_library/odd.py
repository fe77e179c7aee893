"""The ODD taxonomy (``odd.yaml``): load it, validate it, and map a parameter value to an ODD value.

An attribute (``surface_friction``) has permitted values (``high|medium|low``)
and, optionally, *measures*: parameters that realise it (``mu``), with a unit and
bin edges. ``odd_value(parameter, value)`` is the bin lookup the coverage report
uses; a value v falls in bin i when ``edges[i-1] <= v < edges[i]``.
"""

from __future__ import annotations

import bisect
import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scenario_library.documents import error, load_mapping
from scenario_library.errors import ScenarioError
from scenario_library.family import Parameter, ParamValue

Category = Literal["scenery", "environment", "dynamic_elements"]
NAME_PATTERN = r"^[a-z][a-z0-9_]*$"


@dataclass(frozen=True, slots=True, kw_only=True)
class OddMeasure:
    """A parameter that realises an attribute: its unit and the bins mapping its value to ODD values."""

    parameter: str
    unit: str
    edges: tuple[float, ...]
    values: tuple[str, ...]  # one per bin, lowest bin first

    def value_of(self, x: float) -> str:
        """The ODD value of the bin ``x`` falls in."""
        return self.values[bisect.bisect_right(self.edges, float(x))]


@dataclass(frozen=True, slots=True, kw_only=True)
class OddAttribute:
    """One ODD attribute with its permitted values and measures."""

    name: str
    category: Category
    description: str
    values: tuple[str, ...]
    measures: tuple[OddMeasure, ...] = ()

    def measure(self, parameter: str) -> OddMeasure | None:
        """The measure realised by a parameter called ``parameter``, if any."""
        return next((m for m in self.measures if m.parameter == parameter), None)


@dataclass(frozen=True, slots=True, kw_only=True)
class Odd:
    """The whole taxonomy, attributes in file order."""

    version: int
    attributes: tuple[OddAttribute, ...]
    source: str

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.attributes)

    def attribute(self, name: str) -> OddAttribute:
        """The attribute called ``name``; ScenarioError naming the known ones otherwise."""
        for attribute in self.attributes:
            if attribute.name == name:
                return attribute
        raise ScenarioError(f"unknown ODD attribute {name!r} (known: {', '.join(self.names)})", source=self.source)


class _MeasureDoc(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    unit: str
    edges: list[float] = Field(min_length=1)
    values: list[str]


class _AttributeDoc(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    category: Category
    description: str
    values: list[str] = Field(min_length=1)
    measures: dict[str, _MeasureDoc] = {}


class _OddDoc(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    version: int = Field(ge=1)
    attributes: dict[str, _AttributeDoc] = Field(min_length=1)


def odd_path() -> Path:
    """The shipped taxonomy file."""
    return Path(__file__).resolve().parent / "odd.yaml"


@functools.cache
def default_odd() -> Odd:
    """The shipped taxonomy, loaded once."""
    return load_odd(odd_path())


def load_odd(path: str | Path) -> Odd:
    """Load and validate an ODD taxonomy file; ScenarioError (file, field, reason) on the first problem."""
    source = str(path)
    raw = load_mapping(path)
    try:
        doc = _OddDoc.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise error(source, first["loc"], str(first["msg"])) from None
    attributes = tuple(_attribute(name, a, source) for name, a in doc.attributes.items())
    return Odd(version=doc.version, attributes=attributes, source=source)


def _attribute(name: str, doc: _AttributeDoc, source: str) -> OddAttribute:
    where = ("attributes", name)
    _check_name(name, source, where)
    if len(set(doc.values)) != len(doc.values):
        raise error(source, (*where, "values"), "values must be unique")
    measures = []
    for parameter, m in doc.measures.items():
        at = (*where, "measures", parameter)
        _check_name(parameter, source, at)
        if any(not math.isfinite(e) for e in m.edges) or any(b <= a for a, b in pairwise(m.edges)):
            raise error(source, (*at, "edges"), "edges must be finite and strictly increasing")
        if len(m.values) != len(m.edges) + 1:
            raise error(source, (*at, "values"), f"needs {len(m.edges) + 1} values (one per bin), got {len(m.values)}")
        unknown = [v for v in m.values if v not in doc.values]
        if unknown:
            raise error(source, (*at, "values"), f"{unknown[0]!r} is not a value of {name} ({', '.join(doc.values)})")
        measures.append(OddMeasure(parameter=parameter, unit=m.unit, edges=tuple(m.edges), values=tuple(m.values)))
    return OddAttribute(name=name, category=doc.category, description=doc.description, values=tuple(doc.values),
                        measures=tuple(measures))


def _check_name(name: str, source: str, where: tuple[Any, ...]) -> None:
    if not re.match(NAME_PATTERN, name):
        raise error(source, where, f"{name!r} is not a lower_snake_case name")


def odd_value(parameter: Parameter, value: ParamValue, odd: Odd | None = None) -> str | None:
    """The ODD value a parameter value realises (bin lookup), or None if the parameter realises no attribute.

    Choice parameters realise their attribute directly: the choice is the ODD value.
    """
    if parameter.odd_attribute is None:
        return None
    attribute = (odd or default_odd()).attribute(parameter.odd_attribute)
    if parameter.type == "choice":
        return str(value)
    measure = attribute.measure(parameter.name)
    if measure is None:
        raise ScenarioError(f"parameter {parameter.name!r} is not a measure of {attribute.name}",
                            source=(odd or default_odd()).source)
    return measure.value_of(float(value))


def odd_values(parameters: tuple[Parameter, ...], params: Mapping[str, ParamValue],
               odd: Odd | None = None) -> dict[str, str]:
    """ODD attribute -> value for every parameter in ``parameters`` that realises one."""
    out: dict[str, str] = {}
    for p in parameters:
        if p.odd_attribute is not None and p.name in params:
            found = odd_value(p, params[p.name], odd)
            if found is not None:
                out[p.odd_attribute] = found
    return out
