"""The wire form of a result (``farm.wire``) stores exactly what the object stores, and counts the same."""

from __future__ import annotations

import io
import pickle
import threading
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from farm.driver.log import DriverLog
from farm.driver.progress import ProgressReporter
from farm.driver.session import _Session
from farm.driver.writer import FlushPolicy
from farm.execution.base import lost_result
from farm.result import Metrics, Preventability, RolloutResult, Status, Telemetry
from farm.schema import SCHEMAS, to_tables
from farm.store.layout import TABLES
from farm.store.local import LocalStore
from farm.wire import ENCODE_FAILED, WireResult, encode_result, to_wire, wire_tables
from tests.farm.store.conftest import build_result, new_manifest

SWEEP = "wire-1"


def varied_results() -> list[RolloutResult]:
    """Every shape a row can take: statuses, families, no metrics, telemetry or not, events 0-3, preventability,
    naive and offset start times, numpy scalars, an int where a float is declared, a retried attempt."""
    out = []
    statuses = [Status.PASSED, Status.FAILED, Status.SIM_ERROR, Status.STACK_ERROR, Status.TIMEOUT]
    for i in range(15):
        r = build_result(i, status=statuses[i % 5], family=("null", "cut_in", "pedestrian")[i % 3],
                         telemetry_ticks=(0, 3, 7)[i % 3], events=i % 4, attempt=1 + i % 2)
        out.append(r)
    out[1] = replace(out[1], preventability=Preventability(preventable=False, rule="r157@1", ref_impact_speed_mps=3.5,
                                                           ref_min_gap_m=None, rss_violated_t0=True))
    out[2] = replace(out[2], started_at="2026-01-02T03:04:05.123456")  # naive: UTC
    out[3] = replace(out[3], started_at="2026-01-02T05:04:05+02:00", odd_tags=())
    out[4] = replace(out[4], metrics=Metrics(min_ttc_s=np.float64(1.25), safety_triggers=np.int64(2),  # type: ignore[arg-type]
                                             collision=np.bool_(True), min_distance_m=3))  # type: ignore[arg-type]
    out[5] = replace(out[5], metrics=None, latency=(), error="Traceback ...\nValueError: x")
    out.append(lost_result(out[6].spec, Status.INFRA_ERROR, "worker lost (after 3 runs)", attempt=3, worker="w9",
                           started_at="2026-01-02T03:04:06+00:00", wall_time_s=1.5))
    return [r if r.code_fingerprint else replace(r, code_fingerprint="simfarm test") for r in out]


def _store(tmp: Path, name: str) -> LocalStore:
    store = LocalStore(tmp / name)
    store.create_sweep(new_manifest(SWEEP), [])
    return store


def _objects(store: LocalStore) -> dict[str, pa.Table]:
    """Every part object of the sweep, by key relative to the sweep, decoded."""
    root = Path(store.uri)
    found = {str(p.relative_to(root)): pq.read_table(p) for p in root.rglob("*.parquet")}
    assert found, "no part objects"
    return found


def test_the_wire_tables_equal_the_object_tables_column_for_column() -> None:
    results = varied_results()
    old = to_tables(results, SWEEP)
    new = wire_tables([encode_result(r) for r in results], SWEEP)
    for table in TABLES:
        assert new[table].schema.equals(SCHEMAS[table], check_metadata=True)
        assert new[table].equals(old[table].cast(SCHEMAS[table])), table
    assert new["telemetry"].num_rows == sum(len(r.telemetry.t_s) for r in results if r.telemetry is not None)


def test_the_store_holds_the_same_objects_whichever_form_the_results_came_in(tmp_path: Path) -> None:
    results = varied_results()
    wires = [pickle.loads(pickle.dumps(encode_result(r), protocol=5)) for r in results]  # as Ray carries them
    stores = {name: _store(tmp_path, name) for name in ("objects", "wire", "mixed")}
    for chunk in (slice(0, 9), slice(9, None)):  # two parts each
        stores["objects"].write_results(SWEEP, results[chunk])
        stores["wire"].write_results(SWEEP, wires[chunk])
        stores["mixed"].write_results(SWEEP, [w if i % 2 else r for i, (r, w) in
                                              enumerate(zip(results[chunk], wires[chunk], strict=True))])
    objects = {name: _objects(store) for name, store in stores.items()}
    assert set(objects["wire"]) == set(objects["objects"]) == set(objects["mixed"])  # the same part keys
    for key, table in objects["objects"].items():
        assert objects["wire"][key].equals(table), key
        assert objects["mixed"][key].equals(table), key
    for table in TABLES:
        expected = stores["objects"].read_table(SWEEP, table)
        assert stores["wire"].read_table(SWEEP, table).equals(expected), table


def _session(store: LocalStore, prior: dict[str, str], counts: Counter[str]) -> _Session:
    progress = ProgressReporter(total=40, stream=io.StringIO(), tty=False)
    policy = FlushPolicy(min_rows=4, part_s=0.0, max_rows=8, writers=2, put_threads=2)
    return _Session(store, SWEEP, "test", progress, DriverLog(store, SWEEP), counts, prior, threading.Event(),
                    policy=policy)


def _samples(session: _Session) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every metric sample that does not depend on timing."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value for family in session.metrics.registry.collect()
            for s in family.samples if "second" not in s.name and not s.name.endswith("_created")}


def test_a_session_counts_stores_and_reports_the_same_for_both_forms(tmp_path: Path) -> None:
    results = varied_results()
    prior_run = results[6].run_id  # stored earlier as infra_error: its new result supersedes it
    sessions = {}
    for form in ("objects", "wire"):
        store = _store(tmp_path, form)
        session = _session(store, {prior_run: "infra_error"}, Counter({"infra_error": 1, "passed": 4}))
        for r in results:
            session.on_result(encode_result(r) if form == "wire" else r)
        session.tick()
        session.flush()
        session.writer.close()
        sessions[form] = session
    objects, wire = sessions["objects"], sessions["wire"]
    assert wire.counts == objects.counts and wire.ran == objects.ran == len(results)
    assert wire.progress.counts == objects.progress.counts
    assert wire.writer.stored_rows == objects.writer.stored_rows == len(results)
    assert _samples(wire) == _samples(objects)
    assert _samples(wire)[("simfarm_rollout_retries_total", (("sweep_id", SWEEP),))] == 8
    for table in TABLES:
        assert wire.store.read_table(SWEEP, table).equals(objects.store.read_table(SWEEP, table)), table


def _bad(result: RolloutResult, **change: Any) -> RolloutResult:
    return replace(result, **change)


@pytest.mark.parametrize("change", [
    {"metrics": Metrics(min_ttc_s="fast")},  # type: ignore[arg-type]  # text where a number is declared
    {"started_at": "yesterday"},
    {"odd_tags": ("highway", 3)},  # type: ignore[arg-type]
], ids=["text-metric", "bad-start-time", "non-text-tag"])
def test_a_result_the_store_cannot_hold_becomes_a_sim_error_on_the_worker(change: dict[str, Any]) -> None:
    good = build_result(3, telemetry_ticks=4, events=2)
    wire = encode_result(_bad(good, **change))
    assert wire.status is Status.SIM_ERROR and wire.run_id == good.run_id and wire.attempt == good.attempt
    assert wire.error is not None and wire.error.startswith(ENCODE_FAILED)
    tables = wire_tables([wire], SWEEP)  # and the driver stores it like any other row
    assert tables["runs"].column("worker").to_pylist() == [good.worker]
    assert tables["events"].num_rows == tables["telemetry"].num_rows == 0


def test_unequal_telemetry_columns_are_caught_on_the_worker_too() -> None:
    good = build_result(1, telemetry_ticks=4)
    assert good.telemetry is not None
    broken = replace(good, telemetry=Telemetry(**{**{n: getattr(good.telemetry, n) for n in
                                                    ("t_s", "x_m", "y_m", "yaw_rad", "v_mps", "a_mps2",
                                                     "cmd_accel_mps2", "cmd_steer_rad", "nearest_obstacle_m")},
                                                 "ttc_s": np.zeros(3)}))
    assert encode_result(broken).status is Status.SIM_ERROR
    with pytest.raises(ValueError):
        to_wire(broken)


def test_an_empty_code_fingerprint_is_filled_on_the_worker_as_the_driver_fills_an_object() -> None:
    bare = replace(build_result(2), code_fingerprint="")
    wire = encode_result(bare)
    from farm.fingerprint import code_fingerprint

    column = wire_tables([wire], SWEEP)["runs"].column("code_fingerprint").to_pylist()
    assert column == [code_fingerprint(bare.spec.stack_id, bare.spec.stack.entry_point)]
    assert isinstance(wire, WireResult) and wire.family == "null"
