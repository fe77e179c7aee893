"""The store contract, run identically against a local folder and S3 (moto_server on loopback)."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from farm.errors import ExitCode, InputError, LeaseError, StoreError
from farm.identity import part_key
from farm.result import Status
from farm.schema import SCHEMAS
from farm.store.backend import UnknownSweep
from farm.store.layout import TABLES

SWEEP = "suite-20260102T030405Z-abc123"


def _new_sweep(store, make_manifest, make_result, n: int = 4, sweep_id: str = SWEEP):
    specs = [make_result(i).spec for i in range(n)]
    store.create_sweep(make_manifest(sweep_id, total=n), specs)
    return specs


def _objects(store, table: str, sweep_id: str = SWEEP) -> list[str]:
    return [info.key for info in store.backend.list_objects(f"sweeps/{sweep_id}/{table}/")]


def test_every_table_round_trips_with_its_declared_schema(store, make_manifest, make_result):
    _new_sweep(store, make_manifest, make_result)
    results = [make_result(i, telemetry_ticks=5) for i in range(3)]
    store.write_results(SWEEP, results)

    for table in TABLES:
        read = store.read_table(SWEEP, table)
        assert read.schema.names == SCHEMAS[table].names, table
        assert read.schema.equals(SCHEMAS[table]), table
    runs = store.read_table(SWEEP, "runs").to_pylist()
    assert [r["run_id"] for r in runs] == sorted(r.run_id for r in results)
    first = next(r for r in runs if r["run_id"] == results[0].run_id)
    assert first["status"] == "passed" and first["attempt"] == 1 and first["sweep_id"] == SWEEP
    assert first["min_ttc_s"] == pytest.approx(1.0, abs=1e-12)
    assert first["stack_p95_ms"] == pytest.approx(5.0, abs=1e-12)
    assert first["latency"] == [{"module": "planning", "p50_ms": 1.0, "p95_ms": 2.0, "max_ms": 4.0}]
    assert first["outcome_hash"] == results[0].outcome_hash
    assert json.loads(first["params"]) == {"index": 0, "x": 0.5}
    assert store.read_table(SWEEP, "events").num_rows == 3 * 2
    params = store.read_table(SWEEP, "params", columns=["run_id", "name", "num_value"])
    assert params.num_rows == 3 * 2 and set(params["name"].to_pylist()) == {"x", "index"}
    telemetry = store.read_table(SWEEP, "telemetry")
    assert telemetry.num_rows == 3 * 5
    assert telemetry.filter(pc.equal(telemetry["run_id"], results[1].run_id))["v_mps"].to_pylist()[0] == 4.0


def test_specs_round_trip_and_an_existing_sweep_id_is_refused(store, make_manifest, make_result):
    specs = _new_sweep(store, make_manifest, make_result, n=6)
    assert store.read_specs(SWEEP) == specs
    assert store.read_manifest(SWEEP).total == 6
    with pytest.raises(StoreError, match="already exists"):
        store.create_sweep(make_manifest(SWEEP), specs)


def test_a_batch_written_twice_reads_once_and_leaves_one_part(store, make_manifest, make_result):
    _new_sweep(store, make_manifest, make_result)
    batch = [make_result(0), make_result(1)]
    first = store.write_results(SWEEP, batch)
    second = store.write_results(SWEEP, list(reversed(batch)))

    assert first == second == part_key([r.run_id for r in batch])
    assert len(_objects(store, "runs")) == 1 and len(_objects(store, "events")) == 1
    assert store.read_table(SWEEP).num_rows == 2
    assert store.read_table(SWEEP, "events").num_rows == 4


def test_latest_attempt_wins_and_its_events_replace_the_earlier_attempts(store, make_manifest, make_result):
    _new_sweep(store, make_manifest, make_result)
    store.write_results(SWEEP, [make_result(0, status=Status.INFRA_ERROR), make_result(1)])
    store.write_results(SWEEP, [make_result(0, attempt=2, status=Status.FAILED, events=3)])

    runs = store.read_table(SWEEP)
    assert runs.num_rows == 2
    retried = make_result(0).run_id
    assert store.stored_statuses(SWEEP) == {retried: "failed", make_result(1).run_id: "passed"}
    events = store.read_table(SWEEP, "events").filter(pc.equal(pc.field("run_id"), retried))
    assert events["detail"].to_pylist() == ["attempt 2 #0", "attempt 2 #1", "attempt 2 #2"]
    # The filter applies after deduplication: the superseded infra_error row never comes back.
    assert store.read_table(SWEEP, filter=pc.field("status") == "infra_error").num_rows == 0


def test_same_attempt_prefers_a_final_status_over_infra_error(store, make_manifest, make_result):
    _new_sweep(store, make_manifest, make_result)
    store.write_results(SWEEP, [make_result(0, status=Status.PASSED)])
    store.write_results(SWEEP, [make_result(0, status=Status.INFRA_ERROR)])
    assert store.stored_statuses(SWEEP) == {make_result(0).run_id: "passed"}


def test_compaction_output_equals_the_deduplicated_parts(store, make_manifest, make_result):
    _new_sweep(store, make_manifest, make_result, n=6)
    store.write_results(SWEEP, [make_result(i, telemetry_ticks=3) for i in range(3)])
    store.write_results(SWEEP, [make_result(i, telemetry_ticks=3) for i in range(3)])  # duplicate batch
    store.write_results(SWEEP, [make_result(1, attempt=2, status=Status.FAILED, telemetry_ticks=4)])
    store.write_results(SWEEP, [make_result(5, family="cut_in"), make_result(4)])
    before = {t: store.read_table(SWEEP, t) for t in TABLES}

    manifest = store.compact(SWEEP)

    assert manifest.counts == {"failed": 1, "passed": 4}
    assert set(manifest.compacted) == {"runs", "events", "params", "telemetry"}
    assert sorted(manifest.compacted["runs"])[0].startswith("compacted/runs/family=cut_in/")
    for table in TABLES:
        assert store.read_table(SWEEP, table).equals(before[table]), table
        assert _objects(store, table) == [], table  # parts folded in and removed
    compacted = store.backend.list_objects(f"sweeps/{SWEEP}/compacted/runs/")
    assert len(compacted) == 2  # one file per family partition


def test_a_part_written_after_compaction_supersedes_the_compacted_row(store, make_manifest, make_result):
    _new_sweep(store, make_manifest, make_result)
    store.write_results(SWEEP, [make_result(0, status=Status.INFRA_ERROR), make_result(1)])
    store.compact(SWEEP)
    store.write_results(SWEEP, [make_result(0, attempt=2)])

    assert store.stored_statuses(SWEEP) == {make_result(0).run_id: "passed", make_result(1).run_id: "passed"}
    manifest = store.compact(SWEEP)
    assert manifest.counts == {"passed": 2}
    assert store.read_table(SWEEP, "events").num_rows == 4
    assert len(store.backend.list_objects(f"sweeps/{SWEEP}/compacted/runs/")) == 1  # the old generation is gone


def test_listing_across_pages_and_compaction_to_bounded_files(store, make_manifest, make_result):
    # S3 lists at most 1,000 keys a page; a page of 100 exercises the same pagination on 250 parts
    # (each table's listing spans three pages) at a quarter of the writes. The default stays S3's.
    n, rows_per_file = 250, 200
    if hasattr(store.backend, "list_page_size"):
        assert store.backend.list_page_size == 1000
        store.backend.list_page_size = 100
    _new_sweep(store, make_manifest, make_result, n=n)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda i: store.write_results(SWEEP, [make_result(i, events=0)]), range(n)))

    assert len(_objects(store, "runs")) == n
    statuses = store.stored_statuses(SWEEP)
    assert len(statuses) == n and set(statuses.values()) == {"passed"}
    manifest = store.compact(SWEEP, rows_per_file=rows_per_file)
    assert {t: len(files) for t, files in manifest.compacted.items()} == {"runs": 2, "params": 2}
    runs = store.read_table(SWEEP, columns=["run_id"])
    assert runs.num_rows == n and len(set(runs["run_id"].to_pylist())) == n
    assert store.read_table(SWEEP, "params").num_rows == 2 * n


def test_two_concurrent_manifest_writers_lose_no_update(store, make_manifest, make_result):
    _new_sweep(store, make_manifest, make_result)
    increments = 40

    def bump(manifest):
        return replace(manifest, extra={**manifest.extra, "n": manifest.extra.get("n", 0) + 1})

    def writer():
        for _ in range(increments):
            store.update_manifest(SWEEP, bump)

    threads = [threading.Thread(target=writer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.read_manifest(SWEEP).extra["n"] == 2 * increments


def test_leases_exclude_a_second_driver_until_released_or_expired(store, make_manifest, make_result):
    _new_sweep(store, make_manifest, make_result)
    lease = store.acquire_lease(SWEEP, "driver-a", ttl_s=60.0)
    assert lease.owner == "driver-a"

    with pytest.raises(LeaseError, match=rf"sweep {SWEEP} is being driven by driver-a until 20\d\d-"):
        store.acquire_lease(SWEEP, "driver-b", ttl_s=60.0)
    with pytest.raises(LeaseError):
        store.renew_lease(SWEEP, "driver-b", ttl_s=60.0)
    assert store.renew_lease(SWEEP, "driver-a", ttl_s=120.0).expires_at > lease.expires_at
    store.release_lease(SWEEP, "driver-b")  # not ours: no-op
    assert store.read_manifest(SWEEP).lease.owner == "driver-a"
    store.release_lease(SWEEP, "driver-a")
    assert store.acquire_lease(SWEEP, "driver-b", ttl_s=-1.0).owner == "driver-b"  # already expired
    assert store.acquire_lease(SWEEP, "driver-c", ttl_s=60.0).owner == "driver-c"


def test_a_file_of_an_older_schema_version_still_reads(store, make_manifest, make_result):
    _new_sweep(store, make_manifest, make_result)
    store.write_results(SWEEP, [make_result(0)])
    v0 = pa.table({  # "schema v0": no design/latency/spec columns, seed int32, safety_triggers int32 -> float
        "run_id": ["00000000000000aa"], "family": ["null"], "family_version": pa.array([1], pa.int64()),
        "seed": pa.array([7], pa.int32()), "status": ["failed"], "attempt": pa.array([1], pa.int8()),
        "min_ttc_s": pa.array([2], pa.int32()), "collision": [True],
    })
    from farm.store.layout import part_object_key
    from farm.store.parquet_io import to_parquet_bytes

    store.backend.put(part_object_key(SWEEP, "runs", "null", f"{'0' * 24}-{'0' * 8}"), to_parquet_bytes(v0))

    runs = store.read_table(SWEEP)
    assert runs.schema.equals(SCHEMAS["runs"])
    old = runs.filter(pc.equal(runs["run_id"], "00000000000000aa")).to_pylist()[0]
    assert old["seed"] == 7 and old["min_ttc_s"] == 2.0 and old["collision"] is True
    assert old["design"] is None and old["latency"] is None
    assert store.stored_statuses(SWEEP)["00000000000000aa"] == "failed"
    assert store.compact(SWEEP).counts == {"failed": 1, "passed": 1}


# The runs columns of schema v1 exactly as v1 declared them (pinned: v1 files exist in users' stores).
V1_RUNS_COLUMNS = (
    "run_id", "scenario_key", "sweep_id", "family", "family_version", "seed", "stack_id", "fidelity", "design",
    "params", "odd_tags", "status", "passed", "fail_reasons", "error", "outcome_hash", "collision",
    "collision_speed_mps", "min_ttc_s", "min_distance_m", "route_completion", "time_to_goal_s", "max_decel_mps2",
    "max_jerk_mps3", "max_lat_accel_mps2", "offroad", "speed_violation", "safety_triggers", "fallbacks",
    "stack_p50_ms", "stack_p95_ms", "stack_max_ms", "latency", "sim_time_s", "wall_time_s", "attempt", "worker",
    "code_fingerprint", "started_at", "spec", "schema_version",
)


def test_a_schema_v1_runs_file_reads_as_v2_with_the_new_columns_null(store, make_manifest, make_result):
    from farm.schema import SCHEMA_VERSION, to_tables
    from farm.store.layout import part_object_key
    from farm.store.parquet_io import to_parquet_bytes

    assert SCHEMA_VERSION == 2
    _new_sweep(store, make_manifest, make_result)
    v2 = to_tables([make_result(3)], SWEEP)["runs"]
    v1 = v2.select(list(V1_RUNS_COLUMNS)).set_column(V1_RUNS_COLUMNS.index("schema_version"), "schema_version",
                                                    pa.array([1], pa.int16()))
    store.backend.put(part_object_key(SWEEP, "runs", "null", f"{'1' * 24}-{'0' * 8}"), to_parquet_bytes(v1))
    (row,) = store.read_table(SWEEP).to_pylist()
    assert row["schema_version"] == 1 and row["run_id"] == v2["run_id"][0].as_py()
    assert row["preventable"] is None and row["preventable_rule"] is None and row["ref_min_gap_m"] is None
    assert {k: row[k] for k in V1_RUNS_COLUMNS if k != "schema_version"} == \
        {k: v2[k][0].as_py() for k in V1_RUNS_COLUMNS if k != "schema_version"}


@pytest.mark.parametrize("sweep_id", ["../x", "a/b", "..", "", "/etc", "x/../../y", ".hidden", "a\\b", "a\x00b"])
def test_traversal_in_a_sweep_id_is_refused(store, sweep_id, make_result):
    with pytest.raises(InputError):
        store.write_results(sweep_id, [make_result(0)])
    with pytest.raises(InputError):
        store.read_manifest(sweep_id)


@pytest.mark.parametrize("family", ["..", "../etc", "a/b", "/abs"])
def test_traversal_in_a_family_name_is_refused(store, make_manifest, make_result, family):
    _new_sweep(store, make_manifest, make_result)
    with pytest.raises(InputError, match="family"):
        store.write_results(SWEEP, [make_result(0, family=family)])
    assert _objects(store, "runs") == [] and _objects(store, "events") == []


@pytest.mark.parametrize("key", ["../outside", "/etc/passwd", "a/../../b", "a//b", "reports/../../x"])
def test_traversal_in_an_auxiliary_key_is_refused(store, key):
    with pytest.raises(InputError):
        store.put_bytes(key, b"x")
    with pytest.raises(InputError):
        store.get_bytes(key)


def test_auxiliary_objects_round_trip_and_a_missing_one_is_a_store_error(store):
    store.put_bytes("reports/summary.html", b"<html>ok</html>")
    store.put_bytes(f"sweeps/{SWEEP}/logs/driver.log", b"started\n")
    assert store.get_bytes("reports/summary.html") == b"<html>ok</html>"
    assert store.get_bytes(f"sweeps/{SWEEP}/logs/driver.log") == b"started\n"
    with pytest.raises(StoreError, match="no object"):
        store.get_bytes("reports/nothing.html")


@pytest.mark.parametrize("key", [f"sweeps/{SWEEP}/manifest.json", f"sweeps/{SWEEP}/spec.json",
                                 f"sweeps/{SWEEP}/runs/part-x.parquet", f"sweeps/{SWEEP}/compacted/a"])
def test_auxiliary_writes_cannot_clobber_what_the_store_manages(store, key):
    with pytest.raises(InputError, match="managed by the store"):
        store.put_bytes(key, b"x")


def test_sweeps_are_listed_newest_first_and_a_missing_sweep_is_one_error(store, make_manifest, make_result):
    for day, sweep_id in ((1, "a-20260101T000000Z-aaaaaa"), (3, "c-20260103T000000Z-cccccc"),
                          (2, "b-20260102T000000Z-bbbbbb")):
        store.create_sweep(make_manifest(sweep_id, created_at=f"2026-01-0{day}T00:00:00+00:00"), [])
    assert [m.sweep_id for m in store.list_sweeps()] == ["c-20260103T000000Z-cccccc", "b-20260102T000000Z-bbbbbb",
                                                         "a-20260101T000000Z-aaaaaa"]
    with pytest.raises(UnknownSweep, match="nope-1: no such sweep in ") as raised:
        store.read_manifest("nope-1")
    assert raised.value.exit_code == ExitCode.BAD_INPUT and isinstance(raised.value, StoreError)


def test_projection_and_filters_read_only_what_is_asked(store, make_manifest, make_result):
    _new_sweep(store, make_manifest, make_result)
    store.write_results(SWEEP, [make_result(i, status=Status.FAILED if i % 2 else Status.PASSED) for i in range(4)])
    table = store.read_table(SWEEP, columns=["run_id", "min_ttc_s"], filter=pc.field("status") == "failed")
    assert table.column_names == ["run_id", "min_ttc_s"]
    assert sorted(table["min_ttc_s"].to_pylist()) == [2.0, 4.0]
    with pytest.raises(InputError, match="unknown column 'nope'"):
        store.read_table(SWEEP, columns=["nope"])


def test_compaction_while_a_driver_writes_loses_and_duplicates_nothing(store, make_manifest, make_result):
    n = 90
    _new_sweep(store, make_manifest, make_result, n=n)
    done = threading.Event()
    seen_counts: list[int] = []

    def driver():
        for i in range(n):
            store.write_results(SWEEP, [make_result(i)])
        done.set()

    duplicated: list[int] = []

    def reader():
        while not done.is_set():
            ids = store.read_table(SWEEP, columns=["run_id"])["run_id"].to_pylist()
            if len(ids) != len(set(ids)):
                duplicated.append(len(ids))
            seen_counts.append(len(ids))

    threads = [threading.Thread(target=driver), threading.Thread(target=reader)]
    for thread in threads:
        thread.start()
    compactions = 0
    while not done.is_set():
        store.compact(SWEEP)
        compactions += 1
    for thread in threads:
        thread.join()
    manifest = store.compact(SWEEP)

    assert compactions >= 2 and len(seen_counts) >= 2
    assert duplicated == []  # never a run twice, even mid-compaction
    assert seen_counts == sorted(seen_counts)  # rows only ever appear, never vanish
    assert manifest.counts == {"passed": n}
    assert store.read_table(SWEEP).num_rows == n
    assert store.read_table(SWEEP, "events").num_rows == 2 * n
    assert _objects(store, "runs") == [] and _objects(store, "events") == []


def test_compaction_removes_orphans_of_a_crashed_compaction_once_they_are_old(store, make_manifest, make_result,
                                                                            monkeypatch):
    from farm.store import compaction

    _new_sweep(store, make_manifest, make_result)
    store.write_results(SWEEP, [make_result(0)])
    orphan = f"sweeps/{SWEEP}/compacted/runs/family=null/deadbeef-00000.parquet"
    store.backend.put(orphan, b"left by a compaction that crashed before its manifest update")

    store.compact(SWEEP)
    assert orphan in [i.key for i in store.backend.list_objects(f"sweeps/{SWEEP}/compacted/")]  # may be in progress
    store.write_results(SWEEP, [make_result(1)])
    monkeypatch.setattr(compaction, "ORPHAN_AGE_S", 0.0)
    manifest = store.compact(SWEEP)

    remaining = [i.key for i in store.backend.list_objects(f"sweeps/{SWEEP}/compacted/")]
    assert orphan not in remaining
    assert sorted(remaining) == sorted(f"sweeps/{SWEEP}/{f}" for files in manifest.compacted.values() for f in files)
    assert store.read_table(SWEEP).num_rows == 2
