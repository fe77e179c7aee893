"""The driver's farm metrics for Prometheus (``simfarm submit --metrics-port PORT``).

``FarmMetrics`` holds one session's counters in a private ``prometheus_client`` registry (never
the process-global one, so two sessions or a test never share series); every series carries the
``sweep_id`` label. ``serve_metrics`` exposes it at ``http://HOST:PORT/metrics`` (Prometheus text
format) on 127.0.0.1 unless told otherwise; the cluster's driver binds ``0.0.0.0:9464`` in the
head pod (named port ``simfarm-metrics``; Ray's own metrics port is another). The only module
that imports ``prometheus_client``.

Series (``_total`` counters count this session only; gauges are current values):

========================================================  ==========================================
``simfarm_rollouts_done_total{status}``                   results received, by status (every status
                                                          of ``farm.result.STATUS_TABLE``, from 0)
``simfarm_rollout_retries_total``                         results of a re-run (attempt > 1)
``simfarm_rollouts_in_flight``                            dispatched, result not yet received
``simfarm_rollouts_per_second``                           results received per second, last 10 s
``simfarm_sweep_rollouts``                                the sweep's size (every session)
``simfarm_sweep_counted{kind}``                           the sweep so far, counted by ``STATUS_TABLE``
                                                          (``farm.result.counts_from_mapping``): n,
                                                          passed, failures, excluded, incomplete
``simfarm_rollouts_stored_total``                         results written to the store
``simfarm_parts_written_total``                           parts written (each 4 objects per family)
``simfarm_part_write_seconds`` (histogram)                one part's encode + PUTs [s]
``simfarm_write_backlog_rows``                            received, not yet stored
``simfarm_store_write_errors_total{outcome}``             ``retried``: a transient store failure the
                                                          store retried; ``failed``: a part that
                                                          failed after retries (the driver stops, exit 5)
========================================================  ==========================================
"""

from __future__ import annotations

import socket
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, start_http_server

from farm.errors import ExecutionError, InputError
from farm.result import STATUS_TABLE, RolloutResult, counts_from_mapping
from farm.wire import WireResult

DEFAULT_HOST = "127.0.0.1"
CLUSTER_PORT = 9464  # the head pod's named port "simfarm-metrics" (Ray's own metrics use another)
RATE_WINDOW_S = 10.0
PART_SECONDS_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
COUNTED_KINDS = ("n", "passed", "failures", "excluded", "incomplete")


@dataclass(frozen=True, slots=True, kw_only=True)
class MetricsEndpoint:
    """Where to serve the metrics: ``port`` 0 picks a free one (the log names it)."""

    port: int
    host: str = DEFAULT_HOST

    def validated(self) -> MetricsEndpoint:
        """This value, or ``InputError`` naming ``--metrics-port`` / ``--metrics-host``."""
        if not 0 <= self.port <= 65535:
            raise InputError(f"{self.port} is not a TCP port (0-65535; 0 picks a free one)", field="--metrics-port")
        if not self.host or any(c.isspace() for c in self.host):
            raise InputError(f"{self.host!r} is not a host or address", field="--metrics-host")
        return self


def endpoint_args(endpoint: MetricsEndpoint | None) -> list[str]:
    """The ``--metrics-port P --metrics-host H`` flags that give another driver process this endpoint."""
    return [] if endpoint is None else ["--metrics-port", str(endpoint.port), "--metrics-host", endpoint.host]


class FarmMetrics:
    """One driver session's counters; see the module docstring for the series."""

    def __init__(self, sweep_id: str, *, total: int = 0) -> None:
        self.sweep_id = sweep_id
        self.registry = CollectorRegistry(auto_describe=True)
        r, sweep = self.registry, ["sweep_id"]
        self._done = Counter("simfarm_rollouts_done", "Rollout results received, by status", [*sweep, "status"],
                             registry=r)
        # every status shows from 0, so rate() and alerts see the series at once; children bound once (a labels()
        # lookup per result costs more than the increment)
        self._done_by = {status.value: self._done.labels(sweep_id, status.value) for status in STATUS_TABLE}
        self._retries = Counter("simfarm_rollout_retries", "Results of a re-run rollout (attempt > 1)", sweep,
                                registry=r).labels(sweep_id)
        self._in_flight = Gauge("simfarm_rollouts_in_flight", "Rollouts dispatched whose result is not received",
                                sweep, registry=r).labels(sweep_id)
        self._rate = Gauge("simfarm_rollouts_per_second", f"Results received per second over the last "
                           f"{RATE_WINDOW_S:g} s", sweep, registry=r).labels(sweep_id)
        Gauge("simfarm_sweep_rollouts", "Rollouts in the sweep", sweep, registry=r).labels(sweep_id).set(total)
        self._counted = Gauge("simfarm_sweep_counted", "The sweep so far (every session) counted by the status "
                              "table: n, passed, failures, excluded, incomplete", [*sweep, "kind"], registry=r)
        self._stored = Counter("simfarm_rollouts_stored", "Results written to the store", sweep,
                               registry=r).labels(sweep_id)
        self._parts = Counter("simfarm_parts_written", "Parts written to the store", sweep,
                              registry=r).labels(sweep_id)
        self._part_s = Histogram("simfarm_part_write_seconds", "Time to encode and put one part [s]", sweep,
                                 buckets=PART_SECONDS_BUCKETS, registry=r).labels(sweep_id)
        self._backlog = Gauge("simfarm_write_backlog_rows", "Results received and not yet stored", sweep,
                              registry=r).labels(sweep_id)
        errors = Counter("simfarm_store_write_errors", "Store failures: retried (transient, retried by the store) "
                         "or failed (a part given up after retries)", [*sweep, "outcome"], registry=r)
        self._retried, self._failed = errors.labels(sweep_id, "retried"), errors.labels(sweep_id, "failed")
        self._received: deque[tuple[float, int]] = deque()
        self._received_n = 0
        self.set_progress(in_flight=0, counts={})

    # -- called by the session (driver thread) ----------------------------------------------

    def observe_result(self, result: RolloutResult | WireResult) -> None:
        """Count one received result (status, retry)."""
        self._done_by[result.status.value].inc()
        self._received_n += 1
        if result.attempt > 1:
            self._retries.inc()

    def set_progress(self, *, in_flight: int, counts: Mapping[str, int], now: float | None = None) -> None:
        """Refresh the gauges: in flight, the rate over the last ``RATE_WINDOW_S``, the sweep's counts."""
        self._in_flight.set(in_flight)
        now = time.monotonic() if now is None else now
        self._received.append((now, self._received_n))
        while len(self._received) > 1 and now - self._received[1][0] >= RATE_WINDOW_S:
            self._received.popleft()
        (t0, n0) = self._received[0]
        self._rate.set((self._received_n - n0) / (now - t0) if now > t0 else 0.0)
        counted = counts_from_mapping({k: v for k, v in counts.items() if v > 0})
        for kind in COUNTED_KINDS:
            self._counted.labels(self.sweep_id, kind).set(getattr(counted, kind))

    # -- called by the part writers (any thread) --------------------------------------------

    def part_written(self, rows: int, seconds: float) -> None:
        """One part of ``rows`` results stored, in ``seconds``."""
        self._stored.inc(rows)
        self._parts.inc()
        self._part_s.observe(seconds)

    def write_failed(self) -> None:
        """A part failed after the store's retries."""
        self._failed.inc()

    def write_retried(self, operation: str, key: str) -> None:
        """A transient store failure that the store retries (a ``Store.add_retry_listener`` listener)."""
        self._retried.inc()

    def set_backlog(self, rows: int) -> None:
        """Results received and not yet stored."""
        self._backlog.set(rows)

    def exposition(self) -> bytes:
        """The current series in Prometheus text format (what a scrape returns)."""
        return bytes(generate_latest(self.registry))


class MetricsServer:
    """An HTTP server for one ``FarmMetrics`` (a daemon thread); ``close`` stops it and frees the port."""

    def __init__(self, metrics: FarmMetrics, endpoint: MetricsEndpoint) -> None:
        endpoint = endpoint.validated()
        where = f"{endpoint.host}:{endpoint.port}"
        try:
            self._server, self._thread = start_http_server(endpoint.port, addr=endpoint.host,
                                                           registry=metrics.registry)
        except socket.gaierror as exc:
            raise InputError(f"cannot resolve {endpoint.host!r} ({exc.strerror})", field="--metrics-host") from None
        except OSError as exc:
            raise ExecutionError(f"cannot listen on {where} ({exc.strerror or exc})", field="--metrics-port") from None
        self.host = endpoint.host
        self.port = int(self._server.server_port)
        self._closed = threading.Event()

    @property
    def url(self) -> str:
        """``http://host:port/metrics``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/metrics"

    def close(self) -> None:
        """Stop serving and close the listening socket (idempotent)."""
        if self._closed.is_set():
            return
        self._closed.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5.0)

    def __enter__(self) -> MetricsServer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
