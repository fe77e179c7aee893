"""Sensor models: planar lidar (pybullet ray casts), wheel odometry + gyro, and GNSS.

Only the beams that pass near some body's bounding circle are cast in pybullet;
the others cannot hit anything and read ``inf`` directly.

Each noise source draws only from its own stream and always the same number of
values per ``sense`` call (lidar: n_rays normals + n_rays uniforms; odometry: 2
normals; GNSS: 2 normals, used or not), so changing one source's seed, noise
level, fix rate or outages never shifts another source's sequence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from autonomy.types import ZERO_LATENCY, ComputeLatency, GnssFix, LidarScan, OdometryMsg, SensorFrame
from farm.sim.determinism import Streams
from farm.sim.world import BodyState, EgoState, World
from scenario_library.scene import SensorConditions

_EPS = 1e-9


@dataclass(frozen=True, slots=True, kw_only=True)
class SensorConfig:
    """Sensor placement and rates (the vehicle frame's origin is the rear axle centre)."""

    n_rays: int = 360
    fov_rad: float = 2.0 * math.pi
    mount_x_m: float = 1.5  # lidar ahead of the rear axle [m]
    mount_z_m: float = 0.9  # height of the scan plane [m]
    gnss_rate_hz: float = 2.0


DEFAULT_SENSOR_CONFIG = SensorConfig()


def lidar_angles(config: SensorConfig) -> np.ndarray:
    """Beam angles in the vehicle frame: a full circle from -pi without repeating the end, else centred on +x."""
    if config.fov_rad >= 2.0 * math.pi - _EPS:
        return -math.pi + 2.0 * math.pi * np.arange(config.n_rays) / config.n_rays
    return np.linspace(-0.5 * config.fov_rad, 0.5 * config.fov_rad, config.n_rays)


class Sensors:
    """Turns the world's ground truth into one ``SensorFrame`` per call."""

    def __init__(self, conditions: SensorConditions, streams: Streams,
                 config: SensorConfig = DEFAULT_SENSOR_CONFIG) -> None:
        self._cond = conditions
        self._streams = streams
        self._config = config
        self._angles = lidar_angles(config)
        self._angles.flags.writeable = False
        self._full_circle = config.fov_rad >= 2.0 * math.pi - _EPS
        self._step_rad = 2.0 * math.pi / config.n_rays if self._full_circle else (
            config.fov_rad / (config.n_rays - 1) if config.n_rays > 1 else 0.0)
        self._last_fix_index: int | None = None

    def sense(self, world: World, compute: ComputeLatency = ZERO_LATENCY) -> SensorFrame:
        """Lidar scan, odometry and (when due and not in an outage) a GNSS fix at ``world.t_s``.

        ``compute`` is this tick's simulated compute latency, handed to the stack with the frame.
        """
        ego = world.ego_state()
        t_s = world.t_s
        return SensorFrame(t_s=t_s, lidar=self._lidar(world, ego, t_s), odometry=self._odometry(ego, t_s),
                           gnss=self._gnss(ego, t_s), compute=compute)

    def _lidar(self, world: World, ego: EgoState, t_s: float) -> LidarScan:
        cfg, cond = self._config, self._cond
        max_range = cond.lidar_max_range_m
        noise = self._streams.lidar.standard_normal(cfg.n_rays)
        dropped = self._streams.lidar.random(cfg.n_rays) < cond.lidar_dropout_prob
        ox = ego.x_m + cfg.mount_x_m * math.cos(ego.yaw_rad)
        oy = ego.y_m + cfg.mount_x_m * math.sin(ego.yaw_rad)
        beams = self._beams_near(world.bodies(), ox, oy, ego.yaw_rad, max_range)
        ranges = np.full(cfg.n_rays, np.inf)
        if len(beams):
            heading = ego.yaw_rad + self._angles[beams]
            ends = np.column_stack([ox + max_range * np.cos(heading), oy + max_range * np.sin(heading),
                                    np.full(len(beams), cfg.mount_z_m)])
            fractions = world.cast_rays(np.tile((ox, oy, cfg.mount_z_m), (len(beams), 1)), ends)
            measured = np.maximum(fractions * max_range + cond.lidar_range_noise_std_m * noise[beams], 0.0)
            seen = (fractions < 1.0) & (measured < max_range)
            ranges[beams[seen]] = measured[seen]
        ranges[dropped] = np.inf
        return LidarScan(t_s=t_s, angles_rad=self._angles, ranges_m=ranges, max_range_m=max_range,
                         mount_x_m=cfg.mount_x_m)

    def _beams_near(self, bodies: tuple[BodyState, ...], ox: float, oy: float, yaw_rad: float,
                    max_range_m: float) -> np.ndarray:
        """Indices of the beams that pass within some body's bounding circle (only those can hit anything)."""
        n, a0, step = self._config.n_rays, float(self._angles[0]), self._step_rad
        mask = np.zeros(n, dtype=bool)
        for b in bodies:
            dist = math.hypot(b.x_m - ox, b.y_m - oy)
            radius = 0.5 * math.hypot(b.length_m, b.width_m) * 1.001 + 1e-3
            if dist - radius > max_range_m:
                continue
            if dist <= radius or step <= 0.0:
                return np.arange(n)
            half = math.asin(radius / dist)
            bearing = (math.atan2(b.y_m - oy, b.x_m - ox) - yaw_rad + math.pi) % (2.0 * math.pi) - math.pi
            if self._full_circle:  # indices wrap around
                lo, hi = self._index_span(bearing - a0, half)
                mask[np.arange(lo, hi + 1) % n] = True
                continue
            for centre in (bearing - a0 - 2.0 * math.pi, bearing - a0, bearing - a0 + 2.0 * math.pi):
                lo, hi = self._index_span(centre, half)
                mask[max(lo, 0):max(hi + 1, 0)] = True
        return np.flatnonzero(mask)

    def _index_span(self, centre_rad: float, half_rad: float) -> tuple[int, int]:
        """First and last beam index within ``centre +- half`` (angles counted from the first beam)."""
        step = self._step_rad
        return math.ceil((centre_rad - half_rad) / step - _EPS), math.floor((centre_rad + half_rad) / step + _EPS)

    def _odometry(self, ego: EgoState, t_s: float) -> OdometryMsg:
        cond = self._cond
        noise = self._streams.odometry.standard_normal(2)
        return OdometryMsg(
            t_s=t_s,
            speed_mps=float(ego.speed_mps + cond.odometry_speed_bias_mps
                            + cond.odometry_speed_noise_std_mps * noise[0]),
            yaw_rate_radps=float(ego.yaw_rate_radps + cond.odometry_yaw_rate_bias_radps
                                 + cond.odometry_yaw_rate_noise_std_radps * noise[1]))

    def _gnss(self, ego: EgoState, t_s: float) -> GnssFix | None:
        cond = self._cond
        noise = self._streams.gnss.standard_normal(2)
        if self._config.gnss_rate_hz <= 0.0:
            return None
        index = math.floor(t_s * self._config.gnss_rate_hz + _EPS)
        if self._last_fix_index is not None and index <= self._last_fix_index:
            return None
        self._last_fix_index = index
        if any(start <= t_s < end for start, end in cond.gnss_outages):
            return None
        return GnssFix(t_s=t_s, x_m=float(ego.x_m + cond.gnss_noise_std_m * noise[0]),
                       y_m=float(ego.y_m + cond.gnss_noise_std_m * noise[1]), std_m=cond.gnss_noise_std_m)
