"""Simulator cost: bare pybullet stepping, dynamic and kinematic worlds, with and without sensors.

Run from the repository root: ``PYTHONPATH=. python benchmarks/bench_physics.py [--repeats N]``.
The scene is 20 s on a straight road with six boxes (four moving actors, two
parked cars); the ego holds 12 m/s with a P controller at the stack rate (10 Hz).
Each figure is the best of ``--repeats`` runs on one reused ``SimSession`` (dynamic and
kinematic runs interleaved, so both see the same background load; the best run is
the one least disturbed by other processes on the machine).
"""

from __future__ import annotations

import argparse
import functools
import time
from collections.abc import Callable

from autonomy.geometry import straight
from autonomy.types import ControlCommand
from farm.sim.bodies import step_physics
from farm.sim.determinism import streams
from farm.sim.sensors import Sensors
from farm.sim.world import SimSession, World
from farm.spec import SimSettings
from scenario_library.scene import (
    Actor,
    EgoStart,
    IdmFollow,
    Lane,
    Road,
    SceneSpec,
    ScriptedSpeed,
    SpeedPhase,
    StaticObstacle,
    Trigger,
    WaypointFollow,
)

DURATION_S = 20.0
SIM = SimSettings(physics_hz=240, stack_hz=10)


def _path(y_m: float, heading_rad: float = 0.0, x_m: float = 0.0) -> tuple[tuple[float, float], ...]:
    return tuple((float(x), float(y)) for x, y in straight((x_m, y_m), heading_rad, 600.0, step_m=50.0))


def bench_scene() -> SceneSpec:
    """Ego lane y = 0; neighbours on y = 3.5 (same way) and y = -3.5 (oncoming); a walker; two parked cars."""
    actors = (
        Actor(actor_id="lead_left", kind="vehicle", path=_path(3.5), start_s_m=40.0,
              behaviour=ScriptedSpeed(initial_speed_mps=14.0, phases=(
                  SpeedPhase(t_s=6.0, accel_mps2=-3.0, target_speed_mps=6.0),
                  SpeedPhase(t_s=12.0, accel_mps2=2.0, target_speed_mps=14.0)))),
        Actor(actor_id="follow_left", kind="vehicle", path=_path(3.5), start_s_m=10.0,
              behaviour=IdmFollow(leader="lead_left", initial_speed_mps=14.0, desired_speed_mps=16.0)),
        Actor(actor_id="oncoming", kind="vehicle", path=_path(-3.5, 3.14159265, 400.0),
              behaviour=WaypointFollow(speed_mps=13.0)),
        Actor(actor_id="walker", kind="pedestrian", path=((150.0, 12.0), (150.0, 6.0)),
              behaviour=WaypointFollow(speed_mps=1.2), trigger=Trigger(t_s=None, ego_within_m=60.0)),
    )
    obstacles = (StaticObstacle(obstacle_id="parked_1", x_m=90.0, y_m=6.5),
                 StaticObstacle(obstacle_id="parked_2", x_m=180.0, y_m=-6.5))
    lane = Lane(lane_id="ego", centreline=_path(0.0))
    return SceneSpec(name="bench", duration_s=DURATION_S, road=Road(kind="straight", lanes=(lane,)),
                     ego=EgoStart(lane_id="ego", initial_speed_mps=12.0), actors=actors, obstacles=obstacles)


def rollout(session: SimSession, fidelity: str, *, sensors: bool, truth: bool) -> float:
    """Wall seconds for one 20 s closed loop (world build included)."""
    started = time.perf_counter()
    spec = bench_scene()
    rng = streams(1)
    world = World(spec, fidelity=fidelity, sim=SIM, session=session, actors_rng=rng.actors)
    sense = Sensors(spec.sensors, rng)
    steps_per_tick = SIM.physics_hz // SIM.stack_hz
    for _ in range(round(DURATION_S * SIM.stack_hz)):
        if sensors:
            sense.sense(world)
        if truth:  # what the rollout recorder samples per tick
            world.contacts(), world.nearest_gap(), world.bodies()
        speed = world.ego_state().speed_mps
        world.apply(ControlCommand(accel_mps2=0.8 * (12.0 - speed), steer_rad=0.0))
        world.step(steps_per_tick)
    world.close()
    return time.perf_counter() - started


def bare_steps_per_s(session: SimSession, n_steps: int = 4800) -> float:
    """``stepSimulation`` alone on the dynamic world of the same scene (no actor logic, no sensors)."""
    world = World(bench_scene(), fidelity="dynamic", sim=SIM, session=session, actors_rng=streams(1).actors)
    started = time.perf_counter()
    step_physics(session.client_id, n_steps)
    elapsed = time.perf_counter() - started
    world.close()
    return n_steps / elapsed


def best_pair(repeats: int, first: Callable[[], float], second: Callable[[], float]) -> tuple[float, float]:
    """Best wall time of each of two runs, interleaved ``repeats`` times."""
    times = [(first(), second()) for _ in range(repeats)]
    return min(t[0] for t in times), min(t[1] for t in times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with SimSession() as session:
        bare = max(bare_steps_per_s(session) for _ in range(args.repeats))
        print(f"bare pybullet stepSimulation, dynamic ego world + 6 boxes: {bare:,.0f} steps/s "
              f"({bare / SIM.physics_hz:.0f}x real time at {SIM.physics_hz} Hz)")
        print(f"\n20 s rollout, {SIM.physics_hz} Hz physics, {SIM.stack_hz} Hz ticks, best of {args.repeats}:")
        print(f"{'':34}{'dynamic':>18}{'kinematic':>18}{'speed-up':>10}")
        for label, sensors, truth in (("world.step only", False, False),
                                      ("+ sensors (lidar 360, odo, GNSS)", True, False),
                                      ("+ sensors + truth queries", True, True)):
            dyn, kin = best_pair(args.repeats,
                                 functools.partial(rollout, session, "dynamic", sensors=sensors, truth=truth),
                                 functools.partial(rollout, session, "kinematic", sensors=sensors, truth=truth))
            print(f"{label:34}{dyn:8.3f} s ({DURATION_S / dyn:4.0f}x RT){kin:8.3f} s ({DURATION_S / kin:4.0f}x RT)"
                  f"{dyn / kin:9.1f}x")


if __name__ == "__main__":
    main()
