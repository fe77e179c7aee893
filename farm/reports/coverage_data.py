"""What coverage reads: the runs and the long ``params`` table of one or more sweeps, encoded per family.

Only the ``runs`` columns coverage needs are read, and the long ``params`` table
(run_id, family, name, num_value, str_value) — never the JSON ``params`` column,
never ``spec.json``. Several sweeps are a union: a run stored in two sweeps counts
twice (it ran twice). Every family is matched against the shipped catalogue;
parameters the catalogue no longer declares are ignored (named in ``unknown``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from farm.reports.coverage_axes import MISSING, Axis, axes_of
from farm.reports.source import SweepSide
from farm.result import STATUS_TABLE, Status
from farm.store.base import Store
from scenario_library.errors import ScenarioError
from scenario_library.family import Family

RUN_COLUMNS = ("run_id", "family", "status", "preventable", "design", "fidelity")
PARAM_COLUMNS = ("run_id", "name", "num_value", "str_value")
FamilyLookup = Callable[[str], Family]


@dataclass(frozen=True, slots=True, kw_only=True)
class FamilyRuns:
    """One family's runs, encoded: a row per run, a column per axis.

    ``bins`` int16 (runs × axes; ``MISSING`` where a run has no value), ``num`` (NaN: none)
    and ``text`` (codes into ``words``, -1: none) the realised values per parameter name,
    ``status`` codes into ``status_words``, ``sample`` an int64 id per run shared by
    runs with identical parameter values (the seeds of one sample), ``counted``/
    ``passed``/``failure`` the ``STATUS_TABLE`` flags of each run's status, ``verdict``
    True where ``preventable`` is True or null (``farm.result.tally``'s split).
    """

    family: Family
    axes: tuple[Axis, ...]
    skipped: tuple[tuple[str, str], ...]
    bins: np.ndarray
    num: dict[str, np.ndarray]
    text: dict[str, np.ndarray]
    words: tuple[str, ...]
    status: np.ndarray
    status_words: tuple[str, ...]
    counted: np.ndarray
    passed: np.ndarray
    failure: np.ndarray
    verdict: np.ndarray
    sample: np.ndarray

    @property
    def n_runs(self) -> int:
        return int(self.bins.shape[0])

    @property
    def n_samples(self) -> int:
        return int(self.sample.max()) + 1 if self.sample.size else 0


@dataclass(frozen=True, slots=True, kw_only=True)
class CoverageInput:
    """Every family's encoded runs, the families not in the catalogue, and the fidelities seen."""

    families: tuple[FamilyRuns, ...]
    unknown: tuple[str, ...]           # "family" or "family.parameter" names the catalogue does not know
    fidelities: tuple[str, ...]
    designs: dict[str, int]            # design -> runs


def status_flags(status: np.ndarray, words: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(counted, passed, failure) per run: each status word looked up once in ``STATUS_TABLE``."""
    rules = [STATUS_TABLE[Status(w)] for w in words]
    counted = np.array([r.counts for r in rules] + [False], dtype=bool)[status]
    failure = np.array([r.failure for r in rules] + [False], dtype=bool)[status]
    passed = np.array([Status(w) is Status.PASSED for w in words] + [False], dtype=bool)[status]
    return counted, passed, failure


def combine_codes(columns: Sequence[np.ndarray]) -> np.ndarray:
    """Dense int64 ids of the distinct rows of ``columns`` (each a non-negative integer code per row).

    Codes are combined mixed-radix and re-densified (``np.unique``) only when the next
    product could overflow, and once at the end.
    """
    n = len(columns[0]) if columns else 0
    code, bound = np.zeros(n, dtype=np.int64), 1
    for column in columns:
        width = int(column.max()) + 1 if column.size else 1
        if bound * width >= 2**62:
            code = np.unique(code, return_inverse=True)[1].reshape(-1).astype(np.int64)
            bound = int(code.max()) + 1 if n else 1
        code, bound = code * width + column.astype(np.int64), bound * width
    return np.unique(code, return_inverse=True)[1].reshape(-1).astype(np.int64) if n else code


def _codes(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, tuple[str, ...]]:
    """Dictionary codes (int32, -1 for null) and the dictionary of a string column: no Python strings per row."""
    whole = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    encoded = pc.dictionary_encode(whole)
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int32)
    return codes, tuple(str(w) for w in encoded.dictionary.to_pylist())


def _value_code(num: np.ndarray, text: np.ndarray) -> np.ndarray:
    """A dense code per distinct value: numbers by value, texts (numbers absent) by their code."""
    if np.isnan(num).all():
        return text + 1
    return np.unique(num, return_inverse=True)[1].reshape(-1)  # NaNs (absent) share one code


def encode_family(family: Family, n_runs: int, rows: np.ndarray, names: np.ndarray, name_words: tuple[str, ...],
                  num: np.ndarray, text: np.ndarray, words: tuple[str, ...], status: np.ndarray,
                  status_words: tuple[str, ...], preventable: np.ndarray) -> tuple[FamilyRuns, list[str]]:
    """Encode one family's runs from its slice of the long params table.

    Args:
        n_runs: runs of the family; ``rows`` the run index (0..n_runs-1) of each params row.
        names: the params rows' name codes into ``name_words``; ``num`` num_value (NaN for null);
            ``text`` str_value codes into ``words`` (-1 for null, and for rows with a number).
        status: per run, codes into ``status_words``; ``preventable`` int8: 1 true, 0 false, -1 null.
    """
    axes, skipped = axes_of(family)
    present = {name_words[c] for c in np.unique(names).tolist()}
    unknown = sorted(present - {p.name for p in family.parameters})
    nums: dict[str, np.ndarray] = {}
    texts: dict[str, np.ndarray] = {}
    order = np.argsort(names.astype(np.int16), kind="stable")  # small ints: numpy's radix sort
    bounds = np.searchsorted(names[order], np.arange(len(name_words) + 1))
    for p in family.parameters:
        code = name_words.index(p.name) if p.name in name_words else None
        mine = order[bounds[code]:bounds[code + 1]] if code is not None else order[:0]
        full_num = np.full(n_runs, np.nan)
        full_text = np.full(n_runs, -1, dtype=np.int32)
        full_num[rows[mine]] = num[mine]
        full_text[rows[mine]] = text[mine]
        nums[p.name], texts[p.name] = full_num, full_text
    bins = np.full((n_runs, len(axes)), MISSING, dtype=np.int16)
    for j, axis in enumerate(axes):
        bins[:, j] = axis.encode(nums[axis.name], texts[axis.name], words)
    counted, passed, failure = status_flags(status, status_words)
    values = [_value_code(nums[p.name], texts[p.name]) for p in family.parameters]
    sample = combine_codes(values) if values else np.zeros(n_runs, dtype=np.int64)
    return FamilyRuns(family=family, axes=axes, skipped=skipped, bins=bins, num=nums, text=texts, words=words,
                      status=status, status_words=status_words, counted=counted, passed=passed, failure=failure,
                      verdict=preventable != 0, sample=sample), [f"{family.name}.{n}" for n in unknown]


def _text_codes(params: pa.Table) -> tuple[np.ndarray, tuple[str, ...]]:
    """Codes of ``str_value`` only where ``num_value`` is null (choices): numbers and bools bin by number."""
    no_number = pc.is_null(params["num_value"])
    text = np.full(params.num_rows, -1, dtype=np.int32)
    where = np.flatnonzero(no_number.to_numpy(zero_copy_only=False))
    if not where.size:
        return text, ()
    codes, words = _codes(params["str_value"].take(pa.array(where)))
    text[where] = codes
    return text, words


def encode(runs: pa.Table, params: pa.Table, lookup: FamilyLookup) -> CoverageInput:
    """Encode ``runs`` (``RUN_COLUMNS``) with their ``params`` rows (``PARAM_COLUMNS`` without ``run_id``,
    plus ``run_row``: the position of the row's run in ``runs``, as ``read_sweeps`` gives it)."""
    run_family, family_words = _codes(runs["family"])
    status, status_words = _codes(runs["status"])
    prevent = runs["preventable"]
    preventable = np.where(pc.is_null(prevent).to_numpy(zero_copy_only=False), -1,
                           pc.fill_null(prevent, False).to_numpy(zero_copy_only=False).astype(np.int8))
    param_row = params["run_row"].to_numpy()
    names, name_words = _codes(params["name"])
    num = pc.fill_null(params["num_value"], np.nan).to_numpy(zero_copy_only=False)
    text, words = _text_codes(params)
    # Runs and params rows grouped by family; a run's local index is its rank inside its family.
    run_order = np.argsort(run_family.astype(np.int16), kind="stable")  # small ints: numpy's radix sort
    run_bounds = np.searchsorted(run_family[run_order], np.arange(len(family_words) + 1))
    local_of_run = np.empty(len(run_family), dtype=np.int64)
    local_of_run[run_order] = np.arange(len(run_family)) - run_bounds[run_family[run_order]]
    param_family = run_family[param_row]
    param_order = np.argsort(param_family.astype(np.int16), kind="stable")
    param_bounds = np.searchsorted(param_family[param_order], np.arange(len(family_words) + 1))
    families, unknown = [], []
    for code, name in sorted(enumerate(family_words), key=lambda cw: cw[1]):
        try:
            family = lookup(name)
        except ScenarioError:
            unknown.append(name)
            continue
        run_index = run_order[run_bounds[code]:run_bounds[code + 1]]
        mine = param_order[param_bounds[code]:param_bounds[code + 1]]
        encoded, missing = encode_family(family, len(run_index), local_of_run[param_row[mine]], names[mine],
                                         name_words, num[mine], text[mine], words, status[run_index],
                                         status_words, preventable[run_index])
        families.append(encoded)
        unknown.extend(missing)
    designs = pc.value_counts(runs["design"]).to_pylist() if runs.num_rows else []
    return CoverageInput(families=tuple(families), unknown=tuple(unknown),
                         fidelities=tuple(sorted(str(f) for f in pc.unique(runs["fidelity"]).to_pylist())),
                         designs={str(d["values"]): int(d["counts"]) for d in designs})


def _run_rows(param_ids: pa.ChunkedArray, run_ids: pa.ChunkedArray) -> np.ndarray:
    """Position in ``run_ids`` of each params row's run (-1: not among them, e.g. another stack).

    The params rows of one run are adjacent (the store sorts them by run_id), so only the first
    row of each stretch is looked up; the answer is correct for any order, just slower.
    """
    ids = param_ids.combine_chunks()
    if len(ids) == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.ones(len(ids), dtype=bool)
    starts[1:] = pc.not_equal(ids.slice(1), ids.slice(0, len(ids) - 1)).to_numpy(zero_copy_only=False)
    first = np.flatnonzero(starts)
    found = pc.fill_null(pc.index_in(ids.take(pa.array(first)), value_set=run_ids), -1)
    lengths = np.diff(np.append(first, len(ids)))
    return np.repeat(found.to_numpy(zero_copy_only=False).astype(np.int64), lengths)


def read_sweeps(store: Store, sides: Sequence[SweepSide]) -> tuple[pa.Table, pa.Table]:
    """The runs of every side (already read and filtered to its stack) stacked, and their params rows
    with ``run_row``: the position of the row's run in the stacked runs."""
    runs_parts, param_parts, offset = [], [], 0
    for side in sides:
        runs = side.runs.select(list(RUN_COLUMNS))
        params = store.read_table(side.target.sweep_id, "params", columns=list(PARAM_COLUMNS))
        where = _run_rows(params["run_id"], runs["run_id"])
        keep = where >= 0
        params = params.filter(pa.array(keep)).drop_columns(["run_id"]).append_column(
            "run_row", pa.array(where[keep] + offset))
        runs_parts.append(runs)
        param_parts.append(params)
        offset += runs.num_rows
    return pa.concat_tables(runs_parts), pa.concat_tables(param_parts)
