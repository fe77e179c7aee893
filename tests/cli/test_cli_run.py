"""``simfarm run``, ``simfarm stack check`` and ``simfarm --version`` through typer's CliRunner."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from farm import __version__

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"simfarm {__version__}"


def test_run_prints_metrics_and_pass() -> None:
    result = runner.invoke(app, ["run", "lead_vehicle_braking", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert "min_ttc_s" in result.output and "PASS" in result.output


def test_run_json_is_the_result_and_matches_the_spec() -> None:
    result = runner.invoke(app, ["run", "lead_vehicle_braking", "--param", "gap_m=1e1", "--json"])
    data = json.loads(result.output)
    assert data["spec"]["params"]["gap_m"] == 10.0 and data["status"] in ("passed", "failed")
    assert set(data["metrics"]) >= {"collision", "min_ttc_s", "route_completion"}
    assert result.exit_code == (0 if data["passed"] else 1)


def test_a_failing_edge_prints_fail_with_reasons_and_exits_1() -> None:
    args = ["run", "static_obstacle", "-p", "ego_speed_mps=25", "-p", "obstacle_distance_m=10", "-p",
            "avoid_left_m=0", "--fidelity", "kinematic"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1 and "FAIL" in result.output and "collision = true" in result.output


def test_unknown_family_is_one_line_naming_the_known_ones_exit_2() -> None:
    result = runner.invoke(app, ["run", "no_such_family"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no_such_family" in lines[0] and "lead_vehicle_braking" in lines[0]


def test_unknown_parameter_names_the_allowed_ones_exit_2() -> None:
    result = runner.invoke(app, ["run", "lead_vehicle_braking", "--param", "speed=3"])
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert "\n" not in line and "speed" in line and "gap_m" in line and "--param" in line


def test_out_of_range_value_names_the_range_exit_2() -> None:
    result = runner.invoke(app, ["run", "lead_vehicle_braking", "--param", "gap_m=500"])
    assert result.exit_code == 2
    assert "gap_m" in result.stderr and "80" in result.stderr and "\n" not in result.stderr.strip()


def test_malformed_param_and_bad_fidelity_exit_2() -> None:
    assert runner.invoke(app, ["run", "lead_vehicle_braking", "--param", "gap_m"]).exit_code == 2
    bad = runner.invoke(app, ["run", "lead_vehicle_braking", "--fidelity", "photoreal"])
    assert bad.exit_code == 2 and "dynamic, kinematic" in bad.stderr


def test_stack_check_passes_the_reference_stack_and_fails_a_broken_one() -> None:
    ok = runner.invoke(app, ["stack", "check", "reference"])
    assert ok.exit_code == 0 and "CONFORMS" in ok.output
    bad = runner.invoke(app, ["stack", "check", "tests.farm.broken_stacks:nondeterministic", "--json"])
    report = json.loads(bad.output)
    assert bad.exit_code == 1 and not report["ok"]
    assert "deterministic" in {c["name"] for c in report["checks"] if not c["ok"]}


def test_stack_check_rejects_a_malformed_entry_point_exit_2() -> None:
    result = runner.invoke(app, ["stack", "check", "not an entry point"])
    assert result.exit_code == 2 and "package.module:factory" in result.stderr


def test_json_output_of_a_real_process_is_pure_json() -> None:
    out = subprocess.run([sys.executable, "-m", "cli", "run", "curve_following", "--json"], cwd=ROOT,
                         capture_output=True, text=True)
    assert json.loads(out.stdout)["spec"]["family"] == "curve_following"


def test_a_stack_that_raises_mid_rollout_is_a_stack_error_and_exits_1() -> None:
    result = runner.invoke(app, ["run", "lead_vehicle_braking", "--json",
                                 "--stack", "tests.farm.broken_stacks:raises_mid_rollout"])
    data = json.loads(result.stdout)
    assert (data["status"], data["passed"], result.exit_code) == ("stack_error", False, 1)
    assert "planner diverged" in data["error"]


def test_run_json_never_spells_infinity_or_numbers_as_strings() -> None:
    from farm.jsonout import loads_strict

    result = runner.invoke(app, ["run", "curve_following", "--json"])  # nothing to close on: TTC never finite
    data = loads_strict(result.stdout)
    assert data["metrics"]["min_ttc_s"] is None  # null: never on a closing course (farm.jsonout)
    assert not any(isinstance(v, str) and v in ("inf", "-inf", "nan") for v in data["metrics"].values())
