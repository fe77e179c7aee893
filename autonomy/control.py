"""Control: pure pursuit on the planned path (lateral) and PI(D) on the reference speed (longitudinal).

Both outputs respect ``VehicleLimits``: steering angle and steering rate, and
acceleration between ``-max_decel_mps2`` and ``max_accel_mps2``. At a planned
standstill the controller holds the brake instead of integrating speed error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from autonomy.config import ControlConfig
from autonomy.types import ControlCommand, EgoEstimate, VehicleLimits


@dataclass(frozen=True, slots=True, kw_only=True)
class ControlInput:
    """The pose belief and the plan to follow."""

    t_s: float
    estimate: EgoEstimate
    path_xy_m: np.ndarray
    target_speed_mps: float
    target_accel_mps2: float
    hold: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class ControlOutput:
    """The limited command and the pure-pursuit lookahead used [m]."""

    command: ControlCommand
    lookahead_m: float


class Controller(Protocol):
    """Turns a plan into actuator commands."""

    def step(self, inp: ControlInput) -> ControlOutput: ...


class PurePursuitPid:
    """Pure pursuit with a speed-dependent lookahead, plus feedforward + PI speed control."""

    def __init__(self, config: ControlConfig, limits: VehicleLimits, rate_hz: float) -> None:
        self._cfg, self._limits = config, limits
        self._period_s = 1.0 / rate_hz
        self._steer_rad = 0.0
        self._integral = 0.0

    def step(self, inp: ControlInput) -> ControlOutput:
        """One command; steering moves at most ``max_steer_rate_radps`` per tick period."""
        est = inp.estimate
        lookahead = self._cfg.lookahead_min_m + self._cfg.lookahead_gain_s * max(est.speed_mps, 0.0)
        # Holding at a standstill, the wheel stays put instead of chasing GNSS noise.
        steer = self._steer_rad if inp.hold else self._pursue(est, inp.path_xy_m, lookahead)
        step = self._limits.max_steer_rate_radps * self._period_s
        steer = min(max(steer, self._steer_rad - step), self._steer_rad + step)
        self._steer_rad = min(max(steer, -self._limits.max_steer_rad), self._limits.max_steer_rad)
        accel = self._longitudinal(est.speed_mps, inp)
        return ControlOutput(command=ControlCommand(accel_mps2=accel, steer_rad=self._steer_rad), lookahead_m=lookahead)

    def _pursue(self, est: EgoEstimate, path: np.ndarray, lookahead_m: float) -> float:
        """Steering angle that puts the rear axle on the circle through the lookahead point."""
        rel = path - (est.x_m, est.y_m)
        dist = np.hypot(rel[:, 0], rel[:, 1])
        beyond = (dist >= lookahead_m).nonzero()[0]
        j = int(beyond[0]) if len(beyond) else len(path) - 1
        c, s = math.cos(est.yaw_rad), math.sin(est.yaw_rad)
        dx = c * rel[j, 0] + s * rel[j, 1]
        dy = -s * rel[j, 0] + c * rel[j, 1]
        d2 = dx * dx + dy * dy
        if d2 < 1e-6:
            return self._steer_rad
        curvature = 2.0 * dy / d2
        return math.atan(self._limits.wheelbase_m * curvature)

    def _longitudinal(self, speed_mps: float, inp: ControlInput) -> float:
        if inp.hold:
            self._integral = 0.0
            return -self._cfg.hold_decel_mps2
        error = inp.target_speed_mps - speed_mps
        limit = self._cfg.integral_limit_mps
        self._integral = min(max(self._integral + error * self._period_s, -limit), limit)
        accel = inp.target_accel_mps2 + self._cfg.kp * error + self._cfg.ki * self._integral
        return min(max(accel, -self._limits.max_decel_mps2), self._limits.max_accel_mps2)
