"""Parquet to and from bytes, and conforming any stored schema version to the declared one.

Objects are serialised in memory and written through the store, so S3 writes
go through boto3 (its retry settings and our backoff), never pyarrow's own
S3 client.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence

import pyarrow as pa
import pyarrow.parquet as pq

from farm.errors import StoreError

COMPRESSION = "zstd"


def to_parquet_bytes(table: pa.Table) -> bytes:
    """Serialise a table (already cast to its declared schema) to Parquet bytes."""
    sink = io.BytesIO()
    pq.write_table(table, sink, compression=COMPRESSION)
    return sink.getvalue()


def from_parquet_bytes(data: bytes, schema: pa.Schema, columns: Sequence[str] | None, source: str) -> pa.Table:
    """Read the wanted columns of a Parquet object and conform them to ``schema``.

    Columns the file lacks (older schema versions) come back as nulls; columns
    whose type changed are promoted (int32 -> int64, int -> float64, ...).
    """
    target = _projection(schema, tuple(columns) if columns is not None else None)
    try:
        parquet = pq.ParquetFile(pa.BufferReader(data))
        stored = parquet.schema_arrow.names
        table = parquet.read(columns=[n for n in target.names if n in stored] if columns is not None else None)
    except (pa.ArrowException, OSError) as exc:
        raise StoreError(f"unreadable Parquet ({exc})", source=source) from None
    return conform(table, target, source)


@functools.lru_cache(maxsize=64)
def _projection(schema: pa.Schema, columns: tuple[str, ...] | None) -> pa.Schema:
    if columns is None:
        return schema
    return pa.schema([schema.field(name) for name in columns], metadata=schema.metadata)


def conform(table: pa.Table, schema: pa.Schema, source: str) -> pa.Table:
    """Cast ``table`` to ``schema``: add missing columns as nulls, promote types, drop extra columns.

    Promotion is checked with ``pa.unify_schemas(promote_options="permissive")``
    first, so an incompatible change (text stored where a number is declared)
    is a ``StoreError`` naming the file and column rather than silent garbage.
    """
    if table.schema.equals(schema):
        return table  # written with the current schema: nothing to do
    arrays = []
    for field in schema:
        if field.name not in table.column_names:
            arrays.append(pa.nulls(table.num_rows, type=field.type))
            continue
        column = table.column(field.name)
        if column.type != field.type:
            try:
                pa.unify_schemas([pa.schema([field]), pa.schema([pa.field(field.name, column.type)])],
                                 promote_options="permissive")
                column = column.cast(field.type)
            except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
                raise StoreError(f"cannot promote {column.type} to {field.type} ({exc})", source=source,
                                 field=field.name) from None
        arrays.append(column)
    return pa.Table.from_arrays(arrays, schema=schema)
