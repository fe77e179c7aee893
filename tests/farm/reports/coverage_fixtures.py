"""A small real store for coverage tests: a sweep file expanded by the real loader, results with chosen statuses.

No simulator: each ``RolloutResult`` is built from its expanded spec with a status
that a rule picks from the spec's parameters, so tests know every count in advance.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from farm.result import Preventability, RolloutResult, Status
from farm.spec import RolloutSpec
from farm.store import open_store
from farm.store.base import Manifest, Store
from farm.sweep import expand, load_sweep

SWEEP_ID = "cov-20261201T000000Z-abc123"
SWEEP_YAML = """\
name: cov
seed: 11
stacks: [reference]
families:
  - name: lead_vehicle_braking
    sampler: sobol
    budget: 16
    params:
      brake_time_s: {fixed: 3.0}
      lead_decel_mps2: {range: [1.0, 6.0]}
  - name: low_friction_braking
    sampler: twise
    strength: 2
  - name: pedestrian_crossing
    sampler: lhs
    budget: 8
"""

StatusRule = Callable[[RolloutSpec], Status]


def fails_at_short_gaps(spec: RolloutSpec) -> Status:
    """lead_vehicle_braking fails below a 20 m gap; every other run passes."""
    params = spec.param_dict
    return Status.FAILED if float(params.get("gap_m", 99.0)) < 20.0 else Status.PASSED  # type: ignore[arg-type]


def make_store(tmp_path: Path, *, sweep_yaml: str = SWEEP_YAML, rule: StatusRule = fails_at_short_gaps,
               state: str = "complete") -> tuple[Store, Path, list[RolloutSpec]]:
    """A local store holding one complete sweep of ``sweep_yaml`` (file kept at ``tmp_path/cov.yaml``)."""
    path = tmp_path / "cov.yaml"
    path.write_text(sweep_yaml)
    specs = expand(load_sweep(path))
    store = open_store(str(tmp_path / "store"))
    results = [RolloutResult(spec=s, status=rule(s), preventability=Preventability(
        preventable=True, rule="lead_vehicle_braking@1", ref_impact_speed_mps=0.0, ref_min_gap_m=2.0)) for s in specs]
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status.value] = counts.get(r.status.value, 0) + 1
    manifest = Manifest(sweep_id=SWEEP_ID, name="cov", created_at="2026-12-01T00:00:00Z",
                        updated_at="2026-12-01T00:00:00Z", code_fingerprint="fp", stacks=(specs[0].stack_id,),
                        total=len(specs), counts=counts, state=state, sweep_file=str(path))
    store.create_sweep(manifest, specs)
    store.write_results(SWEEP_ID, results)
    return store, path, specs
