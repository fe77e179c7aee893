"""``simfarm replay RUN_ID`` through typer's CliRunner, against a real local store."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from farm.result import RolloutResult
from farm.sim.rollout import run_rollout
from tests.farm.test_replay import PNG_SIGNATURE, SPECS, store_runs

runner = CliRunner()


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, RolloutResult, RolloutResult]:
    """A store with a real cut-in collision (stored as made) and a null run whose stored hash was tampered."""
    root = tmp_path_factory.mktemp("replay") / "store"
    crash, null = run_rollout(SPECS["cut_in_crash"]), run_rollout(SPECS["null"])
    store = store_runs(root, [crash, null])
    store.write_results("nightly-1", [replace(null, attempt=2, outcome_hash="0" * 32,
                                              code_fingerprint="simfarm 0.0.1 git:0123456789ab; lib:deadbeef")])
    return root, crash, null


def test_replay_prints_the_view_and_the_match_and_writes_the_png(stored: tuple[Path, RolloutResult, RolloutResult],
                                                                 tmp_path: Path) -> None:
    root, crash, _ = stored
    png = tmp_path / "out" / "crash.png"
    result = runner.invoke(app, ["replay", crash.run_id, "--store", str(root), "--output", str(png)])
    assert result.exit_code == 0, result.output
    assert "outcome_hash matches stored run" in result.output and crash.outcome_hash in result.output
    assert "FAIL" in result.output and "collision" in result.output   # the rollout view of a stored failure
    assert f"plot: {png}" in result.output and png.read_bytes()[:8] == PNG_SIGNATURE


def test_the_default_png_goes_to_the_working_directory(stored: tuple[Path, RolloutResult, RolloutResult],
                                                       tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, crash, _ = stored
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["replay", crash.run_id, "--store", str(root), "--sweep", "nightly-1"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / f"replay-{crash.run_id}.png").stat().st_size > 20_000


def test_json_reports_both_hashes_and_no_plot_with_no_plot(stored: tuple[Path, RolloutResult, RolloutResult],
                                                           tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, crash, _ = stored
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["replay", crash.run_id, "--store", str(root), "--no-plot", "--json"])
    data = json.loads(result.output)
    assert result.exit_code == 0 and data["match"] is True and data["plot"] is None
    assert data["stored_hash"] == data["replay_hash"] == crash.outcome_hash
    assert data["result"]["status"] == "failed" and data["result"]["spec"]["family"] == "cut_in"
    assert list(tmp_path.iterdir()) == []


def test_a_mismatch_exits_1_and_names_the_code_fingerprint(stored: tuple[Path, RolloutResult, RolloutResult]) -> None:
    root, _, null = stored
    result = runner.invoke(app, ["replay", null.run_id, "--store", str(root), "--no-plot"])
    assert result.exit_code == 1
    assert f"outcome_hash MISMATCH: stored {'0' * 32}, replay {null.outcome_hash}" in result.output
    assert "code fingerprint differs: simfarm version 0.0.1 -> 0.1.0" in result.output
    assert "scenario library hash deadbeef ->" in result.output


@pytest.mark.parametrize(("args", "words"), [
    (["replay", "0123456789abcdef"], "no run 0123456789abcdef"),
    (["replay", "not-a-run-id"], "RUN_ID: 'not-a-run-id' is not a run id"),
    (["replay", "0123456789abcdef", "--sweep", "missing-sweep"], "no sweep 'missing-sweep'"),
    (["replay", "0123456789abcdef", "--no-plot", "--output", "x.png"], "--no-plot"),
])
def test_bad_input_is_one_line_and_exit_2(stored: tuple[Path, RolloutResult, RolloutResult], args: list[str],
                                          words: str) -> None:
    root, _, _ = stored
    result = runner.invoke(app, [*args, "--store", str(root)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0]
