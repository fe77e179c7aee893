"""Planning: follow the route centreline, plan speed with IDM against real and virtual leads.

Every reason to slow down is a lead in the route frame: a tracked obstacle in
the corridor (moving: keep the time gap; static: stop ``stop_margin_m`` behind
it), the point where a crossing track is predicted to enter the corridor, a
crosswalk with someone in it, and the goal. The Intelligent Driver Model
(Treiber, Hennecke & Helbing 2000) gives one acceleration per lead and the
smallest wins. A static obstacle may instead be passed with a lateral offset when
the mission allows one on that side. Output: an offset reference path and a
reference speed (integrated from the planned acceleration) for the controller.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from autonomy.config import PlanningConfig
from autonomy.prediction import PredictionOutput
from autonomy.route import RouteFrame
from autonomy.tracking import TrackingOutput
from autonomy.types import EgoEstimate, Mission, VehicleLimits


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanningInput:
    """The pose belief, tracks and their predictions."""

    t_s: float
    estimate: EgoEstimate
    tracks: TrackingOutput
    predictions: PredictionOutput


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanningOutput:
    """A local reference path (K, 2) from the ego's route position on, and the speed plan.

    ``reason`` names what limits the speed: cruise | follow | stop | yield | crosswalk | goal.
    ``stopped`` is true when the plan holds the vehicle at a standstill.
    """

    path_xy_m: np.ndarray
    target_speed_mps: float
    target_accel_mps2: float
    reason: str
    stopped: bool
    route_s_m: float
    route_offset_m: float  # the ego's lateral offset from the centreline (+ left) [m]
    path_offset_m: float  # the planned lateral offset at the ego's position [m]


class Planner(Protocol):
    """Decides where to drive and how fast."""

    def step(self, inp: PlanningInput) -> PlanningOutput: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class _Scene:
    """Tracks now in the route frame: s/d (n,), half extents along/across the route, route-frame velocity."""

    s_m: np.ndarray
    d_m: np.ndarray
    valid: np.ndarray
    half_s_m: np.ndarray
    half_d_m: np.ndarray
    v_s_mps: np.ndarray
    v_d_mps: np.ndarray
    static: np.ndarray
    crossing: np.ndarray
    small: np.ndarray


@dataclass(frozen=True, slots=True, kw_only=True)
class _Avoidance:
    track_id: int
    s_from_m: float
    s_to_m: float
    offset_m: float


class IdmRoutePlanner:
    """Route following with IDM speed planning, yielding and static-obstacle avoidance."""

    def __init__(self, config: PlanningConfig, mission: Mission, limits: VehicleLimits, route: RouteFrame) -> None:
        self._cfg, self._mission, self._route = config, mission, route
        self._front_m = limits.length_m - limits.rear_overhang_m
        self._rear_m = limits.rear_overhang_m
        self._corridor_half_m = 0.5 * limits.width_m + config.lateral_margin_m
        self._ego_half_w_m = 0.5 * limits.width_m
        self._path_s = np.arange(0.0, config.path_length_m, 1.0)
        self._v_curve = np.sqrt(config.lat_accel_max_mps2 / np.maximum(np.abs(route.curvature_1pm), 1e-6))
        self._v_ref = mission.initial_speed_mps
        pt = np.array([[mission.initial_x_m, mission.initial_y_m]])
        self._s_hint = float(route.project(pt, 0.0, route.length_m)[0][0])
        self._avoid: _Avoidance | None = None
        self._refused: set[int] = set()  # tracks found too wide to pass within the allowance
        self._t_s: float | None = None

    def step(self, inp: PlanningInput) -> PlanningOutput:
        """Project, decide avoidance, evaluate every lead with IDM and integrate the reference speed."""
        est = inp.estimate
        dt_s = 0.0 if self._t_s is None else max(0.0, inp.t_s - self._t_s)
        self._t_s = inp.t_s
        s_ego, d_ego = self._route.project_point(est.x_m, est.y_m, self._s_hint)
        self._s_hint = s_ego
        scene = self._scene(inp.tracks, s_ego)
        self._update_avoidance(inp.tracks.track_id, scene, s_ego)
        gaps, v_lead, s0, reasons = self._leads(scene, inp.predictions, s_ego, est.speed_mps)
        v = max(est.speed_mps, 0.0)
        acc = self._idm(v, self._cruise_speed(s_ego, v), gaps, v_lead, s0)
        k = int(np.argmin(acc))
        a_plan = min(max(float(acc[k]), -self._cfg.max_decel_mps2), self._cfg.accel_mps2)
        reason = reasons[k]
        stopped = reason != "follow" and k > 0 and gaps[k] < s0[k] + 1.0 and v < 0.5
        if stopped:
            a_plan, self._v_ref = min(a_plan, 0.0), 0.0
        else:
            v_ref = max(0.0, self._v_ref + a_plan * dt_s)
            self._v_ref = min(max(v_ref, v - self._cfg.reanchor_mps), v + self._cfg.reanchor_mps)
        offsets = self._offset(s_ego + self._path_s)
        path = self._route.sample(s_ego + self._path_s, offsets)
        return PlanningOutput(path_xy_m=path, target_speed_mps=self._v_ref, target_accel_mps2=a_plan, reason=reason,
                              stopped=stopped, route_s_m=s_ego, route_offset_m=d_ego, path_offset_m=float(offsets[0]))

    def _scene(self, tr: TrackingOutput, s_ego: float) -> _Scene:
        lo, hi = s_ego - self._rear_m - 10.0, s_ego + self._cfg.range_m
        s, d = self._route.project(tr.centre_xy_m, lo, hi)
        h = self._route.heading_at(s)
        rel = tr.heading_rad - h
        a, b = 0.5 * tr.size_m[:, 0], 0.5 * tr.size_m[:, 1]
        c, sn = np.abs(np.cos(rel)), np.abs(np.sin(rel))
        ch, sh = np.cos(h), np.sin(h)
        vx, vy = tr.velocity_mps[:, 0], tr.velocity_mps[:, 1]
        v_d = vy * ch - vx * sh
        # Only a velocity clearly above its own uncertainty counts as motion (a fresh track's is mostly noise).
        sure = self._cfg.static_speed_mps + 2.0 * tr.velocity_std_mps
        return _Scene(s_m=s, d_m=d, valid=(s > lo + 0.01) & (s < hi - 0.01), half_s_m=a * c + b * sn,
                      half_d_m=a * sn + b * c, v_s_mps=vx * ch + vy * sh, v_d_mps=v_d,
                      static=np.hypot(vx, vy) < sure, crossing=np.abs(v_d) > 0.5 * sure,
                      small=tr.size_m[:, 0] <= self._cfg.yield_size_m)

    def _update_avoidance(self, track_id: np.ndarray, sc: _Scene, s_ego: float) -> None:
        """Start, refine or end the single lateral avoidance manoeuvre.

        The offset is refined while the obstacle comes into better view (it only
        grows, on the side chosen first, up to what the mission allows); if the
        allowance is not enough the corridor check stops the vehicle instead.
        """
        av = self._avoid
        if av is not None and s_ego > av.s_to_m + self._rear_m + 2.0 + self._cfg.avoid_ramp_m:
            av = self._avoid = None
        if av is not None:
            hit = (track_id == av.track_id).nonzero()[0]
            if len(hit):
                self._refine_avoidance(av, sc, int(hit[0]), s_ego)
            return
        blocking = (sc.static & sc.valid & (sc.s_m + sc.half_s_m > s_ego)
                    & (np.abs(sc.d_m) - sc.half_d_m < self._corridor_half_m))
        if self._refused:
            blocking &= np.array([t not in self._refused for t in track_id.tolist()], dtype=bool)
        if not blocking.any():
            return
        i = int(blocking.nonzero()[0][np.argmin(sc.s_m[blocking])])
        left, right = self._needed_offsets(sc, i)
        options = [o for o, ok in ((left, left <= self._mission.avoid_left_m),
                                   (-right, right <= self._mission.avoid_right_m)) if ok]
        if options:
            self._avoid = _Avoidance(track_id=int(track_id[i]), s_from_m=float(sc.s_m[i] - sc.half_s_m[i]),
                                     s_to_m=float(sc.s_m[i] + sc.half_s_m[i]), offset_m=float(min(options, key=abs)))
        else:
            self._refused.add(int(track_id[i]))

    def _refine_avoidance(self, av: _Avoidance, sc: _Scene, i: int, s_ego: float) -> None:
        """Grow the offset as the obstacle comes into view; give up (and stop) if it outgrows the allowance early."""
        left, right = self._needed_offsets(sc, i)
        m = self._mission
        needed, allowed = (left, m.avoid_left_m) if av.offset_m > 0.0 else (right, m.avoid_right_m)
        if needed > allowed and s_ego + self._front_m < av.s_from_m - self._front_m - 2.0:
            self._avoid = None  # still before the full-offset stretch: back to the centreline and stop behind it
            self._refused.add(av.track_id)
            return
        magnitude = max(abs(av.offset_m), min(needed, allowed))
        self._avoid = _Avoidance(track_id=av.track_id, s_from_m=min(av.s_from_m, float(sc.s_m[i] - sc.half_s_m[i])),
                                 s_to_m=max(av.s_to_m, float(sc.s_m[i] + sc.half_s_m[i])),
                                 offset_m=math.copysign(magnitude, av.offset_m))

    def _needed_offsets(self, sc: _Scene, i: int) -> tuple[float, float]:
        """Lateral offsets (to the left, to the right; both >= 0) that clear track ``i`` with the set clearance."""
        need = self._ego_half_w_m + self._cfg.avoid_clearance_m
        d, half = float(sc.d_m[i]), float(sc.half_d_m[i])
        return d + half + need, -(d - half) + need

    def _offset(self, s_m: np.ndarray) -> np.ndarray:
        """Planned lateral offset at arc lengths ``s_m``: smoothstep ramps into and out of the avoidance span."""
        av = self._avoid
        if av is None:
            return np.zeros_like(s_m)
        ramp = self._cfg.avoid_ramp_m
        full_from, full_to = av.s_from_m - self._front_m - 2.0, av.s_to_m + self._rear_m + 2.0
        x = np.minimum(np.clip((s_m - (full_from - ramp)) / ramp, 0.0, 1.0),
                       np.clip(((full_to + ramp) - s_m) / ramp, 0.0, 1.0))
        return av.offset_m * x * x * (3.0 - 2.0 * x)

    def _leads(self, sc: _Scene, pred: PredictionOutput, s_ego: float,
               v_mps: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
        """Gap [m], lead speed [m/s] and IDM standstill gap [m] per lead; index 0 is the free road."""
        front_s = s_ego + self._front_m
        leads: list[tuple[float, float, float, str]] = [(math.inf, 0.0, 0.0, "cruise")]
        inside = (np.abs(sc.d_m - self._offset(sc.s_m)) - sc.half_d_m < self._corridor_half_m) & sc.valid
        now = inside & (sc.s_m + sc.half_s_m > s_ego - self._rear_m)
        for i in now.nonzero()[0].tolist():
            moving = not sc.static[i] and sc.v_s_mps[i] > self._cfg.static_speed_mps
            leads.append((float(sc.s_m[i] - sc.half_s_m[i]) - front_s, float(sc.v_s_mps[i]) if moving else 0.0,
                          self._cfg.stop_margin_m, "follow" if moving else "stop"))
        crossing = (~now & sc.crossing & sc.valid).nonzero()[0]
        if len(crossing) and len(pred.times_s) > 1:
            leads += self._yields(sc, crossing, pred, s_ego, v_mps)
        leads += self._fixed_stops(sc, front_s, s_ego)
        gaps, v_lead, s0, reasons = zip(*leads, strict=True)
        return np.array(gaps), np.array(v_lead), np.array(s0), list(reasons)

    def _yields(self, sc: _Scene, idx: np.ndarray, pred: PredictionOutput, s_ego: float,
                v_mps: float) -> list[tuple[float, float, float, str]]:
        """Tracks predicted to enter the corridor before the ego is clear of that point: stop short of the entry."""
        front_s, rear_s = s_ego + self._front_m, s_ego - self._rear_m
        xy = pred.xy_m[idx, 1:]
        m, k_n = xy.shape[0], xy.shape[1]
        s, d = self._route.project(xy.reshape(-1, 2), rear_s - 10.0, s_ego + self._cfg.range_m)
        s, d = s.reshape(m, k_n), d.reshape(m, k_n)
        inside = np.abs(d - self._offset(s)) - sc.half_d_m[idx, None] < self._corridor_half_m
        out = []
        for row in inside.any(axis=1).nonzero()[0].tolist():
            i, k = int(idx[row]), int(np.argmax(inside[row]))
            entry_s = float(s[row, k] - sc.half_s_m[i])
            clear_after_s = (float(s[row, k] + sc.half_s_m[i]) - rear_s) / max(v_mps, 0.5)
            if entry_s > front_s and clear_after_s > float(pred.times_s[k + 1]) - 1.0:
                out.append((entry_s - front_s, 0.0, self._cfg.stop_margin_m, "yield"))
        return out

    def _fixed_stops(self, sc: _Scene, front_s: float, s_ego: float) -> list[tuple[float, float, float, str]]:
        """Occupied crosswalks ahead and the goal, as stationary leads (gap, 0, standstill gap, reason)."""
        m = self._mission
        stops = []
        lateral_ok = np.abs(sc.d_m) <= 0.5 * m.lane_width_m + self._cfg.crosswalk_side_m
        for cw in m.crosswalks:
            start = cw.centre_s_m - 0.5 * cw.width_m
            near = np.abs(sc.s_m - cw.centre_s_m) <= 0.5 * cw.width_m + 1.0
            occupied = sc.small & sc.valid & lateral_ok & near
            if start > front_s - 0.5 and occupied.any():
                stops.append((start - front_s, 0.0, self._cfg.stop_margin_m, "crosswalk"))
        if m.stop_at_goal:
            stops.append((m.goal_s_m - s_ego, 0.0, self._cfg.goal_margin_m, "goal"))
        return stops

    def _cruise_speed(self, s_ego: float, v: float) -> float:
        """Mission target, speed limit and the curvature limit ahead (reachable at ``curve_decel_mps2``)."""
        r = self._route
        i0 = int(np.searchsorted(r.s_m, s_ego))
        i1 = int(np.searchsorted(r.s_m, s_ego + self._cfg.range_m))
        v_max = min(self._mission.target_speed_mps, self._mission.speed_limit_mps)
        if i1 > i0:
            # Distance left to slow down, less the ground covered in the speed loop's time constant.
            ahead = np.maximum(r.s_m[i0:i1] - s_ego - v * self._cfg.speed_time_constant_s, 0.0)
            reach = np.sqrt(self._v_curve[i0:i1] ** 2 + 2.0 * self._cfg.curve_decel_mps2 * ahead)
            v_max = min(v_max, float(reach.min()))
        return max(v_max, 0.1)

    def _idm(self, v: float, v0: float, gaps: np.ndarray, v_lead: np.ndarray, s0: np.ndarray) -> np.ndarray:
        """IDM acceleration per lead (index 0: free road, no interaction term)."""
        a, b = self._cfg.accel_mps2, self._cfg.comfort_decel_mps2
        # Above the desired speed IDM's free term barely brakes; close the gap in one time constant instead.
        free = a * (1.0 - (v / v0) ** 4) if v <= v0 else -min(b, (v - v0) / self._cfg.speed_time_constant_s)
        s_star = s0 + np.maximum(0.0, v * self._cfg.time_gap_s + v * (v - v_lead) / (2.0 * math.sqrt(a * b)))
        with np.errstate(divide="ignore", invalid="ignore"):
            inter = np.where(np.isfinite(gaps), (s_star / np.maximum(gaps, 1e-3)) ** 2, 0.0)
        acc = free - a * inter
        return np.where(gaps <= 0.0, -self._cfg.max_decel_mps2, acc)
