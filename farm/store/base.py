"""The results-store contract the driver, the CLI and the reports code against.

Implementations: ``farm.store.local.LocalStore`` (a folder; the default) and
``farm.store.s3.S3Store`` (``s3://bucket/prefix``). ``farm.store.open_store``
picks one from a URI. Keys are built in ``farm.store.layout`` (every artefact and its
key: docs/architecture.md, "The store"); a sweep's results are::

    <root>/sweeps/<sweep_id>/manifest.json
    <root>/sweeps/<sweep_id>/spec.json            expanded specs (one JSON doc)
    <root>/sweeps/<sweep_id>/runs/family=<f>/part-<part_key>-<attempt_tag>.parquet
    <root>/sweeps/<sweep_id>/{events,params,telemetry}/family=<f>/part-<part_key>-<attempt_tag>.parquet
    <root>/sweeps/<sweep_id>/compacted/<table>/family=<f>/<generation>-<nnnnn>.parquet   (after compaction)

``part_key`` hashes the sorted run_ids a part holds; ``attempt_tag`` hashes each run's
(run_id, attempt, status), so a retried attempt is a new object and never overwrites the
earlier one, while writing the same results twice gives one object. A compaction
``generation`` hashes its inputs, so two compactions never overwrite each other's files.
Auxiliary objects (driver log, reports, trend tables, inputs, pairing maps) are written
with ``put_bytes`` under keys from ``farm.store.layout`` and are never read as results.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, Protocol

import pyarrow as pa

from farm.result import RolloutResult
from farm.spec import RolloutSpec
from farm.wire import WireResult

SWEEP_STATES = ("running", "complete", "partial", "failed", "cancelled")


@dataclass(frozen=True, slots=True, kw_only=True)
class Lease:
    """Who drives a sweep, until when (UTC epoch seconds)."""

    owner: str
    expires_at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Manifest:
    """Per-sweep provenance and state (``manifest.json``)."""

    sweep_id: str
    name: str
    created_at: str
    updated_at: str
    code_fingerprint: str
    stacks: tuple[str, ...] = ()
    versions: dict[str, str] = field(default_factory=dict)   # python, simfarm, ray, pyarrow, ...
    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)     # status -> count (deduplicated)
    state: str = "running"
    compacted: dict[str, tuple[str, ...]] = field(default_factory=dict)  # table -> relative file paths
    lease: Lease | None = None
    sweep_file: str = ""            # path/name of the sweep YAML it came from
    schema_version: int = 1
    extra: dict[str, Any] = field(default_factory=dict)  # executor info: mode, address, job id, detach pid


class Store(Protocol):
    """A results store rooted at ``uri``. All writes are atomic per object and idempotent."""

    uri: str

    def check(self, *, write: bool = True) -> None:
        """Fail fast with ``StoreError`` (one line, no credentials) if unreachable (or, with ``write``, not writable).

        Read-only commands pass ``write=False`` so read-only credentials work.
        """

    def create_sweep(self, manifest: Manifest, specs: Sequence[RolloutSpec]) -> None:
        """Write the manifest and the expanded specs of a new sweep; refuses an existing sweep_id."""

    def read_specs(self, sweep_id: str) -> list[RolloutSpec]:
        """The expanded specs of a sweep, in expansion order."""

    def write_results(self, sweep_id: str, results: Sequence[RolloutResult | WireResult], *,
                      pool: Executor | None = None) -> str:
        """Write one part (runs, events, params, telemetry) under ``part_key(run_ids)``; returns the key.

        ``results``: objects or their wire form (``farm.wire``), mixed freely; the same rows either way.

        Writing the same results twice leaves one part. Retries transient failures with backoff;
        raises ``StoreError`` once retries are exhausted. Runs objects are written after the
        part's other tables; with ``pool`` those others go up concurrently first. Safe to call
        from several threads at once (parts are content-named and written whole).
        """

    def add_retry_listener(self, listener: Callable[[str, str], None]) -> Callable[[], None]:
        """Call ``listener(operation, key)`` each time a transient failure is retried (S3 only); returns its remover."""

    def stored_statuses(self, sweep_id: str) -> dict[str, str]:
        """run_id -> status of the latest stored attempt (what a resume skips or re-runs)."""

    def read_manifest(self, sweep_id: str) -> Manifest:
        """The current manifest; ``UnknownSweep`` (a ``StoreError`` with exit code 2) if the sweep does not exist."""

    def update_manifest(self, sweep_id: str, change: Callable[[Manifest], Manifest]) -> Manifest:
        """Read-modify-write with optimistic concurrency (S3: ``If-Match`` on the ETag); retried on conflict."""

    def acquire_lease(self, sweep_id: str, owner: str, ttl_s: float) -> Lease:
        """Take the sweep's lease, or raise ``LeaseError`` naming the holder if another owner holds a live one."""

    def renew_lease(self, sweep_id: str, owner: str, ttl_s: float) -> Lease:
        """Extend our lease; ``LeaseError`` if we lost it."""

    def release_lease(self, sweep_id: str, owner: str) -> None:
        """Drop our lease (no-op if not ours)."""

    def compact(self, sweep_id: str) -> Manifest:
        """Merge parts into deduplicated files (one row per run_id, latest attempt) listed in the manifest."""

    def read_table(self, sweep_id: str, table: str = "runs", *, columns: Iterable[str] | None = None,
                   filter: Any = None, ordered: bool = True) -> pa.Table:
        """A table of a sweep, deduplicated by run_id (latest attempt), older schemas promoted.

        Rows are sorted by run_id (then time or name) unless ``ordered=False``, which aggregations
        pass to skip a sort (seconds at 10^6 rows with list columns).
        """

    def list_sweeps(self) -> list[Manifest]:
        """Every sweep's manifest, newest first."""

    def put_bytes(self, relative_key: str, data: bytes) -> None:
        """Write an auxiliary object under the root (reports, logs, uploaded inputs)."""

    def get_bytes(self, relative_key: str) -> bytes:
        """Read an auxiliary object; ``StoreError`` if missing."""
