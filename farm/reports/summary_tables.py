"""The summary's detail tables: mitigation, failure reasons, collisions, safety interventions, latency.

Pure functions over a ``RunFrame`` (``farm.reports.summary_data``) and the events table,
vectorised like it (no row-by-row Python over runs, ``params`` never parsed). Only runs whose
status counts (``farm.result.STATUS_TABLE``) enter these tables: a ``sim_error`` or
``infra_error`` run has no metrics to show.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from farm.reports.summary_data import RunFrame, composite

REL_SPEED_BANDS_MPS: tuple[float, ...] = (2.0, 5.0, 10.0, 20.0)
"""Inner edges of the relative-speed bands [m/s]: < 2 (a touch), 2–5, 5–10, 10–20, ≥ 20 (D82)."""
_REASON = r"^([A-Za-z_][A-Za-z0-9_]*) = [^,]*, needs "
_MISS = r"^(?P<module>\S+) (?P<latency>[0-9.eE+-]+) > (?P<deadline>[0-9.eE+-]+)$"
MODULE_ORDER = ("localization", "perception", "tracking", "prediction", "planning", "control", "safety")


def _column(frame: RunFrame, name: str, fill: Any = 0) -> np.ndarray:
    return pc.fill_null(frame.runs[name], fill).to_numpy(zero_copy_only=False)


def _mean(values: np.ndarray) -> float | None:
    return float(values.mean()) if len(values) else None


def mitigation_rows(frame: RunFrame) -> list[dict[str, Any]]:
    """Per group with unpreventable counted runs: the stack's impact speed against the reference driver's.

    Over the same runs, an impact speed is 0 where there was no collision, so the two means compare
    like with like; ``no_worse`` counts runs where the stack hit no harder than the reference.
    """
    rows = frame.mitigation & frame.counted
    stack_v = np.where(_column(frame, "collision", False), _column(frame, "collision_speed_mps", 0.0), 0.0)
    ref_v = _column(frame, "ref_impact_speed_mps", 0.0)
    n_groups = len(frame.group_keys)
    group = frame.group[rows]
    s, r = stack_v[rows], ref_v[rows]

    def per_group(weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(group, weights=weights, minlength=n_groups)

    runs, s_hit, r_hit = per_group(), per_group(s > 0), per_group(r > 0)
    s_sum, r_sum, no_worse = per_group(s), per_group(r), per_group(s <= r)
    out = []
    for g in np.flatnonzero(runs):
        label = frame.group_label(int(g))
        n = int(runs[g])
        out.append({**{k: label[k] for k in ("family", "stack", "stack_id", "fidelity", "design")},
                    "runs": n, "stack_collisions": int(s_hit[g]), "reference_collisions": int(r_hit[g]),
                    "stack_impact_mean_mps": float(s_sum[g] / n), "reference_impact_mean_mps": float(r_sum[g] / n),
                    "no_worse": int(no_worse[g])})
    return out


def failure_reasons(frame: RunFrame) -> list[dict[str, Any]]:
    """Per family and criterion: counted runs failing it, verdict and mitigation apart.

    Raw reasons embed values (``min_ttc_s = 0.62, needs >= 1.5``); each is normalised to its
    criterion (``min_ttc_s >= 1.5``). ``stack_error`` and ``timeout`` runs carry no reason and are
    listed under their status. A run failing two criteria is counted under both.
    """
    reasons = frame.runs["fail_reasons"]
    flat = pc.list_flatten(reasons)
    parent = pc.list_parent_indices(reasons).to_numpy(zero_copy_only=False).astype(np.int64)
    criteria = pc.replace_substring_regex(flat, pattern=_REASON, replacement=r"\1 ")
    no_reason = np.flatnonzero(frame.counted & ~frame.passed & (pc.list_value_length(reasons).to_numpy(
        zero_copy_only=False) == 0))
    status_text = np.array([f"status {s}" for s in frame.statuses], dtype=object)[frame.status_codes[no_reason]]
    texts = pa.concat_arrays([_array(criteria), pa.array(status_text, pa.string())])
    rows = np.concatenate([parent, no_reason])
    keep = frame.counted[rows]
    rows, texts = rows[keep], texts.filter(pa.array(keep))
    if not len(rows):
        return []
    text_codes, text_values = _dict(texts)
    family_codes, families = frame.key_codes["family"]
    index, first = composite([family_codes[rows], text_codes])
    mitig = frame.mitigation[rows]
    total = np.bincount(index, minlength=len(first))
    mit = np.bincount(index, weights=mitig, minlength=len(first)).astype(int)
    failed_by_family = np.bincount(family_codes[frame.counted & ~frame.passed], minlength=len(families))
    out = [{"family": families[family_codes[rows[f]]], "criterion": text_values[text_codes[f]],
            "runs": int(total[i]), "verdict": int(total[i] - mit[i]), "mitigation": int(mit[i]),
            "share_of_failed": float(total[i] / failed_by_family[family_codes[rows[f]]])}
           for i, f in enumerate(first)]
    return sorted(out, key=lambda r: (r["family"], -r["runs"], r["criterion"]))


def _array(values: pa.ChunkedArray | pa.Array) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _dict(values: pa.Array) -> tuple[np.ndarray, list[Any]]:
    encoded = pc.dictionary_encode(values)
    return encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64), encoded.dictionary.to_pylist()


def rel_speed_band(edges: tuple[float, ...] = REL_SPEED_BANDS_MPS) -> list[str]:
    """Band labels: ``< 2 m/s``, ``2–5 m/s``, ..., ``≥ 20 m/s``."""
    inner = [f"{a:g}–{b:g} m/s" for a, b in itertools.pairwise(edges)]
    return [f"< {edges[0]:g} m/s", *inner, f"≥ {edges[-1]:g} m/s"]


def collisions(frame: RunFrame) -> dict[str, list[dict[str, Any]]]:
    """Counted runs that collided, per stack: by kind, by nuPlan class × at-fault, by relative-speed band."""
    hit = frame.counted & _column(frame, "collision", False).astype(bool)
    stack_codes, stacks = frame.key_codes["stack_id"]
    fault = _column(frame, "collision_at_fault", False).astype(bool)
    band = np.searchsorted(np.array(REL_SPEED_BANDS_MPS), _column(frame, "collision_rel_speed_mps", 0.0),
                           side="right")
    labels = rel_speed_band()
    views = {"by_kind": [_codes_of(frame, "collision_kind")],
             "by_class": [_codes_of(frame, "collision_class"), (fault.astype(np.int64), [False, True])],
             "by_rel_speed": [(band.astype(np.int64), labels)]}
    out: dict[str, list[dict[str, Any]]] = {}
    for name, keys in views.items():
        rows = np.flatnonzero(hit)
        if not len(rows):
            out[name] = []
            continue
        index, first = composite([stack_codes[rows], *[k[0][rows] for k in keys]])
        n = np.bincount(index, minlength=len(first))
        at_fault = np.bincount(index, weights=fault[rows], minlength=len(first)).astype(int)
        mitig = np.bincount(index, weights=frame.mitigation[rows], minlength=len(first)).astype(int)
        names = {"by_kind": ("kind",), "by_class": ("class", "at_fault"), "by_rel_speed": ("band",)}[name]
        out[name] = [{"stack": frame.stack_names.get(stacks[stack_codes[rows[f]]], stacks[stack_codes[rows[f]]]),
                      **{col: k[1][k[0][rows[f]]] for col, k in zip(names, keys, strict=True)},
                      "collisions": int(n[i]), "at_fault": int(at_fault[i]), "verdict": int(n[i] - mitig[i]),
                      "mitigation": int(mitig[i])} for i, f in enumerate(first)]
    return out


def _codes_of(frame: RunFrame, name: str) -> tuple[np.ndarray, list[Any]]:
    return _dict(_array(pc.fill_null(frame.runs[name], "none")))


def safety(frame: RunFrame) -> list[dict[str, Any]]:
    """Per family × stack, over counted runs: safety triggers and fallbacks, totals and per run."""
    rows = frame.counted
    family_codes, families = frame.key_codes["family"]
    stack_codes, stacks = frame.key_codes["stack_id"]
    if not rows.any():
        return []
    index, first = composite([family_codes[rows], stack_codes[rows]])
    idx = np.flatnonzero(rows)
    trig = _column(frame, "safety_triggers", 0)[rows]
    fall = _column(frame, "fallbacks", 0)[rows]

    def per(weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(index, weights=weights, minlength=len(first))

    runs, t_sum, t_any, f_sum, f_any = per(), per(trig), per(trig > 0), per(fall), per(fall > 0)
    out = []
    for i, f in enumerate(first):
        n, sid = int(runs[i]), stacks[stack_codes[idx[f]]]
        out.append({"family": families[family_codes[idx[f]]], "stack": frame.stack_names.get(sid, sid),
                    "runs": n, "safety_triggers": int(t_sum[i]), "triggers_per_run": float(t_sum[i] / n),
                    "runs_with_trigger": int(t_any[i]), "fallbacks": int(f_sum[i]),
                    "fallbacks_per_run": float(f_sum[i] / n), "runs_with_fallback": int(f_any[i])})
    return out


def latency(frame: RunFrame, events: pa.Table | None, deadlines_ms: Mapping[str, float]) -> list[dict[str, Any]]:
    """Per stack and module: measured wall time (median of per-run p50, p95 of per-run p95, max) [ms]
    and the simulated deadline misses (``deadline_miss`` events of the farm's latency model, D83)."""
    lat = frame.runs["latency"]
    flat = pc.list_flatten(lat)
    parent = pc.list_parent_indices(lat).to_numpy(zero_copy_only=False).astype(np.int64)
    stack_codes, stacks = frame.key_codes["stack_id"]
    module_codes, modules = _dict(_array(pc.struct_field(flat, "module")))
    p50 = pc.struct_field(flat, "p50_ms").to_numpy(zero_copy_only=False)
    p95 = pc.struct_field(flat, "p95_ms").to_numpy(zero_copy_only=False)
    peak = pc.struct_field(flat, "max_ms").to_numpy(zero_copy_only=False)
    misses = _misses(frame, events)
    width = max(len(modules), 1)
    key = stack_codes[parent] * width + module_codes
    runs = np.bincount(key, minlength=len(stacks) * width)
    # one stable sort by (stack, module) — radix for small keys — then each group is a contiguous slice
    by_key = np.argsort(key.astype(np.int32 if runs.size >= 2**15 else np.int16), kind="stable")
    start = np.concatenate([[0], np.cumsum(runs)])
    found = {(int(k) // width, str(modules[int(k) % width])) for k in np.flatnonzero(runs)}
    order = {m: i for i, m in enumerate(MODULE_ORDER)}
    out = []
    for s, module in sorted(found | set(misses), key=lambda k: (k[0], order.get(k[1], 99), k[1])):
        code = s * width + modules.index(module) if module in modules else -1
        mine = by_key[start[code]:start[code + 1]] if code >= 0 else by_key[:0]
        events_n, runs_n, named_ms = misses.get((s, module), (0, 0, None))
        out.append({"stack": frame.stack_names.get(stacks[s], stacks[s]), "module": module,
                    "runs": len(mine), "p50_ms": _pct(p50[mine], 50), "p95_ms": _pct(p95[mine], 95),
                    "max_ms": _pct(peak[mine], 100), "deadline_ms": deadlines_ms.get(module, named_ms),
                    "deadline_misses": events_n, "runs_with_miss": runs_n})
    return out


def _pct(values: np.ndarray, q: float) -> float | None:
    values = values[np.isfinite(values)]
    return float(np.percentile(values, q)) if len(values) else None


def _misses(frame: RunFrame, events: pa.Table | None) -> dict[tuple[int, str], tuple[int, int, float | None]]:
    """(stack code, module) -> (deadline-miss events, runs with at least one, the deadline they name [ms])."""
    if events is None or events.num_rows == 0:
        return {}
    picked = events.filter(pc.equal(events["kind"], "deadline_miss"))
    row = pc.fill_null(pc.index_in(picked["run_id"], value_set=frame.runs["run_id"]), -1).to_numpy(
        zero_copy_only=False).astype(np.int64)
    parsed = pc.extract_regex(picked["detail"], _MISS)
    module = pc.fill_null(pc.struct_field(parsed, "module"), "?").to_numpy(zero_copy_only=False)
    deadline = pc.cast(pc.struct_field(parsed, "deadline"), pa.float64()).to_numpy(zero_copy_only=False)
    known = row >= 0
    row, module, deadline = row[known], module[known], deadline[known]
    if not len(row):
        return {}
    stack_of = frame.key_codes["stack_id"][0][row]
    index, first = composite([stack_of, _dict(pa.array(module, pa.string()))[0]])
    out: dict[tuple[int, str], tuple[int, int, float | None]] = {}
    for i, f in enumerate(first):
        mine = index == i
        limits = deadline[mine][np.isfinite(deadline[mine])]
        out[(int(stack_of[f]), str(module[f]))] = (int(mine.sum()), len(np.unique(row[mine])),
                                                   float(np.median(limits)) if len(limits) else None)
    return out
