"""A driver process killed or stopped mid-sweep: the store stays consistent and a resume finishes the job.

Drivers run as real background processes (``submit(detach=True)`` starts
``python -m farm.driver run``), each with its own embedded Ray.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from farm.driver import submit
from farm.store import open_store
from farm.sweep import expand, load_sweep
from tests.farm.driver.conftest import SWEEPS

pytestmark = pytest.mark.slow
SLOW = SWEEPS / "null_slow.yaml"


@pytest.fixture
def detached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Pids of detached drivers; whatever is still running at the end is killed with its process group.

    Their local logs go to a state directory under ``tmp_path``, not the user's.
    """
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    pids: list[int] = []
    yield pids
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)


def _stored(store_dir: Path, sweep_id: str) -> dict[str, dict]:
    rows = open_store(str(store_dir)).read_table(sweep_id, "runs").to_pylist()
    assert len({r["run_id"] for r in rows}) == len(rows), "a run_id is stored twice"
    return {r["run_id"]: r for r in rows}


def _wait_for_rows(store_dir: Path, sweep_id: str, at_least: int, timeout_s: float = 60.0) -> int:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        n = len(open_store(str(store_dir)).stored_statuses(sweep_id))
        if n >= at_least:
            return n
        time.sleep(0.2)
    raise AssertionError(f"fewer than {at_least} rows after {timeout_s} s")


def _wait_exit(pid: int, timeout_s: float = 60.0) -> int:
    proc = psutil.Process(pid)
    return proc.wait(timeout=timeout_s)


@pytest.fixture
def one_embedded_ray() -> Iterator[None]:
    """An embedded Ray here for the whole test: the resume and the reference sweep reuse it (one start, not two)."""
    from farm.execution.ray_executor import start_ray, stop_ray

    started = start_ray(num_cpus=2)
    yield
    if started:
        stop_ray()


@pytest.mark.usefixtures("one_embedded_ray")
def test_a_killed_driver_resumed_with_another_batch_size_matches_an_uninterrupted_sweep(
        tmp_path: Path, detached: list[int]) -> None:
    report = submit(SLOW, store=str(tmp_path), detach=True)
    detached.append(report.pid)
    _wait_for_rows(tmp_path, report.sweep_id, 12)
    os.killpg(report.pid, signal.SIGKILL)  # the driver and the Ray processes it started
    _wait_exit(report.pid)
    before = _stored(tmp_path, report.sweep_id)
    assert 12 <= len(before) < 120

    resumed = submit(SLOW, store=str(tmp_path), resume=report.sweep_id, batch_size=5, tty=False)
    assert resumed.state == "complete" and resumed.ran == 120 - len(before)
    after = _stored(tmp_path, report.sweep_id)
    assert set(after) == {s.run_id for s in expand(load_sweep(SLOW))}
    for run_id, row in before.items():  # nothing finished was run again
        assert (after[run_id]["started_at"], after[run_id]["attempt"]) == (row["started_at"], row["attempt"])

    reference = submit(SLOW, store=str(tmp_path / "reference"), tty=False, batch_size=30)
    expected = _stored(tmp_path / "reference", reference.sweep_id)
    assert {k: r["outcome_hash"] for k, r in after.items()} == {k: r["outcome_hash"] for k, r in expected.items()}


def test_sigterm_leaves_a_consistent_store_and_says_how_to_resume(tmp_path: Path, detached: list[int]) -> None:
    report = submit(SLOW, store=str(tmp_path), detach=True)
    detached.append(report.pid)
    _wait_for_rows(tmp_path, report.sweep_id, 6)
    os.kill(report.pid, signal.SIGTERM)
    assert _wait_exit(report.pid) == 130
    store = open_store(str(tmp_path))
    manifest = store.read_manifest(report.sweep_id)
    rows = _stored(tmp_path, report.sweep_id)
    assert manifest.state == "partial" and manifest.lease is None
    assert sum(manifest.counts.values()) == len(rows) < 120
    log = Path(manifest.extra["detached"]["local_log"]).read_text()
    assert f"--resume {report.sweep_id}" in log
    assert "interrupted" in store.get_bytes(f"sweeps/{report.sweep_id}/logs/driver.log").decode()


def test_cancel_stops_a_detached_driver(tmp_path: Path, detached: list[int]) -> None:
    from farm.driver import cancel_sweep

    report = submit(SLOW, store=str(tmp_path), detach=True)
    detached.append(report.pid)
    _wait_for_rows(tmp_path, report.sweep_id, 6)
    info = cancel_sweep(open_store(str(tmp_path)), report.sweep_id)
    assert info["signalled_pid"] == report.pid
    assert _wait_exit(report.pid) == 130
    manifest = open_store(str(tmp_path)).read_manifest(report.sweep_id)
    assert manifest.state == "cancelled" and manifest.lease is None
