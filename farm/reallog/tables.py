"""Reading one table of a real-run log (CSV or Parquet) into typed columns, every problem one line.

Both formats end in the same values: floats as float64 (CSV text parsed exactly, correctly
rounded, by Arrow; Parquet floats and integers widened to float64), so the same log written
as CSV and as Parquet gives identical columns and so an identical content hash. CSV cells
are read as text first: only an empty cell is null (``NaN``, ``NA`` and ``null`` are not
nulls but values, and ``NaN`` is refused). Rows are numbered from 1, the first data row
(CSV line 2).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from farm.errors import InputError

Kind = Literal["float", "int", "bool", "str", "any"]
_TRUE, _FALSE = frozenset({"true", "1"}), frozenset({"false", "0"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Columns:
    """One table's columns as Python/numpy values: floats as float64 arrays (NaN where null), others as lists.

    ``nulls[name]`` marks the null cells of each column (a cell left empty).
    """

    source: str
    n_rows: int
    values: Mapping[str, Any]
    nulls: Mapping[str, np.ndarray]

    def has(self, name: str) -> bool:
        return name in self.values

    def fail(self, row: int | None, column: str, reason: str) -> InputError:
        """The one-line error about a cell (``row`` 0-based) or a whole column (``row`` None)."""
        where = column if row is None else f"row {row + 1}, {column}"
        return InputError(reason, source=self.source, field=where)


def read_columns(path: str | Path, kinds: Mapping[str, Kind], *, required: Iterable[str],
                 prefixed: Mapping[str, Kind] | None = None, never_null: Iterable[str] = ()) -> Columns:
    """Read ``path`` (``.csv`` or ``.parquet``) and type every column.

    Args:
        path: the table file.
        kinds: every allowed column and its kind; any other column is refused (strict).
        required: columns that must be present.
        prefixed: column-name prefixes (``p_``, ``meta_``) allowed with any suffix, and their kind;
            ``p_`` columns are read as text here and typed later by the family's parameters.
        never_null: columns whose cells may not be empty.

    Raises:
        InputError: unreadable file, unknown or missing column, a cell of the wrong type, NaN, a null.
    """
    source = str(path)
    table = _read(Path(path), source)
    names = table.column_names
    prefixed = prefixed or {}
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InputError(f"column {twice[0]!r} appears twice", source=source)
    for name in names:
        if name not in kinds and not any(name.startswith(p) and len(name) > len(p) for p in prefixed):
            allowed = ", ".join([*kinds, *(f"{p}<name>" for p in prefixed)])
            raise InputError(f"unknown column (allowed: {allowed})", source=source, field=name)
    missing = [n for n in required if n not in names]
    if missing:
        raise InputError(f"required column is missing (has: {', '.join(names) or 'none'})", source=source,
                         field=missing[0])
    values: dict[str, Any] = {}
    nulls: dict[str, np.ndarray] = {}
    for name in names:
        kind: Kind = kinds[name] if name in kinds else next(k for p, k in prefixed.items() if name.startswith(p))
        column = table.column(name).combine_chunks() if table.num_rows else pa.array([], pa.string())
        values[name], nulls[name] = _typed(column, kind, name, source)
    table_view = Columns(source=source, n_rows=table.num_rows, values=values, nulls=nulls)
    for name in never_null:
        if name in nulls and nulls[name].any():
            raise table_view.fail(int(np.argmax(nulls[name])), name, "empty cell: a value is required here")
    return table_view


def _read(path: Path, source: str) -> pa.Table:
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return _read_csv(path)
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            return pq.read_table(path)
    except FileNotFoundError:
        raise InputError("no such file", source=source) from None
    except (OSError, pa.ArrowException, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"cannot read the table: {str(exc).splitlines()[0]}", source=source) from None
    raise InputError("a log table is a .csv or a .parquet file", source=source)


def _read_csv(path: Path) -> pa.Table:
    import pyarrow.csv as pcsv

    with path.open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle), [])
    options = pcsv.ConvertOptions(column_types={n: pa.string() for n in header}, null_values=[""],
                                  strings_can_be_null=True, quoted_strings_can_be_null=True)
    return pcsv.read_csv(path, convert_options=options)


def _typed(column: pa.Array, kind: Kind, name: str, source: str) -> tuple[Any, np.ndarray]:
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    nulls = np.asarray(column.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    text = pa.types.is_string(column.type) or pa.types.is_large_string(column.type)
    if kind == "float":
        return _floats(column, text, nulls, name, source), nulls
    if kind == "int":
        return _ints(column, text, name, source), nulls
    if kind == "bool":
        return _bools(column, text, name, source), nulls
    if kind == "any":  # typed later (a family parameter): text as it is, numbers without NaN
        if pa.types.is_floating(column.type):
            _floats(column, False, nulls, name, source)
        return column.to_pylist(), nulls
    if text:
        return column.to_pylist(), nulls
    if pa.types.is_integer(column.type):  # an id written as a number: the same text a CSV would hold
        return [None if v is None else str(v) for v in column.to_pylist()], nulls
    raise InputError(f"expected text, the file has {column.type}", source=source, field=name)


def _floats(column: pa.Array, text: bool, nulls: np.ndarray, name: str, source: str) -> np.ndarray:
    if not (text or pa.types.is_floating(column.type) or pa.types.is_integer(column.type)):
        raise InputError(f"expected numbers, the file has {column.type}", source=source, field=name)
    try:
        cast = pc.cast(column, pa.float64())
    except pa.ArrowInvalid:
        row = next(i for i, v in enumerate(column.to_pylist()) if v is not None and not _parses(v))
        raise InputError(f"{column[row].as_py()!r} is not a number", source=source,
                         field=f"row {row + 1}, {name}") from None
    array = np.array(cast.to_numpy(zero_copy_only=False), dtype=np.float64)  # a writable copy
    nan = np.isnan(array) & ~nulls
    if nan.any():
        raise InputError("NaN is not a value (leave the cell empty when a value is not measured)", source=source,
                         field=f"row {int(np.argmax(nan)) + 1}, {name}")
    array[nulls] = math.nan
    return array + 0.0  # -0.0 -> 0.0: one value, one canonical form


def _parses(value: str) -> bool:
    try:
        pc.cast(pa.array([value]), pa.float64())
    except pa.ArrowInvalid:
        return False
    return True


def _ints(column: pa.Array, text: bool, name: str, source: str) -> list[int | None]:
    out: list[int | None] = []
    for row, value in enumerate(column.to_pylist()):
        if value is None:
            out.append(None)
            continue
        number: Any = value
        if isinstance(value, str):
            try:
                number = int(value.strip(), 10)
            except ValueError:
                number = None
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        if isinstance(number, bool) or not isinstance(number, int):
            raise InputError(f"{value!r} is not an integer", source=source, field=f"row {row + 1}, {name}")
        out.append(number)
    return out


def _bools(column: pa.Array, text: bool, name: str, source: str) -> list[bool | None]:
    if pa.types.is_boolean(column.type):
        return column.to_pylist()  # type: ignore[no-any-return]
    out: list[bool | None] = []
    for row, value in enumerate(column.to_pylist()):
        word = str(value).strip().lower() if value is not None else None
        if word is not None and word not in _TRUE | _FALSE:
            raise InputError(f"{value!r} is not true or false", source=source, field=f"row {row + 1}, {name}")
        out.append(None if word is None else word in _TRUE)
    return out
