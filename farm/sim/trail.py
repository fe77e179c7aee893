"""The poses a kinematic stretch of physics steps went through, as the box arrays the sweep measures.

The kinematic ego and the actors are advanced in tight loops (``World.step``);
when a body is within sweeping reach they append their state after every step
here, and ``farm.sim.contact.ContactMonitor.measure_trail`` then measures every
step's gaps at once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from farm.sim.ego import Planar


class Track(Protocol):
    """Maps an actor's progress coordinate (``ActorSet.progress``: arc length, or a recorded actor's) to its box."""

    def pose(self, coord: float) -> tuple[float, float, float]:
        """(x, y, yaw) of an actor's box centre at progress coordinate ``coord``."""

    def kinematics(self, coord: float, speed_mps: float) -> tuple[float, float, float, float, float]:
        """(x, y, yaw, vx, vy) of the box centre at ``coord`` moving at ``speed_mps``."""


@dataclass(slots=True)
class Trail:
    """Per physics step: the ego's (x, y, yaw, speed) at its rear axle and every actor's (coordinate, speed)."""

    ego: list[tuple[float, float, float, float]] = field(default_factory=list)
    actors: list[list[tuple[float, float]]] = field(default_factory=list)

    def ego_planar(self, k: int) -> Planar:
        """The ego's planar state after step ``k`` (yaw rate not kept: 0)."""
        x, y, yaw, v = (float(c) for c in self.ego[k])
        return Planar(x_m=x, y_m=y, yaw_rad=yaw, vx_mps=v * math.cos(yaw), vy_mps=v * math.sin(yaw),
                      yaw_rate_radps=0.0, speed_mps=v)

    def actor_state(self, k: int, i: int, track: Track) -> tuple[float, float, float, float, float]:
        """(x, y, yaw, vx, vy) of actor ``i``'s box centre after step ``k``."""
        coord, v = self.actors[k][i]
        return track.kinematics(coord, v)

    def ego_boxes(self, centre_ahead_m: float, length_m: float, width_m: float) -> tuple[np.ndarray, ...]:
        """The ego box (centre x, y, yaw, length, width) at every step, (S,) arrays."""
        e = np.asarray(self.ego)
        n = len(e)
        return (e[:, 0] + centre_ahead_m * np.cos(e[:, 2]), e[:, 1] + centre_ahead_m * np.sin(e[:, 2]), e[:, 2],
                np.full(n, length_m), np.full(n, width_m))

    def body_boxes(self, indices: Sequence[int], tracks: Sequence[Track], obstacle_poses: Sequence[tuple[float, ...]],
                   sizes_m: Sequence[tuple[float, float]]) -> tuple[np.ndarray, ...]:
        """Boxes of bodies ``indices`` (actors first, then obstacles) at every step, (K, S) arrays."""
        n, n_actors = len(self.ego), len(tracks)
        poses = np.empty((len(indices), n, 3))
        for row, i in enumerate(indices):
            if i < n_actors:
                poses[row] = [tracks[i].pose(step[i][0]) for step in self.actors]
            else:
                poses[row] = obstacle_poses[i - n_actors]
        sizes = np.array([sizes_m[i] for i in indices]).reshape(-1, 2)
        return (poses[:, :, 0], poses[:, :, 1], poses[:, :, 2], np.repeat(sizes[:, :1], n, axis=1),
                np.repeat(sizes[:, 1:], n, axis=1))
