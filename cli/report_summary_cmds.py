"""``simfarm report summary SWEEP_ID[:STACK]``: a thin command over ``farm.reports.summary``."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.errors import domain_errors
from cli.options import StoreOpt
from cli.report_cmds import AllowPartialOpt, ArchiveOpt, JsonOpt, OutputOpt, emit, open_report_store

TargetArg = Annotated[str, typer.Argument(
    metavar="SWEEP_ID[:STACK]", show_default=False,
    help="The sweep, optionally one of its stacks: the sweep file's name for it, a config_name or a full stack_id "
         "(split at the first colon).")]


@domain_errors
def summary(target: TargetArg, store: StoreOpt = None, output: OutputOpt = None, as_json: JsonOpt = False,
            archive: ArchiveOpt = False, allow_partial: AllowPartialOpt = False) -> None:
    """How the stack did: runs by status, sample pass rates with 95 % Wilson intervals (random designs) or counts
    (chosen designs), flaky samples, mitigation, failure reasons, collisions, safety interventions, latency."""
    from farm.reports.summary import summary_report

    results = open_report_store(store, archive=archive)
    report = summary_report(results, target, allow_partial=allow_partial)
    emit(report, output=output, as_json=as_json, archive=archive, store=results)


def register(report_app: typer.Typer) -> None:
    """Add ``summary`` to the ``simfarm report`` group."""
    report_app.command("summary")(summary)
