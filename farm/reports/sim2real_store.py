"""A sim2real sweep's stored pairing: the three tables beside the sweep, and the report read back from them.

``simfarm sim2real`` writes, under ``farm.store.layout.pairing_key`` (``sweeps/<id>/pairing/<name>.parquet``):

- ``pairs``: the explicit pairing map, one row per (real run, simulated run): ``real_run_id``,
  ``unit``, ``group``, ``run_id``, ``repeat``, ``seed``, ``how`` (``replay``, ``family``,
  ``scenario_key`` or ``params``) — never inferred from ``scenario_key`` at read time;
- ``real``: the real values, one row per (real run, metric): ``value`` (+inf for a TTC that
  never closes), ``source`` (``file`` or ``trajectories``) and ``file_value`` (the runs file's own
  measurement beside a trajectory-computed value);
- ``excluded``: the real runs left out and why (outside the family's declared domain, ...).

``sweep_values`` joins them with the sweep's ``runs`` table (through ``Store.read_table``): a
repeat's metric from its run, ``passed`` from its status through ``farm.result`` (a run that does
not count — ``sim_error``, ``infra_error`` — is no repeat, and is counted). A unit shared by several
real runs (one declared ``scenario_key``) takes the mean of their real values (a verdict: failed
when at least half failed).
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from farm.errors import InputError
from farm.reports.document import Report, Section, Table
from farm.reports.provenance import provenance_for
from farm.reports.sim2real import build_report
from farm.reports.sim2real_bins import BinsFile, load_bins
from farm.reports.sim2real_stats import UnitValues
from farm.reports.source import check_complete
from farm.result import count_statuses
from farm.store.backend import ObjectMissing
from farm.store.base import Store
from farm.store.layout import pairing_key

PAIRS_SCHEMA = pa.schema([("real_run_id", pa.string()), ("unit", pa.string()), ("group", pa.string()),
                          ("run_id", pa.string()), ("repeat", pa.int32()), ("seed", pa.int64()), ("how", pa.string())])
REAL_SCHEMA = pa.schema([("real_run_id", pa.string()), ("unit", pa.string()), ("group", pa.string()),
                         ("metric", pa.string()), ("value", pa.float64()), ("source", pa.string()),
                         ("file_value", pa.float64())])
EXCLUDED_SCHEMA = pa.schema([("real_run_id", pa.string()), ("reason", pa.string())])
TABLE_SCHEMAS = {"pairs": PAIRS_SCHEMA, "real": REAL_SCHEMA, "excluded": EXCLUDED_SCHEMA}
VERDICT_METRIC = "passed"


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredPairing:
    """What a sim2real sweep's pairing folder holds, plus the sweep's runs it names."""

    sweep_id: str
    pairs: list[dict[str, Any]]
    real: list[dict[str, Any]]
    excluded: list[dict[str, Any]]
    runs: dict[str, dict[str, Any]] = field(default_factory=dict)  # run_id -> its row


def table_bytes(name: str, rows: Sequence[dict[str, Any]]) -> bytes:
    """One pairing table as Parquet bytes in its declared schema (for ``Store.put_bytes``)."""
    schema = TABLE_SCHEMAS[name]
    table = pa.Table.from_pylist(list(rows), schema=schema)
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def write_pairing(store: Store, sweep_id: str, tables: Mapping[str, Sequence[dict[str, Any]]]) -> list[str]:
    """Store the three tables (``real`` and ``excluded`` first, the map last); the keys written."""
    keys = []
    for name in ("excluded", "real", "pairs"):
        key = pairing_key(sweep_id, name)
        store.put_bytes(key, table_bytes(name, tables[name]))
        keys.append(key)
    return keys


def read_pairing(store: Store, sweep_id: str, *, metrics: Sequence[str] = ()) -> StoredPairing:
    """The pairing tables of ``sweep_id`` and the runs they name (``metrics``: the runs columns to read).

    Raises:
        UnknownSweep: no such sweep (exit 2).
        InputError: the sweep has no pairing map: it was not made by ``simfarm sim2real`` (exit 2).
    """
    store.read_manifest(sweep_id)
    tables: dict[str, list[dict[str, Any]]] = {}
    for name in TABLE_SCHEMAS:
        try:
            data = store.get_bytes(pairing_key(sweep_id, name))
        except ObjectMissing:
            raise InputError("the sweep has no sim-to-real pairing map (make one with 'simfarm sim2real')",
                             source=sweep_id, field=pairing_key(sweep_id, name)) from None
        tables[name] = pq.read_table(io.BytesIO(data)).to_pylist()
    wanted = ["run_id", "status", *[m for m in metrics if m != VERDICT_METRIC]]
    runs = store.read_table(sweep_id, "runs", columns=list(dict.fromkeys(wanted)))
    return StoredPairing(sweep_id=sweep_id, pairs=tables["pairs"], real=tables["real"], excluded=tables["excluded"],
                         runs={r["run_id"]: r for r in runs.to_pylist()})


def sweep_values(stored: StoredPairing, bins: BinsFile) -> tuple[list[UnitValues], dict[str, int]]:
    """The units of every metric with a real value; counts of the paired runs missing or not counting."""
    run_ids: dict[tuple[str, str], list[str]] = {}
    for p in stored.pairs:
        ids = run_ids.setdefault((p["group"], p["unit"]), [])
        if p["run_id"] not in ids:
            ids.append(p["run_id"])
    reals: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for r in stored.real:
        reals.setdefault((r["metric"], r["group"], r["unit"]), []).append(r)
    missing = sum(1 for ids in run_ids.values() for i in ids if i not in stored.runs)
    not_counted = sum(1 for ids in run_ids.values() for i in ids if i in stored.runs
                      and count_statuses([stored.runs[i]["status"]]).n == 0)
    values = []
    for (metric, group, unit), rows in reals.items():
        sim = [v for i in run_ids.get((group, unit), []) if (v := _sim_value(stored.runs.get(i), metric)) is not None]
        if not sim:
            continue
        spec = bins.get(metric)
        real = [float(r["value"]) for r in rows]
        value = _combine(real, None if spec is None else spec.failure_value)
        file_values = [r["file_value"] for r in rows if r["file_value"] is not None]
        values.append(UnitValues(metric=metric, group=group, unit=unit, sim=tuple(sim), real=value,
                                 real_file=_combine(file_values, None) if file_values else None,
                                 real_runs=tuple(sorted({r["real_run_id"] for r in rows}))))
    return values, {"paired_runs_missing": missing, "paired_runs_not_counted": not_counted}


def _sim_value(row: dict[str, Any] | None, metric: str) -> float | None:
    """One repeat's value of ``metric``: ``passed`` from the status (None when it does not count), bools 1/0."""
    if row is None:
        return None
    counts = count_statuses([row["status"]])
    if counts.n == 0:
        return None
    if metric == VERDICT_METRIC:
        return 1.0 if counts.passed else 0.0
    value = row.get(metric)
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def _combine(values: list[float], failure_value: int | None) -> float:
    """The real value of a unit over its real runs: the mean, or for a verdict the majority (a tie fails)."""
    if failure_value is None:
        return math.fsum(values) / len(values)
    failed = sum(1 for v in values if v == failure_value)
    return float(failure_value) if 2 * failed >= len(values) else float(1 - failure_value)


def sweep_report(store: Store, sweep_id: str, *, bins_path: str | Path | None = None,
                 allow_partial: bool = False) -> Report:
    """The sim2real report of a sweep made by ``simfarm sim2real`` (archived under that sweep).

    Raises:
        UnknownSweep / InputError: no such sweep, no pairing map, an incomplete sweep without
            ``allow_partial``, a bad bins file (exit 2).
    """
    bins = load_bins(bins_path)
    manifest = store.read_manifest(sweep_id)
    label = check_complete(manifest, allow_partial=allow_partial, source=sweep_id)
    metrics = sorted({*bins.metrics} - {VERDICT_METRIC})
    stored = read_pairing(store, sweep_id, metrics=[m for m in metrics if _is_runs_column(m)])
    values, counts = sweep_values(stored, bins)
    real_runs = sorted({p["real_run_id"] for p in stored.pairs})
    source = {"kind": "sweep", "sweep_id": sweep_id, "real_runs_paired": len(real_runs),
              "runs_paired": len({p["run_id"] for p in stored.pairs}), **counts,
              "pairing": {name: pairing_key(sweep_id, name) for name in TABLE_SCHEMAS},
              "excluded_runs": stored.excluded}
    excluded = [] if not stored.excluded else [Section(title="Excluded real runs", blocks=(Table(
        columns=("real_run_id", "reason"), rows=tuple((e["real_run_id"], e["reason"]) for e in stored.excluded),
        note="Listed and left out, never clamped into the family's domain."),))]
    inputs = [bins_path] if bins_path is not None else []
    plural = "" if len(real_runs) == 1 else "s"
    return build_report(values, bins, subject=sweep_id, provenance=provenance_for([manifest], inputs),
                        subtitle=f"sweep {sweep_id}: {len(real_runs)} real run{plural} paired, "
                                 f"{len(stored.excluded)} excluded", source=source, archive_sweep_id=sweep_id,
                        extra_sections=excluded, labels=(label,) if label else ())


def _is_runs_column(name: str) -> bool:
    from farm.schema import RUNS_SCHEMA

    return name in RUNS_SCHEMA.names
