"""What both ego models share: the car's body dimensions, the model protocol and steering limits.

The ego's reference point is the rear axle centre (the stack's vehicle-frame
origin, ``autonomy.types``); its footprint extends ``rear_overhang_m`` behind it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from autonomy.types import ControlCommand, VehicleLimits

GRAVITY_MPS2 = 9.81


@dataclass(frozen=True, slots=True, kw_only=True)
class EgoBody:
    """A full-size passenger car: geometry from ``limits`` plus mass and wheel data."""

    limits: VehicleLimits = field(default_factory=VehicleLimits)
    mass_kg: float = 1500.0
    height_m: float = 1.45
    clearance_m: float = 0.30  # underside of the chassis box [m]
    com_height_m: float = 0.55
    wheel_radius_m: float = 0.33
    wheel_width_m: float = 0.22
    wheel_mass_kg: float = 20.0
    track_m: float = 1.6

    @property
    def centre_ahead_m(self) -> float:
        """Distance from the rear axle forward to the body's centre (and centre of mass) [m]."""
        return 0.5 * self.limits.length_m - self.limits.rear_overhang_m


@dataclass(frozen=True, slots=True)
class Planar:
    """The ego's planar truth: rear-axle position, heading, world-frame velocity, yaw rate."""

    x_m: float
    y_m: float
    yaw_rad: float
    vx_mps: float
    vy_mps: float
    yaw_rate_radps: float
    speed_mps: float  # signed, along the heading


class EgoModel(Protocol):
    """An ego vehicle advanced one physics step at a time."""

    body_id: int
    steer_rad: float

    def apply(self, command: ControlCommand) -> None:
        """Make ``command`` the actuator target from now on."""

    def advance(self, dt_s: float) -> None:
        """Advance by one physics step of ``dt_s``."""

    def advance_steps(self, n_steps: int, dt_s: float, trail: list[tuple[float, float, float, float]] | None = None
                      ) -> None:
        """Advance by ``n_steps`` physics steps, exactly as as many ``advance`` calls would.

        A model that can, appends (x, y, yaw, speed) after each step to ``trail``.
        """

    def planar(self) -> Planar:
        """Current planar state."""

    def sync(self) -> None:
        """Bring the pybullet body to the current state (a no-op when physics already moves it)."""


def rate_limited_steer(current_rad: float, command_rad: float, limits: VehicleLimits, dt_s: float) -> float:
    """Front-wheel angle after one step toward ``command_rad`` at most ``max_steer_rate`` and within ``max_steer``."""
    target = min(max(command_rad, -limits.max_steer_rad), limits.max_steer_rad)
    step = limits.max_steer_rate_radps * dt_s
    return current_rad + min(max(target - current_rad, -step), step)
