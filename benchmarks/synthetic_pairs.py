"""Synthetic baseline/candidate sweeps of N paired runs in the real store layout, compacted: what compare reads.

``make_paired_sweeps(store, baseline_id, candidate_id, n_pairs, seed=...)`` writes two sweeps (or,
with ``one_sweep=True``, one sweep holding both stacks) whose runs pair one to one on
(``scenario_key``, ``fidelity``), as a gate sweep's do. Rows are cast to ``farm.schema``'s declared
runs schema, written as in-flight parts under ``farm.store.layout.part_object_key`` and folded by
the store's own ``compact``, so reading them is reading a real sweep. Nothing is simulated: values
come from one ``numpy.random.Generator``; a seed gives the same sweeps every time.

What it models (what ``simfarm report compare`` must handle):

- a deterministic simulator: the candidate repeats the baseline's outcome and metrics exactly on
  every pair except a ``changed`` fraction, which is drawn afresh with the same failure
  probability (discordance in both directions, no shift on average);
- ``regress``: family -> fraction of the baseline's passing pairs that newly fail on the candidate;
- about a fifth of the runs unpreventable (``preventable`` false: mitigation), some with no rule
  (null); rare ``stack_error``/``timeout`` (failures) and ``sim_error`` (not counted);
- measured latency (``stack_p95_ms``) always differs between the sides (wall time);
- ``min_ttc_s`` is +inf on a fifth of the runs (never on a closing course);
- ``same_code``: both sides share stack id, code fingerprint and platform (a determinism check).

Scenario keys are random unique 16-hex strings (real keys are hashes of the same shape), so a
million pairs are written in seconds. The ``spec`` column is null: compare never reads it (the
simulator settings are in ``manifest.extra["sim"]``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from farm.identity import content_hash, part_key
from farm.schema import SCHEMA_VERSION, SCHEMAS
from farm.spec import SimSettings, StackRef
from farm.store.base import Manifest, Store
from farm.store.layout import part_object_key
from farm.store.parquet_io import to_parquet_bytes
from scenario_library.catalog import list_families, load_family

BASELINE = StackRef.create("autonomy.reference:build_stack", "default", {})
CANDIDATE = StackRef.create("autonomy.reference:build_stack", "cautious", {"planning": {"time_gap_s": 1.8}})
PLATFORM = {"machine": "x86_64", "system": "Linux", "cpu_model": "Synthetic CPU @ 3.0GHz", "cpu_flags_sha8": "0badc0de",
            "python": "3.11.9", "blas": [{"internal_api": "openblas", "version": "0.3.27",
                                          "architecture": "Haswell", "num_threads": 1}],
            "numpy": "2.1.0", "scipy": "1.14.0", "pybullet": "3.2.7"}
PART_ROWS = 50_000
NOW = "2026-12-01T02:00:00+00:00"


def _hex(rng: np.random.Generator, n: int) -> np.ndarray:
    ids = np.unique(rng.integers(0, 2**63 - 1, size=int(n * 1.01) + 8, dtype=np.int64))[:n]
    rng.shuffle(ids)
    return np.array([f"{int(x):016x}" for x in ids], dtype=object)


def _fingerprint(stack: StackRef, src: str) -> str:
    return f"simfarm 0.1.0 git:synthetic; lib:00000000; stack:{stack.stack_id}#{src}"


def _base_outcomes(rng: np.random.Generator, n: int, p_fail: np.ndarray) -> dict[str, np.ndarray]:
    """One side's draws: status, preventable, metrics."""
    status = np.where(rng.uniform(size=n) < p_fail, "failed", "passed").astype(object)
    roll = rng.uniform(size=n)
    status[roll < 0.004] = "sim_error"
    status[(roll >= 0.004) & (roll < 0.006)] = "stack_error"
    status[(roll >= 0.006) & (roll < 0.007)] = "timeout"
    failed = status == "failed"
    return {"status": status, "min_ttc_s": np.where(rng.uniform(size=n) < 0.2, np.inf, rng.gamma(2.0, 1.5, n)),
            "min_distance_m": np.where(failed, rng.uniform(0.0, 0.5, n), rng.gamma(2.0, 2.0, n)),
            "max_decel_mps2": rng.uniform(0.0, 8.0, n), "max_jerk_mps3": rng.uniform(0.0, 12.0, n),
            "collision_speed_mps": np.where(failed, rng.uniform(1.0, 12.0, n), 0.0)}


def make_paired_sweeps(store: Store, baseline_id: str, candidate_id: str, n_pairs: int, *, seed: int,
                       families: Sequence[str] | None = None, changed: float = 0.05,
                       regress: Mapping[str, float] | None = None, same_code: bool = False,
                       one_sweep: bool = False, p_fail: float = 0.1, flip: int = 0, infra: int = 0,
                       version_bump: str | None = None) -> tuple[Manifest, Manifest]:
    """Write the two sides (``candidate_id`` ignored with ``one_sweep``); returns their manifests.

    ``flip``: exactly this many of the baseline's passing preventable pairs newly fail on the candidate;
    ``infra``: this many candidate runs end in ``infra_error``; ``version_bump``: the candidate runs
    this family one version later.
    """
    rng = np.random.default_rng(seed)
    chosen = [load_family(f) for f in families] if families else list_families()
    fam_index = np.sort(rng.integers(0, len(chosen), n_pairs)) if n_pairs >= len(chosen) else \
        np.arange(n_pairs) % len(chosen)
    fam_names = np.array([f.name for f in chosen], dtype=object)[fam_index]
    keys = _hex(rng, n_pairs)
    fidelity = np.where(rng.uniform(size=n_pairs) < 0.1, "dynamic", "kinematic").astype(object)
    prevent = rng.uniform(size=n_pairs)
    preventable = pa.array(prevent >= 0.2, mask=prevent >= 0.9)  # 20 % false, 10 % null (no rule)
    p = np.full(n_pairs, p_fail)
    base = _base_outcomes(rng, n_pairs, p)
    cand = {k: v.copy() for k, v in base.items()}
    moved = rng.uniform(size=n_pairs) < changed
    fresh = _base_outcomes(rng, n_pairs, p)
    for k in cand:
        cand[k][moved] = fresh[k][moved]
    for family, fraction in (regress or {}).items():
        flipped = (fam_names == family) & (base["status"] == "passed") & (rng.uniform(size=n_pairs) < fraction)
        cand["status"][flipped] = "failed"
        cand["min_distance_m"][flipped] = rng.uniform(0.0, 0.5, int(flipped.sum()))
    passing = np.flatnonzero((base["status"] == "passed") & (prevent >= 0.2) & ~moved)
    cand["status"][passing[:flip]] = "failed"
    cand["status"][passing[flip:flip + infra]] = "infra_error"
    lat = rng.lognormal(np.log(16.0), 0.15, (2, n_pairs))
    cand_stack = BASELINE if same_code else CANDIDATE
    sides = [(baseline_id, BASELINE, base, lat[0], "aaaaaaaa"),
             (baseline_id if one_sweep else candidate_id, cand_stack, cand, lat[1],
              "aaaaaaaa" if same_code else "bbbbbbbb")]
    tables = []
    for sweep_id, stack, out, p95, src in sides:
        bump = version_bump if stack is cand_stack and out is cand else None
        tables.append((sweep_id, stack, _runs_table(rng, sweep_id, stack, out, p95, src, keys, fam_names, fidelity,
                                                    preventable, chosen, bump)))
    manifests = []
    for sweep_id in dict.fromkeys(t[0] for t in tables):
        mine = [t for t in tables if t[0] == sweep_id]
        stacks = tuple(dict.fromkeys(t[1].stack_id for t in mine))
        names = {("baseline" if t[1] is BASELINE else "candidate"): t[1].stack_id for t in mine} if one_sweep else {}
        manifests.append(_write_sweep(store, sweep_id, pa.concat_tables([t[2] for t in mine]), stacks, names,
                                      base_fp=_fingerprint(BASELINE, "x").partition("; stack:")[0]))
    return (manifests[0], manifests[0]) if one_sweep else (manifests[0], manifests[1])


def _runs_table(rng: np.random.Generator, sweep_id: str, stack: StackRef, out: dict[str, np.ndarray],
                p95: np.ndarray, src: str, keys: np.ndarray, fam_names: np.ndarray, fidelity: np.ndarray,
                preventable: pa.Array, chosen: Sequence[Any], version_bump: str | None = None) -> pa.Table:
    n = len(keys)
    failing = np.isin(out["status"], ["failed", "stack_error", "timeout"])
    reasons_flat = ["min_distance_m = 0.31, needs >= 0.5"] * int(failing.sum())
    offsets = np.concatenate([[0], np.cumsum(failing.astype(np.int32))]).astype(np.int32)
    version = {f.name: f.version + (f.name == version_bump) for f in chosen}
    params = np.array([f'{{"x": {i % 97}}}' for i in range(97)], dtype=object)[np.arange(n) % 97]
    columns: dict[str, Any] = {
        "run_id": _hex(rng, n), "scenario_key": keys, "sweep_id": np.full(n, sweep_id, dtype=object),
        "family": fam_names, "family_version": np.array([version[f] for f in fam_names], dtype=np.int32),
        "seed": np.ones(n, np.int64), "stack_id": np.full(n, stack.stack_id, dtype=object), "fidelity": fidelity,
        "design": np.full(n, "lhs", dtype=object), "params": params,
        "odd_tags": _odd_tags(fam_names),
        "status": out["status"], "passed": out["status"] == "passed",
        "fail_reasons": pa.ListArray.from_arrays(pa.array(offsets), pa.array(reasons_flat, pa.string())),
        "outcome_hash": _outcome_hashes(out, keys),
        "collision": out["collision_speed_mps"] > 0, "collision_speed_mps": out["collision_speed_mps"],
        "min_ttc_s": out["min_ttc_s"], "min_distance_m": out["min_distance_m"],
        "max_decel_mps2": out["max_decel_mps2"], "max_jerk_mps3": out["max_jerk_mps3"],
        "stack_p50_ms": p95 / 1.4, "stack_p95_ms": p95, "code_fingerprint": np.full(n, _fingerprint(stack, src),
                                                                                      dtype=object),
        "preventable": preventable, "attempt": np.ones(n, np.int32), "schema_version": np.full(n, SCHEMA_VERSION,
                                                                                                np.int16),
        "ref_impact_speed_mps": np.where(out["collision_speed_mps"] > 0, out["collision_speed_mps"] * 0.8, 0.0),
    }
    schema = SCHEMAS["runs"]
    arrays = [columns[f.name] if isinstance(columns.get(f.name), pa.Array | pa.ChunkedArray)
              else (pa.array(columns[f.name], f.type) if f.name in columns else pa.nulls(n, f.type)) for f in schema]
    return pa.Table.from_arrays([a.cast(f.type) for a, f in zip(arrays, schema, strict=True)], schema=schema)


def _odd_tags(fam_names: np.ndarray) -> pa.Array:
    """The family's declared ODD tags on every run (as the simulator stores them)."""
    names, index = np.unique(fam_names, return_inverse=True)
    per_family = pa.array([list(load_family(str(f)).odd_tags) for f in names], pa.list_(pa.string()))
    return per_family.take(pa.array(index))


def _outcome_hashes(out: dict[str, np.ndarray], keys: np.ndarray) -> pa.Array:
    """A stand-in outcome hash: equal on both sides exactly when status and metrics are equal."""
    parts = [pa.array(keys, pa.string()), pa.array(out["status"], pa.string())]
    parts += [pa.array(np.char.mod("%.17g", out[k]).astype(object), pa.string())
              for k in ("min_ttc_s", "min_distance_m", "max_decel_mps2")]
    return pc.binary_join_element_wise(*parts, "|")


def _write_sweep(store: Store, sweep_id: str, runs: pa.Table, stacks: tuple[str, ...], names: dict[str, str],
                 *, base_fp: str) -> Manifest:
    """Manifest, then in-flight parts per family (runs only), then the store's own compaction."""
    manifest = Manifest(sweep_id=sweep_id, name=sweep_id.split("-")[0], created_at=NOW, updated_at=NOW,
                        code_fingerprint=base_fp, stacks=stacks, versions={"simfarm": "synthetic"},
                        total=runs.num_rows, state="running", sweep_file="synthetic", schema_version=SCHEMA_VERSION,
                        extra={"stack_names": names, "sim": SimSettings().to_dict(), "platform": PLATFORM,
                               "synthetic": True})
    store.create_sweep(manifest, [])
    backend = store.backend  # type: ignore[attr-defined]
    for family in pc.unique(runs["family"]).to_pylist():
        rows = runs.filter(pc.equal(runs["family"], family))
        for start in range(0, rows.num_rows, PART_ROWS):
            chunk = rows.slice(start, PART_ROWS)
            ids = chunk["run_id"].to_pylist()
            stem = f"{part_key(ids)}-{content_hash(['synthetic-pairs', ids[0], len(ids)], n_hex=8)}"
            backend.put(part_object_key(sweep_id, "runs", family, stem), to_parquet_bytes(chunk))
    store.compact(sweep_id)
    return store.update_manifest(sweep_id, lambda m: replace(m, state="complete"))
