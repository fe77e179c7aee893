"""Log replay: a recorded run (field incident, test-track run, exported rollout) as a scene.

The builder receives the run as a ``RecordedLog`` (the farm resolves the ``log``
parameter's content hash; builders never read files or the store). Every logged
position is a box centre (docs/real-run-logs.md), the ego's included.

- road: the log's lane polylines (or the road of the family it names);
- ego: the stack under test, starting from the logged ego state, on a route lane
  made from the logged ego path (its rear axle: the logged centre moved back by
  ``EGO_CENTRE_AHEAD_M`` along the logged yaw), extended ``LEAD_IN_M`` behind the
  start and ``RUN_OUT_M`` past the end; its goal is where the logged ego ended;
- the other actors: ``RecordedTrajectory`` (vehicles reactive when ``reactive``),
  static tracks as static obstacles at their first pose;
- duration: the log's span truncated to whole stack ticks (``TICK_S``);
- ``rule``/``actor``: the preventability rule and actor of interest a promotion
  names (``none``: no verdict). The actor must be in the log (a static obstacle
  only for the rules in ``RULES_ON_STATIC``); it becomes the scene's actor of
  interest. The ego's logged progress along its route goes with the scene for
  the reference driver (``EgoStart.logged_progress``).
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from autonomy.geometry import Path
from scenario_library.builders.common import EGO_CENTRE_AHEAD_M, LANE_WIDTH_M, polyline
from scenario_library.family import RECORDED_RULES, RULES_ON_STATIC
from scenario_library.recorded import RecordedLog, Track
from scenario_library.scene import (
    Actor,
    EgoStart,
    IdmFollow,
    Lane,
    PoseSample,
    RecordedTrajectory,
    Road,
    SceneSpec,
    StaticObstacle,
)

ROUTE_LANE_ID = "log_route"
TICK_S = 0.1  # the stack period (farm.spec.SimSettings default stack_hz = 10): the duration is whole ticks of it
LEAD_IN_M = 10.0  # room on the route behind the ego's logged start (its rear overhang must be on the lane)
RUN_OUT_M = 60.0  # the route goes on straight this far past the logged end
ROUTE_SPACING_M = 1.0  # route vertices are logged rear-axle positions at least this far apart
CURVE_HEADING_RAD = 0.2  # a lane that turns more than this overall makes the road a "curve"
DEFAULT_SPEED_LIMIT_MPS = 20.0


def build(*, log: RecordedLog, reactive: bool, rule: str = "none", actor: str = "none") -> SceneSpec:
    """The scene of one recorded run; ``reactive`` makes the logged vehicles IDM followers of the ego once it
    blocks them (``RecordedTrajectory``); ``rule``/``actor``: see the module docstring.

    Raises:
        ValueError: the ego does not move, or ``rule``/``actor`` do not fit the log.
    """
    interest = _interest(log, rule, actor)
    lanes = _road_lanes(log)
    ego = log.ego
    t0 = ego.start_s
    rear = _rear_axle(ego)
    route_xy, start_s_m, goal_s_m = _route(rear)
    limit = _nearest_lane(lanes, float(rear[0, 0]), float(rear[0, 1]))
    speed_limit = limit.speed_limit_mps if limit else DEFAULT_SPEED_LIMIT_MPS
    route = Lane(lane_id=ROUTE_LANE_ID, centreline=polyline(route_xy),
                 width_m=limit.width_m if limit else LANE_WIDTH_M, speed_limit_mps=speed_limit)
    start_speed = _start_speed(ego)
    actors = tuple(_actor(t, t0, reactive) for t in log.others if t.kind != "static")
    obstacles = tuple(StaticObstacle(obstacle_id=t.actor_id, x_m=float(t.x_m[0]), y_m=float(t.y_m[0]),
                                     yaw_rad=float(t.yaw_rad[0]), length_m=t.length_m, width_m=t.width_m)
                      for t in log.others if t.kind == "static")
    curved = any(_turn_rad(lane.centreline) > CURVE_HEADING_RAD for lane in (*lanes, route))
    return SceneSpec(
        name="log_replay", duration_s=replay_duration_s(log),
        road=Road(kind="curve" if curved else "straight", lanes=(*lanes, route)),
        ego=EgoStart(lane_id=ROUTE_LANE_ID, start_s_m=start_s_m, initial_speed_mps=start_speed,
                     target_speed_mps=speed_limit, goal_s_m=goal_s_m,
                     logged_progress=_progress(ego, rear, route_xy, t0)),
        actors=actors, obstacles=obstacles, actors_of_interest=interest)


def _interest(log: RecordedLog, rule: str, actor: str) -> tuple[str, ...]:
    """The actor of interest, checked against the log: () when no rule is named."""
    if rule == "none":
        if actor != "none":
            raise ValueError(f"actor {actor!r} is named without a rule: name the preventability rule too")
        return ()
    if rule not in RECORDED_RULES:
        raise ValueError(f"no preventability rule {rule!r} for a recorded run (known: {', '.join(RECORDED_RULES)})")
    kinds = {t.actor_id: t.kind for t in log.others}
    if actor not in kinds:
        raise ValueError(f"no actor {actor!r} in the log (its actors: {', '.join(kinds) or 'none'})")
    if kinds[actor] == "static" and rule not in RULES_ON_STATIC:
        raise ValueError(f"actor {actor!r} is static: rule {rule!r} needs a moving one "
                         f"(a static one takes {' or '.join(RULES_ON_STATIC)})")
    return (actor,)


def _progress(ego: Track, rear: np.ndarray, route_xy: np.ndarray, t0_s: float) -> tuple[tuple[float, float], ...]:
    """``(t_s, s_m)`` of every logged ego sample: scene time and its rear axle's arc length on the route (never
    decreasing: a logged ego that jitters backwards while stopped stays where it was)."""
    route = Path.from_points(route_xy)
    s = np.maximum.accumulate([route.project(float(x), float(y))[0] for x, y in rear])
    return tuple((float(t) - t0_s, float(v)) for t, v in zip(ego.t_s, s, strict=True))


def replay_duration_s(log: RecordedLog) -> float:
    """The log's span [s] truncated to whole stack ticks (a 12.34 s log replays for 12.3 s)."""
    return round(math.floor(log.span_s / TICK_S + 1e-9) * TICK_S, 9)


def _road_lanes(log: RecordedLog) -> tuple[Lane, ...]:
    if log.lanes:
        return tuple(Lane(lane_id=lane.lane_id, centreline=lane.centreline, width_m=lane.width_m,
                          speed_limit_mps=lane.speed_limit_mps) for lane in log.lanes)
    from scenario_library.catalog import load_family  # a named family's road, built from its parameters

    return load_family(str(log.road_family)).build(log.road_params).road.lanes


def _rear_axle(ego: Track) -> np.ndarray:
    """(N, 2) logged ego rear-axle positions [m]."""
    return np.column_stack([ego.x_m - EGO_CENTRE_AHEAD_M * np.cos(ego.yaw_rad),
                            ego.y_m - EGO_CENTRE_AHEAD_M * np.sin(ego.yaw_rad)])


def _route(rear: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Route vertices, the ego's start and goal arc lengths [m] on it.

    Raises:
        ValueError: the logged ego moves less than ``ROUTE_SPACING_M`` (no route to follow).
    """
    keep = [rear[0]]
    for point in rear[1:]:
        if math.dist(point, keep[-1]) >= ROUTE_SPACING_M:
            keep.append(point)
    if len(keep) < 2:
        raise ValueError(f"the logged ego moves less than {ROUTE_SPACING_M:g} m: there is no route to replay")
    keep[-1] = rear[-1]  # end exactly where the log ends
    travelled = sum(math.dist(a, b) for a, b in itertools.pairwise(keep))
    first, last = _direction(keep[0], keep[1]), _direction(keep[-2], keep[-1])
    points = [keep[0] - LEAD_IN_M * first, *keep, keep[-1] + RUN_OUT_M * last]
    return np.array(points), LEAD_IN_M, LEAD_IN_M + travelled


def _direction(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    return d / float(np.hypot(*d))


def _start_speed(ego: Track) -> float:
    """The logged ego speed at its first sample [m/s]: from the first two positions (the log's v_mps if one)."""
    if ego.v_mps is not None:
        return float(ego.v_mps[0])
    if len(ego.t_s) < 2:
        return 0.0
    return float(math.hypot(ego.x_m[1] - ego.x_m[0], ego.y_m[1] - ego.y_m[0]) / (ego.t_s[1] - ego.t_s[0]))


def _nearest_lane(lanes: tuple[Lane, ...], x_m: float, y_m: float) -> Lane | None:
    def distance(lane: Lane) -> float:
        return min(math.hypot(px - x_m, py - y_m) for px, py in lane.centreline)

    return min(lanes, key=distance) if lanes else None


def _turn_rad(points: tuple[tuple[float, float], ...]) -> float:
    xy = np.asarray(points, dtype=float)
    d = np.diff(xy, axis=0)
    d = d[np.hypot(d[:, 0], d[:, 1]) > 1e-9]
    if len(d) < 2:
        return 0.0
    heading = np.unwrap(np.arctan2(d[:, 1], d[:, 0]))
    return float(np.ptp(heading))


def _actor(track: Track, t0_s: float, reactive: bool) -> Actor:
    samples = tuple(PoseSample(t_s=float(t) - t0_s, x_m=float(x), y_m=float(y), yaw_rad=float(a))
                    for t, x, y, a in zip(track.t_s, track.x_m, track.y_m, track.yaw_rad, strict=True))
    speeds = np.hypot(np.diff(track.x_m), np.diff(track.y_m)) / np.diff(track.t_s) if len(samples) > 1 else [0.0]
    idm = IdmFollow(leader="ego", desired_speed_mps=max(float(np.max(speeds)), 1.0))
    path = tuple((s.x_m, s.y_m) for s in samples)
    if len(set(path)) < 2:  # a path needs two distinct points: a short stub along the logged yaw
        path = (path[0], (path[0][0] + math.cos(samples[0].yaw_rad), path[0][1] + math.sin(samples[0].yaw_rad)))
    kind = track.kind if track.kind in ("vehicle", "pedestrian", "cyclist") else "vehicle"
    return Actor(actor_id=track.actor_id, kind=kind, path=path, length_m=track.length_m, width_m=track.width_m,
                 behaviour=RecordedTrajectory(samples=samples, reactive=reactive and kind == "vehicle", idm=idm))
