"""The ``recorded`` rule: logged poses as the simulator replays them, brake/move onsets, the logged ego's reaction,
and a family's own scenario, logged and judged as a log, getting that family's verdict."""

from __future__ import annotations

import math

import numpy as np
import pytest

from farm.errors import InputError
from farm.preventable import assess, recorded
from farm.preventable.replay import EGO_CENTRE_AHEAD_M, EgoPlan, ego_motion, simulate
from farm.preventable.rules_following import CRUISE
from farm.sim.recorded_actor import LogTrajectory
from scenario_library.builders import log_replay
from scenario_library.catalog import load_family
from scenario_library.recorded import RecordedLane, RecordedLog, Track
from scenario_library.scene import PoseSample, RecordedTrajectory, SceneSpec

REPLAY = load_family("log_replay")
SAMPLE_EVERY = 24  # physics steps (1/240 s) per logged sample: a 10 Hz log


def _trajectory(t: np.ndarray, x: np.ndarray, y: np.ndarray, yaw: np.ndarray) -> RecordedTrajectory:
    return RecordedTrajectory(samples=tuple(PoseSample(t_s=float(a), x_m=float(b), y_m=float(c), yaw_rad=float(d))
                                            for a, b, c, d in zip(t, x, y, yaw, strict=True)))


def _speed_log(speeds: list[float], dt_s: float = 0.1, noise_m: float = 0.0) -> RecordedTrajectory:
    """A straight track whose interval ``i`` is driven at ``speeds[i]`` (optional position noise)."""
    x = np.concatenate([[0.0], np.cumsum(np.asarray(speeds) * dt_s)])
    x = x + np.random.default_rng(1).normal(0.0, noise_m, len(x)) if noise_m else x
    t = np.arange(len(x)) * dt_s
    return _trajectory(t, x, np.zeros_like(x), np.zeros_like(x))


def test_logged_poses_are_the_simulators_interpolation_exact_at_the_samples() -> None:
    rng = np.random.default_rng(3)
    t = np.cumsum(rng.uniform(0.05, 0.2, 40))
    x, y = np.cumsum(rng.uniform(0.0, 2.0, 40)), np.cumsum(rng.normal(0.0, 0.3, 40))
    yaw = np.mod(np.cumsum(rng.normal(0.0, 1.0, 40)) + math.pi, 2 * math.pi) - math.pi  # crosses +-pi
    b = _trajectory(t, x, y, yaw)
    grid = np.concatenate([t, np.linspace(t[0] - 1.0, t[-1] + 1.0, 997)])
    xy, heading, speed = recorded.poses(b, grid)
    sim = LogTrajectory(b.samples)
    for k, q in enumerate(grid):
        px, py, pyaw, vx, vy, _ = sim.at(float(q))
        assert xy[k] == pytest.approx((px, py), abs=1e-9)
        assert abs(math.remainder(heading[k] - pyaw, 2 * math.pi)) < 1e-9
        assert speed[k] == pytest.approx(math.hypot(vx, vy), rel=1e-12)
    assert np.array_equal(xy[: len(t)], np.column_stack([x, y]))  # exact at every sample
    assert np.array_equal(heading[: len(t)], yaw)


def test_brake_onset_is_the_start_of_the_slowing_within_a_sample_and_never_late() -> None:
    assert recorded.brake_onset_s(_speed_log([15.0] * 30 + [14.85, 14.55, 14.25, 13.95])) == pytest.approx(3.0)
    mid = [15.0] * 30 + [14.99, 14.7, 14.4, 14.1]  # braking began late in the interval from 3.0 s
    assert recorded.brake_onset_s(_speed_log(mid)) == pytest.approx(3.0)
    noisy = recorded.brake_onset_s(_speed_log([15.0] * 30 + [15 - 3 * 0.1 * k for k in range(1, 20)], noise_m=0.002))
    assert noisy is not None and 2.9 - 1e-9 <= noisy <= 3.1 + 1e-9
    assert recorded.brake_onset_s(_speed_log([20.0 - k for k in range(10)])) == 0.0  # braking when the log begins
    assert recorded.brake_onset_s(_speed_log([15.0] * 10 + [14.8] * 10)) is None  # 0.2 m/s: not braking
    assert recorded.brake_onset_s(_speed_log([5.0 + k for k in range(10)])) is None  # speeding up


def test_an_actor_moves_from_the_start_of_its_first_interval_faster_than_walking_onset() -> None:
    assert recorded.moving_s(_speed_log([0.0] * 12 + [0.7, 1.4, 1.4])) == pytest.approx(1.2)
    assert recorded.moving_s(_speed_log([1.4] * 5)) == 0.0
    assert recorded.moving_s(_speed_log([0.2] * 20)) is None


def test_a_logged_ego_drives_as_logged_until_perception_then_keeps_that_speed_until_it_brakes() -> None:
    logged = tuple((0.1 * k, 10.0 + sum(15.0 - 0.5 * i for i in range(k)) * 0.1) for k in range(60))
    t = np.arange(0, 6.0, 1 / 240)
    plan = EgoPlan(kind="brake", cmd_s=2.15, decel_mps2=7.59, jerk_mps3=12.65, perceived_s=1.0)
    dist, speed, _ = ego_motion(plan, t, 15.0, logged)
    log_dist, log_speed, _ = ego_motion(CRUISE, t, 15.0, logged)
    before, holding = t < 1.0, (t >= 1.0) & (t < 2.15)
    assert np.array_equal(dist[before], log_dist[before]) and np.array_equal(speed[before], log_speed[before])
    assert np.all(speed[holding] == speed[holding][0]) and speed[holding][0] == pytest.approx(15.0 - 0.5 * 10)
    assert np.all(np.diff(dist) >= -1e-12) and np.max(np.abs(np.diff(dist))) < 15.0 / 240 + 1e-9  # continuous
    assert speed[-1] == pytest.approx(0.0, abs=1e-9) and np.all(np.diff(speed[t >= 2.15]) <= 1e-12)
    swerve = EgoPlan(kind="swerve", cmd_s=1.15, lateral_m=1.5, lat_accel_mps2=7.59, perceived_s=0.0)
    _, kept, lateral = ego_motion(swerve, t, 15.0, logged)
    assert np.all(kept == 15.0) and lateral[-1] == pytest.approx(1.5)  # the speed at perception, kept throughout


def _log_of(scene: SceneSpec) -> RecordedLog:
    """A family's scene logged at 10 Hz: the ego cruising at its start speed, the actors as the scene moves them."""
    trace = simulate(scene, CRUISE)
    keep = slice(None, None, SAMPLE_EVERY)
    t = trace.t_s[keep]
    centre = trace.ego_point_m(EGO_CENTRE_AHEAD_M)[keep]
    tracks = [Track(actor_id="ego", kind="ego", length_m=4.6, width_m=1.9, t_s=t, x_m=centre[:, 0],
                    y_m=centre[:, 1], yaw_rad=trace.ego_yaw_rad[keep])]
    for actor_id, track in trace.actors.items():
        kind = track.actor.kind if track.actor.kind in ("vehicle", "pedestrian", "cyclist") else "vehicle"
        tracks.append(Track(actor_id=actor_id, kind=kind, length_m=track.size_m[0], width_m=track.size_m[1], t_s=t,
                            x_m=track.xy_m[keep, 0], y_m=track.xy_m[keep, 1], yaw_rad=track.yaw_rad[keep]))
    for o in scene.obstacles:
        n = len(t)
        tracks.append(Track(actor_id=o.obstacle_id, kind="static", length_m=o.length_m, width_m=o.width_m, t_s=t,
                            x_m=np.full(n, o.x_m), y_m=np.full(n, o.y_m), yaw_rad=np.full(n, o.yaw_rad)))
    lanes = tuple(RecordedLane(lane_id=lane.lane_id, centreline=lane.centreline, width_m=lane.width_m,
                               speed_limit_mps=lane.speed_limit_mps) for lane in scene.road.lanes)
    return RecordedLog(real_run_id="r", content_hash="0" * 32, tracks=tuple(tracks), lanes=lanes)


CASES = [  # (family, params, actor of interest): a nominal (preventable) and an edge (not) per rule
    ("lead_vehicle_braking", {}, "lead"),
    ("lead_vehicle_braking", {"ego_speed_mps": 20.0, "gap_m": 4.0, "lead_decel_mps2": 10.0, "brake_time_s": 0.0},
     "lead"),
    ("cut_in", {}, "cutter"),
    ("cut_in", {"ego_speed_mps": 25.0, "cutter_speed_mps": 20.0, "cut_in_gap_m": -3.0, "cut_duration_s": 1.0},
     "cutter"),
    ("pedestrian_crossing", {}, "pedestrian"),
    ("pedestrian_crossing", {"occluded": True, "trigger_distance_m": 20.0}, "pedestrian"),
    ("static_obstacle", {}, "obstacle"),
]


@pytest.mark.parametrize(("family_name", "params", "actor"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_a_familys_scenario_logged_and_judged_as_a_log_gets_the_familys_verdict(family_name: str, params: dict,
                                                                                actor: str) -> None:
    family = load_family(family_name)
    direct = assess(family, params)
    scene = log_replay.build(log=_log_of(family.build(params)), reactive=False, rule=family_name, actor=actor)
    as_log = assess(REPLAY, {"rule": family_name, "actor": actor}, scene)
    assert as_log.rule == f"recorded@1:{family_name}"
    assert as_log.preventable == direct.preventable, (direct, as_log)
    if direct.preventable:  # the avoiding manoeuvre; among colliding ones a tie in impact speed may pick either
        assert as_log.ref_policy == direct.ref_policy
    if direct.ref_perception_t_s is None:
        assert as_log.ref_perception_t_s is None
    else:  # perceived from the samples: at most one sample early, never late
        assert direct.ref_perception_t_s - 0.1 - 1e-9 <= as_log.ref_perception_t_s <= direct.ref_perception_t_s + 1e-9
    assert as_log.ref_impact_speed_mps == pytest.approx(direct.ref_impact_speed_mps, abs=0.5)
    assert as_log.ref_min_gap_m == pytest.approx(direct.ref_min_gap_m, abs=1.0)


def test_the_named_actor_must_be_in_the_log_and_fit_the_rule() -> None:
    log = _log_of(load_family("pedestrian_crossing").build({"occluded": True}))
    with pytest.raises(ValueError, match="no actor 'ghost' in the log"):
        log_replay.build(log=log, reactive=False, rule="pedestrian_crossing", actor="ghost")
    static = next(t.actor_id for t in log.others if t.kind == "static")
    with pytest.raises(ValueError, match=f"actor '{static}' is static"):
        log_replay.build(log=log, reactive=False, rule="cut_in", actor=static)
    with pytest.raises(ValueError, match="without a rule"):
        log_replay.build(log=log, reactive=False, rule="none", actor="pedestrian")
    with pytest.raises(ValueError, match="no preventability rule 'curve_following'"):
        log_replay.build(log=log, reactive=False, rule="curve_following", actor="pedestrian")
    scene = log_replay.build(log=log, reactive=False, rule="static_obstacle", actor=static)
    assert scene.actors_of_interest == (static,)  # min_distance_interest_m measures it
    with pytest.raises(InputError, match="needs the actor of interest"):
        assess(REPLAY, {"rule": "cut_in"}, scene)
