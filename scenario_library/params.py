"""Parameters: the declaration (``Parameter``), coercion of given values to its type, range checks, coverage bins.

Values may come from the CLI as strings (``"0.8"``, ``"1e-3"``, ``"true"``,
``"wet"``) or typed (from YAML/JSON). Floats are parsed to Python floats, so
``"0.001"``, ``"1e-3"`` and ``"1.0e-3"`` give the identical value, and ``-0.0``
is normalised to ``0.0``.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Literal, Protocol

ParamType = Literal["float", "int", "choice", "bool", "input", "label"]
ParamValue = float | int | bool | str
# An ``input`` parameter's value: the content hash of a stored log (``inputs/<hash>``), lowercase hex.
INPUT_HASH = re.compile(r"^[0-9a-f]{16,64}$")
# A ``label`` parameter's value: an identifier the builder looks up in an input (an actor id of a log, whose ids
# follow docs/real-run-logs.md), or ``none``.
LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
UNSAMPLED: tuple[ParamType, ...] = ("input", "label")


@dataclass(frozen=True, slots=True, kw_only=True)
class Parameter:
    """One declared parameter.

    ``levels`` are the discretisation used by grid and t-wise sampling and by
    coverage: for float/int, sorted values inside [low, high] (bin centres);
    for choice/bool, the choices. ``bin_edges`` (float/int only, optional)
    are the coverage bins; when absent, coverage bins sit halfway between levels.

    An ``input`` parameter names recorded content (a real-run log) by its content
    hash: it is never sampled, has no levels, and is left out of coverage and
    t-wise designs (``sampled`` is False). The builder receives the parsed
    ``scenario_library.recorded.RecordedLog`` in its place, never the hash.

    A ``label`` parameter is an identifier that only means something inside an
    input (the actor of interest of a log): a string like ``LABEL``, never
    sampled and left out of designs and coverage like an input; the builder
    receives the string and checks it against the log.
    """

    name: str
    type: ParamType
    unit: str = ""
    description: str = ""
    nominal: ParamValue
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    levels: tuple[ParamValue, ...] = ()
    bin_edges: tuple[float, ...] = ()
    odd_attribute: str | None = None  # the ODD attribute this parameter realises (e.g. surface_friction)

    @property
    def sampled(self) -> bool:
        """False for an ``input`` or ``label`` parameter: designs, levels, coverage and t-wise leave it out."""
        return self.type not in UNSAMPLED


class Declared(Protocol):
    """What ``resolve`` needs of a family (``scenario_library.family.Family`` is one)."""

    @property
    def name(self) -> str: ...

    @property
    def parameters(self) -> tuple[Parameter, ...]: ...

    @property
    def nominal(self) -> dict[str, ParamValue]: ...

_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})


def fmt(value: Any) -> str:
    """A number as people write it (``0.5``, ``10``), anything else as its text."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e15 else repr(value)
    return str(value)


def _number(raw: Any, kind: str) -> float:
    """A finite float from a number or a numeric string."""
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise ValueError(f"expected a {kind}, got {type(raw).__name__} {raw!r}")
    if isinstance(raw, str):
        try:
            value = float(raw.strip())
        except ValueError:
            raise ValueError(f"expected a {kind}, got {raw!r}") from None
    else:
        try:
            value = float(raw)
        except OverflowError:
            raise ValueError(f"{raw!r} is too large") from None
    if not math.isfinite(value):
        raise ValueError(f"expected a finite {kind}, got {raw!r}")
    return value + 0.0


def _to_int(raw: Any) -> int:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        try:
            return int(raw.strip(), 10)
        except ValueError:
            pass
    value = _number(raw, "integer")
    if not value.is_integer():
        raise ValueError(f"expected an integer, got {raw!r}")
    return int(value)


def _to_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
        return raw.strip().lower() in _TRUE
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    raise ValueError(f"expected true or false, got {raw!r}")


def to_input_hash(raw: Any) -> str:
    """An ``input`` value: a content hash (16 to 64 lowercase hex characters), never a path or a log."""
    if not isinstance(raw, str) or not INPUT_HASH.match(raw.strip()):
        raise ValueError(f"expected a content hash (16 to 64 lowercase hex characters, from 'simfarm promote' or "
                         f"'simfarm log check'), got {raw!r}")
    return raw.strip()


def to_label(raw: Any) -> str:
    """A ``label`` value: an identifier (letters, digits, ``._-``, up to 128 characters, not starting with ``._-``)."""
    if not isinstance(raw, str) or not LABEL.match(raw.strip()):
        raise ValueError(f"expected an identifier (letters, digits, '.', '_', '-'; up to 128 characters), got {raw!r}")
    return raw.strip()


def coerce_value(p: Parameter, raw: Any) -> ParamValue:
    """``raw`` as ``p``'s declared type, inside its range or choices.

    Raises:
        ValueError: with a one-line reason naming the range or the choices.
    """
    if p.type == "bool":
        return _to_bool(raw)
    if p.type == "input":
        return to_input_hash(raw)
    if p.type == "label":
        return to_label(raw)
    if p.type == "choice":
        if not isinstance(raw, str) or raw.strip() not in p.choices:
            raise ValueError(f"{raw!r} is not one of the choices: {', '.join(p.choices)}")
        return raw.strip()
    value: float | int = _to_int(raw) if p.type == "int" else _number(raw, "number")
    if p.low is not None and p.high is not None and not p.low <= value <= p.high:
        unit = f" {p.unit}" if p.unit not in ("", "1") else ""
        raise ValueError(f"{fmt(value)} is outside the range [{fmt(p.low)}, {fmt(p.high)}]{unit}")
    return value


def resolve(family: Declared, overrides: Mapping[str, Any]) -> tuple[dict[str, ParamValue], list[tuple[str, str]]]:
    """Nominal values updated with coerced ``overrides``, plus (parameter, reason) for every bad override."""
    by_name = {p.name: p for p in family.parameters}
    values: dict[str, ParamValue] = dict(family.nominal)
    problems: list[tuple[str, str]] = []
    for name, raw in overrides.items():
        p = by_name.get(name) if isinstance(name, str) else None
        if p is None:
            problems.append((str(name), f"unknown parameter of {family.name} (allowed: {', '.join(by_name)})"))
            continue
        try:
            values[name] = coerce_value(p, raw)
        except ValueError as exc:
            problems.append((name, str(exc)))
    return values, problems


def coverage_edges(p: Parameter) -> tuple[float, ...]:
    """Inner bin edges of a numeric parameter: its ``bin_edges``, or midpoints between its levels."""
    if p.type not in ("float", "int"):
        return ()
    if p.bin_edges:
        return tuple(p.bin_edges)
    levels = [float(v) for v in p.levels]
    return tuple((a + b) / 2.0 for a, b in pairwise(levels))


def bin_index(p: Parameter, value: ParamValue) -> int:
    """The coverage bin of ``value``: bin i holds edges[i-1] <= v < edges[i]; choices/bools bin by level.

    Raises:
        ValueError: for an ``input`` or ``label`` parameter, which has no coverage bins.
    """
    if not p.sampled:
        raise ValueError(f"{p.type} parameter {p.name!r} has no coverage bins")
    if p.type in ("float", "int"):
        return bisect.bisect_right(coverage_edges(p), float(value))
    return list(p.levels).index(value)


def bin_count(p: Parameter) -> int:
    """Number of coverage bins of ``p`` (0 for an ``input`` or ``label`` parameter: coverage leaves it out)."""
    return len(coverage_edges(p)) + 1 if p.type in ("float", "int") else len(p.levels)
