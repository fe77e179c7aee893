"""GATE.yaml: the release gate's margins, α, latency budget and waivers, validated strictly.

A gate file is a YAML mapping (every field documented in the shipped
``scenario_library/gates/default.yaml``). ``load_gate`` takes a path, or the name of a
packaged gate (``default`` → ``scenario_library/gates/default.yaml``). Validation is
strict — no unknown field, no coercion, no duplicate key — and the first problem is one
line naming the file, the field and the reason (``InputError``, exit 2).

Waivers (also read by ``simfarm trends``) name a family, or one scenario
(``scenario_key`` with ``fidelity``); each has a reason, a ticket and an expiry date,
and applies on the days strictly before ``expires`` (``Waiver.active_on``): on the
expiry date itself it no longer applies.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from farm.errors import InputError
from farm.sweep.model import read_yaml_mapping

Criticality = Literal["critical", "standard"]
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_SCENARIO_KEY = r"^[0-9a-f]{16}$"


def gates_dir() -> Path:
    """The folder of packaged gate files."""
    import scenario_library

    return Path(scenario_library.__file__).resolve().parent / "gates"


def packaged_gates() -> list[str]:
    """Names of the packaged gates (file stems), sorted."""
    return sorted(p.stem for p in gates_dir().glob("*.yaml"))


def _iso_date(value: Any) -> Any:
    """YAML gives an unquoted 2026-03-01 as a date; a quoted one is accepted in ISO form too."""
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"'{value}' is not a date YYYY-MM-DD") from None
    if isinstance(value, dt.datetime):
        raise ValueError("must be a date YYYY-MM-DD, not a date and time")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
Margin = Annotated[float, Field(gt=0.0, lt=1.0, allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class MarginsModel(_Strict):
    """Δ per criticality: the largest tolerated increase in failure rate (a fraction of runs)."""

    critical: Margin
    standard: Margin


class FamilyModel(_Strict):
    """Per-family overrides."""

    margin: Margin | None = None
    criticality: Criticality | None = None


class LatencyModel(_Strict):
    """Latency budget: the largest tolerated increase of the per-run tick p95 (candidate − baseline) [ms]."""

    stack_p95_ms: float | None = Field(default=None, gt=0.0, allow_inf_nan=False)


class WaiverModel(_Strict):
    """One waiver: a family, or a scenario (``scenario_key`` + ``fidelity``)."""

    family: str | None = None
    scenario_key: str | None = Field(default=None, pattern=_SCENARIO_KEY)
    fidelity: Literal["kinematic", "dynamic"] | None = None
    reason: str = Field(min_length=1)
    ticket: str = Field(min_length=1)
    expires: IsoDate

    @model_validator(mode="after")
    def _one_subject(self) -> WaiverModel:
        if (self.family is None) == (self.scenario_key is None):
            raise ValueError("give exactly one of 'family' or 'scenario_key'")
        if self.scenario_key is not None and self.fidelity is None:
            raise ValueError("a scenario waiver needs 'fidelity' beside 'scenario_key'")
        if self.family is not None and self.fidelity is not None:
            raise ValueError("'fidelity' belongs to a scenario waiver; a family waiver covers every fidelity")
        return self


class GateModel(_Strict):
    """The whole file."""

    version: Literal[1]
    name: str = Field(min_length=1, max_length=64, pattern=_NAME.pattern)
    description: str = ""
    alpha: float = Field(default=0.05, gt=0.0, lt=0.5, allow_inf_nan=False)
    margins: MarginsModel
    families: dict[str, FamilyModel] = Field(default_factory=dict)
    latency: LatencyModel = Field(default_factory=LatencyModel)
    waivers: list[WaiverModel] = Field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True)
class Waiver:
    """A validated waiver. ``expires``: the first day it no longer applies."""

    family: str | None
    scenario_key: str | None
    fidelity: str | None
    reason: str
    ticket: str
    expires: dt.date

    def active_on(self, day: dt.date) -> bool:
        """True on the days strictly before ``expires``."""
        return day < self.expires

    def covers(self, family: str, scenario_key: str | None = None, fidelity: str | None = None) -> bool:
        """Whether it names this family (a family waiver) or this scenario at this fidelity."""
        if self.family is not None:
            return self.family == family
        return self.scenario_key == scenario_key and self.fidelity == fidelity

    @property
    def subject(self) -> str:
        """What it waives, as people read it."""
        return f"family {self.family}" if self.family else f"scenario {self.scenario_key} ({self.fidelity})"

    def to_dict(self) -> dict[str, Any]:
        return {"family": self.family, "scenario_key": self.scenario_key, "fidelity": self.fidelity,
                "reason": self.reason, "ticket": self.ticket, "expires": self.expires.isoformat()}


@dataclass(frozen=True, slots=True, kw_only=True)
class Gate:
    """A validated gate file."""

    name: str
    source: str
    description: str
    alpha: float
    margins: dict[str, float]                       # criticality -> Δ
    family_margins: dict[str, float]                # family -> Δ (overrides)
    family_criticality: dict[str, str]              # family -> criticality (overrides the family file)
    latency_p95_increase_ms: float | None
    waivers: tuple[Waiver, ...]

    def margin_for(self, family: str, criticality: str) -> float:
        """The family's own margin, else its criticality's."""
        return self.family_margins.get(family, self.margins[criticality])

    def active_waivers(self, day: dt.date) -> tuple[Waiver, ...]:
        return tuple(w for w in self.waivers if w.active_on(day))

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "source": self.source, "description": self.description, "alpha": self.alpha,
                "margins": dict(self.margins), "family_margins": dict(self.family_margins),
                "family_criticality": dict(self.family_criticality),
                "latency_p95_increase_ms": self.latency_p95_increase_ms,
                "waivers": [w.to_dict() for w in self.waivers]}


def resolve_gate_path(path_or_name: str | Path) -> Path:
    """A file path as given, or a packaged gate by name; InputError listing the packaged names."""
    path = Path(path_or_name)
    if path.is_file():
        return path
    text = str(path_or_name)
    if _NAME.match(text) and (gates_dir() / f"{text}.yaml").is_file():
        return gates_dir() / f"{text}.yaml"
    raise InputError(f"no such gate file, and no packaged gate of that name (packaged: "
                     f"{', '.join(packaged_gates()) or 'none'})", source=text, field="--gate")


def load_gate(path_or_name: str | Path) -> Gate:
    """Read and validate a gate file (or a packaged gate by name).

    Raises:
        InputError: unreadable file, invalid YAML, an unknown or malformed field, an unknown family.
    """
    path = resolve_gate_path(path_or_name)
    source = str(path_or_name)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read the gate file: {exc.strerror or exc}", source=source) from None
    return parse_gate(text, source=source)


def parse_gate(text: str, *, source: str) -> Gate:
    """Validate gate YAML text; ``source`` names it in errors."""
    document = read_yaml_mapping(text, source=source, what="a gate file")
    try:
        model = GateModel.model_validate(document)
    except ValidationError as exc:
        raise _input_error(exc, source) from None
    _check_families(model, source)
    return Gate(
        name=model.name, source=source, description=model.description, alpha=model.alpha,
        margins={"critical": model.margins.critical, "standard": model.margins.standard},
        family_margins={f: m.margin for f, m in model.families.items() if m.margin is not None},
        family_criticality={f: m.criticality for f, m in model.families.items() if m.criticality is not None},
        latency_p95_increase_ms=model.latency.stack_p95_ms,
        waivers=tuple(Waiver(family=w.family, scenario_key=w.scenario_key, fidelity=w.fidelity, reason=w.reason,
                             ticket=w.ticket, expires=w.expires) for w in model.waivers),
    )


def _check_families(model: GateModel, source: str) -> None:
    """Every family the file names must be in the catalogue: a typo must not waive nothing silently."""
    from scenario_library.catalog import family_names

    known = set(family_names(include_test_only=True))
    named = [(f"families.{f}", f) for f in model.families]
    named += [(f"waivers[{i}].family", w.family) for i, w in enumerate(model.waivers) if w.family is not None]
    for field, family in named:
        if family not in known:
            raise InputError(f"unknown family {family!r} (known: {', '.join(sorted(known))})", source=source,
                             field=field)


def _input_error(exc: ValidationError, source: str) -> InputError:
    """The first pydantic error as one line: field path and reason."""
    error = exc.errors()[0]
    path = ""
    for part in error["loc"]:
        if part == "[key]":
            continue
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    reasons = {"extra_forbidden": "unknown field", "missing": "required field is missing"}
    reason = reasons.get(error["type"], error["msg"].removeprefix("Value error, "))
    return InputError(reason, source=source, field=path)
