"""Fixtures of the Kubernetes client tests: the loopback API server, a kubeconfig for it, an S3 store."""

from __future__ import annotations

import shlex
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.farm.execution.conftest import production_batch_fn
from tests.k8s.apiserver import LoopbackAPI, write_kubeconfig
from tests.k8s.kuberay_schema import validate_kuberay as validate_rayjob

SWEEPS = Path(__file__).parent / "sweeps"
SMALL = SWEEPS / "k8s_null.yaml"   # 6 rollouts, 2 fail by design


@pytest.fixture
def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackAPI]:
    """The loopback API server (strict CRD check on create), reached through ``--context loopback``."""
    server = LoopbackAPI(validate=validate_rayjob).start()
    monkeypatch.setenv("KUBECONFIG", str(write_kubeconfig(tmp_path / "kubeconfig", server.url)))
    monkeypatch.setenv("SIMFARM_K8S_POLL_S", "0.05")
    monkeypatch.setenv("SIMFARM_K8S_CANCEL_GRACE_S", "2")
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def s3_uri(s3_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh bucket on the loopback moto server, as the store URI a user would pass."""
    bucket = f"simfarm-k8s-{uuid.uuid4().hex[:10]}"
    boto3.client("s3", endpoint_url=s3_server).create_bucket(Bucket=bucket)
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server)
    return f"s3://{bucket}/team"


def on_loopback(entrypoint: str) -> str:
    """The RayJob's entry point as run here: identical, but its metrics server on 127.0.0.1 and a free port.

    In the head pod the driver binds 0.0.0.0:9464 (the named port); a server a test starts binds loopback.
    """
    cluster = "--metrics-port 9464 --metrics-host 0.0.0.0"
    assert entrypoint.endswith(cluster), entrypoint
    return entrypoint[: -len(cluster)] + "--metrics-port 0 --metrics-host 127.0.0.1"


def run_entrypoint_here(body: dict[str, Any]) -> None:
    """Play the cluster: run the RayJob's own entry point in this process, rollouts in sequence (no Ray)."""
    from farm.driver.__main__ import main

    argv = shlex.split(on_loopback(body["spec"]["entrypoint"]))
    assert argv[:4] == ["python", "-m", "farm.driver", "run"]
    args = argv[4:]
    at = args.index("--address")
    del args[at:at + 2]
    code = main(["run", *args, "--executor", "sequential", "--batch-fn", production_batch_fn()])
    assert code == 0, f"the entry point exited {code}"
