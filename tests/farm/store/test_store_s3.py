"""S3-only behaviour: multipart, outages, fail-fast checks, conditional writes, credential hygiene."""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import boto3
import numpy as np
import pytest
from botocore.exceptions import ClientError

from farm.errors import InputError, StoreError
from farm.result import Telemetry
from farm.store import open_store
from farm.store.local import LocalStore
from farm.store.s3 import MiB, S3Store
from farm.store.s3_errors import scrub

SWEEP = "s3only-20260102T030405Z-abc123"
ACCESS_KEY = "AKIATESTDUMMYKEY0001"
SECRET = "dummy-secret-for-loopback-moto-only"


def _assert_clean_line(message: str) -> None:
    assert "\n" not in message
    assert ACCESS_KEY not in message and SECRET not in message


def test_a_part_above_the_multipart_threshold_is_uploaded_in_parts(s3_server, s3_bucket, make_manifest,
                                                                   make_result):
    store = S3Store(s3_bucket, "big", endpoint_url=s3_server, multipart_threshold_bytes=5 * MiB,
                    multipart_chunk_bytes=5 * MiB)
    store.create_sweep(make_manifest(SWEEP), [])
    rng = np.random.default_rng(7)
    ticks = 100_000
    noise = {name: rng.normal(size=ticks) for name in ("x_m", "y_m", "yaw_rad", "v_mps", "a_mps2", "cmd_accel_mps2",
                                                        "cmd_steer_rad", "nearest_obstacle_m", "ttc_s")}
    result = replace(make_result(0), telemetry=Telemetry(t_s=np.arange(ticks) * 0.01, **noise))
    store.write_results(SWEEP, [result])

    [info] = store.backend.list_objects(f"sweeps/{SWEEP}/telemetry/")
    assert info.size_bytes > 5 * MiB
    head = boto3.client("s3", endpoint_url=s3_server).head_object(Bucket=s3_bucket, Key=f"big/{info.key}")
    assert head["ETag"].strip('"').endswith("-2")  # a multipart ETag names its part count
    telemetry = store.read_table(SWEEP, "telemetry")
    assert telemetry.num_rows == ticks
    np.testing.assert_array_equal(telemetry["v_mps"].to_numpy(), noise["v_mps"])


def test_an_outage_mid_sweep_is_ridden_out_with_no_row_lost_or_duplicated(fault_proxy, s3_bucket, make_manifest,
                                                                          make_result):
    store = S3Store(s3_bucket, "outage", endpoint_url=fault_proxy.url, retry_deadline_s=30.0)
    store.create_sweep(make_manifest(SWEEP), [])
    batches, before = 40, 4  # the outage starts once batches 0-3 are stored; 4-39 are written into it
    written = threading.Semaphore(0)
    started = threading.Event()

    def hold(mode: str, at_least_s: float = 2.5) -> None:
        """``mode`` for at least ``at_least_s`` and until two more requests met it (wall-clock alone could
        pass, on a loaded machine, before a write reached the proxy)."""
        faults = fault_proxy.faults + 2
        fault_proxy.set_mode(mode)
        started.set()
        until, deadline = time.monotonic() + at_least_s, time.monotonic() + 60.0
        while (time.monotonic() < until or fault_proxy.faults < faults) and time.monotonic() < deadline:
            time.sleep(0.02)

    def outage() -> None:
        for _ in range(2):
            assert written.acquire(timeout=60.0), "no batch was stored before the outage"
        hold("503")
        hold("refuse")
        fault_proxy.set_mode("pass")

    def write(batch: int) -> str:
        if batch >= before:
            assert started.wait(timeout=60.0), "the outage never started"
        key = store.write_results(SWEEP, [make_result(2 * batch), make_result(2 * batch + 1)])
        written.release()
        return key

    saboteur = threading.Thread(target=outage)
    saboteur.start()
    with ThreadPoolExecutor(max_workers=2) as pool:
        keys = list(pool.map(write, range(batches)))
    saboteur.join()

    assert fault_proxy.faults >= 4  # the outage really hit requests
    assert len(set(keys)) == batches
    runs = store.read_table(SWEEP, columns=["run_id"])["run_id"].to_pylist()
    assert sorted(runs) == sorted({make_result(i).run_id for i in range(2 * batches)})
    assert store.read_table(SWEEP, "events").num_rows == 2 * 2 * batches
    assert store.compact(SWEEP).counts == {"passed": 2 * batches}


def test_an_unreachable_store_fails_fast_with_one_clean_line(s3_server, closed_port):
    store = S3Store("simfarm-nowhere", "p", endpoint_url=f"http://127.0.0.1:{closed_port}")
    started = time.monotonic()
    with pytest.raises(StoreError) as caught:
        store.check()
    assert time.monotonic() - started < 5.0
    message = str(caught.value)
    assert message.startswith("s3://simfarm-nowhere/p: cannot reach http://127.0.0.1:")
    _assert_clean_line(message)


def test_a_missing_bucket_fails_fast_and_is_named(s3_server):
    store = S3Store("simfarm-no-such-bucket", "", endpoint_url=s3_server)
    started = time.monotonic()
    with pytest.raises(StoreError, match="bucket 'simfarm-no-such-bucket' does not exist") as caught:
        store.check()
    _assert_clean_line(str(caught.value))
    with pytest.raises(StoreError, match="does not exist"):
        store.put_bytes("x.txt", b"x")  # not retried: a missing bucket is not transient
    assert time.monotonic() - started < 5.0


def test_writes_give_up_after_the_retry_deadline_with_a_clean_line(s3_server, make_result, closed_port):
    store = S3Store("simfarm-nowhere", "", endpoint_url=f"http://127.0.0.1:{closed_port}", retry_deadline_s=1.0)
    started = time.monotonic()
    with pytest.raises(StoreError, match=r"write of sweeps/.* failed after retries") as caught:
        store.write_results(SWEEP, [make_result(0)])
    assert 0.5 < time.monotonic() - started < 15.0
    _assert_clean_line(str(caught.value))


def test_the_server_refuses_a_write_conditional_on_a_stale_etag(s3_server, s3_bucket):
    client = boto3.client("s3", endpoint_url=s3_server)
    first = client.put_object(Bucket=s3_bucket, Key="m.json", Body=b"1")["ETag"]
    client.put_object(Bucket=s3_bucket, Key="m.json", Body=b"2", IfMatch=first)
    with pytest.raises(ClientError) as caught:
        client.put_object(Bucket=s3_bucket, Key="m.json", Body=b"3", IfMatch=first)
    assert caught.value.response["Error"]["Code"] == "PreconditionFailed"
    with pytest.raises(ClientError):
        client.put_object(Bucket=s3_bucket, Key="m.json", Body=b"4", IfNoneMatch="*")


def test_credentials_are_scrubbed_from_error_text(s3_server):
    text = (f"boom\nCredential={ACCESS_KEY}/20260101/us-east-1/s3/aws4_request, Signature=abcdef0123 "
            f"secret {SECRET} url http://user:pw@host:9000/b ASIAABCDEFGHIJKLMNOP")
    cleaned = scrub(text, ["session-token-value"])
    _assert_clean_line(cleaned)
    assert "abcdef0123" not in cleaned and "user:pw" not in cleaned and "ASIAABCDEFGHIJKLMNOP" not in cleaned
    assert cleaned.startswith("boom Credential=***")


def test_open_store_picks_the_backend_from_the_uri(s3_server, tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server)
    s3 = open_store("s3://my-bucket/team/nightly/")
    assert isinstance(s3, S3Store) and s3.uri == "s3://my-bucket/team/nightly"
    assert s3.backend._endpoint_url == s3_server
    assert isinstance(open_store(f"file://{tmp_path}/r"), LocalStore)
    assert open_store(str(tmp_path / "plain")).uri == str(tmp_path / "plain")
    monkeypatch.setenv("SIMFARM_STORE", str(tmp_path / "from-env"))
    assert open_store().uri == str(tmp_path / "from-env")
    monkeypatch.delenv("SIMFARM_STORE")
    assert open_store().uri == os.path.abspath("simfarm-results")
    for bad in ("s3://Bad_Bucket/x", "s3://ok-bucket/../x", "gs://bucket/x", "s3://b/x"):
        with pytest.raises(InputError):
            open_store(bad)


def _lose_first_response(store: S3Store, operation: str) -> list[int]:
    """After the server has applied the first ``operation``, drop its response (as a dead connection would)."""
    from botocore.exceptions import ConnectionClosedError

    lost: list[int] = []

    def drop(**_: object) -> None:
        if not lost:
            lost.append(1)
            raise ConnectionClosedError(endpoint_url="http://127.0.0.1/lost-response")

    store.backend._client.meta.events.register(f"after-call.s3.{operation}", drop)
    return lost


def test_an_update_whose_response_was_lost_is_applied_exactly_once(s3_server, s3_bucket, make_manifest):
    store = S3Store(s3_bucket, "lost", endpoint_url=s3_server)
    store.create_sweep(make_manifest(SWEEP), [])
    lost = _lose_first_response(store, "PutObject")

    manifest = store.update_manifest(SWEEP, lambda m: replace(m, extra={"n": m.extra.get("n", 0) + 1}))

    assert lost == [1]
    assert manifest.extra == {"n": 1} and store.read_manifest(SWEEP).extra == {"n": 1}


def test_a_create_whose_response_was_lost_still_counts_as_created(s3_server, s3_bucket, make_manifest):
    store = S3Store(s3_bucket, "lost", endpoint_url=s3_server)
    lost = _lose_first_response(store, "PutObject")
    assert store.backend.create("sweeps/x/manifest.json", b"{}") is True
    assert lost == [1]
    assert store.backend.create("sweeps/x/manifest.json", b"{}") is False

