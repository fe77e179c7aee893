"""Recorded trajectories: logged poses replayed in time, optionally reactive (nuPlan's reactive agents).

``LogTrajectory`` interpolates the samples of a ``RecordedTrajectory``: position
linearly in time, yaw along the shortest arc, velocity from the interpolated
positions (constant over each sample interval, the one ahead at a sample);
outside the logged span the actor moves on at its first/last interval's
velocity with its first/last yaw. It also puts the actor on its logged path by
arc length, for the IDM phase of a reactive actor.

``RecordedState`` is the simulator state of one such actor. Its progress
coordinate (what ``farm.sim.trail`` records per step) is the scene time [s] while
it follows the log and, once a reactive actor has switched at time t_sw and arc
length s_sw, t_sw + (s - s_sw) with s [m] its arc length along the logged path:
one float that maps back to a pose in both phases, because the switch is final.
"""

from __future__ import annotations

import bisect
import math

from autonomy.geometry import Path, wrap_angle
from farm.sim.motion import EPS, Mover, PathTrack, idm_accel, integrate
from scenario_library.scene import Actor, PoseSample, RecordedTrajectory

STUB_M = 1.0  # a log that never moves gets a path this long along its yaw (for projections)


class LogTrajectory:
    """Interpolation of one actor's logged poses; see the module docstring."""

    def __init__(self, samples: tuple[PoseSample, ...]) -> None:
        if not samples:
            raise ValueError("a recorded trajectory needs at least one sample")
        self.t = [s.t_s for s in samples]
        if any(b <= a for a, b in zip(self.t, self.t[1:], strict=False)):
            raise ValueError("recorded trajectory times must be strictly increasing")
        self.x, self.y, self.yaw = [s.x_m for s in samples], [s.y_m for s in samples], [s.yaw_rad for s in samples]
        n = len(samples)
        self.vel = [((self.x[i + 1] - self.x[i]) / (self.t[i + 1] - self.t[i]),
                     (self.y[i + 1] - self.y[i]) / (self.t[i + 1] - self.t[i])) for i in range(n - 1)] or [(0.0, 0.0)]
        self.speed = [math.hypot(vx, vy) for vx, vy in self.vel]
        seg = [math.hypot(self.x[i + 1] - self.x[i], self.y[i + 1] - self.y[i]) for i in range(n - 1)]
        self.s = [0.0]
        for length in seg:
            self.s.append(self.s[-1] + length)
        self.max_speed_mps = max(self.speed)
        self.path = PathTrack(Path.from_points(self._path_points()))

    def _path_points(self) -> tuple[tuple[float, float], ...]:
        if self.s[-1] > EPS:
            return tuple(zip(self.x, self.y, strict=True))
        x, y, yaw = self.x[0], self.y[0], self.yaw[0]
        return (x, y), (x + STUB_M * math.cos(yaw), y + STUB_M * math.sin(yaw))

    def at(self, t_s: float) -> tuple[float, float, float, float, float, float]:
        """(x, y, yaw, vx, vy, s) at scene time ``t_s``; exact at the samples, continuous between them."""
        t, last = self.t, len(self.t) - 1
        if t_s <= t[0] or last == 0:
            i, dt = 0, t_s - t[0]
        elif t_s >= t[last]:
            i, dt = last, t_s - t[last]
        else:
            i = bisect.bisect_right(t, t_s) - 1
            f = (t_s - t[i]) / (t[i + 1] - t[i])
            if f == 0.0:
                return self.x[i], self.y[i], self.yaw[i], *self.vel[i], self.s[i]
            yaw = wrap_angle(self.yaw[i] + f * wrap_angle(self.yaw[i + 1] - self.yaw[i]))
            return (self.x[i] + f * (self.x[i + 1] - self.x[i]), self.y[i] + f * (self.y[i + 1] - self.y[i]), yaw,
                    *self.vel[i], self.s[i] + f * (self.s[i + 1] - self.s[i]))
        vx, vy = self.vel[min(i, len(self.vel) - 1)]  # dead reckoning outside the logged span
        return (self.x[i] + vx * dt, self.y[i] + vy * dt, self.yaw[i], vx, vy,
                self.s[i] + math.hypot(vx, vy) * dt)

    def accel(self, t_s: float) -> float:
        """The log's acceleration [m/s^2] at ``t_s``: forward difference of interval speeds (0 outside the log)."""
        if len(self.speed) < 2 or not self.t[0] <= t_s < self.t[-2]:
            return 0.0
        i = bisect.bisect_right(self.t, t_s) - 1
        half_span_s = 0.5 * (self.t[i + 2] - self.t[i])
        return (self.speed[i + 1] - self.speed[i]) / half_span_s

    def along(self, s_m: float) -> tuple[float, float, float]:
        """(x, y, yaw) at arc length ``s_m`` of the logged path (yaw interpolated by the fraction of the interval);
        straight on with the last yaw past its end."""
        s, last = self.s, len(self.s) - 1
        i = bisect.bisect_right(s, s_m) - 1
        if i >= last or i < 0:
            x, y, _ = self.path.pose(s_m)
            return x, y, self.yaw[last if i >= last else 0]
        f = (s_m - s[i]) / (s[i + 1] - s[i])
        yaw = wrap_angle(self.yaw[i] + f * wrap_angle(self.yaw[i + 1] - self.yaw[i]))
        return self.x[i] + f * (self.x[i + 1] - self.x[i]), self.y[i] + f * (self.y[i + 1] - self.y[i]), yaw


class RecordedLocator:
    """Maps a recorded actor's progress coordinate (module docstring) to its pose and velocity."""

    def __init__(self, log: LogTrajectory) -> None:
        self.log = log
        self.switch: tuple[float, float] | None = None  # (t_sw, s_sw) once a reactive actor has left its log

    def kinematics(self, coord: float, speed_mps: float) -> tuple[float, float, float, float, float]:
        """(x, y, yaw, vx, vy); ``speed_mps`` is used only in the IDM phase (along the path)."""
        if self.switch is None or coord <= self.switch[0]:
            return self.log.at(coord)[:5]
        s_m = self.switch[1] + coord - self.switch[0]
        x, y, yaw = self.log.along(s_m)
        heading = self.log.path.pose(s_m)[2]
        return x, y, yaw, speed_mps * math.cos(heading), speed_mps * math.sin(heading)

    def pose(self, coord: float) -> tuple[float, float, float]:
        """(x, y, yaw) of the box centre."""
        return self.kinematics(coord, 0.0)[:3]


class RecordedState:
    """Simulator state of one actor with a ``RecordedTrajectory`` behaviour (see the module docstring)."""

    def __init__(self, actor: Actor, length_m: float) -> None:
        b = actor.behaviour
        assert isinstance(b, RecordedTrajectory)
        self.actor, self.behaviour, self.length_m = actor, b, length_m
        self.log = LogTrajectory(b.samples)
        self.locator = RecordedLocator(self.log)
        self.track = self.log.path  # projections (gaps) use the logged path by arc length
        self.fired_step: int | None = 0
        self.coord = 0.0
        _, _, _, vx, vy, self.s_m = self.log.at(0.0)
        self.speed_mps = math.hypot(vx, vy)
        self.dirty = True

    @property
    def switched_at_s(self) -> float | None:
        """Scene time [s] at which a reactive actor became an IDM follower (None: still on its log)."""
        return None if self.locator.switch is None else self.locator.switch[0]

    def pose(self) -> tuple[float, float, float]:
        return self.locator.pose(self.coord)

    def kinematics(self) -> tuple[float, float, float, float, float]:
        return self.locator.kinematics(self.coord, self.speed_mps)

    def mover(self) -> Mover:
        x, y, yaw = self.pose()
        return Mover(x_m=x, y_m=y, yaw_rad=yaw, speed_mps=self.speed_mps, length_m=self.length_m)

    def advance(self, step_index: int, dt_s: float, ego: Mover | None) -> None:
        """One physics step ``step_index`` -> ``step_index + 1`` (a reactive actor decides from the step's start)."""
        b = self.behaviour
        if self.locator.switch is None:
            t_now = step_index * dt_s
            if b.reactive and ego is not None:
                gap_m, lead_speed = self.track.gap(self.s_m, self.length_m, ego)
                a_idm = idm_accel(b.idm, self.speed_mps, gap_m, lead_speed)
                if a_idm < self.log.accel(t_now) - b.switch_decel_mps2:
                    self.locator.switch = (t_now, self.s_m)
                    self._idm_step(a_idm, dt_s)
                    return
            self.coord = (step_index + 1) * dt_s
            _, _, _, vx, vy, self.s_m = self.log.at(self.coord)
            self.speed_mps = math.hypot(vx, vy)
            self.dirty = True
            return
        gap_m, lead_speed = self.track.gap(self.s_m, self.length_m, ego)
        self._idm_step(idm_accel(b.idm, self.speed_mps, gap_m, lead_speed), dt_s)

    def _idm_step(self, accel_mps2: float, dt_s: float) -> None:
        v0 = self.speed_mps
        self.s_m, self.speed_mps = integrate(self.s_m, v0, accel_mps2, dt_s)
        assert self.locator.switch is not None
        self.coord = self.locator.switch[0] + self.s_m - self.locator.switch[1]
        self.dirty = self.dirty or v0 > 0.0 or self.speed_mps > 0.0
