"""The in-memory form of a scenario family (loaded from YAML by ``scenario_library.catalog``).

These are the values the farm relies on: ``Family.resolve`` turns user-given
overrides into typed, validated parameters (nominal-filled), ``Family.build``
turns typed parameters into a ``SceneSpec``, and ``Criterion.evaluate`` turns
metrics into a fail reason.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from scenario_library.builder_ref import builder_function
from scenario_library.documents import error
from scenario_library.log_content import resolve_inputs
from scenario_library.params import Parameter, ParamType, ParamValue, resolve
from scenario_library.recorded import RecordedLog
from scenario_library.scene import SceneSpec

__all__ = ["OPERATORS", "Criterion", "Family", "ParamType", "ParamValue", "Parameter"]

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq, "!=": operator.ne, "<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt,
}


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


# Preventability rules a family may name (implemented by ``farm.preventable``; "null": no verdict).
PREVENTABLE_RULES: tuple[str, ...] = (
    "lead_vehicle_braking", "cut_in", "sensor_degradation", "low_friction_braking", "pedestrian_crossing",
    "static_obstacle", "intersection_crossing", "narrow_passage", "curve_following", "recorded", "null",
)
# The rules a recorded run can be judged by (``recorded``: the sample names one of these and its actor of interest).
# narrow_passage and curve_following read their family's geometry parameters, which a log does not have.
RECORDED_RULES: tuple[str, ...] = (
    "lead_vehicle_braking", "sensor_degradation", "low_friction_braking", "cut_in", "pedestrian_crossing",
    "intersection_crossing", "static_obstacle",
)
RULES_ON_STATIC: tuple[str, ...] = ("low_friction_braking", "static_obstacle")  # may target a static obstacle
RULES_NEEDING_LAT_ACCEL: tuple[str, ...] = ("curve_following",)


@dataclass(frozen=True, slots=True, kw_only=True)
class PreventableRule:
    """The pinned, versioned rule that says whether a reference careful driver avoids the scenario's harm.

    ``margin_m``: the least gap [m] to the actor of interest that still counts as
    avoided; ``lat_accel_limit_mps2``: the lateral-acceleration limit of rules that need one.
    """

    rule: str
    version: int
    why: str
    margin_m: float = 0.0
    lat_accel_limit_mps2: float | None = None

    @property
    def rule_id(self) -> str:
        """``name@version``, the value of the ``preventable_rule`` column."""
        return f"{self.rule}@{self.version}"


@dataclass(frozen=True, slots=True, kw_only=True)
class MayPass:
    """An adversarial stack (``tests/farm/adversarial_stacks.py``) the nominal case may let pass, and why."""

    stack: str
    why: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Family:
    """A validated scenario family."""

    name: str
    version: int
    description: str
    criticality: Literal["critical", "standard"]
    duration_s: float | None  # None: "from_input", the builder's scene sets it (a log's span)
    odd: Mapping[str, tuple[str, ...]]  # ODD attribute -> values this family exercises
    parameters: tuple[Parameter, ...]
    criteria: tuple[Criterion, ...]
    builder: str  # "module:function" inside scenario_library.builders
    source: str   # the YAML file it came from
    test_only: bool = False
    may_pass: tuple[MayPass, ...] = ()  # adversarial stacks excused from failing the nominal case
    edge_cases: tuple[Mapping[str, Any], ...] = ()  # documented failing edges: {name, params, expect}
    preventable: PreventableRule | None = None  # the preventability rule (None: no verdict)
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
        """Nominal values updated with ``overrides`` (strings or typed), coerced and range-checked.

        Raises:
            ScenarioError: an unknown parameter (naming the allowed ones), a value out of range
                (naming [low, high]) or not among the choices (naming them).
        """
        values, problems = resolve(self, overrides)
        if problems:
            name, reason = problems[0]
            raise error(source, name, reason)
        return values

    def build(self, params: Mapping[str, ParamValue], *, inputs: Mapping[str, RecordedLog] | None = None) -> SceneSpec:
        """The concrete scene for typed ``params`` (missing names take their nominal value).

        An ``input`` parameter's value is a content hash; the builder receives the
        ``RecordedLog`` of that hash from ``inputs`` (what the farm fetched from the
        store), else from the packaged inputs. Builders never read the store.
        """
        values = self.resolve(params, source=self.source)
        try:
            arguments = resolve_inputs(self.parameters, values, inputs or {})
        except LookupError as exc:
            raise error(self.source, "parameters", str(exc.args[0])) from None
        scene = builder_function(self.builder)(**arguments)
        if not isinstance(scene, SceneSpec):
            raise error(self.source, "builder", f"returned {type(scene).__name__}, not a SceneSpec")
        # the metrics measure them; a family that declares none keeps the builder's (a log's named actor)
        return replace(scene, actors_of_interest=self.actors_of_interest or scene.actors_of_interest)
