"""The nightly CronJob's script (k8s/base/nightly.sh) with the real ``simfarm`` against the loopback API.

The pod's environment as cronjob.nightly.yaml gives it (store, namespace, image, workers; the
in-cluster configuration played by a kubeconfig whose current context is the loopback server).
The RayJob "runs" by its own entry point in this process; the script follows it to its end, then
runs ``simfarm trends`` whatever the outcome, and exits by its rule (docs/decisions.md D56).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from farm.errors import ExitCode
from tests.farm.execution.remote_helpers import VENV_BIN
from tests.k8s.apiserver import LoopbackAPI, write_kubeconfig
from tests.k8s.conftest import SMALL, run_entrypoint_here
from tests.k8s.kuberay_schema import validate_kuberay as validate_rayjob

pytestmark = pytest.mark.slow  # two cold `simfarm` processes: ~15-30 s on this machine
SCRIPT = Path(__file__).resolve().parents[2] / "k8s" / "base" / "nightly.sh"
DIGEST = "registry.example.com/simfarm@sha256:" + "ef" * 32


@pytest.mark.skipif(not SCRIPT.is_file(), reason="k8s/base/nightly.sh comes with the manifests")
def test_the_nightly_script_submits_follows_and_then_runs_trends(api: LoopbackAPI, s3_uri: str,
                                                                  tmp_path: Path) -> None:
    api.on_create = run_entrypoint_here
    kubeconfig = write_kubeconfig(tmp_path / "pod-kubeconfig", api.url, current="loopback")
    env = {**os.environ, "KUBECONFIG": str(kubeconfig), "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}",
           "SIMFARM_STORE": s3_uri, "POD_NAMESPACE": "sims", "SIMFARM_IMAGE": DIGEST,
           "SIMFARM_NIGHTLY_SWEEP": str(SMALL), "SIMFARM_NIGHTLY_WORKERS": "1"}
    done = subprocess.run(["bash", str(SCRIPT)], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    out = done.stdout
    [sent] = api.created
    assert validate_rayjob(sent) == [] and sent["metadata"]["namespace"] == "sims"
    assert sent["spec"]["rayClusterSpec"]["workerGroupSpecs"][0]["maxReplicas"] == 1
    assert f"nightly: submit exited {int(ExitCode.FINDING)}" in out, out + done.stderr  # 2 of 6 fail by design
    trends = next(line for line in out.splitlines() if line.startswith("nightly: trends exited "))
    assert done.returncode == int(trends.rsplit(" ", 1)[1])  # submit 0/1: the pod's code is trends'
