"""Under ``--json`` stdout is exactly one strict JSON document, even when a Ray worker dies mid-sweep."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from farm.jsonout import loads_strict

ROOT = Path(__file__).resolve().parents[2]
WORKER_DIES = """
name: worker-dies
seed: 1
families:
  - name: fault
    sampler: frozen
    samples:
      - {mode: ok, x: 0.0}
      - {mode: exit, x: 0.5}
      - {mode: ok, x: 1.0}
resources: {batch_size: 3, timeout_s: 20, retries: 0}
"""


def test_submit_json_stdout_is_one_document_when_a_worker_is_killed(tmp_path: Path) -> None:
    sweep = tmp_path / "worker_dies.yaml"
    sweep.write_text(WORKER_DIES)
    env = {**os.environ, "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-m", "cli", "submit", str(sweep), "--store", str(tmp_path / "store"),
                          "--json", "--num-cpus", "2"], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=300)
    assert "A worker died" in run.stderr  # Ray did complain: the test exercised the noisy path
    document = loads_strict(run.stdout)  # the whole of stdout, strictly: no NaN/Infinity, nothing else
    assert document["counts"]["infra_error"] == 1 and document["counts"]["passed"] == 2
    assert run.returncode == document["exit_code"] != 0
