"""The driver's write path (``farm.driver.writer``): when parts are cut, runs last per part, nothing lost, bounded."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from farm.driver.writer import FlushPolicy, ResultWriter
from farm.errors import InputError
from farm.store.layout import parse_part_key
from farm.store.local import LocalBackend
from farm.store.results import ResultsStore
from farm.store.s3 import S3Backend
from tests.farm.store.conftest import build_result, new_bucket, new_manifest

SWEEP = "flush-1"
FAMILIES = ("cut_in", "null", "pedestrian")


class Clock:
    """A clock the test moves by hand [s]."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class RecordingBackend:
    """A real backend (folder or S3) whose puts are logged as (start|end, key), optionally held at a gate."""

    def __init__(self, inner: Any, *, gate: threading.Event | None = None, hold_s: float = 0.0) -> None:
        self.inner, self.gate, self.hold_s = inner, gate, hold_s
        self.events: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def put(self, key: str, data: bytes) -> None:
        with self._lock:
            self.events.append(("start", key))
        if self.gate is not None:
            self.gate.wait(10.0)
        time.sleep(self.hold_s * (hash(key) % 3))  # parts and tables finish out of order
        self.inner.put(key, data)
        with self._lock:
            self.events.append(("end", key))


def _store(backend: Any) -> ResultsStore:
    store = ResultsStore(backend)
    store.create_sweep(new_manifest(SWEEP), [])
    return store


def _results(n: int, start: int = 0) -> list[Any]:
    return [build_result(i, family=FAMILIES[i % 3], telemetry_ticks=i % 3, events=i % 4) for i in range(start, n)]


def _stored_run_ids(store: ResultsStore) -> list[str]:
    return store.read_table(SWEEP, "runs", columns=["run_id"])["run_id"].to_pylist()


def test_the_serial_policy_cuts_at_64_rows_and_after_1_s(tmp_path: Path) -> None:
    clock, store = Clock(), _store(LocalBackend(tmp_path, fsync=False))
    writer = ResultWriter(store, SWEEP, policy=FlushPolicy.serial(), clock=clock)
    results = _results(74)
    for result in results[:63]:
        writer.add(result)
    assert _stored_run_ids(store) == [] and writer.pending_rows == 63
    writer.add(results[63])  # the 64th row cuts a part, written before add returns
    assert len(_stored_run_ids(store)) == 64 and writer.pending_rows == 0
    for result in results[64:]:
        writer.add(result)
    clock.now += 0.99
    writer.tick()
    assert len(_stored_run_ids(store)) == 64
    clock.now += 0.01
    writer.tick()  # 1 s since the last cut: the 10 buffered rows go
    assert sorted(_stored_run_ids(store)) == sorted(r.run_id for r in results)
    writer.close()


def test_at_a_high_rate_parts_grow_to_what_arrives_in_part_s(tmp_path: Path) -> None:
    clock, store = Clock(), _store(LocalBackend(tmp_path, fsync=False))
    policy = FlushPolicy(writers=0, put_threads=0, part_s=0.5, max_rows=300)
    writer = ResultWriter(store, SWEEP, policy=policy, clock=clock)
    results = _results(600)
    for result in results[:200]:  # 200 rows in no time: past min_rows, but part_s has not passed
        writer.add(result)
    assert writer.parts_written == 0
    clock.now += 0.5
    writer.add(results[200])
    assert (writer.parts_written, writer.stored_rows) == (1, 201)
    for result in results[201:501]:  # 300 more at once: max_rows cuts whatever the time
        writer.add(result)
    assert (writer.parts_written, writer.stored_rows) == (2, 501)
    for result in results[501:]:
        writer.add(result)
    writer.drain()  # the last 99
    assert writer.parts_written == 3 and sorted(_stored_run_ids(store)) == sorted(r.run_id for r in results)


def _check_runs_last_and_complete(store: ResultsStore, backend: RecordingBackend, results: list[Any]) -> None:
    done: dict[str, int] = {}
    for index, (what, key) in enumerate(backend.events):
        if what == "end":
            done[key] = index
    by_stem: dict[str, dict[str, list[int]]] = {}
    for index, (what, key) in enumerate(backend.events):
        table = key.split("/")[2]
        ref = parse_part_key(SWEEP, table, key) if table in ("runs", "events", "params", "telemetry") else None
        if what == "start" and ref is not None:
            by_stem.setdefault(ref.stem, {}).setdefault("runs" if table == "runs" else "other", []).append(index)
    assert len(by_stem) >= 3, "expected several parts"
    for stem, starts in by_stem.items():
        companions_done = max(done[backend.events[i][1]] for i in starts["other"])
        assert min(starts["runs"]) > companions_done, f"part {stem}: a runs object started before its companions"
    stored = _stored_run_ids(store)
    assert len(stored) == len(set(stored)) == len(results) and set(stored) == {r.run_id for r in results}
    events = store.read_table(SWEEP, "events", columns=["run_id"]).num_rows
    assert events == sum(len(r.events) for r in results)


def test_concurrent_part_writers_put_runs_last_in_each_part_and_lose_nothing(tmp_path: Path) -> None:
    backend = RecordingBackend(LocalBackend(tmp_path, fsync=False), hold_s=0.002)
    store = _store(backend)
    writer = ResultWriter(store, SWEEP, policy=FlushPolicy(writers=4, put_threads=6, min_rows=1, part_s=0,
                                                           max_rows=50))
    results = _results(400)
    for result in results:
        writer.add(result)
    writer.drain()
    writer.close()
    assert writer.parts_written >= 8 and writer.peak_pending_rows <= writer.policy.max_pending_rows
    _check_runs_last_and_complete(store, backend, results)


def test_concurrent_part_writers_on_s3_keep_the_same_contract(s3_server: str) -> None:
    backend = RecordingBackend(S3Backend(new_bucket(s3_server), "team", endpoint_url=s3_server))
    store = _store(backend)
    writer = ResultWriter(store, SWEEP, policy=FlushPolicy(writers=3, put_threads=6, min_rows=1, part_s=0,
                                                           max_rows=40))
    results = _results(160)
    for result in results:
        writer.add(result)
    writer.drain()
    writer.close()
    _check_runs_last_and_complete(store, backend, results)


def test_the_buffer_blocks_the_driver_beyond_its_bound_and_resumes(tmp_path: Path) -> None:
    gate, backend = threading.Event(), RecordingBackend(LocalBackend(tmp_path, fsync=False))
    store = _store(backend)
    backend.gate = gate  # from here on, every put waits for the gate
    policy = FlushPolicy(writers=2, put_threads=2, min_rows=10, part_s=0, max_rows=10)
    writer = ResultWriter(store, SWEEP, policy=policy)
    results = _results(100)
    feeding = threading.Thread(target=lambda: [writer.add(r) for r in results], daemon=True)
    feeding.start()
    feeding.join(0.5)
    assert feeding.is_alive(), "add() should block while every writer is held"
    assert writer.pending_rows == policy.max_pending_rows == 30  # 2 parts being written + one full buffer
    gate.set()
    feeding.join(10.0)
    assert not feeding.is_alive()
    writer.drain()
    writer.close()
    assert writer.peak_pending_rows <= 30 and len(_stored_run_ids(store)) == 100


def test_the_environment_can_choose_the_old_path_and_a_bad_value_names_the_variable() -> None:
    assert FlushPolicy.from_env({"SIMFARM_PART_WRITERS": "0"}) == FlushPolicy.serial()
    chosen = FlushPolicy.from_env({"SIMFARM_PART_WRITERS": "8", "SIMFARM_PART_MAX_ROWS": "1000"})
    assert (chosen.writers, chosen.max_rows, chosen.max_pending_rows) == (8, 1000, 9000)
    with pytest.raises(InputError, match="SIMFARM_PART_MAX_ROWS: 10 is below the minimum 64"):
        FlushPolicy.from_env({"SIMFARM_PART_MAX_ROWS": "10"})
    with pytest.raises(InputError, match="SIMFARM_PART_WRITERS: 'four' is not an integer"):
        FlushPolicy.from_env({"SIMFARM_PART_WRITERS": "four"})


def test_the_in_flight_bound_follows_the_clusters_cpus_unless_given() -> None:
    from farm.execution import ExecutionOptions
    from farm.execution.ray_executor import in_flight_bound

    assert in_flight_bound(0.0, ExecutionOptions()) == (1, 2)  # an autoscaling cluster's zero-CPU head
    assert in_flight_bound(400.0, ExecutionOptions()) == (400, 800)  # 100 workers of 4 CPUs
    assert in_flight_bound(400.0, ExecutionOptions(num_cpus_per_rollout=2.0)) == (200, 400)
    assert in_flight_bound(400.0, ExecutionOptions(max_in_flight=16)) == (400, 16)
