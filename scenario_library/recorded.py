"""A recorded run, as a builder receives it: typed, validated, immutable.

This is the in-memory form of the real-run log format (docs/real-run-logs.md): the
trajectories of every logged actor (the ego included) and the road they drove on, in
the frame of ``SceneSpec`` (metres; yaw in radians, counter-clockwise from +x). The
farm parses and validates log files (``farm.reallog``), stores their content once under
``inputs/<hash>`` and hands a builder a ``RecordedLog`` for each ``input`` parameter;
builders never read files or the store.

Arrays are float64 numpy arrays made read-only at construction, so a log is safe to
share between the builder and the simulator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

TrackKind = Literal["ego", "vehicle", "pedestrian", "cyclist", "static"]
TRACK_KINDS: tuple[str, ...] = ("ego", "vehicle", "pedestrian", "cyclist", "static")
EGO_ID = "ego"


def _frozen(values: Any) -> np.ndarray:
    array = np.array(values, dtype=np.float64)  # a copy: the caller's buffer stays theirs
    array.setflags(write=False)
    return array


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Track:
    """One actor's logged poses: strictly increasing ``t_s`` [s], positions [m], yaw [rad].

    ``v_mps`` is the logged speed when the log has one (checked against the positions
    by the validator), else ``None``: the simulator takes speed from the interpolated
    positions either way.
    """

    actor_id: str
    kind: TrackKind
    length_m: float
    width_m: float
    t_s: np.ndarray
    x_m: np.ndarray
    y_m: np.ndarray
    yaw_rad: np.ndarray
    v_mps: np.ndarray | None = None

    def __post_init__(self) -> None:
        for name in ("t_s", "x_m", "y_m", "yaw_rad"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        if self.v_mps is not None:
            object.__setattr__(self, "v_mps", _frozen(self.v_mps))
        n = len(self.t_s)
        lengths = {len(self.x_m), len(self.y_m), len(self.yaw_rad), n}
        if self.v_mps is not None:
            lengths.add(len(self.v_mps))
        if len(lengths) != 1 or n == 0:
            raise ValueError(f"track {self.actor_id!r}: columns of unequal or zero length")

    @property
    def start_s(self) -> float:
        return float(self.t_s[0])

    @property
    def end_s(self) -> float:
        return float(self.t_s[-1])


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordedLane:
    """A lane centreline polyline ``(N, 2)`` [m] with its width [m] and speed limit [m/s]."""

    lane_id: str
    centreline: tuple[tuple[float, float], ...]
    width_m: float = 3.5
    speed_limit_mps: float = 20.0


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class RecordedLog:
    """One real run's recorded content: tracks (exactly one of kind ``ego``) and road.

    The road is either ``lanes`` (polylines from the log) or a family's road named by
    ``road_family`` with ``road_params``. ``content_hash`` is the hash of the canonical
    form the farm stored under ``inputs/<content_hash>``: the ``input`` parameter's value.
    ``metadata`` holds the log's free-form description (source, vehicle, date, ...).
    """

    real_run_id: str
    content_hash: str
    tracks: tuple[Track, ...]
    lanes: tuple[RecordedLane, ...] = ()
    road_family: str | None = None
    road_params: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        egos = [t for t in self.tracks if t.kind == "ego"]
        if len(egos) != 1:
            raise ValueError(f"log {self.real_run_id!r}: needs exactly one ego track, has {len(egos)}")
        ids = [t.actor_id for t in self.tracks]
        if len(set(ids)) != len(ids):
            raise ValueError(f"log {self.real_run_id!r}: duplicate actor ids")
        if not self.lanes and self.road_family is None:
            raise ValueError(f"log {self.real_run_id!r}: needs lanes or a road_family")

    @property
    def ego(self) -> Track:
        return next(t for t in self.tracks if t.kind == "ego")

    @property
    def others(self) -> tuple[Track, ...]:
        return tuple(t for t in self.tracks if t.kind != "ego")

    @property
    def start_s(self) -> float:
        return self.ego.start_s

    @property
    def span_s(self) -> float:
        """The ego track's time span [s]: the replay's duration before truncation to whole ticks."""
        return self.ego.end_s - self.ego.start_s
