"""SweepSpec: a sweep file as frozen values, and ``load_sweep`` (the only reader of sweep YAML).

Errors name the file, the field path (``families[1].params.mu.range``) and the
reason, as ``farm.errors.InputError`` (exit code 2), before any work starts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ValidationError

from farm.errors import InputError, StackLoadError
from farm.identity import ParamValue
from farm.spec import DEFAULT_LATENCY, SimSettings, StackRef
from farm.stacks import load_factory, resolve_stack
from farm.sweep.file_format import (
    FamilyEntryModel,
    NamedSampleModel,
    ParamModel,
    SimModel,
    StackModel,
    SweepModel,
)
from scenario_library.packaged import packaged_names, packaged_sweep, sweeps_dir

RANDOM_DESIGNS: tuple[str, ...] = ("random", "sobol", "lhs", "halton")


@dataclass(frozen=True, slots=True, kw_only=True)
class Resources:
    """Resource hints for the executor."""

    batch_size: int = 8
    max_in_flight: int | None = None
    timeout_s: float = 120.0
    retries: int = 2
    num_cpus_per_rollout: float = 1.0


@dataclass(frozen=True, slots=True, kw_only=True)
class ParamOverride:
    """How one parameter is narrowed: ``fixed`` value, sub-``range`` [lo, hi], or a subset of ``levels``."""

    name: str
    kind: Literal["fixed", "range", "levels"]
    fixed: ParamValue | None = None
    range: tuple[float, float] | None = None
    levels: tuple[ParamValue, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class FamilyEntry:
    """One ``families:`` entry: which family (or group), which design, how many samples and seeds."""

    index: int  # position in the file, for error messages
    name: str | None = None
    select: Literal["all", "critical", "standard"] | None = None
    sampler: str
    base: str | None = None  # the generating design of a ``frozen`` entry
    budget: int | None = None
    strength: int = 2
    seeds: tuple[int, ...] = ()
    repeats: int = 1
    seed: int | None = None
    rotate: Literal["none", "daily", "weekly"] = "none"
    params: tuple[ParamOverride, ...] = ()
    samples: tuple[tuple[tuple[str, ParamValue], ...], ...] = ()
    sample_names: tuple[str | None, ...] = ()  # per sample: its name (a named sample), else None
    fidelity: tuple[str, ...] = ()

    @property
    def field(self) -> str:
        """``families[i]``: the prefix of every error about this entry."""
        return f"families[{self.index}]"

    @property
    def generator(self) -> str | None:
        """The design that generates samples: the sampler, or ``base`` for a frozen entry."""
        return self.base if self.sampler == "frozen" else self.sampler


@dataclass(frozen=True, slots=True, kw_only=True)
class SweepSpec:
    """A validated sweep file; ``farm.sweep.expand`` turns it into RolloutSpecs."""

    name: str
    source: str
    seed: int
    description: str = ""
    families: tuple[FamilyEntry, ...]
    stacks: tuple[StackRef, ...]
    fidelity: tuple[str, ...] = ("kinematic",)
    store: str | None = None
    resources: Resources = field(default_factory=Resources)
    telemetry: bool = False
    sim: SimSettings = field(default_factory=SimSettings)
    stack_names: tuple[tuple[str, str], ...] = ()  # (name given in the sweep file, stack_id), unambiguous names only

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (for the store's copy of what was submitted)."""
        return asdict(self)


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (YAML silently keeps the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def read_yaml_mapping(text: str, *, source: str, what: str) -> dict[Any, Any]:
    """``text`` as a YAML mapping: safe types only, no key twice in one mapping (sweep and gate files).

    Raises:
        InputError: not valid YAML (with line and column), a duplicate key, or not a mapping at the top.
    """
    try:
        document = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass: no arbitrary objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(f"not valid YAML: {problem}{where}", source=source) from None
    if not isinstance(document, dict):
        raise InputError(f"{what} must be a YAML mapping", source=source)
    return document


def resolve_sweep_file(ref: str | Path) -> Path:
    """The sweep file ``ref`` names: an existing path as given, else a packaged sweep of that name.

    ``nightly`` resolves to the installed ``scenario_library/sweeps/nightly.yaml``, so a sweep is
    usable by name in the container image, with no checkout and from any working directory. A
    file in the working directory wins over a packaged sweep of the same name.

    Raises:
        InputError: neither a file nor a packaged sweep name (the packaged names are listed).
    """
    path = Path(ref)
    if path.is_file():
        return path
    found = packaged_sweep(str(ref))
    if found is not None:
        return found
    if path.exists():
        return path  # a folder, say: reading it names the problem
    names = ", ".join(packaged_names(sweeps_dir())) or "none"
    raise InputError(f"cannot read sweep file: no such file, and no packaged sweep has that name (packaged: {names})",
                     source=str(ref))


def load_sweep(path: str | Path) -> SweepSpec:
    """Read and validate a sweep file, given by path or by packaged name (``resolve_sweep_file``).

    Raises:
        InputError: no such file or packaged sweep, unreadable file, invalid YAML, or a field of the
            wrong shape/type/value.
    """
    path = resolve_sweep_file(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read sweep file: {exc.strerror or exc}", source=source) from exc
    return parse_sweep(text, source=source)


def parse_sweep(text: str, *, source: str) -> SweepSpec:
    """Validate sweep YAML text; ``source`` names it in errors."""
    document = read_yaml_mapping(text, source=source, what="a sweep file")
    try:
        model = SweepModel.model_validate(document)
    except ValidationError as exc:
        raise _input_error(exc, source) from None
    return _sweep(model, source)


def _input_error(exc: ValidationError, source: str) -> InputError:
    """The first pydantic error as one line: field path and reason."""
    error = exc.errors()[0]
    path = ""
    for part in error["loc"]:
        if part == "[key]":  # pydantic's marker for "this mapping key is invalid": the path already names it
            continue
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    reasons = {"extra_forbidden": "unknown field", "missing": "required field is missing"}
    reason = reasons.get(error["type"], error["msg"].removeprefix("Value error, "))
    return InputError(reason, source=source, field=path)


def _sweep(model: SweepModel, source: str) -> SweepSpec:
    if len(set(model.fidelity)) != len(model.fidelity):
        raise InputError("a fidelity is listed twice", source=source, field="fidelity")
    stacks = tuple(_stack(s, i, source) for i, s in enumerate(model.stacks))
    ids = [s.stack_id for s in stacks]
    if len(set(ids)) != len(ids):
        raise InputError("the same stack (entry point + config) is listed twice", source=source, field="stacks")
    return SweepSpec(
        name=model.name, source=source, seed=model.seed, description=model.description,
        families=tuple(_entry(e, i, source) for i, e in enumerate(model.families)),
        stacks=stacks, fidelity=tuple(model.fidelity), store=model.store,
        resources=Resources(**model.resources.model_dump()), telemetry=model.telemetry,
        sim=_sim(model.sim, stacks, source),
        stack_names=_stack_names(model.stacks, stacks),
    )


def _stack_names(models: list[StackModel], stacks: tuple[StackRef, ...]) -> tuple[tuple[str, str], ...]:
    """The ``name:`` each stack was given in the file, when it names exactly one of the sweep's stacks.

    ``stacks: [reference, {name: reference, config_name: cautious, ...}]`` gives ``reference`` to
    neither (reports then tell them apart by ``config_name``).
    """
    named = [(m.name, ref.stack_id) for m, ref in zip(models, stacks, strict=True) if m.name is not None]
    counts = Counter(name for name, _ in named)
    return tuple((name, sid) for name, sid in named if counts[name] == 1)


def _sim(model: SimModel, stacks: tuple[StackRef, ...], source: str) -> SimSettings:
    """Simulator settings with the latency overrides applied; the rates checked against each other and the stacks.

    Every stack is built once here to read its ``rate_hz`` (so a sweep with a stack
    that cannot be imported or built fails before any work).
    """
    if model.physics_hz % model.stack_hz:
        raise InputError(f"must be a whole multiple of sim.stack_hz ({model.stack_hz} Hz), got {model.physics_hz} Hz",
                         source=source, field="sim.physics_hz")
    defaults = dict(DEFAULT_LATENCY)
    latency = tuple((name, replace(m, **{k: v for k, v in (model.latency[name].model_dump().items()
                                                            if name in model.latency else ()) if v is not None}))
                    for name, m in defaults.items())
    sim = SimSettings(physics_hz=model.physics_hz, stack_hz=model.stack_hz,
                      actuation_latency_s=model.actuation_latency_s, latency=latency)
    for index, ref in enumerate(stacks):
        check_stack_rate(ref, sim.stack_hz, source=source, field=f"stacks[{index}]")
    return sim


def check_stack_rate(ref: StackRef, stack_hz: int, *, source: str, field: str) -> None:
    """Build the stack once and refuse it when its ``rate_hz`` is not the simulator's ``stack_hz``."""
    try:
        stack = load_factory(ref.entry_point, source=source)(ref.config)
    except StackLoadError as exc:
        raise StackLoadError(exc.reason, source=source, field=field) from None
    except Exception as exc:  # a user factory may raise anything: it is bad input here, before any work
        raise StackLoadError(f"the stack factory raised {type(exc).__name__}: {exc}", source=source,
                             field=field) from None
    rate = getattr(stack, "rate_hz", None)
    if not isinstance(rate, int | float) or float(rate) != float(stack_hz):
        raise InputError(f"the stack ticks at rate_hz={rate!r}, the sweep's sim.stack_hz is {stack_hz}",
                         source=source, field=field)


def _stack(model: StackModel, index: int, source: str) -> StackRef:
    where = f"stacks[{index}]"
    if (model.name is None) == (model.entry_point is None):
        raise InputError("give exactly one of 'name' or 'entry_point'", source=source, field=where)
    target = model.name if model.name is not None else model.entry_point
    try:
        return resolve_stack(str(target), model.config_name, model.config, source=source)
    except StackLoadError as exc:
        raise StackLoadError(exc.reason, source=source, field=where) from None


def _entry(model: FamilyEntryModel, index: int, source: str) -> FamilyEntry:
    where = f"families[{index}]"
    _check_entry(model, where, source)
    return FamilyEntry(
        index=index, name=model.name, select=model.select, sampler=model.sampler, base=model.base,
        budget=model.budget, strength=model.strength or 2, seeds=tuple(model.seeds or ()),
        repeats=model.repeats or 1, seed=model.seed, rotate=model.rotate,
        params=tuple(_override(name, p) for name, p in model.params.items()),
        samples=tuple(tuple(sorted(_sample_params(s).items())) for s in model.samples or ()),
        sample_names=tuple(s.name if isinstance(s, NamedSampleModel) else None for s in model.samples or ()),
        fidelity=tuple(model.fidelity or ()),
    )


def _sample_params(sample: dict[str, Any] | NamedSampleModel) -> dict[str, Any]:
    return dict(sample.params) if isinstance(sample, NamedSampleModel) else dict(sample)


def _check_entry(m: FamilyEntryModel, where: str, source: str) -> None:
    """Rules that span several fields of one entry."""
    names = [s.name for s in m.samples or () if isinstance(s, NamedSampleModel)]
    if len(set(names)) != len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise InputError(f"sample name {twice!r} is used twice", source=source, field=f"{where}.samples")
    frozen = m.sampler == "frozen"
    generator = m.base if frozen else m.sampler
    rules: list[tuple[bool, str, str]] = [
        ((m.name is None) == (m.select is None), "", "give exactly one of 'name' or 'select'"),
        (bool(m.params) and m.select is not None, ".params", "parameter overrides need one family ('name')"),
        (m.samples is not None and m.select is not None, ".samples", "explicit samples need one family ('name')"),
        (m.seeds is not None and m.repeats is not None, ".seeds", "give 'seeds' or 'repeats', not both"),
        (m.seeds is not None and len(set(m.seeds)) != len(m.seeds), ".seeds", "a seed is listed twice"),
        (m.base is not None and not frozen, ".base", "only a 'frozen' entry has a base design"),
        (m.samples is not None and not frozen, ".samples", "only a 'frozen' entry lists explicit samples"),
        (frozen and m.base is None and m.samples is None, "", "a 'frozen' entry needs 'base' or 'samples'"),
        (frozen and m.rotate != "none", ".rotate", "a 'frozen' entry never rotates"),
        (generator in RANDOM_DESIGNS and m.budget is None, ".budget", f"the '{generator}' design needs a budget"),
        (generator in (None, "nominal") and m.budget is not None, ".budget", "a budget needs a sampling design"),
        (m.strength is not None and generator != "twise", ".strength", "'strength' applies to the twise design"),
    ]
    for broken, suffix, reason in rules:
        if broken:
            raise InputError(reason, source=source, field=where + suffix)


def _override(name: str, model: ParamModel) -> ParamOverride:
    kind = next(iter(model.model_fields_set & {"fixed", "range", "levels"}))  # exactly one: ParamModel checks
    if kind == "fixed":
        return ParamOverride(name=name, kind="fixed", fixed=model.fixed)
    if kind == "range":
        low, high = model.range or (0.0, 0.0)
        return ParamOverride(name=name, kind="range", range=(low, high))
    return ParamOverride(name=name, kind="levels", levels=tuple(model.levels or ()))

