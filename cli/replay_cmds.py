"""``simfarm replay RUN_ID``: rerun a stored rollout here and check its outcome hash.

Thin: parse options, call ``farm.replay.replay``, print. Exit 0 when the hash
matches, 1 on a mismatch, 2 for bad input (malformed or unknown run id).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.errors import domain_errors
from cli.machine_output import print_json
from cli.options import JsonOpt, StoreOpt

if TYPE_CHECKING:
    from farm.replay import ReplayReport

SweepOpt = Annotated[str | None, typer.Option("--sweep", help="Look only in this sweep "
                                              "(default: the newest sweep that holds the run).")]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", dir_okay=False,
                                                help="Where to write the PNG (default: ./replay-RUN_ID.png).")]
NoPlotOpt = Annotated[bool, typer.Option("--no-plot", help="Do not write the PNG.")]


@domain_errors
def replay(
    run_id: Annotated[str, typer.Argument(metavar="RUN_ID",
                                          help="The run to replay: 16 hex characters (see 'simfarm results').")],
    sweep: SweepOpt = None,
    store: StoreOpt = None,
    output: OutputOpt = None,
    no_plot: NoPlotOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Rerun a stored rollout from its stored spec; check its outcome_hash and plot it (exit 1 on a mismatch)."""
    from farm.errors import ExitCode, InputError
    from farm.replay import replay as run_replay
    from farm.replay import validate_run_id
    from farm.store import open_store

    validate_run_id(run_id)
    if no_plot and output is not None:
        raise InputError("--output and --no-plot contradict each other; give one", field="--no-plot")
    opened = open_store(store)
    opened.check(write=False)
    plot_path = None if no_plot else (output or Path(f"replay-{run_id}.png"))
    report = run_replay(opened, run_id, sweep_id=sweep, plot_path=plot_path)
    if json_out:
        print_json(report_dict(report))
    else:
        _print_report(report)
    if not report.match:
        raise typer.Exit(ExitCode.FINDING)


def report_dict(report: ReplayReport) -> dict[str, Any]:
    """The replay as a JSON-ready dict (the replayed result under ``result``)."""
    from farm.reports.rollout_view import result_dict

    return {
        "run_id": report.run_id, "sweep_id": report.sweep_id, "match": report.match,
        "stored_status": report.stored_status, "replay_status": report.result.status.value,
        "stored_hash": report.stored_hash, "replay_hash": report.replay_hash, "reasons": list(report.reasons),
        "notes": list(report.notes), "plot": str(report.plot_path) if report.plot_path else None,
        "result": result_dict(report.result),
    }


def _print_report(report: ReplayReport) -> None:
    from rich.console import Console

    from farm.reports.rollout_view import print_result

    print_result(report.result)
    console = Console(soft_wrap=True, highlight=False)
    console.print(f"replayed from sweep {report.sweep_id} (stored status {report.stored_status})")
    if report.match:
        console.print(f"[bold green]outcome_hash matches stored run[/] ({report.replay_hash})")
    else:
        console.print(f"[bold red]outcome_hash MISMATCH[/]: stored {report.stored_hash or '(none)'}, "
                      f"replay {report.replay_hash}")
        for reason in report.reasons:
            console.print(f"  - {reason}", markup=False)
    for note in report.notes:
        console.print(f"note: {note}", markup=False)
    if report.plot_path is not None:
        console.print(f"plot: {report.plot_path}", markup=False)


def register(app: typer.Typer) -> None:
    app.command("replay")(replay)
