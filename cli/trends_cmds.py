"""``simfarm trends`` (the nightly alert) and ``simfarm trends accept SWEEP_ID`` (move the reference night).

Thin: parse options, call ``farm.reports.trends``, write with the report machinery
(``cli.report_cmds.emit``: ``-o``, ``--json``, ``--archive``, ``$GITHUB_STEP_SUMMARY``), and
exit 4 (``ExitCode.REGRESSION``) when the last night flagged a regression, 0 when quiet.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cli.errors import domain_errors
from cli.options import StoreOpt
from cli.report_cmds import ArchiveOpt, JsonOpt, OutputOpt, emit, open_report_store

SweepNameOpt = Annotated[str, typer.Option("--sweep-name", help="The sweeps to read: every sweep with this name "
                                                                "(the sweep file's 'name:'), ordered by creation.")]
FamilyOpt = Annotated[list[str] | None, typer.Option("--family", help="Only this family (repeatable). The trend "
                                                                      "table is then not written.")]
WindowOpt = Annotated[int, typer.Option("--window", min=1, help="Nights pooled in the recent and the reference "
                                                                "windows of the Sobol pass rates.")]
GateOpt = Annotated[str, typer.Option("--gate", help="Gate file (path or packaged name) whose waivers apply.")]
NoTableOpt = Annotated[bool, typer.Option("--no-table", help="Do not write the trend table to the store "
                                                             "(read-only credentials).")]

trends_app = typer.Typer(name="trends", invoke_without_command=True,
                         help="The nightly alert: newly failing frozen runs and pass-rate drops against the "
                              "reference night (exit 4 when flagged).")


@trends_app.callback()
@domain_errors
def trends(ctx: typer.Context, store: StoreOpt = None, sweep_name: SweepNameOpt = "nightly",
           family: FamilyOpt = None, window: WindowOpt = 7, gate: GateOpt = "default", output: OutputOpt = None,
           as_json: JsonOpt = False, archive: ArchiveOpt = False, no_table: NoTableOpt = False) -> None:
    """Compare every night of SWEEP-NAME with the reference night; write the report and the trend table."""
    if ctx.invoked_subcommand is not None:
        return
    from farm.errors import ExitCode
    from farm.reports.trends import trends_report

    results = open_report_store(store, archive=archive or not no_table)
    report = trends_report(results, sweep_name=sweep_name, families=family or None, window_n=window, gate=gate,
                           write_table=not no_table)
    emit(report, output=output, as_json=as_json, archive=archive, store=results)
    if not as_json:
        print(_headline(report.data))
    if report.data["alert"]:
        raise typer.Exit(ExitCode.REGRESSION)


def _headline(body: dict[str, Any]) -> str:
    from farm.reports.trends_page import headline

    return headline(body)


AcceptArg = Annotated[str, typer.Argument(metavar="SWEEP_ID", help="The night that becomes the reference of its "
                                                                   "sweep name.")]
AllowPartialOpt = Annotated[bool, typer.Option("--allow-partial", help="Accept a night that is not complete.")]


@trends_app.command("accept")
@domain_errors
def accept(sweep_id: AcceptArg, store: StoreOpt = None, allow_partial: AllowPartialOpt = False,
           as_json: JsonOpt = False) -> None:
    """Make SWEEP_ID the reference night: later nights' frozen runs are compared with it (flags clear)."""
    from cli.machine_output import print_json
    from farm.reports.trends_data import accept_reference
    from farm.store import layout

    results = open_report_store(store, archive=True)
    accepted = accept_reference(results, sweep_id, allow_partial=allow_partial)
    document = {**accepted.to_dict(), "key": layout.trends_reference_key(accepted.sweep_name)}
    if as_json:
        print_json(document)
        return
    previous = f" (was {accepted.previous})" if accepted.previous else ""
    print(f"reference night of {accepted.sweep_name!r} is now {accepted.sweep_id}{previous}; "
          f"stored at {document['key']}")


def register(app: typer.Typer) -> None:
    """Add ``trends`` (and ``trends accept``) to the app."""
    app.add_typer(trends_app)
