"""``simfarm sim2real``: read the log, plan, run (or resume) the sweep, store the pairing, make the report.

In this order, so that bad input fails before any work and a crash mid-sweep leaves a
resumable sweep with its pairing map already stored:

1. read and validate the real-run log (``farm.reallog.read_log``) and the metric-bins file;
2. plan each real run's re-simulation (``farm.sim2real.plan``), build and expand the sweep;
3. check the store; upload the replayed runs' inputs (``inputs/<hash>``, idempotent);
4. ``--sweep-id ID``: continue that sweep when it exists (its stored specs must hold every
   planned repeat), else create it under that id; no id: a new ``sim2real-<time>-<hex>``;
5. the moment the sweep exists, store the real values and the pairing map beside it;
6. drive it with ``farm.driver.submit`` (embedded Ray, a cluster, a Ray job; ``detach``);
7. once complete, the report (``farm.reports.sim2real_store.sweep_report``).

``--from-sweep`` runs nothing: ``farm.sim2real.from_sweep`` pairs with a stored sweep instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from farm.driver import DriverReport, submit
from farm.errors import ExitCode
from farm.execution import ExecutorKind
from farm.reallog import RealRunLog, read_log
from farm.reallog.inputs import upload_input
from farm.reports.document import Report
from farm.reports.sim2real_bins import load_bins
from farm.reports.sim2real_store import sweep_report, write_pairing
from farm.sim2real.plan import Plan, pairing_rows, plan_runs, sweep_spec
from farm.sim2real.real_values import real_rows
from farm.spec import SimSettings
from farm.stacks import resolve_stack
from farm.store import open_store, validate_key_part
from farm.store.backend import UnknownSweep
from farm.store.base import Store
from farm.sweep import expand
from farm.sweep.model import check_stack_rate

DEFAULT_REPEATS = 16
Announce = Callable[[str, str], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class Sim2RealResult:
    """What ``simfarm sim2real`` did (``--json`` prints ``to_dict`` beside the report's path)."""

    sweep_id: str
    store: str
    action: str  # created | resumed | paired
    real_runs: int
    paired: int
    excluded: dict[str, str]
    pairing_keys: tuple[str, ...]
    driver: DriverReport | None = None
    report: Report | None = None
    exit_code: int = ExitCode.OK
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {"sweep_id": self.sweep_id, "store": self.store, "action": self.action, "real_runs": self.real_runs,
                "paired": self.paired, "excluded": [{"real_run_id": k, "reason": v} for k, v in self.excluded.items()],
                "pairing_keys": list(self.pairing_keys), "exit_code": int(self.exit_code), "notes": list(self.notes),
                "driver": None if self.driver is None else self.driver.to_dict()}


def real_table(log: RealRunLog, plan: Plan, sim: SimSettings) -> list[dict[str, Any]]:
    """Every planned run's real rows."""
    return [row for planned in plan.runs for row in real_rows(log, planned, sim=sim)]


def run_sim2real(real_runs: str | Path, *, trajectories: str | Path | None = None, repeats: int = DEFAULT_REPEATS,
                 sweep_id: str | None = None, store: str | None = None, address: str | None = None,
                 stack: str = "reference", fidelity: str = "kinematic", seed: int = 0,
                 bins_path: str | Path | None = None, detach: bool = False, announce: Announce | None = None,
                 stream_to: TextIO | None = None, executor: ExecutorKind = "ray") -> Sim2RealResult:
    """Re-simulate every real run of ``real_runs`` ``repeats`` times and report (steps in the module docstring).

    Raises:
        InputError: a bad log, bins file or option, nothing left to re-simulate, or a ``sweep_id`` naming a
            sweep that was not made from this log and ``repeats`` (exit 2).
        StoreError / ExecutionError / LeaseError: the store or the cluster (exit 5).
    """
    log = read_log(real_runs, trajectories=trajectories)
    load_bins(bins_path)  # a bad bins file fails before any work
    plan = plan_runs(log)
    sim = SimSettings()
    ref = resolve_stack(stack)
    check_stack_rate(ref, sim.stack_hz, source="--stack", field="rate_hz")
    spec = sweep_spec(plan, repeats=repeats, seed=seed, stack=ref, fidelity=fidelity, sim=sim,
                      source=f"sim2real:{log.runs_path}")
    specs = expand(spec)
    pairs = pairing_rows(plan, specs, repeats=repeats, seed=seed)
    reals = real_table(log, plan, sim)
    results = open_store(store)
    results.check()
    for planned in plan.runs:
        if planned.content_hash is not None and planned.content is not None:
            upload_input(results, planned.content_hash, planned.content)
    resume = _existing(results, sweep_id, plan, repeats, seed)
    tables = {"pairs": pairs, "real": reals,
              "excluded": [{"real_run_id": k, "reason": v} for k, v in plan.excluded.items()]}
    written: list[str] = []

    def created(new_id: str, store_uri: str) -> None:
        written.extend(write_pairing(results, new_id, tables))  # with the sweep from its first moment
        if announce is not None:
            announce(new_id, store_uri)

    driver = submit(spec, store=results.uri, address=address, resume=resume, sweep_id=sweep_id, detach=detach,
                    announce=created, stream_to=stream_to, executor=executor)
    report, code, notes = _after(results, driver, bins_path)
    return Sim2RealResult(sweep_id=driver.sweep_id, store=results.uri, action="resumed" if resume else "created",
                          real_runs=len(log.runs), paired=len(plan.runs), excluded=dict(plan.excluded),
                          pairing_keys=tuple(written), driver=driver, report=report, exit_code=code, notes=notes)


def _existing(store: Store, sweep_id: str | None, plan: Plan, repeats: int, seed: int) -> str | None:
    """``sweep_id`` when it names a stored sweep holding every planned repeat; None for a new one."""
    if sweep_id is None:
        return None
    validate_key_part(sweep_id, "--sweep-id")
    try:
        store.read_manifest(sweep_id)
    except UnknownSweep:
        return None
    pairing_rows(plan, store.read_specs(sweep_id), repeats=repeats, seed=seed)  # InputError when it is another's
    return sweep_id


def _after(store: Store, driver: DriverReport,
           bins_path: str | Path | None) -> tuple[Report | None, int, tuple[str, ...]]:
    """The report of a finished sweep; else no report, the driver's code and what to run later."""
    later = f"simfarm report sim2real {driver.sweep_id} --store {store.uri}"
    if driver.state != "complete":
        code = driver.exit_code if driver.exit_code not in (ExitCode.OK, ExitCode.FINDING) else ExitCode.OK
        return None, code, (f"sweep {driver.state}: report it once complete with '{later}'",)
    report = sweep_report(store, driver.sweep_id, bins_path=bins_path)
    return report, ExitCode.OK, ()
