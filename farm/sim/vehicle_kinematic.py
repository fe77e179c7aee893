"""The kinematic ego: a bicycle model integrated in Python at the physics rate, shown to pybullet as one box.

Grip is a friction circle of radius mu g shared by both directions, longitudinal
first: the accel command is clipped to the actuator limits and to mu g, and
the path curvature is then capped so that v^2 kappa stays within what grip is
left (the car understeers instead of exceeding mu g). A full brake therefore
leaves no lateral grip, as locked wheels do. The car never reverses.
The box is moved (``resetBasePositionAndOrientation``) only in ``sync``, i.e.
when a sensor or a contact query needs it; nothing here calls ``stepSimulation``.
"""

from __future__ import annotations

import math

import pybullet as pb

from autonomy.types import ControlCommand
from farm.sim.bodies import EGO_GROUP, GROUND_GROUP, OBJECT_GROUP, set_planar_pose, yaw_quaternion
from farm.sim.ego import GRAVITY_MPS2, EgoBody, Planar, rate_limited_steer


class KinematicVehicle:
    """Kinematic bicycle about the rear axle with friction-circle limits."""

    def __init__(self, client: int, body: EgoBody, *, x_m: float, y_m: float, yaw_rad: float,
                 speed_mps: float, friction_mu: float) -> None:
        self._client = client
        self._body = body
        self._grip_mps2 = friction_mu * GRAVITY_MPS2
        self._command = ControlCommand(accel_mps2=0.0, steer_rad=0.0)
        self.steer_rad = 0.0
        self._x_m, self._y_m, self._yaw_rad = x_m, y_m, yaw_rad
        self._speed_mps = max(speed_mps, 0.0)
        self._yaw_rate_radps = 0.0
        self._synced = False
        shape = pb.createCollisionShape(pb.GEOM_BOX, halfExtents=[0.5 * body.limits.length_m,
                                                                  0.5 * body.limits.width_m, 0.5 * body.height_m],
                                        physicsClientId=client)
        self.body_id = pb.createMultiBody(0.0, shape, basePosition=self._centre(), baseOrientation=yaw_quaternion(
            yaw_rad), physicsClientId=client)
        pb.setCollisionFilterGroupMask(self.body_id, -1, EGO_GROUP, GROUND_GROUP | OBJECT_GROUP,
                                       physicsClientId=client)

    def _centre(self) -> list[float]:
        ahead = self._body.centre_ahead_m
        return [self._x_m + ahead * math.cos(self._yaw_rad), self._y_m + ahead * math.sin(self._yaw_rad),
                0.5 * self._body.height_m]

    def apply(self, command: ControlCommand) -> None:
        """Make ``command`` the actuator target from now on."""
        self._command = command

    def _limited_accel(self) -> float:
        """The accel command within the actuator limits and mu g."""
        lim = self._body.limits
        return min(max(self._command.accel_mps2, -min(lim.max_decel_mps2, self._grip_mps2)),
                   min(lim.max_accel_mps2, self._grip_mps2))

    def advance(self, dt_s: float) -> None:
        """One step (see ``advance_steps``)."""
        self.advance_steps(1, dt_s)

    def advance_steps(self, n_steps: int, dt_s: float, trail: list[tuple[float, float, float, float]] | None = None
                      ) -> None:
        """``n_steps`` steps: rate-limited steering, friction-limited accel and curvature, midpoint integration.

        A tight loop over local variables; the same operations as ``n_steps`` single steps.
        ``trail``, if given, receives (x, y, yaw, speed) after every step.
        """
        lim, target_steer = self._body.limits, self._command.steer_rad
        grip2, wheelbase = self._grip_mps2**2, lim.wheelbase_m
        accel_cmd = self._limited_accel()
        steer, x, y, yaw, v0 = self.steer_rad, self._x_m, self._y_m, self._yaw_rad, self._speed_mps
        yaw_rate = self._yaw_rate_radps
        for _ in range(n_steps):
            if steer != target_steer:
                steer = rate_limited_steer(steer, target_steer, lim, dt_s)
            accel = 0.0 if v0 <= 0.0 and accel_cmd < 0.0 else accel_cmd  # a stopped car holds; it never reverses
            v1 = v0 + accel * dt_s
            if v1 >= 0.0:
                distance_m = 0.5 * (v0 + v1) * dt_s
            else:  # stops within the step
                distance_m, v1 = -0.5 * v0 * v0 / accel, 0.0
            kappa = math.tan(steer) / wheelbase
            v_top = max(v0, v1)
            if kappa != 0.0 and v_top > 0.0:
                # cap v^2 kappa at the lateral grip left over by the longitudinal accel
                kappa_max = math.sqrt(max(grip2 - accel * accel, 0.0)) / (v_top * v_top)
                kappa = min(max(kappa, -kappa_max), kappa_max)
            yaw_rate = v1 * kappa
            dyaw = distance_m * kappa
            heading = yaw + 0.5 * dyaw
            x += distance_m * math.cos(heading)
            y += distance_m * math.sin(heading)
            if dyaw != 0.0:
                yaw = (yaw + dyaw + math.pi) % (2.0 * math.pi) - math.pi
            v0 = v1
            if trail is not None:
                trail.append((x, y, yaw, v1))
        self.steer_rad, self._x_m, self._y_m, self._yaw_rad, self._speed_mps = steer, x, y, yaw, v0
        self._yaw_rate_radps = yaw_rate
        self._synced = False

    def planar(self) -> Planar:
        """Current rear-axle state."""
        v, yaw = self._speed_mps, self._yaw_rad
        return Planar(x_m=self._x_m, y_m=self._y_m, yaw_rad=yaw, vx_mps=v * math.cos(yaw), vy_mps=v * math.sin(yaw),
                      yaw_rate_radps=self._yaw_rate_radps, speed_mps=v)

    def sync(self) -> None:
        """Move the box to the current pose (only if it moved since the last sync)."""
        if not self._synced:
            x, y, z = self._centre()
            set_planar_pose(self._client, self.body_id, x_m=x, y_m=y, z_m=z, yaw_rad=self._yaw_rad)
            self._synced = True
