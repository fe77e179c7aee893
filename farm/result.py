"""RolloutResult and its parts: status, metrics, events, latency, telemetry.

Frozen contract (DESIGN.md "Status", "Determinism"). ``outcome_hash`` covers
every deterministic field — status, fail reasons, metrics, events, simulated
time — and never the measured wall-clock figures.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace
from enum import StrEnum
from typing import Any

import numpy as np

from farm.identity import content_hash
from farm.spec import RolloutSpec


class Status(StrEnum):
    """How a rollout ended. Only ``passed``/``failed`` count in pass rates."""

    PASSED = "passed"        # criteria met
    FAILED = "failed"        # criteria not met: a real finding
    SIM_ERROR = "sim_error"  # the scenario or the stack raised; traceback stored
    TIMEOUT = "timeout"      # over the wall-clock budget
    INFRA_ERROR = "infra_error"  # worker/node lost or store unreachable, after retries

    @property
    def counts_in_pass_rate(self) -> bool:
        return self in (Status.PASSED, Status.FAILED)

    @property
    def is_final(self) -> bool:
        """A resume re-runs only non-final rollouts (``infra_error``)."""
        return self is not Status.INFRA_ERROR


@dataclass(frozen=True, slots=True, kw_only=True)
class Metrics:
    """Per-rollout metrics from simulator ground truth (contacts and small gaps at the physics rate)."""

    collision: bool = False
    collision_speed_mps: float = 0.0   # ego speed at the physics step of first contact, before it [m/s]
    collision_rel_speed_mps: float = 0.0  # |v_ego - v_other| then: the closing speed [m/s]
    collision_kind: str = "none"       # other body: vehicle | pedestrian | cyclist | static | none
    collision_class: str = "none"      # nuPlan's: stopped_ego | stopped_track | rear | front | lateral | none
    collision_at_fault: bool = False   # front or stopped_track, or lateral out of lane; False without collision
    min_ttc_s: float = math.inf        # min time-to-collision to any actor/obstacle ahead [s]
    min_distance_m: float = math.inf   # min ego-footprint to other-footprint gap [m]
    min_distance_interest_m: float | None = None  # the same to the family's actors_of_interest; None: none declared
    route_completion: float = 0.0      # fraction of the route's goal arc length reached [0..1]
    time_to_goal_s: float | None = None  # sim time at goal; None if never reached [s]
    max_decel_mps2: float = 0.0        # max longitudinal deceleration (positive) [m/s^2]
    max_jerk_mps3: float = 0.0         # max |longitudinal jerk| [m/s^3]
    max_lat_accel_mps2: float = 0.0    # max |lateral acceleration| [m/s^2]
    offroad: bool = False              # any part of the footprint left the drivable area
    speed_violation: bool = False      # exceeded the lane's limit by > 1 m/s for > 1 s
    safety_triggers: int = 0           # AEB / envelope / geofence interventions
    fallbacks: int = 0                 # minimal-risk manoeuvres started

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Something that happened at sim time ``t_s`` (collision, aeb, fallback, deadline_miss...)."""

    t_s: float
    kind: str
    detail: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ModuleLatency:
    """Measured wall time of one stack module per tick [ms]. Reported only, never hashed."""

    module: str
    p50_ms: float
    p95_ms: float
    max_ms: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Telemetry:
    """Per-tick ego trace (arrays of equal length). ``actors_xy`` is for plots, not stored."""

    t_s: np.ndarray
    x_m: np.ndarray
    y_m: np.ndarray
    yaw_rad: np.ndarray
    v_mps: np.ndarray
    a_mps2: np.ndarray
    cmd_accel_mps2: np.ndarray
    cmd_steer_rad: np.ndarray
    nearest_obstacle_m: np.ndarray
    ttc_s: np.ndarray
    actors_xy: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class RolloutResult:
    """Everything one rollout produced; a failure is data, never an exception."""

    spec: RolloutSpec
    status: Status
    metrics: Metrics | None = None
    fail_reasons: tuple[str, ...] = ()
    error: str | None = None          # traceback for sim_error, reason for timeout/infra_error
    events: tuple[Event, ...] = ()
    latency: tuple[ModuleLatency, ...] = ()
    telemetry: Telemetry | None = None
    odd_tags: tuple[str, ...] = ()
    sim_time_s: float = 0.0
    wall_time_s: float = 0.0
    attempt: int = 1
    worker: str = ""
    code_fingerprint: str = ""
    started_at: str = ""              # ISO-8601 UTC
    outcome_hash: str = ""

    @property
    def run_id(self) -> str:
        return self.spec.run_id

    @property
    def scenario_key(self) -> str:
        return self.spec.scenario_key

    @property
    def passed(self) -> bool:
        return self.status is Status.PASSED

    def with_hash(self) -> RolloutResult:
        """This result with ``outcome_hash`` filled in."""
        return replace(self, outcome_hash=outcome_hash(self))


def _exact(value: Any) -> Any:
    """Floats as their exact repr (inf/nan included) so the hash sees every bit."""
    if isinstance(value, float):
        return repr(value + 0.0)
    return value


def outcome_hash(result: RolloutResult) -> str:
    """Hash over the deterministic outcome: status, reasons, metrics, events, sim time.

    For ``sim_error`` the traceback's last line (exception type and message) is
    included, not the traceback itself, which carries machine-specific paths.
    """
    metrics = {k: _exact(v) for k, v in result.metrics.as_dict().items()} if result.metrics else None
    error_tail = (result.error or "").strip().splitlines()[-1:] if result.status is Status.SIM_ERROR else []
    return content_hash({
        "status": result.status.value,
        "fail_reasons": list(result.fail_reasons),
        "metrics": metrics,
        "events": [[_exact(e.t_s), e.kind, e.detail] for e in result.events],
        "sim_time_s": _exact(float(result.sim_time_s)),
        "error": error_tail,
    }, n_hex=32)
