"""RolloutResult and its parts: status, metrics, events, latency, telemetry.

Frozen contract (docs/architecture.md, "Status of a rollout", "Determinism"). ``outcome_hash`` covers
every deterministic field — status, fail reasons, metrics, events, simulated
time — and never the measured wall-clock figures.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from enum import StrEnum
from typing import Any

import numpy as np

from farm.identity import content_hash
from farm.spec import RolloutSpec


class Status(StrEnum):
    """How a rollout ended. How each one counts is ``STATUS_TABLE``'s business, nobody else's."""

    PASSED = "passed"            # criteria met
    FAILED = "failed"            # criteria not met: a real finding
    STACK_ERROR = "stack_error"  # the stack under test raised, returned an invalid output or broke its contract
    SIM_ERROR = "sim_error"      # the simulator or the scenario raised; traceback stored
    TIMEOUT = "timeout"          # over the wall-clock budget (a release must not pass by hanging)
    INFRA_ERROR = "infra_error"  # worker/node lost or store unreachable, after retries

    @property
    def rule(self) -> StatusRule:
        """This status's row of ``STATUS_TABLE``."""
        return STATUS_TABLE[self]

    @property
    def counts_in_pass_rate(self) -> bool:
        return self.rule.counts

    @property
    def is_failure(self) -> bool:
        return self.rule.failure

    @property
    def is_final(self) -> bool:
        """A resume re-runs only non-final rollouts (``infra_error``)."""
        return self.rule.final


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusRule:
    """How one status counts, everywhere: progress, end-of-sweep table, conformance, reports, gate, trends.

    Attributes:
        final: a resume never re-runs it.
        counts: it is in the denominator of a pass rate.
        failure: it is a failure of the stack under test (in the numerator of a failure rate).
        incomplete: its presence marks the result set incomplete (a report says so, a gate is inconclusive).
    """

    final: bool
    counts: bool
    failure: bool
    incomplete: bool = False


STATUS_TABLE: dict[Status, StatusRule] = {
    Status.PASSED: StatusRule(final=True, counts=True, failure=False),
    Status.FAILED: StatusRule(final=True, counts=True, failure=True),
    Status.STACK_ERROR: StatusRule(final=True, counts=True, failure=True),
    Status.TIMEOUT: StatusRule(final=True, counts=True, failure=True),
    # A fault of the simulator or the scenario says nothing about the stack: excluded from rates, listed apart.
    Status.SIM_ERROR: StatusRule(final=True, counts=False, failure=False),
    Status.INFRA_ERROR: StatusRule(final=False, counts=False, failure=False, incomplete=True),
}
"""The one status and counting table (docs/architecture.md "Status").

``preventable`` enters after the status: a counted run whose ``preventable`` is
False (even the reference careful driver could not avoid the harm) is tallied
as *mitigation*, apart from the verdict; ``True`` and ``None`` (no rule) count
in the verdict. See ``tally``.
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class Counts:
    """Runs of one group counted by ``STATUS_TABLE``.

    ``n`` is the pass-rate denominator (statuses that count), ``passed`` and
    ``failures`` its parts; ``excluded`` are final runs that do not count
    (``sim_error``), ``incomplete`` the runs that mark the set incomplete.
    """

    n: int = 0
    passed: int = 0
    failures: int = 0
    excluded: int = 0
    incomplete: int = 0
    by_status: tuple[tuple[str, int], ...] = ()

    @property
    def pass_rate(self) -> float | None:
        """``passed / n``; None when nothing counts (never a 0/0 shown as 0)."""
        return self.passed / self.n if self.n else None

    @property
    def total(self) -> int:
        return sum(k for _, k in self.by_status)

    def as_dict(self) -> dict[str, Any]:
        return {"n": self.n, "passed": self.passed, "failures": self.failures, "excluded": self.excluded,
                "incomplete": self.incomplete, "pass_rate": self.pass_rate, "by_status": dict(self.by_status)}


@dataclass(frozen=True, slots=True, kw_only=True)
class Tally:
    """A group's runs split the way every report shows them.

    ``verdict``: runs with ``preventable`` True or None (no rule) — the finding.
    ``mitigation``: runs with ``preventable`` False — shown as mitigation, never hidden.
    ``all``: both together.
    """

    verdict: Counts
    mitigation: Counts
    all: Counts

    def as_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict.as_dict(), "mitigation": self.mitigation.as_dict(), "all": self.all.as_dict()}


def count_statuses(statuses: Iterable[str | Status]) -> Counts:
    """``Counts`` of a list of statuses (strings or ``Status``) through ``STATUS_TABLE``."""
    by_status: dict[str, int] = {}
    for status in statuses:
        key = Status(status).value
        by_status[key] = by_status.get(key, 0) + 1
    return counts_from_mapping(by_status)


def final_count(by_status: Mapping[str, int]) -> int:
    """How many of these runs have a final status (a resume never re-runs them)."""
    return sum(n for status, n in by_status.items() if Status(status).is_final)


def counts_from_mapping(by_status: Mapping[str, int]) -> Counts:
    """``Counts`` from a ``status -> n`` mapping (a manifest's counts, a group-by)."""
    n = passed = failures = excluded = incomplete = 0
    for key, k in by_status.items():
        rule = Status(key).rule
        n += k if rule.counts else 0
        failures += k if rule.failure else 0
        passed += k if Status(key) is Status.PASSED else 0
        excluded += k if rule.final and not rule.counts else 0
        incomplete += k if rule.incomplete else 0
    ordered = tuple((s.value, int(by_status[s.value])) for s in Status if by_status.get(s.value))
    return Counts(n=n, passed=passed, failures=failures, excluded=excluded, incomplete=incomplete, by_status=ordered)


def tally(statuses: Sequence[str | Status], preventable: Sequence[bool | None] | None = None) -> Tally:
    """Split runs into verdict (preventable True/None) and mitigation (preventable False) and count each."""
    flags: Sequence[bool | None] = preventable if preventable is not None else [None] * len(statuses)
    if len(flags) != len(statuses):
        raise ValueError(f"{len(statuses)} statuses but {len(flags)} preventable flags")
    verdict = [s for s, p in zip(statuses, flags, strict=True) if p is not False]
    mitigation = [s for s, p in zip(statuses, flags, strict=True) if p is False]
    return Tally(verdict=count_statuses(verdict), mitigation=count_statuses(mitigation),
                 all=count_statuses(statuses))


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
class Preventability:
    """Would a careful and competent driver (UN R157 Annex 4 Appendix 3) have avoided the harm?

    The verdict columns are ``preventable`` (True: the reference avoids contact
    with more than the rule's margin; False: even it collides, or the rule says
    unpreventable; None: no rule), ``rule`` (``name@version``),
    ``ref_impact_speed_mps`` and ``ref_min_gap_m``. Everything after them is an
    extra column that never enters the verdict: the reference's policy and
    perception time, RSS (Shalev-Shwartz et al. 2017) and the JRC fuzzy safety
    model (Mattas et al. 2020) at t = 0 against the nearest road user ahead in the ego's lane.
    """

    preventable: bool | None
    rule: str | None
    ref_impact_speed_mps: float | None
    ref_min_gap_m: float | None
    ref_policy: str | None = None
    ref_perception_t_s: float | None = None
    rss_min_safe_gap_m: float | None = None
    rss_gap_m: float | None = None
    rss_violated_t0: bool | None = None
    jrc_fsm_pfs_t0: float | None = None
    jrc_fsm_cfs_t0: float | None = None

    def as_row(self) -> dict[str, Any]:
        """The columns as a dict: ``preventable``, ``preventable_rule``, ``ref_...``, ``rss_...``, ``jrc_fsm_...``."""
        row = asdict(self)
        row["preventable_rule"] = row.pop("rule")
        return row


@dataclass(frozen=True, slots=True, kw_only=True)
class RolloutResult:
    """Everything one rollout produced; a failure is data, never an exception."""

    spec: RolloutSpec
    status: Status
    metrics: Metrics | None = None
    fail_reasons: tuple[str, ...] = ()
    error: str | None = None          # traceback for sim_error/stack_error, reason for timeout/infra_error
    events: tuple[Event, ...] = ()
    latency: tuple[ModuleLatency, ...] = ()
    telemetry: Telemetry | None = None
    preventability: Preventability | None = None  # None: the scene could not be built (or a synthetic family)
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
    """Hash over the deterministic outcome: status, reasons, metrics, events, sim time, preventability.

    For ``sim_error`` and ``stack_error`` the traceback's last line (exception type and message) is
    included, not the traceback itself, which carries machine-specific paths.
    """
    metrics = {k: _exact(v) for k, v in result.metrics.as_dict().items()} if result.metrics else None
    error_tail = ((result.error or "").strip().splitlines()[-1:]
                  if result.status in (Status.SIM_ERROR, Status.STACK_ERROR) else [])
    return content_hash({
        "status": result.status.value,
        "fail_reasons": list(result.fail_reasons),
        "metrics": metrics,
        "events": [[_exact(e.t_s), e.kind, e.detail] for e in result.events],
        "sim_time_s": _exact(float(result.sim_time_s)),
        "error": error_tail,
        "preventable": ({k: _exact(v) for k, v in result.preventability.as_row().items()}
                        if result.preventability is not None else None),
    }, n_hex=32)
