"""A detached driver: this checkout's farm from any working directory, its output owner-only in the state dir."""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from farm.driver import submit
from farm.driver.log import open_local_log, state_dir
from farm.driver.submit import PROJECT_ROOT, detached_env
from farm.errors import ExitCode
from farm.store import open_store
from tests.farm.driver.conftest import SWEEPS

CHECKOUT = Path(__file__).resolve().parents[3]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_detached_environment_imports_this_checkouts_farm_from_another_directory(tmp_path: Path) -> None:
    assert PROJECT_ROOT == CHECKOUT
    # -S: no site-packages, so no editable install either: only PYTHONPATH can find farm
    done = subprocess.run([sys.executable, "-S", "-c", "import farm; print(farm.__file__)"], cwd=tmp_path,
                          env=detached_env({"PYTHONPATH": "/nonexistent"}), capture_output=True, text=True,
                          check=True)
    assert Path(done.stdout.strip()) == CHECKOUT / "farm" / "__init__.py"


def test_the_local_log_is_owner_only_even_over_a_wider_file_and_umask(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    (tmp_path / "state" / "simfarm").mkdir(parents=True, mode=0o755)
    (tmp_path / "state" / "simfarm" / "s-1.log").write_text("old\n")
    (tmp_path / "state" / "simfarm" / "s-1.log").chmod(0o644)
    old = os.umask(0)
    try:
        path, fd = open_local_log("s-1")
        os.close(fd)
    finally:
        os.umask(old)
    assert path == tmp_path / "state" / "simfarm" / "s-1.log" and state_dir() == path.parent
    assert (_mode(path), _mode(path.parent)) == (0o600, 0o700)


def test_without_xdg_state_home_the_log_goes_under_the_home_state_folder(monkeypatch: pytest.MonkeyPatch,
                                                                        tmp_path: Path) -> None:
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert state_dir() == tmp_path / ".local" / "state" / "simfarm" and _mode(state_dir()) == 0o700


@pytest.mark.slow
def test_a_driver_detached_from_another_directory_runs_this_checkout_and_logs_owner_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("PYTHONPATH", str(elsewhere))
    report = submit(SWEEPS / "null_grid.yaml", store=str(tmp_path / "store"), detach=True, batch_size=30)
    assert report.pid is not None
    try:
        proc = psutil.Process(report.pid)
        with contextlib.suppress(psutil.NoSuchProcess):  # read while it runs (a few seconds)
            assert proc.cwd() == str(elsewhere)
            assert proc.environ()["PYTHONPATH"].split(os.pathsep)[0] == str(CHECKOUT)
        assert proc.wait(timeout=120) == ExitCode.FINDING  # null_grid has 12 failing rollouts
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(report.pid, signal.SIGKILL)
    manifest = open_store(str(tmp_path / "store")).read_manifest(report.sweep_id)
    assert manifest.state == "complete" and sum(manifest.counts.values()) == 60
    log = Path(manifest.extra["detached"]["local_log"])
    assert log.parent == tmp_path / "state" / "simfarm" and "complete" in log.read_text()
    assert (_mode(log), _mode(log.parent)) == (0o600, 0o700)
