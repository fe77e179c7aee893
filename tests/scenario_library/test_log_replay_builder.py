"""The log_replay builder on logs built in memory: road, ego start and route, actors, duration."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scenario_library.builders.common import EGO_CENTRE_AHEAD_M
from scenario_library.builders.log_replay import LEAD_IN_M, ROUTE_LANE_ID, build, replay_duration_s
from scenario_library.recorded import RecordedLane, RecordedLog, Track
from scenario_library.scene import RecordedTrajectory


def _track(actor_id: str, kind: str, t: np.ndarray, x: np.ndarray, y: np.ndarray | None = None) -> Track:
    return Track(actor_id=actor_id, kind=kind, length_m=4.5, width_m=1.85, t_s=t, x_m=x,  # type: ignore[arg-type]
                 y_m=np.zeros_like(x) if y is None else y, yaw_rad=np.zeros_like(x))


def _log(span_s: float = 12.34) -> RecordedLog:
    t = np.round(np.arange(0.0, span_s + 1e-9, 0.02) + 100.0, 9)  # log clock starts at 100 s
    rel = t - t[0]
    tracks = (_track("ego", "ego", t, 20.0 + 10.0 * rel), _track("car", "vehicle", t, 50.0 + 8.0 * rel),
              _track("cone", "static", t[:3], np.full(3, 200.0), np.full(3, 1.0)))
    lane = RecordedLane(lane_id="main", centreline=((0.0, 0.0), (500.0, 0.0)), width_m=3.6, speed_limit_mps=13.9)
    return RecordedLog(real_run_id="r1", content_hash="0" * 32, tracks=tracks, lanes=(lane,))


def test_the_duration_is_the_logs_span_truncated_to_whole_ticks() -> None:
    assert replay_duration_s(_log(12.34)) == 12.3
    assert replay_duration_s(_log(12.0)) == 12.0
    assert build(log=_log(), reactive=False).duration_s == 12.3


def test_the_ego_starts_from_its_logged_state_on_a_route_made_from_its_path() -> None:
    scene = build(log=_log(), reactive=False)
    route = scene.lane(ROUTE_LANE_ID)
    start_x = 20.0 - EGO_CENTRE_AHEAD_M  # the logged centre moved back to the rear axle
    assert route.centreline[0] == pytest.approx((start_x - LEAD_IN_M, 0.0))
    assert route.centreline[1] == pytest.approx((start_x, 0.0))
    assert (route.width_m, route.speed_limit_mps) == (3.6, 13.9)  # from the lane the ego starts in
    assert scene.ego.start_s_m == LEAD_IN_M and scene.ego.initial_speed_mps == pytest.approx(10.0)
    assert scene.ego.goal_s_m == pytest.approx(LEAD_IN_M + 10.0 * 12.34, abs=1e-6)  # where the logged ego ended
    assert [lane.lane_id for lane in scene.road.lanes] == ["main", ROUTE_LANE_ID] and scene.road.kind == "straight"


def test_logged_actors_keep_their_times_relative_to_the_ego_start_and_static_ones_become_obstacles() -> None:
    plain, reactive = build(log=_log(), reactive=False), build(log=_log(), reactive=True)
    car = plain.actors[0]
    assert isinstance(car.behaviour, RecordedTrajectory) and not car.behaviour.reactive
    first = car.behaviour.samples[0]
    assert (first.t_s, first.x_m) == (0.0, 50.0)
    assert car.behaviour.idm.desired_speed_mps == pytest.approx(8.0)
    assert reactive.actors[0].behaviour.reactive  # type: ignore[union-attr]
    assert [(o.obstacle_id, o.x_m, o.y_m) for o in plain.obstacles] == [("cone", 200.0, 1.0)]


def test_an_ego_that_never_moves_is_refused_with_a_reason() -> None:
    t = np.arange(0.0, 5.0, 0.1)
    log = RecordedLog(real_run_id="r2", content_hash="0" * 32, tracks=(_track("ego", "ego", t, np.full(len(t), 5.0)),),
                      lanes=(RecordedLane(lane_id="l", centreline=((0.0, 0.0), (math.pi * 10, 0.0))),))
    with pytest.raises(ValueError, match="no route to replay"):
        build(log=log, reactive=False)
