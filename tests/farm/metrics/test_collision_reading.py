"""The collision as a safety engineer reads it: nuPlan's collision classes and fault, closing speed, kind.

Each case places the ego (4.5 x 1.85 m, rear axle 0.85 m ahead of its rear bumper,
so its box centre is 1.4 m ahead of the axle) at the origin heading +x, and the
other body touching it where the case says.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from farm.metrics import compute_metrics, metric_events
from farm.metrics.collision import collision_class
from farm.metrics.trace import Impact, Trace

EGO = {"ego_length_m": 4.5, "ego_width_m": 1.85, "ego_rear_overhang_m": 0.85}


def _hit(*, ego_mps: float, body_xy: tuple[float, float], body_v: tuple[float, float] = (0.0, 0.0),
         body_yaw_rad: float = 0.0, kind: str = "vehicle", in_lane: bool = True) -> Impact:
    return Impact(t_s=1.0, body_id="other", body_kind=kind, ego_x_m=0.0, ego_y_m=0.0, ego_yaw_rad=0.0,
                  ego_speed_mps=ego_mps, ego_vx_mps=ego_mps, ego_vy_mps=0.0, body_x_m=body_xy[0],
                  body_y_m=body_xy[1], body_yaw_rad=body_yaw_rad, body_vx_mps=body_v[0], body_vy_mps=body_v[1],
                  body_length_m=4.5, body_width_m=1.85, ego_in_lane=in_lane)


AHEAD = (3.65 + 2.25, 0.0)    # its rear bumper on the ego's front bumper
BEHIND = (-0.85 - 2.25, 0.0)  # its front bumper on the ego's rear bumper
BESIDE = (1.0, 1.85)          # alongside, flank to flank, its front 0.4 m behind the ego's


@pytest.mark.parametrize(("case", "hit", "expected"), [
    ("ego stopped, hit from behind", _hit(ego_mps=0.04, body_xy=BEHIND, body_v=(5.0, 0.0)), "stopped_ego"),
    ("ego stopped, a car drives into its flank", _hit(ego_mps=0.0, body_xy=BESIDE, body_v=(0.0, -3.0)),
     "stopped_ego"),
    ("moving ego hits a stopped car", _hit(ego_mps=10.0, body_xy=AHEAD), "stopped_track"),
    ("moving ego hits debris", _hit(ego_mps=10.0, body_xy=AHEAD, kind="static"), "stopped_track"),
    ("moving ego rear-ended", _hit(ego_mps=10.0, body_xy=BEHIND, body_v=(15.0, 0.0)), "rear"),
    ("moving ego runs into a slower car", _hit(ego_mps=10.0, body_xy=AHEAD, body_v=(5.0, 0.0)), "front"),
    ("a walker steps against the front bumper", _hit(ego_mps=10.0, body_xy=(3.65 + 0.25, 0.5),
                                                      body_v=(0.0, -2.0), kind="pedestrian"), "front"),
    ("a car crossing at 90 deg hits the flank", _hit(ego_mps=10.0, body_xy=(1.4, 0.925 + 2.25),
                                                      body_v=(0.0, -8.0), body_yaw_rad=-math.pi / 2), "lateral"),
])
def test_collision_class_follows_nuplan(case: str, hit: Impact, expected: str) -> None:
    assert collision_class(hit, **EGO) == expected, case


def _trace_with(hit: Impact) -> Trace:
    n = 3
    return Trace(
        dt_s=0.1, t_s=0.1 * np.arange(1, n + 1), ego_x_m=np.zeros(n), ego_y_m=np.zeros(n), ego_yaw_rad=np.zeros(n),
        ego_speed_mps=np.full(n, hit.ego_speed_mps), ego_lat_accel_mps2=np.zeros(n), route_s_m=np.zeros(n),
        start_s_m=0.0, goal_s_m=100.0, speed_limit_mps=20.0, body_ids=(), body_kinds=(),
        body_xy_m=np.zeros((n, 0, 2)), body_yaw_rad=np.zeros((n, 0)), body_vxy_mps=np.zeros((n, 0, 2)),
        body_length_m=np.zeros(0), body_width_m=np.zeros(0), contacts=((), ("other",), ("other",)),
        gap_m=np.array([0.5, 0.0, 0.0]), offroad=np.zeros(n, bool), cmd_accel_mps2=np.zeros(n),
        cmd_steer_rad=np.zeros(n), impact=hit, ego_length_m=4.5, ego_width_m=1.85, ego_rear_overhang_m=0.85)


@pytest.mark.parametrize(("hit", "at_fault"), [
    (_hit(ego_mps=0.0, body_xy=BEHIND, body_v=(5.0, 0.0)), False),            # stopped ego
    (_hit(ego_mps=10.0, body_xy=BEHIND, body_v=(15.0, 0.0)), False),          # rear-ended while moving
    (_hit(ego_mps=10.0, body_xy=AHEAD, body_v=(5.0, 0.0)), True),             # front
    (_hit(ego_mps=10.0, body_xy=AHEAD, kind="static"), True),                 # static = stopped track
    (_hit(ego_mps=10.0, body_xy=BESIDE, body_v=(10.0, -1.0)), False),         # lateral, ego in its lane
    (_hit(ego_mps=10.0, body_xy=BESIDE, body_v=(10.0, -1.0), in_lane=False), True),  # lateral, ego out of lane
])
def test_at_fault_as_nuplan_counts_it(hit: Impact, at_fault: bool) -> None:
    assert compute_metrics(_trace_with(hit)).collision_at_fault is at_fault


def test_impact_columns_and_event_are_read_at_the_physics_step_of_contact() -> None:
    # ego east at 20 m/s, a cyclist riding north at 10 m/s into its front bumper
    hit = _hit(ego_mps=20.0, body_xy=(3.65 + 0.3, 0.0), body_v=(0.0, 10.0), kind="cyclist")
    trace = _trace_with(hit)
    m = compute_metrics(trace)
    assert m.collision and m.collision_speed_mps == 20.0
    assert m.collision_rel_speed_mps == pytest.approx(math.hypot(20.0, 10.0), abs=1e-12)
    assert (m.collision_kind, m.collision_class, m.collision_at_fault) == ("cyclist", "front", True)
    [event] = [e for e in metric_events(trace) if e.kind == "collision"]
    assert event.t_s == 1.0  # the impact's time, not the tick's (0.2 s)
    assert event.detail == "other (cyclist) front, at fault: ego 20.00 m/s, closing 22.36 m/s"


def test_no_collision_reads_none_and_not_at_fault() -> None:
    trace = _trace_with(_hit(ego_mps=5.0, body_xy=AHEAD))
    quiet = replace(trace, impact=None, contacts=((), (), ()), gap_m=np.full(3, 2.0))
    m = compute_metrics(quiet)
    assert (m.collision, m.collision_speed_mps, m.collision_rel_speed_mps, m.collision_kind, m.collision_class,
            m.collision_at_fault) == (False, 0.0, 0.0, "none", "none", False)
