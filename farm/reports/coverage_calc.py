"""Coverage computations over encoded runs: bin occupancy, pair occupancy, pass-rate cells, critical scenarios.

Pure functions over ``FamilyRuns`` returning plain dicts (the JSON body). Units:
a *run* is one stored rollout; a *sample* is one distinct parameter combination
(the seeds of a sample are not independent trials, ``farm.reports`` rule). Every
pass/fail count goes through ``farm.result`` (``STATUS_TABLE`` flags per run,
``counts_from_mapping`` per cell); a cell with nothing counted has pass rate None.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from farm.reports.coverage_axes import MISSING, Axis
from farm.reports.coverage_data import FamilyRuns
from farm.result import counts_from_mapping


def _first_run_of_each_sample(fr: FamilyRuns) -> np.ndarray:
    """One run index per sample (a sample's runs share its parameter values, so its bins)."""
    return np.unique(fr.sample, return_index=True)[1] if fr.sample.size else np.zeros(0, dtype=np.int64)


def occupancy(fr: FamilyRuns, chosen: Sequence[Sequence[int]]) -> list[dict[str, Any]]:
    """Per axis: runs and samples in each declared bin, bins occupied of declared and of chosen."""
    firsts = _first_run_of_each_sample(fr)
    out = []
    for j, axis in enumerate(fr.axes):
        b = fr.bins[:, j]
        ok = b != MISSING
        runs = np.bincount(b[ok], minlength=axis.k)
        sample_bins = b[firsts]
        samples = np.bincount(sample_bins[sample_bins != MISSING], minlength=axis.k)
        mine = set(chosen[j])
        occupied_chosen = int(sum(runs[i] > 0 for i in mine))
        out.append({
            "parameter": axis.name, "type": axis.parameter.type, "unit": axis.unit, "bins": axis.k,
            "occupied": int((runs > 0).sum()), "share": float((runs > 0).sum()) / axis.k,
            "chosen_bins": len(mine), "chosen_occupied": occupied_chosen,
            "chosen_share": occupied_chosen / len(mine) if mine else None,
            "fixed": len(mine) == 1,
            "runs_without_value": int((~ok).sum()),
            "per_bin": [{"bin": i, "label": axis.label(i), "levels": list(axis.levels_in(i)),
                         "runs": int(runs[i]), "samples": int(samples[i]), "chosen": i in mine}
                        for i in range(axis.k)],
        })
    return out


def pair_occupancy(fr: FamilyRuns, chosen: Sequence[Sequence[int]], rows: np.ndarray) -> list[dict[str, Any]]:
    """Per parameter pair: occupied bin cells of all declared cells, and of the chosen sub-domain's cells.

    ``rows``: the distinct bin rows of the family's runs (``coverage_tway.distinct_rows``).
    """
    out = []
    for i, j in itertools.combinations(range(len(fr.axes)), 2):
        a, b = fr.axes[i], fr.axes[j]
        ok = (rows[:, i] != MISSING) & (rows[:, j] != MISSING)
        cells = np.unique(rows[ok, i].astype(np.int64) * b.k + rows[ok, j])
        ci, cj = set(chosen[i]), set(chosen[j])
        in_chosen = [c for c in cells.tolist() if c // b.k in ci and c % b.k in cj]
        total_chosen = len(ci) * len(cj)
        out.append({"pair": [a.name, b.name], "cells": a.k * b.k, "occupied": int(cells.size),
                    "share": cells.size / (a.k * b.k), "chosen_cells": total_chosen,
                    "chosen_occupied": len(in_chosen),
                    "chosen_share": len(in_chosen) / total_chosen if total_chosen else None})
    return out


def pass_cells(fr: FamilyRuns, i: int, j: int) -> dict[str, Any]:
    """The failure map of one pair: per bin cell, the verdict runs' counts (``farm.result``) and the
    mitigation runs (preventable false) apart; ``spread`` is the n-weighted variance of the cells' failure share."""
    a, b = fr.axes[i], fr.axes[j]
    ok = (fr.bins[:, i] != MISSING) & (fr.bins[:, j] != MISSING)
    cell = fr.bins[:, i].astype(np.int64) * b.k + fr.bins[:, j]
    statuses = np.unique(fr.status[ok]).tolist() if ok.any() else []
    per_status = {fr.status_words[s]: np.bincount(cell[ok & fr.verdict & (fr.status == s)], minlength=a.k * b.k)
                  for s in statuses}
    mitigation = np.bincount(cell[ok & ~fr.verdict & fr.counted], minlength=a.k * b.k)
    cells = []
    for c in range(a.k * b.k):
        counts = counts_from_mapping({s: int(v[c]) for s, v in per_status.items() if v[c]})
        cells.append({"row": c // b.k, "col": c % b.k, "n": counts.n, "passed": counts.passed,
                      "failures": counts.failures, "pass_rate": counts.pass_rate,
                      "mitigation_n": int(mitigation[c])})
    n = np.array([x["n"] for x in cells], dtype=float)
    fail = np.array([x["failures"] for x in cells], dtype=float)
    spread = 0.0
    if n.sum() > 0:
        share = np.divide(fail, n, out=np.zeros_like(fail), where=n > 0)
        mean = fail.sum() / n.sum()
        spread = float((n * (share - mean) ** 2).sum() / n.sum())
    return {"pair": [a.name, b.name], "rows": [a.short_label(r) for r in range(a.k)],
            "cols": [b.short_label(c) for c in range(b.k)], "units": [a.unit, b.unit],
            "spread": spread, "n": int(n.sum()), "cells": cells}


def failure_maps(fr: FamilyRuns) -> list[dict[str, Any]]:
    """Every pair's failure map, the most informative first (largest ``spread``, then declaration order)."""
    maps = [pass_cells(fr, i, j) for i, j in itertools.combinations(range(len(fr.axes)), 2)]
    return sorted(maps, key=lambda m: -m["spread"])


def passing_samples(fr: FamilyRuns, rows: np.ndarray, min_passing: int) -> dict[str, Any]:
    """Among the runs selected by the bool mask ``rows``: samples, verdict samples (some counted run with
    preventable true/null), and passing ones (every counted verdict run passed)."""
    sample = fr.sample[rows]
    counted = fr.counted[rows] & fr.verdict[rows]
    size = int(fr.sample.max()) + 1 if fr.sample.size else 0
    n_counted = np.bincount(sample[counted], minlength=size)
    n_passed = np.bincount(sample[counted & fr.passed[rows]], minlength=size)
    present = np.bincount(sample, minlength=size) > 0
    passing = int(((n_counted > 0) & (n_passed == n_counted)).sum())
    return {"samples": int(present.sum()), "verdict_samples": int((n_counted > 0).sum()), "passing": passing,
            "covered": passing >= min_passing}


def edge_rows(fr: FamilyRuns, params: dict[str, Any]) -> tuple[np.ndarray, list[str], list[str]]:
    """Runs in the bin cell of a documented edge: every binnable parameter the edge names in the edge
    value's bin. Returns the mask, the parameters matched and those that could not be (not binnable)."""
    mask = np.ones(fr.n_runs, dtype=bool)
    matched, unmatched = [], []
    by_name = {axis.name: (j, axis) for j, axis in enumerate(fr.axes)}
    for name, value in params.items():
        if name not in by_name:
            unmatched.append(name)
            continue
        j, axis = by_name[name]
        mask &= fr.bins[:, j] == axis.encode_value(value)
        matched.append(f"{name} in {axis.label(axis.encode_value(value))}")
    return mask, matched, unmatched


def axis_index(axes: Sequence[Axis], name: str) -> int:
    return next(j for j, a in enumerate(axes) if a.name == name)
