"""``simfarm export-log``: a rollout written as a real-run log, optionally replayed and compared (closed loop)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cli.errors import domain_errors
from cli.machine_output import print_json
from cli.options import JsonOpt
from cli.run_cmds import spec_from_options


@domain_errors
def export_log(
    family: Annotated[str, typer.Argument(help="Scenario family, e.g. lead_vehicle_braking.")],
    out: Annotated[str, typer.Option("--out", "-o", help="Folder to write runs.csv, trajectories.csv, lanes.csv to.")],
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="Override a parameter: name=value.")] = None,
    seed: Annotated[int, typer.Option(help="Rollout seed.")] = 1,
    stack: Annotated[str, typer.Option(help="Stack name ('reference') or entry point package.module:factory.")]
    = "reference",
    fidelity: Annotated[str, typer.Option(help="dynamic or kinematic.")] = "kinematic",
    real_run_id: Annotated[str | None, typer.Option("--real-run-id", help="Id of the run in the log "
                                                                          "[default: sim-RUN_ID].")] = None,
    check: Annotated[bool, typer.Option("--check", help="Replay the written log with the same stack (log_replay) "
                                                        "and compare; exit 1 unless it agrees.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Re-simulate one rollout and write it in the real-run log format (docs/real-run-logs.md)."""
    from farm.errors import ExitCode
    from farm.logexport import export_rollout, replay_exported

    spec = spec_from_options(family, param, seed=seed, stack=stack, fidelity=fidelity)
    exported = export_rollout(spec, out, real_run_id=real_run_id)
    doc: dict[str, Any] = {
        "real_run_id": exported.real_run_id, "run_id": spec.run_id, "status": exported.source.status.value,
        "files": [str(p) for p in exported.files], "samples": exported.samples,
        "ticks": exported.truth.trace.n_ticks if exported.truth.trace else 0}
    agrees = True
    if check:
        result = replay_exported(exported, out)
        agrees = result.agreement.agrees
        doc["check"] = {"log": result.content_hash, "replay_run_id": result.replay.spec.run_id,
                        "replay_status": result.replay.status.value, **result.agreement.as_dict()}
    if json_out:
        print_json(doc)
    else:
        _print(doc)
    if not agrees:
        raise typer.Exit(ExitCode.FINDING)


def _print(doc: dict[str, Any]) -> None:
    print(f"exported {doc['real_run_id']} (run {doc['run_id']}, {doc['status']}): {doc['samples']} samples over "
          f"{doc['ticks']} ticks")
    for path in doc["files"]:
        print(f"  {path}")
    check = doc.get("check")
    if check is None:
        return
    print(f"replayed as log_replay log={check['log']} (run {check['replay_run_id']}): {check['replay_status']}")
    tol = check["tolerances"]
    for name, delta in check["metric_deltas"].items():
        print(f"  {name:<22} |replay - source| = {delta:.4g}  (tolerance {tol[name]:g})")
    print(f"  {'replayed actors':<22} max position error {check['max_actor_error_m']:.3g} m  "
          f"(tolerance {tol['actor_position_m']:g} m)")
    print("AGREES" if check["agrees"] else "DISAGREES", "- same outcome" if check["same_outcome"] else
          "- outcome differs")


def register(app: typer.Typer) -> None:
    app.command("export-log")(export_log)
