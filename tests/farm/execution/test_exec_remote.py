"""Remote modes against a real Ray head started here (127.0.0.1, dashboard on, token auth) and S3 on moto.

- ``--address http://127.0.0.1:PORT``: the driver runs on the cluster as a Ray job (Jobs API), reads the
  sweep from the store and writes every row there; status, logs and cancel reach the job.
- ``--address auto`` (``RAY_ADDRESS``): the driver runs here, its rollouts on the cluster's workers.
- A local-folder store is refused for both; a driver bound to another simfarm version refuses to run.

The head gets neither AWS settings nor ``PYTHONPATH``: what the job and the workers need comes through
the runtime environment simfarm builds (and the explicit ``--env`` credentials).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from click.testing import Result
from typer.testing import CliRunner

from cli.main import app
from farm import __version__
from farm.errors import ExitCode
from farm.spec import RolloutSpec
from farm.store import open_store
from farm.sweep import expand, load_sweep
from tests.farm.execution.conftest import SWEEPS
from tests.farm.execution.remote_helpers import RayHead

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[3]
GRID = SWEEPS / "null_grid.yaml"   # 60 rollouts x 20 ms, 12 fail by design
SLOW = SWEEPS / "null_slow.yaml"   # 120 rollouts x 80 ms
CREDENTIALS = ["--env", "AWS_ACCESS_KEY_ID", "--env", "AWS_SECRET_ACCESS_KEY"]
runner = CliRunner()


@pytest.fixture(scope="module")
def head() -> Iterator[RayHead]:
    cluster = RayHead()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def s3_uri(s3_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh bucket on the loopback moto server, as the store URI a user would pass."""
    bucket = f"simfarm-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_server).create_bucket(Bucket=bucket)
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server)
    return f"s3://{bucket}/team"


@pytest.fixture
def job_client_env(head: RayHead, monkeypatch: pytest.MonkeyPatch) -> None:
    """The submitter's token, as a user would set it (read from the file into an Authorization header)."""
    monkeypatch.setenv("RAY_AUTH_TOKEN_PATH", str(head.token_path))
    monkeypatch.delenv("RAY_AUTH_TOKEN", raising=False)


def _rows_once(uri: str, sweep_id: str) -> dict[str, dict]:
    rows = open_store(uri).read_table(sweep_id, "runs", columns=["run_id", "status", "attempt"]).to_pylist()
    assert len({r["run_id"] for r in rows}) == len(rows), "a run_id is stored twice"
    return {r["run_id"]: r for r in rows}


def _cli(*args: str) -> Result:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.usefixtures("job_client_env")
def test_a_jobs_api_submit_runs_the_driver_on_the_cluster_and_stores_every_row_once(head: RayHead,
                                                                                      s3_uri: str) -> None:
    result = runner.invoke(app, ["submit", str(GRID), "--store", s3_uri, "--address", head.dashboard_url,
                                 *CREDENTIALS, "--json"])
    assert result.exit_code == ExitCode.FINDING, result.output  # 12 failed rollouts
    report = json.loads(result.stdout)
    assert (report["state"], report["exit_code"], report["ran"]) == ("complete", ExitCode.FINDING, 60)
    assert report["counts"] == {"passed": 48, "failed": 12} and "Ray job simfarm-" in report["message"]
    rows = _rows_once(s3_uri, report["sweep_id"])
    assert set(rows) == {s.run_id for s in expand(load_sweep(GRID))}
    assert {r["attempt"] for r in rows.values()} == {1}

    manifest = open_store(s3_uri).read_manifest(report["sweep_id"])
    assert manifest.extra["mode"] == "job" and manifest.extra["job"]["address"] == head.dashboard_url
    assert manifest.extra["executor"]["mode"] == "ray-driver"  # the job's driver joined the cluster
    status = json.loads(_cli("status", report["sweep_id"], "--store", s3_uri, "--json").stdout)
    assert status["state"] == "complete" and status["job"]["id"] == manifest.extra["job"]["id"]
    assert (status["job"]["status"], status["job"]["exit_code"]) == ("FAILED", ExitCode.FINDING)
    logs = _cli("logs", report["sweep_id"], "--store", s3_uri).stdout
    assert f"--- output of Ray job {status['job']['id']}" in logs and logs.count("complete") >= 2


@pytest.mark.usefixtures("job_client_env")
def test_cancel_stops_a_detached_jobs_api_run_and_keeps_what_finished(head: RayHead, s3_uri: str) -> None:
    submitted = runner.invoke(app, ["submit", str(SLOW), "--store", s3_uri, "--address", head.dashboard_url,
                                    *CREDENTIALS, "--detach", "--json"])
    assert submitted.exit_code == 0, submitted.output
    sweep_id = json.loads(submitted.stdout)["sweep_id"]
    store = open_store(s3_uri)
    deadline = time.monotonic() + 60
    while len(store.stored_statuses(sweep_id)) < 6:
        assert time.monotonic() < deadline, "no rows from the job within 60 s"
        time.sleep(0.3)
    running = json.loads(_cli("status", sweep_id, "--store", s3_uri, "--json").stdout)
    assert running["job"]["status"] == "RUNNING" and running["state"] == "running"

    cancelled = json.loads(_cli("cancel", sweep_id, "--store", s3_uri, "--json").stdout)
    assert cancelled["cancelled"] and cancelled["stopped_job"] == running["job"]["id"]
    while json.loads(_cli("status", sweep_id, "--store", s3_uri, "--json").stdout)["job"]["status"] == "RUNNING":
        assert time.monotonic() < deadline + 30, "the job did not stop"
        time.sleep(0.5)
    final = json.loads(_cli("status", sweep_id, "--store", s3_uri, "--json").stdout)
    assert final["job"]["status"] == "STOPPED" and final["state"] == "cancelled"
    assert 6 <= len(_rows_once(s3_uri, sweep_id)) < 120


def test_auto_address_drives_the_cluster_from_here_with_an_s3_store(head: RayHead, s3_uri: str,
                                                                     s3_server: str) -> None:
    env = {**os.environ, **head.client_env(), "RAY_ADDRESS": head.gcs_address, "AWS_ENDPOINT_URL": s3_server}
    done = subprocess.run([sys.executable, "-m", "cli", "submit", str(GRID), "--store", s3_uri,
                           "--address", "auto", "--json"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == ExitCode.FINDING, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert (report["state"], report["ran"], report["counts"]) == ("complete", 60, {"passed": 48, "failed": 12})
    assert set(_rows_once(s3_uri, report["sweep_id"])) == {s.run_id for s in expand(load_sweep(GRID))}
    manifest = open_store(s3_uri).read_manifest(report["sweep_id"])
    assert manifest.extra["mode"] == "driver" and manifest.extra["executor"]["mode"] == "ray-driver"
    # the rollouts ran on the head's workers (this process never started a Ray of its own)
    assert manifest.extra["executor"]["slots"] == 2


@pytest.mark.parametrize("address", ["127.0.0.1:6379", "auto", "http://127.0.0.1:8265"])
def test_a_local_folder_store_is_refused_for_every_remote_mode(tmp_path: Path, address: str) -> None:
    result = runner.invoke(app, ["submit", str(GRID), "--store", str(tmp_path), "--address", address])
    assert result.exit_code == 2 and "--store" in result.stderr and "s3://" in result.stderr
    assert not (tmp_path / "sweeps").exists()


def test_a_driver_bound_to_another_simfarm_version_refuses_and_says_so(tmp_path: Path) -> None:
    from farm.driver import sweep_logs, sweep_status
    from farm.store.base import Manifest

    store = open_store(str(tmp_path))
    specs = [RolloutSpec.create(family="null", family_version=1, seed=1, params={"x": 0.1, "work_ms": 0.0})]
    store.create_sweep(Manifest(sweep_id="v-20260101T000000Z-abcdef", name="v", created_at="2026-01-01T00:00:00Z",
                                updated_at="2026-01-01T00:00:00Z", code_fingerprint="", total=1), specs)
    done = subprocess.run([sys.executable, "-m", "farm.driver", "run", "--sweep-id", "v-20260101T000000Z-abcdef",
                           "--store", str(tmp_path), "--expect-version", "0.0.1"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 5  # a version mismatch is infrastructure (docs/architecture.md)
    assert f"this cluster runs simfarm {__version__}, the submitter runs simfarm 0.0.1" in done.stderr
    status = sweep_status(store, "v-20260101T000000Z-abcdef")
    assert status["state"] == "failed" and "0.0.1" in status["error"] and status["done"] == 0
    assert "refused" in sweep_logs(store, "v-20260101T000000Z-abcdef")
