"""Metrics from ground-truth traces, checked against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from farm.metrics import compute_metrics, evaluate, metric_events
from farm.metrics.trace import Trace
from farm.result import Event
from scenario_library.family import Criterion

DT_S = 0.1


def _trace(speed_mps: np.ndarray, *, body_xy: tuple[float, float] | None = None, body_v_mps: float = 0.0,
           body_yaw_rad: float = 0.0, contacts_at: int | None = None, limit_mps: float = 20.0,
           goal_s_m: float = 1e9, events: tuple[Event, ...] = (), interest: bool = False) -> Trace:
    """Ego driving along +x from x=0 with the given speed profile; one optional 4.5 x 1.85 m body moving along +x.

    With ``interest``, the body is the family's actor of interest and its gap is 10 m less one metre per tick.
    """
    n = len(speed_mps)
    x = np.concatenate([[0.0], np.cumsum(speed_mps[:-1] * DT_S)])
    m = 0 if body_xy is None else 1
    body = np.zeros((n, m, 2))
    if body_xy is not None:
        body[:, 0, 0] = body_xy[0] + body_v_mps * DT_S * np.arange(n)
        body[:, 0, 1] = body_xy[1]
    vel = np.zeros((n, m, 2))
    vel[:, :, 0] = body_v_mps
    contacts = tuple(("lead",) if contacts_at is not None and i >= contacts_at else () for i in range(n))
    return Trace(
        dt_s=DT_S, t_s=DT_S * np.arange(1, n + 1), ego_x_m=x, ego_y_m=np.zeros(n), ego_yaw_rad=np.zeros(n),
        ego_speed_mps=np.asarray(speed_mps, float), ego_lat_accel_mps2=np.zeros(n), route_s_m=x, start_s_m=0.0,
        goal_s_m=goal_s_m, speed_limit_mps=limit_mps, ego_length_m=4.5, ego_width_m=1.85,
        ego_rear_overhang_m=0.85, body_ids=("lead",) * m, body_kinds=("vehicle",) * m, body_xy_m=body,
        body_yaw_rad=np.full((n, m), body_yaw_rad), body_vxy_mps=vel, body_length_m=np.full(m, 4.5),
        body_width_m=np.full(m, 1.85), contacts=contacts, gap_m=np.full(n, 10.0), offroad=np.zeros(n, bool),
        cmd_accel_mps2=np.zeros(n), cmd_steer_rad=np.zeros(n), stack_events=events,
        interest_ids=("lead",) if interest else (), gap_interest_m=10.0 - np.arange(n) if interest else np.zeros(0),
    )


def test_ttc_to_a_stopped_car_40m_ahead_at_20mps() -> None:
    # gap = 40 - front overhang (4.5 - 0.85) - half lead length 2.25 = 34.1 m; TTC = 34.1 / 20
    m = compute_metrics(_trace(np.full(5, 20.0), body_xy=(40.0, 0.0)))
    assert m.min_ttc_s == pytest.approx((40.0 - 3.65 - 2.25 - 4 * 2.0) / 20.0, abs=1e-9)


def test_no_ttc_for_a_car_in_the_next_lane_or_one_pulling_away() -> None:
    assert math.isinf(compute_metrics(_trace(np.full(5, 20.0), body_xy=(40.0, 3.5))).min_ttc_s)
    assert math.isinf(compute_metrics(_trace(np.full(5, 20.0), body_xy=(40.0, 0.0), body_v_mps=25.0)).min_ttc_s)


def test_ttc_sees_a_car_crossing_at_90_degrees_by_its_rotated_footprint() -> None:
    """A 4.5 x 1.85 m car crossing the ego's path at 90 deg, centred 20 m ahead and 2.5 m to the left.

    Rotated, it spans its width (1.85/2) along the ego's heading and its length (4.5/2) across it:
    its near end is 2.5 - 2.25 = 0.25 m left of the ego's centreline, inside the corridor
    (0.925 + 2.25 + 0.3 m), and its near side is 20 - 0.925 - 3.65 (front overhang) = 15.425 m
    from the bumper: TTC = 15.425 / 10 m/s. Seen unrotated (as before) it was 2.15 m wide
    across, so outside the corridor, and never a threat.
    """
    m = compute_metrics(_trace(np.full(1, 10.0), body_xy=(20.0, 2.5), body_yaw_rad=math.pi / 2))
    assert m.min_ttc_s == pytest.approx((20.0 - 0.925 - 3.65) / 10.0, abs=1e-9)
    aligned = compute_metrics(_trace(np.full(1, 10.0), body_xy=(20.0, 2.5)))
    assert math.isinf(aligned.min_ttc_s)  # the same car driving along the ego's heading is beside its corridor


def test_min_distance_to_the_actors_of_interest_beside_the_minimum_to_any_body() -> None:
    m = compute_metrics(_trace(np.full(5, 10.0), body_xy=(40.0, 0.0), interest=True))
    assert (m.min_distance_m, m.min_distance_interest_m) == (10.0, 6.0)
    assert compute_metrics(_trace(np.full(5, 10.0), body_xy=(40.0, 0.0))).min_distance_interest_m is None


def test_deceleration_and_jerk_from_a_5mps2_brake_are_savitzky_golay_derivatives() -> None:
    """A 5 m/s^2 brake held for 2 s, at 10 Hz.

    The 5-tick quadratic Savitzky-Golay derivative at an interior tick is
    sum(k * y[i+k], k = -2..2) / (10 dt). On the speed it gives the accel ramp
    0, -1, -2.5, -4, -5 m/s^2 across the brake onset (and exactly -5 while braking);
    applied again on that ramp its peak is (1 - 4 - 10) / 1.0 = -13 m/s^3. A raw
    one-tick difference would read 50 m/s^3.
    """
    speed = np.concatenate([np.full(10, 20.0), 20.0 - 0.5 * np.arange(1, 21), np.full(10, 10.0)])
    m = compute_metrics(_trace(speed))
    assert m.max_decel_mps2 == pytest.approx(5.0, abs=1e-9)
    assert m.max_jerk_mps3 == pytest.approx(13.0, abs=1e-9)


def test_comfort_metrics_ignore_the_ticks_from_first_contact_on() -> None:
    # cruising at 10 m/s, then the impact stops the ego within a tick: no braking happened before it
    speed = np.concatenate([np.full(20, 10.0), np.zeros(5)])
    m = compute_metrics(_trace(speed, body_xy=(30.0, 0.0), contacts_at=20))
    assert (m.max_decel_mps2, m.max_jerk_mps3, m.max_lat_accel_mps2) == pytest.approx((0.0, 0.0, 0.0), abs=1e-9)


def test_route_completion_and_time_to_goal() -> None:
    # 1 m per 0.1 s tick: x = 25 m at tick index 25, stamped t = 2.6 s
    m = compute_metrics(_trace(np.full(50, 10.0), goal_s_m=25.0))
    assert m.route_completion == 1.0 and m.time_to_goal_s == pytest.approx(2.6, abs=1e-9)
    part = compute_metrics(_trace(np.full(11, 10.0), goal_s_m=200.0))
    assert part.route_completion == pytest.approx(10.0 / 200.0) and part.time_to_goal_s is None


def test_speed_violation_needs_more_than_one_second_over_the_tolerance() -> None:
    brief = np.concatenate([np.full(5, 22.0), np.full(20, 19.0)])
    sustained = np.concatenate([np.full(15, 22.0), np.full(20, 19.0)])
    assert not compute_metrics(_trace(brief)).speed_violation
    assert compute_metrics(_trace(sustained)).speed_violation


def test_collision_speed_is_the_ego_speed_at_first_contact_and_is_an_event() -> None:
    speed = np.linspace(10.0, 5.0, 20)
    trace = _trace(speed, body_xy=(30.0, 0.0), contacts_at=12)
    m = compute_metrics(trace)
    assert m.collision and m.collision_speed_mps == pytest.approx(speed[12])
    kinds = [e.kind for e in metric_events(trace)]
    assert kinds.count("collision") == 1


def test_safety_triggers_and_fallbacks_count_stack_events() -> None:
    events = (Event(t_s=1.0, kind="aeb"), Event(t_s=2.0, kind="deadline_miss"), Event(t_s=3.0, kind="fallback"),
              Event(t_s=3.5, kind="speed_envelope"))
    m = compute_metrics(_trace(np.full(5, 5.0), events=events))
    assert (m.safety_triggers, m.fallbacks) == (2, 1)


def test_criteria_give_readable_reasons_in_order() -> None:
    m = compute_metrics(_trace(np.full(5, 20.0), body_xy=(40.0, 0.0), contacts_at=3))
    criteria = (Criterion(metric="collision", op="==", value=False, text="collision == false"),
                Criterion(metric="min_ttc_s", op=">=", value=1.5, text="min_ttc_s >= 1.5"),
                Criterion(metric="route_completion", op=">=", value=0.0, text="route_completion >= 0"))
    reasons = evaluate(m, criteria)
    assert reasons[0] == "collision = true, needs == false"
    assert reasons[1].startswith("min_ttc_s = 1.") and reasons[1].endswith("needs >= 1.5")
    assert len(reasons) == 2
