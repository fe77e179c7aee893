"""Adversarial stacks: well-behaved stacks (they pass ``simfarm stack check``) that drive badly on purpose.

They are mutation tests of the scenario catalogue: every family's nominal case
must FAIL with each of them, unless the family file names the stack under
``may_pass`` and says why (``tests/scenario_library/test_adversarial_stacks.py``).
A family that one of them passes does not test what it claims to.

- ``inert``: full brake from t = 0, wheel straight.
- ``blind``: full throttle, wheel straight.
- ``cruiser``: pure pursuit along the lane centre at the speed limit, from
  odometry and GNSS only (it never looks at the lidar).
- ``late_braker``: the reference stack, but it never brakes until its own TTC
  estimate (the safety monitor's AEB check) falls below 1.0 s; then full brake.

Entry points: ``tests.farm.adversarial_stacks:inert`` (and ``:blind``, ``:cruiser``, ``:late_braker``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from autonomy.config import ControlConfig, LocalizationConfig
from autonomy.control import ControlInput, PurePursuitPid
from autonomy.localization import EkfLocalizer, LocalizationInput
from autonomy.reference import ReferenceStack, build_stack
from autonomy.route import RouteFrame
from autonomy.types import ControlCommand, Mission, SensorFrame, StackOutput, VehicleLimits

RATE_HZ = 10.0
LATE_BRAKE_TTC_S = 1.0
PATH_AHEAD_M = np.arange(0.0, 40.0, 1.0)  # the cruiser's reference path: the next 40 m of lane centreline


class _OpenLoop:
    """A constant command, whatever the sensors say: ``accel_sign`` -1 brakes fully, +1 is full throttle."""

    def __init__(self, accel_sign: float) -> None:
        self.rate_hz = RATE_HZ
        self._sign = accel_sign
        self._accel_mps2 = 0.0

    def reset(self, mission: Mission, limits: VehicleLimits, seed: int) -> None:
        del mission, seed
        self._accel_mps2 = limits.max_accel_mps2 if self._sign > 0 else -limits.max_decel_mps2

    def step(self, frame: SensorFrame) -> StackOutput:
        command = ControlCommand(accel_mps2=self._accel_mps2, steer_rad=0.0)
        return StackOutput(t_s=frame.t_s, command=command)


class Cruiser:
    """Lane keeping at the speed limit: the reference localizer and controller, no perception, no planner."""

    def __init__(self) -> None:
        self.rate_hz = RATE_HZ
        self._localizer: EkfLocalizer | None = None
        self._controller: PurePursuitPid | None = None
        self._route: RouteFrame | None = None
        self._speed_mps = 0.0
        self._s_hint_m = 0.0

    def reset(self, mission: Mission, limits: VehicleLimits, seed: int) -> None:
        del seed
        self._localizer = EkfLocalizer(LocalizationConfig(), mission)
        self._controller = PurePursuitPid(ControlConfig(), limits, self.rate_hz)
        self._route = RouteFrame(mission.route_xy_m)
        self._speed_mps = mission.speed_limit_mps
        self._s_hint_m = 0.0

    def step(self, frame: SensorFrame) -> StackOutput:
        if self._localizer is None or self._controller is None or self._route is None:
            raise RuntimeError("Cruiser.step called before reset")
        est = self._localizer.step(LocalizationInput(t_s=frame.t_s, odometry=frame.odometry,
                                                     gnss=frame.gnss)).estimate
        self._s_hint_m, _ = self._route.project_point(est.x_m, est.y_m, self._s_hint_m)
        s_m = self._s_hint_m + PATH_AHEAD_M
        path = self._route.sample(s_m, np.zeros_like(s_m))
        ctl = self._controller.step(ControlInput(t_s=frame.t_s, estimate=est, path_xy_m=path,
                                                 target_speed_mps=self._speed_mps, target_accel_mps2=0.0,
                                                 hold=False))
        return StackOutput(t_s=frame.t_s, command=ctl.command, estimate_x_m=est.x_m,
                           estimate_y_m=est.y_m, estimate_yaw_rad=est.yaw_rad, estimate_speed_mps=est.speed_mps)


class LateBraker:
    """The reference stack whose only brake is its AEB, armed at a TTC of 1.0 s instead of 1.5 s.

    Whatever else the reference would brake for (a lead, a yield, a crosswalk, a
    curve, the speed cap, a fallback, holding at standstill) becomes coasting
    (zero acceleration); steering and acceleration are the reference's own.
    """

    def __init__(self, config: Mapping[str, Any]) -> None:
        safety = {**dict(config.get("safety", {})), "aeb_ttc_s": LATE_BRAKE_TTC_S}
        self.inner: ReferenceStack = build_stack({**dict(config), "safety": safety})
        self.rate_hz = self.inner.rate_hz

    def reset(self, mission: Mission, limits: VehicleLimits, seed: int) -> None:
        self.inner.reset(mission, limits, seed)

    def step(self, frame: SensorFrame) -> StackOutput:
        out = self.inner.step(frame)
        if out.mode == "aeb" or out.command.accel_mps2 >= 0.0:
            return out
        return replace(out, command=replace(out.command, accel_mps2=0.0),
                       mode="nominal" if out.mode == "stopped" else out.mode)


def inert(config: Mapping[str, Any]) -> _OpenLoop:
    """Full brake from t = 0 (a stack that never moves passes nothing)."""
    del config
    return _OpenLoop(-1.0)


def blind(config: Mapping[str, Any]) -> _OpenLoop:
    """Full throttle with the wheel straight."""
    del config
    return _OpenLoop(+1.0)


def cruiser(config: Mapping[str, Any]) -> Cruiser:
    """Pure pursuit along the lane at the speed limit, ignoring the lidar."""
    del config
    return Cruiser()


def late_braker(config: Mapping[str, Any]) -> LateBraker:
    """The reference stack, braking only once its own TTC estimate is below 1.0 s."""
    return LateBraker(config)


ADVERSARIAL_STACKS: tuple[str, ...] = ("inert", "blind", "cruiser", "late_braker")
