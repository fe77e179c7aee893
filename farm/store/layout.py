"""Every key the store holds, relative to the store root: the one place they are built.

Nothing outside this module spells a key. Two kinds of objects live below the root
(the full list, with what writes and reads each one, is in docs/architecture.md,
"The store"):

- **a sweep's results**, managed by the store itself: ``sweeps/<sweep_id>/`` with
  ``manifest.json``, ``spec.json``, the in-flight parts of each table and the
  ``compacted/`` files. ``list_sweeps`` lists folders of ``sweeps/`` that hold a
  manifest; compaction reads and deletes only parts and ``compacted/`` files.
- **auxiliary objects**, written through ``Store.put_bytes``: the driver log, reports
  (under a sweep or at the root), trend tables and the trends reference night,
  content-addressed log inputs, sim-to-real pairing maps. They sit either outside
  ``sweeps/`` or in a sweep's ``AUXILIARY_FOLDERS``, so neither ``sweeps list`` nor
  compaction ever sees them, and ``put_bytes`` refuses any key in ``SWEEP_MANAGED``.

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
# Names directly below ``sweeps/<id>/`` that hold the sweep's results; only the store writes them.
SWEEP_MANAGED: frozenset[str] = frozenset({"manifest.json", "manifest.json.lock", "spec.json", "compacted", *TABLES})
# Folders below ``sweeps/<id>/`` for auxiliary objects: never read as results, never compacted.
AUXILIARY_FOLDERS: tuple[str, ...] = ("logs", "reports", "pairing")
SWEEPS_ROOT = "sweeps/"
REPORTS_ROOT = "reports/"
TRENDS_ROOT = "trends/"
INPUTS_ROOT = "inputs/"
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
    return f"{SWEEPS_ROOT}{validate_key_part(sweep_id, 'sweep id')}"


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


# -- auxiliary objects ----------------------------------------------------------------------

def driver_log_key(sweep_id: str) -> str:
    """``sweeps/<id>/logs/driver.log``: every driver session's log lines (``simfarm logs`` reads it)."""
    return f"{sweep_prefix(sweep_id)}/logs/driver.log"


def report_prefix(report_id: str, *, sweep_id: str | None = None) -> str:
    """Folder of one archived report (``--archive``): its HTML, JSON, Markdown and provenance.

    ``sweeps/<sweep_id>/reports/<report_id>/`` for a report about one sweep (summary,
    coverage, a gate whose candidate is that sweep); ``reports/<report_id>/`` at the store
    root for one that belongs to no single sweep (``report sim2real --pairs``, trends).
    """
    report = validate_key_part(report_id, "report id")
    if sweep_id is None:
        return f"{REPORTS_ROOT}{report}/"
    return f"{sweep_prefix(sweep_id)}/reports/{report}/"


def report_key(report_id: str, name: str, *, sweep_id: str | None = None) -> str:
    """One file of an archived report, e.g. ``report.html``, ``report.json``, ``summary.md``, ``provenance.json``."""
    return report_prefix(report_id, sweep_id=sweep_id) + validate_key_part(name, "report file")


def trend_table_key(sweep_name: str, table: str = "families") -> str:
    """``trends/<sweep_name>/<table>.parquet``: a trend table (one row per night x family) for Grafana or DuckDB.

    Keyed by the sweep *name* (``nightly``), not a sweep id: every night is a new sweep.
    """
    name = validate_key_part(sweep_name, "sweep name")
    return f"{TRENDS_ROOT}{name}/{validate_key_part(table, 'trend table')}.parquet"


def trends_reference_key(sweep_name: str) -> str:
    """``trends/<sweep_name>/reference.json``: the reference night (``simfarm trends accept SWEEP_ID``)."""
    return f"{TRENDS_ROOT}{validate_key_part(sweep_name, 'sweep name')}/reference.json"


_CONTENT_HASH = re.compile(r"^[0-9a-f]{16,64}$")


def input_key(content_hash: str) -> str:
    """``inputs/<hash>``: a log's trajectories, road and metadata, stored once by content.

    The hash is taken over the canonical content (``farm.identity.content_hash``), never
    over file bytes, so the same log uploaded twice is one object and a run's spec
    (its ``input`` parameter) names exactly the content it ran on.
    """
    if not isinstance(content_hash, str) or not _CONTENT_HASH.match(content_hash):
        raise InputError(f"{content_hash!r} is not a content hash (16 to 64 lowercase hex characters)",
                         field="input")
    return f"{INPUTS_ROOT}{content_hash}"


def pairing_key(sweep_id: str, name: str = "pairs") -> str:
    """``sweeps/<id>/pairing/<name>.parquet``: the real_run_id -> run_ids map of a sim-to-real sweep.

    Stored explicitly with the sweep: pairs are never inferred from ``scenario_key``
    (K repeats of one real run have K keys).
    """
    return f"{sweep_prefix(sweep_id)}/pairing/{validate_key_part(name, 'pairing map')}.parquet"


def _table(table: str) -> str:
    if table not in TABLES:
        raise InputError(f"unknown table {table!r}; tables are {', '.join(TABLES)}", field="table")
    return table
