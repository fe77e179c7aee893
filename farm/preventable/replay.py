"""A pybullet-free replay of a scene: the reference ego on an open-loop plan, the actors as ``farm.sim`` moves them.

Actors are stepped at the physics rate exactly as ``farm.sim.actors.ActorSet``
does (trigger check, then scripted acceleration towards the latest begun phase,
trapezoidal integration with a ballistic stop; waypoint walkers at constant
speed; ``ego_within_m`` triggers against the ego's rear axle at the start of the
step). ``tests/farm/preventable/test_replay.py`` checks it against ``ActorSet``.
Recorded actors move as logged (``farm.preventable.recorded``). IDM followers
are not replayed (no shipped family uses one under a rule).

A scene replayed from a log (``EgoStart.logged_progress``) moves the reference
ego as the logged ego moved along its route until the hazard is perceived
(``EgoPlan.perceived_s``), at the speed it then had through its reaction time,
and by the plan from the command on; a plan that never acts follows the log
throughout. Any other scene's ego approaches at its constant start speed
(R157's set-up).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from autonomy.geometry import Path
from autonomy.types import VehicleLimits
from farm.errors import InputError
from farm.preventable import recorded
from farm.preventable.driver import brake_profile
from farm.preventable.stepping import fire_step, phase_begin_steps, scripted_states
from scenario_library.scene import Actor, IdmFollow, RecordedTrajectory, SceneSpec, WaypointFollow

PHYSICS_DT_S = 1.0 / 240.0  # the simulator's default physics rate
EGO = VehicleLimits()
EGO_SIZE_M = (EGO.length_m, EGO.width_m)
EGO_CENTRE_AHEAD_M = 0.5 * EGO.length_m - EGO.rear_overhang_m  # rear axle -> box centre
EGO_FRONT_M = EGO.length_m - EGO.rear_overhang_m  # rear axle -> front bumper
LIDAR_MOUNT_M = 1.5  # farm.sim.sensors.SensorRig.mount_x_m: lidar ahead of the rear axle
_WALKER_SIZE_M = {"pedestrian": (0.5, 0.5), "cyclist": (1.8, 0.6)}


@dataclass(frozen=True, slots=True, kw_only=True)
class EgoPlan:
    """The reference ego's open-loop plan: cruise, then from ``cmd_s`` brake, accelerate or swerve."""

    kind: str = "cruise"  # cruise | brake | accelerate | swerve
    cmd_s: float = math.inf
    decel_mps2: float = 0.0
    jerk_mps3: float = 1.0
    accel_mps2: float = 0.0
    speed_cap_mps: float = math.inf
    lateral_m: float = 0.0  # swerve: final offset, + left
    lat_accel_mps2: float = 1.0
    perceived_s: float = math.inf  # when the hazard is perceived (a logged ego keeps its speed from here to cmd_s)


@dataclass(slots=True, kw_only=True)
class ActorTrack:
    """One actor over the replay: arc length, speed, pose, size, when it fired and when each phase began."""

    actor: Actor
    s_m: np.ndarray
    speed_mps: np.ndarray
    xy_m: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    yaw_rad: np.ndarray = field(default_factory=lambda: np.zeros(0))
    size_m: tuple[float, float] = (4.5, 1.85)
    fired_s: float | None = None
    fired_step: int | None = None
    phase_begin_s: list[float] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class Trace:
    """The replay on the time grid ``t_s``: the ego (arc length on its lane, speed, offset, pose) and the actors."""

    t_s: np.ndarray
    ego_s_m: np.ndarray
    ego_speed_mps: np.ndarray
    ego_xy_m: np.ndarray  # rear axle
    ego_yaw_rad: np.ndarray
    actors: dict[str, ActorTrack]

    def ego_point_m(self, ahead_m: float) -> np.ndarray:
        """``(N, 2)`` the point ``ahead_m`` in front of the rear axle (box centre, lidar mount...)."""
        return self.ego_xy_m + ahead_m * np.column_stack([np.cos(self.ego_yaw_rad), np.sin(self.ego_yaw_rad)])


def pose_along(path: Path, s_m: np.ndarray, left_m: np.ndarray | float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """``Path.point_at`` vectorised: ``(N, 2)`` points and ``(N,)`` headings (extrapolated past the ends)."""
    s = np.asarray(s_m, dtype=float)
    i = np.clip(np.searchsorted(path.s_m, s, side="right") - 1, 0, len(path.seg_len) - 1)
    u = path.seg_dir[i]
    base = path.xy_m[i] + u * (s - path.s_m[i])[:, None]
    normal = np.column_stack([-u[:, 1], u[:, 0]])
    yaw = np.arctan2(path.seg_dir[:, 1], path.seg_dir[:, 0])[i]
    return base + normal * np.asarray(left_m, dtype=float).reshape(-1, 1), yaw


def logged_motion(progress: tuple[tuple[float, float], ...], t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance [m] from the first sample and speed [m/s] of a logged ego at ``t_s``: linear between its
    ``(t_s, s_m)`` samples, the interval's speed (the one ahead at a sample), the last interval's speed past the end."""
    t, s = np.array([p[0] for p in progress]), np.array([p[1] for p in progress])
    if len(t) < 2:
        return np.zeros_like(t_s), np.zeros_like(t_s)
    speed = np.diff(s) / np.diff(t)
    i = np.clip(np.searchsorted(t, t_s, side="right") - 1, 0, len(t) - 2)
    return s[i] - s[0] + speed[i] * (t_s - t[i]), speed[i]


def ego_motion(plan: EgoPlan, t_s: np.ndarray, speed_mps: float,
               logged: tuple[tuple[float, float], ...] = ()) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distance travelled [m], speed [m/s] and lateral offset [m] of the ego along its lane at ``t_s``.

    ``logged``: the logged ego's ``(t_s, s_m)`` on its route, driven until perception (``_logged_ego_motion``).
    """
    if logged:
        return _logged_ego_motion(plan, t_s, logged)
    tau = t_s - plan.cmd_s
    dist, speed = speed_mps * t_s, np.full_like(t_s, speed_mps)
    lateral = np.zeros_like(t_s)
    if plan.kind == "brake":
        rel, speed = brake_profile(tau, speed_mps, plan.decel_mps2, plan.jerk_mps3)
        dist = np.where(tau < 0.0, dist, speed_mps * plan.cmd_s + rel)
    elif plan.kind == "accelerate" and plan.accel_mps2 > 0.0:
        ramp_s = max(plan.speed_cap_mps - speed_mps, 0.0) / plan.accel_mps2
        t = np.clip(tau, 0.0, ramp_s)
        extra = 0.5 * plan.accel_mps2 * t**2 + (plan.speed_cap_mps - speed_mps) * np.maximum(tau - ramp_s, 0.0)
        dist, speed = dist + np.where(tau > 0.0, extra, 0.0), speed + plan.accel_mps2 * t
    elif plan.kind == "swerve" and plan.lateral_m != 0.0:
        half_s = math.sqrt(abs(plan.lateral_m) / plan.lat_accel_mps2)
        t = np.clip(tau, 0.0, 2.0 * half_s)
        a = math.copysign(plan.lat_accel_mps2, plan.lateral_m)
        lateral = np.where(t <= half_s, 0.5 * a * t**2, plan.lateral_m - 0.5 * a * (2.0 * half_s - t) ** 2)
    return dist, speed, lateral


def _logged_ego_motion(plan: EgoPlan, t_s: np.ndarray,
                       logged: tuple[tuple[float, float], ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``ego_motion`` for a logged ego: as logged until ``plan.perceived_s``, that speed kept until ``plan.cmd_s``,
    then braking or accelerating from it, or keeping it through a swerve (a cruise and an accelerate without a rate
    follow the log throughout)."""
    dist, speed = logged_motion(logged, t_s)
    lateral = ego_motion(plan, t_s, 0.0)[2] if plan.kind == "swerve" else np.zeros_like(t_s)
    acts = plan.kind in ("brake", "swerve") or (plan.kind == "accelerate" and plan.accel_mps2 > 0.0)
    if not acts or not math.isfinite(plan.cmd_s):
        return dist, speed, lateral
    hold_s = min(plan.perceived_s, plan.cmd_s)
    held_dist, held_speed = (float(v[0]) for v in logged_motion(logged, np.array([hold_s])))
    holding = t_s >= hold_s
    dist = np.where(holding, held_dist + held_speed * (t_s - hold_s), dist)
    speed = np.where(holding, held_speed, speed)
    at_dist = held_dist + held_speed * (plan.cmd_s - hold_s)
    tau = np.maximum(t_s - plan.cmd_s, 0.0)
    if plan.kind == "brake":
        rel, then = brake_profile(tau, held_speed, plan.decel_mps2, plan.jerk_mps3)
    elif plan.kind == "swerve":
        rel, then = held_speed * tau, np.full_like(tau, held_speed)
    else:
        gain = max(plan.speed_cap_mps - held_speed, 0.0)
        ramp_s = gain / plan.accel_mps2
        t = np.minimum(tau, ramp_s)
        rel = held_speed * tau + 0.5 * plan.accel_mps2 * t**2 + gain * np.maximum(tau - ramp_s, 0.0)
        then = held_speed + plan.accel_mps2 * t
    after = t_s >= plan.cmd_s
    return np.where(after, at_dist + rel, dist), np.where(after, then, speed), lateral


def actor_size_m(actor: Actor) -> tuple[float, float]:
    """(length, width) of the box, with the simulator's walker/cyclist default for a vehicle-sized walker."""
    if (actor.length_m, actor.width_m, actor.height_m) == (4.5, 1.85, 1.5) and actor.kind in _WALKER_SIZE_M:
        return _WALKER_SIZE_M[actor.kind]
    return actor.length_m, actor.width_m


def replay_actor(actor: Actor, ego_xy_m: np.ndarray, dt_s: float) -> ActorTrack:
    """Step one actor over ``len(ego_xy_m)`` grid points (the state at each point before that step)."""
    b = actor.behaviour
    n = len(ego_xy_m)
    if isinstance(b, RecordedTrajectory):
        xy, yaw, speed = recorded.poses(b, np.arange(n) * dt_s)
        step_m = np.hypot(*np.diff(xy, axis=0).T)
        return ActorTrack(actor=actor, s_m=np.concatenate([[0.0], np.cumsum(step_m)]), speed_mps=speed, xy_m=xy,
                          yaw_rad=yaw, size_m=actor_size_m(actor), fired_s=recorded.moving_s(b))
    if isinstance(b, IdmFollow):
        raise InputError("IDM followers are not replayed by the preventability rules", field=actor.actor_id)
    path = Path.from_points(actor.path)
    s_out, v_out = np.full(n, float(actor.start_s_m)), np.zeros(n)
    track = ActorTrack(actor=actor, s_m=s_out, speed_mps=v_out, size_m=actor_size_m(actor))
    fired = fire_step(actor.trigger, ego_xy_m, _start_xy_m(actor), dt_s)
    if fired is not None:
        track.fired_s, track.fired_step = fired * dt_s, fired
        if isinstance(b, WaypointFollow):
            step_m = np.full(n - fired - 1, b.speed_mps * dt_s)
            s_out[fired + 1:] = np.add.accumulate(np.concatenate([[s_out[fired]], step_m]))[1:]
            v_out[fired + 1:] = b.speed_mps
        else:
            phases = sorted(b.phases, key=lambda p: p.t_s)
            begins = phase_begin_steps(phases, fired, n, dt_s)
            track.phase_begin_s = [k * dt_s for k in begins]
            s_out[fired:], v_out[fired:] = scripted_states(phases, begins, fired, n, float(s_out[fired]),
                                                           b.initial_speed_mps, dt_s)
            v_out[fired] = 0.0
    track.xy_m, track.yaw_rad = pose_along(path, s_out)
    return track


def _start_xy_m(actor: Actor) -> np.ndarray:
    return pose_along(Path.from_points(actor.path), np.array([actor.start_s_m]))[0][0]


def _reused(actor: Actor, ego_xy_m: np.ndarray, dt_s: float, reuse: Trace | None) -> ActorTrack | None:
    """``reuse``'s track of ``actor`` if this ego gives the same one: same grid, the trigger fires at the same step.

    After firing an actor's motion depends only on the steps since (not on the ego), so the track is identical.
    """
    if reuse is None or len(reuse.t_s) != len(ego_xy_m) or float(reuse.t_s[1]) != dt_s:
        return None
    old = reuse.actors[actor.actor_id]
    if actor.trigger.ego_within_m is None:
        return old
    return old if fire_step(actor.trigger, ego_xy_m, _start_xy_m(actor), dt_s) == old.fired_step else None


def simulate(scene: SceneSpec, plan: EgoPlan, *, dt_s: float = PHYSICS_DT_S, reuse: Trace | None = None) -> Trace:
    """The reference ego on ``plan`` and every actor of ``scene`` over the scene's duration.

    ``reuse``: an earlier replay of the same scene, whose actor tracks are taken over where this ego leaves them
    unchanged.
    """
    t_s = np.arange(round(scene.duration_s / dt_s) + 1) * dt_s
    lane = Path.from_points(scene.lane(scene.ego.lane_id).centreline)
    dist, speed, lateral = ego_motion(plan, t_s, scene.ego.initial_speed_mps, scene.ego.logged_progress)
    ego_s = scene.ego.start_s_m + dist
    xy, yaw = pose_along(lane, ego_s, lateral)
    actors = {a.actor_id: _reused(a, xy, dt_s, reuse) or replay_actor(a, xy, dt_s) for a in scene.actors}
    return Trace(t_s=t_s, ego_s_m=ego_s, ego_speed_mps=speed, ego_xy_m=xy, ego_yaw_rad=yaw, actors=actors)
