"""The declared Arrow schemas (v2) for runs, events, telemetry and params, and row conversion.

Every writer casts to these schemas, so no column's type depends on which batch
came first. Older files are read by unifying with type promotion (store).
Partition columns (``family``) are also kept in the files so a part read on its
own is complete.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa

from farm.result import RolloutResult

SCHEMA_VERSION = 2
"""2: stack_error status; preventable and reference-driver columns; collision detail columns; the latency model
in the spec. v1 files are read by promotion (new columns null)."""

LATENCY_TYPE = pa.list_(pa.struct([
    ("module", pa.string()), ("p50_ms", pa.float64()), ("p95_ms", pa.float64()), ("max_ms", pa.float64()),
]))

RUNS_SCHEMA = pa.schema([
    ("run_id", pa.string()),
    ("scenario_key", pa.string()),
    ("sweep_id", pa.string()),
    ("family", pa.string()),
    ("family_version", pa.int32()),
    ("seed", pa.int64()),
    ("stack_id", pa.string()),
    ("fidelity", pa.string()),
    ("design", pa.string()),
    ("params", pa.string()),           # JSON object name -> value
    ("odd_tags", pa.list_(pa.string())),
    ("status", pa.string()),
    ("passed", pa.bool_()),
    ("fail_reasons", pa.list_(pa.string())),
    ("error", pa.string()),
    ("outcome_hash", pa.string()),
    ("collision", pa.bool_()),
    ("collision_speed_mps", pa.float64()),
    ("collision_rel_speed_mps", pa.float64()),
    ("collision_kind", pa.string()),
    ("collision_class", pa.string()),
    ("collision_at_fault", pa.bool_()),
    ("min_ttc_s", pa.float64()),
    ("min_distance_m", pa.float64()),
    ("min_distance_interest_m", pa.float64()),
    ("route_completion", pa.float64()),
    ("time_to_goal_s", pa.float64()),
    ("max_decel_mps2", pa.float64()),
    ("max_jerk_mps3", pa.float64()),
    ("max_lat_accel_mps2", pa.float64()),
    ("offroad", pa.bool_()),
    ("speed_violation", pa.bool_()),
    ("safety_triggers", pa.int32()),
    ("fallbacks", pa.int32()),
    ("stack_p50_ms", pa.float64()),    # whole-tick wall time, all modules [ms]
    ("stack_p95_ms", pa.float64()),
    ("stack_max_ms", pa.float64()),
    ("latency", LATENCY_TYPE),         # per module wall time [ms]
    ("sim_time_s", pa.float64()),
    ("wall_time_s", pa.float64()),
    ("attempt", pa.int32()),
    ("worker", pa.string()),
    ("code_fingerprint", pa.string()),
    ("started_at", pa.timestamp("us", tz="UTC")),
    ("spec", pa.string()),             # canonical RolloutSpec JSON (replay)
    # Would the UN R157 careful and competent driver have avoided the harm? (farm.preventable; docs/preventable.md)
    ("preventable", pa.bool_()),       # null: no rule for the family
    ("preventable_rule", pa.string()),  # name@version; the recorded rule appends the sample's rule (recorded@1:cut_in)
    ("ref_impact_speed_mps", pa.float64()),
    ("ref_min_gap_m", pa.float64()),
    ("ref_policy", pa.string()),
    ("ref_perception_t_s", pa.float64()),
    ("rss_min_safe_gap_m", pa.float64()),   # extras: never the verdict
    ("rss_gap_m", pa.float64()),
    ("rss_violated_t0", pa.bool_()),
    ("jrc_fsm_pfs_t0", pa.float64()),
    ("jrc_fsm_cfs_t0", pa.float64()),
    ("schema_version", pa.int16()),
], metadata={"simfarm.table": "runs", "simfarm.schema_version": str(SCHEMA_VERSION)})

EVENTS_SCHEMA = pa.schema([
    ("run_id", pa.string()), ("family", pa.string()), ("t_s", pa.float64()),
    ("kind", pa.string()), ("detail", pa.string()),
], metadata={"simfarm.table": "events", "simfarm.schema_version": str(SCHEMA_VERSION)})

TELEMETRY_SCHEMA = pa.schema([
    ("run_id", pa.string()), ("family", pa.string()), ("t_s", pa.float64()),
    ("x_m", pa.float64()), ("y_m", pa.float64()), ("yaw_rad", pa.float64()),
    ("v_mps", pa.float64()), ("a_mps2", pa.float64()),
    ("cmd_accel_mps2", pa.float64()), ("cmd_steer_rad", pa.float64()),
    ("nearest_obstacle_m", pa.float64()), ("ttc_s", pa.float64()),
], metadata={"simfarm.table": "telemetry", "simfarm.schema_version": str(SCHEMA_VERSION)})

PARAMS_SCHEMA = pa.schema([
    ("run_id", pa.string()), ("family", pa.string()), ("name", pa.string()),
    ("num_value", pa.float64()), ("str_value", pa.string()),
], metadata={"simfarm.table": "params", "simfarm.schema_version": str(SCHEMA_VERSION)})

SCHEMAS: dict[str, pa.Schema] = {
    "runs": RUNS_SCHEMA, "events": EVENTS_SCHEMA, "telemetry": TELEMETRY_SCHEMA, "params": PARAMS_SCHEMA,
}


def run_row(result: RolloutResult, sweep_id: str, run_id: str) -> dict[str, Any]:
    """One result's ``runs`` row as a dict of ``RUNS_SCHEMA`` columns (``to_tables`` and ``farm.wire`` both use it)."""
    spec = result.spec
    m = result.metrics
    total = next((lat for lat in result.latency if lat.module == "total"), None)
    row: dict[str, Any] = {
        "run_id": run_id, "scenario_key": spec.scenario_key, "sweep_id": sweep_id,
        "family": spec.family, "family_version": spec.family_version, "seed": spec.seed,
        "stack_id": spec.stack_id, "fidelity": spec.fidelity, "design": spec.design,
        "params": json.dumps(spec.param_dict, sort_keys=True), "odd_tags": list(result.odd_tags),
        "status": result.status.value, "passed": result.passed, "fail_reasons": list(result.fail_reasons),
        "error": result.error, "outcome_hash": result.outcome_hash,
        "stack_p50_ms": total.p50_ms if total else None,
        "stack_p95_ms": total.p95_ms if total else None,
        "stack_max_ms": total.max_ms if total else None,
        "latency": [{"module": x.module, "p50_ms": x.p50_ms, "p95_ms": x.p95_ms, "max_ms": x.max_ms}
                    for x in result.latency if x.module != "total"],
        "sim_time_s": result.sim_time_s, "wall_time_s": result.wall_time_s, "attempt": result.attempt,
        "worker": result.worker, "code_fingerprint": result.code_fingerprint,
        "started_at": datetime.fromisoformat(result.started_at) if result.started_at else None,
         "spec": spec.to_json(), "schema_version": SCHEMA_VERSION,
    }
    # getattr, not Metrics.as_dict(): asdict deep-copies every value, a cost paid per stored result
    metric_values = {name: getattr(m, name) for name in _METRIC_COLUMNS} if m is not None \
        else dict.fromkeys(_METRIC_COLUMNS)
    row.update(metric_values)
    row.update(result.preventability.as_row() if result.preventability is not None
               else dict.fromkeys(PREVENTABLE_COLUMNS))
    return row


_METRIC_COLUMNS = ("collision", "collision_speed_mps", "collision_rel_speed_mps", "collision_kind",
                   "collision_class", "collision_at_fault", "min_ttc_s", "min_distance_m", "min_distance_interest_m",
                   "route_completion", "time_to_goal_s", "max_decel_mps2", "max_jerk_mps3", "max_lat_accel_mps2",
                   "offroad", "speed_violation", "safety_triggers", "fallbacks")


PREVENTABLE_COLUMNS = ("preventable", "preventable_rule", "ref_impact_speed_mps", "ref_min_gap_m", "ref_policy",
                       "ref_perception_t_s", "rss_min_safe_gap_m", "rss_gap_m", "rss_violated_t0", "jrc_fsm_pfs_t0",
                       "jrc_fsm_cfs_t0")


def param_rows(result: RolloutResult, run_id: str) -> list[dict[str, Any]]:
    """One result's ``params`` rows, one per parameter (numeric in ``num_value``, text in ``str_value``)."""
    rows = []
    for name, value in result.spec.params:
        numeric = not isinstance(value, str)
        rows.append({"run_id": run_id, "family": result.spec.family, "name": name,
                     "num_value": float(value) if numeric else None,
                     "str_value": str(value).lower() if isinstance(value, bool) else str(value)})
    return rows


def _telemetry_table(pairs: Sequence[tuple[RolloutResult, str]]) -> pa.Table:
    """One table of every recorded trace: each column concatenated once (not a table per result)."""
    traces = [(r, run) for r, run in pairs if r.telemetry is not None]
    if not traces:
        return TELEMETRY_SCHEMA.empty_table()
    lengths = [len(r.telemetry.t_s) for r, _ in traces]  # type: ignore[union-attr]
    columns: dict[str, Any] = {
        "run_id": np.repeat(np.array([run for _, run in traces], dtype=object), lengths),
        "family": np.repeat(np.array([r.spec.family for r, _ in traces], dtype=object), lengths),
    }
    for name in TELEMETRY_SCHEMA.names[2:]:
        columns[name] = np.concatenate([np.asarray(getattr(r.telemetry, name), dtype=np.float64) for r, _ in traces])
    return pa.table(columns, schema=TELEMETRY_SCHEMA)


def to_tables(results: Iterable[RolloutResult], sweep_id: str, *,
              run_ids: Sequence[str] | None = None) -> dict[str, pa.Table]:
    """Convert results to the four declared tables (telemetry empty unless recorded).

    ``run_ids``: each result's ``run_id`` when the caller has them already. A run id is a hash over the
    spec (~0.1 ms), and the driver's write path converts thousands of results a second, so it is
    computed once per result, never once per row.
    """
    results = list(results)
    ids = list(run_ids) if run_ids is not None else [r.run_id for r in results]
    if len(ids) != len(results):
        raise ValueError(f"{len(results)} results but {len(ids)} run ids")
    pairs = list(zip(results, ids, strict=True))
    events = [{"run_id": run, "family": r.spec.family, "t_s": e.t_s, "kind": e.kind, "detail": e.detail}
              for r, run in pairs for e in r.events]
    return {
        "runs": pa.Table.from_pylist([run_row(r, sweep_id, run) for r, run in pairs], schema=RUNS_SCHEMA),
        "events": pa.Table.from_pylist(events, schema=EVENTS_SCHEMA),
        "params": pa.Table.from_pylist([p for r, run in pairs for p in param_rows(r, run)], schema=PARAMS_SCHEMA),
        "telemetry": _telemetry_table(pairs),
    }
