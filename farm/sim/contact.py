"""Contacts and footprint gaps between the ego and the other bodies, at the physics rate where they matter.

The prefilter: the distance from the centre of the ego's bounding circle to a
body's box, less the circle's radius, is a cheap lower bound on their footprint
gap. Before a stretch of physics steps the world keeps only the bodies whose
bound could fall within ``SWEEP_RANGE_M`` at their top speeds (``within_reach``);
at each step of the stretch, each of those whose bound is within range gets an
exact gap: a pybullet closest-points query after the step (dynamic ego,
``measure_step``) or, for the kinematic ego, a vectorised box-to-box distance
over the poses the stretch went through (``measure_trail``,
``farm.metrics.footprint.box_gaps_m``; it agrees with pybullet's to 1 mm). A
gap joins the tick's minimum, and a gap within ``CONTACT_TOLERANCE_M`` is a
contact. So a gap below ``SWEEP_RANGE_M`` is exact at the physics rate in both
fidelities and a contact never falls between two stack ticks; larger gaps are
sampled at the stack tick. ``take`` hands the tick's result over and starts
the next one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import numpy as np

from farm.metrics.footprint import box_gaps_m
from farm.metrics.trace import Impact
from farm.sim.bodies import min_distance_m
from farm.sim.ego import Planar
from farm.sim.state import BodyState

GAP_CAP_M = 50.0
CONTACT_TOLERANCE_M = 0.02  # a resting contact in Bullet keeps a few millimetres of separation
SWEEP_RANGE_M = 2.0  # gaps below this are measured at every physics step
REACH_MARGIN = 1.1  # bounding-circle centres move at most this x the speed (the ego's centre swings when turning)

Point = tuple[float, float]
Pose = tuple[float, float, float]


@dataclass(frozen=True, slots=True, kw_only=True)
class Sweep:
    """What happened since the previous ``take``: bodies touched, smallest gaps (now included)."""

    contacts: tuple[str, ...]  # sorted ids
    gap_m: float  # smallest gap to any body; inf beyond GAP_CAP_M
    gap_body_id: str  # "" when gap_m is inf
    body_gap_m: dict[str, float]  # smallest gap per body measured (in the sweep or now)


class ContactMonitor:
    """Gap and contact book-keeping for one world's ego against its bodies (actors first, then obstacles)."""

    def __init__(self, client: int, ego_body: int, *, names: Sequence[str], bodies: Sequence[int],
                 sizes_m: Sequence[tuple[float, float]], ego_radius_m: float) -> None:
        self._client, self._ego = client, ego_body
        self.names, self._bodies = tuple(names), tuple(bodies)
        self._half_l_m = np.array([0.5 * length for length, _ in sizes_m])
        self._half_w_m = np.array([0.5 * width for _, width in sizes_m])
        self._ego_radius_m = ego_radius_m
        self._index = {name: i for i, name in enumerate(self.names)}
        self._touched: set[str] = set()
        self._min_gap_m: dict[str, float] = {}

    def bound_m(self, i: int, ego_centre: Point, pose: Pose) -> float:
        """Lower bound on the footprint gap to body ``i`` (at ``pose``): its box to the ego's bounding circle."""
        dx, dy = ego_centre[0] - pose[0], ego_centre[1] - pose[1]
        c, s = math.cos(pose[2]), math.sin(pose[2])
        return math.hypot(max(abs(c * dx + s * dy) - self._half_l_m[i], 0.0),
                          max(abs(-s * dx + c * dy) - self._half_w_m[i], 0.0)) - self._ego_radius_m

    def within_reach(self, ego_centre: Point, poses: Sequence[Pose], reach_m: Sequence[float]) -> list[int]:
        """Bodies that could come within ``SWEEP_RANGE_M`` if each closes ``reach_m[i]`` on the ego."""
        return [i for i, p in enumerate(poses) if self.bound_m(i, ego_centre, p) - reach_m[i] <= SWEEP_RANGE_M]

    def measure_step(self, ego_centre: Point, centres: Sequence[Pose], indices: Sequence[int],
                     place: Callable[[int], None]) -> list[str]:
        """After a physics step: gaps of the listed bodies within range; the ids now touching.

        ``place(i)`` must bring body ``i`` (and the ego) to their current poses in pybullet.
        """
        touching = []
        for i in indices:
            if self.bound_m(i, ego_centre, centres[i]) > SWEEP_RANGE_M:
                continue
            place(i)
            gap = min_distance_m(self._client, self._ego, self._bodies[i], cap_m=SWEEP_RANGE_M, link_a=-1)
            name = self.names[i]
            if gap < self._min_gap_m.get(name, math.inf):
                self._min_gap_m[name] = gap
            if gap <= CONTACT_TOLERANCE_M:
                touching.append(name)
        self._touched.update(touching)
        return touching

    def measure_trail(self, ego_box: tuple[np.ndarray, ...], indices: Sequence[int],
                      body_box: tuple[np.ndarray, ...]) -> tuple[int, str] | None:
        """Gaps over a stretch of S physics steps, all at once, from box poses per step.

        ``ego_box`` is the ego box's (x, y, yaw, length, width) as (S,) arrays;
        ``body_box`` the same for the bodies ``indices`` as (K, S) arrays. Returns
        the first (step, id) in contact, if any.
        """
        dx, dy = ego_box[0] - body_box[0], ego_box[1] - body_box[1]
        c, s = np.cos(body_box[2]), np.sin(body_box[2])
        rows_i = list(indices)
        bound = np.hypot(np.maximum(np.abs(c * dx + s * dy) - self._half_l_m[rows_i][:, None], 0.0),
                         np.maximum(np.abs(-s * dx + c * dy) - self._half_w_m[rows_i][:, None], 0.0)
                         ) - self._ego_radius_m
        rows, steps = np.nonzero(bound <= SWEEP_RANGE_M)
        if not len(rows):
            return None
        gaps = box_gaps_m(tuple(c[steps] for c in ego_box), tuple(c[rows, steps] for c in body_box))
        first: tuple[int, str] | None = None
        for row in np.unique(rows):
            mine = rows == row
            name = self.names[indices[row]]
            body_gaps = gaps[mine]
            self._min_gap_m[name] = min(float(body_gaps.min()), self._min_gap_m.get(name, math.inf))
            hits = np.flatnonzero(body_gaps <= CONTACT_TOLERANCE_M)
            if len(hits):
                self._touched.add(name)
                hit = (int(steps[mine][hits[0]]), name)
                first = hit if first is None else min(first, hit)
        return first

    def latch(self, names: Collection[str]) -> None:
        """Bodies touching the ego according to the physics engine (dynamic ego)."""
        self._touched.update(names)

    def take(self, ego_centre: Point, centres: Sequence[Pose], extra_ids: Collection[str] = ()) -> Sweep:
        """The tick's contacts and gaps, including the current poses (already in pybullet); then reset."""
        order = sorted((self.bound_m(i, ego_centre, c), i) for i, c in enumerate(centres))
        gaps = dict(self._min_gap_m)
        best = min(gaps.values(), default=math.inf)
        for bound, i in order:
            name = self.names[i]
            if bound > min(best, GAP_CAP_M) and name not in extra_ids:
                continue  # further than the best so far and nobody asked for it
            gap = min_distance_m(self._client, self._ego, self._bodies[i], cap_m=GAP_CAP_M, link_a=-1)
            if gap <= CONTACT_TOLERANCE_M:
                self._touched.add(name)
            gaps[name] = min(gap, gaps.get(name, math.inf))
            best = min(best, gap)
        best, best_name = math.inf, ""
        for name, gap in gaps.items():
            if gap < best or (gap == best and name < best_name):
                best, best_name = gap, name
        sweep = Sweep(contacts=tuple(sorted(self._touched)), gap_m=best, gap_body_id=best_name if best < math.inf
                      else "", body_gap_m=gaps)
        self._touched, self._min_gap_m = set(), {}
        return sweep


def impact(t_s: float, before: Planar, after: Planar, body: BodyState) -> Impact:
    """The first contact: poses after the contact step, velocities from before it (pre-impulse)."""
    return Impact(t_s=t_s, body_id=body.body_id, body_kind=body.kind, ego_x_m=after.x_m, ego_y_m=after.y_m,
                  ego_yaw_rad=after.yaw_rad, ego_speed_mps=before.speed_mps, ego_vx_mps=before.vx_mps,
                  ego_vy_mps=before.vy_mps, body_x_m=body.x_m, body_y_m=body.y_m, body_yaw_rad=body.yaw_rad,
                  body_vx_mps=body.vx_mps, body_vy_mps=body.vy_mps, body_length_m=body.length_m,
                  body_width_m=body.width_m)
