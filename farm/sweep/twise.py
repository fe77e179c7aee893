"""t-wise covering arrays by IPOG (Lei et al., "IPOG: A General Strategy for T-Way Software Testing", 2007).

No maintained PyPI library builds mixed-level covering arrays for t = 3
deterministically (allpairspy is pairwise-first, greedy over random order), so
this is a small, deterministic IPOG over level *indices*: the caller maps
indices to parameter levels. ``uncovered`` is the brute-force checker the
tests use to prove the covering property.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

Row = list[int | None]
TupleKey = tuple[tuple[int, ...], tuple[int, ...]]  # (columns, values) of one t-tuple


def covering_array(level_counts: Sequence[int], strength: int) -> list[tuple[int, ...]]:
    """Rows of level indices covering every ``strength``-tuple of values at least once.

    Args:
        level_counts: number of levels of each parameter (each >= 1).
        strength: t, the interaction strength (>= 1).

    Returns:
        Rows in a deterministic order; with fewer than ``strength`` parameters
        this is the exhaustive product.
    """
    if strength < 1 or any(k < 1 for k in level_counts):
        raise ValueError("strength and every level count must be >= 1")
    n_params = len(level_counts)
    if n_params == 0:
        return [()]
    # IPOG grows the array one parameter at a time; largest domains first keeps it small.
    order = sorted(range(n_params), key=lambda j: (-level_counts[j], j))
    counts = [level_counts[j] for j in order]
    t = min(strength, n_params)
    rows: list[Row] = [list(combo) for combo in itertools.product(*(range(k) for k in counts[:t]))]
    for col in range(t, n_params):
        missing = _tuples_with(col, counts, t)
        _grow_horizontally(rows, col, counts[col], t, missing)
        _grow_vertically(rows, col, missing)
    return [_restore_order(_filled(row, counts, i), order) for i, row in enumerate(rows)]


def exhaustive_size(level_counts: Sequence[int]) -> int:
    """Size of the full cartesian product."""
    size = 1
    for k in level_counts:
        size *= k
    return size


def uncovered(rows: Sequence[Sequence[int]], level_counts: Sequence[int], strength: int) -> set[TupleKey]:
    """Every t-tuple (columns, values) that no row covers: empty for a covering array."""
    t = min(strength, len(level_counts))
    wanted: set[TupleKey] = set()
    for cols in itertools.combinations(range(len(level_counts)), t):
        wanted.update((cols, vals) for vals in itertools.product(*(range(level_counts[c]) for c in cols)))
    for row in rows:
        for cols in itertools.combinations(range(len(level_counts)), t):
            wanted.discard((cols, tuple(row[c] for c in cols)))
    return wanted


def _tuples_with(col: int, counts: Sequence[int], t: int) -> set[TupleKey]:
    """All t-tuples that involve column ``col`` and t-1 earlier columns."""
    tuples: set[TupleKey] = set()
    for earlier in itertools.combinations(range(col), t - 1):
        cols = (*earlier, col)
        tuples.update((cols, vals) for vals in itertools.product(*(range(counts[c]) for c in cols)))
    return tuples


def _covered_by(row: Row, col: int, value: int, t: int) -> list[TupleKey]:
    """The t-tuples (with column ``col`` = value) a row would cover; rows with gaps cover fewer."""
    keys: list[TupleKey] = []
    for earlier in itertools.combinations(range(col), t - 1):
        vals = tuple(row[c] for c in earlier)
        if None not in vals:
            keys.append(((*earlier, col), (*vals, value)))  # type: ignore[arg-type]
    return keys


def _grow_horizontally(rows: list[Row], col: int, n_levels: int, t: int, missing: set[TupleKey]) -> None:
    """Extend each row with the value of ``col`` that covers the most missing tuples (lowest index on ties)."""
    for row in rows:
        best_value, best_keys = 0, list[TupleKey]()
        for value in range(n_levels):
            keys = [k for k in _covered_by(row, col, value, t) if k in missing]
            if len(keys) > len(best_keys):
                best_value, best_keys = value, keys
        row.append(best_value)
        missing.difference_update(best_keys)


def _grow_vertically(rows: list[Row], col: int, missing: set[TupleKey]) -> None:
    """Cover what is left by filling don't-care cells of existing rows, or by adding rows."""
    for cols, vals in sorted(missing):
        for row in rows:
            if all(row[c] is None or row[c] == v for c, v in zip(cols, vals, strict=True)):
                for c, v in zip(cols, vals, strict=True):
                    row[c] = v
                break
        else:
            new_row: Row = [None] * (col + 1)
            for c, v in zip(cols, vals, strict=True):
                new_row[c] = v
            rows.append(new_row)
    missing.clear()


def _filled(row: Row, counts: Sequence[int], row_index: int) -> list[int]:
    """Don't-care cells get a level that cycles with the row index (spreads levels, stays deterministic)."""
    return [(row_index % counts[c]) if v is None else v for c, v in enumerate(row)]


def _restore_order(row: list[int], order: Sequence[int]) -> tuple[int, ...]:
    """Map a row from the internal (size-sorted) column order back to the caller's."""
    out = [0] * len(order)
    for internal, original in enumerate(order):
        out[original] = row[internal]
    return tuple(out)
