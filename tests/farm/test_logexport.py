"""The closed-loop check: a lead_vehicle_braking rollout exported as a real-run log and replayed with log_replay."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from farm.logexport import ACTOR_POSITION_TOLERANCE_M, TOLERANCES, export_rollout, replay_exported
from farm.reallog import read_log
from farm.spec import RolloutSpec
from scenario_library.catalog import load_family

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "lead_braking_log"


def _spec(family: str, **overrides: object) -> RolloutSpec:
    fam = load_family(family)
    return RolloutSpec.create(family=fam.name, family_version=fam.version, params=fam.resolve(overrides), seed=1,
                              fidelity="kinematic")


def test_an_exported_lead_braking_rollout_replays_to_the_same_outcome_and_metrics(tmp_path: Path) -> None:
    exported = export_rollout(_spec("lead_vehicle_braking"), tmp_path, real_run_id="lead_braking_nominal")
    check = replay_exported(exported, tmp_path)
    a, b = exported.source.metrics, check.replay.metrics
    assert exported.source.passed and check.replay.passed and a.collision is b.collision is False
    for name, tolerance in TOLERANCES.items():
        assert abs(getattr(a, name) - getattr(b, name)) <= tolerance, name
    assert check.agreement.max_actor_error_m <= ACTOR_POSITION_TOLERANCE_M  # the lead where the simulated lead was
    assert check.agreement.agrees
    # the written files are the real-run format: logformat's reader accepts them and recomputes the verdict
    assert read_log(tmp_path).run("lead_braking_nominal").passed is True


def test_the_shipped_example_is_the_packaged_nominal_log_of_log_replay() -> None:
    digest, _ = read_log(EXAMPLE).content("lead_braking_nominal")
    assert load_family("log_replay").nominal["log"] == digest
    header = next(csv.reader((EXAMPLE / "trajectories.csv").open()))
    assert header == ["real_run_id", "t_s", "actor_id", "kind", "length_m", "width_m", "x_m", "y_m", "yaw_rad",
                      "v_mps"]


def test_log_replay_rollouts_hash_the_same_in_two_processes() -> None:
    spec = _spec("log_replay", reactive=True)
    code = ("import sys; from farm.spec import RolloutSpec; from farm.sim.rollout import run_rollout;"
            "print(run_rollout(RolloutSpec.from_json(sys.stdin.read())).outcome_hash)")
    other = subprocess.run([sys.executable, "-c", code], input=spec.to_json(), capture_output=True, text=True,
                           cwd=ROOT, check=True).stdout.strip().splitlines()[-1]
    from farm.sim.rollout import run_rollout

    here = run_rollout(spec)
    assert here.error is None and other == here.outcome_hash


@pytest.mark.parametrize("json_out", [False, True])
def test_export_log_refuses_an_unknown_fidelity_in_one_line(tmp_path: Path, json_out: bool) -> None:
    args = ["export-log", "lead_vehicle_braking", "-o", str(tmp_path), "--fidelity", "warp"]
    result = CliRunner().invoke(app, args + (["--json"] if json_out else []))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "warp" in result.output and len(result.output.strip().splitlines()) == 1
    assert not any(tmp_path.iterdir())  # nothing written
