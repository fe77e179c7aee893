"""RolloutSpec: everything needed to reproduce one rollout, as a frozen value.

A spec round-trips through JSON (``to_dict``/``from_dict``); its ``run_id`` is a
content hash (``farm.identity``). ``design`` and ``telemetry`` describe how the
spec was produced and what to record; they are not part of its identity.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from farm.identity import ParamValue, canonical_json, content_hash, run_id, scenario_key

Fidelity = Literal["dynamic", "kinematic"]
FIDELITIES: tuple[str, ...] = ("dynamic", "kinematic")
DESIGNS: tuple[str, ...] = (
    "manual", "nominal", "grid", "random", "sobol", "lhs", "halton", "twise", "frozen", "adaptive",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class StackRef:
    """A stack by entry point (``package.module:factory``) plus a named config.

    ``config_json`` is the canonical JSON of the config mapping, so the ref is
    hashable and its id changes whenever any config value changes.
    """

    entry_point: str = "autonomy.reference:build_stack"
    config_name: str = "default"
    config_json: str = "{}"

    @classmethod
    def create(cls, entry_point: str, config_name: str = "default",
               config: Mapping[str, Any] | None = None) -> StackRef:
        """Build a ref from a plain config mapping."""
        return cls(entry_point=entry_point, config_name=config_name, config_json=canonical_json(dict(config or {})))

    @property
    def config(self) -> dict[str, Any]:
        """The config as a fresh dict."""
        return dict(json.loads(self.config_json))

    @property
    def stack_id(self) -> str:
        """``entry_point/config_name@hash8``: two configs or two builds never share an id."""
        return f"{self.entry_point}/{self.config_name}@{content_hash(self.config_json, n_hex=8)}"


SPEC_FORMAT = 2
"""2: the simulated compute latency is the farm's (``SimSettings.latency``) and part of every run_id.
A sweep stored under an older format cannot be resumed (its run ids cannot be reproduced)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ModuleLatencyModel:
    """One module's simulated compute latency: lognormal around ``median_ms`` with rare spikes.

    A draw is ``median_ms * exp(sigma * z)``, multiplied by ``spike_factor`` with
    probability ``spike_prob``; ``deadline_ms`` is the watchdog deadline handed to the stack.
    """

    median_ms: float
    deadline_ms: float
    sigma: float = 0.25
    spike_prob: float = 0.0
    spike_factor: float = 3.0

    def as_dict(self) -> dict[str, float]:
        return {"median_ms": float(self.median_ms), "deadline_ms": float(self.deadline_ms),
                "sigma": float(self.sigma), "spike_prob": float(self.spike_prob),
                "spike_factor": float(self.spike_factor)}


DEFAULT_LATENCY: tuple[tuple[str, ModuleLatencyModel], ...] = (
    ("localization", ModuleLatencyModel(median_ms=1.0, deadline_ms=10.0)),
    ("perception", ModuleLatencyModel(median_ms=8.0, spike_prob=0.002, deadline_ms=40.0)),
    ("tracking", ModuleLatencyModel(median_ms=2.0, deadline_ms=10.0)),
    ("prediction", ModuleLatencyModel(median_ms=1.0, deadline_ms=10.0)),
    ("planning", ModuleLatencyModel(median_ms=5.0, spike_prob=0.002, deadline_ms=30.0)),
    ("control", ModuleLatencyModel(median_ms=0.5, deadline_ms=5.0)),
    ("safety", ModuleLatencyModel(median_ms=0.5, deadline_ms=5.0)),
)
"""The documented default: a ~18 ms median tick on a car computer, with rare perception/planning spikes."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SimSettings:
    """Simulator settings that change outcomes (and so are part of the run_id).

    ``latency`` is the farm-owned compute-latency model, one entry per module of
    ``autonomy.types.COMPUTE_MODULES`` in that order; drawn per tick from the
    rollout's ``latency`` random stream, it delays actuation and is handed to
    the stack (``SensorFrame.compute``) for its watchdog.
    """

    physics_hz: int = 240
    stack_hz: int = 10
    actuation_latency_s: float = 0.05
    latency: tuple[tuple[str, ModuleLatencyModel], ...] = DEFAULT_LATENCY

    def as_params(self) -> dict[str, ParamValue]:
        """Typed mapping for canonical hashing."""
        params: dict[str, ParamValue] = {"physics_hz": int(self.physics_hz), "stack_hz": int(self.stack_hz),
                                         "actuation_latency_s": float(self.actuation_latency_s)}
        for module, model in self.latency:
            params.update({f"latency.{module}.{k}": v for k, v in model.as_dict().items()})
        return params

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict; ``latency`` as ``{module: {median_ms, ...}}`` in module order."""
        return {"physics_hz": self.physics_hz, "stack_hz": self.stack_hz,
                "actuation_latency_s": self.actuation_latency_s,
                "latency": {module: model.as_dict() for module, model in self.latency}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SimSettings:
        """Inverse of ``to_dict``; a missing ``latency`` is the default model."""
        rest = {k: v for k, v in data.items() if k != "latency"}
        latency = data.get("latency")
        if latency is None:
            return cls(**rest)
        order = [name for name, _ in DEFAULT_LATENCY]  # canonical JSON sorts the keys: restore module order
        unknown = sorted(set(latency) - set(order))
        if unknown:
            raise ValueError(f"sim.latency: unknown module(s) {', '.join(unknown)} (known: {', '.join(order)})")
        return cls(**rest, latency=tuple((m, ModuleLatencyModel(**latency[m])) for m in order if m in latency))


@dataclass(frozen=True, slots=True, kw_only=True)
class RolloutSpec:
    """One rollout: family@version, typed params, seed, stack, fidelity, sim settings."""

    family: str
    family_version: int
    params: tuple[tuple[str, ParamValue], ...]
    seed: int
    stack: StackRef = field(default_factory=StackRef)
    fidelity: Fidelity = "kinematic"
    sim: SimSettings = field(default_factory=SimSettings)
    design: str = "manual"
    telemetry: bool = False
    # run_id, scenario_key and to_json, once computed: pure functions of the fields above, and each a hash or a
    # JSON dump over ~40 values, while the driver needs them for thousands of results a second. Not compared,
    # not shown; a replace() starts empty; a pickled spec (a result coming back from a worker) keeps them.
    _derived: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def create(cls, *, family: str, family_version: int, params: Mapping[str, ParamValue], seed: int,
               **rest: Any) -> RolloutSpec:
        """Build a spec from a params mapping (sorted into the canonical tuple form)."""
        return cls(family=family, family_version=int(family_version),
                   params=tuple(sorted(params.items())), seed=int(seed), **rest)

    @property
    def param_dict(self) -> dict[str, ParamValue]:
        """Params as a fresh dict."""
        return dict(self.params)

    @property
    def scenario_key(self) -> str:
        """Pairs runs of the same scenario across stacks, fidelities and sim-vs-real."""
        cached = self._derived.get("scenario_key")
        if cached is None:
            cached = self._derived["scenario_key"] = scenario_key(self.family, self.family_version, self.param_dict,
                                                                  self.seed)
        return cached

    @property
    def stack_id(self) -> str:
        """The stack's id (entry point, config name, config hash)."""
        return self.stack.stack_id

    @property
    def run_id(self) -> str:
        """This rollout's identity."""
        cached = self._derived.get("run_id")
        if cached is None:
            cached = self._derived["run_id"] = run_id(self.scenario_key, self.stack_id, self.fidelity,
                                                      self.sim.as_params())
        return cached

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict; params as a name -> value mapping."""
        return {
            "family": self.family, "family_version": self.family_version, "params": self.param_dict,
            "seed": self.seed, "stack": asdict(self.stack), "fidelity": self.fidelity,
            "sim": self.sim.to_dict(), "design": self.design, "telemetry": self.telemetry,
        }

    def to_json(self) -> str:
        """Canonical JSON (sorted keys, exact floats)."""
        cached = self._derived.get("json")
        if cached is None:
            cached = self._derived["json"] = canonical_json(self.to_dict())
        return cached

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RolloutSpec:
        """Inverse of ``to_dict``."""
        return cls.create(
            family=data["family"], family_version=data["family_version"], params=data["params"],
            seed=data["seed"], stack=StackRef(**data.get("stack", {})), fidelity=data.get("fidelity", "kinematic"),
            sim=SimSettings.from_dict(data.get("sim", {})), design=data.get("design", "manual"),
            telemetry=bool(data.get("telemetry", False)),
        )

    @classmethod
    def from_json(cls, text: str) -> RolloutSpec:
        """Inverse of ``to_json``."""
        return cls.from_dict(json.loads(text))
