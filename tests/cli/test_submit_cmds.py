"""``simfarm submit|status|logs|cancel`` through typer's CliRunner, on embedded Ray and a local store."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from farm.jsonout import loads_strict

SWEEPS = Path(__file__).resolve().parents[1] / "farm" / "execution" / "sweeps"
runner = CliRunner()


@pytest.fixture(scope="module")
def finished(ray_session: None, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    store = tmp_path_factory.mktemp("store")
    result = runner.invoke(app, ["submit", str(SWEEPS / "null_grid.yaml"), "--store", str(store), "--json",
                                 "--batch-size", "6"])
    assert result.exit_code == 1, result.output  # 12 failed rollouts: a finding
    return store, loads_strict(result.stdout)  # one strict document, even with progress on stderr


def test_submit_json_reports_the_whole_sweep(finished: tuple[Path, dict]) -> None:
    _, report = finished
    assert report["state"] == "complete" and report["ran"] == 60 and report["exit_code"] == 1
    assert report["counts"] == {"passed": 48, "failed": 12}
    assert report["sweep_id"].startswith("exec-null-grid-")


def test_submit_prints_the_sweep_id_then_a_per_family_summary(ray_session: None, tmp_path: Path) -> None:
    result = runner.invoke(app, ["submit", str(SWEEPS / "null_grid.yaml"), "--store", str(tmp_path),
                                 "--batch-size", "10"])
    assert result.exit_code == 1, result.output
    first_line = result.stdout.splitlines()[0]
    assert first_line.startswith("sweep exec-null-grid-") and str(tmp_path) in first_line
    # 15 grid samples, 12 pass: a rate of 0.8 with counts only (a chosen design has no interval).
    assert re.search(r"null .* 60 +12 .* 15 +12 +0 +0\.8 counts only", result.stdout), result.stdout
    assert "complete" in result.stdout


def test_status_and_logs_as_json(finished: tuple[Path, dict]) -> None:
    store, report = finished
    status = runner.invoke(app, ["status", report["sweep_id"], "--store", str(store), "--json"])
    assert status.exit_code == 0
    info = json.loads(status.stdout)
    assert (info["state"], info["done"], info["total"], info["lease"]) == ("complete", 60, 60, None)
    logs = runner.invoke(app, ["logs", report["sweep_id"], "--store", str(store), "--json"])
    assert any("complete" in line for line in json.loads(logs.stdout)["lines"])


def test_cancel_of_a_complete_sweep_changes_nothing(finished: tuple[Path, dict]) -> None:
    store, report = finished
    result = runner.invoke(app, ["cancel", report["sweep_id"], "--store", str(store), "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["cancelled"] is False


def test_bad_input_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["submit", str(SWEEPS / "null_grid.yaml"), "--store", str(tmp_path),
                                 "--timeout-s", "0"])
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and "--timeout-s" in result.stderr
    missing = runner.invoke(app, ["submit", str(tmp_path / "nope.yaml"), "--store", str(tmp_path)])
    assert missing.exit_code == 2 and "nope.yaml" in missing.stderr
    remote = runner.invoke(app, ["submit", str(SWEEPS / "null_grid.yaml"), "--store", str(tmp_path),
                                 "--address", "auto"])
    assert remote.exit_code == 2 and "s3://" in remote.stderr


def test_status_of_an_unknown_sweep_is_exit_code_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["status", "nosuch-20990101T000000Z-000000", "--store", str(tmp_path)])
    assert result.exit_code == 2 and "no sweep" in result.stderr
