"""Safety monitor: AEB on TTC (rising edge), speed envelope, geofence, deadline watchdog and fallback."""

from __future__ import annotations

import math

import numpy as np

from autonomy.config import SafetyConfig
from autonomy.reference import ReferenceStack, build_stack
from autonomy.safety import ReferenceSafetyMonitor, SafetyInput
from autonomy.tracking import TrackingOutput
from autonomy.types import COMPUTE_MODULES, ComputeLatency, ControlCommand, EgoEstimate, Mission, VehicleLimits
from tests.autonomy.autonomy_synth import QUIET, Box, World, drive, straight_mission


def _events(outputs: list, kind: str) -> list:
    return [(o.t_s, e) for o in outputs for e in o.events if e.kind == kind]


def _lead(x_m: float, vx_mps: float) -> TrackingOutput:
    return TrackingOutput(track_id=np.array([4]), centre_xy_m=np.array([[x_m, 0.0]]),
                          velocity_mps=np.array([[vx_mps, 0.0]]), velocity_std_mps=np.array([0.1]),
                          size_m=np.array([[1.85, 0.3]]), heading_rad=np.array([math.pi / 2]),
                          age_ticks=np.array([20]), misses=np.array([0]))


def test_aeb_brakes_fully_when_ttc_drops_below_threshold_and_reports_once() -> None:
    limits = VehicleLimits()
    monitor = ReferenceSafetyMonitor(SafetyConfig(aeb_ttc_s=1.5), straight_mission(speed_mps=15.0), limits)
    est = EgoEstimate(x_m=0.0, y_m=0.0, yaw_rad=0.0, speed_mps=15.0)
    nominal = ControlCommand(accel_mps2=0.5, steer_rad=0.0)
    # Front bumper at 3.65 m; the lead's face (0.3 m deep) 30, 20, 10, 5 m ahead, closing at 10 m/s: TTC 3, 2, 1, 0.5 s.
    outs = [monitor.step(SafetyInput(estimate=est, tracks=_lead(3.65 + gap + 0.15, 5.0), command=nominal,
                                     route_offset_m=0.0, plan_stopped=False, latency=QUIET))
            for gap in (30.0, 20.0, 10.0, 5.0)]
    assert [o.mode for o in outs] == ["nominal", "nominal", "aeb", "aeb"]
    assert [o.command.accel_mps2 for o in outs[2:]] == [-limits.max_decel_mps2] * 2
    assert [e.kind for o in outs for e in o.events] == ["aeb"]
    assert math.isclose(outs[2].min_ttc_s, 1.0, abs_tol=1e-9)


def test_aeb_fires_in_closed_loop_for_an_obstacle_seen_late_and_only_once() -> None:
    # A 20 m lidar sees the stopped car only ~1.2 s before impact at 15 m/s.
    world = World(mission=straight_mission(speed_mps=15.0), boxes=[Box(x_m=45.0, y_m=0.0)], max_range_m=20.0, seed=9)
    outputs = drive(_stack(world.mission, world.limits), world, 60)
    aeb = _events(outputs, "aeb")
    assert len(aeb) == 1
    first = next(k for k, o in enumerate(outputs) if o.mode == "aeb")
    assert outputs[first].command.accel_mps2 == -world.limits.max_decel_mps2
    assert world.v_mps < 0.05


def test_no_aeb_for_parked_cars_beside_the_lane() -> None:
    boxes = [Box(x_m=30.0 + 12.0 * k, y_m=-3.3 if k % 2 else 3.3) for k in range(8)]
    world = World(mission=straight_mission(speed_mps=12.0), boxes=boxes, seed=10)
    outputs = drive(_stack(world.mission, world.limits), world, 150)
    assert _events(outputs, "aeb") == []
    assert world.x_m > 150.0


def test_speed_envelope_caps_acceleration_and_reports_once() -> None:
    mission = straight_mission(speed_mps=10.0, initial_speed_mps=14.0)
    world = World(mission=mission, seed=11)
    outputs = drive(_stack(mission, world.limits), world, 40)
    events = _events(outputs, "speed_envelope")
    assert len(events) == 1 and events[0][0] == 0.0
    over = [o for o in outputs if o.estimate_speed_mps > 11.0]
    assert over and all(o.command.accel_mps2 <= -1.0 for o in over)
    assert world.v_mps < 11.0


def test_geofence_triggers_the_fallback_far_off_the_route() -> None:
    base = straight_mission(speed_mps=10.0)
    mission = Mission(**{**{f: getattr(base, f) for f in base.__dataclass_fields__}, "initial_y_m": 8.0})
    world = World(mission=mission, seed=12)
    outputs = drive(_stack(mission, world.limits), world, 5)
    assert [e.kind for e in outputs[0].events] == ["geofence", "fallback"]
    assert all(o.mode == "fallback" for o in outputs)


def test_watchdog_misses_then_falls_back_to_a_comfortable_stop() -> None:
    config = {"safety": {"fallback_after_misses": 3}}
    slow = list(QUIET.latency_s)
    slow[COMPUTE_MODULES.index("perception")] = 0.2
    deadlines = list(QUIET.deadline_s)
    deadlines[COMPUTE_MODULES.index("perception")] = 0.04
    world = World(mission=straight_mission(speed_mps=10.0), seed=13,
                  compute=ComputeLatency(latency_s=tuple(slow), deadline_s=tuple(deadlines)))
    stack = _stack(world.mission, world.limits, config)
    outputs = drive(stack, world, 60)
    misses = _events(outputs, "deadline_miss")
    assert misses[0][0] == 0.0 and misses[0][1].detail.startswith("perception ")
    assert misses[0][1].detail.endswith(" > 40.0")
    assert float(misses[0][1].detail.split()[1]) > 40.0
    assert len(misses) == 1  # a sustained miss is one event, not one per tick
    fallback = _events(outputs, "fallback")
    assert len(fallback) == 1 and math.isclose(fallback[0][0], 0.2)
    assert [o.mode for o in outputs[:2]] == ["nominal", "nominal"]
    moving = [o for o in outputs[2:] if o.estimate_speed_mps > 0.5]
    assert moving and all(o.command.accel_mps2 <= -4.0 for o in moving)
    assert world.v_mps == 0.0 and outputs[-1].mode == "fallback"


def test_quiet_latencies_never_miss_a_deadline_in_200_ticks() -> None:
    world = World(mission=straight_mission(speed_mps=10.0), seed=14)
    outputs = drive(_stack(world.mission, world.limits), world, 200)
    assert _events(outputs, "deadline_miss") == []
    assert all(o.mode == "nominal" for o in outputs)


def _stack(mission: Mission, limits: VehicleLimits, config: dict | None = None) -> ReferenceStack:
    stack = build_stack(config or {})
    stack.reset(mission, limits, seed=5)
    return stack
