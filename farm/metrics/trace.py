"""Trace: simulator ground truth sampled once per stack tick; the only input of every metric."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from farm.result import Event


@dataclass(frozen=True, slots=True, kw_only=True)
class Impact:
    """The ego and the body it hit at the physics step of first contact.

    Poses are those after the contact step (rear axle for the ego, box centre
    for the body); velocities are those at the start of it, before any contact
    impulse (the dynamic ego bounces within the step). ``ego_in_lane`` is whether
    the ego's footprint lay wholly inside its own lane (no shoulder) at contact.
    """

    t_s: float
    body_id: str
    body_kind: str  # vehicle | pedestrian | cyclist | static
    ego_x_m: float
    ego_y_m: float
    ego_yaw_rad: float
    ego_speed_mps: float  # signed, along the heading
    ego_vx_mps: float
    ego_vy_mps: float
    body_x_m: float
    body_y_m: float
    body_yaw_rad: float
    body_vx_mps: float
    body_vy_mps: float
    body_length_m: float
    body_width_m: float
    ego_in_lane: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class Trace:
    """Ground truth at the stack rate (N ticks) for the ego and M other bodies.

    Body arrays are (N, M, ...) in the order of ``body_ids``; ``contacts[i]`` are
    the bodies touching the ego at tick i; ``gap_m[i]`` the smallest ego-to-body
    distance over the tick (at the physics rate wherever it is small, see
    ``farm.sim.contact``); ``gap_interest_m[i]`` the same to the family's actors
    of interest (``interest_ids``; inf when none is declared). ``impact`` is the
    first contact at the physics step it happened, if any. ``timings_s`` maps a
    stack module (and "total") to its measured wall time per tick; it never feeds
    a deterministic metric.
    """

    dt_s: float
    t_s: np.ndarray
    ego_x_m: np.ndarray
    ego_y_m: np.ndarray
    ego_yaw_rad: np.ndarray
    ego_speed_mps: np.ndarray
    ego_lat_accel_mps2: np.ndarray
    route_s_m: np.ndarray
    start_s_m: float
    goal_s_m: float
    speed_limit_mps: float
    ego_length_m: float
    ego_width_m: float
    ego_rear_overhang_m: float
    body_ids: tuple[str, ...]
    body_kinds: tuple[str, ...]
    body_xy_m: np.ndarray      # (N, M, 2)
    body_yaw_rad: np.ndarray   # (N, M)
    body_vxy_mps: np.ndarray   # (N, M, 2)
    body_length_m: np.ndarray  # (M,)
    body_width_m: np.ndarray   # (M,)
    contacts: tuple[tuple[str, ...], ...]
    gap_m: np.ndarray
    offroad: np.ndarray        # (N,) bool: any footprint corner outside the drivable area
    cmd_accel_mps2: np.ndarray
    cmd_steer_rad: np.ndarray
    impact: Impact | None = None
    interest_ids: tuple[str, ...] = ()
    gap_interest_m: np.ndarray = field(default_factory=lambda: np.zeros(0))
    stack_events: tuple[Event, ...] = ()
    timings_s: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n_ticks(self) -> int:
        return len(self.t_s)
