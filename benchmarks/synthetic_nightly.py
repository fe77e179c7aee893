"""A synthetic series of nightly sweeps in the real store layout: what the trends tests and benchmark read.

``write_night(store, NightPlan(...))`` writes one night as ``simfarm submit nightly.yaml`` leaves it:
a manifest named ``nightly`` created at 02:00 UTC on the plan's date (stacks, the sweep file's stack
names in ``extra["stack_names"]``, counts by status, state), the expanded specs, and the results
written through ``Store.write_results`` as real ``RolloutResult`` values — a **frozen** set (design
``frozen``: the same samples and seeds every night, so the same ``scenario_key``) and a **rotating**
set (design ``sobol``: new points and seeds every date), per family. Nothing is simulated: a frozen
run fails when the plan says so, a Sobol run passes with the plan's probability (one
``numpy.random.Generator`` seeded from the date and the plan's seed).

A partial night stores only ``keep`` of its runs and says ``partial`` in its manifest; a failed night
may store none. A family's version can be bumped per night (its scenario keys change with it), and
the stack's config can change between nights (a new ``stack_id`` under the same sweep-file name).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from farm.identity import content_hash
from farm.result import RolloutResult, Status, count_statuses
from farm.spec import RolloutSpec, StackRef
from farm.store.base import Manifest, Store

FAMILIES: tuple[str, ...] = ("cut_in", "pedestrian_crossing")
SEEDS: tuple[int, ...] = (1, 2, 3)


@dataclass(frozen=True, slots=True, kw_only=True)
class NightPlan:
    """One night of the series.

    Attributes:
        date: the night (the manifest's ``created_at`` is 02:00 UTC that day).
        families: the families run and their versions.
        frozen_samples: frozen samples per family (each run with every seed of ``SEEDS``).
        sobol_samples: rotating Sobol samples per family (one seed each).
        frozen_failing: family -> indices of frozen samples whose runs fail tonight (every seed).
        sobol_pass_p: family -> probability that a Sobol run passes (default 0.9).
        state: the manifest state (``complete``, ``partial``, ``failed``, ``running``).
        keep: share of the runs that reach the store (a partial night keeps fewer).
        stack_config: the reference stack's config (a change gives a new stack_id, same name).
        seed: mixes into every random draw.
    """

    date: dt.date
    families: Mapping[str, int] = field(default_factory=lambda: {f: 2 for f in FAMILIES})
    frozen_samples: int = 4
    sobol_samples: int = 40
    frozen_failing: Mapping[str, frozenset[int]] = field(default_factory=dict)
    sobol_pass_p: Mapping[str, float] = field(default_factory=dict)
    state: str = "complete"
    keep: float = 1.0
    stack_config: Mapping[str, float] = field(default_factory=dict)
    seed: int = 0


def stack_ref(config: Mapping[str, float]) -> StackRef:
    """The reference stack with ``config`` (the sweep file calls it ``reference``)."""
    return StackRef.create("autonomy.reference:build_stack", "default", dict(config))


def night_results(plan: NightPlan) -> list[RolloutResult]:
    """Every run of the night (before ``keep`` drops some): frozen first, then Sobol, family by family."""
    rng = np.random.default_rng([plan.seed, plan.date.toordinal()])
    stack = stack_ref(plan.stack_config)
    started = f"{plan.date.isoformat()}T02:10:00+00:00"
    results = []
    for family, version in plan.families.items():
        failing = plan.frozen_failing.get(family, frozenset())
        for i in range(plan.frozen_samples):
            for seed in SEEDS:
                spec = RolloutSpec.create(family=family, family_version=version,
                                          params={"sample": i, "gap_m": 10.0 + i}, seed=seed, stack=stack,
                                          design="frozen")
                results.append(_result(spec, failed=i in failing, started=started))
        p_pass = plan.sobol_pass_p.get(family, 0.9)
        points = rng.uniform(0.0, 1.0, plan.sobol_samples)
        outcomes = rng.uniform(0.0, 1.0, plan.sobol_samples) >= p_pass
        seeds = rng.integers(0, 2**31, plan.sobol_samples)
        for u, failed, seed in zip(points, outcomes, seeds, strict=True):
            spec = RolloutSpec.create(family=family, family_version=version, params={"u": round(float(u), 6)},
                                      seed=int(seed), stack=stack, design="sobol")
            results.append(_result(spec, failed=bool(failed), started=started))
    return results


def _result(spec: RolloutSpec, *, failed: bool, started: str) -> RolloutResult:
    reasons = ("min_ttc_s = 0.42, needs >= 1.0",) if failed else ()
    return RolloutResult(spec=spec, status=Status.FAILED if failed else Status.PASSED, fail_reasons=reasons,
                         sim_time_s=12.0, wall_time_s=0.2, code_fingerprint="simfarm synthetic",
                         started_at=started).with_hash()


def write_night(store: Store, plan: NightPlan, *, name: str = "nightly") -> Manifest:
    """Write one night (manifest, specs, results); returns its final manifest."""
    results = night_results(plan)
    if plan.keep < 1.0:
        rng = np.random.default_rng([plan.seed, plan.date.toordinal(), 7])
        results = [r for r in results if rng.uniform() < plan.keep]
    created = f"{plan.date.isoformat()}T02:00:00+00:00"
    stack = stack_ref(plan.stack_config)
    sweep_id = f"{name}-{plan.date:%Y%m%d}T020000Z-{content_hash([name, plan.date.isoformat(), plan.seed], n_hex=6)}"
    manifest = Manifest(sweep_id=sweep_id, name=name, created_at=created, updated_at=created,
                        code_fingerprint="simfarm synthetic", stacks=(stack.stack_id,),
                        versions={"simfarm": "synthetic"}, total=len(night_results(plan)),
                        sweep_file="scenario_library/sweeps/nightly.yaml",
                        extra={"stack_names": {"reference": stack.stack_id}})
    store.create_sweep(manifest, [r.spec for r in results])
    if results:
        store.write_results(sweep_id, results)
    counts = dict(count_statuses(r.status for r in results).by_status)
    return store.update_manifest(sweep_id, lambda m: replace(m, counts=counts, state=plan.state))


def write_series(store: Store, plans: Sequence[NightPlan], *, name: str = "nightly",
                 compact: bool = False) -> list[Manifest]:
    """Write every night of ``plans`` (compacting each when asked, as the driver does at the end)."""
    manifests = []
    for plan in plans:
        manifest = write_night(store, plan, name=name)
        if compact and manifest.counts:
            manifest = store.compact(manifest.sweep_id)
        manifests.append(manifest)
    return manifests


def dates(start: dt.date, n: int) -> list[dt.date]:
    """``n`` consecutive days from ``start``."""
    return [start + dt.timedelta(days=i) for i in range(n)]
