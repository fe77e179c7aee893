"""``simfarm scenarios list|show|validate`` through the real app, with and without --json."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from cli.main import app
from scenario_library.catalog import families_dir

runner = CliRunner()


def test_list_shows_every_visible_family_and_hides_test_only_ones() -> None:
    result = runner.invoke(app, ["scenarios", "list"])
    assert result.exit_code == 0
    assert "lead_vehicle_braking" in result.stdout and "curve_following" in result.stdout
    assert "null" not in result.stdout.split() and "fault" not in result.stdout


def test_list_json_gives_version_criticality_odd_tags_and_parameter_count() -> None:
    rows = json.loads(runner.invoke(app, ["scenarios", "list", "--json"]).stdout)
    by_name = {row["family"]: row for row in rows}
    assert by_name["low_friction_braking"] == {
        "family": "low_friction_braking", "version": 2, "criticality": "critical",
        "odd_tags": by_name["low_friction_braking"]["odd_tags"], "parameters": 3, "test_only": False}
    assert "surface_friction=low" in by_name["low_friction_braking"]["odd_tags"]
    assert [row["family"] for row in rows] == sorted(by_name)


def test_list_all_includes_the_test_only_families() -> None:
    rows = json.loads(runner.invoke(app, ["scenarios", "list", "--all", "--json"]).stdout)
    assert {"null", "fault"} <= {row["family"] for row in rows}


def test_show_prints_parameters_criteria_and_edge_cases() -> None:
    result = runner.invoke(app, ["scenarios", "show", "pedestrian_crossing"])
    assert result.exit_code == 0
    for text in ("trigger_distance_m", "collision == false", "child_steps_out_behind_parked_car", "ego_speed_band"):
        assert text in result.stdout


def test_show_json_is_the_family_document() -> None:
    data = json.loads(runner.invoke(app, ["scenarios", "show", "cut_in", "--json"]).stdout)
    assert data["name"] == "cut_in" and data["builder"] == "cut_in:build"
    assert data["parameters"][0]["range"] == [8.0, 30.0]
    assert data["edge_cases"][0]["expect"] == "fail"


def test_show_an_unknown_family_is_one_error_line_and_exit_2() -> None:
    result = runner.invoke(app, ["scenarios", "show", "no_such_family"])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: family: unknown family 'no_such_family' (known: ")


def test_validate_the_shipped_families_exits_0() -> None:
    result = runner.invoke(app, ["scenarios", "validate", str(families_dir())])
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout.count("ok: ") == len(list(families_dir().glob("*.yaml")))


def test_validate_a_malformed_file_prints_one_line_naming_file_field_and_reason(
        write: Callable[..., Path], doc: dict[str, Any]) -> None:
    doc["parameters"][0]["range"] = [1.0, 0.0]
    path = write(doc)
    result = runner.invoke(app, ["scenarios", "validate", str(path)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"error: {path}: parameters[0].range: empty or inverted range [1, 0]: needs low < high"]


def test_validate_json_lists_valid_files_and_errors(write: Callable[..., Path], doc: dict[str, Any]) -> None:
    good = write(doc, "good.yaml")
    doc["name"] = "other"
    doc["criteria"] = ["ttc >= 1"]
    bad = write(doc, "bad.yaml")
    result = runner.invoke(app, ["scenarios", "validate", "--json", str(good), str(bad)])
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert data["valid"] == [{"family": "probe", "version": 1, "source": str(good)}]
    assert [(e["source"], e["field"]) for e in data["errors"]] == [(str(bad), "criteria[0]")]


def test_validate_a_missing_path_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["scenarios", "validate", str(tmp_path / "missing.yaml")])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"error: {tmp_path / 'missing.yaml'}: no such file or directory"]
