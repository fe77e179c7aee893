"""The dynamic ego: a pybullet multibody car with steered front wheels and motor-driven brakes.

Chassis box + four cylinder wheels (revolute joints); each front wheel hangs
from a steering link on a vertical revolute joint (Ackermann angles). Tyre
grip comes from the contact: wheels have friction 1.0 and Bullet multiplies it
by the ground's ``mu``. A positive accel command is a drive torque on all four
wheels; a negative one is a brake torque (a velocity motor aiming at zero wheel
speed, capped at the torque that would give that deceleration), so a full brake
locks the wheels and the car slides at ~mu g, as a car without ABS does.
"""

from __future__ import annotations

import math

import pybullet as pb

from autonomy.types import ControlCommand
from farm.sim.bodies import EGO_GROUP, GROUND_GROUP, OBJECT_GROUP, yaw_quaternion
from farm.sim.ego import GRAVITY_MPS2, EgoBody, Planar, rate_limited_steer

STEER_LINK_MASS_KG = 5.0
MAX_DRIVE_SPEED_MPS = 70.0
STEER_MOTOR_FORCE_NM = 20000.0
FULL_BRAKE_MARGIN = 2.0
_QUAT_X90 = pb.getQuaternionFromEuler([math.pi / 2.0, 0.0, 0.0])
# link order: steer FL, wheel FL, steer FR, wheel FR, wheel RL, wheel RR
STEER_JOINTS = (0, 2)
WHEEL_JOINTS = (1, 3, 4, 5)


class DynamicVehicle:
    """A full-size car simulated by Bullet; ``advance`` steps the client's whole world."""

    def __init__(self, client: int, body: EgoBody, *, x_m: float, y_m: float, yaw_rad: float,
                 speed_mps: float) -> None:
        self._client = client
        self._body = body
        self.steer_rad = 0.0
        self._steer_sent_rad: float | None = None
        self._command = ControlCommand(accel_mps2=0.0, steer_rad=0.0)
        wheel_inertia = 0.5 * body.wheel_mass_kg * body.wheel_radius_m**2
        self._effective_mass_kg = body.mass_kg + 4.0 * wheel_inertia / body.wheel_radius_m**2
        self.body_id = self._build(x_m, y_m, yaw_rad)
        self._tune(wheel_inertia)
        self._set_initial_speed(yaw_rad, speed_mps)
        self.apply(self._command)
        self._send_steer(0.0)

    def _build(self, x_m: float, y_m: float, yaw_rad: float) -> int:
        b, c = self._body, self._client
        chassis_h = b.height_m - b.clearance_m
        box_dz = b.clearance_m + 0.5 * chassis_h - b.com_height_m
        chassis = pb.createCollisionShape(pb.GEOM_BOX, halfExtents=[0.5 * b.limits.length_m, 0.5 * b.limits.width_m,
                                                                    0.5 * chassis_h],
                                          collisionFramePosition=[0.0, 0.0, box_dz], physicsClientId=c)
        wheel = pb.createCollisionShape(pb.GEOM_CYLINDER, radius=b.wheel_radius_m, height=b.wheel_width_m,
                                        collisionFrameOrientation=_QUAT_X90, physicsClientId=c)
        half_wb, half_tr = 0.5 * b.limits.wheelbase_m, 0.5 * b.track_m
        dz = b.wheel_radius_m - b.com_height_m  # wheel centres relative to the centre of mass
        front_l, front_r = [half_wb, half_tr, dz], [half_wb, -half_tr, dz]
        rear_l, rear_r = [-half_wb, half_tr, dz], [-half_wb, -half_tr, dz]
        n = 6
        com_x = x_m + b.centre_ahead_m * math.cos(yaw_rad)
        com_y = y_m + b.centre_ahead_m * math.sin(yaw_rad)
        return pb.createMultiBody(
            baseMass=b.mass_kg - 4 * b.wheel_mass_kg - 2 * STEER_LINK_MASS_KG, baseCollisionShapeIndex=chassis,
            basePosition=[com_x, com_y, b.com_height_m], baseOrientation=yaw_quaternion(yaw_rad),
            linkMasses=[STEER_LINK_MASS_KG, b.wheel_mass_kg, STEER_LINK_MASS_KG, b.wheel_mass_kg, b.wheel_mass_kg,
                        b.wheel_mass_kg],
            linkCollisionShapeIndices=[-1, wheel, -1, wheel, wheel, wheel], linkVisualShapeIndices=[-1] * n,
            linkPositions=[front_l, [0.0, 0.0, 0.0], front_r, [0.0, 0.0, 0.0], rear_l, rear_r],
            linkOrientations=[[0.0, 0.0, 0.0, 1.0]] * n, linkInertialFramePositions=[[0.0, 0.0, 0.0]] * n,
            linkInertialFrameOrientations=[[0.0, 0.0, 0.0, 1.0]] * n, linkParentIndices=[0, 1, 0, 3, 0, 0],
            linkJointTypes=[pb.JOINT_REVOLUTE] * n,
            linkJointAxis=[[0, 0, 1], [0, 1, 0], [0, 0, 1], [0, 1, 0], [0, 1, 0], [0, 1, 0]],
            physicsClientId=c)

    def _tune(self, wheel_inertia: float) -> None:
        b, c, body = self._body, self._client, self.body_id
        pb.changeDynamics(body, -1, linearDamping=0.0, angularDamping=0.0, lateralFriction=0.5, physicsClientId=c)
        spin_axis_inertia = wheel_inertia
        tilt_inertia = b.wheel_mass_kg * (3.0 * b.wheel_radius_m**2 + b.wheel_width_m**2) / 12.0
        for link in WHEEL_JOINTS:
            pb.changeDynamics(body, link, lateralFriction=1.0, rollingFriction=0.0, spinningFriction=0.0,
                              restitution=0.0, localInertiaDiagonal=[tilt_inertia, spin_axis_inertia, tilt_inertia],
                              physicsClientId=c)
        # separate call: pybullet 3.2.7 misroutes the other fields when maxJointVelocity is in the same call
        pb.changeDynamics(body, -1, maxJointVelocity=1000.0, physicsClientId=c)
        for link in STEER_JOINTS:
            pb.changeDynamics(body, link, localInertiaDiagonal=[0.1, 0.1, 0.1], physicsClientId=c)
        for link in range(-1, 6):
            pb.setCollisionFilterGroupMask(body, link, EGO_GROUP, GROUND_GROUP | OBJECT_GROUP, physicsClientId=c)

    def _set_initial_speed(self, yaw_rad: float, speed_mps: float) -> None:
        c = self._client
        pb.resetBaseVelocity(self.body_id, [speed_mps * math.cos(yaw_rad), speed_mps * math.sin(yaw_rad), 0.0],
                             [0.0, 0.0, 0.0], physicsClientId=c)
        for joint in WHEEL_JOINTS:
            pb.resetJointState(self.body_id, joint, 0.0, speed_mps / self._body.wheel_radius_m, physicsClientId=c)

    def apply(self, command: ControlCommand) -> None:
        """Set the wheel motors for ``command.accel_mps2``; steering follows in ``advance``.

        The torque is split between the axles in proportion to their load at that
        acceleration (ideal brake balance), so both axles reach the grip limit
        together and a hard stop stays straight instead of spinning on locked rear wheels.
        """
        self._command = command
        b = self._body
        accel = min(max(command.accel_mps2, -b.limits.max_decel_mps2), b.limits.max_accel_mps2)
        if accel <= -b.limits.max_decel_mps2:
            accel *= FULL_BRAKE_MARGIN  # full brake: lock the wheels whatever the load split
        axle_force_n = abs(accel) * self._effective_mass_kg
        front_share = 0.5 - accel * b.com_height_m / (b.limits.wheelbase_m * GRAVITY_MPS2)
        front_share = min(max(front_share, 0.0), 1.0)
        front_nm = 0.5 * front_share * axle_force_n * b.wheel_radius_m
        rear_nm = 0.5 * (1.0 - front_share) * axle_force_n * b.wheel_radius_m
        target = MAX_DRIVE_SPEED_MPS / b.wheel_radius_m if accel > 0.0 else 0.0
        pb.setJointMotorControlArray(self.body_id, WHEEL_JOINTS, pb.VELOCITY_CONTROL, targetVelocities=[target] * 4,
                                     forces=[front_nm, front_nm, rear_nm, rear_nm], physicsClientId=self._client)

    def advance(self, dt_s: float) -> None:
        """Move the steering toward the command (rate-limited), then step the physics once."""
        self.steer_rad = rate_limited_steer(self.steer_rad, self._command.steer_rad, self._body.limits, dt_s)
        if self.steer_rad != self._steer_sent_rad:
            self._send_steer(self.steer_rad)
        pb.stepSimulation(physicsClientId=self._client)

    def _send_steer(self, steer_rad: float) -> None:
        """Hold the two steering joints at the Ackermann angles for bicycle angle ``steer_rad``."""
        self._steer_sent_rad = steer_rad
        left, right = self._ackermann(steer_rad)
        pb.setJointMotorControlArray(self.body_id, STEER_JOINTS, pb.POSITION_CONTROL, targetPositions=[left, right],
                                     forces=[STEER_MOTOR_FORCE_NM] * 2, positionGains=[1.0, 1.0],
                                     physicsClientId=self._client)

    def advance_steps(self, n_steps: int, dt_s: float, trail: list[tuple[float, float, float, float]] | None = None
                      ) -> None:
        """``n_steps`` single steps (no ``trail``: the world queries the engine after each step instead)."""
        for _ in range(n_steps):
            self.advance(dt_s)

    def _ackermann(self, steer_rad: float) -> tuple[float, float]:
        """Left and right wheel angles whose normals meet on the rear axle line for bicycle angle ``steer_rad``."""
        if abs(steer_rad) < 1e-9:
            return 0.0, 0.0
        wb, half_tr = self._body.limits.wheelbase_m, 0.5 * self._body.track_m
        t = math.tan(steer_rad)
        return math.atan(wb * t / (wb - half_tr * t)), math.atan(wb * t / (wb + half_tr * t))

    def planar(self) -> Planar:
        """Rear-axle pose and velocity from the chassis' centre of mass."""
        c = self._client
        pos, quat = pb.getBasePositionAndOrientation(self.body_id, physicsClientId=c)
        lin, ang = pb.getBaseVelocity(self.body_id, physicsClientId=c)
        yaw = pb.getEulerFromQuaternion(quat)[2]
        cos_y, sin_y = math.cos(yaw), math.sin(yaw)
        back = self._body.centre_ahead_m
        vx, vy = lin[0] + ang[2] * back * sin_y, lin[1] - ang[2] * back * cos_y
        return Planar(x_m=pos[0] - back * cos_y, y_m=pos[1] - back * sin_y, yaw_rad=yaw, vx_mps=vx, vy_mps=vy,
                      yaw_rate_radps=ang[2], speed_mps=lin[0] * cos_y + lin[1] * sin_y)

    def sync(self) -> None:
        """Nothing to do: Bullet moves the body."""
