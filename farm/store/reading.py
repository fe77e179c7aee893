"""Consistent snapshots of a sweep's objects and deduplication by run_id.

A snapshot is the manifest's compacted files plus every in-flight part whose
``runs`` object exists (runs are written last, so its other tables are
complete). Each source gets a rank: compacted files 0, parts 1..n in write
order. Per run_id the winning row is the latest ``attempt``; ties prefer a
final status over ``infra_error``, then the later-written source. Events,
params and telemetry rows are kept only from the winning source of their run,
so a retried run never contributes two attempts' events.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from farm.errors import StoreError
from farm.schema import SCHEMAS
from farm.store.backend import Backend
from farm.store.base import Manifest
from farm.store.layout import TABLES, parse_part_key, sweep_key, table_prefix
from farm.store.parquet_io import from_parquet_bytes

SRC = "_src"
DEDUPE_COLUMNS = ("run_id", "attempt", "status")
SORT_KEYS: dict[str, tuple[str, ...]] = {
    "runs": ("run_id",), "events": ("run_id", "t_s"), "params": ("run_id", "name"), "telemetry": ("run_id", "t_s"),
}
_SNAPSHOT_TRIES = 5


@dataclass(frozen=True, slots=True, kw_only=True)
class Part:
    """One in-flight part of one family partition: its objects per table."""

    family: str
    stem: str
    written_ns: int
    keys: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Snapshot:
    """What a reader (or the compactor) sees of a sweep at one moment."""

    manifest: Manifest
    compacted: dict[str, tuple[str, ...]]  # table -> keys relative to the store root
    parts: tuple[Part, ...]                # rank order: earliest written first


class SweepObjects(Protocol):
    """What compaction needs of a results store: its backend, snapshots and the manifest.

    ``farm.store.results.ResultsStore`` is one; compaction works on this face so that it need not
    import the store that calls it.
    """

    backend: Backend

    def snapshot(self, sweep_id: str, tables: Sequence[str] = TABLES) -> Snapshot: ...

    def read_manifest(self, sweep_id: str) -> Manifest: ...

    def update_manifest(self, sweep_id: str, change: Callable[[Manifest], Manifest]) -> Manifest: ...


def take_snapshot(backend: Backend, sweep_id: str, read_manifest: Callable[[str], Manifest],
                  tables: Sequence[str] = TABLES) -> Snapshot:
    """List parts between two manifest reads; retried while a compaction swaps files underneath."""
    for _ in range(_SNAPSHOT_TRIES):
        before = read_manifest(sweep_id)
        parts = _list_parts(backend, sweep_id, tables)
        after = read_manifest(sweep_id)
        if after.compacted == before.compacted:
            compacted = {t: tuple(sweep_key(sweep_id, rel) for rel in after.compacted.get(t, ())) for t in tables}
            return Snapshot(manifest=after, compacted=compacted, parts=parts)
    raise StoreError("the sweep was re-compacted during every read attempt; try again", source=sweep_id)


def _list_parts(backend: Backend, sweep_id: str, tables: Sequence[str]) -> tuple[Part, ...]:
    # Runs first: whatever runs object is listed has its other tables already written.
    parts: dict[tuple[str, str], Part] = {}
    for info in backend.list_objects(table_prefix(sweep_id, "runs")):
        ref = parse_part_key(sweep_id, "runs", info.key)
        if ref is not None:
            parts[(ref.family, ref.stem)] = Part(family=ref.family, stem=ref.stem, written_ns=info.written_ns,
                                                 keys={"runs": ref.key})
    for table in tables:
        if table == "runs":
            continue
        for info in backend.list_objects(table_prefix(sweep_id, table)):
            ref = parse_part_key(sweep_id, table, info.key)
            if ref is not None and (ref.family, ref.stem) in parts:
                parts[(ref.family, ref.stem)].keys[table] = ref.key
    return tuple(sorted(parts.values(), key=lambda p: (p.written_ns, p.stem, p.family)))


def load(backend: Backend, snapshot: Snapshot, table: str, columns: Sequence[str] | None) -> pa.Table:
    """Every source's rows of ``table`` (wanted columns, conformed), with the source rank in ``_src``."""
    schema = SCHEMAS[table]
    jobs = [(0, key) for key in snapshot.compacted.get(table, ())]
    jobs += [(rank, part.keys[table]) for rank, part in enumerate(snapshot.parts, start=1) if table in part.keys]

    def fetch(job: tuple[int, str]) -> pa.Table:
        rank, key = job
        data = from_parquet_bytes(backend.get(key), schema, columns, source=key)
        return data.append_column(SRC, pa.array(np.full(data.num_rows, rank, dtype=np.int32)))

    if len(jobs) > 1 and backend.max_parallel > 1:
        with ThreadPoolExecutor(max_workers=backend.max_parallel) as pool:
            pieces = list(pool.map(fetch, jobs))
    else:
        pieces = [fetch(job) for job in jobs]
    if not pieces:
        wanted = list(columns) if columns is not None else schema.names
        empty = pa.schema([schema.field(n) for n in wanted] + [pa.field(SRC, pa.int32())])
        return empty.empty_table()
    return pa.concat_tables(pieces)


def winners(runs: pa.Table) -> pa.Table:
    """The winning row per run_id of a loaded runs table (any extra columns kept)."""
    if runs.num_rows == 0:
        return runs
    ranked = runs.append_column("_final", pc.cast(pc.not_equal(runs["status"], "infra_error"), pa.int8()))
    ranked = ranked.append_column("_attempt", pc.fill_null(runs["attempt"], 0))
    ranked = ranked.sort_by([("run_id", "ascending"), ("_attempt", "descending"), ("_final", "descending"),
                             (SRC, "descending")])
    ids = ranked["run_id"].to_numpy(zero_copy_only=False)
    first = np.ones(len(ids), dtype=bool)
    first[1:] = ids[1:] != ids[:-1]
    return ranked.filter(pa.array(first)).drop_columns(["_final", "_attempt"])


def keep_winning_rows(rows: pa.Table, winning_runs: pa.Table) -> pa.Table:
    """Rows of events/params/telemetry that come from the winning source of their run."""
    if rows.num_rows == 0:
        return rows
    mask = pc.is_in(_source_key(rows), value_set=_source_key(winning_runs))
    return rows.filter(mask)


def _source_key(table: pa.Table) -> pa.ChunkedArray:
    return pc.binary_join_element_wise(table["run_id"], pc.cast(table[SRC], pa.string()), "\x1f")


def finish(table: pa.Table, name: str, columns: Sequence[str] | None, *, ordered: bool = True) -> pa.Table:
    """Drop helper columns, sort deterministically (unless not ``ordered``) and project to ``columns``."""
    table = table.drop_columns([c for c in table.column_names if c.startswith("_")])
    keys = [(k, "ascending") for k in SORT_KEYS[name] if k in table.column_names]
    if ordered and keys and table.num_rows:
        table = table.sort_by(keys)
    return table.select(list(columns)) if columns is not None else table
