"""The pybullet DIRECT world built from a ``SceneSpec``: ground, static obstacles, actors and the ego.

One ``SimSession`` (a pybullet client) serves the rollouts of a batch; each
``World`` starts with ``resetSimulation`` so nothing carries over. Time advances
only through ``step`` in fixed physics steps of ``1 / sim.physics_hz``. Poses of
kinematically moved bodies are pushed to pybullet lazily, right before a query
(contacts, gaps, rays) needs them; in ``dynamic`` fidelity actors within reach
of the ego are also pushed every physics step, because the ego's physics touches them.
Contacts and small gaps are checked at the physics rate in both fidelities
(``farm.sim.contact``); the first contact is kept as an ``Impact``.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import replace

import numpy as np
import pybullet as pb

from autonomy.geometry import Path
from autonomy.types import ControlCommand, Mission, VehicleLimits
from farm.errors import InputError
from farm.metrics.trace import Impact
from farm.sim.actors import ActorSet, Mover, actor_size_m, speed_cap_mps
from farm.sim.bodies import (
    RAY_MASK,
    configure_physics,
    create_ground,
    create_object_box,
    set_planar_pose,
)
from farm.sim.contact import REACH_MARGIN, ContactMonitor, Point, Pose, Sweep, impact
from farm.sim.ego import EgoBody, EgoModel, Planar
from farm.sim.mission import build_mission, densify
from farm.sim.session import SimSession
from farm.sim.state import BodyState, EgoState
from farm.sim.trail import Trail
from farm.sim.vehicle_dynamic import DynamicVehicle
from farm.sim.vehicle_kinematic import KinematicVehicle
from farm.spec import FIDELITIES, SimSettings
from scenario_library.scene import Lane, SceneSpec

__all__ = ["BodyState", "EgoState", "SimSession", "World"]

RAY_BATCH_MAX = 16384  # pybullet's limit on rays per rayTestBatch call
PUSH_MARGIN_M = 1.0  # dynamic ego: actors within touching distance + this are moved every physics step


class World:
    """A scene in pybullet with an ego of the given fidelity; see the module docstring."""

    def __init__(self, scene: SceneSpec, *, fidelity: str, sim: SimSettings, session: SimSession,
                 actors_rng: np.random.Generator) -> None:
        if fidelity not in FIDELITIES:
            raise InputError(f"unknown fidelity {fidelity!r} (expected one of {', '.join(FIDELITIES)})",
                             source=scene.name, field="fidelity")
        self._scene, self._fidelity = scene, fidelity
        self._physics = fidelity == "dynamic"  # only the dynamic ego needs stepSimulation
        self._client = session.client_id
        self._dt_s = 1.0 / sim.physics_hz
        self._step_index = 0
        self._accel_mps2 = 0.0
        self._lane = self._ego_lane(scene)
        self.route = Path.from_points(densify(self._lane.centreline))
        self.limits = VehicleLimits()
        self._actors = ActorSet(scene.actors, actors_rng, source=scene.name)  # validates before any pybullet work
        self._actor_z_m = [0.5 * actor_size_m(a)[2] for a in scene.actors]
        pb.resetSimulation(physicsClientId=self._client)
        configure_physics(self._client, physics_hz=sim.physics_hz)
        self._body_ids: list[int] = [create_ground(self._client, friction_mu=scene.friction_mu)]
        self._actor_bodies = [self._add_box(a.actor_id, *actor_size_m(a), *self._actors.pose(i))
                              for i, a in enumerate(scene.actors)]
        self._obstacle_bodies = [self._add_box(o.obstacle_id, o.length_m, o.width_m, o.height_m, o.x_m, o.y_m,
                                               o.yaw_rad) for o in scene.obstacles]
        self._obstacle_poses = [(o.x_m, o.y_m, o.yaw_rad) for o in scene.obstacles]
        self._bodies_in_order = [*self._actor_bodies, *self._obstacle_bodies]
        self._body_names = {body: name for name, body in self._bodies_in_order}
        self._radii_m = [1.001 * math.hypot(*actor_size_m(a)[:2]) / 2.0 + 1e-3 for a in scene.actors] + [
            1.001 * math.hypot(o.length_m, o.width_m) / 2.0 + 1e-3 for o in scene.obstacles]
        self._ego_body = EgoBody(limits=self.limits)
        self._ego_radius_m = 1.001 * math.hypot(self.limits.length_m, self.limits.width_m) / 2.0 + 1e-3
        self._ego = self._build_ego(scene, self._ego_body)
        self._body_ids.append(self._ego.body_id)
        self._speed_caps_mps = [speed_cap_mps(a) for a in scene.actors] + [0.0] * len(scene.obstacles)
        self._sizes_m = [actor_size_m(a)[:2] for a in scene.actors] + [(o.length_m, o.width_m)
                                                                      for o in scene.obstacles]
        # the ego box's centre moves up to this x the rear axle's speed (it swings round when turning)
        self._ego_swing = math.hypot(1.0, math.tan(self.limits.max_steer_rad) / self.limits.wheelbase_m
                                     * self._ego_body.centre_ahead_m)
        self._monitor = ContactMonitor(self._client, self._ego.body_id,
                                       names=[name for name, _ in self._bodies_in_order],
                                       bodies=[body for _, body in self._bodies_in_order], sizes_m=self._sizes_m,
                                       ego_radius_m=self._ego_radius_m)
        self._impact: Impact | None = None

    @staticmethod
    def _ego_lane(scene: SceneSpec) -> Lane:
        try:
            return scene.lane(scene.ego.lane_id)
        except KeyError:
            raise InputError(f"no lane {scene.ego.lane_id!r} in the road", source=scene.name,
                             field="ego.lane_id") from None

    def _add_box(self, name: str, length_m: float, width_m: float, height_m: float, x_m: float, y_m: float,
                 yaw_rad: float) -> tuple[str, int]:
        body = create_object_box(self._client, length_m=length_m, width_m=width_m, height_m=height_m,
                                 x_m=x_m, y_m=y_m, yaw_rad=yaw_rad)
        self._body_ids.append(body)
        return name, body

    def _build_ego(self, scene: SceneSpec, body: EgoBody) -> EgoModel:
        x, y, yaw = self.route.point_at(scene.ego.start_s_m)
        if self._fidelity == "dynamic":
            return DynamicVehicle(self._client, body, x_m=x, y_m=y, yaw_rad=yaw,
                                  speed_mps=scene.ego.initial_speed_mps)
        return KinematicVehicle(self._client, body, x_m=x, y_m=y, yaw_rad=yaw,
                                speed_mps=scene.ego.initial_speed_mps, friction_mu=scene.friction_mu)

    @property
    def t_s(self) -> float:
        """Simulation time [s]."""
        return self._step_index * self._dt_s

    @property
    def fidelity(self) -> str:
        """``dynamic`` or ``kinematic``."""
        return self._fidelity

    def mission(self) -> Mission:
        """What the stack is told: the ego lane as route, start state, goal and crossings."""
        return build_mission(self._scene, self._lane, self.route)

    def apply(self, cmd: ControlCommand) -> None:
        """The new actuator target from now on."""
        self._ego.apply(cmd)

    def step(self, n_steps: int) -> None:
        """Advance ``n_steps`` physics steps (actors first, from the ego state at the start of each step).

        A kinematic ego and actors that do not look at it are independent, so they
        are then advanced one after the other in tight loops, with the same result.
        Bodies within sweeping reach are checked at every step: from the engine
        after each step (dynamic), or from the steps' poses afterwards (kinematic).
        """
        if n_steps <= 0:
            return
        start, first = self._ego.planar(), self._step_index
        end = first + n_steps
        swept = self._within_reach(start, n_steps * self._dt_s)
        trail = Trail() if swept and not self._physics else None
        while self._step_index < end and (self._physics or self._actors.needs_ego):
            ego = self._ego.planar()  # once per step: it is a pybullet query in the dynamic fidelity
            if self._actors.needs_ego:
                self._actors.step(self._step_index, self._dt_s, self._ego_mover(ego), (ego.x_m, ego.y_m))
            else:
                self._actors.step(self._step_index, self._dt_s, None, None)
            self._step_index += 1
            if not self._physics:
                self._ego.advance_steps(1, self._dt_s, trail.ego if trail else None)
                if trail is not None:
                    trail.actors.append(self._actors.progress())
                continue
            self._push_actors(near=ego)
            self._ego.advance(self._dt_s)
            touching = self._latch_contacts()
            if swept or touching:
                self._sweep_step(ego, swept, touching)
        if self._step_index < end:
            self._actors.step_free(self._step_index, end - self._step_index, self._dt_s,
                                   trail.actors if trail else None)
            self._ego.advance_steps(end - self._step_index, self._dt_s, trail.ego if trail else None)
            self._step_index = end
        if trail is not None:
            self._sweep_trail(swept, first, start, trail)
        self._accel_mps2 = (self._ego.planar().speed_mps - start.speed_mps) / (n_steps * self._dt_s)

    def _within_reach(self, p: Planar, duration_s: float) -> list[int]:
        """Bodies that could come within the sweep range in ``duration_s`` at their top speeds."""
        ego_cap_mps = (abs(p.speed_mps) + (self.limits.max_accel_mps2 + 1.0) * duration_s) * self._ego_swing
        reach_m = [(ego_cap_mps + cap) * duration_s * REACH_MARGIN + 0.05 for cap in self._speed_caps_mps]
        return self._monitor.within_reach(self._centre(p), self._centres(), reach_m)

    def _sweep_step(self, before: Planar, indices: list[int], engine_contacts: list[str]) -> None:
        """After a physics step: gaps and contacts of the bodies in ``indices``; the first contact's impact."""
        after = self._ego.planar()
        centres = self._centres()
        touching = self._monitor.measure_step(self._centre(after), centres, indices, self._place)
        if self._impact is None and (touching or engine_contacts):
            self._impact = self._impact_with((touching or sorted(engine_contacts))[0], before, after)

    def _sweep_trail(self, indices: list[int], first_step: int, start: Planar, trail: Trail) -> None:
        """Gaps and contacts at every step of a kinematic stretch, from the poses it went through."""
        lim, n_actors = self.limits, len(self._actor_bodies)
        ego_box = trail.ego_boxes(self._ego_body.centre_ahead_m, lim.length_m, lim.width_m)
        hit = self._monitor.measure_trail(ego_box, indices, trail.body_boxes(
            indices, self._actors.locators, self._obstacle_poses, self._sizes_m))
        if hit is None or self._impact is not None:
            return
        k, name = hit
        i = self._monitor.names.index(name)
        body = next(b for b in self.bodies() if b.body_id == name)
        if i < n_actors:
            x, y, yaw, vx, vy = trail.actor_state(k, i, self._actors.locators[i])
            body = replace(body, x_m=x, y_m=y, yaw_rad=yaw, vx_mps=vx, vy_mps=vy)
        before = trail.ego_planar(k - 1) if k else start
        self._impact = impact((first_step + k + 1) * self._dt_s, before, trail.ego_planar(k), body)

    def _impact_with(self, name: str, before: Planar, after: Planar) -> Impact:
        body = next(b for b in self.bodies() if b.body_id == name)
        return impact(self.t_s, before, after, body)

    def _place(self, index: int) -> None:
        """Bring the ego and body ``index`` to their current poses in pybullet."""
        self._ego.sync()
        if index < len(self._actor_bodies):
            state = self._actors.states[index]
            if state.dirty:
                x, y, yaw = state.pose()
                set_planar_pose(self._client, self._actor_bodies[index][1], x_m=x, y_m=y,
                                z_m=self._actor_z_m[index], yaw_rad=yaw)
                state.dirty = False

    def _centre(self, p: Planar) -> Point:
        """The ego box's centre (its bounding circle's)."""
        ahead = self._ego_body.centre_ahead_m
        return p.x_m + ahead * math.cos(p.yaw_rad), p.y_m + ahead * math.sin(p.yaw_rad)

    def _centres(self) -> list[Pose]:
        """Every body's box pose (centre x, y and yaw), actors then obstacles."""
        return [state.pose() for state in self._actors.states] + self._obstacle_poses

    def _ego_mover(self, p: Planar) -> Mover:
        x_m, y_m = self._centre(p)
        return Mover(x_m=x_m, y_m=y_m, yaw_rad=p.yaw_rad, speed_mps=p.speed_mps, length_m=self.limits.length_m)

    def _push_actors(self, *, near: Planar | None = None) -> None:
        """Teleport moved actors' boxes; given the ego's state ``near``, only those it could touch this step."""
        near_ego_only = near is not None
        if near is not None:
            ex, ey = self._centre(near)
        for state, (_, body), z_m, radius in zip(self._actors.states, self._actor_bodies, self._actor_z_m,
                                                 self._radii_m[:len(self._actor_bodies)], strict=True):
            if state.dirty:
                x, y, yaw = state.pose()
                if near_ego_only and math.hypot(x - ex, y - ey) > radius + self._ego_radius_m + PUSH_MARGIN_M:
                    continue  # out of reach: it stays dirty and is pushed when it comes near or on a query
                set_planar_pose(self._client, body, x_m=x, y_m=y, z_m=z_m, yaw_rad=yaw)
                state.dirty = False

    def _sync(self) -> None:
        self._ego.sync()
        self._push_actors()

    def ego_state(self) -> EgoState:
        """The ego's ground truth now."""
        p = self._ego.planar()
        return EgoState(x_m=p.x_m, y_m=p.y_m, yaw_rad=p.yaw_rad, speed_mps=p.speed_mps,
                        yaw_rate_radps=p.yaw_rate_radps, accel_mps2=self._accel_mps2,
                        lat_accel_mps2=p.speed_mps * p.yaw_rate_radps, steer_rad=self._ego.steer_rad)

    def bodies(self) -> tuple[BodyState, ...]:
        """Every actor (scene order), then every static obstacle (scene order)."""
        out = []
        for actor, (x, y, yaw, vx, vy) in zip(self._scene.actors, self._actors.poses(), strict=True):
            length, width, _ = actor_size_m(actor)
            out.append(BodyState(body_id=actor.actor_id, kind=actor.kind, x_m=x, y_m=y, yaw_rad=yaw, vx_mps=vx,
                                 vy_mps=vy, length_m=length, width_m=width))
        out.extend(BodyState(body_id=o.obstacle_id, kind="static", x_m=o.x_m, y_m=o.y_m, yaw_rad=o.yaw_rad,
                             vx_mps=0.0, vy_mps=0.0, length_m=o.length_m, width_m=o.width_m)
                   for o in self._scene.obstacles)
        return tuple(out)

    def _latch_contacts(self) -> list[str]:
        """Bodies the dynamic ego touches after a physics step, by the engine's contact points.

        A dynamic ego can hit a (weightless, kinematic) actor box and bounce clear
        between two ticks; sampling contacts only at the tick would miss that.
        """
        names = sorted({name for point in pb.getContactPoints(bodyA=self._ego.body_id, physicsClientId=self._client)
                        if (name := self._body_names.get(point[2])) is not None})
        self._monitor.latch(names)
        return names

    @property
    def impact(self) -> Impact | None:
        """The first contact, at the physics step it happened (None until there is one)."""
        return self._impact

    def sweep(self, extra_ids: Collection[str] = ()) -> Sweep:
        """Contacts and smallest gaps since the previous call, the current poses included.

        ``extra_ids`` are bodies whose gap is wanted now whatever their distance.
        """
        self._sync()
        p = self._ego.planar()
        result = self._monitor.take(self._centre(p), self._centres(), extra_ids)
        if self._impact is None and result.contacts:  # touching before any swept step (e.g. at the start)
            self._impact = self._impact_with(result.contacts[0], p, p)
        return result

    def contacts(self) -> tuple[str, ...]:
        """Ids of the bodies touching the ego now or since the last ``sweep``, sorted (a ``sweep``)."""
        return self.sweep().contacts

    def nearest_gap(self) -> tuple[float, str]:
        """Smallest ego-body gap [m] since the last ``sweep`` and that body's id; (inf, "") beyond 50 m (a ``sweep``).

        Negative when overlapping.
        """
        result = self.sweep()
        return result.gap_m, result.gap_body_id

    def cast_rays(self, from_xyz: np.ndarray, to_xyz: np.ndarray) -> np.ndarray:
        """Hit fractions in [0, 1] of rays ``from -> to`` ((N, 3) arrays) against actors and obstacles.

        The ego and the ground are never hit; 1.0 means no hit.
        """
        self._sync()
        from_xyz = np.ascontiguousarray(from_xyz, dtype=float)
        to_xyz = np.ascontiguousarray(to_xyz, dtype=float)
        fractions = np.ones(len(from_xyz))
        for start in range(0, len(from_xyz), RAY_BATCH_MAX):
            stop = start + RAY_BATCH_MAX
            hits = pb.rayTestBatch(from_xyz[start:stop], to_xyz[start:stop], numThreads=1,
                                   collisionFilterMask=RAY_MASK, physicsClientId=self._client)
            fractions[start:start + len(hits)] = [h[2] for h in hits]
        return fractions

    def close(self) -> None:
        """Remove this world's bodies from the session's client; idempotent."""
        if self._body_ids and pb.isConnected(physicsClientId=self._client):
            for body in reversed(self._body_ids):
                pb.removeBody(body, physicsClientId=self._client)
        self._body_ids = []
