"""A simfarm rollout exported as a real-run log (docs/real-run-logs.md): the closed-loop check of log replay.

``export_rollout`` re-simulates one rollout here (as ``farm.replay`` does) with a
ground-truth recorder, and writes what a logging vehicle would have recorded:

- ``runs.csv``: one row — ``real_run_id``, ``family``, ``p_<name>`` per parameter,
  ``seed``, ``scenario_key`` and the measured outcomes under their ``runs`` v2 names
  (``min_ttc_s`` never closing is written ``inf``);
- ``trajectories.csv``: every body (ego first) at t = 0 and after every stack tick —
  ``real_run_id, t_s, actor_id, kind, length_m, width_m, x_m, y_m, yaw_rad, v_mps``;
  positions are box centres (the ego's: its rear axle moved ``length/2 - rear
  overhang`` ahead along its yaw), ``v_mps`` the speed of that point;
- ``lanes.csv``: every lane of the scene's road — ``real_run_id, lane_id, seq, x_m,
  y_m, width_m, speed_limit_mps``.

``compare`` then says whether a replay of that log agrees with its source rollout
(``TOLERANCES``; the replayed actors' positions at every tick against the source's).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from farm.errors import InputError
from farm.result import RolloutResult
from farm.sim.rollout import GroundTruth, run_rollout
from farm.spec import RolloutSpec

RUNS_FILE, TRAJECTORIES_FILE, LANES_FILE = "runs.csv", "trajectories.csv", "lanes.csv"
TRAJECTORY_COLUMNS = ("real_run_id", "t_s", "actor_id", "kind", "length_m", "width_m", "x_m", "y_m", "yaw_rad",
                      "v_mps")
LANE_COLUMNS = ("real_run_id", "lane_id", "seq", "x_m", "y_m", "width_m", "speed_limit_mps")
OUTCOME_COLUMNS = ("collision", "collision_speed_mps", "min_ttc_s", "min_distance_m", "max_decel_mps2",
                   "max_jerk_mps3", "route_completion", "speed_violation")
EGO_ID = "ego"
# |replay - source| a replay of an exported log may differ by and still agree (D77): metric -> tolerance
TOLERANCES: dict[str, float] = {"min_ttc_s": 0.05, "min_distance_m": 0.05, "max_decel_mps2": 0.10,
                                "route_completion": 0.01, "collision_speed_mps": 0.20}
ACTOR_POSITION_TOLERANCE_M = 1e-6  # replayed actors at the tick times: the samples themselves (exact to rounding)


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportedLog:
    """What ``export_rollout`` wrote and the source rollout it came from."""

    real_run_id: str
    files: tuple[Path, ...]
    source: RolloutResult
    truth: GroundTruth
    samples: int  # trajectory rows


def export_rollout(spec: RolloutSpec, out_dir: str | Path, *, real_run_id: str | None = None) -> ExportedLog:
    """Re-simulate ``spec`` and write its log to ``out_dir`` (created); see the module docstring.

    Raises:
        InputError: the rollout ended without a trace (``sim_error`` / ``stack_error``: nothing to export).
    """
    truth = GroundTruth()
    result = run_rollout(spec, telemetry=False, ground_truth=truth)
    if truth.trace is None or truth.initial_ego is None:
        tail = (result.error or "").strip().splitlines()[-1:] or ["no detail"]
        raise InputError(f"the rollout ended {result.status.value} ({tail[0]}): nothing to export",
                         source=spec.family, field="spec")
    rid = real_run_id or f"sim-{spec.run_id}"
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = trajectory_rows(truth, rid)
    files = (_write(out / RUNS_FILE, [_run_row(spec, result, rid)]),
             _write(out / TRAJECTORIES_FILE, rows, TRAJECTORY_COLUMNS),
             _write(out / LANES_FILE, lane_rows(truth, rid), LANE_COLUMNS))
    return ExportedLog(real_run_id=rid, files=files, source=result, truth=truth, samples=len(rows))


def trajectory_rows(truth: GroundTruth, real_run_id: str) -> list[dict[str, Any]]:
    """Every body at t = 0 and after every tick, ego first, in ``TRAJECTORY_COLUMNS``."""
    trace, ego0 = truth.trace, truth.initial_ego
    assert trace is not None and ego0 is not None
    ahead_m = 0.5 * trace.ego_length_m - trace.ego_rear_overhang_m
    rows = []

    def ego_row(t_s: float, x: float, y: float, yaw: float, v: float) -> dict[str, Any]:
        return {"real_run_id": real_run_id, "t_s": t_s, "actor_id": EGO_ID, "kind": "ego",
                "length_m": trace.ego_length_m, "width_m": trace.ego_width_m, "x_m": x + ahead_m * math.cos(yaw),
                "y_m": y + ahead_m * math.sin(yaw), "yaw_rad": yaw, "v_mps": v}

    rows.append(ego_row(0.0, ego0.x_m, ego0.y_m, ego0.yaw_rad, ego0.speed_mps))
    for i, b in enumerate(truth.initial_bodies):  # before its first step an actor reports no speed: use its motion
        moved_m = math.dist((b.x_m, b.y_m), trace.body_xy_m[0, i].tolist()) if trace.n_ticks else 0.0
        rows.append(_body_row(real_run_id, 0.0, b.body_id, b.kind, b.length_m, b.width_m, b.x_m, b.y_m, b.yaw_rad,
                              moved_m / trace.dt_s))
    for k, t_s in enumerate(trace.t_s.tolist()):
        rows.append(ego_row(t_s, float(trace.ego_x_m[k]), float(trace.ego_y_m[k]), float(trace.ego_yaw_rad[k]),
                            float(trace.ego_speed_mps[k])))
        for i, body in enumerate(trace.body_ids):
            vx, vy = trace.body_vxy_mps[k, i].tolist()
            rows.append(_body_row(real_run_id, t_s, body, trace.body_kinds[i], float(trace.body_length_m[i]),
                                  float(trace.body_width_m[i]), float(trace.body_xy_m[k, i, 0]),
                                  float(trace.body_xy_m[k, i, 1]), float(trace.body_yaw_rad[k, i]), math.hypot(vx, vy)))
    return rows


def _body_row(real_run_id: str, t_s: float, actor_id: str, kind: str, length_m: float, width_m: float, x_m: float,
              y_m: float, yaw_rad: float, v_mps: float) -> dict[str, Any]:
    return {"real_run_id": real_run_id, "t_s": t_s, "actor_id": actor_id, "kind": kind, "length_m": length_m,
            "width_m": width_m, "x_m": x_m, "y_m": y_m, "yaw_rad": yaw_rad, "v_mps": v_mps}


def lane_rows(truth: GroundTruth, real_run_id: str) -> list[dict[str, Any]]:
    """Every lane of the scene's road as polyline rows, in ``LANE_COLUMNS``."""
    assert truth.scene is not None
    return [{"real_run_id": real_run_id, "lane_id": lane.lane_id, "seq": seq, "x_m": x, "y_m": y,
             "width_m": lane.width_m, "speed_limit_mps": lane.speed_limit_mps}
            for lane in truth.scene.road.lanes for seq, (x, y) in enumerate(lane.centreline)]


def _run_row(spec: RolloutSpec, result: RolloutResult, real_run_id: str) -> dict[str, Any]:
    assert result.metrics is not None  # a rollout with a trace has metrics
    metrics = result.metrics.as_dict()
    row: dict[str, Any] = {"real_run_id": real_run_id, "family": spec.family}
    row.update({f"p_{name}": value for name, value in spec.param_dict.items()})
    row.update({"seed": spec.seed, "scenario_key": spec.scenario_key})
    row.update({name: metrics[name] for name in OUTCOME_COLUMNS})
    row.update({"meta_source": f"simfarm rollout {spec.run_id} ({spec.family} seed {spec.seed}, {spec.fidelity})",
                "meta_stack": spec.stack_id})
    return row


def _text(value: Any) -> str:
    """A CSV cell: floats in their shortest round-trip form (``repr``), ``inf`` for never, bools lowercase."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ("inf" if value > 0 else "-inf")
    return str(value)


def _write(path: Path, rows: list[dict[str, Any]], columns: tuple[str, ...] | None = None) -> Path:
    names = list(columns or rows[0])
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(names)
        writer.writerows([_text(row[name]) for name in names] for row in rows)
    return path


@dataclass(frozen=True, slots=True, kw_only=True)
class Agreement:
    """A replay against its source: same outcome class, metric differences, replayed-actor position error."""

    same_outcome: bool               # status (passed / failed) and collision equal
    metric_deltas: dict[str, float]  # |replay - source| per ``TOLERANCES`` metric (0 when both never / inf)
    max_actor_error_m: float         # over every tick both ran and every non-ego body of the source
    agrees: bool                     # all of the above within tolerance

    def as_dict(self) -> dict[str, Any]:
        return {"same_outcome": self.same_outcome, "metric_deltas": self.metric_deltas,
                "max_actor_error_m": self.max_actor_error_m, "agrees": self.agrees,
                "tolerances": {**TOLERANCES, "actor_position_m": ACTOR_POSITION_TOLERANCE_M}}


def compare(source: RolloutResult, source_truth: GroundTruth, replay: RolloutResult,
            replay_truth: GroundTruth) -> Agreement:
    """Does ``replay`` (of the log exported from ``source``) agree with it? See ``TOLERANCES``."""
    if source.metrics is None or replay.metrics is None:
        return Agreement(same_outcome=False, metric_deltas={}, max_actor_error_m=math.inf, agrees=False)
    same = source.status == replay.status and source.metrics.collision == replay.metrics.collision
    a, b = source.metrics.as_dict(), replay.metrics.as_dict()
    deltas = {name: 0.0 if a[name] == b[name] else abs(float(a[name]) - float(b[name])) for name in TOLERANCES}
    error = _actor_error_m(source_truth, replay_truth)
    agrees = same and error <= ACTOR_POSITION_TOLERANCE_M and all(
        math.isfinite(d) and d <= TOLERANCES[name] for name, d in deltas.items())
    return Agreement(same_outcome=same, metric_deltas=deltas, max_actor_error_m=error, agrees=agrees)


def _actor_error_m(source: GroundTruth, replay: GroundTruth) -> float:
    s, r = source.trace, replay.trace
    if s is None or r is None:
        return math.inf
    n = min(s.n_ticks, r.n_ticks)
    errors = [float(np.max(np.hypot(*(s.body_xy_m[:n, i] - r.body_xy_m[:n, r.body_ids.index(body)]).T)))
              for i, body in enumerate(s.body_ids) if body in r.body_ids and n > 0]
    return max(errors, default=0.0)


@dataclass(frozen=True, slots=True, kw_only=True)
class ClosedLoopCheck:
    """An exported log read back through ``farm.reallog``, replayed with ``log_replay`` and compared."""

    content_hash: str
    replay: RolloutResult
    agreement: Agreement


def replay_exported(exported: ExportedLog, log_dir: str | Path, *, reactive: bool = False) -> ClosedLoopCheck:
    """Read the log in ``log_dir`` (validated, hashed), replay it with the source's stack, seed and fidelity
    through the ``log_replay`` family, and compare with the source rollout."""
    from farm.reallog import read_log
    from scenario_library.catalog import load_family

    digest, _ = (log := read_log(log_dir)).content(exported.real_run_id)
    family = load_family("log_replay")
    src = exported.source.spec
    spec = RolloutSpec.create(family=family.name, family_version=family.version,
                              params=family.resolve({"log": digest, "reactive": reactive}), seed=src.seed,
                              stack=src.stack, fidelity=src.fidelity, sim=src.sim)
    truth = GroundTruth()
    result = run_rollout(spec, telemetry=False, inputs={digest: log.recorded(exported.real_run_id)},
                         ground_truth=truth)
    return ClosedLoopCheck(content_hash=digest, replay=result,
                           agreement=compare(exported.source, exported.truth, result, truth))
