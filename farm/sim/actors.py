"""Actor behaviours: scripted speed, constant-speed waypoints, IDM car following, with start triggers.

Pure Python/numpy, integrated at the physics rate; the world pushes the poses to
pybullet only when something looks at them. An actor's reference point is the
centre of its box, which moves along its ``path`` (s = 0 at the first point,
straight on past the last one). Before its trigger fires an actor stands still
at ``start_s_m``; behaviour time (``SpeedPhase.t_s``) counts from the firing.
"""

from __future__ import annotations

import math

import numpy as np

from autonomy.geometry import Path
from farm.errors import InputError
from farm.sim.motion import EPS, Mover, PathTrack, idm_accel, integrate
from farm.sim.recorded_actor import LogTrajectory, RecordedLocator, RecordedState
from scenario_library.scene import Actor, IdmFollow, RecordedTrajectory, ScriptedSpeed, WaypointFollow

__all__ = ["ActorSet", "Mover", "actor_size_m", "idm_accel", "speed_cap_mps"]

# Box size used when a pedestrian or cyclist is left at the vehicle default size of ``Actor``.
DEFAULT_SIZE_M: dict[str, tuple[float, float, float]] = {"pedestrian": (0.5, 0.5, 1.8), "cyclist": (1.8, 0.6, 1.7)}
_VEHICLE_DEFAULT_SIZE_M = (4.5, 1.85, 1.5)
_EPS = EPS


def actor_size_m(actor: Actor) -> tuple[float, float, float]:
    """(length, width, height) of the actor's box; walkers and cyclists get their own default size."""
    size = (actor.length_m, actor.width_m, actor.height_m)
    if size == _VEHICLE_DEFAULT_SIZE_M and actor.kind in DEFAULT_SIZE_M:
        return DEFAULT_SIZE_M[actor.kind]
    return size


def speed_cap_mps(actor: Actor) -> float:
    """A speed the actor never exceeds: scripted speeds move toward their targets, IDM stays below max(v0, v_start)."""
    b = actor.behaviour
    if isinstance(b, WaypointFollow):
        return b.speed_mps
    if isinstance(b, IdmFollow):
        return max(b.initial_speed_mps, b.desired_speed_mps)
    if isinstance(b, RecordedTrajectory):
        log_cap = LogTrajectory(b.samples).max_speed_mps
        return max(log_cap, b.idm.desired_speed_mps) if b.reactive else log_cap
    return max([b.initial_speed_mps, *(p.target_speed_mps for p in b.phases)])


class _ActorState:
    """Mutable state of one actor."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        self.behaviour = actor.behaviour
        self.track = PathTrack(Path.from_points(actor.path))
        self.locator = self.track  # maps the progress coordinate (here the arc length) to a pose
        self.length_m = actor_size_m(actor)[0]
        self.s_m = actor.start_s_m
        self.speed_mps = 0.0
        self.fired_step: int | None = None
        self.start_xy = self.track.pose(actor.start_s_m)[:2]
        self.dirty = True  # moved since its pose was last pushed to pybullet
        self.phases = sorted(actor.behaviour.phases, key=lambda p: p.t_s) if isinstance(
            actor.behaviour, ScriptedSpeed) else []
        self.phase_index = -1  # latest phase begun
        self.leader: _ActorState | RecordedState | None = None  # the actor an IDM follower follows (None: the ego)
        self.leader_on_same_path = False

    @property
    def coord(self) -> float:
        """The progress coordinate ``farm.sim.trail`` records: the arc length [m]."""
        return self.s_m

    def pose(self) -> tuple[float, float, float]:
        return self.track.pose(self.s_m)

    def kinematics(self) -> tuple[float, float, float, float, float]:
        return self.track.kinematics(self.s_m, self.speed_mps)

    def mover(self) -> Mover:
        x, y, yaw = self.track.pose(self.s_m)
        return Mover(x_m=x, y_m=y, yaw_rad=yaw, speed_mps=self.speed_mps, length_m=self.length_m)

    def integrate(self, accel_mps2: float, dt_s: float) -> None:
        """One trapezoidal/ballistic step (``farm.sim.motion.integrate``)."""
        v0 = self.speed_mps
        self.s_m, self.speed_mps = integrate(self.s_m, v0, accel_mps2, dt_s)
        if v0 > 0.0 or self.speed_mps > 0.0:
            self.dirty = True


def _scripted_accel(state: _ActorState, t_rel_s: float, dt_s: float) -> float:
    """Toward the latest begun phase's target speed at that phase's rate."""
    phases = state.phases
    while state.phase_index + 1 < len(phases) and phases[state.phase_index + 1].t_s <= t_rel_s + _EPS:
        state.phase_index += 1
    if state.phase_index < 0:
        return 0.0
    phase = phases[state.phase_index]
    rate = abs(phase.accel_mps2)
    return min(max((phase.target_speed_mps - state.speed_mps) / dt_s, -rate), rate)


ActorState = _ActorState | RecordedState


class ActorSet:
    """Every actor of a scene, stepped together (accelerations from the states at the start of the step).

    Recorded actors (``RecordedTrajectory``) ignore their trigger: the log's times are scene times.
    """

    def __init__(self, actors: tuple[Actor, ...], rng: np.random.Generator, *, source: str = "scene") -> None:
        self._rng = rng  # reserved for stochastic behaviours; the built-in ones are deterministic
        self.states: list[ActorState] = [
            RecordedState(a, actor_size_m(a)[0]) if isinstance(a.behaviour, RecordedTrajectory) else _ActorState(a)
            for a in actors]
        self._by_id = {s.actor.actor_id: s for s in self.states}
        for state in self.states:
            b = state.behaviour
            if isinstance(b, IdmFollow) and b.leader != "ego" and b.leader not in self._by_id:
                raise InputError(f"unknown leader {b.leader!r}", source=source,
                                 field=f"actors.{state.actor.actor_id}.behaviour.leader")
            if isinstance(b, RecordedTrajectory) and b.reactive and (state.actor.kind != "vehicle"
                                                                     or b.idm.leader != "ego"):
                raise InputError("only vehicles can be reactive, and they follow the ego", source=source,
                                 field=f"actors.{state.actor.actor_id}.behaviour.reactive")
        for state in self.states:
            b = state.behaviour
            if isinstance(state, _ActorState) and isinstance(b, IdmFollow) and b.leader != "ego":
                state.leader = self._by_id[b.leader]
                state.leader_on_same_path = state.leader.actor.path == state.actor.path
        self._recorded = [s for s in self.states if isinstance(s, RecordedState)]
        self._follows_ego = any(isinstance(s.behaviour, IdmFollow) and s.behaviour.leader == "ego"
                                for s in self.states) or any(s.behaviour.reactive for s in self._recorded)
        self._waiting = [s for s in self.states if isinstance(s, _ActorState)]  # not fired yet
        self._steady: list[_ActorState] = []  # fired, constant speed
        self._varying: list[_ActorState] = []  # fired, speed changes
        self.needs_ego = self._follows_ego or any(s.actor.trigger.ego_within_m is not None for s in self._waiting)

    def step(self, step_index: int, dt_s: float, ego: Mover | None, ego_xy: tuple[float, float] | None) -> None:
        """Advance every actor by one physics step ``step_index`` -> ``step_index + 1``.

        ``ego`` (its box, for followers) and ``ego_xy`` (its reported position, the
        rear axle, for ``ego_within_m`` triggers) are needed while ``needs_ego``.
        """
        if self._waiting:
            self._fire(step_index, dt_s, ego_xy)
        accels = [self._accel(st, (step_index - (st.fired_step or 0)) * dt_s, dt_s, ego) for st in self._varying]
        for recorded in self._recorded:
            recorded.advance(step_index, dt_s, ego)
        for st, accel in zip(self._varying, accels, strict=True):
            st.integrate(accel, dt_s)
        for st in self._steady:
            if st.speed_mps > 0.0:
                st.s_m += st.speed_mps * dt_s
                st.dirty = True

    def step_free(self, step_index: int, n_steps: int, dt_s: float,
                  trail: list[list[tuple[float, float]]] | None = None) -> None:
        """``n_steps`` steps from ``step_index`` while ``needs_ego`` is False (the same as single steps).

        ``trail``, if given, receives every actor's (coordinate, speed) after every step.
        """
        for k in range(step_index, step_index + n_steps):
            self.step(k, dt_s, None, None)
            if trail is not None:
                trail.append(self.progress())

    def progress(self) -> list[tuple[float, float]]:
        """(progress coordinate, speed) of every actor, in scene order: the arc length [m] for path actors, the
        coordinate of ``farm.sim.recorded_actor`` for recorded ones; ``locators`` map it back to a pose."""
        return [(st.coord, st.speed_mps) for st in self.states]

    @property
    def locators(self) -> list[PathTrack | RecordedLocator]:
        """Per actor, what maps its progress coordinate to (x, y, yaw) (``pose``) and velocity (``kinematics``)."""
        return [st.locator for st in self.states]

    def _fire(self, step_index: int, dt_s: float, ego_xy: tuple[float, float] | None) -> None:
        fired = [st for st in self._waiting if self._fires(st, step_index * dt_s, ego_xy)]
        if not fired:
            return
        for st in fired:
            st.fired_step = step_index
            b = st.behaviour
            assert not isinstance(b, RecordedTrajectory)
            st.speed_mps = b.speed_mps if isinstance(b, WaypointFollow) else b.initial_speed_mps
        self._waiting = [st for st in self._waiting if st.fired_step is None]
        paths = [st for st in self.states if isinstance(st, _ActorState) and st.fired_step is not None]
        self._steady = [st for st in paths if isinstance(st.behaviour, WaypointFollow)]
        self._varying = [st for st in paths if not isinstance(st.behaviour, WaypointFollow)]
        self.needs_ego = self._follows_ego or any(st.actor.trigger.ego_within_m is not None for st in self._waiting)

    @staticmethod
    def _fires(state: _ActorState, t_s: float, ego_xy: tuple[float, float] | None) -> bool:
        trig = state.actor.trigger
        if trig.t_s is not None and t_s + _EPS >= trig.t_s:
            return True
        if trig.ego_within_m is None or ego_xy is None:
            return False
        return math.hypot(ego_xy[0] - state.start_xy[0], ego_xy[1] - state.start_xy[1]) <= trig.ego_within_m

    def _accel(self, state: _ActorState, t_rel_s: float, dt_s: float, ego: Mover | None) -> float:
        b = state.behaviour
        if not isinstance(b, IdmFollow):
            return _scripted_accel(state, t_rel_s, dt_s)
        lead = state.leader
        if lead is not None and state.leader_on_same_path:  # the gap is a difference of arc lengths
            gap_m = lead.s_m - state.s_m - 0.5 * (lead.length_m + state.length_m) if lead.s_m > state.s_m else None
            return idm_accel(b, state.speed_mps, gap_m, lead.speed_mps)
        gap_m, leader_speed = state.track.gap(state.s_m, state.length_m, ego if lead is None else lead.mover())
        return idm_accel(b, state.speed_mps, gap_m, leader_speed)

    def poses(self) -> list[tuple[float, float, float, float, float]]:
        """(x, y, yaw, vx, vy) of every actor's centre, in scene order."""
        return [state.kinematics() for state in self.states]

    def pose(self, index: int) -> tuple[float, float, float]:
        """(x, y, yaw) of actor ``index``."""
        return self.states[index].pose()
