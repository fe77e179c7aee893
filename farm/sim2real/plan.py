"""The re-simulation of a real-run log: one frozen sweep entry per real run, K seeds each, and the pairing map.

Each real run, in the runs table's order, becomes one of:

- ``replay``: it has trajectories — re-simulated as ``log_replay`` of its content hash (the input
  is uploaded to the sweep's store); its real metrics come from the trajectories too;
- ``family``: no trajectories, a family and parameters inside that family's declared domain —
  re-simulated from those parameters (the nominal for any not given);
- excluded, with the reason listed: a parameter outside the family's declared domain (never
  clamped), no family and no trajectories, a family that needs a log without trajectories.

Every entry uses the same K seeds per family (``farm.sweep.seeds.rollout_seeds``), so two real runs
with the same scenario share their simulated runs, and the pairing map (real_run_id → run_ids,
from the expanded specs) says so explicitly. The unit of a real run is its declared
``scenario_key``, else its ``real_run_id``; its group is its ``family`` (``log_replay`` for a replay
of a run that names none).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from farm.errors import InputError
from farm.identity import ParamValue, canonical_json, canonical_params
from farm.reallog import RealRun, RealRunLog
from farm.spec import RolloutSpec, SimSettings, StackRef
from farm.sweep.model import FamilyEntry, Resources, SweepSpec
from farm.sweep.seeds import rollout_seeds
from scenario_library.catalog import load_family

REPLAY_FAMILY = "log_replay"
SWEEP_NAME = "sim2real"


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedRun:
    """One real run's re-simulation: family, complete typed parameters, how, its unit and group."""

    real_run_id: str
    unit: str
    group: str
    how: str  # replay | family
    family: str
    params: dict[str, ParamValue]
    content_hash: str | None = None  # replay: the log's input
    content: bytes | None = None     # replay: its canonical bytes (uploaded to inputs/<hash>)


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """What to simulate and what was left out (``excluded``: real_run_id → reason)."""

    runs: tuple[PlannedRun, ...]
    excluded: dict[str, str] = field(default_factory=dict)


def plan_runs(log: RealRunLog, *, require: bool = True) -> Plan:
    """Decide each real run's re-simulation (rules in the module docstring).

    Raises:
        InputError: with ``require``, no real run can be re-simulated (every one excluded), listing the first reason.
    """
    planned: list[PlannedRun] = []
    excluded: dict[str, str] = {}
    for run in log.runs.values():
        try:
            planned.append(_replay(log, run) if run.real_run_id in log.tracks else _family(run))
        except _Excluded as why:
            excluded[run.real_run_id] = str(why)
    if not planned and require:
        first = next(iter(excluded.items()))
        raise InputError(f"no real run can be re-simulated ({len(excluded)} excluded; {first[0]}: {first[1]})",
                         source=log.runs_path, field="real_run_id")
    return Plan(runs=tuple(planned), excluded=excluded)


class _Excluded(Exception):
    """A real run that is listed and left out, with the reason."""


def _unit(run: RealRun) -> str:
    return run.scenario_key or run.real_run_id


def _replay(log: RealRunLog, run: RealRun) -> PlannedRun:
    try:
        digest, data = log.content(run.real_run_id)
    except InputError as exc:  # its road is its family's, from parameters outside the family's domain
        raise _Excluded(exc.reason) from None
    family = load_family(REPLAY_FAMILY)
    params = {**family.nominal, "log": digest}
    return PlannedRun(real_run_id=run.real_run_id, unit=_unit(run), group=run.family or REPLAY_FAMILY, how="replay",
                      family=REPLAY_FAMILY, params=params, content_hash=digest, content=data)


def _family(run: RealRun) -> PlannedRun:
    if run.family is None:
        raise _Excluded("no family and no trajectories: nothing to re-simulate")
    if run.out_of_domain:
        reasons = "; ".join(f"p_{name}: {reason}" for name, reason in run.out_of_domain)
        raise _Excluded(f"outside {run.family}'s declared domain ({reasons})")
    family = load_family(run.family)
    inputs = [p.name for p in family.parameters if p.type == "input"]
    if inputs:
        raise _Excluded(f"{run.family} replays a log ({', '.join(inputs)}): give the run's trajectories")
    params = {p.name: run.params.get(p.name, p.nominal) for p in family.parameters}
    return PlannedRun(real_run_id=run.real_run_id, unit=_unit(run), group=run.family, how="family",
                      family=run.family, params=params)


def sweep_spec(plan: Plan, *, repeats: int, seed: int, stack: StackRef, fidelity: str, source: str,
               store: str | None = None, sim: SimSettings | None = None) -> SweepSpec:
    """The sweep: one frozen entry per planned run (its sample named by its real_run_id), ``repeats`` seeds."""
    if repeats < 1:
        raise InputError(f"must be at least 1, got {repeats}", field="--repeats")
    entries = tuple(FamilyEntry(index=i, name=p.family, sampler="frozen", samples=(tuple(sorted(p.params.items())),),
                                sample_names=(p.real_run_id,), seeds=rollout_seeds(seed, p.family, repeats))
                    for i, p in enumerate(plan.runs))
    return SweepSpec(name=SWEEP_NAME, source=source, seed=seed, families=entries, stacks=(stack,),
                     fidelity=(fidelity,), store=store, resources=Resources(), sim=sim or SimSettings(),
                     description=f"sim2real: {len(plan.runs)} real runs x {repeats} seeds")


def pairing_rows(plan: Plan, specs: list[RolloutSpec], *, repeats: int, seed: int) -> list[dict[str, Any]]:
    """The explicit map: each planned real run → the run_ids of its K repeats (every one must be in ``specs``).

    Raises:
        InputError: a planned run has fewer than K specs (the sweep is not this plan's sweep).
    """
    by_scenario: dict[tuple[str, str, int], RolloutSpec] = {}
    for spec in specs:
        by_scenario.setdefault((spec.family, _canonical(spec.param_dict), spec.seed), spec)
    rows = []
    for p in plan.runs:
        for k, s in enumerate(rollout_seeds(seed, p.family, repeats)):
            found = by_scenario.get((p.family, _canonical(p.params), s))
            if found is None:
                raise InputError(f"real run {p.real_run_id!r}: repeat {k} (seed {s}) is not in the sweep's specs; "
                                 "was the sweep made from another log or --repeats?", field="--sweep-id")
            rows.append({"real_run_id": p.real_run_id, "unit": p.unit, "group": p.group, "run_id": found.run_id,
                         "repeat": k, "seed": s, "how": p.how})
    return rows


def _canonical(params: dict[str, Any]) -> str:
    """Typed parameters as one exact string (``1`` and ``1.0`` differ, as in every key)."""
    return canonical_json(canonical_params(params))
