"""The sweep file at the YAML edge: strict pydantic models (no coercion, no unknown keys).

These models check shapes and types only; ``farm.sweep.model`` turns them into
frozen dataclasses and checks what spans several fields. Parameter names and
ranges are checked against the families at expansion time.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

SAMPLERS: tuple[str, ...] = ("nominal", "grid", "random", "sobol", "lhs", "halton", "twise", "frozen")
BASE_SAMPLERS: tuple[str, ...] = SAMPLERS[:-1]
SamplerName = Literal["nominal", "grid", "random", "sobol", "lhs", "halton", "twise", "frozen"]
BaseSamplerName = Literal["nominal", "grid", "random", "sobol", "lhs", "halton", "twise"]
FidelityName = Literal["dynamic", "kinematic"]


def _scalar(value: Any) -> Any:
    """A parameter value: a number, a string or true/false (finite)."""
    if not isinstance(value, bool | int | float | str):
        raise ValueError("must be a number, a string or true/false")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("must be finite")
    return value


Scalar = Annotated[Any, AfterValidator(_scalar)]
SAMPLE_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"


def _sample(value: Any) -> Any:
    """A frozen sample: a mapping of parameter values, or ``{name: NAME, params: {...}}`` (a named sample).

    The two never collide: a parameter value is a scalar, a named sample's ``params`` a mapping.
    """
    if not isinstance(value, dict):
        raise ValueError("a sample must be a mapping of parameter values, or {name: ..., params: {...}}")
    if isinstance(value.get("params"), dict):
        return NamedSampleModel.model_validate(value)
    for key, item in value.items():
        if not isinstance(key, str):
            raise ValueError(f"parameter name {key!r} must be a string")
        try:
            _scalar(item)
        except ValueError as exc:
            raise ValueError(f"{key}: {exc}") from None
    return value


Sample = Annotated[Any, AfterValidator(_sample)]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class ParamModel(_Strict):
    """One parameter override: exactly one of ``fixed``, ``range`` or ``levels``."""

    fixed: Scalar = None
    range: list[int | float] | None = Field(default=None, min_length=2, max_length=2)
    levels: list[Scalar] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _exactly_one(self) -> ParamModel:
        if len(self.model_fields_set & {"fixed", "range", "levels"}) != 1:
            raise ValueError("give exactly one of 'fixed', 'range' or 'levels'")
        return self


class NamedSampleModel(_Strict):
    """A named frozen sample (``simfarm promote`` writes them): a label and the parameter values."""

    name: str = Field(pattern=SAMPLE_NAME)
    params: dict[str, Scalar] = Field(min_length=1)


class StackModel(_Strict):
    """A stack: a short ``name`` (e.g. ``reference``) or an ``entry_point``, with an optional config."""

    name: str | None = None
    entry_point: str | None = None
    config_name: str = "default"
    config: dict[str, Any] | None = None


class ResourcesModel(_Strict):
    """Resource hints for the executor."""

    batch_size: int = Field(default=8, ge=1)
    max_in_flight: int | None = Field(default=None, ge=1)
    timeout_s: float = Field(default=120.0, gt=0)
    retries: int = Field(default=2, ge=0)
    num_cpus_per_rollout: float = Field(default=1.0, gt=0)


class ModuleLatencyModelFile(_Strict):
    """Overrides of one module's simulated compute latency (unset fields keep the farm's default)."""

    median_ms: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    deadline_ms: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    sigma: float | None = Field(default=None, ge=0, le=3, allow_inf_nan=False)
    spike_prob: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False)
    spike_factor: float | None = Field(default=None, ge=1, allow_inf_nan=False)


LatencyModule = Literal["localization", "perception", "tracking", "prediction", "planning", "control", "safety"]


class SimModel(_Strict):
    """Simulator settings (part of every run_id); cross-field rules are checked in ``farm.sweep.model``."""

    physics_hz: int = Field(default=240, ge=1)
    stack_hz: int = Field(default=10, ge=1)
    actuation_latency_s: float = Field(default=0.05, ge=0, le=1, allow_inf_nan=False)
    latency: dict[LatencyModule, ModuleLatencyModelFile] = Field(default_factory=dict)


class FamilyEntryModel(_Strict):
    """One entry of ``families:``: a family (``name``) or a group (``select``) and how to sample it."""

    name: str | None = None
    select: Literal["all", "critical", "standard"] | None = None
    sampler: SamplerName
    base: BaseSamplerName | None = None
    budget: int | None = Field(default=None, ge=1)
    strength: Literal[2, 3] | None = None
    seeds: list[Annotated[int, Field(ge=0)]] | None = Field(default=None, min_length=1)
    repeats: int | None = Field(default=None, ge=1)
    seed: int | None = Field(default=None, ge=0)
    rotate: Literal["none", "daily", "weekly"] = "none"
    params: dict[str, ParamModel] = Field(default_factory=dict)
    samples: list[Sample] | None = Field(default=None, min_length=1)
    fidelity: list[FidelityName] | None = Field(default=None, min_length=1)


class SweepModel(_Strict):
    """A whole sweep file."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)
    description: str = ""
    seed: int = Field(ge=0)
    families: list[FamilyEntryModel] = Field(min_length=1)
    stacks: list[StackModel] = Field(default_factory=lambda: [StackModel(name="reference")], min_length=1)
    fidelity: list[FidelityName] = Field(default=["kinematic"], min_length=1)
    store: str | None = None
    resources: ResourcesModel = ResourcesModel()
    sim: SimModel = SimModel()
    telemetry: bool = False

    @field_validator("stacks", mode="before")
    @classmethod
    def _short_stack_names(cls, value: Any) -> Any:
        """``stacks: [reference]`` is shorthand for ``stacks: [{name: reference}]``."""
        if isinstance(value, list):
            return [{"name": item} if isinstance(item, str) else item for item in value]
        return value
