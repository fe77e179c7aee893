"""The stack's boundary: sensor messages in, actuator commands out.

Everything here is a frozen value. Arrays are numpy float64 and must be treated
as read-only by every consumer. Frames: a flat world frame (x east [m], y north
[m], yaw counter-clockwise from +x [rad]); the vehicle frame has +x forward and
+y left, origin at the rear axle centre.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

STACK_API_VERSION = 2  # 2: compute latency is handed in (``SensorFrame.compute``), never returned

COMPUTE_MODULES: tuple[str, ...] = (
    "localization", "perception", "tracking", "prediction", "planning", "control", "safety",
)
"""The modules the farm's latency model draws a simulated compute latency for, in this order."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LidarScan:
    """A planar lidar sweep in the vehicle frame.

    ``ranges_m[i]`` is the measured range along ``angles_rad[i]``; a ray with no
    return (or a dropped one) reads ``np.inf``.
    """

    t_s: float
    angles_rad: np.ndarray
    ranges_m: np.ndarray
    max_range_m: float
    mount_x_m: float = 0.0  # sensor origin ahead of the rear axle [m]


@dataclass(frozen=True, slots=True, kw_only=True)
class OdometryMsg:
    """Wheel odometry + gyro: longitudinal speed and yaw rate (noisy, biased)."""

    t_s: float
    speed_mps: float
    yaw_rate_radps: float


@dataclass(frozen=True, slots=True, kw_only=True)
class GnssFix:
    """A position fix in the world frame with its 1-sigma horizontal error."""

    t_s: float
    x_m: float
    y_m: float
    std_m: float


@dataclass(frozen=True, slots=True, kw_only=True)
class ComputeLatency:
    """This tick's simulated compute latency per module, drawn by the farm's seeded latency model.

    The farm delays the tick's command by ``total_s`` (plus the actuation
    latency) whatever the stack does; a stack's watchdog compares
    ``latency_s[i]`` with ``deadline_s[i]`` to detect a deadline miss. The
    stack under test never chooses its own latency.
    """

    latency_s: tuple[float, ...]   # per module, in ``modules`` order [s]
    deadline_s: tuple[float, ...]  # per module watchdog deadline [s]
    modules: tuple[str, ...] = COMPUTE_MODULES

    @property
    def total_s(self) -> float:
        """End-to-end compute latency of the tick [s]."""
        return float(sum(self.latency_s))


ZERO_LATENCY = ComputeLatency(latency_s=(0.0,) * len(COMPUTE_MODULES), deadline_s=(math.inf,) * len(COMPUTE_MODULES))


@dataclass(frozen=True, slots=True, kw_only=True)
class SensorFrame:
    """Everything the stack receives on one tick; ``gnss`` is None between fixes or in an outage."""

    t_s: float
    lidar: LidarScan
    odometry: OdometryMsg
    gnss: GnssFix | None = None
    compute: ComputeLatency = ZERO_LATENCY


@dataclass(frozen=True, slots=True, kw_only=True)
class Crosswalk:
    """A marked crossing: the stack yields to pedestrians within it."""

    centre_s_m: float  # arc length along the route where the crossing is
    width_m: float = 4.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Mission:
    """What the stack is told at reset: the map slice it may use, never actor truth.

    ``route_xy_m`` is the centreline of the lane to follow, shape (N, 2),
    densely sampled (<= 1 m spacing). ``goal_s_m`` is the arc length at which the
    mission is complete. ``avoid_left_m``/``avoid_right_m`` bound the lateral
    offset the planner may take to pass an obstacle (0 = stay in lane centre).
    """

    route_xy_m: np.ndarray
    lane_width_m: float
    speed_limit_mps: float
    target_speed_mps: float
    goal_s_m: float
    initial_x_m: float
    initial_y_m: float
    initial_yaw_rad: float
    initial_speed_mps: float
    avoid_left_m: float = 0.0
    avoid_right_m: float = 0.0
    crosswalks: tuple[Crosswalk, ...] = ()
    stop_at_goal: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class VehicleLimits:
    """Actuator and geometry limits the controller must respect."""

    wheelbase_m: float = 2.8
    length_m: float = 4.5
    width_m: float = 1.85
    rear_overhang_m: float = 0.85  # rear bumper behind the rear axle [m]
    max_steer_rad: float = 0.6
    max_steer_rate_radps: float = 0.8
    max_accel_mps2: float = 3.0
    max_decel_mps2: float = 9.0


@dataclass(frozen=True, slots=True, kw_only=True)
class ControlCommand:
    """Actuator request: signed longitudinal acceleration and front-wheel angle."""

    accel_mps2: float
    steer_rad: float


@dataclass(frozen=True, slots=True, kw_only=True)
class StackEvent:
    """Something the stack wants on the record (AEB, fallback, deadline miss, ...)."""

    kind: str
    detail: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ModuleTiming:
    """One module's cost on one tick.

    ``wall_s`` is measured wall clock (reported, never steering the rollout);
    ``sim_latency_s`` is the farm's latency-model value from ``SensorFrame.compute``
    (what the watchdog sees), echoed for the record.
    """

    module: str
    wall_s: float
    sim_latency_s: float


@dataclass(frozen=True, slots=True, kw_only=True)
class StackOutput:
    """One tick's answer: the command, events and diagnostics (the latency is the farm's, not the stack's)."""

    t_s: float
    command: ControlCommand
    events: tuple[StackEvent, ...] = ()
    timings: tuple[ModuleTiming, ...] = ()
    mode: str = "nominal"  # nominal | aeb | fallback | stopped
    estimate_x_m: float = float("nan")
    estimate_y_m: float = float("nan")
    estimate_yaw_rad: float = float("nan")
    estimate_speed_mps: float = float("nan")
    n_tracks: int = 0


@runtime_checkable
class Stack(Protocol):
    """An autonomy stack under test. A factory ``(config: Mapping) -> Stack`` builds it.

    ``reset`` is called once per rollout before the first ``step``; ``step`` is
    called at ``rate_hz`` with strictly increasing ``frame.t_s``. The stack must
    be deterministic given the ``seed`` and the frames.
    """

    rate_hz: float

    def reset(self, mission: Mission, limits: VehicleLimits, seed: int) -> None: ...

    def step(self, frame: SensorFrame) -> StackOutput: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Obstacle:
    """A perceived obstacle (cluster) in the world frame."""

    x_m: float
    y_m: float
    length_m: float
    width_m: float
    n_points: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Track:
    """A tracked obstacle: constant-velocity state in the world frame."""

    track_id: int
    x_m: float
    y_m: float
    vx_mps: float
    vy_mps: float
    length_m: float
    width_m: float
    age_ticks: int = 0
    misses: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class PredictedPath:
    """A track's predicted positions at ``times_s`` (shape (K,), (K, 2))."""

    track_id: int
    times_s: np.ndarray
    xy_m: np.ndarray
    radius_m: float


@dataclass(frozen=True, slots=True, kw_only=True)
class EgoEstimate:
    """The localizer's belief: pose, speed and the 2x2 position covariance."""

    x_m: float
    y_m: float
    yaw_rad: float
    speed_mps: float
    cov_xy: np.ndarray = field(default_factory=lambda: np.eye(2))
