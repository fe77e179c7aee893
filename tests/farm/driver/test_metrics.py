"""The driver's Prometheus metrics: the numbers a scrape shows, loopback only, stopped at the end, store errors."""

from __future__ import annotations

import contextlib
import io
import socket
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import psutil
import pytest
from prometheus_client.parser import text_string_to_metric_families

from farm.driver import submit, sweep_logs
from farm.driver.log import DriverLog
from farm.driver.metrics import FarmMetrics, MetricsEndpoint, MetricsServer
from farm.driver.progress import ProgressReporter
from farm.driver.session import _Session
from farm.driver.writer import FlushPolicy, ResultWriter
from farm.errors import ExecutionError, InputError, StoreError
from farm.result import STATUS_TABLE, Status
from farm.store import open_store
from farm.store.s3 import S3Store
from tests.farm.store.conftest import FaultProxy, build_result, new_bucket, new_manifest

SWEEP = "metrics-1"
TINY_SWEEP = """\
name: metrics-tiny
seed: 3
families:
  - name: "null"
    sampler: grid
    repeats: 4
    params:
      work_ms: {fixed: 100.0}
      pass_below: {fixed: 0.8}
      x: {fixed: 0.1}
      y: {fixed: 1.0}
resources:
  batch_size: 1
  timeout_s: 30
  retries: 0
"""


def _scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = urllib.request.urlopen(url, timeout=5).read().decode()
    samples = [s for family in text_string_to_metric_families(text) for s in family.samples]
    assert all(s.labels["sweep_id"] == SWEEP for s in samples if s.name.startswith("simfarm"))
    return {(s.name, tuple(sorted((k, v) for k, v in s.labels.items() if k != "sweep_id"))): s.value
            for s in samples}


def _listening(port: int) -> list[str]:
    return [c.laddr.ip for c in psutil.Process().net_connections(kind="tcp")
            if c.status == psutil.CONN_LISTEN and c.laddr.port == port]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_scrape_shows_the_sessions_counts_on_loopback_only_and_the_port_closes(tmp_path: Path) -> None:
    store = open_store(str(tmp_path))
    store.create_sweep(new_manifest(SWEEP, total=10), [])
    progress = ProgressReporter(total=10, stream=io.StringIO(), tty=False)
    counts: Counter[str] = Counter({"passed": 2})  # two rollouts stored by an earlier session
    session = _Session(store, SWEEP, "test:1:a", progress, DriverLog(store, SWEEP), counts, {},
                       threading.Event(), policy=FlushPolicy(), metrics=FarmMetrics(SWEEP, total=10))
    session.in_flight = lambda: 7
    with MetricsServer(session.metrics, MetricsEndpoint(port=0)) as server:
        assert server.url == f"http://127.0.0.1:{server.port}/metrics"
        assert _listening(server.port) == ["127.0.0.1"]
        for result in (build_result(0), build_result(1), build_result(2, attempt=2),
                       build_result(3, status=Status.FAILED)):
            session.on_result(result)
        session.tick()
        session.flush()
        got = _scrape(server.url)
        port = server.port
    done = {status.value: got[("simfarm_rollouts_done_total", (("status", status.value),))]
            for status in STATUS_TABLE}
    assert done == {"passed": 3, "failed": 1, "stack_error": 0, "timeout": 0, "sim_error": 0, "infra_error": 0}
    assert got[("simfarm_rollout_retries_total", ())] == 1
    assert got[("simfarm_rollouts_in_flight", ())] == 7
    assert got[("simfarm_sweep_rollouts", ())] == 10
    counted = {kind: got[("simfarm_sweep_counted", (("kind", kind),))] for kind in ("n", "passed", "failures")}
    assert counted == {"n": 6, "passed": 5, "failures": 1}  # this session's 4 on top of the stored 2
    assert got[("simfarm_rollouts_stored_total", ())] == 4 and got[("simfarm_parts_written_total", ())] == 1
    assert got[("simfarm_part_write_seconds_count", ())] == 1 and got[("simfarm_write_backlog_rows", ())] == 0
    assert got[("simfarm_rollouts_per_second", ())] > 0
    assert got[("simfarm_store_write_errors_total", (("outcome", "failed"),))] == 0
    session.writer.close()
    assert _listening(port) == []
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2)


def test_a_tiny_sweep_serves_its_metrics_while_it_runs_then_stops(tmp_path: Path) -> None:
    sweep_file = tmp_path / "tiny.yaml"
    sweep_file.write_text(TINY_SWEEP)
    port, scrapes, running = _free_port(), [], threading.Event()
    running.set()

    def watch() -> None:
        while running.is_set():
            with contextlib.suppress(OSError):
                scrapes.append(urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=1).read().decode())
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    report = submit(sweep_file, store=str(tmp_path / "store"), tty=False, executor="sequential",
                    metrics=MetricsEndpoint(port=port), stream_to=io.StringIO())
    running.clear()
    watcher.join(5)
    assert (report.state, report.counts) == ("complete", {"passed": 4})
    assert scrapes, "no scrape reached the driver while it ran"
    assert f'sweep_id="{report.sweep_id}"' in scrapes[-1] and 'status="passed"' in scrapes[-1]
    assert f"metrics for Prometheus on http://127.0.0.1:{port}/metrics" in sweep_logs(
        open_store(str(tmp_path / "store")), report.sweep_id)
    assert _listening(port) == []


def test_a_bad_endpoint_is_bad_input_and_a_taken_port_is_infrastructure() -> None:
    with pytest.raises(InputError, match="--metrics-port: 70000 is not a TCP port"):
        MetricsEndpoint(port=70000).validated()
    with pytest.raises(InputError, match="--metrics-host"):
        MetricsEndpoint(port=0, host="").validated()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(ExecutionError, match=r"--metrics-port: cannot listen on 127\.0\.0\.1:\d+"):
            MetricsServer(FarmMetrics(SWEEP), MetricsEndpoint(port=taken.getsockname()[1]))


@pytest.fixture
def fault_proxy(s3_server: str) -> Iterator[FaultProxy]:
    """A fault-injecting proxy (``tests.farm.store.conftest.FaultProxy``) in front of the session's moto_server."""
    proxy = FaultProxy(int(s3_server.rsplit(":", 1)[1]))
    yield proxy
    proxy.close()


def _s3_store(proxy: FaultProxy, s3_server: str, **options: Any) -> S3Store:
    store = S3Store(new_bucket(s3_server), "team", endpoint_url=proxy.url, max_attempts=1, **options)
    store.create_sweep(new_manifest(SWEEP), [])
    return store


def test_a_transient_store_error_is_counted_and_retried_and_nothing_is_lost(s3_server: str,
                                                                             fault_proxy: FaultProxy) -> None:
    store = _s3_store(fault_proxy, s3_server, retry_deadline_s=20.0)
    metrics = FarmMetrics(SWEEP)
    writer = ResultWriter(store, SWEEP, policy=FlushPolicy(writers=2, min_rows=1, part_s=0), metrics=metrics)
    fault_proxy.set_mode("503")
    threading.Timer(0.6, fault_proxy.set_mode, args=("pass",)).start()
    results = [build_result(i) for i in range(6)]
    for result in results:
        writer.add(result)
    writer.drain()
    writer.close()
    got = metrics.exposition().decode()
    assert 'simfarm_store_write_errors_total{outcome="failed",sweep_id="metrics-1"} 0.0' in got
    retried = next(line for line in got.splitlines() if line.startswith("simfarm_store_write_errors_total")
                   and 'outcome="retried"' in line)
    assert float(retried.rsplit(" ", 1)[1]) >= 1 and fault_proxy.faults >= 1
    stored = store.read_table(SWEEP, "runs", columns=["run_id"])["run_id"].to_pylist()
    assert sorted(stored) == sorted(r.run_id for r in results)


def test_a_part_that_fails_after_retries_is_counted_and_stops_the_driver(s3_server: str,
                                                                         fault_proxy: FaultProxy) -> None:
    store = _s3_store(fault_proxy, s3_server, retry_deadline_s=0.5)
    metrics = FarmMetrics(SWEEP)
    writer = ResultWriter(store, SWEEP, policy=FlushPolicy(writers=2, min_rows=1, part_s=0), metrics=metrics)
    fault_proxy.set_mode("refuse")
    writer.add(build_result(0))
    with pytest.raises(StoreError, match="failed after retries"):
        writer.drain()
    with pytest.raises(StoreError):  # every later call says so too: the session stops, exit 5
        writer.add(replace(build_result(1)))
    writer.close()
    got = metrics.exposition().decode()
    assert 'simfarm_store_write_errors_total{outcome="failed",sweep_id="metrics-1"} 1.0' in got
