"""The trend table: one row per night × (family, stack, fidelity), as Parquet in the store, for Grafana or DuckDB.

Written by every ``simfarm trends`` run over all families (not with ``--family``, which would
leave a table of one family) at ``farm.store.layout.trend_table_key(sweep_name)`` —
``trends/<sweep_name>/families.parquet`` — replacing the previous copy: the table is derived
from the stored nights, so rewriting it loses nothing. ``TREND_SCHEMA`` declares every column
(units: counts are runs or samples, rates and bounds are fractions in [0, 1], null when
nothing counted); the column meanings are in README.md ("``simfarm trends``: the nightly alert").
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from farm.result import Status
from farm.store import layout
from farm.store.base import Store

TABLE_NAME = "families"
_COUNT = pa.int64()
_RATE = pa.float64()

TREND_SCHEMA = pa.schema([
    ("date", pa.date32()),                  # the night (UTC date of its created_at)
    ("created_at", pa.timestamp("ms", tz="UTC")),
    ("sweep_id", pa.string()),
    ("state", pa.string()),                 # manifest state: complete | partial | failed | running | cancelled
    ("family", pa.string()),
    ("family_version", pa.int32()),         # null: the family has never run up to this night
    ("stack", pa.string()),                 # the sweep file's stack name (stack_id may change between nights)
    ("fidelity", pa.string()),
    ("role", pa.string()),                  # reference | before_reference | compared | absent
    ("reference_sweep_id", pa.string()),    # the night this one is compared with
    ("reference_reset", pa.bool_()),        # that night is a family reset, not the series' reference
    ("runs", _COUNT), ("counted", _COUNT), ("passed", _COUNT), ("failures", _COUNT), ("excluded", _COUNT),
    ("incomplete", _COUNT),                 # farm.result.counts_from_mapping over every run of the group
    *[(f"n_{s.value}", _COUNT) for s in Status],
    ("frozen_runs", _COUNT), ("frozen_passed", _COUNT), ("frozen_compared", _COUNT), ("frozen_missing", _COUNT),
    ("frozen_newly_failing", _COUNT),       # flagged tonight, not waived (new tonight + still failing + carried)
    ("frozen_new_tonight", _COUNT), ("frozen_carried", _COUNT), ("frozen_waived", _COUNT),
    ("frozen_newly_passing", _COUNT),
    ("sobol_samples", _COUNT), ("sobol_passed", _COUNT), ("sobol_pass_rate", _RATE), ("sobol_low", _RATE),
    ("sobol_high", _RATE),                  # 95 % Wilson interval of tonight's sample pass rate
    ("window_nights", _COUNT), ("window_samples", _COUNT), ("window_pass_rate", _RATE), ("window_low", _RATE),
    ("window_high", _RATE),                 # the recent window, pooled
    ("reference_window_nights", _COUNT), ("reference_window_samples", _COUNT),
    ("reference_window_pass_rate", _RATE), ("reference_window_low", _RATE), ("reference_window_high", _RATE),
    ("flag_frozen", pa.bool_()), ("flag_pass_rate", pa.bool_()), ("rate_flag_waived", pa.bool_()),
    ("flags", pa.list_(pa.string())),       # frozen_regression, pass_rate_drop
], metadata={"simfarm.table": "trends", "simfarm.trend_table_version": "1"})


def trend_table(rows: Sequence[dict[str, Any]]) -> pa.Table:
    """The rows of ``compute_trends`` as an Arrow table of ``TREND_SCHEMA``."""
    import datetime as dt

    columns: dict[str, list[Any]] = {name: [] for name in TREND_SCHEMA.names}
    for row in rows:
        for name in TREND_SCHEMA.names:
            value = row.get(name)
            if name == "date":
                value = dt.date.fromisoformat(str(value))
            elif name == "created_at":
                value = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            columns[name].append(value)
    return pa.table(columns, schema=TREND_SCHEMA)


def write_trend_table(store: Store, sweep_name: str, rows: Sequence[dict[str, Any]]) -> str:
    """Write the table to the store (replacing the last copy); returns its key."""
    key = layout.trend_table_key(sweep_name, TABLE_NAME)
    buffer = io.BytesIO()
    pq.write_table(trend_table(rows), buffer, compression="zstd")
    store.put_bytes(key, buffer.getvalue())
    return key


def read_trend_table(store: Store, sweep_name: str) -> pa.Table:
    """The stored trend table (``StoreError`` when none was written)."""
    data = store.get_bytes(layout.trend_table_key(sweep_name, TABLE_NAME))
    return pq.read_table(io.BytesIO(data))
