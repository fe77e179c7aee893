"""pybullet body helpers shared by the world, the ego models and the sensors.

Collision groups keep three things apart: the ground (touched only by the ego),
objects (actors and static obstacles, touched by the ego and seen by the lidar)
and the ego (never seen by its own lidar). A ray test in Bullet carries the
default filter group 1 and a mask; an object is hit when ``object.group & mask``
and ``1 & object.mask`` are both non-zero.
"""

from __future__ import annotations

import math

import pybullet as pb

RAY_GROUP = 1
GROUND_GROUP = 2
OBJECT_GROUP = 4
EGO_GROUP = 8
RAY_MASK = OBJECT_GROUP  # lidar rays hit objects only: never the ego, never the ground


def yaw_quaternion(yaw_rad: float) -> tuple[float, float, float, float]:
    """Quaternion (x, y, z, w) of a rotation by ``yaw_rad`` about +z."""
    half = 0.5 * yaw_rad
    return (0.0, 0.0, math.sin(half), math.cos(half))


def configure_physics(client: int, *, physics_hz: int) -> None:
    """Fixed-step, single-threaded, deterministic engine settings (set after every reset)."""
    pb.setGravity(0.0, 0.0, -9.81, physicsClientId=client)
    pb.setTimeStep(1.0 / physics_hz, physicsClientId=client)
    pb.setPhysicsEngineParameter(numSubSteps=0, numSolverIterations=50, deterministicOverlappingPairs=1,
                                 enableConeFriction=1, physicsClientId=client)


def create_ground(client: int, *, friction_mu: float) -> int:
    """An infinite plane at z = 0 with lateral friction ``friction_mu`` (Bullet multiplies the pair's values)."""
    shape = pb.createCollisionShape(pb.GEOM_PLANE, physicsClientId=client)
    body = pb.createMultiBody(0.0, shape, physicsClientId=client)
    pb.changeDynamics(body, -1, lateralFriction=friction_mu, rollingFriction=0.0, spinningFriction=0.0,
                      restitution=0.0, physicsClientId=client)
    pb.setCollisionFilterGroupMask(body, -1, GROUND_GROUP, EGO_GROUP, physicsClientId=client)
    return body


def create_object_box(client: int, *, length_m: float, width_m: float, height_m: float,
                      x_m: float, y_m: float, yaw_rad: float) -> int:
    """A mass-0 (kinematic) box standing on the ground, centred at (x, y); an actor or an obstacle."""
    shape = pb.createCollisionShape(pb.GEOM_BOX, halfExtents=[0.5 * length_m, 0.5 * width_m, 0.5 * height_m],
                                    physicsClientId=client)
    body = pb.createMultiBody(0.0, shape, basePosition=[x_m, y_m, 0.5 * height_m],
                              baseOrientation=yaw_quaternion(yaw_rad), physicsClientId=client)
    pb.setCollisionFilterGroupMask(body, -1, OBJECT_GROUP, EGO_GROUP | RAY_GROUP, physicsClientId=client)
    return body


def set_planar_pose(client: int, body: int, *, x_m: float, y_m: float, z_m: float, yaw_rad: float) -> None:
    """Teleport a body's base (its centre of mass frame) to a planar pose."""
    pb.resetBasePositionAndOrientation(body, [x_m, y_m, z_m], yaw_quaternion(yaw_rad), physicsClientId=client)


def min_distance_m(client: int, body_a: int, body_b: int, *, cap_m: float, link_a: int | None = None) -> float:
    """Smallest signed distance between two bodies (negative = penetration), ``inf`` beyond ``cap_m``."""
    if link_a is None:
        points = pb.getClosestPoints(body_a, body_b, cap_m, physicsClientId=client)
    else:
        points = pb.getClosestPoints(body_a, body_b, cap_m, linkIndexA=link_a, physicsClientId=client)
    return min((pt[8] for pt in points), default=math.inf)


def step_physics(client: int, n_steps: int) -> None:
    """Call ``stepSimulation`` ``n_steps`` times (bare engine cost, for benchmarks)."""
    for _ in range(n_steps):
        pb.stepSimulation(physicsClientId=client)

