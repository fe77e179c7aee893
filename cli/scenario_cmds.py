"""``simfarm scenarios``: list, show and validate scenario families."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from cli.errors import domain_errors
from cli.machine_output import print_json
from cli.options import JsonOpt

scenarios = typer.Typer(name="scenarios", no_args_is_help=True, help="Scenario families: list, show, validate.")

AllOpt = Annotated[bool, typer.Option("--all", help="Include test-only families.")]
FamilyArg = Annotated[str, typer.Argument(metavar="FAMILY", help="Family name (see 'simfarm scenarios list').")]
PathsArg = Annotated[list[str], typer.Argument(metavar="PATH...", help="Family files or folders of them.")]


def register(app: typer.Typer) -> None:
    """Add the ``scenarios`` sub-app to ``app``."""
    app.add_typer(scenarios)


@scenarios.command("list")
@domain_errors
def list_cmd(all_: AllOpt = False, json_: JsonOpt = False) -> None:
    """List the scenario families: name, version, criticality, ODD tags and parameter count."""
    from scenario_library.catalog import list_families

    families = list_families(include_test_only=all_)
    if json_:
        print_json([{"family": f.name, "version": f.version, "criticality": f.criticality,
                      "odd_tags": list(f.odd_tags), "parameters": len(f.parameters), "test_only": f.test_only}
                     for f in families])
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Scenario families")
    for column in ("family", "version", "criticality", "ODD tags", "params"):
        table.add_column(column, overflow="fold")
    for f in families:
        tags = ", ".join(f"{k}={'|'.join(v)}" for k, v in f.odd.items() if v)
        table.add_row(f.name + (" (test-only)" if f.test_only else ""), str(f.version), f.criticality, tags,
                      str(len(f.parameters)))
    Console(width=160).print(table)


@scenarios.command("show")
@domain_errors
def show_cmd(family: FamilyArg, json_: JsonOpt = False) -> None:
    """Show one family: parameters, criteria, ODD and documented edge cases."""
    from scenario_library.catalog import family_dict, load_family

    data = family_dict(load_family(family))
    if json_:
        print_json(data)
        return
    _show_rich(data)


def _duration(duration_s: float | None) -> str:
    return "duration from input" if duration_s is None else f"{duration_s:g} s"


def _show_rich(data: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=160)
    console.print(f"[bold]{data['name']}[/bold] v{data['version']}  {data['criticality']}  "
                  f"{_duration(data['duration_s'])}  builder {data['builder']}")
    console.print(data["description"])
    console.print("ODD: " + ", ".join(f"{k}={'|'.join(v) or '-'}" for k, v in data["odd"].items()))
    params = Table(title="Parameters")
    for column in ("name", "type", "unit", "range / choices", "nominal", "levels", "ODD"):
        params.add_column(column, overflow="fold")
    for p in data["parameters"]:
        span = f"[{p['range'][0]:g}, {p['range'][1]:g}]" if p["range"] else ", ".join(p["choices"] or ["false", "true"])
        params.add_row(p["name"], p["type"], p["unit"], span, _fmt(p["nominal"]),
                       ", ".join(_fmt(v) for v in p["levels"]), p["odd"] or "")
    console.print(params)
    console.print("Criteria: " + "; ".join(data["criteria"]))
    for edge in data["edge_cases"]:
        overrides = ", ".join(f"{k}={_fmt(v)}" for k, v in edge["params"].items())
        console.print(f"Edge case [bold]{edge['name']}[/bold] (expect {edge['expect']}): {overrides}")
        console.print(f"  {edge['why']}")


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return f"{value:g}" if isinstance(value, float) else str(value)


@scenarios.command("validate")
@domain_errors
def validate_cmd(paths: PathsArg, json_: JsonOpt = False) -> None:
    """Validate family files (or folders of them): one line per problem, exit code 2 if any."""
    from farm.errors import ExitCode
    from scenario_library.catalog import check_paths

    families, errors = check_paths(paths)
    if json_:
        print_json({"valid": [{"family": f.name, "version": f.version, "source": f.source} for f in families],
                     "errors": [{"source": e.source, "field": e.field, "reason": e.reason, "line": e.line()}
                                for e in errors]})
    else:
        for f in families:
            print(f"ok: {f.source}: {f.name} v{f.version}")
        for e in errors:
            print(f"error: {e.line()}", file=sys.stderr)
    if errors:
        raise typer.Exit(ExitCode.BAD_INPUT)
