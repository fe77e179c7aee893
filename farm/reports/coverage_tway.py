"""t-wise coverage by NIST's definition, vectorised over integer bin codes.

Kuhn, Kacker, Lei, "Practical Combinatorial Testing", NIST SP 800-142 (2010), §7:
the t-way combination coverage of a test set is the number of t-way value
combinations it covers divided by the number of all t-way value combinations,
C(p, t) column sets each with the product of its columns' (mixed) level counts.
Here a parameter's "values" are its coverage bins (``farm.reports.coverage_axes``),
optionally restricted to a subset per parameter (the sub-domain a sweep chose); a
run covers a combination when each of its t parameters falls in the combination's
bins. With fewer than t parameters there is no t-way combination: the total is 0
and the coverage is None (never 0/0 shown as 0 or 100%).

Each column set is one mixed-radix code per distinct bin row and one ``np.unique``;
the rows are first reduced to the distinct ones, so the cost does not grow with
seeds or repeated samples.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True, kw_only=True)
class TupleSet:
    """The covered and all t-tuples of one column set; ``uncovered`` in local (allowed-list) indices."""

    columns: tuple[int, ...]
    total: int
    covered: int
    uncovered: np.ndarray  # (m, t) bin indices of each uncovered combination


@dataclass(frozen=True, slots=True, kw_only=True)
class Coverage:
    """t-way coverage: covered / total over every column set, and the per-set detail."""

    t: int
    covered: int
    total: int
    sets: tuple[TupleSet, ...]

    @property
    def share(self) -> float | None:
        """covered / total; None when there is no t-way combination (fewer than t parameters)."""
        return self.covered / self.total if self.total else None


def distinct_rows(bins: np.ndarray) -> np.ndarray:
    """The distinct rows of a (runs × parameters) bin matrix (negative entries allowed), sorted.

    Rows are encoded as one mixed-radix int64 each (``np.unique`` on integers, not on row
    structs); a matrix too wide for int64 falls back to ``np.unique(axis=0)``.
    """
    if bins.shape[0] == 0 or bins.shape[1] == 0:
        return bins[:1] if bins.shape[1] == 0 and bins.shape[0] else bins
    shifted = bins.astype(np.int64) + 1  # MISSING (-1) -> 0
    radices = shifted.max(axis=0) + 1
    if float(np.prod(radices.astype(float))) >= 2.0**62:
        return np.unique(bins, axis=0)
    codes = np.zeros(bins.shape[0], dtype=np.int64)
    for j, radix in enumerate(radices.tolist()):
        codes = codes * radix + shifted[:, j]
    unique = np.unique(codes)
    digits = np.unravel_index(unique, tuple(radices.tolist()))
    return (np.stack(digits, axis=1) - 1).astype(bins.dtype)


def tway(rows: np.ndarray, allowed: Sequence[Sequence[int]], t: int, *, keep_uncovered: bool = True) -> Coverage:
    """t-way coverage of ``rows`` over the bins ``allowed[j]`` of each column j.

    Args:
        rows: (n × p) int bin indices (negative: no value), e.g. ``distinct_rows(bins)``.
        allowed: per column, the bins that make up the domain (all ``range(k)`` for the declared domain).
        t: the strength (1, 2, 3, ...).
        keep_uncovered: also list the uncovered combinations (as bin indices).
    """
    p = len(allowed)
    sets: list[TupleSet] = []
    lookups = []
    for j, bins_j in enumerate(allowed):
        size = max([*bins_j, int(rows[:, j].max()) if rows.shape[0] else 0]) + 1
        lookup = np.full(size + 1, -1, dtype=np.int64)  # local index of each bin; the extra slot maps -1
        lookup[np.asarray(bins_j, dtype=np.int64)] = np.arange(len(bins_j))
        lookups.append(lookup)
    local = np.stack([lookups[j][rows[:, j]] for j in range(p)], axis=1) if p else rows
    for columns in itertools.combinations(range(p), t):
        radices = [len(allowed[c]) for c in columns]
        total = int(np.prod(radices, dtype=np.int64))
        block = local[:, columns]
        block = block[(block >= 0).all(axis=1)]
        codes = np.zeros(block.shape[0], dtype=np.int64)
        for c, radix in enumerate(radices):
            codes = codes * radix + block[:, c]
        present = np.unique(codes)
        uncovered = np.empty((0, t), dtype=np.int64)
        if keep_uncovered and present.size < total:
            missing = np.setdiff1d(np.arange(total, dtype=np.int64), present, assume_unique=True)
            digits = np.unravel_index(missing, radices)
            uncovered = np.stack([np.asarray(allowed[c], dtype=np.int64)[d] for c, d in zip(columns, digits,
                                                                                              strict=True)], axis=1)
        sets.append(TupleSet(columns=columns, total=total, covered=int(present.size), uncovered=uncovered))
    return Coverage(t=t, covered=sum(s.covered for s in sets), total=sum(s.total for s in sets), sets=tuple(sets))

