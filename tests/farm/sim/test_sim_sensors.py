"""Sensor models: lidar geometry and noise, odometry, GNSS schedule, stream independence."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autonomy.geometry import straight
from farm.sim.determinism import Streams, streams
from farm.sim.sensors import SensorConfig, Sensors, lidar_angles
from farm.sim.world import SimSession
from scenario_library.scene import Lane, SensorConditions, StaticObstacle
from tests.farm.sim.sim_scenes import COAST, polyline, scene, world

EXACT = SensorConditions(lidar_range_noise_std_m=0.0, lidar_dropout_prob=0.0, gnss_noise_std_m=0.0,
                         odometry_speed_noise_std_mps=0.0, odometry_yaw_rate_noise_std_radps=0.0)
MOUNT_X_M = SensorConfig().mount_x_m
AHEAD = 180  # index of the 0-rad beam in the default 360-ray full circle


def _box(name: str, x_m: float, y_m: float = 0.0, length_m: float = 4.5) -> StaticObstacle:
    return StaticObstacle(obstacle_id=name, x_m=x_m, y_m=y_m, length_m=length_m)


@pytest.mark.parametrize("fidelity", ["dynamic", "kinematic"])
def test_lidar_sees_a_box_20_m_ahead_at_20_m_minus_its_half_length(fidelity: str) -> None:
    spec = scene(obstacles=(_box("near", MOUNT_X_M + 20.0), _box("behind", MOUNT_X_M + 35.0, length_m=8.0)),
                 sensors=EXACT)
    with SimSession() as session:
        w = world(spec, fidelity, session)
        scan = Sensors(spec.sensors, streams(1)).sense(w).lidar
    assert scan.angles_rad[AHEAD] == 0.0
    assert scan.ranges_m[AHEAD] == pytest.approx(20.0 - 2.25, abs=0.1)
    # the 1.85 m wide box hides the 8 m box behind it: no beam within its shadow reaches past it
    shadow = np.abs(scan.angles_rad) < math.atan(0.9 / 22.25)
    assert shadow.sum() >= 3
    assert np.all(scan.ranges_m[shadow] < 20.0)
    assert np.all(np.isinf(scan.ranges_m[~(np.abs(scan.angles_rad) < 0.2)]))  # nothing else around


@pytest.mark.parametrize("fidelity", ["dynamic", "kinematic"])
def test_lidar_reads_inf_beyond_max_range_and_never_sees_the_ego(fidelity: str) -> None:
    conditions = SensorConditions(lidar_range_noise_std_m=0.0, lidar_dropout_prob=0.0, lidar_max_range_m=30.0)
    spec = scene(obstacles=(_box("far", MOUNT_X_M + 40.0), _box("side", 5.0, y_m=20.0)), sensors=conditions)
    with SimSession() as session:
        w = world(spec, fidelity, session)
        scan = Sensors(spec.sensors, streams(1)).sense(w).lidar
    assert math.isinf(scan.ranges_m[AHEAD])
    assert scan.max_range_m == 30.0
    finite = scan.ranges_m[np.isfinite(scan.ranges_m)]
    assert len(finite) > 0 and finite.min() > 15.0  # only the side box, 20 m to the left; no ego returns
    left = np.argmin(np.abs(scan.angles_rad - math.atan2(20.0, 5.0 - MOUNT_X_M)))
    assert scan.ranges_m[left] == pytest.approx(math.hypot(20.0 - 0.925, 5.0 - MOUNT_X_M), abs=0.15)


def test_lidar_range_noise_and_dropout_match_the_conditions() -> None:
    conditions = SensorConditions(lidar_range_noise_std_m=0.1, lidar_dropout_prob=0.2)
    wall = StaticObstacle(obstacle_id="wall", x_m=MOUNT_X_M + 10.5, y_m=0.0, length_m=1.0, width_m=200.0)
    spec = scene(obstacles=(wall,), sensors=conditions)
    with SimSession() as session:
        w = world(spec, "kinematic", session)
        sensors = Sensors(spec.sensors, streams(3), SensorConfig(n_rays=101, fov_rad=math.radians(60.0)))
        scans = [sensors.sense(w).lidar for _ in range(200)]
    ranges = np.stack([s.ranges_m for s in scans])
    truth = 10.0 / np.cos(scans[0].angles_rad)
    dropped = np.isinf(ranges)
    assert dropped.mean() == pytest.approx(0.2, abs=0.01)
    errors = (ranges - truth)[~dropped]
    assert abs(errors.mean()) < 0.005
    assert errors.std() == pytest.approx(0.1, rel=0.03)


def test_lidar_angles_cover_the_field_of_view() -> None:
    full = lidar_angles(SensorConfig())
    assert len(full) == 360 and full[0] == -math.pi and full[-1] == pytest.approx(math.pi - math.radians(1.0))
    front = lidar_angles(SensorConfig(n_rays=5, fov_rad=math.radians(90.0)))
    assert front.tolist() == pytest.approx([-math.pi / 4, -math.pi / 8, 0.0, math.pi / 8, math.pi / 4])


def test_odometry_reports_speed_and_yaw_rate_with_bias_and_noise() -> None:
    conditions = SensorConditions(odometry_speed_noise_std_mps=0.05, odometry_speed_bias_mps=0.3,
                                  odometry_yaw_rate_noise_std_radps=0.0, odometry_yaw_rate_bias_radps=0.01)
    spec = scene(speed_mps=10.0, sensors=conditions)
    with SimSession() as session:
        w = world(spec, "kinematic", session)
        sensors = Sensors(spec.sensors, streams(5))
        msgs = []
        for _ in range(400):
            msgs.append(sensors.sense(w).odometry)
            w.step(24)
    speed_err = np.array([m.speed_mps for m in msgs]) - 10.0
    assert speed_err.mean() == pytest.approx(0.3, abs=0.01)
    assert speed_err.std() == pytest.approx(0.05, rel=0.1)
    assert all(m.yaw_rate_radps == pytest.approx(0.01, abs=1e-12) for m in msgs)


def test_gnss_fixes_arrive_at_2_hz_and_not_during_outages() -> None:
    conditions = SensorConditions(gnss_noise_std_m=0.0, gnss_outages=((1.2, 2.6),))
    spec = scene(speed_mps=10.0, sensors=conditions)
    with SimSession() as session:
        w = world(spec, "kinematic", session)
        sensors = Sensors(spec.sensors, streams(5))
        fixes = []
        for _ in range(40):  # 4 s at 10 Hz
            frame = sensors.sense(w)
            if frame.gnss is not None:
                fixes.append(frame.gnss)
                assert frame.gnss.x_m == pytest.approx(w.ego_state().x_m, abs=1e-12)
            w.step(24)
    assert [round(f.t_s, 6) for f in fixes] == [0.0, 0.5, 1.0, 3.0, 3.5]


def _odometry_sequence(lidar_seed: int, lidar_noise_m: float) -> list[tuple[float, float]]:
    conditions = SensorConditions(lidar_range_noise_std_m=lidar_noise_m)
    spec = scene(speed_mps=8.0, sensors=conditions, obstacles=(_box("car", 40.0),))
    base = streams(11)
    mixed = Streams(lidar=np.random.default_rng(lidar_seed), odometry=base.odometry, gnss=base.gnss,
                    actors=base.actors, stack_seed=base.stack_seed, latency=base.latency)
    with SimSession() as session:
        w = world(spec, "kinematic", session)
        sensors = Sensors(spec.sensors, mixed)
        out = []
        for _ in range(30):
            odo = sensors.sense(w).odometry
            out.append((odo.speed_mps, odo.yaw_rate_radps))
            w.apply(COAST)
            w.step(24)
    return out


def test_changing_the_lidar_stream_leaves_odometry_unchanged() -> None:
    reference = _odometry_sequence(lidar_seed=1, lidar_noise_m=0.02)
    assert _odometry_sequence(lidar_seed=2, lidar_noise_m=0.02) == reference
    assert _odometry_sequence(lidar_seed=2, lidar_noise_m=0.5) == reference



@pytest.mark.parametrize("heading_rad", [0.0, 3.0, -2.0])
@pytest.mark.parametrize("config", [SensorConfig(), SensorConfig(n_rays=181, fov_rad=math.radians(270.0)),
                                    SensorConfig(n_rays=359, fov_rad=math.radians(359.0)),
                                    SensorConfig(n_rays=7, fov_rad=math.radians(30.0))])
def test_lidar_casting_only_beams_near_bodies_equals_casting_every_beam(config: SensorConfig,
                                                                        heading_rad: float) -> None:
    rng = np.random.default_rng(42)
    boxes = tuple(StaticObstacle(obstacle_id=f"b{i}", x_m=float(x), y_m=float(y), yaw_rad=float(yaw),
                                 length_m=float(length), width_m=float(width))
                  for i, (x, y, yaw, length, width) in enumerate(zip(
                      rng.uniform(-50, 50, 30), rng.uniform(-50, 50, 30), rng.uniform(-3, 3, 30),
                      rng.uniform(0.3, 6, 30), rng.uniform(0.3, 3, 30), strict=True)))
    lane = Lane(lane_id="l", centreline=polyline(straight((0.0, 0.0), heading_rad, 100.0, step_m=50.0)))
    spec = scene(obstacles=boxes, sensors=EXACT, lane=lane)
    with SimSession() as session:
        w = world(spec, "kinematic", session)
        scan = Sensors(spec.sensors, streams(0), config).sense(w).lidar
        ego = w.ego_state()
        origin = np.array([config.mount_x_m * math.cos(ego.yaw_rad), config.mount_x_m * math.sin(ego.yaw_rad),
                           config.mount_z_m])
        beams = ego.yaw_rad + scan.angles_rad
        ends = origin + np.column_stack([60.0 * np.cos(beams), 60.0 * np.sin(beams), np.zeros(config.n_rays)])
        every = w.cast_rays(np.tile(origin, (config.n_rays, 1)), ends)
    expected = np.where(every < 1.0, every * 60.0, np.inf)
    assert np.isfinite(expected).any()
    assert np.array_equal(scan.ranges_m, expected)
