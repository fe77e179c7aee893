"""``ResultsStore``: the whole ``Store`` contract over a ``Backend`` (folder or S3 bucket)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

import pyarrow as pa

from farm.errors import InputError, StoreError
from farm.result import RolloutResult
from farm.schema import SCHEMAS
from farm.spec import RolloutSpec
from farm.store.backend import Backend, ObjectMissing, UnknownSweep
from farm.store.base import Lease, Manifest
from farm.store.compaction import ROWS_PER_FILE, compact_sweep
from farm.store.ids import validate_key_part, validate_relative_key
from farm.store.layout import (
    SWEEP_MANAGED,
    SWEEPS_ROOT,
    TABLES,
    manifest_key,
    spec_key,
)
from farm.store.manifest_io import drop_lease, extend_lease, manifest_from_bytes, manifest_to_bytes, take_lease
from farm.store.parts import encode_part, put_part
from farm.store.reading import DEDUPE_COLUMNS, Snapshot, finish, keep_winning_rows, load, take_snapshot, winners
from farm.wire import WireResult

_READ_TRIES = 5


class ResultsStore:
    """Parquet parts, manifests, leases, compaction and deduplicated reads over one backend."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.uri = backend.uri

    def check(self, *, write: bool = True) -> None:
        """Fail fast (one line, no credentials) if unreachable or, with ``write``, not writable.

        ``write=False`` suits read-only commands and read-only credentials.
        """
        self.backend.check(write=write)

    # -- sweeps and specs -------------------------------------------------------------------

    def create_sweep(self, manifest: Manifest, specs: Sequence[RolloutSpec]) -> None:
        """Write the expanded specs, then the manifest (only if the sweep id is new)."""
        key = manifest_key(manifest.sweep_id)
        if self._exists(key):
            raise StoreError("sweep already exists", source=manifest.sweep_id)
        document = {"sweep_id": manifest.sweep_id, "specs": [spec.to_dict() for spec in specs]}
        self.backend.put(spec_key(manifest.sweep_id), json.dumps(document, sort_keys=True).encode())
        if not self.backend.create(key, manifest_to_bytes(manifest)):
            raise StoreError("sweep already exists", source=manifest.sweep_id)

    def read_specs(self, sweep_id: str) -> list[RolloutSpec]:
        """The expanded specs of a sweep, in expansion order."""
        data = self._get(spec_key(sweep_id), sweep_id, "expanded specs")
        try:
            return [RolloutSpec.from_dict(item) for item in json.loads(data)["specs"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise StoreError(f"unreadable expanded specs ({type(exc).__name__}: {exc})", source=sweep_id) from None

    def list_sweeps(self) -> list[Manifest]:
        """Every sweep's manifest, newest first (folders without a manifest yet are skipped)."""
        ids = [name for name in self.backend.list_children(SWEEPS_ROOT) if _valid_id(name)]

        def read(sweep_id: str) -> Manifest | None:
            try:
                return self.read_manifest(sweep_id)
            except ObjectMissing:
                return None

        with ThreadPoolExecutor(max_workers=max(1, self.backend.max_parallel)) as pool:
            found = [m for m in pool.map(read, ids) if m is not None]
        return sorted(found, key=lambda m: (m.created_at, m.sweep_id), reverse=True)

    # -- manifest and lease -----------------------------------------------------------------

    def read_manifest(self, sweep_id: str) -> Manifest:
        """The current manifest; ``UnknownSweep`` (exit 2) if the sweep does not exist."""
        try:
            data = self.backend.get(manifest_key(sweep_id))
        except ObjectMissing:
            raise UnknownSweep(f"no such sweep in {self.uri}", source=sweep_id) from None
        return manifest_from_bytes(data, source=sweep_id)

    def update_manifest(self, sweep_id: str, change: Callable[[Manifest], Manifest]) -> Manifest:
        """Read-modify-write with optimistic concurrency; ``change`` may run more than once."""
        key = manifest_key(sweep_id)

        def apply(data: bytes) -> bytes:
            updated = change(manifest_from_bytes(data, source=sweep_id))
            if updated.sweep_id != sweep_id:
                raise StoreError(f"a manifest update may not change the sweep id to {updated.sweep_id!r}",
                                 source=sweep_id)
            return manifest_to_bytes(updated)

        try:
            written = self.backend.update(key, apply)
        except ObjectMissing:
            raise UnknownSweep(f"no such sweep in {self.uri}", source=sweep_id) from None
        return manifest_from_bytes(written, source=sweep_id)

    def acquire_lease(self, sweep_id: str, owner: str, ttl_s: float) -> Lease:
        """Take the lease; ``LeaseError`` naming the holder if another owner's lease is live."""
        lease = self.update_manifest(sweep_id, take_lease(sweep_id, owner, ttl_s)).lease
        assert lease is not None
        return lease

    def renew_lease(self, sweep_id: str, owner: str, ttl_s: float) -> Lease:
        """Extend our lease; ``LeaseError`` if we lost it."""
        lease = self.update_manifest(sweep_id, extend_lease(sweep_id, owner, ttl_s)).lease
        assert lease is not None
        return lease

    def release_lease(self, sweep_id: str, owner: str) -> None:
        """Drop our lease (no-op if not ours)."""
        self.update_manifest(sweep_id, drop_lease(owner))

    # -- results ----------------------------------------------------------------------------

    def write_results(self, sweep_id: str, results: Sequence[RolloutResult | WireResult], *,
                      pool: Executor | None = None) -> str:
        """Write one part per family partition under ``part_key(run_ids)``; returns that key.

        ``results``: objects, their wire form (``farm.wire``, what Ray workers return) or both;
        the stored rows are the same either way.

        Events, params and telemetry are written before runs, so a listed runs
        object always has its companions. Same results -> same objects. With
        ``pool``, the companions go up concurrently, then the runs objects
        (``farm.store.parts``).
        """
        part = encode_part(sweep_id, results)
        put_part(self.backend, part, pool=pool)
        return part.key

    def add_retry_listener(self, listener: Callable[[str, str], None]) -> Callable[[], None]:
        """Call ``listener(operation, key)`` each time the backend retries a transient failure.

        Returns the function that removes it again. The driver counts these
        (``simfarm_store_write_errors_total{outcome="retried"}``); a local folder has no transient
        failures, so it never calls.
        """
        listeners = self.backend.retry_listeners
        listeners.append(listener)
        return lambda: listeners.remove(listener) if listener in listeners else None

    def stored_statuses(self, sweep_id: str) -> dict[str, str]:
        """run_id -> status of the latest stored attempt (reads only run_id/attempt/status)."""
        runs = self._consistent(sweep_id, ("runs",), lambda snap: winners(load(self.backend, snap, "runs",
                                                                                 DEDUPE_COLUMNS)))
        return dict(zip(runs["run_id"].to_pylist(), runs["status"].to_pylist(), strict=True))

    def read_table(self, sweep_id: str, table: str = "runs", *, columns: Iterable[str] | None = None,
                   filter: Any = None, ordered: bool = True) -> pa.Table:
        """A table of a sweep, one run's rows from its latest attempt only, older schemas promoted.

        ``filter`` (a ``pyarrow.compute.Expression``) is applied after deduplication, so
        filtering never resurrects an attempt that a later one superseded. ``ordered=False``
        leaves the rows in storage order (no sort: for aggregations over large sweeps).
        """
        if table not in TABLES:
            raise InputError(f"unknown table {table!r}; tables are {', '.join(TABLES)}", field="table")
        wanted = _check_columns(table, columns)
        read_cols = None if filter is not None or wanted is None else list(dict.fromkeys([*wanted, "run_id"]))

        def read(snap: Snapshot) -> pa.Table:
            # Compacted files hold one row per run (and only the winning source's events, params,
            # telemetry) by construction: with no part in flight there is nothing to deduplicate.
            compacted_only = not snap.parts
            if table == "runs":
                cols = None if read_cols is None else list(dict.fromkeys([*read_cols, *DEDUPE_COLUMNS]))
                rows = load(self.backend, snap, "runs", cols)
                return rows if compacted_only else winners(rows)
            if compacted_only:
                return load(self.backend, snap, table, read_cols)
            best = winners(load(self.backend, snap, "runs", DEDUPE_COLUMNS))
            return keep_winning_rows(load(self.backend, snap, table, read_cols), best)

        rows = self._consistent(sweep_id, ("runs", table), read)
        if filter is not None:
            rows = rows.filter(filter)
        return finish(rows, table, wanted, ordered=ordered)

    def compact(self, sweep_id: str, *, rows_per_file: int = ROWS_PER_FILE) -> Manifest:
        """Merge parts into deduplicated files (<= ``rows_per_file`` runs per file per family), listed in
        the manifest."""
        return compact_sweep(self, sweep_id, rows_per_file)

    # -- auxiliary objects ------------------------------------------------------------------

    def put_bytes(self, relative_key: str, data: bytes) -> None:
        """Write an auxiliary object under the root (reports, logs, uploaded inputs).

        Keys the store manages itself (a sweep's manifest, specs, parts, compacted
        files) are refused, so an auxiliary write can never clobber results.
        """
        segments = validate_relative_key(relative_key).split("/")
        if len(segments) >= 3 and segments[0] == SWEEPS_ROOT.rstrip("/") and segments[2] in SWEEP_MANAGED:
            raise InputError(f"{relative_key!r} is managed by the store", field="key")
        self.backend.put(relative_key, data)

    def get_bytes(self, relative_key: str) -> bytes:
        """Read an auxiliary object; ``StoreError`` if missing."""
        return self._get(validate_relative_key(relative_key), relative_key, "object")

    # -- helpers ----------------------------------------------------------------------------

    def snapshot(self, sweep_id: str, tables: Sequence[str] = TABLES) -> Snapshot:
        """A consistent view of the sweep's compacted files and parts."""
        return take_snapshot(self.backend, sweep_id, self.read_manifest, tables)

    def _consistent(self, sweep_id: str, tables: Sequence[str], read: Callable[[Snapshot], pa.Table]) -> pa.Table:
        # A part deleted between listing and reading means a compaction finished: look again.
        error: ObjectMissing | None = None
        for _ in range(_READ_TRIES):
            snap = self.snapshot(sweep_id, tables)
            try:
                return read(snap)
            except ObjectMissing as exc:
                error = exc
        assert error is not None
        raise error

    def _exists(self, key: str) -> bool:
        try:
            self.backend.get(key)
        except ObjectMissing:
            return False
        return True

    def _get(self, key: str, source: str, what: str) -> bytes:
        try:
            return self.backend.get(key)
        except ObjectMissing:
            raise ObjectMissing(f"no {what} in this store", source=source, field=what) from None


def _valid_id(name: str) -> bool:
    try:
        validate_key_part(name, "sweep id")
    except InputError:
        return False
    return True


def _check_columns(table: str, columns: Iterable[str] | None) -> list[str] | None:
    if columns is None:
        return None
    wanted = list(columns)
    unknown = [c for c in wanted if c not in SCHEMAS[table].names]
    if unknown:
        raise InputError(f"unknown column {unknown[0]!r}; columns are {', '.join(SCHEMAS[table].names)}",
                         field="columns")
    return wanted
