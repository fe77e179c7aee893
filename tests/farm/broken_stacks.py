"""Deliberately broken stacks for the conformance checker's tests (each breaks one clause)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from autonomy.reference import build_stack
from autonomy.types import ControlCommand, Mission, SensorFrame, StackOutput, VehicleLimits


class _Wrapped:
    def __init__(self, config: Mapping[str, Any]) -> None:
        self.inner = build_stack(config)
        self.rate_hz = self.inner.rate_hz

    def reset(self, mission: Mission, limits: VehicleLimits, seed: int) -> None:
        self.inner.reset(mission, limits, seed)

    def step(self, frame: SensorFrame) -> StackOutput:
        return self.inner.step(frame)


class _Nondeterministic(_Wrapped):
    def step(self, frame: SensorFrame) -> StackOutput:
        out = self.inner.step(frame)
        jitter = random.random() * 0.01  # global RNG: the classic determinism bug
        return replace(out, command=ControlCommand(accel_mps2=out.command.accel_mps2 - jitter,
                                                   steer_rad=out.command.steer_rad))


class _NanCommand(_Wrapped):
    def step(self, frame: SensorFrame) -> StackOutput:
        out = self.inner.step(frame)
        return replace(out, command=ControlCommand(accel_mps2=float("nan"), steer_rad=0.0)) if frame.t_s > 1 else out


class _OverSteer(_Wrapped):
    def step(self, frame: SensorFrame) -> StackOutput:
        out = self.inner.step(frame)
        return replace(out, command=ControlCommand(accel_mps2=out.command.accel_mps2, steer_rad=1.5))


class _NoReset(_Wrapped):
    """Keeps a tick counter across rollouts and changes behaviour with it."""

    ticks = 0

    def reset(self, mission: Mission, limits: VehicleLimits, seed: int) -> None:
        if _NoReset.ticks == 0:
            self.inner.reset(mission, limits, seed)

    def step(self, frame: SensorFrame) -> StackOutput:
        _NoReset.ticks += 1
        return self.inner.step(frame)


def nondeterministic(config: Mapping[str, Any]) -> _Wrapped:
    return _Nondeterministic(config)


def nan_command(config: Mapping[str, Any]) -> _Wrapped:
    return _NanCommand(config)


def over_steer(config: Mapping[str, Any]) -> _Wrapped:
    return _OverSteer(config)


def no_reset(config: Mapping[str, Any]) -> _Wrapped:
    return _NoReset(config)


def bad_rate(config: Mapping[str, Any]) -> _Wrapped:
    stack = _Wrapped(config)
    stack.rate_hz = 7.0
    return stack


class _RaisesMidRollout(_Wrapped):
    def step(self, frame: SensorFrame) -> StackOutput:
        if frame.t_s > 2.0:
            raise RuntimeError("planner diverged")
        return self.inner.step(frame)


class _ReturnsNone(_Wrapped):
    def step(self, frame: SensorFrame) -> StackOutput:
        return None  # type: ignore[return-value]


def raises_mid_rollout(config: Mapping[str, Any]) -> _Wrapped:
    return _RaisesMidRollout(config)


def returns_none(config: Mapping[str, Any]) -> _Wrapped:
    return _ReturnsNone(config)


def raises_on_build(config: Mapping[str, Any]) -> _Wrapped:
    raise RuntimeError("missing calibration file")
