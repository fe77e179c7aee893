"""A tiny pure-numpy world for the stack's tests: oriented boxes, a ray-cast lidar, a bicycle-model ego.

Not the farm's simulator: just enough truth to produce ``SensorFrame``s and to
check the stack against it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from autonomy.geometry import straight
from autonomy.types import (
    COMPUTE_MODULES,
    ComputeLatency,
    GnssFix,
    LidarScan,
    Mission,
    OdometryMsg,
    SensorFrame,
    StackOutput,
    VehicleLimits,
)

QUIET = ComputeLatency(latency_s=(0.001,) * len(COMPUTE_MODULES), deadline_s=(0.01,) * len(COMPUTE_MODULES))
ANGLES_RAD = np.linspace(-math.pi, math.pi, 360, endpoint=False)
MOUNT_X_M = 1.5


@dataclass
class Box:
    """An oriented box moving at constant velocity (world frame)."""

    x_m: float
    y_m: float
    length_m: float = 4.5
    width_m: float = 1.85
    yaw_rad: float = 0.0
    vx_mps: float = 0.0
    vy_mps: float = 0.0

    def advance(self, dt_s: float) -> None:
        self.x_m += self.vx_mps * dt_s
        self.y_m += self.vy_mps * dt_s


def cast(origin_xy: tuple[float, float], ray_yaw_rad: np.ndarray, boxes: list[Box], max_range_m: float) -> np.ndarray:
    """Range of the first box hit along each ray (slab method, vectorised over rays); inf for no return."""
    ranges = np.full(len(ray_yaw_rad), np.inf)
    dx, dy = np.cos(ray_yaw_rad), np.sin(ray_yaw_rad)
    for box in boxes:
        if math.hypot(box.x_m - origin_xy[0], box.y_m - origin_xy[1]) > max_range_m + box.length_m + box.width_m:
            continue
        c, s = math.cos(box.yaw_rad), math.sin(box.yaw_rad)
        ox, oy = origin_xy[0] - box.x_m, origin_xy[1] - box.y_m
        lx, ly = c * ox + s * oy, -s * ox + c * oy  # ray origin in the box frame
        ldx, ldy = c * dx + s * dy, -s * dx + c * dy
        with np.errstate(divide="ignore", invalid="ignore"):
            tx1, tx2 = (-0.5 * box.length_m - lx) / ldx, (0.5 * box.length_m - lx) / ldx
            ty1, ty2 = (-0.5 * box.width_m - ly) / ldy, (0.5 * box.width_m - ly) / ldy
        t_near = np.maximum(np.fmin(tx1, tx2), np.fmin(ty1, ty2))
        t_far = np.minimum(np.fmax(tx1, tx2), np.fmax(ty1, ty2))
        hit = (t_far >= t_near) & (t_near > 0.0)
        ranges = np.where(hit & (t_near < ranges), t_near, ranges)
    return np.where(ranges <= max_range_m, ranges, np.inf)


def straight_mission(length_m: float = 300.0, speed_mps: float = 10.0, initial_speed_mps: float | None = None,
                     **kwargs: object) -> Mission:
    """A straight lane along +x from the origin."""
    v0 = speed_mps if initial_speed_mps is None else initial_speed_mps
    return Mission(route_xy_m=straight((0.0, 0.0), 0.0, length_m), lane_width_m=3.5,
                   speed_limit_mps=max(speed_mps, 1.0), target_speed_mps=speed_mps, goal_s_m=length_m - 10.0,
                   initial_x_m=0.0, initial_y_m=0.0, initial_yaw_rad=0.0, initial_speed_mps=v0, **kwargs)  # type: ignore[arg-type]


@dataclass
class World:
    """Truth for one test drive: ego bicycle model, boxes, sensors with seeded noise."""

    mission: Mission
    boxes: list[Box] = field(default_factory=list)
    limits: VehicleLimits = field(default_factory=VehicleLimits)
    rate_hz: float = 10.0
    seed: int = 0
    gnss_every: int = 1  # ticks between fixes
    gnss_std_m: float = 0.5
    gnss_outages: tuple[tuple[float, float], ...] = ()
    speed_noise_mps: float = 0.05
    yaw_rate_noise_radps: float = 0.005
    range_noise_m: float = 0.02
    max_range_m: float = 60.0
    t_s: float = 0.0
    tick: int = 0
    compute: ComputeLatency = QUIET  # the farm's latency draw handed to the stack each tick

    def __post_init__(self) -> None:
        self.x_m, self.y_m = self.mission.initial_x_m, self.mission.initial_y_m
        self.yaw_rad, self.v_mps = self.mission.initial_yaw_rad, self.mission.initial_speed_mps
        self.steer_rad, self.yaw_rate_radps = 0.0, 0.0
        self.rng = np.random.default_rng(self.seed)

    def frame(self) -> SensorFrame:
        """Sensor messages for the current truth."""
        mx = self.x_m + MOUNT_X_M * math.cos(self.yaw_rad)
        my = self.y_m + MOUNT_X_M * math.sin(self.yaw_rad)
        ranges = cast((mx, my), ANGLES_RAD + self.yaw_rad, self.boxes, self.max_range_m)
        ranges = ranges + self.rng.normal(0.0, self.range_noise_m, len(ranges))
        odo = OdometryMsg(t_s=self.t_s, speed_mps=self.v_mps + self.rng.normal(0.0, self.speed_noise_mps),
                          yaw_rate_radps=self.yaw_rate_radps + self.rng.normal(0.0, self.yaw_rate_noise_radps))
        gnss = None
        in_outage = any(a <= self.t_s < b for a, b in self.gnss_outages)
        if self.tick % self.gnss_every == 0 and not in_outage:
            n = self.rng.normal(0.0, self.gnss_std_m, 2)
            gnss = GnssFix(t_s=self.t_s, x_m=self.x_m + n[0], y_m=self.y_m + n[1], std_m=self.gnss_std_m)
        lidar = LidarScan(t_s=self.t_s, angles_rad=ANGLES_RAD, ranges_m=ranges, max_range_m=self.max_range_m,
                          mount_x_m=MOUNT_X_M)
        return SensorFrame(t_s=self.t_s, lidar=lidar, odometry=odo, gnss=gnss, compute=self.compute)

    def apply(self, accel_mps2: float, steer_rad: float) -> None:
        """Advance one tick with a kinematic bicycle model (speed clamped at 0) and move the boxes."""
        dt = 1.0 / self.rate_hz
        self.steer_rad = steer_rad
        self.yaw_rate_radps = self.v_mps * math.tan(steer_rad) / self.limits.wheelbase_m
        self.x_m += self.v_mps * math.cos(self.yaw_rad + 0.5 * self.yaw_rate_radps * dt) * dt
        self.y_m += self.v_mps * math.sin(self.yaw_rad + 0.5 * self.yaw_rate_radps * dt) * dt
        self.yaw_rad += self.yaw_rate_radps * dt
        self.v_mps = max(0.0, self.v_mps + accel_mps2 * dt)
        for box in self.boxes:
            box.advance(dt)
        self.t_s = round(self.t_s + dt, 9)
        self.tick += 1

    def front_gap_m(self, box: Box) -> float:
        """Distance along x from the ego's front bumper to the box's rear face (straight road, aligned box)."""
        front = self.x_m + (self.limits.length_m - self.limits.rear_overhang_m) * math.cos(self.yaw_rad)
        return box.x_m - 0.5 * box.length_m - front


def drive(stack: object, world: World, ticks: int) -> list[StackOutput]:
    """Closed loop: frame -> stack.step -> apply the command, ``ticks`` times."""
    outputs = []
    for _ in range(ticks):
        out = stack.step(world.frame())  # type: ignore[attr-defined]
        outputs.append(out)
        world.apply(out.command.accel_mps2, out.command.steer_rad)
    return outputs
