"""Tracking: one persistent track per obstacle, velocities that converge, birth and deletion."""

from __future__ import annotations

import math

import numpy as np

from autonomy.config import PerceptionConfig, PredictionConfig, TrackingConfig
from autonomy.perception import PerceptionInput, PerceptionOutput, ScanClusterer
from autonomy.prediction import ConstantVelocityPredictor, PredictionInput
from autonomy.tracking import KalmanTracker, TrackingInput, TrackingOutput
from autonomy.types import EgoEstimate, LidarScan
from tests.autonomy.autonomy_synth import ANGLES_RAD, MOUNT_X_M, Box, cast

DT_S = 0.1


def _run(boxes: list[Box], ticks: int, seed: int = 0) -> list[TrackingOutput]:
    """A parked ego watching ``boxes`` move; perception + tracker on every tick."""
    rng = np.random.default_rng(seed)
    perception, tracker = ScanClusterer(PerceptionConfig()), KalmanTracker(TrackingConfig())
    pose = EgoEstimate(x_m=0.0, y_m=0.0, yaw_rad=0.0, speed_mps=0.0)
    outputs = []
    for k in range(ticks):
        ranges = cast((MOUNT_X_M, 0.0), ANGLES_RAD, boxes, 60.0) + rng.normal(0.0, 0.02, len(ANGLES_RAD))
        ranges[rng.random(len(ranges)) < 0.01] = np.inf  # dropouts
        scan = LidarScan(t_s=k * DT_S, angles_rad=ANGLES_RAD, ranges_m=ranges, max_range_m=60.0, mount_x_m=MOUNT_X_M)
        seen = perception.step(PerceptionInput(scan=scan, pose=pose))
        outputs.append(tracker.step(TrackingInput(t_s=k * DT_S, detections=seen, sensor_xy_m=(MOUNT_X_M, 0.0))))
        for box in boxes:
            box.advance(DT_S)
    return outputs


def test_three_separated_obstacles_keep_exactly_one_track_each_for_100_ticks() -> None:
    boxes = [Box(x_m=25.0, y_m=6.0),  # parked car
             Box(x_m=-20.0, y_m=-12.0, vx_mps=4.0),  # car driving past
             Box(x_m=-12.0, y_m=8.0, length_m=0.6, width_m=0.6, vy_mps=1.2)]  # pedestrian walking away
    outputs = _run(boxes, 100)
    for out in outputs[5:]:
        assert len(out.track_id) == 3
    assert {tuple(out.track_id.tolist()) for out in outputs[5:]} == {tuple(outputs[5].track_id.tolist())}
    final = outputs[-1]
    for box in boxes:
        k = int(np.argmin(np.hypot(*(final.centre_xy_m - (box.x_m, box.y_m)).T)))
        assert math.hypot(final.velocity_mps[k, 0] - box.vx_mps, final.velocity_mps[k, 1] - box.vy_mps) < 0.5


def test_velocity_converges_within_half_a_metre_per_second_and_stays_there() -> None:
    car = Box(x_m=30.0, y_m=-8.0, vx_mps=-6.0, vy_mps=0.5)
    outputs = _run([car], 60, seed=3)
    errors = [math.hypot(o.velocity_mps[0, 0] + 6.0, o.velocity_mps[0, 1] - 0.5) for o in outputs[20:]]
    assert max(errors) < 0.5


def test_a_track_is_born_after_three_hits_and_removed_after_three_misses() -> None:
    tracker = KalmanTracker(TrackingConfig(birth_hits=3, max_misses=3))
    one = PerceptionOutput(centre_xy_m=np.array([[10.0, 2.0]]), size_m=np.array([[4.5, 1.8]]),
                           heading_rad=np.zeros(1), position_std_m=np.array([0.1]), n_points=np.array([20]))
    none = PerceptionOutput(centre_xy_m=np.zeros((0, 2)), size_m=np.zeros((0, 2)), heading_rad=np.zeros(0),
                            position_std_m=np.zeros(0), n_points=np.zeros(0, dtype=int))
    counts = [len(tracker.step(TrackingInput(t_s=0.1 * k, detections=det, sensor_xy_m=(0.0, 0.0))).track_id)
              for k, det in enumerate([one, one, one, none, none, none, none])]
    assert counts == [0, 0, 1, 1, 1, 1, 0]


def test_prediction_extrapolates_each_track_at_constant_velocity() -> None:
    tracks = TrackingOutput(track_id=np.array([7]), centre_xy_m=np.array([[1.0, 2.0]]),
                            velocity_mps=np.array([[3.0, -1.0]]), velocity_std_mps=np.array([0.1]),
                            size_m=np.array([[4.0, 3.0]]), heading_rad=np.zeros(1), age_ticks=np.array([9]),
                            misses=np.array([0]))
    out = ConstantVelocityPredictor(PredictionConfig(horizon_s=4.0, step_s=0.5)).step(PredictionInput(tracks=tracks))
    (path,) = out.paths
    assert path.track_id == 7
    assert np.allclose(path.times_s, np.arange(9) * 0.5)
    assert np.allclose(path.xy_m[-1], (1.0 + 12.0, 2.0 - 4.0))
    assert path.radius_m == 2.5
