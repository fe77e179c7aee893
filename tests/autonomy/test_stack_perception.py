"""Perception: ordered-scan clustering and rectangle fitting against ray-cast boxes."""

from __future__ import annotations

import math

import numpy as np

from autonomy.config import PerceptionConfig
from autonomy.perception import PerceptionInput, PerceptionOutput, ScanClusterer
from autonomy.types import EgoEstimate, LidarScan
from tests.autonomy.autonomy_synth import ANGLES_RAD, MOUNT_X_M, Box, cast


def _perceive(boxes: list[Box], x_m: float = 0.0, y_m: float = 0.0, yaw_rad: float = 0.0,
              noise_m: float = 0.02, seed: int = 0) -> PerceptionOutput:
    origin = (x_m + MOUNT_X_M * math.cos(yaw_rad), y_m + MOUNT_X_M * math.sin(yaw_rad))
    ranges = cast(origin, ANGLES_RAD + yaw_rad, boxes, 60.0)
    ranges = ranges + np.random.default_rng(seed).normal(0.0, noise_m, len(ranges))
    scan = LidarScan(t_s=0.0, angles_rad=ANGLES_RAD, ranges_m=ranges, max_range_m=60.0, mount_x_m=MOUNT_X_M)
    pose = EgoEstimate(x_m=x_m, y_m=y_m, yaw_rad=yaw_rad, speed_mps=0.0)
    return ScanClusterer(PerceptionConfig()).step(PerceptionInput(scan=scan, pose=pose))


def test_two_cars_3_m_apart_are_two_obstacles_with_their_true_extent() -> None:
    # Two parked cars ahead, either side of the lane, 3 m between their inner sides; both show an L.
    half_gap = 1.5 + 0.5 * 1.85
    boxes = [Box(x_m=8.0, y_m=half_gap), Box(x_m=8.0, y_m=-half_gap)]
    out = _perceive(boxes)
    assert len(out.centre_xy_m) == 2
    order = np.argsort(-out.centre_xy_m[:, 1])
    for box, k in zip(boxes, order, strict=True):
        assert np.allclose(out.size_m[k], (box.length_m, box.width_m), atol=0.5)
        assert math.hypot(*(out.centre_xy_m[k] - (box.x_m, box.y_m))) < 0.5
        assert abs(math.sin(out.heading_rad[k] - box.yaw_rad)) < math.sin(math.radians(10.0))


def test_obstacles_come_out_in_the_world_frame_whatever_the_ego_pose() -> None:
    box = Box(x_m=112.0, y_m=45.0, yaw_rad=0.7)
    pose = dict(x_m=100.0, y_m=40.0, yaw_rad=0.3)
    out = _perceive([box], **pose)
    assert len(out.centre_xy_m) == 1
    assert math.hypot(out.centre_xy_m[0, 0] - box.x_m, out.centre_xy_m[0, 1] - box.y_m) < 0.5
    assert abs(math.sin(out.heading_rad[0] - box.yaw_rad)) < math.sin(math.radians(10.0))
    assert out.obstacles[0].n_points == int(out.n_points[0]) > 10


def test_a_car_seen_from_behind_is_placed_at_its_rear_face() -> None:
    # Only the rear face is visible: the obstacle is where the points are, so the near edge is right.
    lead = Box(x_m=25.0, y_m=0.0)
    out = _perceive([lead], noise_m=0.0)
    assert len(out.centre_xy_m) == 1
    rear_x = lead.x_m - 0.5 * lead.length_m
    assert abs(out.centre_xy_m[0, 0] - rear_x) < 0.2
    assert abs(out.size_m[0, 0] - lead.width_m) < 0.5


def test_an_object_straddling_the_scan_seam_is_one_cluster() -> None:
    # The scan starts and ends straight behind the ego: a box there must not be cut in two.
    out = _perceive([Box(x_m=-10.0, y_m=0.0, length_m=2.0, width_m=3.0)])
    assert len(out.centre_xy_m) == 1
    assert abs(out.centre_xy_m[0, 1]) < 0.3


def test_an_empty_scan_gives_no_obstacles() -> None:
    out = _perceive([])
    assert out.centre_xy_m.shape == (0, 2)
    assert out.obstacles == ()
