"""Safety monitor: AEB on time-to-collision, speed envelope, geofence, deadline watchdog, fallback.

It checks the command against the tracks independently of the planner: the
AEB corridor follows the arc of the commanded steering angle. Every trigger is
one event on its rising edge. The minimal-risk fallback (a comfortable stop)
latches for the rest of the rollout; AEB latches until the threat clears or
the vehicle stands still.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from autonomy.config import SafetyConfig
from autonomy.tracking import TrackingOutput
from autonomy.types import ComputeLatency, ControlCommand, EgoEstimate, Mission, StackEvent, VehicleLimits


@dataclass(frozen=True, slots=True, kw_only=True)
class SafetyInput:
    """The command to check and everything it is checked against."""

    estimate: EgoEstimate
    tracks: TrackingOutput
    command: ControlCommand
    route_offset_m: float
    plan_stopped: bool
    latency: ComputeLatency  # the farm's simulated compute latency of this tick


@dataclass(frozen=True, slots=True, kw_only=True)
class SafetyOutput:
    """The command to actuate, the stack mode, the tick's events and the smallest TTC seen [s]."""

    command: ControlCommand
    mode: str
    events: tuple[StackEvent, ...]
    min_ttc_s: float


class SafetyMonitor(Protocol):
    """Overrides the command when something is unsafe."""

    def step(self, inp: SafetyInput) -> SafetyOutput: ...


class ReferenceSafetyMonitor:
    """TTC-based AEB, speed cap, geofence and a per-module deadline watchdog."""

    def __init__(self, config: SafetyConfig, mission: Mission, limits: VehicleLimits) -> None:
        self._cfg, self._limits = config, limits
        self._front_m = limits.length_m - limits.rear_overhang_m
        self._half_w_m = 0.5 * limits.width_m + config.aeb_lateral_margin_m
        self._speed_cap_mps = mission.speed_limit_mps + config.speed_margin_mps
        self._fence_m = 0.5 * mission.lane_width_m + max(mission.avoid_left_m, mission.avoid_right_m) \
            + config.geofence_margin_m
        self._aeb = self._over_speed = self._off_route = self._fallback = False
        self._missed: list[bool] = []  # per module: missing its deadline on the previous tick
        self._consecutive_misses = 0

    def step(self, inp: SafetyInput) -> SafetyOutput:
        """Check, override, and report."""
        events: list[StackEvent] = []
        self._watchdog(inp.latency, events)
        self._geofence(inp.route_offset_m, events)
        ttc_s, track = self._min_ttc(inp.estimate, inp.tracks, inp.command.steer_rad)
        v = inp.estimate.speed_mps
        if not self._aeb and ttc_s < self._cfg.aeb_ttc_s and v > self._cfg.aeb_min_speed_mps:
            self._aeb = True
            events.append(StackEvent(kind="aeb", detail=f"ttc {ttc_s:.2f} s track {track}"))
        elif self._aeb and (ttc_s > self._cfg.aeb_release_ttc_s or v < 0.1):
            self._aeb = False
        over = v > self._speed_cap_mps
        if over and not self._over_speed:
            events.append(StackEvent(kind="speed_envelope", detail=f"{v:.2f} > {self._speed_cap_mps:.2f} m/s"))
        self._over_speed = over
        accel = inp.command.accel_mps2
        if over:
            accel = min(accel, -self._cfg.speed_cap_decel_mps2)
        mode = "nominal"
        if self._fallback:
            accel, mode = min(accel, -self._cfg.fallback_decel_mps2), "fallback"
        if self._aeb:
            accel, mode = -self._limits.max_decel_mps2, "aeb"
        if mode == "nominal" and inp.plan_stopped and v < 0.2:
            mode = "stopped"
        command = inp.command if accel == inp.command.accel_mps2 else replace(inp.command, accel_mps2=accel)
        return SafetyOutput(command=command, mode=mode, events=tuple(events), min_ttc_s=ttc_s)

    def _watchdog(self, latency: ComputeLatency, events: list[StackEvent]) -> None:
        """A deadline miss is an event when it starts; ``fallback_after_misses`` ticks in a row end the mission."""
        any_miss = False
        if len(self._missed) != len(latency.latency_s):
            self._missed = [False] * len(latency.latency_s)
        for i, (lat_s, deadline_s) in enumerate(zip(latency.latency_s, latency.deadline_s, strict=True)):
            miss = lat_s > deadline_s
            if miss and not self._missed[i]:
                events.append(StackEvent(kind="deadline_miss",
                                         detail=f"{latency.modules[i]} {lat_s * 1e3:.1f} > {deadline_s * 1e3:.1f}"))
            self._missed[i] = miss
            any_miss = any_miss or miss
        self._consecutive_misses = self._consecutive_misses + 1 if any_miss else 0
        if self._consecutive_misses >= self._cfg.fallback_after_misses:
            self._trigger_fallback(f"{self._consecutive_misses} consecutive ticks with deadline misses", events)

    def _geofence(self, route_offset_m: float, events: list[StackEvent]) -> None:
        off = abs(route_offset_m) > self._fence_m
        if off and not self._off_route:
            events.append(StackEvent(kind="geofence", detail=f"{route_offset_m:.2f} m off route"))
            self._trigger_fallback("geofence", events)
        self._off_route = off

    def _trigger_fallback(self, reason: str, events: list[StackEvent]) -> None:
        if not self._fallback:
            self._fallback = True
            events.append(StackEvent(kind="fallback", detail=reason))

    def _min_ttc(self, est: EgoEstimate, tr: TrackingOutput, steer_rad: float) -> tuple[float, int]:
        """Smallest TTC [s] to a track in the corridor along the commanded arc, and that track's id (-1: none)."""
        if len(tr.track_id) == 0:
            return math.inf, -1
        c, s = math.cos(est.yaw_rad), math.sin(est.yaw_rad)
        rel = tr.centre_xy_m - (est.x_m, est.y_m)
        x = c * rel[:, 0] + s * rel[:, 1]
        y = -s * rel[:, 0] + c * rel[:, 1]
        y_arc = y - 0.5 * (math.tan(steer_rad) / self._limits.wheelbase_m) * x * x
        rel_h = tr.heading_rad - est.yaw_rad
        a, b = 0.5 * tr.size_m[:, 0], 0.5 * tr.size_m[:, 1]
        ca, sa = np.abs(np.cos(rel_h)), np.abs(np.sin(rel_h))
        gap = x - (a * ca + b * sa) - self._front_m
        in_path = (np.abs(y_arc) - (a * sa + b * ca) < self._half_w_m) & (x > 0.0) & (gap < self._cfg.aeb_range_m)
        closing = est.speed_mps - (c * tr.velocity_mps[:, 0] + s * tr.velocity_mps[:, 1])
        ok = in_path & (closing > 0.1)
        if not ok.any():
            return math.inf, -1
        ttc = np.where(ok, np.maximum(gap, 0.0) / np.where(ok, closing, 1.0), np.inf)
        k = int(np.argmin(ttc))
        return float(ttc[k]), int(tr.track_id[k])
