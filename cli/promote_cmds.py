"""``simfarm log check LOG`` and ``simfarm promote LOG --real-run-id ID``: real-run logs at the edge.

Thin: parse options, call ``farm.reallog`` (``read_log`` / ``promote``), print. A bad log
is one line naming the file, the row and column, and the reason, exit 2; a store that
cannot be written exits 5, and then nothing was changed. (``log``, singular: ``logs`` is
the driver log of a sweep.)
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.errors import domain_errors
from cli.machine_output import print_json
from cli.options import JsonOpt, StoreOpt

if TYPE_CHECKING:
    from farm.reallog import RealRunLog

LogArg = Annotated[str, typer.Argument(metavar="LOG", help="A log folder (runs.csv|parquet, optional "
                                       "trajectories.* and lanes.*) or a runs table.")]
TracksOpt = Annotated[str | None, typer.Option("--trajectories", help="The trajectory table, when LOG is a runs "
                                               "table (default: trajectories.* beside it in a folder).")]
LanesOpt = Annotated[str | None, typer.Option("--lanes", help="The lanes table, when LOG is a runs table.")]


@domain_errors
def check_cmd(log: LogArg, trajectories: TracksOpt = None, lanes: LanesOpt = None, json_out: JsonOpt = False) -> None:
    """Validate a real-run log; per real run: family, actors, span, road, content hash, recomputed verdict."""
    from farm.reallog import read_log

    checked = read_log(log, trajectories=trajectories, lanes=lanes)
    rows = [_run_dict(checked, run_id) for run_id in checked.runs]
    if json_out:
        print_json({"log": checked.runs_path, "trajectories": checked.trajectories_path, "lanes": checked.lanes_path,
                    "runs": rows})
        return
    _print_runs(rows)


def _run_dict(log: RealRunLog, run_id: str) -> dict[str, Any]:
    run = log.runs[run_id]
    tracks = log.tracks.get(run_id, ())
    replayable = bool(tracks)
    content_hash = log.content(run_id)[0] if replayable else None
    ego = next((t for t in tracks if t.kind == "ego"), None)
    return {
        "real_run_id": run_id, "family": run.family, "params": run.params, "seed": run.seed,
        "scenario_key": run.scenario_key, "outcomes": run.outcomes, "metadata": run.metadata,
        "passed": run.passed, "fail_reasons": list(run.fail_reasons),
        "out_of_domain": [{"parameter": n, "reason": r} for n, r in run.out_of_domain],
        "actors": {t.actor_id: t.kind for t in tracks}, "span_s": None if ego is None else ego.end_s - ego.start_s,
        "road": ("lanes" if log.lanes.get(run_id) else f"family {run.family}") if replayable else None,
        "lanes": len(log.lanes.get(run_id, ())), "content_hash": content_hash,
    }


def _print_runs(rows: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="real runs")
    for column in ("real_run_id", "family", "actors", "span_s", "road", "content_hash", "passed", "outside domain"):
        table.add_column(column, overflow="fold")
    for r in rows:
        span = "-" if r["span_s"] is None else f"{r['span_s']:.2f}"
        passed = "?" if r["passed"] is None else str(r["passed"]).lower()
        outside = ", ".join(d["parameter"] for d in r["out_of_domain"]) or "-"
        table.add_row(r["real_run_id"], r["family"] or "-", str(len(r["actors"])), span, r["road"] or "-",
                      r["content_hash"] or "- (no trajectories)", passed, outside)
    Console().print(table)
    print(f"{len(rows)} real run(s) valid; passed is recomputed from the family's criteria (?: a criterion's metric "
          "was not measured)")


NameOpt = Annotated[str | None, typer.Option("--name", help="The sample's name [default: the real run id].")]
IntoOpt = Annotated[str | None, typer.Option("--into", metavar="SWEEP.yaml", help="The sweep file to edit "
                                             "[default: scenario_library/sweeps/nightly.yaml].")]
RuleOpt = Annotated[str | None, typer.Option("--rule", help="Preventability rule to judge the replay by "
                                             "(with --actor) [default: none].")]
ActorOpt = Annotated[str | None, typer.Option("--actor", help="The logged actor of interest for --rule.")]
FamilyOpt = Annotated[str, typer.Option("--family", help="The replay family whose frozen entry gets the sample.")]


@domain_errors
def promote_cmd(
    log: LogArg,
    real_run_id: Annotated[str, typer.Option("--real-run-id", help="The real run to promote (runs table).")],
    name: NameOpt = None,
    into: IntoOpt = None,
    rule: RuleOpt = None,
    actor: ActorOpt = None,
    store: StoreOpt = None,
    family: FamilyOpt = "log_replay",
    json_out: JsonOpt = False,
) -> None:
    """Upload a real run's log to the store and add it as a named sample to a sweep's frozen log_replay entry."""
    from farm.reallog.promote import promote

    done = promote(log, real_run_id, name=name, into=into, rule=rule, actor=actor, store=store, family=family)
    if done.notice:
        print(f"notice: {done.notice}", file=sys.stderr)
    if json_out:
        print_json(done.as_dict())
        return
    stored = "uploaded" if done.uploaded else "already in the store"
    print(f"input {done.content_hash}: {stored} ({done.store})")
    if done.added:
        print(f"{done.sweep}: families[{done.entry}] ({family}, frozen) now lists sample {done.name!r} "
              f"{done.params}")
    else:
        print(f"{done.sweep}: families[{done.entry}] already lists this log as sample {done.name!r}; nothing changed")


def register(app: typer.Typer) -> None:
    """Add ``promote`` and the ``log`` sub-app."""
    app.command("promote")(promote_cmd)
    log_app = typer.Typer(no_args_is_help=True, help="Real-run logs: validate before promoting or comparing.")
    log_app.command("check")(check_cmd)
    app.add_typer(log_app, name="log")
