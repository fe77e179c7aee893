"""The wire form of a result: its stored rows as plain tuples, made on the worker, assembled by the driver.

A ``RolloutResult`` is ~18 frozen dataclasses; unpickling one costs the single driver ~200 µs, and
turning thousands of them a second into Arrow columns in Python costs as much again. Hundreds of
workers run in parallel, so each one does that work for its own results instead (``encode_result``,
called in ``farm.execution.ray_worker``) and returns a ``WireResult``: a named tuple of the
result's rows in the declared schemas' column order, built by the very row code the object path
uses (``farm.schema``), with numpy scalars made plain Python values (Arrow stores the same value
either way). The driver unpickles a few tuples (~10 µs), counts the header fields it needs
(``run_id``, ``status``, ``attempt``, ``family``, ``error`` are columns of the runs row) and
``wire_tables`` builds each table of a part column-wise in one pass.

Contract: ``wire_tables([to_wire(r) for r in rs], sweep_id)`` equals ``farm.schema.to_tables(rs,
sweep_id)`` cast to ``SCHEMAS`` — same columns, types and values, row for row (tested).
``encode_result`` never raises for a bad result value: what Arrow would reject is found on the
worker and the result is stored as ``sim_error`` with the reason (see ``encode_result``).
"""

from __future__ import annotations

import traceback
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa

from farm.fingerprint import code_fingerprint
from farm.result import RolloutResult, Status
from farm.schema import (
    EVENTS_SCHEMA,
    PARAMS_SCHEMA,
    RUNS_SCHEMA,
    TELEMETRY_SCHEMA,
    param_rows,  # the object path's own row builders: the wire rows cannot drift from them
    run_row,
)

WIRE_FORMAT = 1
RUN_COLUMNS: tuple[str, ...] = tuple(RUNS_SCHEMA.names)
TRACE_COLUMNS: tuple[str, ...] = tuple(TELEMETRY_SCHEMA.names[2:])  # after run_id, family
_COL = {name: i for i, name in enumerate(RUN_COLUMNS)}
_RUN_ID, _FAMILY, _STATUS, _ERROR, _ATTEMPT = (_COL[c] for c in ("run_id", "family", "status", "error", "attempt"))
_SWEEP_ID, _STARTED_AT, _LATENCY = _COL["sweep_id"], _COL["started_at"], _COL["latency"]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_PLAIN = (str, float, int, bool, type(None))
ENCODE_FAILED = "result could not be encoded for the store"
_STATUSES = {status.value: status for status in Status}


class WireResult(NamedTuple):
    """One result's rows (see the module docstring); pickles as four plain values.

    Attributes:
        runs: the runs row, one value per ``RUNS_SCHEMA`` column in order; ``sweep_id`` is None
            (the driver knows it), ``started_at`` is µs since the epoch (UTC) or None, ``latency``
            a list of ``(module, p50_ms, p95_ms, max_ms)``.
        events: ``(t_s, kind, detail)`` per event.
        params: ``(name, num_value, str_value)`` per parameter.
        telemetry: the trace as float64 bytes, shape ``(10, ticks)`` in ``TRACE_COLUMNS`` order; None: none.
    """

    runs: tuple[Any, ...]
    events: tuple[tuple[Any, ...], ...]
    params: tuple[tuple[Any, ...], ...]
    telemetry: bytes | None

    @property
    def run_id(self) -> str:
        return str(self.runs[_RUN_ID])

    @property
    def family(self) -> str:
        return str(self.runs[_FAMILY])

    @property
    def status(self) -> Status:
        return _STATUSES[self.runs[_STATUS]]  # a dict lookup: Status(value) costs ~1 µs, paid per result

    @property
    def attempt(self) -> int:
        return int(self.runs[_ATTEMPT])

    @property
    def error(self) -> str | None:
        return self.runs[_ERROR]  # type: ignore[no-any-return]


ResultItem = RolloutResult | WireResult
"""What an executor returns and the driver stores: an object, or its wire form from a Ray worker."""


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value Arrow would store for it; anything else unchanged."""
    if type(value) in _PLAIN:
        return value
    return value.item() if isinstance(value, np.generic) else value


def _micros(value: datetime | None) -> int | None:
    """µs since the epoch, as Arrow stores a ``timestamp("us", tz="UTC")`` (naive means UTC)."""
    if value is None:
        return None
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return (aware - _EPOCH) // _US


def to_wire(result: RolloutResult) -> WireResult:
    """The wire form of ``result`` (no check that Arrow accepts every value: ``encode_result`` does)."""
    row = run_row(result, "", result.run_id)
    values = [_plain(row[name]) for name in RUN_COLUMNS]
    values[_SWEEP_ID] = None
    values[_STARTED_AT] = _micros(row["started_at"])
    values[_LATENCY] = [(x["module"], _plain(x["p50_ms"]), _plain(x["p95_ms"]), _plain(x["max_ms"]))
                        for x in row["latency"]]
    events = tuple((_plain(e.t_s), e.kind, e.detail) for e in result.events)
    params = tuple((p["name"], p["num_value"], p["str_value"]) for p in param_rows(result, ""))
    trace = None
    if result.telemetry is not None:
        columns = [np.asarray(getattr(result.telemetry, name), dtype=np.float64) for name in TRACE_COLUMNS]
        trace = np.stack(columns).tobytes()  # ValueError if the columns differ in length
    return WireResult(tuple(values), events, params, trace)


def encode_result(result: RolloutResult) -> WireResult:
    """The wire form a worker returns; a value the store cannot hold makes the result ``sim_error``.

    Fills an empty ``code_fingerprint`` as the driver does for objects. The wire form is checked by
    building its one-row tables (what the driver will do for a whole part), so a value Arrow rejects
    (a string where a number is declared, unequal telemetry columns, a bad ``started_at``) fails
    here, on the worker, not in the driver's part writer where it would stop the sweep. Such a
    result is stored as ``sim_error`` (final, excluded from pass rates, listed with its reason:
    it is a fault of the farm's result code, not of the stack) keeping its spec, attempt, worker
    and times, with the failure and its traceback as ``error``.
    """
    if not result.code_fingerprint:
        result = replace(result, code_fingerprint=code_fingerprint(result.spec.stack_id,
                                                                   result.spec.stack.entry_point))
    try:
        wire = to_wire(result)
        if not _surely_valid(wire):
            wire_tables([wire], "")  # exactly what the driver will do: raises what it would raise
        return wire
    except Exception as exc:  # any failure to encode becomes data, never a lost result
        detail = "".join(traceback.format_exception(exc)).rstrip()
    started = result.started_at if _parses(result.started_at) else ""
    failed = RolloutResult(spec=result.spec, status=Status.SIM_ERROR, error=f"{ENCODE_FAILED}:\n{detail}",
                           sim_time_s=_float_or_zero(result.sim_time_s),
                           wall_time_s=_float_or_zero(result.wall_time_s), attempt=result.attempt,
                           worker=str(result.worker), code_fingerprint=result.code_fingerprint,
                           started_at=started).with_hash()
    return to_wire(failed)


def _is(kind: type, low: int | None = None, high: int | None = None) -> Any:
    def check(value: Any) -> bool:
        return value is None or (type(value) is kind and (low is None or low <= value < high))  # type: ignore[operator]
    return check


def _strings(value: Any) -> bool:
    return type(value) is list and all(type(x) is str for x in value)


def _latency(value: Any) -> bool:
    return type(value) is list and all(type(x) is tuple and len(x) == 4 and type(x[0]) is str
                                       and all(type(v) is float for v in x[1:]) for x in value)


_INT_RANGE = {pa.int16(): 15, pa.int32(): 31, pa.int64(): 63}


def _checker(dtype: pa.DataType) -> Any:
    """A check that a plain value certainly converts to ``dtype`` (False: let Arrow decide)."""
    if dtype == pa.string():
        return _is(str)
    if dtype == pa.float64():
        return _is(float)
    if dtype == pa.bool_():
        return _is(bool)
    if dtype in _INT_RANGE:
        bits = _INT_RANGE[dtype]
        return _is(int, -(2 ** bits), 2 ** bits)
    if pa.types.is_timestamp(dtype):
        return _is(int, -(2 ** 63), 2 ** 63)
    if dtype == pa.list_(pa.string()):
        return _strings
    return _latency


_RUN_CHECKS = tuple(_checker(f.type) for f in RUNS_SCHEMA)
_EVENT_CHECKS = tuple(_checker(f.type) for f in list(EVENTS_SCHEMA)[2:])
_PARAM_CHECKS = tuple(_checker(f.type) for f in list(PARAMS_SCHEMA)[2:])


def _surely_valid(wire: WireResult) -> bool:
    """True when every value is of the exact plain type of its column (the common case, ~10 µs).

    A sufficient test only: False sends the result through Arrow itself (``wire_tables``), which
    accepts more (an int in a float column, say) and is the judge, so nothing is refused here that
    the object path would have stored.
    """
    return (all(check(v) for check, v in zip(_RUN_CHECKS, wire.runs, strict=True))
            and all(len(e) == 3 and all(c(v) for c, v in zip(_EVENT_CHECKS, e, strict=True)) for e in wire.events)
            and all(len(p) == 3 and all(c(v) for c, v in zip(_PARAM_CHECKS, p, strict=True)) for p in wire.params))


def _parses(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return False
    return True


def _float_or_zero(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def wire_tables(items: Sequence[WireResult], sweep_id: str) -> dict[str, pa.Table]:
    """The four tables of ``items`` in the declared schemas (``SCHEMAS``), rows in ``items`` order."""
    n = len(items)
    columns = list(zip(*(w.runs for w in items), strict=True)) if n else [() for _ in RUN_COLUMNS]
    arrays = []
    for i, field in enumerate(RUNS_SCHEMA):
        if i == _SWEEP_ID:
            arrays.append(pa.array([sweep_id] * n, type=field.type))
        elif i == _STARTED_AT:
            arrays.append(pa.array(columns[i], type=pa.int64()).cast(field.type))
        else:
            arrays.append(pa.array(columns[i], type=field.type))
    runs = pa.Table.from_arrays(arrays, schema=RUNS_SCHEMA)
    ids = columns[_RUN_ID]
    families = columns[_FAMILY]
    return {"runs": runs,
            "events": _child_table(EVENTS_SCHEMA, ids, families, [w.events for w in items]),
            "params": _child_table(PARAMS_SCHEMA, ids, families, [w.params for w in items]),
            "telemetry": _trace_table(ids, families, [w.telemetry for w in items])}


def _child_table(schema: pa.Schema, ids: Sequence[str], families: Sequence[str],
                 rows: Sequence[tuple[tuple[Any, ...], ...]]) -> pa.Table:
    """A table whose rows are ``(run_id, family, *row)`` for each item's rows."""
    counts = [len(r) for r in rows]
    flat = [value for item in rows for value in item]
    values = list(zip(*flat, strict=True)) if flat else [() for _ in schema.names[2:]]
    arrays = [pa.array(np.repeat(np.array(ids, dtype=object), counts), type=pa.string()),
              pa.array(np.repeat(np.array(families, dtype=object), counts), type=pa.string())]
    arrays += [pa.array(col, type=field.type) for col, field in zip(values, list(schema)[2:], strict=True)]
    return pa.Table.from_arrays(arrays, schema=schema)


def _trace_table(ids: Sequence[str], families: Sequence[str], traces: Sequence[bytes | None]) -> pa.Table:
    """Every recorded trace, each column concatenated once."""
    kept = [(run, family, np.frombuffer(data, dtype=np.float64).reshape(len(TRACE_COLUMNS), -1))
            for run, family, data in zip(ids, families, traces, strict=True) if data is not None]
    if not kept:
        return TELEMETRY_SCHEMA.empty_table()
    lengths = [trace.shape[1] for _, _, trace in kept]
    block = np.concatenate([trace for _, _, trace in kept], axis=1)
    arrays = [pa.array(np.repeat(np.array([k[0] for k in kept], dtype=object), lengths), type=pa.string()),
              pa.array(np.repeat(np.array([k[1] for k in kept], dtype=object), lengths), type=pa.string())]
    arrays += [pa.array(block[i], type=pa.float64()) for i in range(len(TRACE_COLUMNS))]
    return pa.Table.from_arrays(arrays, schema=TELEMETRY_SCHEMA)


__all__ = ["ENCODE_FAILED", "WIRE_FORMAT", "ResultItem", "WireResult", "encode_result", "to_wire", "wire_tables"]
