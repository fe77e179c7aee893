"""Coverage axes: a family's binnable parameters, their declared bins, and vectorised bin lookup.

A numeric parameter (``float``/``int``) bins by its ``bin_edges``, or, when it
declares none, by edges halfway between its levels
(``scenario_library.params.coverage_edges``); bin i holds
``edges[i-1] <= v < edges[i]`` (``bisect_right``, the rule of
``scenario_library.params.bin_index``), so a random or Sobol sample, which never
hits a level exactly, lands in the bin of the level it is nearest to. A
``choice``/``bool`` parameter bins by its levels (its choices). Any other type —
``input`` (a recorded log of a replay run) or a type this code does not know — has
no bins and is left out of levels, occupancy and t-wise coverage, listed as such.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scenario_library.family import Family
from scenario_library.params import Parameter, ParamValue, coverage_edges, fmt

NUMERIC = ("float", "int")
DISCRETE = ("choice", "bool")
MISSING = -1  # bin code of a run that has no (or no binnable) value for the parameter


@dataclass(frozen=True, slots=True, kw_only=True)
class Axis:
    """One binnable parameter: its bins (``k`` of them) with a label and a representative value each."""

    parameter: Parameter
    edges: tuple[float, ...] = ()         # inner bin edges (numeric parameters only)
    levels: tuple[ParamValue, ...] = ()   # the value of each bin (choice/bool parameters only)

    @property
    def name(self) -> str:
        return self.parameter.name

    @property
    def k(self) -> int:
        """Number of declared bins."""
        return len(self.levels) if self.parameter.type in DISCRETE else len(self.edges) + 1

    @property
    def unit(self) -> str:
        return "" if self.parameter.unit in ("", "1") else self.parameter.unit

    def bin_range(self, i: int) -> tuple[float, float]:
        """The half-open interval [lo, hi) of numeric bin ``i`` (±inf at the open ends)."""
        lo = self.edges[i - 1] if i > 0 else -math.inf
        hi = self.edges[i] if i < len(self.edges) else math.inf
        return lo, hi

    def label(self, i: int) -> str:
        """``[7.5, 12.5) m`` for a numeric bin, the level itself for a discrete one."""
        if self.parameter.type in DISCRETE:
            return fmt(self.levels[i])
        lo, hi = self.bin_range(i)
        unit = f" {self.unit}" if self.unit else ""
        if math.isinf(lo) and math.isinf(hi):
            return f"any{unit}"
        if math.isinf(lo):
            return f"< {fmt(hi)}{unit}"
        if math.isinf(hi):
            return f"≥ {fmt(lo)}{unit}"
        return f"[{fmt(lo)}, {fmt(hi)}){unit}"

    def short_label(self, i: int) -> str:
        """The declared level inside the bin when there is exactly one, else the bin's range (for plot ticks)."""
        inside = self.levels_in(i)
        return fmt(inside[0]) if len(inside) == 1 else self.label(i).removesuffix(f" {self.unit}")

    def levels_in(self, i: int) -> tuple[ParamValue, ...]:
        """The declared levels that fall in bin ``i``."""
        if self.parameter.type in DISCRETE:
            return (self.levels[i],)
        lo, hi = self.bin_range(i)
        return tuple(v for v in self.parameter.levels if lo <= float(v) < hi)  # type: ignore[arg-type]

    def encode(self, num_value: np.ndarray, text: np.ndarray, words: tuple[str, ...]) -> np.ndarray:
        """Bin index (int16) of each value; ``MISSING`` where there is none (NaN / not a level).

        Args:
            num_value: float64 values (NaN where absent), as in the ``params`` table's ``num_value``.
            text: int codes into ``words`` (-1 where absent), from the ``str_value`` column: a choice
                bins by its text, a bool by its number (1.0 true, 0.0 false).
        """
        if self.parameter.type in NUMERIC:
            out = np.searchsorted(np.asarray(self.edges, dtype=float), num_value, side="right").astype(np.int16)
            out[np.isnan(num_value)] = MISSING
            return out
        if self.parameter.type == "bool":  # stored as a number too: 1.0 true, 0.0 false
            out = np.full(len(num_value), MISSING, dtype=np.int16)
            for i, level in enumerate(self.levels):
                out[num_value == float(bool(level))] = i
            return out
        texts = [fmt(v) for v in self.levels]
        lookup = np.array([texts.index(w) if w in texts else MISSING for w in words] + [MISSING], dtype=np.int16)
        return lookup[text]

    def encode_value(self, value: ParamValue) -> int:
        """Bin index of one typed value (a documented edge's parameter)."""
        if self.parameter.type in NUMERIC:
            return int(np.searchsorted(np.asarray(self.edges, dtype=float), float(value), side="right"))
        return self.levels.index(value) if value in self.levels else MISSING

    def reachable(self, i: int) -> bool:
        """Whether a value of the declared range (or type) lies in bin ``i``."""
        return self.representative(i) is not None

    def representative(self, i: int) -> ParamValue | None:
        """A typed value inside bin ``i`` and the declared range: the declared level there, else the
        midpoint of the bin clipped to the range; None when no value of the parameter's type lies in it."""
        p = self.parameter
        if p.type in DISCRETE:
            return self.levels[i]
        inside = self.levels_in(i)
        if inside:
            return inside[0]
        lo, hi = self.bin_range(i)
        low = p.low if p.low is not None else min((float(v) for v in p.levels), default=lo)  # type: ignore[arg-type]
        high = p.high if p.high is not None else max((float(v) for v in p.levels), default=hi)  # type: ignore[arg-type]
        a, b = max(lo, float(low)), min(hi, float(high))
        if math.isinf(a) or math.isinf(b) or a > b or (a == b and b == hi):
            return None
        if p.type == "int":
            value = math.ceil(a) if math.ceil(a) < hi else None
            return value if value is not None and value <= b else None
        return float(f"{(a + b) / 2:.6g}") if a < b else a


def axes_of(family: Family) -> tuple[tuple[Axis, ...], tuple[tuple[str, str], ...]]:
    """The family's binnable parameters in declaration order, and (parameter, why) for the others."""
    axes: list[Axis] = []
    skipped: list[tuple[str, str]] = []
    for p in family.parameters:
        if p.type in NUMERIC:
            axes.append(Axis(parameter=p, edges=coverage_edges(p)))
        elif p.type == "choice":
            axes.append(Axis(parameter=p, levels=tuple(p.levels or p.choices)))
        elif p.type == "bool":
            axes.append(Axis(parameter=p, levels=tuple(p.levels or (False, True))))
        elif p.type == "input":
            skipped.append((p.name, "an input (recorded log): no levels, not binned"))
        elif p.type == "label":
            skipped.append((p.name, "a label (an id inside an input): no levels, not binned"))
        else:
            skipped.append((p.name, f"type {p.type!r} has no declared bins"))
    return tuple(axes), tuple(skipped)
