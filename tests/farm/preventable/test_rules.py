"""Each rule against hand-computed cases (one preventable, one not), worked in the docstrings.

Shared numbers: the R157 driver waits 0.4 s + 0.75 s = 1.15 s, then ramps its
deceleration at 12.654 m/s^3 to a = 0.774 g = 7.593 m/s^2 in t_j = 0.6 s, shedding
a t_j / 2 = 2.278 m/s over v t_j - a t_j^2 / 6 = 0.6 v - 0.456 m. The ego's front
bumper is 3.65 m ahead of its rear axle (its reference point), the lidar 1.5 m.
Replays run at the physics rate (1/240 s), hence tolerances of a few centimetres.
"""

from __future__ import annotations

from typing import Any

import pytest

from farm.preventable import Preventability, assess
from scenario_library.catalog import load_family


def run(family: str, **params: Any) -> Preventability:
    return assess(load_family(family), params)


def test_lead_braking_nominal_is_preventable_with_a_29_9_m_gap() -> None:
    """15 m/s, 35 m gap, the lead brakes at 3 m/s^2 from t = 3 s; perception at 3 s.

    The gap shrinks until the speeds match. Lead: 15 - 3 tau. Ego: 15 until
    1.15 s, 12.722 at 1.75 s, then 12.722 - 7.593 (tau - 1.75): equal at
    tau = 2.397 s (7.81 m/s). Lead covers 15 * 2.397 - 1.5 * 2.397^2 = 27.34 m;
    ego 17.25 + 8.544 + (12.722 * 0.647 - 3.797 * 0.647^2) = 32.44 m: 5.10 m lost,
    least gap 35 - 5.10 = 29.90 m, no contact.
    """
    r = run("lead_vehicle_braking")
    assert (r.preventable, r.ref_impact_speed_mps, r.ref_perception_t_s) == (True, 0.0, 3.0)
    assert r.ref_min_gap_m == pytest.approx(29.90, abs=0.02)


def test_lead_crash_stop_at_4_m_is_unpreventable_at_20_mps() -> None:
    """20 m/s, 4 m, the lead brakes at 10 m/s^2 at t = 0: the gap closes as 5 tau^2,
    gone at tau = 0.894 s, before the reference brakes (1.15 s): impact at 20 m/s.
    """
    r = run("lead_vehicle_braking", ego_speed_mps=20.0, gap_m=4.0, lead_decel_mps2=10.0, brake_time_s=0.0)
    assert (r.preventable, r.ref_impact_speed_mps, r.ref_min_gap_m) == (False, 20.0, 0.0)


def test_sensor_degradation_in_clear_air_is_the_lead_braking_case() -> None:
    """12 m/s, lead 2 s (24 m) ahead braking at 3 m/s^2 from 3 s (family v2), lidar 60 m: in range
    from the start, so perception at the onset; the relative motion is that of the
    lead case above (5.10 m lost): least gap 24 - 5.10 = 18.90 m.
    """
    r = run("sensor_degradation")
    assert (r.preventable, r.ref_perception_t_s) == (True, 3.0)
    assert r.ref_min_gap_m == pytest.approx(18.90, abs=0.02)


def test_sensor_degradation_in_8_m_fog_is_unpreventable() -> None:
    """20 m/s, lead 40 m ahead braking at 3 m/s^2 from 3 s (family v2), lidar 8 m. The mount is
    2.15 m behind the bumper, so the lead is seen at a 5.85 m gap: 40 - 1.5 tau^2 =
    5.85 at tau = 4.77 s (t = 7.77 s), closing at 14.3 m/s: contact within 0.41 s,
    before the 1.15 s delay ends: impact at 20 m/s.
    """
    r = run("sensor_degradation", ego_speed_mps=20.0, lidar_max_range_m=8.0)
    assert r.ref_perception_t_s == pytest.approx(7.77, abs=0.01)
    assert (r.preventable, r.ref_impact_speed_mps) == (False, 20.0)


def test_low_friction_wet_road_stops_61_2_m_short() -> None:
    """mu 0.5: a = min(4.905, 7.593) = 4.905 m/s^2, t_j = 0.388 s. 14 m/s: 16.1 m
    delay, ramp 14 * 0.388 - 4.905 * 0.388^2 / 6 = 5.304 m to 13.049 m/s, then
    13.049^2 / 9.81 = 17.358 m: 38.76 m of 100 m, gap 61.24 m.
    """
    r = run("low_friction_braking")
    assert r.preventable is True
    assert r.ref_min_gap_m == pytest.approx(61.24, abs=0.01)


def test_low_friction_ice_hits_at_19_2_mps() -> None:
    """mu 0.1, 20 m/s, 40 m: a = 0.981 m/s^2; 23 m of delay, ramp 0.078 s (1.55 m,
    19.962 m/s), then v^2 = 19.962^2 - 2 * 0.981 * 15.45: impact at 19.19 m/s.
    """
    r = run("low_friction_braking", mu=0.1, ego_speed_mps=20.0, obstacle_distance_m=40.0)
    assert r.preventable is False
    assert r.ref_impact_speed_mps == pytest.approx(19.19, abs=0.02)


def test_cut_in_of_an_18_mps_cutter_is_preventable_with_a_20_5_m_gap() -> None:
    """20 m/s, cutter 18 m/s (the v1 nominal), 25 m gap at 3 s, 3 s across 54 m. It has wandered
    0.375 m when 0.5 (1 - cos(pi u)) = 0.375 / 3.5, u = 0.212: t = 3.637 s, gap
    23.73 m (not alongside). Loss until the speeds match: 2 * 1.15 = 2.3 m, then
    2 t - 6.327 t^3 / 3 over the 0.562 s of ramp to 18 m/s: 0.749 m. Least gap
    25 - 1.274 - 3.049 = 20.68 m, less the cutter's lane-change arc (~0.14 m) and
    its yawed rear corner (~0.06 m): ~20.5 m.
    """
    r = run("cut_in", cutter_speed_mps=18.0)
    assert r.ref_perception_t_s == pytest.approx(3.637, abs=0.005)
    assert (r.preventable, r.ref_impact_speed_mps) == (True, 0.0)
    assert r.ref_min_gap_m == pytest.approx(20.5, abs=0.1)


def test_cut_in_alongside_is_unpreventable() -> None:
    """25 vs 20 m/s, the cutter's rear 3 m behind the ego's front at 3 s, 1 s across:
    it has wandered 0.375 m at 3.212 s, its rear then 4.06 m behind the ego's front
    and its front 0.44 m ahead of the ego's rear: alongside, unpreventable.
    """
    r = run("cut_in", ego_speed_mps=25.0, cutter_speed_mps=20.0, cut_in_gap_m=-3.0, cut_duration_s=1.0)
    assert r.preventable is False and r.ref_policy is not None and "alongside" in r.ref_policy


def test_cut_in_close_and_slow_is_unpreventable() -> None:
    """25 vs 10 m/s, 8 m ahead, 2 s across: perceived at 3.425 s with 1.6 m left,
    closing at 15 m/s; the cutter reaches the ego's side at 3.96 s, before braking
    would start (4.58 s): impact at 25 m/s.
    """
    r = run("cut_in", ego_speed_mps=25.0, cutter_speed_mps=10.0, cut_in_gap_m=8.0, cut_duration_s=2.0)
    assert r.ref_perception_t_s == pytest.approx(3.425, abs=0.005)
    assert (r.preventable, r.ref_impact_speed_mps) == (False, 25.0)


def test_pedestrian_in_plain_sight_is_preventable() -> None:
    """10 m/s, trigger 40 m: the rear axle is 40 m from (70, -2.6) at x = 30.085 (t = 2.01 s),
    braking from 3.16 s with the bumper at 45.25 m; it stops 9.47 m later at 54.72 m,
    15.03 m short of the walker's near side (69.75 m).
    """
    r = run("pedestrian_crossing")
    assert r.preventable is True
    assert r.ref_min_gap_m == pytest.approx(15.03, abs=0.05)


def test_child_behind_the_parked_car_is_unpreventable() -> None:
    """15 m/s, 2.5 m/s, trigger 12 m, occluded: steps off at 3.22 s (bumper at 61.9 m),
    seen 0.05 s later; braking could start at 4.42 s, but the child is at the ego's
    side of the lane after 1.425 / 2.5 = 0.57 s, when the bumper is at 70.5 m: hit at 15 m/s.
    """
    r = run("pedestrian_crossing", ego_speed_mps=15.0, ped_speed_mps=2.5, trigger_distance_m=12.0, occluded=True)
    assert r.ref_perception_t_s == pytest.approx(3.27, abs=0.01)
    assert (r.preventable, r.ref_impact_speed_mps) == (False, 15.0)


def test_intersection_car_far_ahead_is_preventable() -> None:
    """Gap -6 s, open corners (15 m): the car pulls out at t = 0, seen at once, and has
    crossed 2 s later while the ego's bumper is still ~42 m short: clear by > 40 m.
    """
    r = run("intersection_crossing", time_gap_s=-6.0, building_setback_m=15.0)
    assert (r.preventable, r.ref_perception_t_s) == (True, 0.0)
    assert r.ref_min_gap_m is not None and r.ref_min_gap_m > 40.0


def test_intersection_car_pulling_out_into_the_ego_side_is_unpreventable() -> None:
    """The family's edge: the car reaches the ego's lane within 0.85 s of pulling out,
    before braking starts (1.15 s) and faster than the ego clears it: hit at 15 m/s.
    """
    r = run("intersection_crossing", ego_speed_mps=15.0, cross_speed_mps=20.0, time_gap_s=0.2,
            building_setback_m=2.0)
    assert (r.preventable, r.ref_impact_speed_mps) == (False, 15.0)


def test_debris_50_m_ahead_at_25_mps_needs_the_swerve() -> None:
    """Braking: 28.75 + 14.54 m to 22.72 m/s, then v^2 = 22.72^2 - 2 * 7.593 * 6.71: hits
    at 20.36 m/s. Swerving 3.5 m left at 7.593 m/s^2: clears the debris (1.425 m off
    centre) 0.613 s after the delay, 5.9 m short; passing its near face (0.85 s)
    the ego is 2.52 m left: 2.52 - 0.925 - 0.5 = 1.095 m of clearance.
    """
    no_room = run("static_obstacle", ego_speed_mps=25.0, obstacle_distance_m=50.0, avoid_left_m=0.0)
    assert no_room.preventable is False
    assert no_room.ref_impact_speed_mps == pytest.approx(20.36, abs=0.03)
    room = run("static_obstacle", ego_speed_mps=25.0, obstacle_distance_m=50.0, avoid_left_m=3.5)
    assert (room.preventable, room.ref_policy) == (True, "swerve_left")
    assert room.ref_min_gap_m == pytest.approx(1.095, abs=0.05)


def test_narrow_passage_is_geometric() -> None:
    """2.6 m gap centred 0.5 m left: the ego can sit 0.5 m left (within its 0.825 m of
    lane room), clearing each row by (2.6 - 1.85) / 2 = 0.375 m > 0.2 m: preventable.
    2.2 m: 0.175 m < 0.2 m: not; 1.7 m: -0.075 m, contact.
    """
    assert run("narrow_passage", passage_width_m=2.6, passage_offset_m=0.5).ref_min_gap_m == pytest.approx(0.375)
    assert run("narrow_passage", passage_width_m=2.6, passage_offset_m=0.5).preventable is True
    assert run("narrow_passage", passage_width_m=2.2).preventable is False
    tight = run("narrow_passage", passage_width_m=1.7)
    assert (tight.preventable, tight.ref_impact_speed_mps) == (False, None)
    assert tight.ref_min_gap_m == pytest.approx(-0.075)


def test_curve_brakes_in_time_or_not() -> None:
    """r 60 m, 17 m/s, dry: limit sqrt(4 * 60) = 15.49 m/s; the 0.6 s ramp alone (9.74 m
    of the 20 m) brings it to 14.72 m/s: preventable. r 30 m, 25 m/s: limit 10.95 m/s;
    after 20 m (ramp 14.54 m to 22.72 m/s, then 5.46 m) still 20.8 m/s: not.
    """
    assert run("curve_following", radius_m=60.0, ego_speed_mps=17.0).preventable is True
    assert run("curve_following", radius_m=30.0, ego_speed_mps=25.0).preventable is False
    assert run("curve_following").ref_policy == "cruise"  # 14 m/s under the 21.9 m/s limit of r 120 m
