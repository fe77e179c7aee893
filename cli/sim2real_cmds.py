"""``simfarm sim2real REAL_RUNS``: a thin command over ``farm.sim2real`` (re-simulate, pair, report)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cli.errors import domain_errors
from cli.machine_output import print_json, stdout_reserved
from cli.options import StoreOpt
from cli.report_cmds import JsonOpt, OutputOpt
from cli.report_sim2real_cmds import BinsOpt
from cli.submit_cmds import AddressOpt


@domain_errors
def sim2real(
    real_runs: Annotated[Path, typer.Argument(
        help="A real-run log: a folder with runs.csv|parquet (and trajectories.*, lanes.*), or a runs table.",
        show_default=False)],
    trajectories: Annotated[Path | None, typer.Option(
        "--trajectories", help="The trajectory table, when it is not in the log folder: its runs are re-simulated "
                               "as log replays and their real metrics computed from the trajectories.")] = None,
    repeats: Annotated[int, typer.Option("--repeats", "-k", min=1, max=1000,
                                         help="Simulated repeats per real run, each with its own seed.")] = 16,
    sweep_id: Annotated[str | None, typer.Option(
        "--sweep-id", help="The sweep to create under this id, or to continue when it exists (resume).")] = None,
    from_sweep: Annotated[str | None, typer.Option(
        "--from-sweep", metavar="SWEEP_ID[:STACK]", help="Run nothing: pair with this stored sweep by scenario_key, "
                                                         "or by parameters equal within tolerance.")] = None,
    store: StoreOpt = None,
    address: AddressOpt = None,
    stack: Annotated[str, typer.Option("--stack", help="Stack name ('reference') or entry point "
                                                       "package.module:factory.")] = "reference",
    fidelity: Annotated[str | None, typer.Option(
        "--fidelity", help="kinematic or dynamic [default: kinematic; --from-sweep: the sweep's only one].")] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Sweep seed the repeats' seeds derive from.")] = 0,
    bins: BinsOpt = None,
    detach: Annotated[bool, typer.Option("--detach", help="Run the sweep's driver in the background; report "
                                                          "later with 'simfarm report sim2real SWEEP_ID'.")] = False,
    output: OutputOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Re-simulate every real run K times (from its family's parameters, or as a log replay), pair explicitly, and
    report how well simulation predicts reality (HTML, JSON, Markdown)."""
    from farm.errors import InputError

    if sweep_id is not None and from_sweep is not None:
        raise InputError("--from-sweep pairs with a stored sweep: drop --sweep-id", field="--from-sweep")
    if fidelity not in (None, "kinematic", "dynamic"):
        raise InputError(f"{fidelity!r} is not a fidelity (kinematic, dynamic)", field="--fidelity")

    def announce(new_id: str, store_uri: str) -> None:
        print(f"sweep {new_id} (store {store_uri})", file=sys.stderr if as_json else sys.stdout, flush=True)

    with stdout_reserved(as_json):
        if from_sweep is not None:
            from farm.sim2real.from_sweep import pair_with_sweep

            result = pair_with_sweep(real_runs, from_sweep, trajectories=trajectories, store=store,
                                     fidelity=fidelity, bins_path=bins)
        else:
            from farm.sim2real.run import run_sim2real

            result = run_sim2real(real_runs, trajectories=trajectories, repeats=repeats, sweep_id=sweep_id,
                                  store=store, address=address, stack=stack, fidelity=fidelity or "kinematic",
                                  seed=seed, bins_path=bins, detach=detach, announce=announce, stream_to=sys.stderr)
        written = None
        if result.report is not None:
            from farm.reports.output import write_report

            written = write_report(result.report, output)
    if as_json:
        from farm.reports.render import report_json

        print_json({**result.to_dict(), "report_files": None if written is None else
                    [str(written.html), str(written.json), str(written.markdown)],
                    "report": None if result.report is None else report_json(result.report)})
    else:
        for rid, reason in result.excluded.items():
            print(f"excluded {rid}: {reason}")
        print(f"{result.action} sweep {result.sweep_id}: {result.paired} of {result.real_runs} real runs paired")
        for note in result.notes:
            print(note)
        if written is not None:
            print(f"wrote {written.html}\nwrote {written.json}\nwrote {written.markdown}")
    if result.exit_code:
        raise typer.Exit(result.exit_code)


def register(app: typer.Typer) -> None:
    """Add ``sim2real`` to the ``simfarm`` app."""
    app.command("sim2real")(sim2real)
