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

Only the columns compare needs are read, through ``Store.read_table`` (rows unordered; never
``spec``, ``params`` or the list columns); ``code_fingerprint`` and ``outcome_hash`` only when
both sides run one stack id. The pairs come out as numpy arrays of codes and values, one entry
per pair, in one ``Pairs`` value.
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
from farm.result import Status
from farm.store.base import Manifest, Store

METRICS: tuple[tuple[str, str, float], ...] = (  # column, unit, resolution the shift is computed at (D92)
    ("min_ttc_s", "s", 1e-3), ("min_distance_m", "m", 1e-3), ("max_decel_mps2", "m/s²", 1e-3),
    ("max_jerk_mps3", "m/s³", 1e-3), ("stack_p95_ms", "ms", 0.1),
)
IMPACT = ("collision_speed_mps", "m/s", 1e-3)
KEY_COLUMNS = ("run_id", "scenario_key", "family", "family_version", "fidelity", "status", "preventable")
SIDE_COLUMNS = (*KEY_COLUMNS, *(m for m, _, _ in METRICS), IMPACT[0])
CODE_COLUMNS = ("code_fingerprint", "outcome_hash")  # read only when both sides run one stack id (D94)
STATUSES: tuple[str, ...] = tuple(s.value for s in Status)
SPEC_READ_MAX = 20_000
_HEX = np.full(256, 255, dtype=np.uint8)
_HEX[np.frombuffer(b"0123456789abcdef", dtype=np.uint8)] = np.arange(16, dtype=np.uint8)


@dataclass(frozen=True, slots=True, kw_only=True)
class Side:
    """One side as read: its target, manifest, stack, runs (``SIDE_COLUMNS`` and ``run_id``) and labels."""

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
    """The paired runs, one entry per pair in every array (b = baseline, c = candidate).

    Categorical columns are codes: ``family`` into ``families``, ``fidelity`` into ``fidelities``,
    statuses into ``STATUSES``; ``preventable`` is 1 / 0 / −1 (true / false / null). Row ``i`` of
    the pairs is row ``index_b[i]`` of the baseline's runs and ``index_c[i]`` of the candidate's;
    strings (run ids, scenario keys) are looked up there only for the few rows a report lists.
    """

    family: np.ndarray
    families: tuple[str, ...]
    fidelity: np.ndarray
    fidelities: tuple[str, ...]
    key: np.ndarray                 # uint64 of the scenario_key (16 hex)
    status_b: np.ndarray
    status_c: np.ndarray
    preventable_b: np.ndarray
    preventable_c: np.ndarray
    metrics_b: dict[str, np.ndarray]
    metrics_c: dict[str, np.ndarray]
    index_b: np.ndarray
    index_c: np.ndarray
    runs_b: pa.Table
    runs_c: pa.Table
    unpaired_b: dict[str, int]      # family -> runs without a partner
    unpaired_c: dict[str, int]

    @property
    def n(self) -> int:
        return int(self.family.size)

    def family_code(self, name: str) -> int:
        return self.families.index(name) if name in self.families else -1

    def row(self, i: int) -> dict[str, str]:
        """The strings of pair ``i``: family, scenario key, fidelity, both run ids and statuses."""
        b, c = int(self.index_b[i]), int(self.index_c[i])
        return {"family": self.families[self.family[i]], "scenario_key": self.runs_b["scenario_key"][b].as_py(),
                "fidelity": self.fidelities[self.fidelity[i]], "baseline_run": self.runs_b["run_id"][b].as_py(),
                "baseline_status": STATUSES[self.status_b[i]], "candidate_run": self.runs_c["run_id"][c].as_py(),
                "candidate_status": STATUSES[self.status_c[i]]}


def hex_keys(keys: pa.ChunkedArray | pa.Array, *, source: str) -> np.ndarray:
    """16-hex ``scenario_key`` strings as uint64, vectorised over the Arrow buffers."""
    arr = keys.combine_chunks() if isinstance(keys, pa.ChunkedArray) else keys
    n = len(arr)
    if n == 0:
        return np.zeros(0, dtype=np.uint64)
    if arr.null_count or not pc.all(pc.equal(pc.utf8_length(arr), 16)).as_py():
        raise InputError("a scenario_key is not 16 hex characters", source=source, field="scenario_key")
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32, count=n + 1, offset=arr.offset * 4)
    raw = np.frombuffer(arr.buffers()[2], dtype=np.uint8, count=16 * n, offset=int(offsets[0])).reshape(n, 16)
    nibbles = _HEX[raw]
    if (nibbles == 255).any():
        raise InputError("a scenario_key is not 16 lowercase hex characters", source=source, field="scenario_key")
    packed = np.ascontiguousarray((nibbles[:, 0::2] << 4) | nibbles[:, 1::2])  # 8 bytes, most significant first
    return packed.view(">u8").reshape(n).astype(np.uint64)


def _stack_of(manifest: Manifest, target: Target) -> str | None:
    """The one stack a side names, from the manifest (None: the manifest lists none, the rows will say)."""
    if target.stack is not None:
        return resolve_stack(manifest, target.stack, source=target.text)
    if not manifest.stacks:
        return None
    if len(manifest.stacks) != 1:
        names = stack_display_names(manifest)
        raise InputError(f"the sweep holds {len(manifest.stacks)} stacks; name one as SWEEP_ID:STACK "
                         f"({', '.join(names.get(s, s) for s in manifest.stacks)})", source=target.text,
                         field="STACK")
    return manifest.stacks[0]


def _only_stack(runs: pa.Table, target: Target) -> str:
    present = sorted(set(pc.unique(runs["stack_id"]).to_pylist())) if runs.num_rows else []
    if len(present) != 1:
        raise InputError(f"the sweep's rows hold {len(present)} stacks; name one as SWEEP_ID:STACK "
                         f"({', '.join(present)})", source=target.text, field="STACK")
    return str(present[0])


def read_sides(store: Store, baseline: Target, candidate: Target, *, allow_partial: bool) -> tuple[Side, Side]:
    """Both sides' runs: one read per sweep, ``code_fingerprint``/``outcome_hash`` only for one stack id (D94)."""
    manifests = {t.sweep_id: store.read_manifest(t.sweep_id) for t in (baseline, candidate)}
    labels = {t.text: check_complete(manifests[t.sweep_id], allow_partial=allow_partial, source=t.text)
              for t in (baseline, candidate)}
    stacks = [_stack_of(manifests[t.sweep_id], t) for t in (baseline, candidate)]
    same_stack = stacks[0] == stacks[1]
    tables: dict[str, pa.Table] = {}
    for sweep_id, manifest in manifests.items():
        several = len(manifest.stacks) != 1  # or none listed: filter by the rows' stack_id
        columns = [*SIDE_COLUMNS, *(CODE_COLUMNS if same_stack else ()), *(["stack_id"] if several else [])]
        tables[sweep_id] = store.read_table(sweep_id, "runs", columns=columns, ordered=False)
    sides = []
    for target, named in zip((baseline, candidate), stacks, strict=True):
        manifest, runs = manifests[target.sweep_id], tables[target.sweep_id]
        stack_id = named if named is not None else _only_stack(runs, target)
        if len(manifest.stacks) != 1 and runs.num_rows:
            runs = runs.filter(pc.equal(runs["stack_id"], stack_id))
        label = labels[target.text]
        sides.append(Side(target=target, manifest=manifest, stack_id=stack_id,
                          stack_name=stack_display_names(manifest).get(stack_id, stack_id), runs=runs,
                          labels=(label,) if label else ()))
    return sides[0], sides[1]


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


def _codes(values: pa.ChunkedArray, names: tuple[str, ...]) -> np.ndarray:
    return pc.fill_null(pc.index_in(values, value_set=pa.array(names, pa.string())), -1).to_numpy().astype(np.int16)


def _preventable(values: pa.ChunkedArray, idx: np.ndarray) -> np.ndarray:
    taken = values.take(pa.array(idx))
    return pc.fill_null(pc.cast(taken, pa.int8()), -1).to_numpy().astype(np.int8)


def pair_runs(baseline: Side, candidate: Side) -> Pairs:
    """Match the sides on (scenario_key, fidelity); count the runs left without a partner.

    Keys are 64-bit integers parsed from the 16-hex scenario keys; each fidelity is matched by
    sorting both sides and a binary search (O(n log n)), never a string join.
    """
    rb, rc = baseline.runs, candidate.runs
    families = tuple(sorted(set(pc.unique(rb["family"]).to_pylist()) | set(pc.unique(rc["family"]).to_pylist()))) \
        if rb.num_rows + rc.num_rows else ()
    fidelities = tuple(sorted(set(pc.unique(rb["fidelity"]).to_pylist()) | set(pc.unique(rc["fidelity"]).to_pylist())))\
        if rb.num_rows + rc.num_rows else ()
    kb, kc = hex_keys(rb["scenario_key"], source=baseline.text), hex_keys(rc["scenario_key"], source=candidate.text)
    fb, fc = _codes(rb["fidelity"], fidelities), _codes(rc["fidelity"], fidelities)
    parts_b, parts_c = [], []
    for code in range(len(fidelities)):
        sel_b, sel_c = np.flatnonzero(fb == code), np.flatnonzero(fc == code)
        sorted_keys = []
        for side, sel, keys in ((baseline, sel_b, kb), (candidate, sel_c, kc)):
            order = np.argsort(keys[sel])  # the keys are unique (checked below): no stable sort needed
            ordered = keys[sel][order]
            if ordered.size > 1 and not (ordered[1:] != ordered[:-1]).all():
                raise InputError("two runs of the side share a (scenario_key, fidelity): it is not one stack's runs "
                                 "of one sweep", source=side.text, field="scenario_key")
            sorted_keys.append((sel[order], ordered))
        (rows_b, keys_b), (rows_c, keys_c) = sorted_keys
        at = np.minimum(np.searchsorted(keys_b, keys_c), max(keys_b.size - 1, 0))
        hit = keys_b[at] == keys_c if keys_b.size else np.zeros(keys_c.size, dtype=bool)
        parts_b.append(rows_b[at[hit]])
        parts_c.append(rows_c[hit])
    ib = np.concatenate(parts_b) if parts_b else np.zeros(0, np.int64)
    ic = np.concatenate(parts_c) if parts_c else np.zeros(0, np.int64)
    fam_b, fam_c = _codes(rb["family"], families), _codes(rc["family"], families)

    def metric(table: pa.Table, name: str, idx: np.ndarray) -> np.ndarray:
        return pc.fill_null(table[name].take(pa.array(idx)).cast(pa.float64()), np.nan).to_numpy()

    names = [m for m, _, _ in METRICS] + [IMPACT[0]]
    return Pairs(
        family=fam_b[ib], families=families, fidelity=fb[ib], fidelities=fidelities, key=kb[ib],
        status_b=_codes(rb["status"], STATUSES)[ib], status_c=_codes(rc["status"], STATUSES)[ic],
        preventable_b=_preventable(rb["preventable"], ib), preventable_c=_preventable(rc["preventable"], ic),
        metrics_b={m: metric(rb, m, ib) for m in names}, metrics_c={m: metric(rc, m, ic) for m in names},
        index_b=ib, index_c=ic, runs_b=rb, runs_c=rc,
        unpaired_b=_unpaired(fam_b, ib, families), unpaired_c=_unpaired(fam_c, ic, families))


def _unpaired(codes: np.ndarray, used: np.ndarray, families: tuple[str, ...]) -> dict[str, int]:
    mask = np.ones(codes.size, dtype=bool)
    mask[used] = False
    counts = np.bincount(codes[mask], minlength=len(families)) if mask.any() else np.zeros(len(families), int)
    return {families[i]: int(k) for i, k in enumerate(counts) if k}


def family_versions(runs: pa.Table) -> dict[str, set[int]]:
    """family -> the versions its runs were made under."""
    return _versions(runs)


def side_facts(side: Side) -> dict[str, Any]:
    """What the report states about a side: sweep, stack, fingerprints (when read), platform, counts."""
    read = "code_fingerprint" in side.runs.column_names and side.runs.num_rows
    fingerprints = sorted(x for x in pc.unique(side.runs["code_fingerprint"]).to_pylist() if x) if read else []
    return {"target": side.text, "sweep_id": side.target.sweep_id, "stack": side.stack_name,
            "stack_id": side.stack_id, "state": side.manifest.state, "runs": side.runs.num_rows,
            "code_fingerprints": fingerprints, "platform": side.manifest.extra.get("platform"),
            "sweep_code_fingerprint": side.manifest.code_fingerprint}
