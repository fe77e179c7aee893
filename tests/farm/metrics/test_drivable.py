"""The drivable area used by the offroad metric."""

from __future__ import annotations

import math

from autonomy.geometry import arc, straight
from farm.metrics.drivable import DrivableArea
from scenario_library.scene import Lane, Road

EGO = {"length_m": 4.5, "width_m": 1.85, "rear_overhang_m": 0.85}


def _road() -> Road:
    main = Lane(lane_id="main", centreline=tuple(map(tuple, straight((0.0, 0.0), 0.0, 100.0))), width_m=3.5)
    side = Lane(lane_id="side", centreline=tuple(map(tuple, straight((50.0, -50.0), math.pi / 2, 100.0))),
                width_m=3.5)
    return Road(kind="intersection", lanes=(main, side), shoulder_m=0.5)


def test_a_car_centred_in_its_lane_is_on_the_road_and_one_beside_it_is_not() -> None:
    area = DrivableArea(_road())
    assert area.footprint_inside(20.0, 0.0, 0.0, **EGO)
    assert not area.footprint_inside(20.0, 2.0, 0.0, **EGO)   # left edge at 2.925 m > 1.75 + 0.5
    assert area.footprint_inside(20.0, 1.3, 0.0, **EGO)       # left edge at 2.225 m <= 2.25


def test_a_car_straddling_two_crossing_lanes_is_covered_by_their_union() -> None:
    area = DrivableArea(_road())
    assert area.footprint_inside(49.0, 0.0, math.pi / 4, **EGO)
    assert not area.footprint_inside(60.0, 10.0, 0.0, **EGO)


def test_curved_lane_corridor_follows_the_arc() -> None:
    lane = Lane(lane_id="c", centreline=tuple(map(tuple, arc((0.0, 0.0), 0.0, 50.0, math.pi / 2))), width_m=3.5)
    area = DrivableArea(Road(kind="curve", lanes=(lane,)))
    x, y = 50.0 * math.sin(math.pi / 4), 50.0 - 50.0 * math.cos(math.pi / 4)
    assert area.footprint_inside(x, y, math.pi / 4, **EGO)
    assert not area.footprint_inside(x + 3.0, y - 3.0, math.pi / 4, **EGO)
