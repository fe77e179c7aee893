"""The reference stack's configuration: a frozen dataclass tree with defaults.

``StackConfig.from_mapping`` turns a nested mapping (one section per module,
e.g. ``{"planning": {"time_gap_s": 1.8}}``) into a validated tree; an unknown
key or a value of the wrong type raises ``ValueError`` naming the dotted key.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, get_type_hints


@dataclass(frozen=True, slots=True, kw_only=True)
class PerceptionConfig:
    """Clustering of the ordered scan and rectangle fitting."""

    min_range_m: float = 0.5  # returns closer than this are ignored (sensor housing, own body)
    # Adjacent returns start a new cluster when further apart than max(gap_min_m, factor * range * ray spacing):
    # factor ~ 1 / sin(lambda) keeps a surface seen at incidence >= lambda (6 -> ~10 deg) in one piece
    # (adaptive breakpoint detector, Borges & Aldon 2004).
    gap_min_m: float = 0.8
    gap_angle_factor: float = 6.0
    max_dropped_rays: int = 1  # returns further apart in the scan than this many missing rays never join
    min_points: int = 1
    fit_angles: int = 18  # candidate orientations over 90 deg for the rectangle fit
    closeness_floor_m: float = 0.05  # point-to-edge distances below this count as on the edge (range noise)
    min_extent_m: float = 0.2
    position_std_m: float = 0.1  # centre uncertainty of a cluster near the sensor


@dataclass(frozen=True, slots=True, kw_only=True)
class LocalizationConfig:
    """EKF noise model (odometry as input, GNSS position as measurement)."""

    speed_noise_mps: float = 0.1
    yaw_rate_noise_radps: float = 0.01
    position_noise_m: float = 0.02  # per tick, covers slip and unmodelled motion
    init_position_std_m: float = 0.5
    init_yaw_std_rad: float = 0.01
    gnss_gate_chi2: float = 16.0
    max_gnss_rejects: int = 3  # after this many consecutive rejections the next fix is accepted


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackingConfig:
    """Constant-velocity Kalman tracks, gating, birth and deletion."""

    measurement_std_m: float = 0.25  # floor under perception's per-cluster position_std_m
    accel_noise_mps2: float = 1.5
    init_speed_std_mps: float = 5.0
    gate_chi2: float = 13.8
    max_gate_m: float = 4.0
    birth_hits: int = 3
    max_misses: int = 3
    spawn_exclusion_m: float = 1.0  # no new track this close to an existing one (split clusters)


@dataclass(frozen=True, slots=True, kw_only=True)
class PredictionConfig:
    """Constant-velocity prediction horizon."""

    horizon_s: float = 4.0
    step_s: float = 0.5


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanningConfig:
    """Route following, IDM speed planning, yielding and lateral avoidance."""

    range_m: float = 60.0
    path_length_m: float = 40.0
    lateral_margin_m: float = 0.4
    stop_margin_m: float = 3.0
    time_gap_s: float = 1.5
    accel_mps2: float = 1.5
    comfort_decel_mps2: float = 2.0
    max_decel_mps2: float = 6.0
    lat_accel_max_mps2: float = 2.0
    curve_decel_mps2: float = 1.0  # slow down for curves at this decel
    speed_time_constant_s: float = 1.0  # above the desired speed, close the gap in about this time
    static_speed_mps: float = 1.0
    avoid_clearance_m: float = 0.5
    avoid_ramp_m: float = 12.0
    yield_size_m: float = 1.5  # tracks no longer than this are treated as pedestrians/cyclists at crossings
    crosswalk_side_m: float = 3.0
    goal_margin_m: float = 0.3
    reanchor_mps: float = 1.0


@dataclass(frozen=True, slots=True, kw_only=True)
class ControlConfig:
    """Pure pursuit + PID on the reference speed."""

    lookahead_gain_s: float = 0.8
    lookahead_min_m: float = 4.0
    kp: float = 0.8
    ki: float = 0.1
    integral_limit_mps: float = 2.0
    hold_decel_mps2: float = 1.0  # brake applied at standstill to stay stopped


@dataclass(frozen=True, slots=True, kw_only=True)
class SafetyConfig:
    """AEB, speed envelope, geofence and deadline watchdog."""

    aeb_ttc_s: float = 1.5
    aeb_release_ttc_s: float = 2.5
    aeb_min_speed_mps: float = 1.0  # at walking pace and below the planner's stop suffices
    aeb_range_m: float = 50.0
    aeb_lateral_margin_m: float = 0.2
    speed_margin_mps: float = 1.0
    speed_cap_decel_mps2: float = 1.0
    geofence_margin_m: float = 3.0
    fallback_after_misses: int = 3
    fallback_decel_mps2: float = 4.0


@dataclass(frozen=True, slots=True, kw_only=True)
class StackConfig:
    """Everything the reference stack can be tuned by."""

    rate_hz: float = 10.0
    perception: PerceptionConfig = field(default_factory=PerceptionConfig)
    localization: LocalizationConfig = field(default_factory=LocalizationConfig)
    tracking: TrackingConfig = field(default_factory=TrackingConfig)
    prediction: PredictionConfig = field(default_factory=PredictionConfig)
    planning: PlanningConfig = field(default_factory=PlanningConfig)
    control: ControlConfig = field(default_factory=ControlConfig)
    safety: SafetyConfig = field(default_factory=SafetyConfig)

    def __post_init__(self) -> None:
        if not self.rate_hz > 0.0:
            raise ValueError(f"rate_hz: must be > 0, got {self.rate_hz}")

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any] | None) -> StackConfig:
        """Defaults overridden by ``config``; ``ValueError`` names any unknown key or bad value."""
        return _build(cls, config if config is not None else {}, "")


T = TypeVar("T")


def _build(cls: type[T], values: Any, prefix: str, base: Any = None) -> T:
    """``cls`` from ``base`` (or the defaults) overridden by the mapping ``values``."""
    where = prefix.rstrip(".") or "config"
    if not isinstance(values, Mapping):
        raise ValueError(f"{where}: expected a mapping, got {type(values).__name__}")
    hints = get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    current = base if base is not None else cls()
    kwargs: dict[str, Any] = {}
    for key in sorted(values, key=str):
        name = f"{prefix}{key}"
        if key not in names:
            raise ValueError(f"{name}: unknown config key (known: {', '.join(names)})")
        kwargs[key] = _coerce(hints[key], values[key], name, getattr(current, key))
    return dataclasses.replace(current, **kwargs)  # type: ignore[type-var]


def _coerce(hint: Any, value: Any, name: str, current: Any) -> Any:
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _build(hint, value, f"{name}.", current)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name}: expected a number, got {value!r}")
    if not math.isfinite(float(value)) or value < 0:
        raise ValueError(f"{name}: must be a finite number >= 0, got {value!r}")
    if hint is int:
        if float(value) != int(value):
            raise ValueError(f"{name}: expected an integer, got {value!r}")
        return int(value)
    return float(value)
