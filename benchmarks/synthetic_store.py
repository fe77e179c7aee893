"""A synthetic sweep of N rollouts in the real store layout, compacted: what report benchmarks and tests read.

``make_synthetic_sweep(store, sweep_id, n_rows, seed=..)`` writes a manifest (no expanded specs: a million
specs would be hundreds of MB, and no report reads them), then the four tables of every family as
in-flight parts under ``farm.store.layout.part_object_key`` cast to the declared schemas of
``farm.schema``, and finally runs the store's own ``compact``, so the sweep ends exactly as a real
one does: ``compacted/<table>/family=<f>/<generation>-<nnnnn>.parquet``, listed in the manifest,
state ``complete``. Nothing is simulated; values are drawn from one ``numpy.random.Generator``, so a
seed gives the same sweep every time.

What is realistic about it (reports must handle all of it):

- the real catalogue's families, versions and parameters (ranges, levels, choices), or the
  families you name; per family a ``nominal`` point (at both fidelities), a ``grid`` over the
  declared levels and random designs (``sobol``, ``lhs``, ``random``, ``halton``);
- two stacks (``reference`` and ``cautious``, recorded in ``manifest.extra["stack_names"]``),
  ``seeds_per_sample`` seeds per sample; outcomes correlated within a sample, so a few samples
  are flaky (their seeds disagree);
- statuses ``passed``/``failed`` with rare ``stack_error``, ``timeout`` and ``sim_error``;
  fail reasons in the real ``"<metric> = <value>, needs <op> <threshold>"`` form from the
  family's criteria; collisions with kind, class, at-fault flag and speeds; a preventable
  verdict per run (about a quarter unpreventable, with the reference driver's impact speed);
- per-module measured latency, safety triggers and fallbacks, and events (``goal_reached``,
  ``aeb``, ``collision``, ``fallback``, ``deadline_miss`` with the real detail format);
- the long ``params`` table, one row per run and parameter.

The ``spec`` column is null: synthetic rows cannot be replayed, and a report must never read it.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from farm.identity import content_hash, part_key, scenario_key
from farm.schema import SCHEMA_VERSION, SCHEMAS
from farm.spec import StackRef
from farm.store.base import Manifest, Store
from farm.store.layout import part_object_key
from farm.store.parquet_io import to_parquet_bytes
from scenario_library.catalog import list_families, load_family
from scenario_library.family import Family

STACKS: dict[str, StackRef] = {
    "reference": StackRef.create("autonomy.reference:build_stack", "default", {}),
    "cautious": StackRef.create("autonomy.reference:build_stack", "cautious", {"planner": {"max_speed_mps": 20.0}}),
}
MODULES = ("localization", "perception", "tracking", "prediction", "planning", "control", "safety")
_MODULE_MS = np.array([0.4, 6.0, 1.2, 0.8, 3.5, 0.2, 0.3])      # typical measured p50 per module [ms]
_DEADLINE_MS = (10.0, 40.0, 10.0, 10.0, 30.0, 5.0, 5.0)          # farm.spec.DEFAULT_LATENCY
_RANDOM_DESIGNS = ("sobol", "lhs", "random", "halton")
_KIND = {"pedestrian_crossing": "pedestrian", "static_obstacle": "static", "narrow_passage": "static",
         "curve_following": "static"}
PART_ROWS = 20_000  # rows per written part before compaction


@dataclass(frozen=True, slots=True)
class _Samples:
    """One family's samples: their params (JSON and long form), designs and severities in [0, 1]."""

    params_json: list[str]
    values: list[dict[str, float | int | bool | str]]
    design: np.ndarray
    severity: np.ndarray


def make_synthetic_sweep(store: Store, sweep_id: str, n_rows: int, *, seed: int,
                         families: Sequence[str] | None = None, seeds_per_sample: int = 3) -> Manifest:
    """Write a complete, compacted synthetic sweep of exactly ``n_rows`` runs; returns its manifest."""
    if n_rows < 1:
        raise ValueError(f"n_rows must be >= 1, got {n_rows}")
    # By default the parametric families: a family with an ``input`` parameter (log_replay) replays a
    # stored log, which a synthetic sweep has none of.
    chosen = ([load_family(f) for f in families] if families else
              [f for f in list_families() if all(p.sampled for p in f.parameters)])
    rng = np.random.default_rng(seed)
    shares = np.full(len(chosen), n_rows // len(chosen))
    shares[: n_rows - int(shares.sum())] += 1
    now = "2026-12-01T02:00:00+00:00"
    stack_ids = {name: ref.stack_id for name, ref in STACKS.items()}
    manifest = Manifest(sweep_id=sweep_id, name=sweep_id.split("-")[0], created_at=now, updated_at=now,
                        code_fingerprint="simfarm synthetic", stacks=tuple(stack_ids.values()),
                        versions={"simfarm": "synthetic"}, total=n_rows, state="running",
                        sweep_file="synthetic", schema_version=SCHEMA_VERSION,
                        extra={"stack_names": stack_ids, "synthetic": {"seed": seed, "n_rows": n_rows}})
    store.create_sweep(manifest, [])
    for family, n_family in zip(chosen, shares, strict=True):
        if n_family:
            tables = family_tables(family, int(n_family), sweep_id, rng, seeds_per_sample)
            _write_parts(store, sweep_id, family.name, tables)
    store.compact(sweep_id)
    return store.update_manifest(sweep_id, _completed)


def _completed(m: Manifest) -> Manifest:
    from dataclasses import replace

    return replace(m, state="complete")


def _write_parts(store: Store, sweep_id: str, family: str, tables: dict[str, pa.Table]) -> None:
    """In-flight parts as the driver writes them (runs last), ``PART_ROWS`` runs each."""
    backend = store.backend  # type: ignore[attr-defined]
    runs = tables["runs"]
    for start in range(0, runs.num_rows, PART_ROWS):
        chunk = runs.slice(start, PART_ROWS)
        ids = chunk["run_id"].to_pylist()
        stem = f"{part_key(ids)}-{content_hash(['synthetic', ids[0], len(ids)], n_hex=8)}"
        id_set = pa.array(ids)
        for table in ("events", "params", "telemetry", "runs"):
            rows = chunk if table == "runs" else tables[table].filter(pc.is_in(tables[table]["run_id"],
                                                                                        value_set=id_set))
            if table == "runs" or rows.num_rows:
                backend.put(part_object_key(sweep_id, table, family, stem), to_parquet_bytes(rows))


def _draw_samples(family: Family, n_random: int, rng: np.random.Generator, grid_cap: int) -> _Samples:
    params = family.parameters
    grid = list(itertools.islice(itertools.product(*[p.levels for p in params]), grid_cap))
    values: list[dict[str, float | int | bool | str]] = [family.nominal]
    values += [dict(zip([p.name for p in params], combo, strict=True)) for combo in grid]
    designs = ["nominal"] + ["grid"] * len(grid)
    columns = []
    for p in params:
        if p.type == "float":
            columns.append([float(v) for v in rng.uniform(p.low, p.high, n_random).round(4)])
        elif p.type == "int":
            columns.append([int(v) for v in rng.integers(int(p.low), int(p.high) + 1, n_random)])
        else:
            columns.append([p.levels[i] for i in rng.integers(0, len(p.levels), n_random)])
    values += [dict(zip([p.name for p in params], row, strict=True)) for row in zip(*columns, strict=True)]
    designs += [_RANDOM_DESIGNS[i] for i in rng.integers(0, len(_RANDOM_DESIGNS), n_random)]
    severity = np.array([_severity(family, v) for v in values])
    return _Samples(params_json=[json.dumps(v, sort_keys=True) for v in values], values=values,
                    design=np.array(designs), severity=severity)


def _severity(family: Family, values: dict[str, float | int | bool | str]) -> float:
    """A made-up hardness in [0, 1]: the mean position of the numeric parameters in their ranges."""
    spots = [(float(values[p.name]) - p.low) / (p.high - p.low) for p in family.parameters
             if p.type in ("float", "int") and p.high is not None and p.low is not None and p.high > p.low]
    return float(np.mean(spots)) if spots else 0.5


def family_tables(family: Family, n_rows: int, sweep_id: str, rng: np.random.Generator,
                  seeds_per_sample: int = 3) -> dict[str, pa.Table]:
    """The runs, events, params and (empty) telemetry tables of ``n_rows`` synthetic runs of one family."""
    per_sample = seeds_per_sample * len(STACKS)
    n_samples = max(1, -(-n_rows // per_sample))
    grid_cap = max(0, min(64, n_samples // 10))
    samples = _draw_samples(family, max(0, n_samples - 1 - grid_cap), rng, grid_cap)
    n_s = len(samples.values)
    # Every sample runs every seed on every stack (kinematic); the nominal point also at dynamic fidelity.
    sample = np.repeat(np.arange(n_s), per_sample)
    seed = np.tile(np.repeat(np.arange(1, seeds_per_sample + 1), len(STACKS)), n_s)
    stack = np.tile(np.arange(len(STACKS)), n_s * seeds_per_sample)
    fidelity = np.zeros(len(sample), dtype=np.int8)
    nominal_rows = np.flatnonzero(sample == 0)
    sample, seed, stack = (np.concatenate([a, a[nominal_rows]]) for a in (sample, seed, stack))
    fidelity = np.concatenate([fidelity, np.ones(len(nominal_rows), dtype=np.int8)])
    order = np.argsort(sample, kind="stable")[:n_rows]
    sample, seed, stack, fidelity = sample[order], seed[order], stack[order], fidelity[order]
    return _tables(family, samples, sample, seed, stack, fidelity, sweep_id, rng)


def _hex_ids(rng: np.random.Generator, n: int) -> list[str]:
    ids = np.unique(rng.integers(0, 2**63 - 1, size=int(n * 1.01) + 8, dtype=np.int64))[:n]
    rng.shuffle(ids)
    return [f"{int(x):016x}" for x in ids]


def _tables(family: Family, samples: _Samples, sample: np.ndarray, seed: np.ndarray, stack: np.ndarray,
            fidelity: np.ndarray, sweep_id: str, rng: np.random.Generator) -> dict[str, pa.Table]:
    n = len(sample)
    stack_ids = np.array([ref.stack_id for ref in STACKS.values()])
    run_ids = _hex_ids(rng, n)
    # Outcomes: a sample-level latent shared by its seeds (and stacks), a little per-seed noise.
    latent = rng.uniform(size=len(samples.values))[sample] * 0.85 + rng.uniform(size=n) * 0.15
    p_fail = 1.0 / (1.0 + np.exp(-(5.0 * (samples.severity[sample] - 0.55) - 0.8 * stack)))
    failed = latent < p_fail
    unpreventable = (latent < p_fail * 0.45) & (rng.uniform(size=n) < 0.8)
    status = np.where(failed, "failed", "passed").astype(object)
    roll = rng.uniform(size=n)
    status[roll < 0.006] = "sim_error"
    status[(roll >= 0.006) & (roll < 0.008)] = "stack_error"
    status[(roll >= 0.008) & (roll < 0.009)] = "timeout"
    counted = status != "sim_error"
    failed = status == "failed"
    crit = [c for c in family.criteria]
    which = rng.integers(0, len(crit), n)
    collided = failed & (np.array([crit[i].metric == "collision" for i in range(len(crit))])[which] | unpreventable)
    reasons = [[_reason(crit[which[i]], rng)] if failed[i] else [] for i in range(n)]
    for i in np.flatnonzero(collided):
        if crit[which[i]].metric != "collision":
            reasons[i].insert(0, "collision = true, needs == false")
    ego_speed = rng.uniform(3.0, 25.0, n)
    rel_speed = ego_speed * rng.uniform(0.2, 1.0, n)
    kinds = np.array([_KIND.get(family.name, "vehicle"), "none"], dtype=object)
    classes = np.array(["front", "rear", "lateral", "stopped_track"], dtype=object)[rng.integers(0, 4, n)]
    ref_impact = np.where(unpreventable & counted, np.maximum(0.0, ego_speed * rng.uniform(0.6, 1.3, n)), 0.0)
    triggers = rng.poisson(np.where(failed, 1.2, 0.25)).astype(np.int32)
    fallbacks = (rng.uniform(size=n) < np.where(failed, 0.06, 0.01)).astype(np.int32)
    lat = _MODULE_MS[None, :] * rng.lognormal(0.0, 0.2, (n, len(MODULES)))
    error = np.where(status == "sim_error", "RuntimeError: synthetic builder failure", None)
    runs = {
        "run_id": run_ids, "scenario_key": _scenario_keys(family, samples, sample, seed),
        "sweep_id": [sweep_id] * n, "family": [family.name] * n, "family_version": [family.version] * n,
        "seed": seed, "stack_id": stack_ids[stack], "fidelity": np.array(["kinematic", "dynamic"])[fidelity],
        "design": samples.design[sample], "params": pa.array(samples.params_json).take(pa.array(sample)),
        "odd_tags": [list(family.odd_tags)] * n, "status": status, "passed": status == "passed",
        "fail_reasons": reasons, "error": error, "outcome_hash": [r + r for r in run_ids],
        "collision": collided, "collision_speed_mps": np.where(collided, ego_speed, 0.0),
        "collision_rel_speed_mps": np.where(collided, rel_speed, 0.0),
        "collision_kind": kinds[np.where(collided, 0, 1)], "collision_class": np.where(collided, classes, "none"),
        "collision_at_fault": collided & np.isin(classes, ["front", "stopped_track"]),
        "min_ttc_s": np.where(rng.uniform(size=n) < 0.2, np.inf, rng.gamma(2.0, 1.5, n)),
        "min_distance_m": np.where(collided, 0.0, rng.gamma(2.0, 2.0, n)), "min_distance_interest_m": None,
        "route_completion": np.where(failed, rng.uniform(0.3, 1.0, n), 1.0),
        "time_to_goal_s": np.where(failed, np.nan, rng.uniform(6.0, family.duration_s, n)),
        "max_decel_mps2": rng.uniform(0.0, 8.0, n), "max_jerk_mps3": rng.uniform(0.0, 12.0, n),
        "max_lat_accel_mps2": rng.uniform(0.0, 4.0, n), "offroad": np.zeros(n, bool),
        "speed_violation": np.zeros(n, bool), "safety_triggers": triggers, "fallbacks": fallbacks,
        "stack_p50_ms": lat.sum(axis=1), "stack_p95_ms": lat.sum(axis=1) * 1.4, "stack_max_ms": lat.sum(axis=1) * 2,
        "latency": _latency_column(lat), "sim_time_s": np.full(n, family.duration_s),
        "wall_time_s": rng.uniform(0.2, 2.0, n), "attempt": np.ones(n, np.int32), "worker": ["synthetic"] * n,
        "code_fingerprint": ["simfarm synthetic"] * n, "started_at": None, "spec": None,
        "preventable": pa.array(~unpreventable, mask=status == "sim_error"),
        "preventable_rule": [f"{family.name}@1"] * n, "ref_impact_speed_mps": ref_impact,
        "ref_min_gap_m": np.where(unpreventable, 0.0, rng.uniform(0.5, 10.0, n)), "ref_policy": ["brake"] * n,
        "ref_perception_t_s": None, "rss_min_safe_gap_m": None, "rss_gap_m": None, "rss_violated_t0": None,
        "jrc_fsm_pfs_t0": None, "jrc_fsm_cfs_t0": None, "schema_version": np.full(n, SCHEMA_VERSION, np.int16),
    }
    runs["time_to_goal_s"] = pa.array(runs["time_to_goal_s"], from_pandas=True)
    table = pa.table({name: _column(runs[name], n, field.type) for name, field in
                      zip(SCHEMAS["runs"].names, SCHEMAS["runs"], strict=True)}, schema=SCHEMAS["runs"])
    return {"runs": table, "events": _events(table, lat, rng), "params": _params(family, samples, sample, run_ids),
            "telemetry": SCHEMAS["telemetry"].empty_table()}


def _scenario_keys(family: Family, samples: _Samples, sample: np.ndarray, seed: np.ndarray) -> pa.Array:
    """The real ``farm.identity.scenario_key`` of every (sample, seed), computed once per pair."""
    pairs, index = np.unique(np.stack([sample, seed], axis=1), axis=0, return_inverse=True)
    keys = [scenario_key(family.name, family.version, samples.values[s], int(k)) for s, k in pairs]
    return pa.array(keys, pa.string()).take(pa.array(index.reshape(-1)))


def _column(value: object, n: int, kind: pa.DataType) -> pa.Array:
    if value is None:
        return pa.nulls(n, type=kind)
    if isinstance(value, pa.Array | pa.ChunkedArray):
        return value.cast(kind)
    return pa.array(value, type=kind)


def _reason(criterion: object, rng: np.random.Generator) -> str:
    metric, op, value = criterion.metric, criterion.op, criterion.value  # type: ignore[attr-defined]
    if isinstance(value, bool):
        return f"{metric} = {str(not value).lower()}, needs {op} {str(value).lower()}"
    if isinstance(value, str):
        return f"{metric} = front, needs {op} {value}"
    shown = value * (rng.uniform(0.3, 0.95) if op in (">=", ">") else rng.uniform(1.05, 2.0))
    return f"{metric} = {shown:.3g}, needs {op} {value:.3g}"


def _latency_column(lat: np.ndarray) -> pa.Array:
    n, m = lat.shape
    flat = lat.reshape(-1)
    structs = pa.StructArray.from_arrays(
        [pa.array(np.tile(np.array(MODULES, dtype=object), n)), pa.array(flat), pa.array(flat * 1.5),
         pa.array(flat * 2.5)], names=["module", "p50_ms", "p95_ms", "max_ms"])
    return pa.ListArray.from_arrays(pa.array(np.arange(0, n * m + 1, m, dtype=np.int32)), structs)


def _events(runs: pa.Table, lat: np.ndarray, rng: np.random.Generator) -> pa.Table:
    ids = np.array(runs["run_id"].to_pylist(), dtype=object)
    family = runs["family"][0].as_py()
    n = len(ids)
    pieces: list[tuple[np.ndarray, np.ndarray, str, list[str]]] = []
    goal = np.flatnonzero(runs["passed"].to_numpy(zero_copy_only=False))
    pieces.append((goal, rng.uniform(5.0, 12.0, len(goal)), "goal_reached", [""] * len(goal)))
    hit = np.flatnonzero(runs["collision"].to_numpy(zero_copy_only=False))
    pieces.append((hit, rng.uniform(2.0, 8.0, len(hit)), "collision", ["actor_0 front, at fault"] * len(hit)))
    aeb = np.repeat(np.arange(n), runs["safety_triggers"].to_numpy())
    pieces.append((aeb, rng.uniform(1.0, 9.0, len(aeb)), "aeb", ["ttc 0.90 s track 1"] * len(aeb)))
    fb = np.flatnonzero(runs["fallbacks"].to_numpy())
    pieces.append((fb, rng.uniform(1.0, 9.0, len(fb)), "fallback", ["3 consecutive ticks with deadline misses"]
                   * len(fb)))
    miss = np.flatnonzero(rng.uniform(size=n) < 0.03)
    module = rng.choice([1, 4], size=len(miss))  # perception and planning spike
    details = [f"{MODULES[k]} {_DEADLINE_MS[k] * u:.1f} > {_DEADLINE_MS[k]:.1f}"
               for k, u in zip(module, rng.uniform(1.05, 2.5, len(miss)), strict=True)]
    pieces.append((miss, rng.uniform(0.5, 9.0, len(miss)), "deadline_miss", details))
    rows = np.concatenate([p[0] for p in pieces])
    return pa.table({"run_id": pa.array(ids[rows], pa.string()), "family": pa.array([family] * len(rows)),
                     "t_s": np.concatenate([p[1] for p in pieces]),
                     "kind": pa.array([p[2] for p in pieces for _ in range(len(p[0]))]),
                     "detail": pa.array([d for p in pieces for d in p[3]])}, schema=SCHEMAS["events"])


def _params(family: Family, samples: _Samples, sample: np.ndarray, run_ids: list[str]) -> pa.Table:
    names = [p.name for p in family.parameters]
    num = [[None if isinstance(v[k], str) else float(v[k]) for k in names] for v in samples.values]
    text = [[str(v[k]).lower() if isinstance(v[k], bool) else str(v[k]) for k in names] for v in samples.values]
    rows = np.repeat(sample, len(names))
    within = np.tile(np.arange(len(names)), len(sample))
    flat = rows * len(names) + within
    return pa.table({
        "run_id": pa.array(np.repeat(np.array(run_ids, dtype=object), len(names)), pa.string()),
        "family": pa.array([family.name] * len(flat)), "name": pa.array(np.array(names, dtype=object)[within]),
        "num_value": pa.array([x for row in num for x in row], pa.float64()).take(pa.array(flat)),
        "str_value": pa.array([x for row in text for x in row], pa.string()).take(pa.array(flat)),
    }, schema=SCHEMAS["params"])
