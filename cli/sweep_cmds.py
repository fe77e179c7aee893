"""``simfarm sweep``: inspect what a sweep file expands to, before anything runs."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer

from cli.errors import domain_errors
from cli.machine_output import print_json
from cli.options import JsonOpt, parse_date

SweepArg = Annotated[str, typer.Argument(metavar="SWEEP", help="Sweep file path, or a packaged sweep by name.")]
RowsOpt = Annotated[int, typer.Option("--rows", min=0, help="How many expanded rollouts to list.")]
TodayOpt = Annotated[str | None, typer.Option("--today", metavar="YYYY-MM-DD",
                                              help="Date that rotating sets use [default: today, UTC].")]


def register(app: typer.Typer) -> None:
    """Add the ``sweep`` sub-app."""
    sweep_app = typer.Typer(no_args_is_help=True, help="Sweep files: expand and inspect.")
    sweep_app.command("expand")(expand_cmd)
    app.add_typer(sweep_app, name="sweep")


@domain_errors
def expand_cmd(sweep_file: SweepArg, json_out: JsonOpt = False, rows: RowsOpt = 10, today: TodayOpt = None) -> None:
    """Expand a sweep: counts per family, stack and design, the first rows, and the total."""
    from farm.sweep import expand, expansion_summary, load_sweep

    sweep = load_sweep(sweep_file)
    specs = expand(sweep, today=_date(today))
    summary = expansion_summary(sweep, specs)
    listed = [{"run_id": s.run_id, "scenario_key": s.scenario_key, **s.to_dict()} for s in specs[:rows]]
    if json_out:
        print_json({"summary": summary, "rows": listed})
    else:
        _print_tables(summary, listed)


def _date(text: str | None) -> dt.date | None:
    return parse_date(text)


def _print_tables(summary: dict[str, Any], listed: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    entries = Table(title=f"sweep {summary['sweep']} ({summary['source']}, seed {summary['seed']})")
    for column in ("entry", "family", "design", "varied", "samples", "exhaustive", "seeds", "rollouts"):
        entries.add_column(column, justify="right" if column not in ("family", "design") else "left")
    for e in summary["entries"]:
        design = e["sampler"] + (f"/{e['base']}" if e["base"] else "")
        design += f" t={e['strength']}" if e["strength"] else ""
        design += f" ({e['rotate']})" if e["rotate"] != "none" else ""
        entries.add_row(str(e["entry"]), e["family"], design, str(len(e["varied"])), str(e["samples"]),
                        str(e["exhaustive"]) if e["varied"] else "-", str(e["seeds"]), str(e["rollouts"]))
    console.print(entries)
    counts = Table(title="rollouts by")
    for column in ("", "name", "rollouts"):
        counts.add_column(column)
    for label, key in (("family", "by_family"), ("stack", "by_stack"), ("design", "by_design"),
                       ("fidelity", "by_fidelity")):
        for name, n in summary[key].items():
            counts.add_row(label, name, str(n))
    console.print(counts)
    if listed:
        console.print(_rows_table(listed))
    dropped = f"; {summary['duplicates_dropped']} duplicates dropped" if summary["duplicates_dropped"] else ""
    console.print(f"total: {summary['total']} rollouts, {summary['scenarios']} scenarios{dropped}")


def _rows_table(listed: list[dict[str, Any]]) -> Any:
    from rich.table import Table

    table = Table(title=f"first {len(listed)} rollouts")
    for column in ("run_id", "family", "design", "seed", "stack", "fidelity", "params"):
        table.add_column(column, overflow="fold")
    for row in listed:
        params = " ".join(f"{k}={v}" for k, v in sorted(row["params"].items()))
        stack = f"{row['stack']['entry_point']}/{row['stack']['config_name']}"
        table.add_row(row["run_id"], row["family"], row["design"], str(row["seed"]), stack, row["fidelity"], params)
    return table
