"""Where every object of a sweep lives, relative to the store root (see ``farm.store.base``).

Parts are named ``part-<part_key>-<attempt_tag>.parquet``: ``part_key`` is the hash of
the sorted run_ids the part holds (``farm.identity.part_key``), ``attempt_tag`` a hash
of its (run_id, attempt, status) triples. Writing the same results twice therefore
writes the same object, while a retried attempt of the same runs is a new object
that can never overwrite (and so never lose) the earlier one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from farm.errors import InputError
from farm.store.ids import validate_key_part

TABLES: tuple[str, ...] = ("runs", "events", "params", "telemetry")
# Runs are written last: a runs object present means the part's other tables are complete.
WRITE_ORDER: tuple[str, ...] = ("events", "params", "telemetry", "runs")
_PART_NAME = re.compile(r"^family=(?P<family>[^/]+)/part-(?P<stem>[0-9a-f]{24}-[0-9a-f]{8})\.parquet$")


@dataclass(frozen=True, slots=True, kw_only=True)
class PartRef:
    """One stored part object: which table, family partition and part stem."""

    table: str
    family: str
    stem: str
    key: str


def sweep_prefix(sweep_id: str) -> str:
    """``sweeps/<sweep_id>`` (validated)."""
    return f"sweeps/{validate_key_part(sweep_id, 'sweep id')}"


def manifest_key(sweep_id: str) -> str:
    """The sweep's ``manifest.json``."""
    return f"{sweep_prefix(sweep_id)}/manifest.json"


def spec_key(sweep_id: str) -> str:
    """The expanded specs of the sweep (one JSON document)."""
    return f"{sweep_prefix(sweep_id)}/spec.json"


def table_prefix(sweep_id: str, table: str) -> str:
    """Folder of a table's in-flight parts."""
    return f"{sweep_prefix(sweep_id)}/{_table(table)}/"


def part_object_key(sweep_id: str, table: str, family: str, stem: str) -> str:
    """``sweeps/<id>/<table>/family=<f>/part-<stem>.parquet``."""
    return f"{table_prefix(sweep_id, table)}family={validate_key_part(family, 'family')}/part-{stem}.parquet"


def parse_part_key(sweep_id: str, table: str, key: str) -> PartRef | None:
    """The part a listed key names, or None for anything else (temp files, stray objects)."""
    prefix = table_prefix(sweep_id, table)
    if not key.startswith(prefix):
        return None
    match = _PART_NAME.match(key[len(prefix):])
    if match is None:
        return None
    return PartRef(table=table, family=match["family"], stem=match["stem"], key=key)


def compacted_relative_key(table: str, family: str, generation: str, index: int) -> str:
    """``compacted/<table>/family=<f>/<generation>-<nnnnn>.parquet``, relative to the sweep folder."""
    return f"compacted/{_table(table)}/family={validate_key_part(family, 'family')}/{generation}-{index:05d}.parquet"


def sweep_key(sweep_id: str, relative: str) -> str:
    """A key relative to the sweep folder, made relative to the store root."""
    return f"{sweep_prefix(sweep_id)}/{relative}"


def _table(table: str) -> str:
    if table not in TABLES:
        raise InputError(f"unknown table {table!r}; tables are {', '.join(TABLES)}", field="table")
    return table
