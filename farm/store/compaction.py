"""Compaction: fold a sweep's in-flight parts into deduplicated files listed in the manifest.

Steps: take a snapshot; per family partition, deduplicate runs (latest attempt)
and keep only the winning source's events/params/telemetry; write files of at
most ``ROWS_PER_FILE`` runs (file *n* of every table covers the same runs) under
a generation name derived from the inputs; swap them into the manifest with a
conditional update that fails if another compaction committed first; only then
delete the folded parts and the previous generation. A part written while this
runs is not in the snapshot, so it stays in flight and is folded next time.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace

import pyarrow as pa
import pyarrow.compute as pc

from farm.errors import StoreError
from farm.identity import content_hash
from farm.schema import SCHEMAS
from farm.store.backend import ObjectMissing
from farm.store.base import Manifest
from farm.store.layout import TABLES, compacted_relative_key, sweep_key
from farm.store.manifest_io import utc_now_iso
from farm.store.parquet_io import to_parquet_bytes
from farm.store.reading import Snapshot, SweepObjects, finish, keep_winning_rows, load, winners

ROWS_PER_FILE = 50_000
ORPHAN_AGE_S = 3600.0
_TRIES = 3


class _Superseded(StoreError):
    """Another compaction committed between our snapshot and our manifest update."""


def compact_sweep(store: SweepObjects, sweep_id: str, rows_per_file: int = ROWS_PER_FILE) -> Manifest:
    """Compact one sweep; safe to run while a driver is still writing parts."""
    for _ in range(_TRIES):
        snap = store.snapshot(sweep_id)
        generation = content_hash(sorted([k for p in snap.parts for k in p.keys.values()]
                                         + [k for keys in snap.compacted.values() for k in keys]), n_hex=8)
        try:
            files, counts = _write_generation(store, sweep_id, snap, generation, rows_per_file)
        except ObjectMissing:
            continue  # a concurrent compaction removed what we listed
        if not snap.parts:
            return store.update_manifest(sweep_id, _recount(counts))
        try:
            manifest = store.update_manifest(sweep_id, _commit(snap, files, counts))
        except _Superseded:
            winner = store.read_manifest(sweep_id).compacted
            kept = {f for rel in winner.values() for f in rel}
            store.backend.delete([sweep_key(sweep_id, f) for rel in files.values() for f in rel if f not in kept])
            continue
        _clean_up(store, sweep_id, snap, {sweep_key(sweep_id, f) for rel in files.values() for f in rel})
        return manifest
    raise StoreError("other compactions kept committing first; try again", source=sweep_id)


def _clean_up(store: SweepObjects, sweep_id: str, snap: Snapshot, listed: set[str]) -> None:
    """Delete the folded parts, the previous generation, and orphans of crashed compactions.

    An unlisted compacted file is an orphan only once it is older than ``ORPHAN_AGE_S``:
    a younger one may belong to a compaction still in progress.
    """
    stale = [k for keys in snap.compacted.values() for k in keys if k not in listed]
    cutoff_ns = time.time_ns() - int(ORPHAN_AGE_S * 1e9)
    orphans = [info.key for info in store.backend.list_objects(sweep_key(sweep_id, "compacted/"))
               if info.key not in listed and info.written_ns < cutoff_ns]
    store.backend.delete([k for p in snap.parts for k in p.keys.values()] + stale + orphans)


def _commit(snap: Snapshot, files: dict[str, tuple[str, ...]],
            counts: dict[str, int]) -> Callable[[Manifest], Manifest]:
    def change(manifest: Manifest) -> Manifest:
        if manifest.compacted != snap.manifest.compacted:
            raise _Superseded("compacted concurrently", source=manifest.sweep_id)
        return replace(manifest, compacted=files, counts=counts, updated_at=utc_now_iso())

    return change


def _recount(counts: dict[str, int]) -> Callable[[Manifest], Manifest]:
    def change(manifest: Manifest) -> Manifest:
        return replace(manifest, counts=counts, updated_at=utc_now_iso())

    return change


def _write_generation(store: SweepObjects, sweep_id: str, snap: Snapshot, generation: str,
                      rows_per_file: int) -> tuple[dict[str, tuple[str, ...]], dict[str, int]]:
    """Write (or, with no parts in flight, only count) the deduplicated files family by family."""
    files: dict[str, list[str]] = {table: [] for table in TABLES}
    counts: Counter[str] = Counter()
    for family in sorted({p.family for p in snap.parts} | _compacted_families(snap)):
        part = _family_snapshot(snap, family)
        best = winners(load(store.backend, part, "runs", None))
        runs = finish(best, "runs", None)
        counts.update(runs["status"].to_pylist())
        if not snap.parts:
            continue
        tables = {"runs": runs} | {table: finish(keep_winning_rows(load(store.backend, part, table, None), best),
                                                 table, None) for table in TABLES[1:]}
        for table, relative in _write_family(store, sweep_id, family, tables, generation, rows_per_file):
            files[table].append(relative)
    return {t: tuple(f) for t, f in files.items() if f}, dict(sorted(counts.items()))


def _write_family(store: SweepObjects, sweep_id: str, family: str, tables: dict[str, pa.Table], generation: str,
                  rows_per_file: int) -> list[tuple[str, str]]:
    """File *n* of every table holds the rows of runs ``n*rows_per_file`` to ``(n+1)*rows_per_file - 1``."""
    written = []
    runs = tables["runs"]
    for index, start in enumerate(range(0, runs.num_rows, rows_per_file)):
        chunk_ids = pa.array(runs["run_id"].slice(start, rows_per_file).to_pylist(), pa.string())
        for table, rows in tables.items():
            chunk = (rows.slice(start, rows_per_file) if table == "runs"
                     else rows.filter(pc.is_in(rows["run_id"], value_set=chunk_ids)))
            if chunk.num_rows:
                relative = compacted_relative_key(table, family, generation, index)
                store.backend.put(sweep_key(sweep_id, relative), to_parquet_bytes(chunk.cast(SCHEMAS[table])))
                written.append((table, relative))
    return written


def _compacted_families(snap: Snapshot) -> set[str]:
    return {key.split("/family=", 1)[1].split("/", 1)[0] for keys in snap.compacted.values() for key in keys}


def _family_snapshot(snap: Snapshot, family: str) -> Snapshot:
    """The part of a snapshot that belongs to one family partition (run_ids never span families)."""
    marker = f"/family={family}/"
    compacted = {t: tuple(k for k in keys if marker in k) for t, keys in snap.compacted.items()}
    return Snapshot(manifest=snap.manifest, compacted=compacted,
                    parts=tuple(p for p in snap.parts if p.family == family))
