"""The replay moves actors exactly as the simulator's ``ActorSet`` does (checked step by step)."""

from __future__ import annotations

import numpy as np
import pytest

from farm.preventable.replay import EgoPlan, simulate
from farm.sim.actors import ActorSet, Mover
from scenario_library.catalog import load_family

CASES = [("lead_vehicle_braking", {}), ("pedestrian_crossing", {"occluded": True}),
         ("intersection_crossing", {"time_gap_s": 0.2}), ("cut_in", {})]


@pytest.mark.parametrize(("family", "params"), CASES)
def test_actor_arc_lengths_match_the_simulator_exactly(family: str, params: dict) -> None:
    """Same ego positions in, same actor arc lengths out, at every physics step (exact equality)."""
    scene = load_family(family).build(params)
    trace = simulate(scene, EgoPlan())
    actors = ActorSet(scene.actors, np.random.default_rng(0))
    dt_s = float(trace.t_s[1])
    for k in range(len(trace.t_s) - 1):
        for i, state in enumerate(actors.states):
            assert state.s_m == trace.actors[state.actor.actor_id].s_m[k], (k, i)
        xy = (float(trace.ego_xy_m[k, 0]), float(trace.ego_xy_m[k, 1]))
        ego = Mover(x_m=xy[0], y_m=xy[1], yaw_rad=0.0, speed_mps=float(trace.ego_speed_mps[k]), length_m=4.5)
        actors.step(k, dt_s, ego, xy)
