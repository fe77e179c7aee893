"""End to end: a candidate stack that never moves, against the reference stack, fails the gate.

Real rollouts (pybullet DIRECT, in-process sequential executor) of three families' nominal
points on both stacks of one sweep, then ``simfarm report compare SWEEP:baseline SWEEP:candidate``.
"""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from farm.driver import submit
from farm.errors import ExitCode
from farm.jsonout import loads_strict

SWEEP = """\
name: inert-gate
seed: 5
stacks:
  - {entry_point: autonomy.reference:build_stack, config_name: baseline}
  - {entry_point: "tests.farm.adversarial_stacks:inert", config_name: candidate}
fidelity: [kinematic]
resources: {batch_size: 3, timeout_s: 60, retries: 0}
families:
  - {name: lead_vehicle_braking, sampler: nominal}
  - {name: cut_in, sampler: nominal}
  - {name: static_obstacle, sampler: nominal}
"""


def test_an_inert_candidate_fails_against_the_reference_stack(tmp_path: Path) -> None:
    sweep_file = tmp_path / "inert.yaml"
    sweep_file.write_text(SWEEP)
    store = tmp_path / "store"
    report = submit(sweep_file, store=str(store), executor="sequential", tty=False, today=None)
    sweep_id = report.sweep_id
    out = CliRunner().invoke(app, ["report", "compare", f"{sweep_id}:baseline", f"{sweep_id}:candidate", "--store",
                                   str(store), "--json", "-o", str(tmp_path / "report")], catch_exceptions=False)
    assert out.exit_code == ExitCode.FINDING, out.output
    data = loads_strict(out.stdout)
    assert data["verdict"]["outcome"] == "fail" and data["pairing"]["pairs"] == 3
    by_family = {f["family"]: f for f in data["families"]}
    for family in ("lead_vehicle_braking", "cut_in"):  # critical: one newly failing preventable run each
        j = by_family[family]["judgement"]
        assert (j["outcome"], j["b"], j["c"], j["newly_failing_critical"]) == ("fail", 1, 0, 1)
    rows = {r["family"]: r for r in data["newly_failing"]["listed"]}
    assert rows["cut_in"]["baseline_status"] == "passed" and rows["cut_in"]["candidate_status"] == "failed"
    assert rows["cut_in"]["replay"].startswith(f"simfarm replay {rows['cut_in']['candidate_run']} --sweep {sweep_id}")
    assert rows["cut_in"]["params"] and rows["cut_in"]["fail_reasons"]
    assert data["baseline"]["stack_id"] != data["candidate"]["stack_id"] and not data["determinism"]["defect"]
