"""A worker node killed mid-sweep: every run_id is still stored exactly once (issue 4, item 8).

The two-node cluster runs inside a loopback-only network namespace (``unshare -n``), where a second
Ray node can join without any address but 127.0.0.1; ``multinode_cluster`` builds it, runs
the driver, kills the worker node by PID and adds a fresh one. Fast health checks (0.5 s x 3) let the
cluster notice the dead node in ~2 s.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import psutil
import pytest

from farm.store import open_store
from farm.sweep import expand, load_sweep
from tests.farm.execution.remote_helpers import end_processes, marked_processes, short_tmpdir

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[3]
SWEEP = """\
# 240 physics-free rollouts of 50 ms (x = 1.0 fails: 48 failed), batches of 4.
name: exec-node-kill
seed: 5
families:
  - name: "null"
    sampler: grid
    repeats: 16
    params:
      work_ms: {fixed: 50.0}
      pass_below: {fixed: 0.8}
resources:
  batch_size: 4
  timeout_s: 60
  retries: 2
"""
FAST_HEALTH_CHECKS = {"RAY_health_check_period_ms": "500", "RAY_health_check_failure_threshold": "3",
                      "RAY_health_check_timeout_ms": "500"}


def _can_unshare_network() -> bool:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return False
    return subprocess.run(["unshare", "-n", "--", "ip", "link", "set", "lo", "up"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _can_unshare_network(), reason="needs `unshare -n` (root or user namespaces)")
def test_a_worker_node_killed_mid_sweep_still_yields_every_run_id_exactly_once(tmp_path: Path) -> None:
    root = short_tmpdir("sfn-")
    sweep_file, store_dir, out = tmp_path / "node_kill.yaml", tmp_path / "store", tmp_path / "out.json"
    sweep_file.write_text(SWEEP)
    env = {**os.environ, **FAST_HEALTH_CHECKS, "RAY_TMPDIR": str(root), "RAY_AUTH_MODE": "disabled",
           "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
    script = (f"ip link set lo up && exec {sys.executable} -m tests.farm.execution.multinode_cluster "
              f"--store {store_dir} --sweep {sweep_file} --out {out} --kill-after 24")
    try:
        done = subprocess.run(["unshare", "-n", "--", "bash", "-c", script], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=150)
    finally:
        end_processes(marked_processes(root))
        shutil.rmtree(root, ignore_errors=True)
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    record = json.loads(out.read_text())

    assert record["state"] == "complete" and record["node_had_worked"] and 24 <= record["rows_at_kill"] < 240
    assert not psutil.pid_exists(record["killed"]["raylet"])
    rows = open_store(str(store_dir)).read_table(record["sweep_id"], "runs",
                                                 columns=["run_id", "status", "attempt", "worker"]).to_pylist()
    assert len(rows) == len({r["run_id"] for r in rows}) == 240, "a run_id is missing or stored twice"
    assert {r["run_id"] for r in rows} == {s.run_id for s in expand(load_sweep(sweep_file))}
    assert Counter(r["status"] for r in rows) == {"passed": 192, "failed": 48}  # nothing lost to infra_error
    # The rollouts in progress on the dead node re-ran (attempt 2; attempt 3 when a retry was sent to the
    # node in the second or two before the cluster declared it dead), within the 2 retries allowed.
    attempts = Counter(r["attempt"] for r in rows)
    assert sum(n for attempt, n in attempts.items() if attempt > 1) >= 1 and max(attempts) <= 3, attempts
    killed_workers = {str(pid) for pid in record["killed"]["others"]}
    assert any(r["worker"].rsplit(":", 1)[1] in killed_workers for r in rows)  # the dead node had done work
