"""The sampling space of one family entry: fixed values plus the dimensions a design varies.

A float parameter varies continuously over [low, high] (or its sub-``range``);
an int over the integers in [low, high]; a choice/bool over its choices. A
sweep's ``levels:`` turns any parameter into a discrete dimension over that
subset. An ``input`` parameter (a log's content hash) is never a dimension: it
keeps its nominal or ``fixed`` value, and a frozen entry's samples name others.
Grid and t-wise designs use each dimension's ``levels``: the family's declared
levels (inside the sub-range), or low/mid/high when it declares none.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from farm.errors import InputError
from farm.identity import ParamValue
from farm.sweep.model import ParamOverride
from scenario_library.family import Family, Parameter
from scenario_library.params import to_input_hash, to_label

SIGNIFICANT_DIGITS = 6  # sampled floats are rounded so ids never hinge on the last bit of a float


@dataclass(frozen=True, slots=True, kw_only=True)
class Dimension:
    """One varying parameter: a numeric range (``values`` empty) or a discrete set (``values``)."""

    name: str
    type: str
    low: float = 0.0
    high: float = 0.0
    values: tuple[ParamValue, ...] = ()
    levels: tuple[ParamValue, ...]

    def from_unit(self, u: float) -> ParamValue:
        """Map u in [0, 1) to a value: linear for float, equal-width cells for int and discrete sets."""
        if self.values:
            return self.values[min(int(u * len(self.values)), len(self.values) - 1)]
        if self.type == "int":
            span = int(self.high) - int(self.low)
            return int(self.low) + min(int(u * (span + 1)), span)
        value = float(f"{self.low + u * (self.high - self.low):.{SIGNIFICANT_DIGITS}g}")
        return min(max(value, float(self.low)), float(self.high))


@dataclass(frozen=True, slots=True, kw_only=True)
class Space:
    """Every parameter's value when not varied (fixed, else nominal) and the dimensions a design varies.

    A sample's params are ``{**base, **sample}``; the nominal design's sample is ``{}``.
    """

    base: Mapping[str, ParamValue]
    dims: tuple[Dimension, ...]

    @property
    def exhaustive_size(self) -> int:
        """Size of the full product of every dimension's levels."""
        return math.prod(len(d.levels) for d in self.dims)


def build_space(family: Family, overrides: Sequence[ParamOverride], *, source: str, field: str) -> Space:
    """The space of ``family`` narrowed by a sweep entry's overrides.

    Raises:
        InputError: an unknown parameter, a value of the wrong type, or outside the declared range/levels.
    """
    declared = {p.name: p for p in family.parameters}
    for given in overrides:
        if given.name not in declared:
            raise InputError(f"unknown parameter of family '{family.name}' (it has: {', '.join(declared)})",
                             source=source, field=f"{field}.params.{given.name}")
    by_name = {o.name: o for o in overrides}
    base: dict[str, ParamValue] = {}
    dims: list[Dimension] = []
    for p in family.parameters:
        where, override = f"{field}.params.{p.name}", by_name.get(p.name)
        if override is not None and override.kind == "fixed":
            base[p.name] = _coerce(p, override.fixed, source, f"{where}.fixed")
            continue
        base[p.name] = float(p.nominal) if p.type == "float" else p.nominal
        if not p.sampled:
            if override is not None:
                kind, what = ("an input", "a content hash") if p.type == "input" else ("a label", "an identifier")
                raise InputError(f"{kind} parameter is never sampled: give 'fixed' ({what}) or name "
                                 "logs in a frozen entry's samples", source=source, field=f"{where}.{override.kind}")
            continue
        dim = _dimension(p, override, source=source, where=where)
        if dim is not None and (len(dim.values) == 1 or (not dim.values and dim.low == dim.high)):
            base[p.name] = dim.values[0] if dim.values else (int(dim.low) if p.type == "int" else dim.low)
        elif dim is not None:
            dims.append(dim)
    return Space(base=base, dims=tuple(dims))


def check_values(family: Family, values: Mapping[str, Any], *, source: str, field: str) -> dict[str, ParamValue]:
    """Typed, range-checked values of explicit parameters (a frozen entry's ``samples``)."""
    declared = {p.name: p for p in family.parameters}
    out: dict[str, ParamValue] = {}
    for name, value in values.items():
        if name not in declared:
            raise InputError(f"unknown parameter of family '{family.name}' (it has: {', '.join(declared)})",
                             source=source, field=f"{field}.{name}")
        out[name] = _coerce(declared[name], value, source, f"{field}.{name}")
    return out


def _dimension(p: Parameter, override: ParamOverride | None, *, source: str, where: str) -> Dimension | None:
    """The dimension of one (not fixed) parameter; None when it has nothing to vary over."""
    if override is not None and override.kind == "levels":
        return _levels_dimension(p, override.levels, source=source, where=f"{where}.levels")
    declared = _declared_levels(p)
    if p.type in ("choice", "bool"):
        if override is not None:
            raise InputError(f"a {p.type} parameter has no range; use 'levels'", source=source, field=f"{where}.range")
        return Dimension(name=p.name, type=p.type, values=declared, levels=declared)
    low, high = p.low, p.high
    if override is not None and override.range is not None:
        low, high = _sub_range(p, override.range, source, f"{where}.range")
    if p.low is None or p.high is None:  # numeric but declared by levels only: vary over the levels in range
        inside = tuple(v for v in declared if (low is None or low <= v <= high))  # type: ignore[operator]
        return Dimension(name=p.name, type=p.type, values=inside, levels=inside) if inside else None
    return Dimension(name=p.name, type=p.type, low=float(low), high=float(high),  # type: ignore[arg-type]
                     levels=_range_levels(p, float(low), float(high)))  # type: ignore[arg-type]


def _levels_dimension(p: Parameter, given: Sequence[Any], *, source: str, where: str) -> Dimension:
    """A discrete dimension over a subset of the declared levels (or of the range when none are declared)."""
    values = tuple(_coerce(p, v, source, where) for v in given)
    if len(set(map(repr, values))) != len(values):
        raise InputError("a level is listed twice", source=source, field=where)
    declared = _declared_levels(p)
    stray = [v for v in values if declared and v not in declared]
    if stray:
        raise InputError(f"{stray[0]!r} is not a declared level ({', '.join(map(repr, declared))})",
                         source=source, field=where)
    return Dimension(name=p.name, type=p.type, values=values, levels=values)


def _sub_range(p: Parameter, bounds: tuple[float, float], source: str, where: str) -> tuple[float, float]:
    low, high = (_coerce(p, b, source, where) for b in bounds)
    if low > high:  # type: ignore[operator]
        raise InputError(f"range [{low}, {high}] is empty (low > high)", source=source, field=where)
    return float(low), float(high)


def _declared_levels(p: Parameter) -> tuple[ParamValue, ...]:
    if p.levels:
        return tuple(p.levels)
    if p.type == "choice":
        return tuple(p.choices)
    if p.type == "bool":
        return (False, True)
    return ()


def _range_levels(p: Parameter, low: float, high: float) -> tuple[ParamValue, ...]:
    """Declared levels inside [low, high]; low/mid/high when the family declares none there."""
    inside = tuple(v for v in p.levels if low <= float(v) <= high)  # type: ignore[arg-type]
    if inside:
        return inside
    if p.type == "int":
        return tuple(dict.fromkeys(round(v) for v in (low, (low + high) / 2, high)))
    return tuple(dict.fromkeys(float(f"{v:.{SIGNIFICANT_DIGITS}g}") for v in (low, (low + high) / 2, high)))


def _coerce(p: Parameter, value: Any, source: str, where: str) -> ParamValue:
    """``value`` as ``p``'s declared type, inside its declared range or choices."""
    ok = {
        "float": isinstance(value, int | float) and not isinstance(value, bool),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "bool": isinstance(value, bool),
        "choice": isinstance(value, str),
        "input": isinstance(value, str),
        "label": isinstance(value, str),
    }[p.type]
    if not ok:
        kind = {"float": "a number", "int": "an integer", "bool": "true or false", "choice": "a string",
                "input": "a content hash", "label": "an identifier"}[p.type]
        raise InputError(f"{value!r} is not {kind}", source=source, field=where)
    if p.type in ("input", "label"):
        try:
            return to_input_hash(value) if p.type == "input" else to_label(value)
        except ValueError as exc:
            raise InputError(str(exc), source=source, field=where) from None
    if p.type == "choice" and value not in p.choices:
        raise InputError(f"'{value}' is not one of {', '.join(p.choices)}", source=source, field=where)
    if p.type in ("float", "int"):
        if p.low is not None and p.high is not None and not p.low <= value <= p.high:
            unit = f" {p.unit}" if p.unit not in ("", "1") else ""  # "1": dimensionless
            raise InputError(f"{value:g} is outside the declared range [{p.low:g}, {p.high:g}]{unit}",
                             source=source, field=where)
        return float(value) if p.type == "float" else int(value)
    return value  # type: ignore[no-any-return]
