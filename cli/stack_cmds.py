"""``simfarm stack check``: run a stack through the interface contract."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.errors import domain_errors
from cli.machine_output import print_json
from cli.options import JsonOpt

stack_app = typer.Typer(help="Work with autonomy stacks.", no_args_is_help=True)


@stack_app.command("check")
@domain_errors
def check(
    entry_point: Annotated[str, typer.Argument(help="Stack name ('reference') or package.module:factory.")],
    json_out: JsonOpt = False,
) -> None:
    """Check types, rates, limits, reset and determinism of a stack (exit 1 if anything breaks)."""
    from farm.conformance import check_stack, report_dict
    from farm.errors import ExitCode
    from farm.stacks import resolve_stack

    report = check_stack(resolve_stack(entry_point))
    if json_out:
        print_json(report_dict(report))
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"stack check: {report.stack_id}")
        for column in ("check", "result", "detail"):
            table.add_column(column)
        for c in report.checks:
            table.add_row(c.name, "[green]ok[/]" if c.ok else "[red]FAIL[/]", c.detail)
        console = Console()
        console.print(table)
        console.print("[bold green]CONFORMS[/]" if report.ok else "[bold red]DOES NOT CONFORM[/]")
    if not report.ok:
        raise typer.Exit(ExitCode.FINDING)


def register(app: typer.Typer) -> None:
    app.add_typer(stack_app, name="stack")
