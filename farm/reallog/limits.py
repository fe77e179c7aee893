"""Every validation limit of the real-run log format, in one place (docs/real-run-logs.md states them).

The limits are set where a value can no longer be right in the stated unit: a speed
in km/h, a yaw in degrees, a position in UTM or millimetres, a time in milliseconds
all cross one of them. Changing a limit changes which logs are accepted, never the
content hash of an accepted one.
"""

from __future__ import annotations

import math
import re

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")  # real_run_id, actor_id, lane_id
SCENARIO_KEY = re.compile(r"^[0-9a-f]{16}$")

MAX_ABS_POSITION_M = 100_000.0   # a local frame: |x|, |y| <= 100 km (UTM eastings/northings are refused)
MAX_ABS_YAW_RAD = 2.0 * math.pi + 1e-9  # beyond +-2 pi the yaw is in degrees
MAX_GAP_S = 0.5                  # the longest time between two samples of one actor
MAX_SPAN_S = 600.0               # the longest track (a family lasts at most 600 s)
MIN_EGO_SPAN_S = 1.0             # the ego track must cover at least 1 s
STATIC_DRIFT_M = 1.0             # a static actor stays within 1 m of its first sample

# Fastest plausible motion between two samples, per kind [m/s] (a teleport is faster).
MAX_SPEED_MPS: dict[str, float] = {"ego": 70.0, "vehicle": 70.0, "cyclist": 25.0, "pedestrian": 12.0, "static": 1.0}
# Fastest plausible turn between two samples, per kind [rad/s] (None: no limit; people turn on the spot).
MAX_YAW_RATE_RADPS: dict[str, float | None] = {"ego": 2.5, "vehicle": 2.5, "cyclist": 4.0, "pedestrian": None,
                                               "static": None}
# Above this speed [m/s], ego, vehicle and cyclist yaw is within 90 degrees of the direction of motion.
HEADING_CHECK_SPEED_MPS = 3.0
HEADING_KINDS: tuple[str, ...] = ("ego", "vehicle", "cyclist")
# A logged v_mps agrees with the speed from positions: |v_mean - ds/dt| <= abs + rel * ds/dt.
SPEED_ABS_TOL_MPS = 1.5
SPEED_REL_TOL = 0.2

# Footprint [m]: (min, max) length and width per kind.
FOOTPRINT_M: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {
    "ego": ((1.5, 25.0), (0.8, 3.5)), "vehicle": ((1.5, 25.0), (0.8, 3.5)),
    "cyclist": ((0.5, 3.0), (0.2, 1.5)), "pedestrian": ((0.1, 1.5), (0.1, 1.5)),
    "static": ((0.05, 50.0), (0.05, 50.0)),
}

LANE_WIDTH_M = (1.5, 8.0)
LANE_SPEED_LIMIT_MPS = (0.5, 45.0)  # 45 m/s = 162 km/h; a limit in km/h is usually above it
DEFAULT_SPEED_LIMIT_MPS = 20.0      # scenario_library.recorded.RecordedLane's default, when the column is absent
MIN_SEGMENT_M = 0.01                # consecutive centreline points at least 1 cm apart
MIN_LANE_POINTS = 2
MAX_EGO_OFF_ROAD_M = 10.0           # the ego's first sample lies within 10 m of some lane centreline

# Measured outcomes: runs-v2 names (farm.schema.RUNS_SCHEMA), kinds and plausible ranges (None: unbounded).
OUTCOMES: dict[str, tuple[str, float | None, float | None]] = {
    "collision": ("bool", None, None),
    "collision_speed_mps": ("float", 0.0, 70.0),
    "collision_rel_speed_mps": ("float", 0.0, 140.0),
    "collision_kind": ("str", None, None),
    "collision_class": ("str", None, None),
    "collision_at_fault": ("bool", None, None),
    "min_ttc_s": ("float", 0.0, math.inf),        # inf: never on a closing course with anything
    "min_distance_m": ("float", 0.0, 10_000.0),
    "min_distance_interest_m": ("float", 0.0, 10_000.0),
    "route_completion": ("float", 0.0, 1.0),      # a fraction, not a percentage
    "time_to_goal_s": ("float", 0.0, MAX_SPAN_S),
    "max_decel_mps2": ("float", 0.0, 15.0),       # 1.5 g; a value in ft/s^2 or in g is refused or implausible
    "max_jerk_mps3": ("float", 0.0, 500.0),
    "max_lat_accel_mps2": ("float", 0.0, 15.0),
    "offroad": ("bool", None, None),
    "speed_violation": ("bool", None, None),
    "safety_triggers": ("int", 0.0, None),
    "fallbacks": ("int", 0.0, None),
}
COLLISION_KINDS: tuple[str, ...] = ("vehicle", "pedestrian", "cyclist", "static", "none")
COLLISION_CLASSES: tuple[str, ...] = ("stopped_ego", "stopped_track", "rear", "front", "lateral", "none")
