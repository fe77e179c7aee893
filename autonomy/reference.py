"""simfarm's reference stack: the modules wired into one explicit tick.

Entry point ``autonomy.reference:build_stack``. Per tick: localize -> perceive
-> track -> predict -> plan -> control -> safety. Each module's wall time is
measured and reported, never used; its simulated latency is the farm's
(``SensorFrame.compute``, drawn by the farm's seeded latency model), which is
what the watchdog sees.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from time import perf_counter
from typing import Any

from autonomy.config import StackConfig
from autonomy.control import ControlInput, Controller, PurePursuitPid
from autonomy.localization import EkfLocalizer, LocalizationInput, Localizer
from autonomy.perception import Perception, PerceptionInput, ScanClusterer
from autonomy.planning import IdmRoutePlanner, Planner, PlanningInput
from autonomy.prediction import ConstantVelocityPredictor, PredictionInput, Predictor
from autonomy.route import RouteFrame
from autonomy.safety import ReferenceSafetyMonitor, SafetyInput, SafetyMonitor
from autonomy.tracking import KalmanTracker, Tracker, TrackingInput
from autonomy.types import Mission, ModuleTiming, SensorFrame, StackOutput, VehicleLimits


@dataclass(frozen=True, slots=True, kw_only=True)
class _Modules:
    localizer: Localizer
    perception: Perception
    tracker: Tracker
    predictor: Predictor
    planner: Planner
    controller: Controller
    safety: SafetyMonitor


class ReferenceStack:
    """The reference implementation of ``autonomy.types.Stack``."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.rate_hz = config.rate_hz
        self._m: _Modules | None = None

    def reset(self, mission: Mission, limits: VehicleLimits, seed: int) -> None:
        """Fresh modules for a new rollout; the route is preprocessed once here."""
        c = self.config
        route = RouteFrame(mission.route_xy_m)
        self._m = _Modules(
            localizer=EkfLocalizer(c.localization, mission),
            perception=ScanClusterer(c.perception),
            tracker=KalmanTracker(c.tracking),
            predictor=ConstantVelocityPredictor(c.prediction),
            planner=IdmRoutePlanner(c.planning, mission, limits, route),
            controller=PurePursuitPid(c.control, limits, c.rate_hz),
            safety=ReferenceSafetyMonitor(c.safety, mission, limits),
        )

    def step(self, frame: SensorFrame) -> StackOutput:
        """One tick, in order; wall times are measured around each module."""
        m = self._m
        if m is None:
            raise RuntimeError("ReferenceStack.step called before reset")
        lat = frame.compute
        t0 = perf_counter()
        loc = m.localizer.step(LocalizationInput(t_s=frame.t_s, odometry=frame.odometry, gnss=frame.gnss))
        t1 = perf_counter()
        seen = m.perception.step(PerceptionInput(scan=frame.lidar, pose=loc.estimate))
        t2 = perf_counter()
        sensor_xy = (loc.estimate.x_m, loc.estimate.y_m)
        tracks = m.tracker.step(TrackingInput(t_s=frame.t_s, detections=seen, sensor_xy_m=sensor_xy))
        t3 = perf_counter()
        pred = m.predictor.step(PredictionInput(tracks=tracks))
        t4 = perf_counter()
        plan = m.planner.step(PlanningInput(t_s=frame.t_s, estimate=loc.estimate, tracks=tracks, predictions=pred))
        t5 = perf_counter()
        ctl = m.controller.step(ControlInput(t_s=frame.t_s, estimate=loc.estimate, path_xy_m=plan.path_xy_m,
                                             target_speed_mps=plan.target_speed_mps,
                                             target_accel_mps2=plan.target_accel_mps2, hold=plan.stopped))
        t6 = perf_counter()
        safe = m.safety.step(SafetyInput(estimate=loc.estimate, tracks=tracks, command=ctl.command,
                                         route_offset_m=plan.route_offset_m, plan_stopped=plan.stopped, latency=lat))
        t7 = perf_counter()
        walls = (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5, t7 - t6)
        timings = tuple(ModuleTiming(module=name, wall_s=w, sim_latency_s=s)
                        for name, w, s in zip(lat.modules, walls, lat.latency_s, strict=True))
        est = loc.estimate
        return StackOutput(t_s=frame.t_s, command=safe.command, events=safe.events,
                           timings=timings, mode=safe.mode, estimate_x_m=est.x_m, estimate_y_m=est.y_m,
                           estimate_yaw_rad=est.yaw_rad, estimate_speed_mps=est.speed_mps,
                           n_tracks=len(tracks.track_id))


def build_stack(config: Mapping[str, Any]) -> ReferenceStack:
    """The factory named by ``autonomy.reference:build_stack``; unknown config keys raise ValueError."""
    return ReferenceStack(StackConfig.from_mapping(config))
