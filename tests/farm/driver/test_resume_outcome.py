"""A resume survives an edited and committed sweep file, and is refused after a family edit unless forced.

Everything runs in a git copy of this checkout (``farm``, ``scenario_library``, ``autonomy``, ``cli``):
drivers are real processes importing the copy, interrupted with SIGTERM mid-sweep, and the copy's
files are edited and committed between sessions, so the git commit really changes under the sweep.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from farm.errors import ExitCode
from farm.store import open_store

CHECKOUT = Path(__file__).resolve().parents[3]
SYNTHETIC = "farm.sim.synthetic:run_synthetic_batch"
SWEEP = """\
# 40 physics-free rollouts of 100 ms: long enough to stop a driver twice.
name: resume-outcome
seed: 5
families:
  - name: "null"
    sampler: grid
    repeats: 8
    params:
      work_ms: {fixed: 100.0}
      y: {fixed: 0.5}
resources:
  batch_size: 2
  timeout_s: 30
  retries: 0
"""
START = f"""
import sys, farm
from farm.driver import submit
print(farm.__file__, flush=True)
report = submit(sys.argv[1], store=sys.argv[2], executor="sequential", batch_fn="{SYNTHETIC}", tty=False,
                announce=lambda sweep_id, uri: print(sweep_id, flush=True), stream_to=sys.stderr)
sys.exit(report.exit_code)
"""
pytestmark = pytest.mark.slow


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=simfarm-test", "-c", "user.email=test@localhost", *args], cwd=repo,
                   check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for name in ("farm", "scenario_library", "autonomy", "cli"):
        shutil.copytree(CHECKOUT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(CHECKOUT / "pyproject.toml", root / "pyproject.toml")
    (root / "scenario_library" / "sweeps" / "resume_outcome.yaml").write_text(SWEEP)
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "copy")
    return root


def _env(repo: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(repo)}


def _run(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=repo, env=_env(repo), capture_output=True, text=True,
                          timeout=120)


def _driver(repo: Path, sweep_id: str, store: Path, *extra: str) -> list[str]:
    return ["-m", "farm.driver", "run", "--sweep-id", sweep_id, "--store", str(store), "--executor",
            "sequential", "--batch-fn", SYNTHETIC, *extra]


def _stop_after(proc: subprocess.Popen[str], store: Path, sweep_id: str, rows: int) -> int:
    """SIGTERM ``proc`` once ``rows`` rows are stored; its exit code."""
    deadline = time.monotonic() + 60
    while len(open_store(str(store)).stored_statuses(sweep_id)) < rows:
        assert proc.poll() is None and time.monotonic() < deadline, "the driver ended or stalled"
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=60)


def _fingerprints(store: Path, sweep_id: str) -> set[str]:
    rows = open_store(str(store)).read_table(sweep_id, "runs", columns=["code_fingerprint"])
    return set(rows["code_fingerprint"].to_pylist())


def test_a_sweep_edit_never_blocks_a_resume_and_a_family_edit_needs_force(repo: Path, tmp_path: Path) -> None:
    store, sweep_file = tmp_path / "store", repo / "scenario_library" / "sweeps" / "resume_outcome.yaml"
    first = subprocess.Popen([sys.executable, "-c", START, str(sweep_file), str(store)], cwd=repo, env=_env(repo),
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert first.stdout is not None
        assert Path(first.stdout.readline().strip()) == repo / "farm" / "__init__.py"
        sweep_id = first.stdout.readline().strip()
        assert _stop_after(first, store, sweep_id, 5) == ExitCode.INTERRUPTED
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    manifest = open_store(str(store)).read_manifest(sweep_id)
    assert manifest.extra["outcome_code_hash"].startswith("outcome:") and "git:" in manifest.code_fingerprint
    session_one = len(open_store(str(store)).stored_statuses(sweep_id))

    # edit and commit the sweep file mid-sweep: the commit changes, the outcome code does not
    sweep_file.write_text(SWEEP.replace("batch_size: 2", "batch_size: 3") + "# tuned\n")
    _git(repo, "commit", "-qam", "tune the sweep")
    second = subprocess.Popen([sys.executable, *_driver(repo, sweep_id, store)], cwd=repo, env=_env(repo),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert _stop_after(second, store, sweep_id, session_one + 5) == ExitCode.INTERRUPTED
    finally:
        if second.poll() is None:
            second.kill()
            second.wait()
    assert len({fp.split(";")[0] for fp in _fingerprints(store, sweep_id)}) == 2  # two commits on the rows

    # edit a family: outcomes may change, so a resume is refused (one line, the field, --force) ...
    family = repo / "scenario_library" / "families" / "null.yaml"
    family.write_text(family.read_text().replace("criticality: standard", "criticality: critical"))
    refused = _run(repo, "-m", "cli", "submit", str(sweep_file), "--resume", sweep_id, "--store", str(store))
    assert refused.returncode == ExitCode.BAD_INPUT, refused.stderr
    [line] = refused.stderr.strip().splitlines()
    assert "outcome_code_hash" in line and "--force" in line and sweep_id in line
    # ... and finishes with --force, every run stored once
    forced = _run(repo, *_driver(repo, sweep_id, store, "--force"))
    assert forced.returncode == ExitCode.FINDING, forced.stderr[-2000:]  # x = 1.0 fails (pass_below 1.0)
    statuses = open_store(str(store)).stored_statuses(sweep_id)
    assert len(statuses) == 40 and open_store(str(store)).read_manifest(sweep_id).state == "complete"
    assert sorted(statuses.values()).count("failed") == 8 and set(statuses.values()) == {"passed", "failed"}
