"""The RayJob's own entry point, run here as the head pod would run it: a small sweep completes.

The sweep and its RayJob are created through ``simfarm submit --k8s --detach`` against the
loopback API; the entry point is taken from the object sent and run by ``sh`` with what the head
container would have: the store settings and credentials (the ConfigMap and Secret), ``RAY_ADDRESS``
of a local Ray head (127.0.0.1, token auth, ended by PID) and nothing of this checkout on
``PYTHONPATH``. Then the RayJob "completes" and ``submit``'s report takes its code from the store.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from farm.driver.kube import k8s_report
from farm.errors import ExitCode
from farm.k8s.api import RayJobState
from farm.store import open_store
from tests.conftest import S3_TEST_ENV
from tests.farm.execution.remote_helpers import VENV_BIN, RayHead
from tests.k8s.apiserver import LoopbackAPI
from tests.k8s.conftest import SMALL, on_loopback

pytestmark = pytest.mark.slow
DIGEST = "registry.example.com/simfarm@sha256:" + "cd" * 32


@pytest.fixture
def head() -> Iterator[RayHead]:
    cluster = RayHead()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


def test_the_rayjob_entrypoint_runs_the_sweep_on_a_ray_head(api: LoopbackAPI, s3_uri: str, s3_server: str,
                                                            head: RayHead, tmp_path: Path) -> None:
    submitted = CliRunner().invoke(app, ["submit", str(SMALL), "--store", s3_uri, "--k8s", "--context", "loopback",
                                         "--image", DIGEST, "--detach"])
    assert submitted.exit_code == 0, submitted.stderr
    [rayjob] = api.created
    sweep_id = rayjob["metadata"]["annotations"]["simfarm.io/sweep-id"]
    pod_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith(("AWS_", "RAY_"))}
    pod_env.update(S3_TEST_ENV, AWS_ENDPOINT_URL=s3_server, RAY_ADDRESS=head.gcs_address, **head.client_env(),
                   PATH=f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}")
    done = subprocess.run(["sh", "-c", on_loopback(rayjob["spec"]["entrypoint"])], env=pod_env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]  # a finding: exit 0 in the cluster
    store = open_store(s3_uri)
    manifest = store.read_manifest(sweep_id)
    assert (manifest.state, manifest.counts) == ("complete", {"passed": 4, "failed": 2})
    assert manifest.extra["executor"]["mode"] == "ray-driver" and manifest.extra["executor"]["slots"] == 2
    report = k8s_report(store, sweep_id, RayJobState(name=rayjob["metadata"]["name"], job_status="SUCCEEDED",
                                                     deployment_status="Complete", has_status=True),
                        skipped=0, wall_time_s=1.0)
    assert (report.exit_code, report.ran, report.state) == (ExitCode.FINDING, 6, "complete")
