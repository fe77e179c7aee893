"""Store commands: ``simfarm sweeps list``, ``simfarm results SWEEP_ID``, ``simfarm compact SWEEP_ID``.

Thin: parse options, call ``farm.store``, print. pyarrow and boto3 are imported
inside the commands so ``simfarm --help`` stays fast. Each takes ``--json``
(``results --json`` is ``--format json``): stdout is then one strict JSON document.
"""

from __future__ import annotations

import sys
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.errors import domain_errors
from cli.machine_output import print_json
from cli.options import JsonOpt, StoreOpt

if TYPE_CHECKING:
    import pyarrow as pa

    from farm.store.base import Store

TABLE_DEFAULT_COLUMNS = ("run_id", "family", "seed", "status", "attempt", "collision", "min_ttc_s",
                         "min_distance_m", "route_completion")
TABLE_DEFAULT_LIMIT = 50


class Format(StrEnum):
    """Output formats of ``simfarm results``."""

    table = "table"
    json = "json"
    csv = "csv"
    parquet = "parquet"


def _open(uri: str | None, *, write: bool) -> Store:
    from farm.store import open_store

    store = open_store(uri)
    store.check(write=write)
    return store


@domain_errors
def sweeps_list(store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """List the sweeps in the store, newest first."""
    from farm.store.manifest_io import manifest_to_dict

    manifests = _open(store, write=False).list_sweeps()
    if as_json:
        print_json([manifest_to_dict(m) for m in manifests])
        return
    from rich import box
    from rich.console import Console
    from rich.table import Table

    leased = any(m.lease for m in manifests)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for header in ("sweep", "state", "created (UTC)", "runs"):
        table.add_column(header, no_wrap=True)
    table.add_column("by status", min_width=10)
    if leased:
        table.add_column("lease")
    for m in manifests:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(m.counts.items())) or "-"
        cells = [m.sweep_id, m.state, m.created_at[:16].replace("T", " "), f"{sum(m.counts.values())}/{m.total}",
                 counts]
        table.add_row(*cells, *([m.lease.owner if m.lease else "-"] if leased else []))
    Console().print(table if manifests else "no sweeps in this store")


@domain_errors
def results(
    sweep_id: Annotated[str, typer.Argument(help="The sweep to read.")],
    where: Annotated[str | None, typer.Option("--where", help='Filter, e.g. \'status == "failed" and '
                                              'min_ttc_s < 1.0\' (and/or/not, in (...), is null).')] = None,
    columns: Annotated[list[str] | None, typer.Option("--columns", "-c",
                                                      help="Columns to show (repeat or comma-separate).")] = None,
    status: Annotated[list[str] | None, typer.Option("--status", help="Only these statuses (repeatable).")] = None,
    table: Annotated[str, typer.Option("--table", help="runs | events | params | telemetry.")] = "runs",
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="At most N rows (table format: 50 unless set; "
                                              "0 = all).")] = None,
    store: StoreOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the rows as one JSON document (= --format json).")]
    = False,
) -> None:
    """Print a sweep's results, one row per run (latest attempt), filtered and projected."""
    fmt = _json_format(fmt, as_json)
    rows = read_results(_open(store, write=False), sweep_id, table=table, where=where, columns=_split(columns),
                        statuses=_split(status), table_format=fmt is Format.table)
    total = rows.num_rows
    limit = TABLE_DEFAULT_LIMIT if limit is None and fmt is Format.table else limit
    if limit:
        rows = rows.slice(0, limit)
    _emit(rows, fmt, output, total)


def _json_format(fmt: Format, as_json: bool) -> Format:
    """``--json`` means ``--format json``; with another explicit format it is a contradiction."""
    from farm.errors import InputError

    if not as_json:
        return fmt
    if fmt not in (Format.table, Format.json):
        raise InputError(f"--json and --format {fmt.value} contradict each other; give one", source="--json")
    return Format.json


def read_results(store: Store, sweep_id: str, *, table: str, where: str | None, columns: list[str] | None,
                 statuses: list[str] | None, table_format: bool) -> pa.Table:
    """Read, filter and project one table of a sweep as ``simfarm results`` does."""
    import pyarrow.compute as pc

    from farm.errors import InputError
    from farm.result import Status
    from farm.schema import SCHEMAS
    from farm.store.query import parse_where

    if table not in SCHEMAS:
        raise InputError(f"unknown table {table!r}; tables are {', '.join(SCHEMAS)}", source="--table")
    schema = SCHEMAS[table]
    expr = parse_where(where, schema) if where else None
    if statuses:
        bad = [s for s in statuses if s not in {x.value for x in Status}]
        if bad or table != "runs":
            reason = (f"unknown status {bad[0]!r}; statuses are {', '.join(x.value for x in Status)}" if bad
                      else "--status applies to the runs table only")
            raise InputError(reason, source="--status")
        is_status = pc.field("status").isin(statuses)
        expr = is_status if expr is None else expr & is_status
    if columns is None and table_format and table == "runs":
        columns = list(TABLE_DEFAULT_COLUMNS)
    return store.read_table(sweep_id, table, columns=columns, filter=expr)


def _emit(rows: pa.Table, fmt: Format, output: Path | None, total: int) -> None:
    from farm.errors import InputError

    if fmt is Format.parquet:
        if output is None:
            raise InputError("--format parquet needs --output PATH", source="--output")
        import pyarrow.parquet as pq

        pq.write_table(rows, output)
        print(f"wrote {rows.num_rows} rows to {output}", file=sys.stderr)
        return
    if fmt is Format.table and output is None:
        _print_table(rows, total)
        return
    text = _to_json(rows) if fmt is Format.json else _to_csv(rows)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text)
        print(f"wrote {rows.num_rows} rows to {output}", file=sys.stderr)


def _print_table(rows: pa.Table, total: int) -> None:
    from rich.console import Console
    from rich.table import Table

    view = Table(*rows.column_names)
    for record in rows.to_pylist():
        view.add_row(*(_cell(v) for v in record.values()))
    console = Console()
    console.print(view)
    if total > rows.num_rows:
        console.print(f"showing {rows.num_rows} of {total} rows (--limit 0 for all, or --format csv/json)")


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _dated(value: Any) -> Any:
    """Timestamps (``started_at``) as ISO-8601 text; everything else as it is."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list):
        return [_dated(v) for v in value]
    if isinstance(value, dict):
        return {k: _dated(v) for k, v in value.items()}
    return value


def _to_json(rows: pa.Table) -> str:
    """Strict JSON (``farm.jsonout``): a list of row objects in column order; non-finite floats become null."""
    from farm.jsonout import dumps

    return dumps([_dated(r) for r in rows.to_pylist()]) + "\n"


def _to_csv(rows: pa.Table) -> str:
    """CSV; list and struct columns are written as (strict) JSON text."""
    import io

    import pyarrow as pa
    import pyarrow.csv as pacsv

    from farm.jsonout import dumps

    for index, field in enumerate(rows.schema):
        if pa.types.is_list(field.type) or pa.types.is_struct(field.type):
            encoded = pa.array([dumps(_dated(v), indent=None) for v in rows.column(index).to_pylist()], pa.string())
            rows = rows.set_column(index, field.name, encoded)
    sink = io.BytesIO()
    pacsv.write_csv(rows, sink)
    return sink.getvalue().decode()


@domain_errors
def compact(
    sweep_id: Annotated[str, typer.Argument(help="The sweep to compact.")],
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Merge a sweep's parts into deduplicated files (<= 50,000 runs per file) listed in its manifest."""
    from farm.store.manifest_io import manifest_to_dict

    manifest = _open(store, write=True).compact(sweep_id)
    if as_json:
        print_json(manifest_to_dict(manifest))
        return
    files = ", ".join(f"{table} {len(paths)}" for table, paths in sorted(manifest.compacted.items())) or "none"
    counts = ", ".join(f"{k} {v}" for k, v in sorted(manifest.counts.items())) or "no runs"
    print(f"compacted {sweep_id}: files: {files}; runs: {counts}")


def _split(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def register(app: typer.Typer) -> None:
    """Add ``sweeps list``, ``results`` and ``compact`` to the ``simfarm`` app."""
    sweeps_app = typer.Typer(name="sweeps", no_args_is_help=True, help="Sweeps in the results store.")
    sweeps_app.command("list")(sweeps_list)
    app.add_typer(sweeps_app, name="sweeps")
    app.command("results")(results)
    app.command("compact")(compact)
