"""The simulator's per-step actor updates, vectorised without changing a single bit of the result.

``farm.sim.actors`` steps a scripted actor at the physics rate: toward the latest
begun phase's target speed at that phase's rate, trapezoidal integration, a
ballistic stop. Within one phase a run of steps is either rate-limited (the same
speed increment ``accel * dt`` every step) or converged (a fixed point of the
update: the speed no longer changes). ``np.add.accumulate`` adds in order, so a
run of identical increments reproduces the sequential sums exactly, and every
elementwise operation here is the IEEE operation the loop performs. Only the
step that leaves the rate limit, a ballistic stop and the few steps of
convergence are stepped one at a time. ``tests/farm/preventable/test_replay.py``
checks the result against ``ActorSet`` for exact equality.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from scenario_library.scene import SpeedPhase, Trigger

EPS = 1e-9  # farm.sim.actors._EPS


def fire_step(trig: Trigger, ego_xy_m: np.ndarray, start_xy_m: np.ndarray, dt_s: float) -> int | None:
    """The first step whose trigger check fires (``t + eps >= t_s``, or the ego's rear axle within reach)."""
    n = len(ego_xy_m)
    found: int | None = None
    if trig.t_s is not None:
        hits = np.flatnonzero(np.arange(n) * dt_s + EPS >= trig.t_s)
        found = int(hits[0]) if hits.size else None
    if trig.ego_within_m is not None:
        rel = ego_xy_m[: n if found is None else found] - start_xy_m
        near = np.flatnonzero(np.hypot(rel[:, 0], rel[:, 1]) <= trig.ego_within_m * (1.0 + 1e-12) + 1e-12)
        for k in near:  # np.hypot and math.hypot may differ in the last bit: the loop's own test decides
            if math.hypot(*rel[k]) <= trig.ego_within_m:
                return int(k)
    return found


def phase_begin_steps(phases: list[SpeedPhase], fired: int, n: int, dt_s: float) -> list[int]:
    """The step at which each (sorted) phase begins, for the phases that begin within ``n`` steps."""
    t_rel_eps = (np.arange(fired, n) - fired) * dt_s + EPS
    found = [fired + int(np.searchsorted(t_rel_eps, p.t_s, side="left")) for p in phases]
    return [k for k in found if k < n]


def _step(s_m: float, v_mps: float, accel_mps2: float, dt_s: float) -> tuple[float, float]:
    v1 = v_mps + accel_mps2 * dt_s
    if v1 >= 0.0:
        return s_m + 0.5 * (v_mps + v1) * dt_s, v1
    return s_m - 0.5 * v_mps * v_mps / accel_mps2, 0.0


def _accumulate(start: float, increments: np.ndarray) -> np.ndarray:
    """``start + inc0``, ``(start + inc0) + inc1``, ...: the sequential sums, in order."""
    return np.add.accumulate(np.concatenate([[start], increments]))[1:]


def _rate_limited(s_m: float, v_mps: float, accel_mps2: float, phase: SpeedPhase, steps: int,
                  dt_s: float) -> tuple[np.ndarray, np.ndarray]:
    """The longest run (up to ``steps``) of steps that stay at ``accel_mps2`` without stopping: its states."""
    rate = abs(phase.accel_mps2)
    v = _accumulate(v_mps, np.full(steps, accel_mps2 * dt_s))
    before = np.concatenate([[v_mps], v[:-1]])
    still = (np.minimum(np.maximum((phase.target_speed_mps - before) / dt_s, -rate), rate) == accel_mps2) & (v >= 0.0)
    run = steps if still.all() else int(np.argmin(still))
    return _accumulate(s_m, 0.5 * (before[:run] + v[:run]) * dt_s), v[:run]


def phase_states(s_m: float, v_mps: float, phase: SpeedPhase | None, steps: int,
                 dt_s: float) -> tuple[np.ndarray, np.ndarray]:
    """``steps`` states (arc length, speed) after ``(s_m, v_mps)`` under one phase (None: before any began)."""
    s_parts, v_parts, done = [np.zeros(0)], [np.zeros(0)], 0
    while done < steps:
        if phase is None:
            accel = a = 0.0
        else:
            a = (phase.target_speed_mps - v_mps) / dt_s
            rate = abs(phase.accel_mps2)
            accel = min(max(a, -rate), rate)
        s1, v1 = _step(s_m, v_mps, accel, dt_s)
        if accel != a:
            s_run, v_run = _rate_limited(s_m, v_mps, accel, phase, steps - done, dt_s)  # type: ignore[arg-type]
            if len(v_run):
                s_parts.append(s_run)
                v_parts.append(v_run)
                done, s_m, v_mps = done + len(v_run), float(s_run[-1]), float(v_run[-1])
                continue
        elif v1 == v_mps:  # a fixed point: the same state update for the rest of the phase
            s_parts.append(_accumulate(s_m, np.full(steps - done, 0.5 * (v_mps + v1) * dt_s)))
            v_parts.append(np.full(steps - done, v_mps))
            break
        s_parts.append(np.array([s1]))
        v_parts.append(np.array([v1]))
        done, s_m, v_mps = done + 1, s1, v1
    return np.concatenate(s_parts), np.concatenate(v_parts)


def scripted_states(phases: list[SpeedPhase], begins: list[int], fired: int, n: int, s_m: float, v_mps: float,
                    dt_s: float) -> tuple[np.ndarray, np.ndarray]:
    """States at steps ``fired .. n - 1`` (the first is ``(s_m, v_mps)``, just fired), phase by phase."""
    s_parts, v_parts = [np.array([s_m])], [np.array([v_mps])]
    cuts = sorted({fired, n - 1, *(b for b in begins if fired < b < n - 1)})
    for k0, k1 in itertools.pairwise(cuts):
        index = sum(b <= k0 for b in begins) - 1
        s_run, v_run = phase_states(s_m, v_mps, phases[index] if index >= 0 else None, k1 - k0, dt_s)
        s_parts.append(s_run)
        v_parts.append(v_run)
        s_m, v_mps = float(s_run[-1]), float(v_run[-1])
    return np.concatenate(s_parts), np.concatenate(v_parts)
