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

    ``bins`` int16 (runs × axes; ``MISSING`` where a run has no value), ``num``/``text``
    the realised values per parameter name, ``sample`` an int64 id per run shared by
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
    status: np.ndarray
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


def status_flags(status: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(counted, passed, failure) per run, each status looked up once in ``STATUS_TABLE``."""
    counted = np.zeros(len(status), dtype=bool)
    passed = np.zeros(len(status), dtype=bool)
    failure = np.zeros(len(status), dtype=bool)
    for value in np.unique(status):
        rule, mask = STATUS_TABLE[Status(str(value))], status == value
        counted[mask], failure[mask] = rule.counts, rule.failure
        passed[mask] = Status(str(value)) is Status.PASSED
    return counted, passed, failure


def combine_codes(columns: Sequence[np.ndarray]) -> np.ndarray:
    """Dense int64 ids of the distinct rows of ``columns`` (each a non-negative integer code per row)."""
    n = len(columns[0]) if columns else 0
    code = np.zeros(n, dtype=np.int64)
    for column in columns:
        width = int(column.max()) + 1 if column.size else 1
        code = code * width + column.astype(np.int64)
        code = np.unique(code, return_inverse=True)[1].astype(np.int64)  # re-densify: never overflows
    return code


def _value_codes(num: np.ndarray, text: np.ndarray) -> np.ndarray:
    """A dense code per distinct value (numbers by value, else by text; absent values share one code)."""
    keys = np.where(np.isnan(num), -np.inf, num)
    return combine_codes([np.unique(keys, return_inverse=True)[1], np.unique(text, return_inverse=True)[1]])


def encode_family(family: Family, n_runs: int, rows: np.ndarray, names: np.ndarray, num: np.ndarray,
                  text: np.ndarray, status: np.ndarray, preventable: np.ndarray) -> tuple[FamilyRuns, list[str]]:
    """Encode one family's runs from its slice of the long params table.

    Args:
        n_runs: runs of the family; ``rows`` the run index (0..n_runs-1) of each params row.
        names, num, text: the params rows' name, num_value (NaN for null) and str_value ("" for null).
        status, preventable: per run; ``preventable`` int8: 1 true, 0 false, -1 null.
    """
    axes, skipped = axes_of(family)
    declared = {p.name for p in family.parameters}
    unknown = sorted({str(n) for n in np.unique(names)} - declared)
    nums: dict[str, np.ndarray] = {}
    texts: dict[str, np.ndarray] = {}
    value_codes = []
    for p in family.parameters:
        mask = names == p.name
        full_num = np.full(n_runs, np.nan)
        full_text = np.full(n_runs, "", dtype=object)
        full_num[rows[mask]] = num[mask]
        full_text[rows[mask]] = text[mask]
        nums[p.name], texts[p.name] = full_num, full_text
        value_codes.append(_value_codes(full_num, full_text))
    bins = np.full((n_runs, len(axes)), MISSING, dtype=np.int16)
    for j, axis in enumerate(axes):
        bins[:, j] = axis.encode(nums[axis.name], texts[axis.name])
    counted, passed, failure = status_flags(status)
    sample = combine_codes(value_codes) if value_codes else np.zeros(n_runs, dtype=np.int64)
    return FamilyRuns(family=family, axes=axes, skipped=skipped, bins=bins, num=nums, text=texts, status=status,
                      counted=counted, passed=passed, failure=failure, verdict=preventable != 0,
                      sample=sample), [f"{family.name}.{n}" for n in unknown]


def encode(runs: pa.Table, params: pa.Table, lookup: FamilyLookup) -> CoverageInput:
    """Encode ``runs`` (``RUN_COLUMNS``) with their ``params`` rows (``PARAM_COLUMNS``; ``run_id`` indexes
    into ``runs`` by position via ``run_row``, an int64 column added by ``read_sweeps``)."""
    run_family = runs["family"].to_numpy(zero_copy_only=False).astype(object)
    status = runs["status"].to_numpy(zero_copy_only=False).astype(object)
    prevent = runs["preventable"]
    preventable = np.where(pc.is_null(prevent).to_numpy(zero_copy_only=False), -1,
                           pc.fill_null(prevent, False).to_numpy(zero_copy_only=False).astype(np.int8))
    param_row = params["run_row"].to_numpy()
    names = params["name"].to_numpy(zero_copy_only=False).astype(object)
    num = pc.fill_null(params["num_value"], np.nan).to_numpy(zero_copy_only=False)
    text = pc.fill_null(params["str_value"], "").to_numpy(zero_copy_only=False).astype(object)
    order = np.argsort(param_row, kind="stable")
    param_row, names, num, text = param_row[order], names[order], num[order], text[order]
    families, unknown = [], []
    for name in sorted({str(f) for f in np.unique(run_family)}):
        try:
            family = lookup(name)
        except ScenarioError:
            unknown.append(name)
            continue
        run_index = np.flatnonzero(run_family == name)
        lo, hi = np.searchsorted(param_row, run_index[0]), np.searchsorted(param_row, run_index[-1], side="right")
        position = np.full(len(run_family), -1, dtype=np.int64)
        position[run_index] = np.arange(len(run_index))
        local = position[param_row[lo:hi]]
        keep = local >= 0
        encoded, missing = encode_family(family, len(run_index), local[keep], names[lo:hi][keep], num[lo:hi][keep],
                                         text[lo:hi][keep], status[run_index], preventable[run_index])
        families.append(encoded)
        unknown.extend(missing)
    designs = pc.value_counts(runs["design"]).to_pylist() if runs.num_rows else []
    return CoverageInput(families=tuple(families), unknown=tuple(unknown),
                         fidelities=tuple(sorted(str(f) for f in pc.unique(runs["fidelity"]).to_pylist())),
                         designs={str(d["values"]): int(d["counts"]) for d in designs})


def read_sweeps(store: Store, sides: Sequence[SweepSide]) -> tuple[pa.Table, pa.Table]:
    """The runs of every side (already read and filtered to its stack) stacked, and their params rows
    with ``run_row``: the position of the row's run in the stacked runs."""
    runs_parts, param_parts, offset = [], [], 0
    for side in sides:
        runs = side.runs.select(list(RUN_COLUMNS))
        params = store.read_table(side.target.sweep_id, "params", columns=list(PARAM_COLUMNS))
        where = pc.index_in(params["run_id"], value_set=runs["run_id"])
        keep = pc.is_valid(where)
        rows = pc.add(pc.filter(where, keep).cast(pa.int64()), offset)
        params = params.filter(keep).drop_columns(["run_id"]).append_column("run_row", rows)
        runs_parts.append(runs)
        param_parts.append(params)
        offset += runs.num_rows
    return pa.concat_tables(runs_parts), pa.concat_tables(param_parts)
