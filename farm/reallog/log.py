"""A whole real-run log (runs table + optional trajectories + optional lanes) and its canonical content.

A log is a folder holding ``runs.csv`` or ``runs.parquet`` and, optionally,
``trajectories.{csv,parquet}`` and ``lanes.{csv,parquet}`` — or the runs table's
path with the other tables named explicitly. Everything is validated before
anything is returned: a log that fails is refused whole (nothing is stored from it).

The canonical content of one real run (``canonical_bytes``) is what ``inputs/<hash>``
holds: its tracks, its road (lanes, or a family's road by name and parameters) and
its metadata, as canonical JSON (``farm.identity.canonical_json``: sorted keys, exact
shortest round-trip floats), hashed by ``scenario_library.log_content.content_hash_of``.
Measured outcomes are not part of it: correcting a measurement never changes the
scenario a replay runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from farm.errors import InputError
from farm.identity import canonical_json
from farm.reallog import limits as L
from farm.reallog.lanes import read_lanes
from farm.reallog.runs import RealRun, read_runs
from farm.reallog.tracks import read_tracks
from scenario_library.log_content import INPUT_FORMAT, content_hash_of, decode_log
from scenario_library.recorded import RecordedLane, RecordedLog, Track

TABLE_NAMES = ("runs", "trajectories", "lanes")


@dataclass(frozen=True, slots=True, kw_only=True)
class RealRunLog:
    """A validated log: every real run's row, and the tracks and lanes of the runs that have them."""

    runs_path: str
    trajectories_path: str | None
    lanes_path: str | None
    runs: dict[str, RealRun]
    tracks: dict[str, tuple[Track, ...]]
    lanes: dict[str, tuple[RecordedLane, ...]]

    def run(self, real_run_id: str) -> RealRun:
        """The row of ``real_run_id``; ``InputError`` naming the known ids otherwise."""
        if real_run_id not in self.runs:
            known = ", ".join(list(self.runs)[:10]) + (" ..." if len(self.runs) > 10 else "")
            raise InputError(f"no real run {real_run_id!r} in the runs table (it has: {known})",
                             source=self.runs_path, field="--real-run-id")
        return self.runs[real_run_id]

    def content(self, real_run_id: str) -> tuple[str, bytes]:
        """``(content_hash, canonical bytes)`` of one real run's replayable content.

        Raises:
            InputError: the run has no trajectories (nothing to replay) or no road.
        """
        run = self.run(real_run_id)
        tracks = self.tracks.get(real_run_id)
        if not tracks:
            raise InputError(f"real run {real_run_id!r} has no trajectories: there is nothing to replay",
                             source=self.trajectories_path or self.runs_path, field="real_run_id")
        data = canonical_json(_document(run, tracks, self.lanes.get(real_run_id, ()), self.runs_path)).encode()
        return content_hash_of(data), data

    def recorded(self, real_run_id: str) -> RecordedLog:
        """The ``RecordedLog`` a builder would receive for this run (decoded from its canonical bytes)."""
        digest, data = self.content(real_run_id)
        return decode_log(data, digest)


def read_log(path: str | Path, *, trajectories: str | Path | None = None, lanes: str | Path | None = None,
             family_lookup: Any = None) -> RealRunLog:
    """Read and validate a log folder (or a runs table with the other tables named).

    Raises:
        InputError: the first problem of any table, one line naming file, row and column.
    """
    runs_path, found_tracks, found_lanes = _paths(Path(path))
    tracks_path = Path(trajectories) if trajectories is not None else found_tracks
    lanes_path = Path(lanes) if lanes is not None else found_lanes
    runs = read_runs(runs_path, family_lookup=family_lookup)
    tracks = read_tracks(tracks_path) if tracks_path is not None else {}
    lane_sets = read_lanes(lanes_path) if lanes_path is not None else {}
    for table_path, ids in ((tracks_path, tracks), (lanes_path, lane_sets)):
        stray = [run_id for run_id in ids if run_id not in runs]
        if stray:
            raise InputError(f"real run {stray[0]!r} is not in the runs table ({runs_path})", source=str(table_path),
                             field="real_run_id")
    for run_id in tracks:
        _check_road(runs[run_id], tracks[run_id], lane_sets.get(run_id, ()), str(runs_path), str(lanes_path))
    return RealRunLog(runs_path=str(runs_path), trajectories_path=_str(tracks_path), lanes_path=_str(lanes_path),
                      runs=runs, tracks=tracks, lanes=lane_sets)


def _str(path: Path | None) -> str | None:
    return None if path is None else str(path)


def _paths(path: Path) -> tuple[Path, Path | None, Path | None]:
    """The runs table and, in a folder, the trajectory and lanes tables beside it (each at most once)."""
    if not path.is_dir():
        if not path.exists():
            raise InputError("no such file or folder", source=str(path))
        return path, None, None
    found: dict[str, Path | None] = {}
    for name in TABLE_NAMES:
        candidates = [p for p in (path / f"{name}.csv", path / f"{name}.parquet") if p.is_file()]
        if len(candidates) > 1:
            raise InputError(f"both {name}.csv and {name}.parquet: keep one", source=str(path))
        found[name] = candidates[0] if candidates else None
    if found["runs"] is None:
        raise InputError("a log folder holds runs.csv or runs.parquet (and optionally trajectories.* and lanes.*)",
                         source=str(path))
    return found["runs"], found["trajectories"], found["lanes"]  # type: ignore[return-value]


def _check_road(run: RealRun, tracks: tuple[Track, ...], lanes: tuple[RecordedLane, ...], runs_path: str,
                lanes_path: str) -> None:
    """A replayable run has a road: lanes near the ego's start, or a family whose road it drove."""
    if not lanes:
        if run.family is None:
            raise InputError(f"real run {run.real_run_id!r} has trajectories but no road: give its lanes, or the "
                             "family whose road it drove", source=runs_path, field=f"row {run.row + 1}, family")
        return
    ego = next(t for t in tracks if t.kind == "ego")
    start = np.array([ego.x_m[0], ego.y_m[0]])
    nearest = min(_distance_to_polyline(start, np.asarray(lane.centreline)) for lane in lanes)
    if nearest > L.MAX_EGO_OFF_ROAD_M:
        raise InputError(f"real run {run.real_run_id!r}: the ego starts {nearest:.3g} m from every lane centreline "
                         f"(limit {L.MAX_EGO_OFF_ROAD_M:g} m): are lanes and trajectories in one frame?",
                         source=lanes_path, field="x_m")


def _distance_to_polyline(point: np.ndarray, line: np.ndarray) -> float:
    a, b = line[:-1], line[1:]
    ab = b - a
    u = np.clip(np.einsum("ij,ij->i", point - a, ab) / np.einsum("ij,ij->i", ab, ab), 0.0, 1.0)
    return float(np.min(np.hypot(*(a + u[:, None] * ab - point).T)))


def _document(run: RealRun, tracks: tuple[Track, ...], lanes: tuple[RecordedLane, ...], runs_path: str,
              ) -> dict[str, Any]:
    """The canonical document of one real run (``scenario_library.log_content`` decodes it)."""
    if lanes:
        road: dict[str, Any] = {"lanes": [
            {"lane_id": lane.lane_id, "width_m": lane.width_m, "speed_limit_mps": lane.speed_limit_mps,
             "x_m": [p[0] for p in lane.centreline], "y_m": [p[1] for p in lane.centreline]} for lane in lanes]}
    else:
        road = {"family": run.family, "params": _road_params(run, runs_path)}
    return {
        "format": INPUT_FORMAT, "real_run_id": run.real_run_id, "metadata": dict(sorted(run.metadata.items())),
        "road": road,
        "tracks": [{"actor_id": t.actor_id, "kind": t.kind, "length_m": t.length_m, "width_m": t.width_m,
                    "t_s": t.t_s.tolist(), "x_m": t.x_m.tolist(), "y_m": t.y_m.tolist(), "yaw_rad": t.yaw_rad.tolist(),
                    "v_mps": None if t.v_mps is None else t.v_mps.tolist()} for t in tracks],
    }


def _road_params(run: RealRun, runs_path: str) -> dict[str, Any]:
    """The family's parameters for its road: the given ones over the nominal, every one typed."""
    from scenario_library.catalog import load_family

    family = load_family(str(run.family))
    if run.out_of_domain:
        name, reason = run.out_of_domain[0]
        raise InputError(f"the road of {run.family} cannot be built outside its domain: {reason}", source=runs_path,
                         field=f"row {run.row + 1}, p_{name}")
    return {p.name: run.params.get(p.name, p.nominal) for p in family.parameters if p.sampled}
