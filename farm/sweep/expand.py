"""Expansion: SweepSpec -> RolloutSpecs, deterministic, with every input checked before any rollout runs.

Order: entries in file order (a ``select`` entry: its families in catalogue
order), then sample index, seed, stack, fidelity. Every stack and fidelity
sees the same samples and seeds, so runs pair by ``scenario_key``. A rollout
that an earlier entry already produced (same ``run_id``) is kept once, with
the earlier entry's design.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from farm.errors import InputError
from farm.identity import ParamValue
from farm.spec import RolloutSpec
from farm.sweep.model import FamilyEntry, SweepSpec
from farm.sweep.samplers import Sample, design_size, draw
from farm.sweep.seeds import entry_seed, rollout_seeds, rotation_tag, sampler_seed
from farm.sweep.space import Space, build_space, check_values
from scenario_library.errors import ScenarioError
from scenario_library.family import Family

FamilyLookup = Callable[[str], Family]
FamilyNames = Callable[[], Sequence[str]]
CI_DESIGNS: tuple[str, ...] = ("random", "sobol", "lhs", "halton")  # samples from a distribution: pass-rate CIs


def supports_confidence_intervals(design: str) -> bool:
    """Random and QMC designs estimate rates (CIs); grid, t-wise, nominal and frozen sets report counts."""
    return design in CI_DESIGNS


@dataclass(frozen=True, slots=True, kw_only=True)
class Block:
    """One family of one entry, fully planned: its samples (complete params), seeds and fidelities."""

    entry: FamilyEntry
    family: Family
    space: Space
    samples: tuple[dict[str, ParamValue], ...]
    seeds: tuple[int, ...]
    fidelities: tuple[str, ...]

    @property
    def design(self) -> str:
        """What each rollout records as its design."""
        return "frozen" if self.entry.sampler == "frozen" else self.entry.sampler


def expand(sweep: SweepSpec, *, family_lookup: FamilyLookup | None = None,
           family_names: FamilyNames | None = None, today: dt.date | None = None) -> list[RolloutSpec]:
    """Every rollout of ``sweep``, deterministic given the sweep (and ``today`` for rotating entries).

    Raises:
        InputError: an unknown family or parameter, or a value outside the declared range/levels.
    """
    specs: dict[str, RolloutSpec] = {}
    for block in plan(sweep, family_lookup=family_lookup, family_names=family_names, today=today):
        for params in block.samples:
            for seed in block.seeds:
                for stack in sweep.stacks:
                    for fidelity in block.fidelities:
                        spec = RolloutSpec.create(
                            family=block.family.name, family_version=block.family.version, params=params,
                            seed=seed, stack=stack, fidelity=fidelity, sim=sweep.sim, design=block.design,
                            telemetry=sweep.telemetry)
                        specs.setdefault(spec.run_id, spec)
    return list(specs.values())


def plan(sweep: SweepSpec, *, family_lookup: FamilyLookup | None = None,
         family_names: FamilyNames | None = None, today: dt.date | None = None) -> list[Block]:
    """Resolve every entry against its families and draw its samples."""
    blocks = []
    for entry in sweep.families:
        tag = rotation_tag(entry.rotate, today)
        base_seed = entry_seed(sweep.seed, entry.seed, tag)
        for family in entry_families(sweep, entry, family_lookup, family_names):
            _check_duration(sweep, entry, family)
            space = build_space(family, entry.params, source=sweep.source, field=entry.field)
            samples = [{**space.base, **s} for s in _explicit_samples(sweep, entry, family)]
            if entry.generator is not None:
                drawn = draw(entry.generator, space, budget=entry.budget, strength=entry.strength,
                             seed=sampler_seed(base_seed, family.name, entry.generator))
                samples += [{**space.base, **s} for s in drawn]
            _check_budget(sweep, entry, len(samples))
            blocks.append(Block(
                entry=entry, family=family, space=space, samples=tuple(samples),
                seeds=entry.seeds or rollout_seeds(base_seed, family.name, entry.repeats),
                fidelities=entry.fidelity or sweep.fidelity))
    return blocks


def _check_duration(sweep: SweepSpec, entry: FamilyEntry, family: Family) -> None:
    """A family's duration must be a whole number of stack ticks at the sweep's ``stack_hz``."""
    if family.duration_s is None:  # from its input: a log's span, truncated to whole ticks by the builder
        return
    ticks = family.duration_s * sweep.sim.stack_hz
    if abs(ticks - round(ticks)) > 1e-9:
        raise InputError(f"family '{family.name}' lasts {family.duration_s:g} s, not a whole number of ticks at "
                         f"{sweep.sim.stack_hz} Hz", source=sweep.source, field="sim.stack_hz")


def entry_families(sweep: SweepSpec, entry: FamilyEntry, family_lookup: FamilyLookup | None,
                   family_names: FamilyNames | None) -> list[Family]:
    """The family an entry names, or the catalogue's families its ``select`` picks (test-only ones never)."""
    lookup = family_lookup or _catalog_lookup
    if entry.name is not None:
        return [_lookup(lookup, entry.name, sweep.source, f"{entry.field}.name")]
    names = (family_names or _catalog_names)()
    families = [_lookup(lookup, name, sweep.source, f"{entry.field}.select") for name in names]
    picked = [f for f in families if not f.test_only and entry.select in ("all", f.criticality)]
    if not picked:
        raise InputError(f"no family in the catalogue is '{entry.select}'", source=sweep.source,
                         field=f"{entry.field}.select")
    return picked


def expansion_summary(sweep: SweepSpec, specs: Sequence[RolloutSpec], *, family_lookup: FamilyLookup | None = None,
                      family_names: FamilyNames | None = None) -> dict[str, Any]:
    """Counts per family, stack, design and fidelity, and each entry's design size beside its exhaustive size."""
    by_family_design: dict[str, dict[str, int]] = {}
    for spec in specs:
        per = by_family_design.setdefault(spec.family, {})
        per[spec.design] = per.get(spec.design, 0) + 1
    entries = _entry_rows(sweep, family_lookup, family_names)
    return {
        "sweep": sweep.name, "source": sweep.source, "seed": sweep.seed,
        "total": len(specs), "scenarios": len({s.scenario_key for s in specs}),
        "duplicates_dropped": sum(e["rollouts"] for e in entries) - len(specs),
        "by_family": dict(Counter(s.family for s in specs)),
        "by_stack": dict(Counter(s.stack_id for s in specs)),
        "by_design": dict(Counter(s.design for s in specs)),
        "by_fidelity": dict(Counter(s.fidelity for s in specs)),
        "by_family_design": by_family_design,
        "entries": entries,
    }


def _entry_rows(sweep: SweepSpec, family_lookup: FamilyLookup | None,
                family_names: FamilyNames | None) -> list[dict[str, Any]]:
    """Per entry and family: design, samples, seeds, rollouts, and the exhaustive product of levels."""
    rows = []
    for entry in sweep.families:
        for family in entry_families(sweep, entry, family_lookup, family_names):
            _check_duration(sweep, entry, family)
            space = build_space(family, entry.params, source=sweep.source, field=entry.field)
            generated = design_size(entry.generator, space, budget=entry.budget, strength=entry.strength) \
                if entry.generator is not None else 0
            samples = len(entry.samples) + generated
            seeds = len(entry.seeds) or entry.repeats
            fidelities = len(entry.fidelity or sweep.fidelity)
            rows.append({
                "entry": entry.index, "family": family.name, "sampler": entry.sampler, "base": entry.base,
                "strength": entry.strength if entry.generator == "twise" else None, "rotate": entry.rotate,
                "varied": [d.name for d in space.dims] if generated > 1 else [], "samples": samples, "seeds": seeds,
                "named_samples": [n for n in entry.sample_names if n is not None],
                "rollouts": samples * seeds * len(sweep.stacks) * fidelities,
                "exhaustive": space.exhaustive_size,
            })
    return rows


def _explicit_samples(sweep: SweepSpec, entry: FamilyEntry, family: Family) -> list[Sample]:
    return [check_values(family, dict(sample), source=sweep.source, field=f"{entry.field}.samples[{i}]")
            for i, sample in enumerate(entry.samples)]


def _check_budget(sweep: SweepSpec, entry: FamilyEntry, n_samples: int) -> None:
    """For grid and t-wise designs, a budget is a ceiling: refuse a design that outgrows it."""
    if entry.generator in ("grid", "twise") and entry.budget is not None and n_samples > entry.budget:
        raise InputError(f"the {entry.generator} design has {n_samples} samples, over the budget of {entry.budget}",
                         source=sweep.source, field=f"{entry.field}.budget")


def _lookup(lookup: FamilyLookup, name: str, source: str, field: str) -> Family:
    try:
        return lookup(name)
    except ScenarioError as exc:  # a broken family file keeps its own file and field in the reason
        raise InputError(exc.line() if exc.source else exc.reason, source=source, field=field) from None


def _catalog_lookup(name: str) -> Family:
    from scenario_library.catalog import load_family

    return load_family(name)


def _catalog_names() -> Sequence[str]:
    from scenario_library.catalog import family_names

    return family_names()
