"""Ground-truth values the world reports: the ego's state and every other body's."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class EgoState:
    """Ground truth of the ego at its rear axle centre; accel is the mean over the last ``step`` call."""

    x_m: float
    y_m: float
    yaw_rad: float
    speed_mps: float  # signed, along the heading
    yaw_rate_radps: float
    accel_mps2: float  # longitudinal
    lat_accel_mps2: float  # speed x yaw rate
    steer_rad: float


@dataclass(frozen=True, slots=True, kw_only=True)
class BodyState:
    """Ground truth of a non-ego body (actor or static obstacle) at its box centre."""

    body_id: str
    kind: str  # vehicle | pedestrian | cyclist | static
    x_m: float
    y_m: float
    yaw_rad: float
    vx_mps: float
    vy_mps: float
    length_m: float
    width_m: float
