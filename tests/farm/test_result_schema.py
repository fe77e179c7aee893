"""Result contract: statuses, outcome_hash and the declared Arrow schema v1."""

from __future__ import annotations

import io
import math
from dataclasses import replace

import numpy as np
import pyarrow.parquet as pq

from farm.result import (
    STATUS_TABLE,
    Event,
    Metrics,
    ModuleLatency,
    RolloutResult,
    Status,
    Telemetry,
    count_statuses,
    counts_from_mapping,
    tally,
)
from farm.schema import EVENTS_SCHEMA, PARAMS_SCHEMA, RUNS_SCHEMA, TELEMETRY_SCHEMA, to_tables
from farm.spec import RolloutSpec


def _result(**changes: object) -> RolloutResult:
    spec = RolloutSpec.create(family="fam", family_version=2, params={"mu": 0.3, "kind": "suv", "n": 2,
                                                                      "wet": True}, seed=4)
    base = RolloutResult(
        spec=spec, status=Status.FAILED, metrics=Metrics(collision=True, collision_speed_mps=3.5, min_ttc_s=0.4,
                                                         min_distance_m=0.0, route_completion=0.5),
        fail_reasons=("collision = true, needs == false",), events=(Event(t_s=1.5, kind="aeb", detail="ttc 0.9"),),
        latency=(ModuleLatency(module="planning", p50_ms=0.1, p95_ms=0.2, max_ms=0.3),
                 ModuleLatency(module="total", p50_ms=0.3, p95_ms=0.5, max_ms=0.9)),
        odd_tags=("surface_friction=low",), sim_time_s=4.2, wall_time_s=0.8, worker="w1",
        code_fingerprint="simfarm test", started_at="2026-11-22T03:00:00+00:00",
    )
    return replace(base, **changes).with_hash()  # type: ignore[arg-type]


def test_the_status_table_counts_stack_failures_and_timeouts_and_never_infra_errors() -> None:
    assert set(STATUS_TABLE) == set(Status)
    assert {s for s in Status if s.counts_in_pass_rate} == {Status.PASSED, Status.FAILED, Status.STACK_ERROR,
                                                           Status.TIMEOUT}
    assert {s for s in Status if s.is_failure} == {Status.FAILED, Status.STACK_ERROR, Status.TIMEOUT}
    assert {s for s in Status if not s.is_final} == {Status.INFRA_ERROR}
    assert {s for s in Status if s.rule.incomplete} == {Status.INFRA_ERROR}


def test_a_candidate_that_crashes_on_the_hard_cases_scores_lower_not_higher() -> None:
    clean = count_statuses(["passed"] * 8 + ["failed"] * 2)
    crashing = count_statuses(["passed"] * 8 + ["stack_error"] * 2)
    hanging = count_statuses(["passed"] * 8 + ["timeout"] * 2)
    assert clean.pass_rate == crashing.pass_rate == hanging.pass_rate == 0.8
    simulator_fault = count_statuses(["passed"] * 8 + ["sim_error"] * 2)
    assert (simulator_fault.n, simulator_fault.excluded, simulator_fault.pass_rate) == (8, 2, 1.0)


def test_tally_splits_verdict_from_mitigation_by_preventable() -> None:
    statuses = ["passed", "failed", "failed", "stack_error", "infra_error", "sim_error"]
    t = tally(statuses, [True, True, False, None, None, None])
    assert (t.verdict.n, t.verdict.passed, t.verdict.failures) == (3, 1, 2)
    assert (t.mitigation.n, t.mitigation.failures) == (1, 1)
    assert (t.all.n, t.all.incomplete, t.all.excluded, t.all.total) == (4, 1, 1, 6)
    assert count_statuses([]).pass_rate is None
    assert counts_from_mapping({"passed": 3, "timeout": 1}).as_dict()["pass_rate"] == 0.75


def test_outcome_hash_ignores_wall_clock_but_sees_every_outcome_bit() -> None:
    a = _result()
    assert a.outcome_hash == _result(wall_time_s=99.0, worker="other", attempt=3,
                                     started_at="2027-01-01T00:00:00+00:00",
                                     latency=()).outcome_hash
    assert a.outcome_hash != _result(sim_time_s=4.2000000000000002 + 1e-15).outcome_hash
    assert a.outcome_hash != _result(metrics=replace(a.metrics, min_ttc_s=0.4 + 1e-16 * 4)).outcome_hash
    assert a.outcome_hash != _result(events=()).outcome_hash


def test_sim_error_hash_uses_the_exception_line_not_machine_paths() -> None:
    tb1 = 'Traceback:\n  File "/home/a/x.py", line 3\nValueError: bad lane'
    tb2 = 'Traceback:\n  File "/srv/b/x.py", line 9\nValueError: bad lane'
    a = _result(status=Status.SIM_ERROR, metrics=None, error=tb1)
    b = _result(status=Status.SIM_ERROR, metrics=None, error=tb2)
    assert a.outcome_hash == b.outcome_hash


def test_tables_carry_exactly_the_declared_schemas_and_round_trip_parquet() -> None:
    tel = Telemetry(**{name: np.arange(3, dtype=float) for name in TELEMETRY_SCHEMA.names[2:]})
    results = [_result(), _result(status=Status.SIM_ERROR, metrics=None, error="boom", telemetry=tel)]
    tables = to_tables(results, "sweep-1")
    assert tables["runs"].schema.equals(RUNS_SCHEMA, check_metadata=True)
    assert tables["events"].schema.equals(EVENTS_SCHEMA)
    assert tables["params"].schema.equals(PARAMS_SCHEMA)
    assert tables["telemetry"].schema.equals(TELEMETRY_SCHEMA)
    assert tables["telemetry"].num_rows == 3 and tables["params"].num_rows == 8
    buf = io.BytesIO()
    pq.write_table(tables["runs"], buf)
    runs = pq.read_table(io.BytesIO(buf.getvalue())).to_pylist()
    assert runs[0]["collision"] is True and runs[0]["min_ttc_s"] == 0.4 and runs[0]["stack_p95_ms"] == 0.5
    assert runs[0]["latency"] == [{"module": "planning", "p50_ms": 0.1, "p95_ms": 0.2, "max_ms": 0.3}]
    assert runs[1]["collision"] is None and runs[1]["status"] == "sim_error"
    assert RolloutSpec.from_json(runs[0]["spec"]).run_id == runs[0]["run_id"]


def test_long_params_table_keeps_numbers_numeric_and_choices_as_strings() -> None:
    rows = {r["name"]: r for r in to_tables([_result()], "s")["params"].to_pylist()}
    assert rows["mu"]["num_value"] == 0.3 and rows["kind"]["num_value"] is None
    assert rows["kind"]["str_value"] == "suv" and rows["wet"]["num_value"] == 1.0
    assert rows["n"]["num_value"] == 2.0


def test_infinite_ttc_survives_the_round_trip() -> None:
    result = _result(metrics=Metrics())
    runs = to_tables([result], "s")["runs"].to_pylist()
    assert math.isinf(runs[0]["min_ttc_s"]) and runs[0]["time_to_goal_s"] is None
