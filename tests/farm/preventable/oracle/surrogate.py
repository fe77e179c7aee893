"""Extra columns, never the verdict: RSS and the JRC fuzzy safety model at t = 0 against the road user ahead.

* RSS (Shalev-Shwartz, Shammah & Shashua 2017, "On a formal model of safe and
  scalable self-driving cars", Definition 1): the minimum safe longitudinal
  distance d_min = [v_r rho + a_acc rho^2 / 2 + (v_r + rho a_acc)^2 / (2 b_min)
  - v_f^2 / (2 b_max)]_+, with rho = 0.75 s (R157 reaction), a_acc = the ego's
  3 m/s^2, b_min = 0.774 g (R157 braking) and b_max = 8 m/s^2 for the car ahead.
* Fuzzy safety model (Mattas et al. 2020, "Fuzzy Surrogate Safety Metrics for
  real-time assessment of rear-end collision risk", AAP 148:105794), with the
  parameters of the JRC implementation (tau 0.75 s, comfortable 4 m/s^2,
  maximum 6 m/s^2, leader 7 m/s^2, margins 2 m + 2 m): PFS compares the gap
  with the comfortable- and maximum-braking safe distances; CFS (our reading)
  compares the deceleration needed after tau with the comfortable and maximum ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from autonomy.geometry import Path
from scenario_library.scene import SceneSpec, ScriptedSpeed, WaypointFollow
from tests.farm.preventable.oracle.driver import R157
from tests.farm.preventable.oracle.replay import EGO, EGO_FRONT_M, actor_size_m

RSS_RESPONSE_S = R157.reaction_s
RSS_ACCEL_MPS2 = EGO.max_accel_mps2
RSS_BRAKE_MIN_MPS2 = R157.decel_mps2
RSS_BRAKE_MAX_MPS2 = 8.0
FSM_TAU_S, FSM_COMFORT_MPS2, FSM_MAX_MPS2, FSM_LEADER_MPS2 = 0.75, 4.0, 6.0, 7.0
FSM_MARGIN_M, FSM_SAFE_MARGIN_M = 2.0, 2.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Ahead:
    """The nearest road user ahead in the ego's lane at t = 0: bumper gap, speed and deceleration."""

    gap_m: float
    speed_mps: float
    decel_mps2: float


def ahead_at_t0(scene: SceneSpec) -> Ahead | None:
    """The nearest actor or static obstacle whose centre is inside the ego's lane and ahead of its front."""
    lane = scene.lane(scene.ego.lane_id)
    path = Path.from_points(lane.centreline)
    front_s = scene.ego.start_s_m + EGO_FRONT_M
    found: list[Ahead] = []
    for o in scene.obstacles:
        s_m, off_m = path.project(o.x_m, o.y_m)
        if abs(off_m) < 0.5 * lane.width_m and s_m - 0.5 * o.length_m > front_s:
            found.append(Ahead(gap_m=s_m - 0.5 * o.length_m - front_s, speed_mps=0.0, decel_mps2=0.0))
    for a in scene.actors:
        x_m, y_m, _ = Path.from_points(a.path).point_at(a.start_s_m)
        s_m, off_m = path.project(x_m, y_m)
        half_m = 0.5 * actor_size_m(a)[0]
        if abs(off_m) < 0.5 * lane.width_m and s_m - half_m > front_s:
            speed, decel = _initial_motion(a.behaviour, moving=a.trigger.t_s is not None and a.trigger.t_s <= 0.0)
            found.append(Ahead(gap_m=s_m - half_m - front_s, speed_mps=speed, decel_mps2=decel))
    return min(found, key=lambda f: f.gap_m, default=None)


def _initial_motion(behaviour: object, *, moving: bool) -> tuple[float, float]:
    if not moving:
        return 0.0, 0.0
    if isinstance(behaviour, WaypointFollow):
        return behaviour.speed_mps, 0.0
    if isinstance(behaviour, ScriptedSpeed):
        now = [p for p in behaviour.phases if p.t_s <= 0.0]
        braking = bool(now) and now[-1].target_speed_mps < behaviour.initial_speed_mps
        return behaviour.initial_speed_mps, abs(now[-1].accel_mps2) if braking else 0.0
    return 0.0, 0.0


def rss_min_safe_gap_m(rear_mps: float, front_mps: float) -> float:
    """RSS Definition 1 minimum safe longitudinal distance [m] with this module's parameters."""
    rho, acc = RSS_RESPONSE_S, RSS_ACCEL_MPS2
    worst_mps = rear_mps + rho * acc
    d = rear_mps * rho + 0.5 * acc * rho**2 + worst_mps**2 / (2.0 * RSS_BRAKE_MIN_MPS2) \
        - front_mps**2 / (2.0 * RSS_BRAKE_MAX_MPS2)
    return max(d, 0.0)


def fsm_pfs(gap_m: float, rear_mps: float, front_mps: float) -> float:
    """Proactive fuzzy safety in [0, 1]: 0 beyond the comfortable-braking safe distance, 1 inside the unsafe one."""
    lead_stop_m = front_mps**2 / (2.0 * FSM_LEADER_MPS2)
    safe_m = rear_mps * FSM_TAU_S + rear_mps**2 / (2.0 * FSM_COMFORT_MPS2) - lead_stop_m + FSM_SAFE_MARGIN_M \
        + FSM_MARGIN_M
    unsafe_m = rear_mps * FSM_TAU_S + rear_mps**2 / (2.0 * FSM_MAX_MPS2) - lead_stop_m + FSM_MARGIN_M
    return min(max((safe_m - gap_m) / max(safe_m - unsafe_m, 1e-9), 0.0), 1.0)


def fsm_cfs(gap_m: float, rear_mps: float, front_mps: float, front_decel_mps2: float) -> float:
    """Critical fuzzy safety in [0, 1]: the deceleration needed after tau, between comfortable (0) and maximum (1)."""
    tau = FSM_TAU_S
    lead_after_mps = max(front_mps - front_decel_mps2 * tau, 0.0)
    lead_moved_m = 0.5 * (front_mps + lead_after_mps) * tau
    room_m = gap_m + lead_moved_m - rear_mps * tau - FSM_MARGIN_M
    if front_decel_mps2 > 0.0:
        room_m += lead_after_mps**2 / (2.0 * front_decel_mps2)
        closing_mps = rear_mps
    else:
        closing_mps = max(rear_mps - lead_after_mps, 0.0)
    if closing_mps == 0.0:
        return 0.0
    if room_m <= 0.0:
        return 1.0
    needed = closing_mps**2 / (2.0 * room_m)
    return min(max((needed - FSM_COMFORT_MPS2) / (FSM_MAX_MPS2 - FSM_COMFORT_MPS2), 0.0), 1.0)


def extras(scene: SceneSpec) -> dict[str, float | bool | None]:
    """The ``rss_...`` and ``jrc_fsm_...`` columns (None when nothing is ahead in the lane at t = 0)."""
    ahead = ahead_at_t0(scene)
    if ahead is None:
        return {"rss_min_safe_gap_m": None, "rss_gap_m": None, "rss_violated_t0": None, "jrc_fsm_pfs_t0": None,
                "jrc_fsm_cfs_t0": None}
    v = scene.ego.initial_speed_mps
    d_min = rss_min_safe_gap_m(v, ahead.speed_mps)
    return {"rss_min_safe_gap_m": d_min, "rss_gap_m": ahead.gap_m, "rss_violated_t0": ahead.gap_m < d_min,
            "jrc_fsm_pfs_t0": fsm_pfs(ahead.gap_m, v, ahead.speed_mps),
            "jrc_fsm_cfs_t0": fsm_cfs(ahead.gap_m, v, ahead.speed_mps, ahead.decel_mps2)}



