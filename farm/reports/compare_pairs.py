"""Pair a baseline's runs with a candidate's: one pair per (``scenario_key``, ``fidelity``) under one sim setting.

Each side is ``SWEEP_ID[:STACK]`` and must name one stack. ``scenario_key`` covers the family,
its version, the parameters and the seed; ``run_id`` adds the stack, the fidelity and the
simulator settings. The settings are one per sweep (the sweep file's ``sim:`` block applies to
every spec), so they are compared once per side, never per row (D90): two stacks of one sweep
share them by construction; two sweeps compare ``manifest.extra["sim"]`` (recorded at submit);
a sweep submitted before that record has its ``spec`` column read — only up to
``SPEC_READ_MAX`` runs, a bigger one is refused — and different settings are refused with one
line. A family present on both sides under different versions is refused with one line: its
scenario keys can never pair.

Only the columns compare needs are read, through ``Store.read_table`` (rows unordered); the
pairs come out as numpy arrays, one entry per pair, in one ``Pairs`` value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from farm.errors import InputError
from farm.reports.source import SweepSide, Target, check_complete, resolve_stack, stack_display_names
from farm.store.base import Manifest, Store

METRICS: tuple[tuple[str, str, float], ...] = (  # column, unit, resolution the shift is computed at (D92)
    ("min_ttc_s", "s", 1e-3), ("min_distance_m", "m", 1e-3), ("max_decel_mps2", "m/s²", 1e-3),
    ("max_jerk_mps3", "m/s³", 1e-3), ("stack_p95_ms", "ms", 1e-2),
)
IMPACT = ("collision_speed_mps", "m/s", 1e-3)
KEY_COLUMNS = ("run_id", "scenario_key", "family", "family_version", "fidelity", "status", "preventable",
               "code_fingerprint", "outcome_hash", "odd_tags")
SIDE_COLUMNS = (*KEY_COLUMNS, *(m for m, _, _ in METRICS), IMPACT[0])
SPEC_READ_MAX = 20_000


@dataclass(frozen=True, slots=True, kw_only=True)
class Side:
    """One side as read: its target, manifest, stack, runs (``SIDE_COLUMNS``) and labels."""

    target: Target
    manifest: Manifest
    stack_id: str
    stack_name: str
    runs: pa.Table
    labels: tuple[str, ...]

    @property
    def text(self) -> str:
        return f"{self.target.sweep_id}:{self.stack_name}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Pairs:
    """The paired runs: every array has one entry per pair (b = baseline, c = candidate)."""

    family: np.ndarray
    family_version: np.ndarray
    fidelity: np.ndarray
    scenario_key: np.ndarray
    run_b: np.ndarray
    run_c: np.ndarray
    status_b: np.ndarray
    status_c: np.ndarray
    preventable_b: np.ndarray   # object: True / False / None
    preventable_c: np.ndarray
    hash_b: np.ndarray
    hash_c: np.ndarray
    metrics_b: dict[str, np.ndarray]
    metrics_c: dict[str, np.ndarray]
    unpaired_b: dict[str, int]  # family -> baseline runs without a candidate partner
    unpaired_c: dict[str, int]
    odd_tags: dict[str, tuple[str, ...]]  # family -> its declared ODD tags (as stored)

    @property
    def n(self) -> int:
        return int(self.family.size)


def read_side(store: Store, target: Target, *, allow_partial: bool, cache: dict[str, pa.Table]) -> Side:
    """Read a side's runs (one read per sweep, shared through ``cache``) and filter them to its one stack."""
    manifest = store.read_manifest(target.sweep_id)
    label = check_complete(manifest, allow_partial=allow_partial, source=target.text)
    if target.sweep_id not in cache:
        cache[target.sweep_id] = store.read_table(target.sweep_id, "runs", columns=[*SIDE_COLUMNS, "stack_id"],
                                                  ordered=False)
    runs = cache[target.sweep_id]
    names = stack_display_names(manifest)
    if target.stack is not None:
        stack_id = resolve_stack(manifest, target.stack, source=target.text)
    else:
        present = sorted(set(pc.unique(runs["stack_id"]).to_pylist())) if runs.num_rows else list(manifest.stacks)
        if len(present) != 1:
            raise InputError(f"the sweep holds {len(present)} stacks; name one as SWEEP_ID:STACK "
                             f"({', '.join(names.get(s, s) for s in present)})", source=target.text, field="STACK")
        stack_id = present[0]
    mine = runs.filter(pc.equal(runs["stack_id"], stack_id)) if runs.num_rows else runs
    return Side(target=target, manifest=manifest, stack_id=stack_id, stack_name=names.get(stack_id, stack_id),
                runs=mine, labels=(label,) if label else ())


def sim_settings(store: Store, side: Side | SweepSide) -> dict[str, Any]:
    """The side's simulator settings: the manifest's record, else the ``spec`` column of a small sweep."""
    recorded = side.manifest.extra.get("sim")
    if isinstance(recorded, dict):
        return recorded
    if side.manifest.total > SPEC_READ_MAX:
        raise InputError(f"the sweep records no simulator settings (submitted before they were recorded) and holds "
                         f"{side.manifest.total:,} runs, more than the {SPEC_READ_MAX:,} whose specs compare reads",
                         source=side.target.text, field="sim")
    specs = store.read_table(side.target.sweep_id, "runs", columns=["spec"], ordered=False)["spec"]
    found = {json.dumps(json.loads(s).get("sim", {}), sort_keys=True) for s in pc.unique(specs).to_pylist() if s}
    if len(found) != 1:
        raise InputError(f"cannot tell the sweep's simulator settings ({len(found)} distinct in its specs)",
                         source=side.target.text, field="sim")
    return dict(json.loads(found.pop()))


def check_comparable(store: Store, baseline: Side, candidate: Side) -> None:
    """Refuse sides that can never pair: different simulator settings, or one family at two versions."""
    if baseline.target.sweep_id != candidate.target.sweep_id:
        sim_b, sim_c = sim_settings(store, baseline), sim_settings(store, candidate)
        if sim_b != sim_c:
            diff = sorted(k for k in set(sim_b) | set(sim_c) if sim_b.get(k) != sim_c.get(k))
            raise InputError(f"the sides ran under different simulator settings ({', '.join(diff)}): no run pairs "
                             "with another", source=f"{baseline.text} vs {candidate.text}", field="sim")
    versions_b, versions_c = _versions(baseline.runs), _versions(candidate.runs)
    for family in sorted(set(versions_b) & set(versions_c)):
        if not versions_b[family] & versions_c[family]:
            raise InputError(f"family {family} is at version {_list(versions_b[family])} in the baseline and "
                             f"{_list(versions_c[family])} in the candidate: runs across family versions never pair; "
                             "rerun the baseline at the candidate's version", source=candidate.text,
                             field="family_version")


def _versions(runs: pa.Table) -> dict[str, set[int]]:
    if not runs.num_rows:
        return {}
    groups = runs.group_by(["family", "family_version"]).aggregate([])
    out: dict[str, set[int]] = {}
    for family, version in zip(groups["family"].to_pylist(), groups["family_version"].to_pylist(), strict=True):
        out.setdefault(family, set()).add(int(version))
    return out


def _list(values: set[int]) -> str:
    return "/".join(str(v) for v in sorted(values))


def pair_runs(baseline: Side, candidate: Side) -> Pairs:
    """Inner-join the sides on (scenario_key, fidelity); count the runs left without a partner."""
    keys = ["scenario_key", "fidelity"]
    for side in (baseline, candidate):
        if side.runs.num_rows and pc.count_distinct(
                pc.binary_join_element_wise(side.runs["scenario_key"], side.runs["fidelity"], "|")).as_py() \
                != side.runs.num_rows:
            raise InputError("two runs of the stack share a (scenario_key, fidelity): the side is not one stack's "
                             "runs of one sweep", source=side.text, field="scenario_key")
    b = _with_index(baseline.runs, "_b")
    c = _with_index(candidate.runs, "_c")
    joined = b.select([*keys, "_b"]).join(c.select([*keys, "_c"]), keys=keys, join_type="inner",
                                          use_threads=True)
    ib = joined["_b"].to_numpy()
    ic = joined["_c"].to_numpy()
    order = np.argsort(ib, kind="stable")
    ib, ic = ib[order], ic[order]
    rb, rc = baseline.runs, candidate.runs

    def col(table: pa.Table, name: str, idx: np.ndarray) -> np.ndarray:
        return table[name].take(pa.array(idx)).to_numpy(zero_copy_only=False)

    def metric(table: pa.Table, name: str, idx: np.ndarray) -> np.ndarray:
        return pc.fill_null(table[name].take(pa.array(idx)).cast(pa.float64()), np.nan).to_numpy()

    metrics = [m for m, _, _ in METRICS] + [IMPACT[0]]
    return Pairs(
        family=col(rb, "family", ib), family_version=col(rb, "family_version", ib), fidelity=col(rb, "fidelity", ib),
        scenario_key=col(rb, "scenario_key", ib), run_b=col(rb, "run_id", ib), run_c=col(rc, "run_id", ic),
        status_b=col(rb, "status", ib), status_c=col(rc, "status", ic),
        preventable_b=col(rb, "preventable", ib), preventable_c=col(rc, "preventable", ic),
        hash_b=col(rb, "outcome_hash", ib), hash_c=col(rc, "outcome_hash", ic),
        metrics_b={m: metric(rb, m, ib) for m in metrics}, metrics_c={m: metric(rc, m, ic) for m in metrics},
        unpaired_b=_unpaired(rb, ib), unpaired_c=_unpaired(rc, ic), odd_tags=_family_tags(rb, rc),
    )


def _with_index(table: pa.Table, name: str) -> pa.Table:
    return table.append_column(name, pa.array(np.arange(table.num_rows, dtype=np.int64)))


def _unpaired(table: pa.Table, used: np.ndarray) -> dict[str, int]:
    mask = np.ones(table.num_rows, dtype=bool)
    mask[used] = False
    if not mask.any():
        return {}
    left = table["family"].filter(pa.array(mask)).value_counts()
    return {v["values"].as_py(): int(v["counts"].as_py()) for v in left}


def _family_tags(*tables: pa.Table) -> dict[str, tuple[str, ...]]:
    """Each family's ``odd_tags`` from its first stored run (every run of a family stores the same list)."""
    out: dict[str, tuple[str, ...]] = {}
    for table in tables:
        if not table.num_rows:
            continue
        for family in pc.unique(table["family"]).to_pylist():
            if family in out:
                continue
            at = pc.index(table["family"], family).as_py()
            out[family] = tuple(table["odd_tags"][at].as_py() or ())
    return out


def side_facts(side: Side) -> dict[str, Any]:
    """What the report states about a side: sweep, stack, fingerprints, platform, counts."""
    fingerprints = sorted(x for x in pc.unique(side.runs["code_fingerprint"]).to_pylist() if x) \
        if side.runs.num_rows else []
    return {"target": side.text, "sweep_id": side.target.sweep_id, "stack": side.stack_name,
            "stack_id": side.stack_id, "state": side.manifest.state, "runs": side.runs.num_rows,
            "code_fingerprints": fingerprints, "platform": side.manifest.extra.get("platform"),
            "sweep_code_fingerprint": side.manifest.code_fingerprint}
