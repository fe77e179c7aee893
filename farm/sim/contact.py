"""Contacts and footprint gaps between the ego and the other bodies, at the physics rate where they matter.

Each body has a bounding circle about its box centre; the distance between the
ego's circle and a body's is a cheap lower bound on their footprint gap. After
every physics step that the world sweeps (see ``World.step``), each body whose
bound is within ``SWEEP_RANGE_M`` gets an exact pybullet closest-points query:
its gap joins the tick's minimum and a gap within ``CONTACT_TOLERANCE_M`` is a
contact. So a gap below ``SWEEP_RANGE_M`` is exact at the physics rate in both
fidelities and a contact can never fall between two stack ticks; larger gaps
are sampled at the stack tick. ``take`` hands the tick's result over and starts
the next one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from farm.metrics.trace import Impact
from farm.sim.bodies import min_distance_m
from farm.sim.ego import Planar
from farm.sim.state import BodyState

GAP_CAP_M = 50.0
CONTACT_TOLERANCE_M = 0.02  # a resting contact in Bullet keeps a few millimetres of separation
SWEEP_RANGE_M = 2.0  # gaps below this are measured at every physics step
REACH_MARGIN = 1.1  # bounding-circle centres move at most this x the speed (the ego's centre swings when turning)

Point = tuple[float, float]


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
                 radii_m: Sequence[float], ego_radius_m: float) -> None:
        self._client, self._ego = client, ego_body
        self.names, self._bodies, self._radii_m = tuple(names), tuple(bodies), tuple(radii_m)
        self._ego_radius_m = ego_radius_m
        self._index = {name: i for i, name in enumerate(self.names)}
        self._touched: set[str] = set()
        self._min_gap_m: dict[str, float] = {}

    def bound_m(self, i: int, ego_centre: Point, centre: Point) -> float:
        """Lower bound on the footprint gap to body ``i`` from the two bounding circles."""
        return (math.hypot(centre[0] - ego_centre[0], centre[1] - ego_centre[1]) - self._radii_m[i]
                - self._ego_radius_m)

    def within_reach(self, ego_centre: Point, centres: Sequence[Point], reach_m: Sequence[float]) -> list[int]:
        """Bodies that could come within ``SWEEP_RANGE_M`` if each closes ``reach_m[i]`` on the ego."""
        return [i for i, c in enumerate(centres) if self.bound_m(i, ego_centre, c) - reach_m[i] <= SWEEP_RANGE_M]

    def measure_step(self, ego_centre: Point, centres: Sequence[Point], indices: Sequence[int],
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

    def latch(self, names: Collection[str]) -> None:
        """Bodies touching the ego according to the physics engine (dynamic ego)."""
        self._touched.update(names)

    def take(self, ego_centre: Point, centres: Sequence[Point], extra_ids: Collection[str] = ()) -> Sweep:
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
