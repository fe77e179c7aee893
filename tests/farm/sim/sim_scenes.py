"""Scene builders shared by the simulator tests (plain functions, no fixtures)."""

from __future__ import annotations

import numpy as np

from autonomy.geometry import straight
from autonomy.types import ControlCommand
from farm.sim.determinism import streams
from farm.sim.world import SimSession, World
from farm.spec import SimSettings
from scenario_library.scene import Actor, EgoStart, Lane, Road, SceneSpec, SensorConditions, StaticObstacle

PHYSICS_HZ = 240
DEFAULT_CONDITIONS = SensorConditions()
COAST = ControlCommand(accel_mps2=0.0, steer_rad=0.0)


def polyline(points: np.ndarray) -> tuple[tuple[float, float], ...]:
    """Points as the hashable tuple form ``SceneSpec`` uses."""
    return tuple((float(x), float(y)) for x, y in points)


LANE_PATH = polyline(straight((0.0, 0.0), 0.0, 600.0, step_m=100.0))


def straight_lane(length_m: float = 600.0, lane_id: str = "ego_lane") -> Lane:
    """An eastbound lane from the origin."""
    return Lane(lane_id=lane_id, centreline=polyline(straight((0.0, 0.0), 0.0, length_m, step_m=50.0)))


def scene(*, speed_mps: float = 0.0, mu: float = 0.9, actors: tuple[Actor, ...] = (),
          obstacles: tuple[StaticObstacle, ...] = (), lane: Lane | None = None,
          sensors: SensorConditions = DEFAULT_CONDITIONS, start_s_m: float = 0.0) -> SceneSpec:
    """A one-lane scene with the ego at ``start_s_m`` of the lane."""
    lane = lane or straight_lane()
    return SceneSpec(name="test", duration_s=20.0, road=Road(kind="straight", lanes=(lane,)),
                     ego=EgoStart(lane_id=lane.lane_id, start_s_m=start_s_m, initial_speed_mps=speed_mps),
                     actors=actors, obstacles=obstacles, friction_mu=mu, sensors=sensors)


def world(spec: SceneSpec, fidelity: str, session: SimSession, seed: int = 0) -> World:
    """A world at 240 Hz."""
    return World(spec, fidelity=fidelity, sim=SimSettings(physics_hz=PHYSICS_HZ), session=session,
                 actors_rng=streams(seed).actors)
