"""``simfarm sim2real --from-sweep SWEEP_ID[:STACK]``: pair a real-run log with a stored sweep, run nothing.

A real run pairs with the sweep's runs (of one stack and one fidelity):

- by ``scenario_key`` when it declares one: every run with that key (``how = scenario_key``);
- else, or when no run has that key, by parameters: the runs of its re-simulation family (its
  own, or ``log_replay`` with its log's content hash when it has trajectories) whose every
  parameter equals the run's (the family's nominal for one it does not give) within
  ``REL_TOL``·|value| + ``ABS_TOL`` for floats, exactly for integers, booleans, choices and inputs (``how = params``).

A real run outside its family's domain, or matching no run, is listed and excluded. The map and
the real values are stored under the sweep's ``pairing/`` folder (replacing an earlier pairing of
that sweep), and the report is made from them.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from farm.errors import InputError
from farm.identity import ParamValue
from farm.reallog import read_log
from farm.reports.sim2real_bins import load_bins
from farm.reports.sim2real_store import sweep_report, write_pairing
from farm.reports.source import parse_target, resolve_stack
from farm.sim2real.plan import Plan, PlannedRun, plan_runs
from farm.sim2real.run import Sim2RealResult, real_table
from farm.spec import RolloutSpec, SimSettings
from farm.store import open_store

REL_TOL = 1e-6
ABS_TOL = 1e-9


def equal_within(a: ParamValue, b: ParamValue) -> bool:
    """Parameter values equal under the stated tolerances (floats: |a − b| <= REL_TOL·|b| + ABS_TOL)."""
    if isinstance(a, bool | str) or isinstance(b, bool | str):
        return type(a) is type(b) and a == b
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a), float(b), rel_tol=REL_TOL, abs_tol=ABS_TOL)
    return a == b


def pair_with_sweep(real_runs: str | Path, target: str, *, trajectories: str | Path | None = None,
                    store: str | None = None, fidelity: str | None = None,
                    bins_path: str | Path | None = None) -> Sim2RealResult:
    """Pair, store the pairing and real values, and report (rules in the module docstring).

    Raises:
        InputError / UnknownSweep: a bad log or bins file, an unknown sweep or stack, a sweep of several
            stacks or fidelities without one named, or no real run paired (exit 2).
    """
    log = read_log(real_runs, trajectories=trajectories)
    load_bins(bins_path)
    parsed = parse_target(target, field="--from-sweep")
    results = open_store(store)
    results.check()
    manifest = results.read_manifest(parsed.sweep_id)
    specs = _one_stack_and_fidelity(results.read_specs(parsed.sweep_id), manifest, parsed.stack, fidelity, target)
    plan = plan_runs(log, require=False)
    excluded = dict(plan.excluded)
    rows, paired = [], []
    for planned in plan.runs:
        key = log.run(planned.real_run_id).scenario_key
        how, matched = "scenario_key", [s for s in specs if key is not None and s.scenario_key == key]
        if not matched:
            how, matched = "params", [s for s in specs if _same_scenario(planned, s)]
        if not matched:
            excluded[planned.real_run_id] = f"no run of {parsed.sweep_id} has its " + \
                (f"scenario_key {key}, nor its family and parameters" if key else "family and parameters")
            continue
        paired.append(planned)
        rows += [{"real_run_id": planned.real_run_id, "unit": planned.unit, "group": planned.group, "run_id": s.run_id,
                  "repeat": k, "seed": s.seed, "how": how} for k, s in enumerate(sorted(matched, key=lambda s: s.seed))]
    if not paired:
        first = next(iter(excluded.items()), ("-", "the log is empty"))
        raise InputError(f"no real run pairs with a run of the sweep ({first[0]}: {first[1]})", source=str(real_runs),
                         field="--from-sweep")
    kept = Plan(runs=tuple(paired), excluded=excluded)
    tables: dict[str, Any] = {"pairs": rows, "real": real_table(log, kept, SimSettings()),
                              "excluded": [{"real_run_id": k, "reason": v} for k, v in excluded.items()]}
    keys = write_pairing(results, parsed.sweep_id, tables)
    report = sweep_report(results, parsed.sweep_id, bins_path=bins_path, allow_partial=True)
    return Sim2RealResult(sweep_id=parsed.sweep_id, store=results.uri, action="paired", real_runs=len(log.runs),
                          paired=len(paired), excluded=excluded, pairing_keys=tuple(keys), report=report)


def _one_stack_and_fidelity(specs: list[RolloutSpec], manifest: Any, stack: str | None, fidelity: str | None,
                            target: str) -> list[RolloutSpec]:
    """The specs of one stack and one fidelity; a sweep of several needs them named."""
    if stack is not None:
        stack_id = resolve_stack(manifest, stack, source=target)
        specs = [s for s in specs if s.stack_id == stack_id]
    elif len({s.stack_id for s in specs}) > 1:
        raise InputError(f"the sweep has {len({s.stack_id for s in specs})} stacks: name one as SWEEP_ID:STACK",
                         source=target, field="--from-sweep")
    if fidelity is not None:
        specs = [s for s in specs if s.fidelity == fidelity]
    elif len({s.fidelity for s in specs}) > 1:
        raise InputError("the sweep runs several fidelities: name one with --fidelity", source=target,
                         field="--fidelity")
    return specs


def _same_scenario(planned: PlannedRun, spec: RolloutSpec) -> bool:
    params = spec.param_dict
    return spec.family == planned.family and set(params) == set(planned.params) and all(
        equal_within(planned.params[name], params[name]) for name in params)
