"""Control: pure pursuit + PID within the vehicle's limits; latency model statistics."""

from __future__ import annotations

import math

import numpy as np

from autonomy.geometry import arc, straight
from autonomy.reference import build_stack
from autonomy.types import Mission, VehicleLimits
from tests.autonomy.autonomy_synth import Box, World


def test_commands_respect_steer_rate_and_acceleration_limits_on_a_hairpin_with_a_hard_stop() -> None:
    limits = VehicleLimits(max_steer_rad=0.5, max_steer_rate_radps=0.6, max_accel_mps2=2.0, max_decel_mps2=7.0)
    # A 4.5 m hairpin is tighter than the car can turn (2.8 m / tan 0.5 = 5.1 m): full lock for a while.
    route = np.vstack([straight((0.0, 0.0), 0.0, 30.0), arc((30.0, 0.0), 0.0, 4.5, math.pi)[1:],
                       straight((30.0, 9.0), math.pi, 60.0)[1:]])
    mission = Mission(route_xy_m=route, lane_width_m=3.5, speed_limit_mps=15.0, target_speed_mps=12.0,
                      goal_s_m=100.0, initial_x_m=0.0, initial_y_m=0.5, initial_yaw_rad=0.2, initial_speed_mps=12.0)
    world = World(mission=mission, limits=limits, boxes=[Box(x_m=0.0, y_m=9.0)], seed=31)
    stack = build_stack({})
    stack.reset(mission, limits, seed=2)
    steer, accel = [], []
    for _ in range(250):
        out = stack.step(world.frame())
        steer.append(out.command.steer_rad)
        accel.append(out.command.accel_mps2)
        world.apply(out.command.accel_mps2, out.command.steer_rad)
    steer_a, accel_a = np.array(steer), np.array(accel)
    assert np.abs(steer_a).max() <= limits.max_steer_rad
    assert np.abs(steer_a).max() > 0.9 * limits.max_steer_rad  # the hairpin really demanded full lock
    assert np.abs(np.diff(steer_a)).max() <= limits.max_steer_rate_radps / 10.0 + 1e-12
    assert accel_a.min() >= -limits.max_decel_mps2 and accel_a.max() <= limits.max_accel_mps2
    assert world.y_m > 7.0 and world.x_m < 10.0  # came round the hairpin
    assert world.v_mps == 0.0  # and stopped behind the car parked on the way back


def test_converges_onto_the_centreline_after_an_initial_offset() -> None:
    mission = Mission(route_xy_m=straight((0.0, 0.0), 0.0, 400.0), lane_width_m=3.5, speed_limit_mps=15.0,
                      target_speed_mps=12.0, goal_s_m=390.0, initial_x_m=0.0, initial_y_m=1.0, initial_yaw_rad=0.0,
                      initial_speed_mps=12.0)
    world = World(mission=mission, seed=32)
    stack = build_stack({})
    stack.reset(mission, world.limits, seed=2)
    lateral, believed = [], []
    for _ in range(200):
        out = stack.step(world.frame())
        world.apply(out.command.accel_mps2, out.command.steer_rad)
        lateral.append(world.y_m)
        believed.append(out.estimate_y_m)
    # Each fix nudges the belief; the truth is as good as localization with 0.5 m GNSS allows.
    assert np.percentile(np.abs(believed[100:]), 95) < 0.25
    assert np.percentile(np.abs(lateral[100:]), 95) < 0.4
    assert abs(world.v_mps - 12.0) < 0.3
