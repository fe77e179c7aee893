"""What ``simfarm trends`` reads: the nights of one sweep name, their runs (few columns) and the reference night.

A *night* is one sweep whose manifest carries the sweep name (``nightly``); nights are
ordered by their manifest's ``created_at`` (then sweep id). Every night is read, whatever
its state: a ``partial``, ``failed``, ``cancelled`` or still ``running`` night is labelled,
never dropped. Only ``RUN_COLUMNS`` are read (never ``spec``), rows unordered, several
nights at a time.

Stacks are named as people name them — the sweep file's name recorded at submit
(``manifest.extra["stack_names"]``), else ``farm.reports.source.stack_display_names`` —
because a stack's config hash, and so its ``stack_id``, may change between nights.

The reference night is stored at ``farm.store.layout.trends_reference_key`` as a small
JSON document (``simfarm trends accept SWEEP_ID`` writes it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from farm.errors import InputError
from farm.jsonout import dumps
from farm.reports.source import COMPLETE_STATES, partial_label, stack_display_names
from farm.store import layout, validate_key_part
from farm.store.backend import ObjectMissing
from farm.store.base import Manifest, Store

RUN_COLUMNS: tuple[str, ...] = ("run_id", "scenario_key", "family", "family_version", "stack_id", "fidelity",
                                "design", "params", "seed", "status", "preventable")
READ_THREADS = 4
REFERENCE_FORMAT = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Night:
    """One nightly sweep as read: its manifest, its date and its runs (``RUN_COLUMNS`` + ``stack``)."""

    index: int
    manifest: Manifest
    created: dt.datetime
    runs: pa.Table

    @property
    def sweep_id(self) -> str:
        return self.manifest.sweep_id

    @property
    def state(self) -> str:
        return self.manifest.state

    @property
    def date(self) -> dt.date:
        """The night's date (UTC) — what a waiver's expiry is compared with."""
        return self.created.date()

    @property
    def complete(self) -> bool:
        return self.manifest.state in COMPLETE_STATES

    @property
    def label(self) -> str | None:
        """The banner of a night that is not complete (state, stored of total), or None."""
        return partial_label(self.manifest)

    def summary(self) -> dict[str, Any]:
        m = self.manifest
        return {"sweep_id": m.sweep_id, "date": self.date.isoformat(), "created_at": m.created_at,
                "state": m.state, "total": m.total, "stored": sum(int(v) for v in m.counts.values()),
                "runs_read": self.runs.num_rows, "label": self.label}


def parse_created(manifest: Manifest) -> dt.datetime:
    """The manifest's ``created_at`` as an aware UTC datetime (a naive one is taken as UTC)."""
    try:
        moment = dt.datetime.fromisoformat(manifest.created_at.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"created_at {manifest.created_at!r} is not an ISO date-time",
                         source=manifest.sweep_id, field="created_at") from None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def night_manifests(store: Store, sweep_name: str) -> list[tuple[dt.datetime, Manifest]]:
    """The manifests named ``sweep_name``, oldest first; bad input when there is none."""
    validate_key_part(sweep_name, "sweep name")
    found = [(parse_created(m), m) for m in store.list_sweeps() if m.name == sweep_name]
    if not found:
        raise InputError(f"no sweep named {sweep_name!r} in the store {store.uri}", field="--sweep-name")
    return sorted(found, key=lambda pair: (pair[0], pair[1].sweep_id))


def stack_names_of(manifest: Manifest, stack_ids: Sequence[str]) -> dict[str, str]:
    """stack_id -> name for every stack of the manifest and every ``stack_ids`` met in its runs."""
    known = tuple(dict.fromkeys([*manifest.stacks, *stack_ids]))
    return stack_display_names(replace(manifest, stacks=known))


def _read_runs(store: Store, manifest: Manifest, families: Sequence[str] | None) -> pa.Table:
    runs = store.read_table(manifest.sweep_id, "runs", columns=list(RUN_COLUMNS), ordered=False)
    if families:
        runs = runs.filter(pc.is_in(runs["family"], value_set=pa.array(list(families), pa.string())))
    stack_ids = pc.unique(runs["stack_id"]).to_pylist()
    names = stack_names_of(manifest, [s for s in stack_ids if s is not None])
    keys = pa.array(list(names), pa.string())
    index = pc.index_in(runs["stack_id"], value_set=keys)
    stack = pc.take(pa.array(list(names.values()), pa.string()), index)
    return runs.append_column("stack", stack)


def read_nights(store: Store, sweep_name: str = "nightly", *,
                families: Sequence[str] | None = None) -> list[Night]:
    """Every night of ``sweep_name``, oldest first, with its runs (only ``families`` when given).

    Raises:
        InputError: no sweep of that name (exit 2).
        StoreError: the store refused a read (exit 5).
    """
    found = night_manifests(store, sweep_name)
    with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
        tables = list(pool.map(lambda pair: _read_runs(store, pair[1], families), found))
    return [Night(index=i, manifest=m, created=created, runs=runs)
            for i, ((created, m), runs) in enumerate(zip(found, tables, strict=True))]


# -- the reference night ------------------------------------------------------------------------

@dataclass(frozen=True, slots=True, kw_only=True)
class AcceptedReference:
    """The reference night as stored by ``simfarm trends accept``."""

    sweep_name: str
    sweep_id: str
    night_created_at: str
    accepted_at: str
    previous: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"format": REFERENCE_FORMAT, "sweep_name": self.sweep_name, "sweep_id": self.sweep_id,
                "night_created_at": self.night_created_at, "accepted_at": self.accepted_at,
                "previous": self.previous}


def read_reference(store: Store, sweep_name: str) -> AcceptedReference | None:
    """The accepted reference night of ``sweep_name``, or None when none was accepted."""
    import json

    key = layout.trends_reference_key(sweep_name)
    try:
        raw = store.get_bytes(key)
    except ObjectMissing:
        return None
    try:
        doc = json.loads(raw)
        return AcceptedReference(sweep_name=str(doc["sweep_name"]), sweep_id=str(doc["sweep_id"]),
                                 night_created_at=str(doc["night_created_at"]), accepted_at=str(doc["accepted_at"]),
                                 previous=doc.get("previous"))
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"not a trends reference document ({exc})", source=key, field="reference.json") from None


def accept_reference(store: Store, sweep_id: str, *, allow_partial: bool = False,
                     now: dt.datetime | None = None) -> AcceptedReference:
    """Make ``sweep_id`` the reference night of its sweep name (written at the layout key).

    Raises:
        UnknownSweep: no such sweep (exit 2).
        InputError: the night is not complete and ``allow_partial`` is not set (exit 2).
    """
    manifest = store.read_manifest(validate_key_part(sweep_id, "sweep id"))
    label = partial_label(manifest)
    if label is not None and not allow_partial:
        raise InputError(f"the night is {manifest.state}; a reference night should be complete "
                         "(--allow-partial accepts it anyway)", source=sweep_id, field="SWEEP_ID")
    previous = read_reference(store, manifest.name)
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    accepted = AcceptedReference(sweep_name=manifest.name, sweep_id=manifest.sweep_id,
                                 night_created_at=manifest.created_at,
                                 accepted_at=moment.isoformat(timespec="seconds").replace("+00:00", "Z"),
                                 previous=previous.sweep_id if previous is not None else None)
    store.put_bytes(layout.trends_reference_key(manifest.name), (dumps(accepted.to_dict()) + "\n").encode())
    return accepted
