"""One part of results, encoded to Parquet objects and put in ``WRITE_ORDER`` (runs last).

``write_results`` is ``put_part(backend, encode_part(...))``. The two halves are apart so
that the driver's part writers (``farm.driver.writer``) can run many parts at once: encoding is
CPU (pyarrow releases the GIL while it compresses), putting is waiting on the store. Within one
part the companion objects (events, params, telemetry of every family) may go up concurrently;
the part's runs objects go up only after every companion is stored, so a listed runs object
always has its companions (``farm.store.reading``), whatever the concurrency.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from farm.identity import content_hash, part_key
from farm.result import RolloutResult
from farm.schema import SCHEMAS, to_tables
from farm.store.backend import Backend
from farm.store.ids import validate_key_part
from farm.store.layout import WRITE_ORDER, part_object_key
from farm.store.parquet_io import to_parquet_bytes
from farm.wire import WireResult, to_wire, wire_tables


@dataclass(frozen=True, slots=True, kw_only=True)
class EncodedPart:
    """The objects of one part, ready to put.

    Attributes:
        key: ``part_key`` of the part's run_ids (what ``write_results`` returns).
        companions: ``(object key, Parquet bytes)`` of the events, params and telemetry objects, in
            ``WRITE_ORDER``; any order among themselves is safe.
        runs: the runs objects (one per family), to put after every companion.
        rows: results in the part.
    """

    key: str
    companions: tuple[tuple[str, bytes], ...]
    runs: tuple[tuple[str, bytes], ...]
    rows: int

    @property
    def objects(self) -> int:
        """How many objects (PUTs) the part is."""
        return len(self.companions) + len(self.runs)

    @property
    def size_bytes(self) -> int:
        """Total encoded size [bytes]."""
        return sum(len(data) for _, data in (*self.companions, *self.runs))


def encode_part(sweep_id: str, results: Sequence[RolloutResult | WireResult]) -> EncodedPart:
    """One object per table and family partition under ``part_key(run_ids)-attempt_tag``.

    ``results`` may be ``RolloutResult`` objects, ``WireResult`` rows (``farm.wire``, what Ray
    workers return) or both; either way the same results give the same rows (``farm.wire``'s
    contract). Same results in the same form -> same keys and bytes; a retried attempt of the same
    runs gets another ``attempt_tag`` and so never overwrites the earlier objects (``farm.store.layout``).
    """
    results = list(results)
    run_ids = [r.run_id for r in results]  # a hash over the spec for an object: computed once per result
    key = part_key(run_ids)
    if not results:
        return EncodedPart(key=key, companions=(), runs=(), rows=0)
    tag = content_hash(sorted([run, int(r.attempt), r.status.value] for run, r in zip(run_ids, results, strict=True)),
                       n_hex=8)
    stem = f"{key}-{tag}"
    companions: list[tuple[str, bytes]] = []
    runs: list[tuple[str, bytes]] = []
    by_family = _family_tables(sweep_id, results, run_ids)
    for table in WRITE_ORDER:
        for family, tables in by_family:
            rows = tables[table]
            if rows.num_rows:
                target = runs if table == "runs" else companions
                target.append((part_object_key(sweep_id, table, family, stem), to_parquet_bytes(rows)))
    return EncodedPart(key=key, companions=tuple(companions), runs=tuple(runs), rows=len(results))


def _family_tables(sweep_id: str, results: list[RolloutResult | WireResult],
                   run_ids: list[str]) -> list[tuple[str, dict[str, pa.Table]]]:
    """``(family, tables cast to SCHEMAS)`` per family partition, families sorted, rows in arrival order.

    Objects only: ``farm.schema.to_tables`` once, filtered per family (the object path as it was).
    Any wire rows: every object is put in wire form (``to_wire``, rare: the executor's own timeouts
    and lost results) and each family's tables are built from its rows (``wire_tables``).
    """
    families = sorted({validate_key_part(r.family if isinstance(r, WireResult) else r.spec.family, "family")
                       for r in results})
    if not any(isinstance(r, WireResult) for r in results):
        tables = to_tables(results, sweep_id, run_ids=run_ids)  # type: ignore[arg-type]
        out = []
        for family in families:
            picked = {name: t if len(families) == 1 else t.filter(pc.equal(t["family"], family))
                      for name, t in tables.items()}
            out.append((family, {name: t.cast(SCHEMAS[name]) for name, t in picked.items()}))
        return out
    wires = [r if isinstance(r, WireResult) else to_wire(r) for r in results]
    return [(family, wire_tables([w for w in wires if w.family == family], sweep_id)) for family in families]


def put_part(backend: Backend, part: EncodedPart, *, pool: Executor | None = None) -> None:
    """Put the companions, then the runs objects; with ``pool``, each group's objects concurrently.

    Raises the backend's ``StoreError`` (after its retries) of the first object that failed; the
    runs objects are then not written, so the part stays invisible to readers.
    """
    for group in (part.companions, part.runs):
        if pool is None or len(group) < 2:
            for key, data in group:
                backend.put(key, data)
            continue
        futures = [pool.submit(backend.put, key, data) for key, data in group]
        errors = [exc for exc in (f.exception() for f in futures) if exc is not None]  # waits for every put
        if errors:
            raise errors[0]
