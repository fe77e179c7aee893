"""The sub-domain a sweep chose: per family and binnable parameter, the bins its designs vary over.

Read from the sweep file when it is available (``farm.sweep``'s own
``build_space``, the code that expanded it): a parameter's chosen bins are the
union, over the entries whose design varies it (grid, t-wise, random, Sobol,
LHS, Halton, and the parameters named in a frozen entry's explicit samples), of
the bins its ``range`` overlaps or its ``levels`` fall in. Nominal points add no
range. A parameter no entry varies is *fixed*: its bins are those of its fixed
(else nominal) values, and the page names it.

Without the sweep file the sub-domain is inferred from the stored runs: a
parameter with a single stored bin is fixed there, any other spans its whole
declared domain — an inference that can only widen, never narrow, what was chosen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from farm.errors import InputError
from farm.reports.coverage_axes import MISSING, Axis
from farm.reports.coverage_data import FamilyRuns
from farm.sweep.expand import entry_families
from farm.sweep.model import SweepSpec, load_sweep
from farm.sweep.space import Dimension, build_space, check_values

Chosen = dict[str, dict[str, set[int]]]  # family -> axis -> bins


@dataclass(frozen=True, slots=True, kw_only=True)
class SubDomain:
    """Per family and axis, the chosen bins; where each sweep's sub-domain came from."""

    allowed: dict[str, dict[str, tuple[int, ...]]]
    sources: dict[str, str] = field(default_factory=dict)  # sweep id -> "sweep file PATH" | "inferred ..."

    def bins(self, family: str, axis: Axis) -> tuple[int, ...]:
        """The chosen bins of ``axis`` (the whole declared domain when the family is not described)."""
        return self.allowed.get(family, {}).get(axis.name, tuple(range(axis.k)))


def _dimension_bins(axis: Axis, dim: Dimension) -> set[int]:
    if dim.values:
        return {axis.encode_value(v) for v in dim.values} - {MISSING}
    return {i for i in range(axis.k)
            if axis.bin_range(i)[0] <= dim.high and axis.bin_range(i)[1] > dim.low}


def chosen_from_sweep(sweep: SweepSpec, axes: Mapping[str, tuple[Axis, ...]]) -> Chosen:
    """The bins each entry of ``sweep`` varies, per family in ``axes`` (families not stored are skipped)."""
    varied: Chosen = {}
    fixed: Chosen = {}
    for entry in sweep.families:
        for family in entry_families(sweep, entry, None, None):
            if family.name not in axes:
                continue
            space = build_space(family, entry.params, source=sweep.source, field=entry.field)
            dims = {d.name: d for d in space.dims} if entry.generator not in (None, "nominal") else {}
            explicit = [check_values(family, dict(s), source=sweep.source, field=entry.field) for s in entry.samples]
            for axis in axes[family.name]:
                into = varied.setdefault(family.name, {}).setdefault(axis.name, set())
                if axis.name in dims:
                    into |= _dimension_bins(axis, dims[axis.name])
                into |= {axis.encode_value(s[axis.name]) for s in explicit if axis.name in s}
                fixed.setdefault(family.name, {}).setdefault(axis.name, set()).add(
                    axis.encode_value(space.base[axis.name]))
    return {f: {a: (varied[f][a] or fixed[f][a]) - {MISSING} for a in varied[f]} for f in varied}


def chosen_from_runs(families: Iterable[FamilyRuns]) -> Chosen:
    """Inferred: a parameter stored in a single bin is fixed there; any other spans its declared bins."""
    chosen: Chosen = {}
    for fr in families:
        for j, axis in enumerate(fr.axes):
            present = set(np.unique(fr.bins[:, j]).tolist()) - {MISSING}
            chosen.setdefault(fr.family.name, {})[axis.name] = present if len(present) == 1 else set(range(axis.k))
    return chosen


def read_sweep_file(path: Path, expected_name: str) -> tuple[SweepSpec | None, str]:
    """The sweep file at ``path`` (or the packaged sweep of that name) if it loads and is the sweep called
    ``expected_name``; else why not."""
    if not path.is_file() and (len(path.parts) > 1 or path.suffix):
        return None, f"sweep file {path} not found"
    try:
        sweep = load_sweep(path)
    except InputError as exc:
        return None, f"sweep file {path} does not load ({exc.reason})"
    if sweep.name != expected_name:
        return None, f"sweep file {path} is sweep '{sweep.name}', not '{expected_name}'"
    return sweep, ""


def merge(chosen: Iterable[Chosen]) -> dict[str, dict[str, tuple[int, ...]]]:
    """The union of several sweeps' chosen bins, sorted."""
    out: Chosen = {}
    for one in chosen:
        for family, per_axis in one.items():
            for axis, bins in per_axis.items():
                out.setdefault(family, {}).setdefault(axis, set()).update(bins)
    return {f: {a: tuple(sorted(b)) for a, b in per.items()} for f, per in out.items()}
