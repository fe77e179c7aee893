"""Builders give sane, deterministic scenes: the ego's lane exists, actors and obstacles sit where the family says."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest

from autonomy.geometry import Path
from scenario_library.builders.log_replay import ROUTE_LANE_ID
from scenario_library.catalog import build_scene, list_families, load_family
from scenario_library.family import Family
from scenario_library.scene import RecordedTrajectory, SceneSpec

EGO_FRONT_M, EGO_REAR_M, EGO_HALF_WIDTH_M = 3.65, 0.85, 0.925


def _cases(family: Family) -> list[dict[str, Any]]:
    """Nominal, every edge case, and each parameter at its lowest and highest level."""
    cases: list[dict[str, Any]] = [{}] + [dict(e["params"]) for e in family.edge_cases]
    for p in family.parameters:
        if p.levels:  # an input parameter has none: its nominal log is the case
            cases += [{p.name: p.levels[0]}, {p.name: p.levels[-1]}]
    return cases


SCENES = [(f.name, overrides, build_scene(f, overrides)) for f in list_families() for overrides in _cases(f)]
IDS = [f"{name}-{i}" for i, (name, _, _) in enumerate(SCENES)]


@pytest.mark.parametrize(("name", "overrides", "scene"), SCENES, ids=IDS)
def test_the_ego_starts_on_its_lane_with_room_behind_and_a_goal_ahead(name: str, overrides: dict[str, Any],
                                                                      scene: SceneSpec) -> None:
    lane = scene.lane(scene.ego.lane_id)
    route = Path.from_points(lane.centreline)
    assert scene.ego.start_s_m - EGO_REAR_M >= 1.0
    goal = scene.ego.goal_s_m if scene.ego.goal_s_m is not None else route.length_m - 5.0  # the simulator's default
    assert scene.ego.start_s_m + 10.0 <= goal <= route.length_m - 5.0
    # The lane outlasts whatever the ego can cover at its target speed within the scene.
    if scene.ego.goal_s_m is None:
        assert route.length_m - scene.ego.start_s_m >= scene.ego.target_speed_mps * scene.duration_s
    assert lane.speed_limit_mps >= scene.ego.target_speed_mps
    assert load_family(name).duration_s in (None, scene.duration_s)  # None: from the input


@pytest.mark.parametrize(("name", "overrides", "scene"), SCENES, ids=IDS)
def test_nothing_overlaps_the_ego_at_the_start(name: str, overrides: dict[str, Any], scene: SceneSpec) -> None:
    route = Path.from_points(scene.lane(scene.ego.lane_id).centreline)
    x0, y0, yaw = route.point_at(scene.ego.start_s_m)
    boxes = [(o.x_m, o.y_m, o.length_m, o.width_m) for o in scene.obstacles]
    for a in scene.actors:
        x, y, _ = Path.from_points(a.path).point_at(a.start_s_m)
        boxes.append((x, y, a.length_m, a.width_m))
    for x, y, length, width in boxes:
        lon = (x - x0) * math.cos(yaw) + (y - y0) * math.sin(yaw)
        lat = -(x - x0) * math.sin(yaw) + (y - y0) * math.cos(yaw)
        radius = 0.5 * math.hypot(length, width)
        clear = lon - radius > EGO_FRONT_M or lon + radius < -EGO_REAR_M or abs(lat) - radius > EGO_HALF_WIDTH_M
        assert clear, (name, overrides, x, y)


@pytest.mark.parametrize(("name", "overrides", "scene"), SCENES, ids=IDS)
def test_actors_follow_real_paths_and_start_on_them(name: str, overrides: dict[str, Any], scene: SceneSpec) -> None:
    for actor in scene.actors:
        path = Path.from_points(actor.path)
        recorded = isinstance(actor.behaviour, RecordedTrajectory)  # its path is where the log went, however short
        assert len(actor.path) >= 2 and (recorded or path.length_m > 20.0)
        assert 0.0 <= actor.start_s_m < path.length_m
        assert all(math.isfinite(v) for point in actor.path for v in point)


def test_scene_types_and_lane_counts_match_the_odd_tags() -> None:
    for family in list_families():
        scene = build_scene(family, {})
        assert scene.road.kind in family.odd["road_type"], family.name
        carriageway = [lane for lane in scene.road.lanes if abs(Path.from_points(lane.centreline).heading_at(0.0)
                                                                - Path.from_points(scene.lane(scene.ego.lane_id)
                                                                                   .centreline).heading_at(0.0))
                       < (1e-2 if scene.ego.lane_id == ROUTE_LANE_ID else 1e-6) or lane.lane_id in ("westbound",)]
        carriageway = [lane for lane in carriageway if lane.lane_id != ROUTE_LANE_ID]  # a logged path over a lane
        assert str(min(len(carriageway), 3)).replace("3", "3+") in family.odd["lanes"], family.name


def test_builders_are_pure_functions_of_their_parameters() -> None:
    for family in list_families():
        assert build_scene(family, {}) == build_scene(family, family.nominal)


def test_lead_vehicle_starts_gap_m_ahead_of_the_ego_front_bumper_and_brakes_as_asked() -> None:
    scene = build_scene(load_family("lead_vehicle_braking"), {"gap_m": 20.0, "lead_decel_mps2": 6.0})
    lead = scene.actors[0]
    assert lead.start_s_m - lead.length_m / 2.0 - (scene.ego.start_s_m + EGO_FRONT_M) == pytest.approx(20.0, abs=1e-9)
    phase = lead.behaviour.phases[0]  # type: ignore[union-attr]
    assert (phase.t_s, phase.accel_mps2, phase.target_speed_mps) == (3.0, -6.0, 0.0)


def test_the_cut_in_path_moves_from_the_left_lane_into_the_ego_lane_smoothly() -> None:
    scene = build_scene(load_family("cut_in"), {})
    xy = np.asarray(scene.actors[0].path)
    assert xy[0, 1] == pytest.approx(3.5) and xy[-1, 1] == pytest.approx(0.0, abs=1e-9)
    assert np.all(np.diff(xy[:, 0]) > 0) and np.all(np.diff(xy[:, 1]) <= 1e-12)
    slope = np.diff(xy[:, 1]) / np.diff(xy[:, 0])
    assert np.max(np.abs(slope)) < 0.2  # 3.5 m over 54 m at the nominal 18 m/s x 3 s


def test_the_pedestrian_crosses_the_ego_lane_at_the_crosswalk_and_hides_behind_the_parked_car() -> None:
    family = load_family("pedestrian_crossing")
    visible, hidden = build_scene(family, {"occluded": False}), build_scene(family, {"occluded": True})
    walker = hidden.actors[0]
    (x0, y0), (x1, y1) = walker.path[0], walker.path[-1]
    assert x0 == x1 == hidden.crosswalks_s_m[0] and y0 < -1.75 < 1.75 < y1
    assert visible.obstacles == () and len(hidden.obstacles) == 1
    car = hidden.obstacles[0]
    assert car.x_m + car.length_m / 2 < x0 - walker.length_m / 2 and abs(car.y_m - y0) < car.width_m / 2
    assert walker.trigger.ego_within_m == 40.0 and walker.trigger.t_s is None


def test_narrow_passage_rows_leave_exactly_the_requested_gap() -> None:
    scene = build_scene(load_family("narrow_passage"), {"passage_width_m": 2.6, "passage_offset_m": 0.5})
    right = [o for o in scene.obstacles if "right" in o.obstacle_id]
    left = [o for o in scene.obstacles if "left" in o.obstacle_id]
    gap = (left[0].y_m - left[0].width_m / 2) - (right[0].y_m + right[0].width_m / 2)
    assert gap == pytest.approx(2.6) and (left[0].y_m + right[0].y_m) / 2 == pytest.approx(0.5)
    assert len(left) == len(right) == 4  # 20 m of cars at a 5.5 m pitch


def test_sensor_degradation_and_friction_reach_the_scene() -> None:
    scene = build_scene(load_family("sensor_degradation"), {"lidar_max_range_m": 20.0, "gnss_outage_s": 4.0,
                                                             "lidar_dropout_prob": 0.3})
    assert scene.sensors.lidar_max_range_m == 20.0 and scene.sensors.lidar_dropout_prob == 0.3
    assert scene.sensors.gnss_outages == ((2.0, 6.0),)
    assert build_scene(load_family("sensor_degradation"), {"gnss_outage_s": 0.0}).sensors.gnss_outages == ()
    assert build_scene(load_family("curve_following"), {"mu": 0.3}).friction_mu == 0.3


def test_the_curve_has_the_requested_radius() -> None:
    for radius in (15.0, 120.0, 400.0):
        scene = build_scene(load_family("curve_following"), {"radius_m": radius})
        path = Path.from_points(scene.lane("ego").centreline)
        mid = 30.0 + min(math.pi / 4 * radius, 50.0)
        a, b, c = (np.array(path.point_at(s)[:2]) for s in (mid - 5.0, mid, mid + 5.0))
        ab, bc, ca = np.linalg.norm(a - b), np.linalg.norm(b - c), np.linalg.norm(c - a)
        (ux, uy), (vx, vy) = b - a, c - a
        area2 = abs(float(ux * vy - uy * vx))
        assert ab * bc * ca / (2.0 * area2) == pytest.approx(radius, rel=0.01)


def test_the_crossing_car_reaches_the_conflict_point_time_gap_after_the_ego_at_constant_speeds() -> None:
    family = load_family("intersection_crossing")
    for ego_v, cross_v, gap in itertools.product((8.0, 15.0), (5.0, 20.0), (-1.5, 0.0, 0.2, 1.0, 3.0)):
        scene = build_scene(family, {"ego_speed_mps": ego_v, "cross_speed_mps": cross_v, "time_gap_s": gap})
        car = scene.actors[0]
        start_x, start_y = Path.from_points(car.path).point_at(car.start_s_m)[:2]
        ego_centre_x0 = -80.0 + scene.ego.start_s_m + 1.4
        conflict = (1.75, -1.75)
        if car.trigger.ego_within_m is not None:
            ego_x = start_x - math.sqrt(car.trigger.ego_within_m ** 2 - (start_y - conflict[1]) ** 2)
            fire_t = max(0.0, (ego_x - ego_centre_x0) / ego_v)
        else:
            fire_t = car.trigger.t_s or 0.0
        car_arrival = fire_t + (conflict[1] - start_y) / cross_v
        ego_arrival = (conflict[0] - ego_centre_x0) / ego_v
        if fire_t > 0.0:
            assert car_arrival - ego_arrival == pytest.approx(gap, abs=1e-9), (ego_v, cross_v, gap)
