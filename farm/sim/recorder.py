"""Samples the world's ground truth once per stack tick into a ``Trace`` (and telemetry)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from autonomy.types import StackOutput
from farm.metrics import ttc
from farm.metrics.drivable import DrivableArea
from farm.metrics.longitudinal import accel_series
from farm.metrics.trace import Impact, Trace
from farm.result import Event, Telemetry
from scenario_library.scene import Road, SceneSpec


class TraceRecorder:
    """Collects per-tick truth from a ``farm.sim.world.World`` and the stack's outputs."""

    def __init__(self, scene: SceneSpec, world: Any, *, dt_s: float) -> None:
        self._world = world
        self._dt_s = dt_s
        self._drivable = DrivableArea(scene.road)
        self._own_lane = DrivableArea(Road(kind=scene.road.kind, lanes=(scene.lane(scene.ego.lane_id),),
                                           shoulder_m=0.0))
        self._interest_ids = scene.actors_of_interest
        mission = world.mission()
        self._goal_s_m = float(mission.goal_s_m)
        self._stop_at_goal = bool(mission.stop_at_goal)
        self._speed_limit_mps = float(mission.speed_limit_mps)
        self._start_s_m = float(world.route.project(mission.initial_x_m, mission.initial_y_m)[0])
        self._rows: dict[str, list[float]] = {k: [] for k in (
            "t_s", "x", "y", "yaw", "v", "lat", "s", "gap", "gap_interest", "cmd_a", "cmd_steer")}
        self._offroad: list[bool] = []
        self._contacts: list[tuple[str, ...]] = []
        self._bodies: list[np.ndarray] = []
        self._body_meta: tuple[tuple[str, ...], tuple[str, ...], np.ndarray, np.ndarray] | None = None
        self._events: list[Event] = []
        self._timings: dict[str, list[float]] = {}
        self._collision_t_s: float | None = None

    def record(self, output: StackOutput, tick_wall_s: float) -> None:
        """Sample truth after the tick's physics and keep the stack's command, events and timings."""
        w = self._world
        ego = w.ego_state()
        sweep = w.sweep(self._interest_ids)
        gap_m, contacts = sweep.gap_m, sweep.contacts
        gap_interest_m = min((sweep.body_gap_m.get(i, np.inf) for i in self._interest_ids), default=np.inf)
        t_s = float(w.t_s)
        limits = w.limits
        for key, value in (("t_s", t_s), ("x", ego.x_m), ("y", ego.y_m), ("yaw", ego.yaw_rad), ("v", ego.speed_mps),
                           ("lat", ego.lat_accel_mps2), ("s", w.route.project(ego.x_m, ego.y_m)[0]),
                           ("gap", gap_m), ("gap_interest", gap_interest_m), ("cmd_a", output.command.accel_mps2),
                           ("cmd_steer", output.command.steer_rad)):
            self._rows[key].append(float(value))
        self._offroad.append(not self._drivable.footprint_inside(
            ego.x_m, ego.y_m, ego.yaw_rad, limits.length_m, limits.width_m, limits.rear_overhang_m))
        self._contacts.append(tuple(contacts))
        self._record_bodies(w.bodies())
        self._events.extend(Event(t_s=float(output.t_s), kind=e.kind, detail=e.detail) for e in output.events)
        for timing in output.timings:
            self._timings.setdefault(timing.module, []).append(timing.wall_s)
        self._timings.setdefault("total", []).append(tick_wall_s)
        if self._collision_t_s is None and (contacts or gap_m <= 0.0):
            self._collision_t_s = t_s

    def _record_bodies(self, bodies: tuple[Any, ...]) -> None:
        if self._body_meta is None:
            self._body_meta = (tuple(b.body_id for b in bodies), tuple(b.kind for b in bodies),
                               np.array([b.length_m for b in bodies], dtype=float),
                               np.array([b.width_m for b in bodies], dtype=float))
        self._bodies.append(np.array([[b.x_m, b.y_m, b.yaw_rad, b.vx_mps, b.vy_mps] for b in bodies],
                                     dtype=float).reshape(-1, 5))

    def finished(self, collision_grace_s: float) -> bool:
        """Stop early: shortly after a collision, or once the goal is reached (and stopped, if asked)."""
        t_s = self._rows["t_s"][-1]
        if self._collision_t_s is not None and t_s >= self._collision_t_s + collision_grace_s:
            return True
        if self._rows["s"][-1] < self._goal_s_m:
            return False
        return not self._stop_at_goal or abs(self._rows["v"][-1]) < 0.1

    def trace(self) -> Trace:
        """The recorded ground truth."""
        r = {k: np.asarray(v, dtype=float) for k, v in self._rows.items()}
        ids, kinds, lengths, widths = self._body_meta or ((), (), np.zeros(0), np.zeros(0))
        bodies = np.stack(self._bodies) if self._bodies else np.zeros((0, 0, 5))
        return Trace(
            dt_s=self._dt_s, t_s=r["t_s"], ego_x_m=r["x"], ego_y_m=r["y"], ego_yaw_rad=r["yaw"],
            ego_speed_mps=r["v"], ego_lat_accel_mps2=r["lat"], route_s_m=r["s"], start_s_m=self._start_s_m,
            goal_s_m=self._goal_s_m, speed_limit_mps=self._speed_limit_mps,
            ego_length_m=self._world.limits.length_m, ego_width_m=self._world.limits.width_m,
            ego_rear_overhang_m=self._world.limits.rear_overhang_m, body_ids=ids, body_kinds=kinds,
            body_xy_m=bodies[:, :, 0:2], body_yaw_rad=bodies[:, :, 2], body_vxy_mps=bodies[:, :, 3:5],
            body_length_m=lengths, body_width_m=widths, contacts=tuple(self._contacts), gap_m=r["gap"],
            impact=self._impact(), interest_ids=self._interest_ids, gap_interest_m=r["gap_interest"],
            offroad=np.asarray(self._offroad, dtype=bool), cmd_accel_mps2=r["cmd_a"],
            cmd_steer_rad=r["cmd_steer"], stack_events=tuple(self._events),
            timings_s={k: np.asarray(v) for k, v in self._timings.items()},
        )


    def _impact(self) -> Impact | None:
        """The world's first contact, with whether the ego was then wholly inside its own lane."""
        hit: Impact | None = self._world.impact
        if hit is None:
            return None
        limits = self._world.limits
        return replace(hit, ego_in_lane=self._own_lane.footprint_inside(
            hit.ego_x_m, hit.ego_y_m, hit.ego_yaw_rad, limits.length_m, limits.width_m, limits.rear_overhang_m))


def telemetry(trace: Trace) -> Telemetry:
    """Per-tick ego telemetry from a recorded trace (plus actor positions for plots)."""
    return Telemetry(
        t_s=trace.t_s, x_m=trace.ego_x_m, y_m=trace.ego_y_m, yaw_rad=trace.ego_yaw_rad,
        v_mps=trace.ego_speed_mps, a_mps2=accel_series(trace), cmd_accel_mps2=trace.cmd_accel_mps2,
        cmd_steer_rad=trace.cmd_steer_rad, nearest_obstacle_m=trace.gap_m, ttc_s=ttc.series(trace),
        actors_xy={body: trace.body_xy_m[:, i, :] for i, body in enumerate(trace.body_ids)},
    )
