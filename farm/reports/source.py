"""What a report reads: ``SWEEP_ID[:STACK]`` parsed, the sweep's manifest checked, its runs filtered to a stack.

Sweep ids contain no colon (``farm.store.ids``), so a target splits at the first
colon: ``sweep-2026-12-01T...:reference`` is sweep + stack, and the stack part may
itself contain colons (a full ``stack_id`` never does today, but a name might).

STACK resolves, in order, as: a full ``stack_id`` of the sweep; a short name from
the sweep file (``manifest.extra["stack_names"]``: name -> stack_id, recorded at
submit); a ``config_name`` (``entry_point/config_name@hash``) or an entry point's
module name (``autonomy.reference`` → ``reference``) that matches exactly one stack of
the sweep. Anything else is bad input listing the sweep's stacks.

A sweep still ``running``, or ``partial``/``cancelled``/``interrupted``, is refused
unless the caller allows partial results; the returned side then carries a label that
every page repeats.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from farm.errors import InputError
from farm.store.base import Manifest, Store

COMPLETE_STATES = frozenset({"complete"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """A report's subject as typed: a sweep id and an optional stack."""

    sweep_id: str
    stack: str | None = None

    @property
    def text(self) -> str:
        return self.sweep_id if self.stack is None else f"{self.sweep_id}:{self.stack}"


@dataclass(frozen=True, slots=True, kw_only=True)
class SweepSide:
    """One sweep (or one stack of it), read for a report."""

    target: Target
    manifest: Manifest
    runs: pa.Table
    stack_ids: tuple[str, ...]      # the stacks in ``runs`` (one when a STACK was named)
    stack_names: dict[str, str]     # stack_id -> the name people use (sweep-file name or config name)
    partial: bool
    labels: tuple[str, ...]


def parse_target(text: str, *, field: str = "SWEEP_ID") -> Target:
    """``SWEEP_ID`` or ``SWEEP_ID:STACK``, split at the first colon."""
    sweep_id, sep, stack = text.strip().partition(":")
    if not sweep_id:
        raise InputError("no sweep id given", source=text, field=field)
    if sep and not stack:
        raise InputError("empty stack after ':'", source=text, field=field)
    return Target(sweep_id=sweep_id, stack=stack or None)


def stack_display_names(manifest: Manifest) -> dict[str, str]:
    """stack_id -> short name: the sweep file's name when recorded, else ``config_name`` (or the module)."""
    recorded = {sid: name for name, sid in dict(manifest.extra.get("stack_names") or {}).items()}
    names: dict[str, str] = {}
    for sid in manifest.stacks:
        if sid in recorded:
            names[sid] = recorded[sid]
            continue
        entry, _, rest = sid.partition("/")
        config = rest.rpartition("@")[0]
        module = entry.partition(":")[0].rpartition(".")[2]
        names[sid] = module if config == "default" else config
    return names


def resolve_stack(manifest: Manifest, stack: str, *, source: str = "") -> str:
    """The ``stack_id`` that ``stack`` names in this sweep (rules in the module docstring)."""
    stacks = tuple(manifest.stacks)
    if stack in stacks:
        return stack
    recorded = dict(manifest.extra.get("stack_names") or {})
    if stack in recorded and recorded[stack] in stacks:
        return str(recorded[stack])
    by_config = [s for s in stacks if s.partition("/")[2].rpartition("@")[0] == stack]
    by_module = [s for s in stacks if s.partition("/")[0].partition(":")[0].rpartition(".")[2] == stack]
    for matches in (by_config, by_module):
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise InputError(f"{stack!r} names {len(matches)} stacks of the sweep; use one of: "
                             + ", ".join(matches), source=source, field="STACK")
    known = sorted({*stacks, *recorded})
    raise InputError(f"no stack {stack!r} in the sweep; its stacks are: {', '.join(known) or 'none'}",
                     source=source, field="STACK")


def partial_label(manifest: Manifest) -> str | None:
    """The banner for a sweep that is not complete, or None."""
    if manifest.state in COMPLETE_STATES:
        return None
    stored = sum(int(v) for v in manifest.counts.values())
    return (f"PARTIAL SWEEP {manifest.sweep_id}: state {manifest.state}, "
            f"{stored:,} of {manifest.total:,} rollouts stored")


def check_complete(manifest: Manifest, *, allow_partial: bool, source: str = "") -> str | None:
    """Refuse an incomplete sweep unless allowed; the label to show when it is allowed."""
    label = partial_label(manifest)
    if label is not None and not allow_partial:
        raise InputError(f"the sweep is {manifest.state} ({label.partition(': ')[2]}); "
                         "pass --allow-partial to report on what is stored", source=source or manifest.sweep_id,
                         field="state")
    return label


def open_target(store: Store, target: Target, *, allow_partial: bool = False,
                columns: Sequence[str] | None = None, ordered: bool = True) -> SweepSide:
    """Read ``target``'s manifest and runs (only ``columns``, plus ``stack_id``), filtered to its stack.

    ``ordered=False``: rows in storage order, not sorted by run_id (aggregations skip the sort).

    Raises:
        UnknownSweep: no such sweep (exit 2).
        InputError: an unknown stack, or an incomplete sweep without ``allow_partial`` (exit 2).
    """
    manifest = store.read_manifest(target.sweep_id)
    label = check_complete(manifest, allow_partial=allow_partial, source=target.text)
    wanted = None if columns is None else list(dict.fromkeys([*columns, "stack_id"]))
    runs = store.read_table(target.sweep_id, "runs", columns=wanted, ordered=ordered)
    names = stack_display_names(manifest)
    if target.stack is not None:
        stack_id = resolve_stack(manifest, target.stack, source=target.text)
        runs = runs.filter(pc.equal(runs["stack_id"], stack_id))
        stack_ids: tuple[str, ...] = (stack_id,)
    else:
        present = set(pc.unique(runs["stack_id"]).to_pylist()) if runs.num_rows else set()
        stack_ids = tuple(s for s in manifest.stacks if s in present) or tuple(sorted(present))
    return SweepSide(target=target, manifest=manifest, runs=runs, stack_ids=stack_ids,
                     stack_names={s: names.get(s, s) for s in stack_ids}, partial=label is not None,
                     labels=(label,) if label else ())
