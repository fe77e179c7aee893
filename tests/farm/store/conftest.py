"""Fixtures for the store tests: result builders, one store per backend, a fault-injecting proxy."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import numpy as np
import pytest

from farm.result import Event, Metrics, ModuleLatency, RolloutResult, Status, Telemetry
from farm.spec import RolloutSpec
from farm.store.base import Manifest
from farm.store.local import LocalStore
from farm.store.results import ResultsStore
from farm.store.s3 import S3Store

MakeResult = Callable[..., RolloutResult]


def build_result(index: int, *, attempt: int = 1, status: Status = Status.PASSED, family: str = "null",
                 telemetry_ticks: int = 0, events: int = 2, **metrics: Any) -> RolloutResult:
    """A rollout result with params {x: 0.5, index: i}, a few events, latency and optional telemetry."""
    spec = RolloutSpec.create(family=family, family_version=1, params={"x": 0.5, "index": index}, seed=index,
                              telemetry=telemetry_ticks > 0)
    telemetry = None
    if telemetry_ticks:
        t = np.arange(telemetry_ticks) * 0.1
        ramp = np.linspace(0.0, 1.0, telemetry_ticks) + index
        telemetry = Telemetry(t_s=t, x_m=ramp, y_m=ramp * 0.5, yaw_rad=ramp * 0.01, v_mps=ramp + 3.0,
                              a_mps2=ramp * 0.2, cmd_accel_mps2=ramp * 0.1, cmd_steer_rad=ramp * 0.001,
                              nearest_obstacle_m=ramp + 10.0, ttc_s=ramp + 2.0)
    return RolloutResult(
        spec=spec, status=status, metrics=Metrics(min_ttc_s=1.0 + index, min_distance_m=2.5, **metrics),
        fail_reasons=("min_ttc_s",) if status is Status.FAILED else (),
        error="worker lost" if status is Status.INFRA_ERROR else None,
        events=tuple(Event(t_s=0.5 * k, kind="aeb", detail=f"attempt {attempt} #{k}") for k in range(events)),
        latency=(ModuleLatency(module="total", p50_ms=3.0, p95_ms=5.0, max_ms=9.0),
                 ModuleLatency(module="planning", p50_ms=1.0, p95_ms=2.0, max_ms=4.0)),
        telemetry=telemetry, odd_tags=("highway", "dry"), sim_time_s=20.0, wall_time_s=0.4, attempt=attempt,
        worker=f"w{index % 2}", code_fingerprint="simfarm 0.1.0 nogit", started_at="2026-01-02T03:04:05+00:00",
    ).with_hash()


def new_manifest(sweep_id: str, **fields: Any) -> Manifest:
    """A fresh manifest for a test sweep."""
    return Manifest(sweep_id=sweep_id, name=sweep_id.split("-")[0], created_at=fields.pop("created_at",
                    "2026-01-02T03:04:05+00:00"), updated_at="2026-01-02T03:04:05+00:00",
                    code_fingerprint="simfarm 0.1.0 nogit", stacks=("ref",), total=fields.pop("total", 0), **fields)


def new_bucket(endpoint_url: str) -> str:
    """Create a uniquely named bucket on the test server."""
    name = f"simfarm-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=endpoint_url).create_bucket(Bucket=name)
    return name


@pytest.fixture
def make_result() -> MakeResult:
    """``make_result(i, attempt=1, status=PASSED, family="null", telemetry_ticks=0, events=2, **metrics)``."""
    return build_result


@pytest.fixture
def make_manifest() -> Callable[..., Manifest]:
    """``make_manifest(sweep_id, **fields)``."""
    return new_manifest


@pytest.fixture
def s3_bucket(s3_server: str) -> str:
    """A fresh, empty bucket on the session's moto_server."""
    return new_bucket(s3_server)


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Any) -> ResultsStore:
    """The same suite runs on a local folder and on S3 (moto_server on loopback)."""
    if request.param == "local":
        return LocalStore(tmp_path / "results")
    endpoint = request.getfixturevalue("s3_server")
    return S3Store(new_bucket(endpoint), "team/results", endpoint_url=endpoint)


class FaultProxy:
    """A TCP proxy on 127.0.0.1 that can pass traffic, reset connections, or answer HTTP 503.

    Switching to a fault mode also resets every open connection, so pooled
    keep-alive connections fail too. ``faults`` counts connections that were
    refused or answered 503.
    """

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.mode = "pass"
        self.faults = 0
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def set_mode(self, mode: str) -> None:
        """``pass`` | ``refuse`` (reset connections) | ``503`` (answer Service Unavailable)."""
        self.mode = mode
        if mode != "pass":
            with self._lock:
                for conn in list(self._open):
                    _reset(conn)
                self._open.clear()

    def close(self) -> None:
        self._listener.close()
        self.set_mode("refuse")

    def _accept_loop(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            if self.mode == "refuse":
                self.faults += 1
                _reset(conn)
            elif self.mode == "503":
                self.faults += 1
                threading.Thread(target=self._answer_503, args=(conn,), daemon=True).start()
            else:
                threading.Thread(target=self._relay, args=(conn,), daemon=True).start()

    def _answer_503(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(2.0)
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 65536:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                head += chunk
            body = b"<Error><Code>ServiceUnavailable</Code><Message>injected outage</Message></Error>"
            conn.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/xml\r\n"
                         b"Connection: close\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        except OSError:
            pass
        finally:
            conn.close()

    def _relay(self, conn: socket.socket) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
        except OSError:
            _reset(conn)
            return
        with self._lock:
            self._open.update((conn, upstream))
        back = threading.Thread(target=_pump, args=(upstream, conn), daemon=True)
        back.start()
        _pump(conn, upstream)
        back.join(timeout=5)
        with self._lock:
            self._open.difference_update((conn, upstream))
        conn.close()
        upstream.close()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    except OSError:
        pass
    finally:
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def _reset(conn: socket.socket) -> None:
    """Close with RST (SO_LINGER 0) so the client sees a reset, not a clean close."""
    try:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()
    except OSError:
        pass


@pytest.fixture
def fault_proxy(s3_server: str) -> Iterator[FaultProxy]:
    """A fault-injecting proxy in front of the session's moto_server."""
    proxy = FaultProxy(int(s3_server.rsplit(":", 1)[1]))
    yield proxy
    proxy.close()
