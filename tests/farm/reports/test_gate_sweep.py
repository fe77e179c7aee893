"""Running a gate for real: the shipped two-stack gate sweep pairs one to one; ``submit --today`` fixes rotation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from farm.driver import submit
from farm.errors import InputError
from farm.store import open_store
from farm.sweep import expand, load_sweep

ROOT = Path(__file__).resolve().parents[3]
ROTATING = """\
name: rotating-null
seed: 3
families:
  - {name: "null", sampler: random, budget: 3, rotate: daily, params: {work_ms: {fixed: 0.0}}}
resources: {batch_size: 3, timeout_s: 30, retries: 0}
"""


def test_the_shipped_gate_sweep_runs_both_stacks_on_identical_samples() -> None:
    sweep = load_sweep(ROOT / "scenario_library" / "sweeps" / "gate.yaml")
    specs = expand(sweep)
    by_stack: dict[str, set[tuple[str, str]]] = {}
    for spec in specs:
        by_stack.setdefault(spec.stack.config_name, set()).add((spec.scenario_key, spec.fidelity))
    assert set(by_stack) == {"baseline", "candidate"}
    assert by_stack["baseline"] == by_stack["candidate"] and len(by_stack["baseline"]) * 2 == len(specs)
    assert len({s.sim for s in specs}) == 1


def test_submit_today_expands_the_rotating_set_for_that_date_and_records_it(tmp_path: Path) -> None:
    path = tmp_path / "rotating.yaml"
    path.write_text(ROTATING)
    day = dt.date(2024, 6, 1)
    report = submit(path, store=str(tmp_path / "store"), executor="sequential", tty=False, today=day)
    store = open_store(str(tmp_path / "store"))
    stored = {s.run_id for s in store.read_specs(report.sweep_id)}
    assert stored == {s.run_id for s in expand(load_sweep(path), today=day)}
    assert stored != {s.run_id for s in expand(load_sweep(path), today=day + dt.timedelta(days=1))}
    assert store.read_manifest(report.sweep_id).extra["rotation_date"] == "2024-06-01"
    with pytest.raises(InputError, match="a resume runs the stored specs"):
        submit(path, store=str(tmp_path / "store"), resume=report.sweep_id, executor="sequential", tty=False,
               today=day)
