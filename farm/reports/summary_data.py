"""The sweep summary's numbers: pure functions over the runs (and events) tables, returning plain dicts.

The unit of a pass rate is the **sample**, never the seed: seeds of one sample are not
independent trials. A sample is (family, family_version, params, fidelity, stack, design) —
one sweep has one set of simulator settings, so they need no key of their own. Its seeds are
counted through ``farm.result.STATUS_TABLE`` (``sim_error`` and ``infra_error`` do not count);
**a sample passes when every counted seed passes**; a sample whose counted seeds disagree is
*flaky* — it does not pass, and it is listed. A sample with no counted seed is not counted.

After the status, ``preventable`` splits the runs (``farm.result.tally``): runs with
``preventable`` true or null are the verdict; runs with ``preventable`` false are mitigation,
shown as impact speed against the reference driver's ``ref_impact_speed_mps``. A sample whose
seeds fall on both sides has a verdict part and a mitigation part, each judged on its own seeds.

Intervals: a 95 % Wilson interval (``farm.stats.wilson``) on the sample pass rate where the
design samples a distribution (``farm.sweep.expand.CI_DESIGNS``: random, sobol, lhs, halton);
counts alone for chosen designs (nominal, grid, twise, frozen, manual, adaptive), whose pass
rate estimates nothing beyond the points chosen.

Performance: everything is vectorised (pyarrow dictionary encoding, numpy composite keys,
``bincount``); ``params`` is grouped as the stored JSON string, never parsed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from farm.result import STATUS_TABLE, Counts, Status, counts_from_mapping
from farm.stats import wilson
from farm.sweep.expand import CI_DESIGNS

LEVEL = 0.95
GROUP_KEYS = ("family", "stack_id", "fidelity", "design")
SAMPLE_KEYS = ("family", "family_version", "stack_id", "fidelity", "design", "params")
RUN_COLUMNS = ("family", "family_version", "stack_id", "fidelity", "design", "params", "seed", "status",
               "preventable")
UNIT_RULE = ("The unit is the sample (family, version, params, fidelity, stack, design), not the seed. A sample "
             "passes when every counted seed passes; a sample whose counted seeds disagree is flaky: it does not "
             "pass and is listed. sim_error and infra_error seeds do not count; stack_error and timeout count "
             "as failures.")
FLAKY_LISTED = 25


def interval_kind(design: str) -> str:
    """``wilson`` for a design that samples a distribution, ``counts`` for a chosen set of points."""
    return "wilson" if design in CI_DESIGNS else "counts"


def _codes(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, list[Any]]:
    """Dictionary codes (int64, nulls as their own code) and the dictionary values.

    Chunks are combined first, so every row is coded against one dictionary.
    """
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    encoded = pc.dictionary_encode(array, null_encoding="encode")
    return encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64), encoded.dictionary.to_pylist()


def composite(codes: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Group index per row of several code columns, and the first row of each group (groups sorted by key)."""
    key = np.zeros(len(codes[0]), dtype=np.int64)
    span = 1
    for c in codes:
        width = int(c.max()) + 1 if len(c) else 1
        span *= width
        if span >= 2**62:
            raise ValueError("too many distinct keys to combine")
        key = key * width + c
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return inverse.reshape(-1), first


DESIGN_ORDER = ("nominal", "grid", "twise", "frozen", "manual", "adaptive", *CI_DESIGNS)


def display_order(key: tuple[Any, ...], stack_names: Mapping[str, str]) -> tuple[Any, ...]:
    """Sort key of a (family, stack_id, fidelity, design) group: family, the sweep's stack order, then
    fidelity, then chosen designs before random ones."""
    family, stack_id, fidelity, design = key
    stacks = list(stack_names)
    return (str(family), stacks.index(stack_id) if stack_id in stacks else len(stacks), str(stack_id),
            str(fidelity) != "kinematic", str(fidelity),
            DESIGN_ORDER.index(design) if design in DESIGN_ORDER else len(DESIGN_ORDER), str(design))


class RunFrame:
    """The runs read for a summary, with the per-row flags every table uses (built once)."""

    def __init__(self, runs: pa.Table, stack_names: Mapping[str, str]) -> None:
        self.runs = runs
        self.n = runs.num_rows
        status_codes, statuses = _codes(runs["status"])
        self.status_codes, self.statuses = status_codes, [str(s) for s in statuses]
        lookup = {s: STATUS_TABLE[Status(s)] for s in self.statuses}
        self.counted = np.array([lookup[s].counts for s in self.statuses], dtype=bool)[status_codes]
        self.passed = np.array([s == Status.PASSED.value for s in self.statuses], dtype=bool)[status_codes]
        # preventable False: mitigation; True and null (no rule): the verdict (farm.result.tally)
        self.mitigation = ~pc.fill_null(runs["preventable"], True).to_numpy(zero_copy_only=False).astype(bool)
        self.key_codes = {k: _codes(runs[k]) for k in SAMPLE_KEYS}
        group, first = composite([self.key_codes[k][0] for k in GROUP_KEYS])
        keys = [tuple(self.key_codes[k][1][self.key_codes[k][0][i]] for k in GROUP_KEYS) for i in first]
        order = sorted(range(len(keys)), key=lambda g: display_order(keys[g], stack_names))
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        self.group = rank[group] if len(order) else group
        self.group_keys = [keys[g] for g in order]
        design_codes, designs = self.key_codes["design"]
        self.random_design = np.array([d in CI_DESIGNS for d in designs], dtype=bool)[design_codes]
        self.stack_names = dict(stack_names)
        self._outcomes: dict[bool, dict[str, np.ndarray]] = {}

    def outcomes(self, *, mitigation: bool) -> dict[str, np.ndarray]:
        """``sample_outcomes`` of the verdict (False) or the mitigation (True) runs, computed once."""
        if mitigation not in self._outcomes:
            self._outcomes[mitigation] = sample_outcomes(self, self.mitigation if mitigation else ~self.mitigation)
        return self._outcomes[mitigation]

    def group_label(self, g: int) -> dict[str, Any]:
        family, stack_id, fidelity, design = self.group_keys[g]
        return {"family": family, "stack": self.stack_names.get(stack_id, stack_id), "stack_id": stack_id,
                "fidelity": fidelity, "design": design, "interval": interval_kind(str(design))}


def status_counts(frame: RunFrame, rows: np.ndarray, group: np.ndarray, n_groups: int) -> list[Counts]:
    """``Counts`` per group of the selected rows, through ``farm.result.counts_from_mapping``."""
    width = len(frame.statuses)
    table = np.bincount(group[rows] * width + frame.status_codes[rows], minlength=n_groups * width)
    table = table[: n_groups * width].reshape(n_groups, width) if width else np.zeros((n_groups, 0), np.int64)
    return [counts_from_mapping({s: int(k) for s, k in zip(frame.statuses, table[g], strict=True) if k})
            for g in range(n_groups)]


def sample_outcomes(frame: RunFrame, part: np.ndarray) -> dict[str, np.ndarray]:
    """The samples of the selected runs (``part``: a row mask).

    Row-level: ``rows`` (indices into the frame) and ``sample`` (each row's sample). Sample-level:
    ``first_row``, ``group``, ``seeds`` (counted), ``passed_seeds`` and the flags ``counted``, ``pass``
    (every counted seed passed) and ``flaky`` (counted seeds disagree).
    """
    rows = np.flatnonzero(part)
    sample, first = composite([frame.key_codes[k][0][rows] for k in SAMPLE_KEYS]) if len(rows) else (
        np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    counted = np.bincount(sample, weights=frame.counted[rows], minlength=len(first)).astype(np.int64)
    passed = np.bincount(sample, weights=(frame.counted & frame.passed)[rows], minlength=len(first)).astype(np.int64)
    return {"rows": rows, "sample": sample, "first_row": rows[first], "group": frame.group[rows[first]],
            "seeds": counted, "passed_seeds": passed, "counted": counted > 0,
            "pass": (counted > 0) & (passed == counted), "flaky": (passed > 0) & (passed < counted)}


def _per_sample(outcome: dict[str, np.ndarray], mask: np.ndarray, group: np.ndarray) -> dict[str, np.ndarray]:
    """The sample-level arrays of the samples in ``mask``, regrouped by ``group`` (one code per sample)."""
    return {"group": group[mask], "counted": outcome["counted"][mask], "pass": outcome["pass"][mask],
            "flaky": outcome["flaky"][mask]}


def _sample_tally(outcome: dict[str, np.ndarray], n_groups: int) -> list[dict[str, Any]]:
    """Per group: samples counted/passed/failed/flaky, the pass rate and its interval (or counts alone)."""
    group = outcome["group"]
    n = np.bincount(group, weights=outcome["counted"], minlength=n_groups).astype(int)
    k = np.bincount(group, weights=outcome["pass"], minlength=n_groups).astype(int)
    flaky = np.bincount(group, weights=outcome["flaky"], minlength=n_groups).astype(int)
    total = np.bincount(group, minlength=n_groups).astype(int)
    out = []
    for g in range(n_groups):
        # a sample is one trial: its verdict goes through the same counting table as a run's status
        counts = counts_from_mapping({Status.PASSED.value: int(k[g]), Status.FAILED.value: int(n[g] - k[g])})
        out.append({"samples": int(total[g]), "counted": counts.n, "passed": counts.passed,
                    "failed": counts.failures - int(flaky[g]), "flaky": int(flaky[g]),
                    "not_counted": int(total[g] - n[g]), "pass_rate": counts.pass_rate})
    return out


def _with_interval(tally: dict[str, Any], kind: str) -> dict[str, Any]:
    if kind != "wilson":
        return {**tally, "interval": None}
    ci = wilson(tally["passed"], tally["counted"], level=LEVEL)
    return {**tally, "interval": ci.to_dict()}


def group_rows(frame: RunFrame) -> list[dict[str, Any]]:
    """One row per family × stack × fidelity × design: runs by status, verdict and mitigation samples."""
    n_groups = len(frame.group_keys)
    everything = np.ones(frame.n, dtype=bool)
    runs_all = status_counts(frame, np.flatnonzero(everything), frame.group, n_groups)
    runs_verdict = status_counts(frame, np.flatnonzero(~frame.mitigation), frame.group, n_groups)
    runs_mitigation = status_counts(frame, np.flatnonzero(frame.mitigation), frame.group, n_groups)
    verdict = _sample_tally(frame.outcomes(mitigation=False), n_groups)
    mitigation = _sample_tally(frame.outcomes(mitigation=True), n_groups)
    rows = []
    for g in range(n_groups):
        label = frame.group_label(g)
        rows.append({**label, "runs": runs_all[g].as_dict(),
                     "verdict": {"runs": runs_verdict[g].as_dict(), **_with_interval(verdict[g], label["interval"])},
                     "mitigation": {"runs": runs_mitigation[g].as_dict(), **mitigation[g]}})
    return rows


def stack_totals(frame: RunFrame) -> list[dict[str, Any]]:
    """Per stack, over every family: verdict samples (counts alone: designs mixed) and random designs (Wilson)."""
    stack_codes, stacks = frame.key_codes["stack_id"]
    outcome = frame.outcomes(mitigation=False)
    stack_of = stack_codes[outcome["first_row"]]
    random_of = frame.random_design[outcome["first_row"]]
    every = np.ones(len(stack_of), dtype=bool)
    both = _sample_tally(_per_sample(outcome, every, stack_of), len(stacks))
    only = _sample_tally(_per_sample(outcome, random_of, stack_of), len(stacks))
    known = list(frame.stack_names)
    rows = [{"stack": frame.stack_names.get(sid, sid), "stack_id": sid, "all_designs": {**both[s], "interval": None},
             "random_designs": _with_interval(only[s], "wilson")} for s, sid in enumerate(stacks)]
    return sorted(rows, key=lambda r: (known.index(r["stack_id"]) if r["stack_id"] in known else len(known),
                                       r["stack_id"]))  # the sweep's stack order


def flaky_samples(frame: RunFrame, limit: int = FLAKY_LISTED) -> dict[str, Any]:
    """The flaky verdict samples (seeds disagree): how many, and the first ``limit`` (in table order, then
    params) with each seed's status."""
    outcome = frame.outcomes(mitigation=False)
    flaky_ids = np.flatnonzero(outcome["flaky"])
    params = frame.key_codes["params"][1]
    param_code = frame.key_codes["params"][0]

    def table_order(i: int) -> tuple[int, str]:  # a named, typed key: mypy spent ~8 s inferring the lambda
        return int(outcome["group"][i]), str(params[param_code[outcome["first_row"][i]]])

    flaky_ids = np.array(sorted(flaky_ids.tolist(), key=table_order), dtype=np.int64)
    listed = []
    if len(flaky_ids):
        seeds = frame.runs["seed"].to_numpy(zero_copy_only=False)
        keep = np.isin(outcome["sample"], flaky_ids[:limit])
        rows, samples = outcome["rows"][keep], outcome["sample"][keep]
        for sid in flaky_ids[:limit]:
            mine = rows[samples == sid]
            order = mine[np.argsort(seeds[mine], kind="stable")]
            label = frame.group_label(int(outcome["group"][sid]))
            listed.append({**{k: label[k] for k in ("family", "stack", "fidelity", "design")},
                           "params": params[param_code[order[0]]],
                           "seeds": {str(int(seeds[i])): frame.statuses[frame.status_codes[i]] for i in order}})
    return {"count": len(flaky_ids), "listed": listed, "limit": limit}
