"""SceneSpec: the pure-data description of one concrete scene.

A family's builder maps typed parameters to a ``SceneSpec``; ``farm.sim`` turns
it into a pybullet world. Nothing here knows about pybullet. Coordinates are in
the flat world frame of ``autonomy.types`` (x [m], y [m], yaw [rad] CCW from +x).
Polylines are tuples of (x, y) points so specs stay hashable and JSON-friendly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Point = tuple[float, float]
Polyline = tuple[Point, ...]

ActorKind = Literal["vehicle", "pedestrian", "cyclist"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Lane:
    """One lane: its centreline, width and speed limit."""

    lane_id: str
    centreline: Polyline
    width_m: float = 3.5
    speed_limit_mps: float = 20.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Road:
    """Road geometry: lanes plus the drivable area used for the offroad metric.

    ``kind`` is descriptive (straight | curve | intersection). The drivable area
    is the union of every lane's corridor (centreline +- width/2) widened by
    ``shoulder_m`` on each side.
    """

    kind: Literal["straight", "curve", "intersection"]
    lanes: tuple[Lane, ...]
    shoulder_m: float = 0.5


@dataclass(frozen=True, slots=True, kw_only=True)
class SpeedPhase:
    """From ``t_s`` on (relative to the actor's start), accelerate at ``accel_mps2`` until ``target_speed_mps``."""

    t_s: float
    accel_mps2: float
    target_speed_mps: float


@dataclass(frozen=True, slots=True, kw_only=True)
class ScriptedSpeed:
    """Follow ``path`` with a scripted speed profile (e.g. brake at t with decel d)."""

    kind: Literal["scripted"] = "scripted"
    initial_speed_mps: float = 0.0
    phases: tuple[SpeedPhase, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class WaypointFollow:
    """Follow ``path`` at a constant ``speed_mps`` (walkers, crossing traffic)."""

    kind: Literal["waypoints"] = "waypoints"
    speed_mps: float = 1.4


@dataclass(frozen=True, slots=True, kw_only=True)
class IdmFollow:
    """Intelligent Driver Model car-follower along ``path`` behind ``leader`` ("ego" or an actor id).

    Treiber, Hennecke & Helbing (2000): a = a_max [1 - (v/v0)^4 - (s*/s)^2],
    s* = s0 + v T + v dv / (2 sqrt(a_max b)).
    """

    kind: Literal["idm"] = "idm"
    leader: str = "ego"
    desired_speed_mps: float = 15.0
    initial_speed_mps: float = 15.0
    time_headway_s: float = 1.5
    min_gap_m: float = 2.0
    max_accel_mps2: float = 1.5
    comfort_decel_mps2: float = 2.0


@dataclass(frozen=True, slots=True, kw_only=True)
class PoseSample:
    """One logged pose: time [s] (scene time, 0 = the rollout's start), centre x, y [m], yaw [rad] CCW from +x."""

    t_s: float
    x_m: float
    y_m: float
    yaw_rad: float


REACTIVE_SWITCH_MPS2 = 1.0  # default: a reactive actor leaves its log once IDM brakes this much harder than the log


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordedTrajectory:
    """Replay logged poses (strictly increasing ``t_s``): position linear in time, yaw along the shortest arc.

    Speed and velocity come from the interpolated positions (the log's own speed, if
    any, is not used). Outside the logged span the actor moves on at its first/last
    logged velocity with its first/last yaw (dead reckoning). The actor's ``path``
    is the logged positions.

    ``reactive`` (vehicles only): the actor follows its log until the IDM ``idm``
    with the ego as its leader would brake harder than the log by more than
    ``switch_decel_mps2`` [m/s^2]; from then on it is an IDM follower along its
    logged path and never returns to the log (nuPlan's reactive agents). The log's
    acceleration at time t is the forward difference of the speeds of the sample
    interval holding t and the next one, over half their summed durations.
    ``idm.leader`` must be ``"ego"``; ``idm.initial_speed_mps`` is not used (the
    follower starts at its logged speed at the switch).
    """

    kind: Literal["recorded"] = "recorded"
    samples: tuple[PoseSample, ...]
    reactive: bool = False
    switch_decel_mps2: float = REACTIVE_SWITCH_MPS2
    idm: IdmFollow = IdmFollow()


Behaviour = ScriptedSpeed | WaypointFollow | IdmFollow | RecordedTrajectory


@dataclass(frozen=True, slots=True, kw_only=True)
class Trigger:
    """When an actor starts moving: at ``t_s``, or when the ego comes within ``ego_within_m`` of the actor's start.

    Whichever happens first; ``None`` disables that condition. Before it fires
    the actor stands still at the start of its path.
    """

    t_s: float | None = 0.0
    ego_within_m: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Actor:
    """A moving road user: a collision box that follows ``path`` (s = 0 at the first point)."""

    actor_id: str
    kind: ActorKind
    path: Polyline
    behaviour: Behaviour
    length_m: float = 4.5
    width_m: float = 1.85
    height_m: float = 1.5
    start_s_m: float = 0.0  # initial arc length along path
    trigger: Trigger = Trigger()


@dataclass(frozen=True, slots=True, kw_only=True)
class StaticObstacle:
    """A static box (parked car, debris, barrier). Pose is the box centre."""

    obstacle_id: str
    x_m: float
    y_m: float
    yaw_rad: float = 0.0
    length_m: float = 4.5
    width_m: float = 1.85
    height_m: float = 1.5
    kind: str = "box"


@dataclass(frozen=True, slots=True, kw_only=True)
class EgoStart:
    """The ego's route (a lane id) and starting state along it."""

    lane_id: str
    start_s_m: float = 0.0
    initial_speed_mps: float = 0.0
    target_speed_mps: float = 15.0
    goal_s_m: float | None = None  # default: end of lane
    stop_at_goal: bool = False
    avoid_left_m: float = 0.0
    avoid_right_m: float = 0.0
    # A replayed log's ego: (scene time [s], arc length [m] on this lane) of every logged sample. The simulator
    # ignores it; the reference driver of farm.preventable drives it until it reacts. () for every other scene.
    logged_progress: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class SensorConditions:
    """Scene-driven sensor degradation (weather, occlusion aside, hardware faults)."""

    lidar_range_noise_std_m: float = 0.02
    lidar_dropout_prob: float = 0.01
    lidar_max_range_m: float = 60.0
    gnss_noise_std_m: float = 0.5
    gnss_outages: tuple[tuple[float, float], ...] = ()  # (start_s, end_s) windows
    odometry_speed_noise_std_mps: float = 0.05
    odometry_speed_bias_mps: float = 0.0
    odometry_yaw_rate_noise_std_radps: float = 0.005
    odometry_yaw_rate_bias_radps: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class SceneSpec:
    """One concrete scene, ready to simulate."""

    name: str
    duration_s: float
    road: Road
    ego: EgoStart
    actors: tuple[Actor, ...] = ()
    obstacles: tuple[StaticObstacle, ...] = ()
    friction_mu: float = 0.9
    sensors: SensorConditions = SensorConditions()
    crosswalks_s_m: tuple[float, ...] = ()  # arc lengths on the ego route of marked crossings
    actors_of_interest: tuple[str, ...] = ()  # actor/obstacle ids the family's metrics single out

    def lane(self, lane_id: str) -> Lane:
        """The lane called ``lane_id``; KeyError if absent."""
        for lane in self.road.lanes:
            if lane.lane_id == lane_id:
                return lane
        raise KeyError(lane_id)
