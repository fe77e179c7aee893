"""Recorded motion for the reference driver: logged poses on the replay grid, and when a logged actor brakes or moves.

The poses follow ``scenario_library.scene.RecordedTrajectory`` exactly as the
simulator's ``farm.sim.recorded_actor.LogTrajectory`` interpolates them (checked
against it in ``tests/farm/preventable/test_recorded.py``): position linear in
time, yaw along the shortest arc, speed constant over each sample interval (the
interval ahead at a sample), dead reckoning at the first/last interval's velocity
outside the logged span. A reactive actor is replayed as logged: the reference
driver is judged against what the other road users did, not against how they
would have reacted to it (docs/decisions.md D113).

The events a rule perceives are read off the samples, never off the physics grid:

- *brake onset*: the first interval whose speed is ``BRAKE_DROP_MPS`` below the
  fastest interval so far ends a run of intervals each slower than the one
  before by more than ``SLOWING_MPS`` (the noise floor); the onset is the start
  of that run's first interval. For a lead that brakes at a sample time it is
  that time (the exported ``lead_vehicle_braking`` log: 3.0 s, as scripted);
  otherwise within one sample period, never after the drop is visible; a run
  that reaches back to the first sample starts there (the actor may have been
  braking before the log began);
- *moving*: the start of the first interval faster than ``MOVING_MPS``.
"""

from __future__ import annotations

import math

import numpy as np

from scenario_library.scene import RecordedTrajectory

BRAKE_DROP_MPS = 0.5  # a logged actor brakes once its speed is this far below its fastest so far
SLOWING_MPS = 1e-3  # consecutive intervals closer than this are not slowing (float noise, logging noise)
MOVING_MPS = 0.5  # a logged actor moves once an interval is faster than this (walking is ~1.4 m/s)


def _arrays(b: RecordedTrajectory) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    t = np.array([s.t_s for s in b.samples], dtype=float)
    return t, np.array([s.x_m for s in b.samples]), np.array([s.y_m for s in b.samples]), \
        np.array([s.yaw_rad for s in b.samples])


def interval_speeds_mps(b: RecordedTrajectory) -> tuple[np.ndarray, np.ndarray]:
    """Sample times [s] and the speed over each interval between them [m/s] (one speed of 0 for a single sample)."""
    t, x, y, _ = _arrays(b)
    if len(t) < 2:
        return t, np.zeros(1)
    return t, np.hypot(np.diff(x), np.diff(y)) / np.diff(t)


def poses(b: RecordedTrajectory, t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(N, 2)`` centres [m], ``(N,)`` yaws [rad] and ``(N,)`` speeds [m/s] of the recorded actor at ``t_s``."""
    t, x, y, yaw = _arrays(b)
    q = np.asarray(t_s, dtype=float)
    if len(t) == 1:
        n = len(q)
        return np.tile((x[0], y[0]), (n, 1)), np.full(n, yaw[0]), np.zeros(n)
    dt = np.diff(t)
    vx, vy = np.diff(x) / dt, np.diff(y) / dt
    i = np.clip(np.searchsorted(t, q, side="right") - 1, 0, len(t) - 2)
    inside = (q > t[0]) & (q < t[-1])
    f = np.where(inside, (q - t[i]) / dt[i], 0.0)
    turn = np.mod(yaw[i + 1] - yaw[i] + math.pi, 2.0 * math.pi) - math.pi
    yaw_in = np.mod(yaw[i] + f * turn + math.pi, 2.0 * math.pi) - math.pi
    at_sample = inside & (f == 0.0)
    yaw_in = np.where(at_sample, yaw[i], yaw_in)
    after = q >= t[-1]
    anchor = np.where(after, len(t) - 1, np.where(inside, i, 0))  # the sample dead reckoning starts from
    lag = np.where(inside, 0.0, q - t[anchor])
    px = np.where(inside, x[i] + f * (x[i + 1] - x[i]), x[anchor] + vx[i] * lag)
    py = np.where(inside, y[i] + f * (y[i + 1] - y[i]), y[anchor] + vy[i] * lag)
    heading = np.where(inside, yaw_in, yaw[anchor])
    return np.column_stack([px, py]), heading, np.hypot(vx, vy)[i]


def brake_onset_s(b: RecordedTrajectory) -> float | None:
    """When the logged actor starts slowing (see the module docstring); None: it never slows by ``BRAKE_DROP_MPS``."""
    t, v = interval_speeds_mps(b)
    fastest = np.maximum.accumulate(v)
    dropped = np.flatnonzero(v < fastest - BRAKE_DROP_MPS)
    if not dropped.size:
        return None
    k = j = int(dropped[0])
    while j > 0 and v[j - 1] > v[j] + SLOWING_MPS:  # interval j is slower than the one before: in the run
        j -= 1
    start = 0 if j == 0 else min(j + 1, k)  # j: the last interval before the run (0: the run may start earlier)
    return max(float(t[start]), 0.0)


def moving_s(b: RecordedTrajectory) -> float | None:
    """When the logged actor starts moving (see the module docstring), from 0 s; None: never faster than walking."""
    t, v = interval_speeds_mps(b)
    moving = np.flatnonzero(v > MOVING_MPS)
    if not moving.size or len(t) < 2:
        return None
    return max(float(t[int(moving[0])]), 0.0)
