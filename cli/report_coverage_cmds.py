"""``simfarm report coverage SWEEP_ID[:STACK]...``: scenario, t-wise, ODD and critical-scenario coverage.

Thin: parse options, call ``farm.reports.coverage_report.build``, write the report
(``cli.report_cmds.emit``) and the fill sweep file ``coverage-fill.yaml`` beside it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.errors import domain_errors
from cli.options import StoreOpt
from cli.report_cmds import AllowPartialOpt, ArchiveOpt, JsonOpt, OutputOpt, emit, open_report_store

TargetsArg = Annotated[list[str], typer.Argument(metavar="SWEEP_ID[:STACK]...",
                                                 help="One or more sweeps (their union), each optionally narrowed "
                                                      "to a stack (a sweep-file name, config name or stack_id).")]
SweepFileOpt = Annotated[list[Path] | None, typer.Option(
    "--sweep-file", dir_okay=False, help="The sweep file of each SWEEP_ID, in order, for the chosen sub-domain "
                                         "[default: the manifest's sweep_file when it still loads as that sweep; "
                                         "else inferred from the runs].")]
MinPassingOpt = Annotated[int, typer.Option("--min-passing", help="Passing preventable samples a critical family or "
                                                                  "documented edge needs to count as covered.")]
FillStrengthOpt = Annotated[int, typer.Option("--fill-strength", help="t of the uncovered combinations written "
                                                                      "to coverage-fill.yaml (1, 2 or 3).")]
HeatmapsOpt = Annotated[int, typer.Option("--heatmaps", help="Failure-map heatmaps drawn per family (the pairs "
                                                             "whose cells differ most; all are in the JSON).")]


@domain_errors
def coverage(
    targets: TargetsArg,
    store: StoreOpt = None,
    sweep_file: SweepFileOpt = None,
    min_passing: MinPassingOpt = 1,
    fill_strength: FillStrengthOpt = 2,
    heatmaps: HeatmapsOpt = 2,
    output: OutputOpt = None,
    archive: ArchiveOpt = False,
    allow_partial: AllowPartialOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Coverage of the declared scenario space and the ODD by the stored runs, with a sweep file that fills the gaps."""
    from farm.errors import InputError
    from farm.reports.coverage import FILL_FILE
    from farm.reports.coverage_report import build
    from farm.reports.output import DEFAULT_ROOT
    from farm.reports.source import parse_target
    from farm.store import layout

    parsed = [parse_target(t) for t in targets]
    if sweep_file and len(sweep_file) > len(parsed):
        raise InputError(f"{len(sweep_file)} sweep files for {len(parsed)} sweeps", field="--sweep-file")
    if heatmaps < 0:
        raise InputError(f"must be 0 or more, got {heatmaps}", field="--heatmaps")
    opened = open_report_store(store, archive=archive)
    built = build(opened, parsed, allow_partial=allow_partial, sweep_files=sweep_file or (),
                  min_passing=min_passing, fill_strength=fill_strength, heatmaps_per_family=heatmaps)
    folder = output if output is not None else DEFAULT_ROOT / built.report.report_id
    fill_path = folder / FILL_FILE
    if built.fill_yaml is not None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fill_path.write_text(built.fill_yaml, encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write {FILL_FILE}: {exc.strerror}", source=str(folder), field="--output") \
                from None
        if archive:
            opened.put_bytes(layout.report_key(built.report.report_id, FILL_FILE,
                                               sweep_id=built.report.archive_sweep_id), built.fill_yaml.encode())
    emit(built.report, output=folder, as_json=json_out, archive=archive, store=opened)
    if not json_out and built.fill_yaml is not None:
        print(f"wrote {fill_path}")


def register(report_app: typer.Typer) -> None:
    report_app.command("coverage")(coverage)
