"""``simfarm sweep expand``: tables or JSON on success, one line on stderr and exit 2 on bad input."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app

ROOT = Path(__file__).resolve().parents[3]
SWEEPS = ROOT / "scenario_library" / "sweeps"
needs_catalogue = pytest.mark.skipif(importlib.util.find_spec("scenario_library.catalog") is None,
                                     reason="scenario_library.catalog is not there yet")
runner = CliRunner()


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "sweep.yaml"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(("text", "expected"), [
    ("name: x\nseed: 1\nfamilies: [{name: cut_in, sampler: sobol}]\n", "families[0].budget: the 'sobol' design needs"),
    ("name: x\nseed: 1\nfamilies: [{name: cut_in, sampler: grid, colour: red}]\n", "families[0].colour: unknown field"),
    ("name: x\nseed: [1\n", "not valid YAML"),
])
def test_a_malformed_sweep_prints_one_line_and_exits_2(tmp_path: Path, text: str, expected: str) -> None:
    path = _write(tmp_path, text)
    result = runner.invoke(app, ["sweep", "expand", path])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: {path}: ") and expected in result.stderr
    assert result.stderr.count("\n") == 1


def test_a_missing_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sweep", "expand", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2 and "cannot read sweep file" in result.stderr


@needs_catalogue
def test_an_unknown_family_or_parameter_exits_2_before_anything_runs(tmp_path: Path) -> None:
    path = _write(tmp_path, "name: x\nseed: 1\nfamilies:\n  - {name: no_such_family, sampler: nominal}\n")
    result = runner.invoke(app, ["sweep", "expand", path])
    assert result.exit_code == 2 and f"error: {path}: families[0].name: " in result.stderr
    path = _write(tmp_path, "name: x\nseed: 1\nfamilies: [{name: cut_in, sampler: grid, params: {zeta: {fixed: 1}}}]\n")
    result = runner.invoke(app, ["sweep", "expand", path])
    assert result.exit_code == 2 and f"error: {path}: families[0].params.zeta: unknown parameter" in result.stderr


@needs_catalogue
def test_a_bad_date_exits_2() -> None:
    result = runner.invoke(app, ["sweep", "expand", str(SWEEPS / "ci.yaml"), "--today", "June 1st"])
    assert result.exit_code == 2 and "error: --today: 'June 1st' is not a date YYYY-MM-DD" in result.stderr


@needs_catalogue
def test_json_lists_counts_rows_and_total() -> None:
    result = runner.invoke(app, ["sweep", "expand", str(SWEEPS / "nightly.yaml"), "--json", "--rows", "3",
                                 "--today", "2024-06-01"])
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    summary = out["summary"]
    assert summary["sweep"] == "nightly" and summary["total"] == sum(summary["by_family"].values())
    assert set(summary["by_design"]) == {"frozen", "sobol"}
    assert len(out["rows"]) == 3 and all(len(r["run_id"]) == 16 for r in out["rows"])
    again = json.loads(runner.invoke(app, ["sweep", "expand", str(SWEEPS / "nightly.yaml"), "--json",
                                           "--today", "2024-06-01"]).stdout)
    assert [r["run_id"] for r in again["rows"][:3]] == [r["run_id"] for r in out["rows"]]


@needs_catalogue
def test_tables_show_entries_counts_rows_and_total() -> None:
    result = runner.invoke(app, ["sweep", "expand", str(SWEEPS / "release.yaml"), "--rows", "2"],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.stderr
    for fragment in ("sweep release", "exhaustive", "rollouts by", "first 2 rollouts", "total: "):
        assert fragment in result.stdout
    assert "twise t=3" in result.stdout and "frozen/twise t=2" in result.stdout
    from farm.sweep import expand, expansion_summary, load_sweep

    sweep = load_sweep(SWEEPS / "release.yaml")
    summary = expansion_summary(sweep, expand(sweep))
    for e in summary["entries"]:  # each 3-wise size is printed beside its exhaustive product
        assert f"│ {e['samples']:>7} │ {e['exhaustive']:>10} │" in result.stdout
    assert f"total: {summary['total']} rollouts, {summary['scenarios']} scenarios" in result.stdout
