"""``simfarm report compare BASELINE CANDIDATE``: the release gate (thin: parse, call farm.reports.compare, emit).

Exit codes (``farm.errors.ExitCode``): 0 pass, 1 fail, 3 inconclusive (0 with
``--inconclusive-ok``), 2 bad input, 5 infrastructure.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cli.errors import domain_errors
from cli.options import StoreOpt, parse_date
from cli.report_cmds import AllowPartialOpt, ArchiveOpt, JsonOpt, OutputOpt, emit, open_report_store

GateOpt = Annotated[str, typer.Option("--gate", help="GATE.yaml path, or a packaged gate's name "
                                                     "(scenario_library/gates/).")]
JunitOpt = Annotated[Path | None, typer.Option("--junit", dir_okay=False,
                                               help="Also write JUnit XML here (one testcase per family).")]
InconclusiveOkOpt = Annotated[bool, typer.Option("--inconclusive-ok", help="Exit 0 instead of 3 when the gate "
                                                                           "is inconclusive.")]
TodayOpt = Annotated[str | None, typer.Option("--today", metavar="YYYY-MM-DD",
                                              help="Date the waivers are judged on [default: today, UTC].")]


@domain_errors
def compare_cmd(
    baseline: Annotated[str, typer.Argument(metavar="BASELINE", help="SWEEP_ID[:STACK] of the baseline.")],
    candidate: Annotated[str, typer.Argument(metavar="CANDIDATE", help="SWEEP_ID[:STACK] of the candidate.")],
    gate: GateOpt = "default",
    junit: JunitOpt = None,
    inconclusive_ok: InconclusiveOkOpt = False,
    today: TodayOpt = None,
    store: StoreOpt = None,
    output: OutputOpt = None,
    as_json: JsonOpt = False,
    archive: ArchiveOpt = False,
    allow_partial: AllowPartialOpt = False,
) -> None:
    """Pair the candidate's runs with the baseline's and apply the gate: exit 0 pass, 1 fail, 3 inconclusive."""
    from farm.errors import ExitCode, InputError
    from farm.reports.compare import compare_report
    from farm.reports.gatefile import load_gate
    from farm.reports.junit import junit_xml

    day = parse_date(today)
    rules = load_gate(gate)
    opened = open_report_store(store, archive=archive)
    report = compare_report(opened, baseline, candidate, gate=rules, today=day, allow_partial=allow_partial)
    if junit is not None:
        try:
            junit.parent.mkdir(parents=True, exist_ok=True)
            junit.write_bytes(junit_xml(report.data))
        except OSError as exc:
            raise InputError(f"cannot write the JUnit file: {exc.strerror}", source=str(junit),
                             field="--junit") from None
    emit(report, output=output, as_json=as_json, archive=archive, store=opened)
    if junit is not None:
        print(f"wrote {junit}", file=sys.stderr if as_json else sys.stdout)
    code = ExitCode(report.data["verdict"]["exit_code"])
    if code is ExitCode.INCONCLUSIVE and inconclusive_ok:
        code = ExitCode.OK
    if not as_json:
        print(report.subtitle)
    if code is not ExitCode.OK:
        raise typer.Exit(code)


def register(report_app: typer.Typer) -> None:
    report_app.command("compare")(compare_cmd)
