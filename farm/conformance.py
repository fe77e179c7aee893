"""The stack conformance checker (``simfarm stack check``), in the spirit of Gymnasium's ``check_env``.

Drives any stack through real closed-loop rollouts and reports, check by check,
what breaks the interface contract of ``autonomy.types.Stack``: it builds, its
rate matches the simulation, every output is well typed and finite, commands
respect the vehicle limits, ``reset`` clears all state, and the same seed gives
the same outcome in a separate process.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from autonomy.types import (
    ControlCommand,
    Mission,
    ModuleTiming,
    SensorFrame,
    Stack,
    StackEvent,
    StackOutput,
    VehicleLimits,
)
from farm.errors import StackLoadError
from farm.result import Status
from farm.spec import RolloutSpec, SimSettings, StackRef
from farm.stacks import load_factory

CHECK_FAMILY = "lead_vehicle_braking"
LIMIT_SLACK = 1e-6


@dataclass(frozen=True, slots=True, kw_only=True)
class Check:
    """One contract clause and whether the stack met it."""

    name: str
    ok: bool
    detail: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ConformanceReport:
    """Every check, in order; ``ok`` when all passed."""

    stack_id: str
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)


@dataclass(slots=True)
class _CheckedStack:
    """Wraps the stack under test; records contract violations and every command it issues."""

    inner: Stack
    rate_hz: float
    violations: list[str] = field(default_factory=list)
    commands: list[tuple[float, float]] = field(default_factory=list)
    limits: VehicleLimits | None = None

    def reset(self, mission: Mission, limits: VehicleLimits, seed: int) -> None:
        self.limits = limits
        self.commands.clear()
        self.inner.reset(mission, limits, seed)

    def step(self, frame: SensorFrame) -> StackOutput:
        out = self.inner.step(frame)
        problem = _output_problem(out, frame, self.limits)
        if problem and len(self.violations) < 5:
            self.violations.append(f"t={frame.t_s:.2f}s: {problem}")
        if isinstance(out, StackOutput) and isinstance(out.command, ControlCommand):
            self.commands.append((out.command.accel_mps2, out.command.steer_rad))
        return out


def _output_problem(out: Any, frame: SensorFrame, limits: VehicleLimits | None) -> str | None:
    if not isinstance(out, StackOutput):
        return f"step returned {type(out).__name__}, not StackOutput"
    cmd = out.command
    if not isinstance(cmd, ControlCommand):
        return f"command is {type(cmd).__name__}, not ControlCommand"
    if not all(isinstance(v, float | int) and math.isfinite(v) for v in (cmd.accel_mps2, cmd.steer_rad)):
        return f"non-finite command {cmd}"
    if out.t_s != frame.t_s:
        return f"output t_s {out.t_s} does not echo the frame's {frame.t_s}"
    if not all(isinstance(e, StackEvent) for e in out.events):
        return "events must be StackEvent values"
    if not all(isinstance(t, ModuleTiming) for t in out.timings):
        return "timings must be ModuleTiming values"
    if limits is not None:
        if abs(cmd.steer_rad) > limits.max_steer_rad + LIMIT_SLACK:
            return f"steer {cmd.steer_rad:.3f} rad exceeds max {limits.max_steer_rad:.3f}"
        if not -limits.max_decel_mps2 - LIMIT_SLACK <= cmd.accel_mps2 <= limits.max_accel_mps2 + LIMIT_SLACK:
            return f"accel {cmd.accel_mps2:.3f} outside [-{limits.max_decel_mps2}, {limits.max_accel_mps2}] m/s^2"
    return None


def _build(ref: StackRef) -> tuple[Stack | None, Check]:
    try:
        stack = load_factory(ref.entry_point)(ref.config)
    except StackLoadError as exc:
        return None, Check(name="builds", ok=False, detail=exc.reason)
    except Exception as exc:  # a user factory may raise anything; that is the finding
        return None, Check(name="builds", ok=False, detail=f"factory raised {type(exc).__name__}: {exc}")
    missing = [name for name in ("rate_hz", "reset", "step") if not hasattr(stack, name)]
    if missing:
        return None, Check(name="builds", ok=False, detail=f"built object lacks {', '.join(missing)}")
    return stack, Check(name="builds", ok=True, detail=type(stack).__name__)


def _rollout_spec(ref: StackRef, stack_hz: int, seed: int) -> RolloutSpec:
    from scenario_library.catalog import load_family

    family = load_family(CHECK_FAMILY)
    return RolloutSpec.create(family=family.name, family_version=family.version, params=family.nominal,
                              seed=seed, stack=ref, fidelity="kinematic",
                              sim=SimSettings(stack_hz=stack_hz))


def check_stack(ref: StackRef, *, seed: int = 7) -> ConformanceReport:
    """Run every check; never raises for a misbehaving stack (that is what it reports)."""
    from farm.sim.rollout import run_rollout

    stack, built = _build(ref)
    checks = [built]
    if stack is None:
        return ConformanceReport(stack_id=ref.stack_id, checks=tuple(checks))
    rate = getattr(stack, "rate_hz", None)
    physics_hz = SimSettings().physics_hz
    if not isinstance(rate, int | float) or not rate > 0 or not float(physics_hz / rate).is_integer():
        checks.append(Check(name="rate", ok=False,
                            detail=f"{rate} Hz (must be positive and divide the {physics_hz} Hz physics rate)"))
        return ConformanceReport(stack_id=ref.stack_id, checks=tuple(checks))
    checks.append(Check(name="rate", ok=True, detail=f"{rate} Hz"))
    spec = _rollout_spec(ref, int(rate), seed)
    wrapped = _CheckedStack(inner=stack, rate_hz=float(rate))
    first = run_rollout(spec, stack=wrapped)
    first_cmds = list(wrapped.commands)
    # A finding (passed or failed) is fine here; a stack_error, sim_error or timeout is not.
    checks.append(Check(name="runs", ok=first.status in (Status.PASSED, Status.FAILED),
                        detail=first.status.value if first.error is None else first.error.strip().splitlines()[-1]))
    checks.append(Check(name="types and limits", ok=not wrapped.violations, detail="; ".join(wrapped.violations)))
    again = run_rollout(spec, stack=wrapped)
    checks.append(_same("reset clears state", first.outcome_hash, again.outcome_hash, first_cmds, wrapped.commands))
    checks.append(_other_process(spec, first, first_cmds))
    return ConformanceReport(stack_id=ref.stack_id, checks=tuple(checks))


_OTHER_PROCESS = """
import json, sys
from farm.conformance import commands_of
from farm.spec import RolloutSpec
h, cmds = commands_of(RolloutSpec.from_json(sys.stdin.read()))
print(json.dumps({"hash": h, "commands": cmds}))
"""


def commands_of(spec: RolloutSpec) -> tuple[str, list[tuple[float, float]]]:
    """One rollout of a freshly built stack: its outcome_hash and every command (the other-process half)."""
    from farm.sim.rollout import run_rollout

    stack = load_factory(spec.stack.entry_point)(spec.stack.config)
    wrapped = _CheckedStack(inner=stack, rate_hz=float(spec.sim.stack_hz))
    return run_rollout(spec, stack=wrapped).outcome_hash, list(wrapped.commands)


def _other_process(spec: RolloutSpec, first: Any, first_cmds: list[tuple[float, float]]) -> Check:
    """The determinism check: the same spec in a separate Python process (fresh imports, another hash seed)."""
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": os.pathsep.join(sys.path)}
    try:
        run = subprocess.run([sys.executable, "-c", _OTHER_PROCESS], input=spec.to_json(), capture_output=True,
                             text=True, env=env, timeout=600, check=True)
        other = json.loads(run.stdout.strip().splitlines()[-1])
    except (subprocess.SubprocessError, OSError, ValueError, IndexError) as exc:
        tail = getattr(exc, "stderr", "") or str(exc)
        return Check(name="deterministic", ok=False, detail=f"the other process failed: {tail.strip()[-200:]}")
    cmds = [(float(a), float(b)) for a, b in other["commands"]]
    return _same("deterministic", first.outcome_hash, str(other["hash"]), first_cmds, cmds)


def _same(name: str, hash_a: str, hash_b: str, cmds_a: list[tuple[float, float]],
          cmds_b: list[tuple[float, float]]) -> Check:
    if cmds_a != cmds_b:
        n = next((i for i, (x, y) in enumerate(zip(cmds_a, cmds_b, strict=False)) if x != y), min(len(cmds_a),
                                                                                                 len(cmds_b)))
        return Check(name=name, ok=False, detail=f"commands differ from tick {n}")
    if hash_a != hash_b:
        return Check(name=name, ok=False, detail=f"outcome_hash {hash_a[:12]} != {hash_b[:12]}")
    return Check(name=name, ok=True, detail=f"outcome_hash {hash_a[:12]} (in this and a separate process)"
                 if name == "deterministic" else f"outcome_hash {hash_a[:12]}")


def report_dict(report: ConformanceReport) -> Mapping[str, Any]:
    """JSON-ready form."""
    return {"stack_id": report.stack_id, "ok": report.ok,
            "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in report.checks]}
