"""The in-memory form of a scenario family (loaded from YAML by ``scenario_library.catalog``).

These are the values the farm relies on: ``Family.resolve`` turns user-given
overrides into typed, validated parameters (nominal-filled), ``Family.build``
turns typed parameters into a ``SceneSpec``, and ``Criterion.evaluate`` turns
metrics into a fail reason.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from scenario_library.scene import SceneSpec

ParamType = Literal["float", "int", "choice", "bool"]
ParamValue = float | int | bool | str

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq, "!=": operator.ne, "<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Parameter:
    """One declared parameter.

    ``levels`` are the discretisation used by grid and t-wise sampling and by
    coverage: for float/int, sorted values inside [low, high] (bin centres);
    for choice/bool, the choices. ``bin_edges`` (float/int only, optional)
    are the coverage bins; when absent, coverage bins sit halfway between levels.
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


@dataclass(frozen=True, slots=True, kw_only=True)
class Criterion:
    """A pass/fail rule over one metric: ``metric op value`` (e.g. ``min_ttc_s >= 1.0``)."""

    metric: str
    op: str
    value: float | bool | str
    text: str

    def evaluate(self, metrics: Mapping[str, Any]) -> str | None:
        """None when met; otherwise a reason like ``min_ttc_s = 0.62, needs >= 1.0``."""
        actual = metrics[self.metric]
        if actual is None or not OPERATORS[self.op](actual, self.value):
            return f"{self.metric} = {_show(actual)}, needs {self.op} {_show(self.value)}"
        return None


def _show(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return str(value).lower()
    return f"{value:.3g}" if isinstance(value, float) else str(value)


@dataclass(frozen=True, slots=True, kw_only=True)
class Family:
    """A validated scenario family."""

    name: str
    version: int
    description: str
    criticality: Literal["critical", "standard"]
    duration_s: float
    odd: Mapping[str, tuple[str, ...]]  # ODD attribute -> values this family exercises
    parameters: tuple[Parameter, ...]
    criteria: tuple[Criterion, ...]
    builder: str  # "module:function" inside scenario_library.builders
    source: str   # the YAML file it came from
    test_only: bool = False
    edge_cases: tuple[Mapping[str, Any], ...] = ()  # documented failing edges: {name, params, expect}
    actors_of_interest: tuple[str, ...] = ()  # actor/obstacle ids of the scene that min_distance_interest_m measures

    @property
    def odd_tags(self) -> tuple[str, ...]:
        """``attribute=value`` strings, sorted."""
        return tuple(sorted(f"{k}={v}" for k, vals in self.odd.items() for v in vals))

    def parameter(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(name)

    @property
    def nominal(self) -> dict[str, ParamValue]:
        return {p.name: p.nominal for p in self.parameters}

    def resolve(self, overrides: Mapping[str, Any], *, source: str = "") -> dict[str, ParamValue]:
        """Nominal values updated with ``overrides`` (strings or typed), coerced and range-checked."""
        from scenario_library.catalog import resolve_params  # the validator lives with the loader

        return resolve_params(self, overrides, source=source)

    def build(self, params: Mapping[str, ParamValue]) -> SceneSpec:
        """The concrete scene for typed ``params``."""
        from scenario_library.catalog import build_scene

        return build_scene(self, params)
