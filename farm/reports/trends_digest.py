"""One night's runs boiled down to what the trends compare: frozen outcomes, Sobol sample tallies, status counts.

A *group* is (family, stack name, fidelity): nights pair on the stack's name, not its
``stack_id``, whose config hash may change between nights.

- **frozen set** (design ``frozen``): deterministic, identical every night; each run is kept
  by ``scenario_key`` (which already holds the family version and the seed) with its status,
  run id and params, so a night can be compared run by run with the reference night.
- **rotating set** (random designs: ``farm.sweep.expand.CI_DESIGNS``, ``sobol`` in the nightly):
  pass rates with the summary's unit rule (``farm.reports.summary_data.UNIT_RULE``): the unit is
  the sample; a sample passes when every counted seed passes; only the verdict runs
  (``preventable`` true or null) count, as in ``report summary``.
- **every run**: counts by status per group (counted through ``farm.result.counts_from_mapping``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from farm.result import STATUS_TABLE, Status
from farm.sweep.expand import CI_DESIGNS

Group = tuple[str, str, str]  # family, stack name, fidelity
FROZEN_DESIGN = "frozen"
COUNTED: frozenset[str] = frozenset(s.value for s, rule in STATUS_TABLE.items() if rule.counts)
FAILURE: frozenset[str] = frozenset(s.value for s, rule in STATUS_TABLE.items() if rule.failure)


@dataclass(frozen=True, slots=True)
class FrozenRun:
    """One frozen run of a night."""

    status: str
    run_id: str
    params: str
    seed: int
    family_version: int
    preventable: bool | None


@dataclass(slots=True)
class Digest:
    """What one night holds, per group (see the module docstring)."""

    versions: dict[str, int] = field(default_factory=dict)                 # family -> its version tonight
    status: dict[Group, dict[str, int]] = field(default_factory=dict)      # group -> status -> runs
    frozen: dict[Group, dict[str, FrozenRun]] = field(default_factory=dict)  # group -> scenario_key -> run
    sobol: dict[Group, tuple[int, int]] = field(default_factory=dict)      # group -> (samples passed, counted)

    @property
    def groups(self) -> set[Group]:
        return set(self.status)


def _lists(table: pa.Table, *names: str) -> list[list[object]]:
    return [table[n].to_pylist() for n in names]


def digest(runs: pa.Table) -> Digest:
    """The digest of a night's runs (``farm.reports.trends_data.RUN_COLUMNS`` plus ``stack``)."""
    out = Digest()
    if runs.num_rows == 0:
        return out
    by_version = runs.group_by(["family", "family_version"]).aggregate([("run_id", "count")])
    best: dict[str, tuple[int, int]] = {}
    for family, version, n in zip(*_lists(by_version, "family", "family_version", "run_id_count"), strict=True):
        if family not in best or (n, version) > best[str(family)]:  # the version most runs have (one, normally)
            best[str(family)] = (int(n), int(version))  # type: ignore[call-overload]
    out.versions = {f: v for f, (_, v) in best.items()}
    counts = runs.group_by(["family", "stack", "fidelity", "status"]).aggregate([("run_id", "count")])
    status: dict[Group, dict[str, int]] = defaultdict(dict)
    for family, stack, fidelity, st, n in zip(*_lists(counts, "family", "stack", "fidelity", "status",
                                                       "run_id_count"), strict=True):
        status[(str(family), str(stack), str(fidelity))][str(st)] = int(n)  # type: ignore[call-overload]
    out.status = dict(status)
    out.frozen = _frozen(runs.filter(pc.equal(runs["design"], FROZEN_DESIGN)))
    out.sobol = _sobol(runs.filter(pc.is_in(runs["design"], value_set=pa.array(list(CI_DESIGNS), pa.string()))))
    return out


def _frozen(rows: pa.Table) -> dict[Group, dict[str, FrozenRun]]:
    frozen: dict[Group, dict[str, FrozenRun]] = defaultdict(dict)
    columns = _lists(rows, "family", "stack", "fidelity", "scenario_key", "status", "run_id", "params", "seed",
                     "family_version", "preventable")
    for family, stack, fidelity, key, st, run_id, params, seed, version, preventable in zip(*columns, strict=True):
        frozen[(str(family), str(stack), str(fidelity))][str(key)] = FrozenRun(
            status=str(st), run_id=str(run_id), params=str(params), seed=int(seed),  # type: ignore[call-overload]
            family_version=int(version), preventable=preventable)  # type: ignore[call-overload, arg-type]
    return dict(frozen)


def _sobol(rows: pa.Table) -> dict[Group, tuple[int, int]]:
    """(samples passed, samples counted) per group, the sample being the unit (module docstring)."""
    verdict = pc.invert(pc.fill_null(pc.equal(rows["preventable"], False), False))
    counted = pc.is_in(rows["status"], value_set=pa.array(sorted(COUNTED), pa.string()))
    rows = rows.filter(pc.and_(verdict, counted))
    if rows.num_rows == 0:
        return {}
    rows = rows.append_column("ok", pc.equal(rows["status"], Status.PASSED.value))
    keys = ["family", "family_version", "stack", "fidelity", "design", "params"]
    samples = rows.group_by(keys).aggregate([("ok", "all")])
    samples = samples.append_column("ok_int", pc.cast(samples["ok_all"], pa.int64()))
    tally = samples.group_by(["family", "stack", "fidelity"]).aggregate([("ok_int", "sum"), ("ok_int", "count")])
    return {(str(f), str(s), str(d)): (int(k), int(n))  # type: ignore[call-overload]
            for f, s, d, k, n in zip(*_lists(tally, "family", "stack", "fidelity", "ok_int_sum", "ok_int_count"),
                                     strict=True)}
