"""The nightly pod's script: trends always runs, and the pod's exit code follows D56.

The script is taken from the ConfigMap the dev overlay builds and run with bash,
with the environment its CronJob gives it. ``simfarm`` on its PATH is a recorder
that exits with the code a case asks for: this checks the script's own logic
(arguments, order, the exit-code rule). The real ``simfarm submit --k8s`` path runs
against a loopback API server in the Kubernetes client's tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.k8s.manifests import K8S, build, one

RECORDER = """#!/bin/bash
echo "$*" >> "$SIMFARM_CALLS"
if [ "$1" = submit ]; then exit "$SUBMIT_CODE"; else exit "$TRENDS_CODE"; fi
"""


def _pod_env(overlay: str) -> dict[str, str]:
    objects = build(overlay)
    cron = one(objects, "CronJob", "simfarm-nightly")
    (container,) = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    env = dict(one(objects, "ConfigMap", "simfarm-store")["data"])
    for item in container["env"]:
        env[item["name"]] = item.get("value", cron["metadata"]["namespace"])  # valueFrom: metadata.namespace
    return env


def _run(tmp_path: Path, submit_code: int, trends_code: int) -> tuple[int, list[str], str]:
    objects = build("dev")
    volume = one(objects, "CronJob")["spec"]["jobTemplate"]["spec"]["template"]["spec"]["volumes"][0]
    script = tmp_path / "nightly.sh"
    script.write_text(one(objects, "ConfigMap", volume["configMap"]["name"])["data"]["nightly.sh"])
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "simfarm").write_text(RECORDER)
    (bin_dir / "simfarm").chmod(0o755)
    calls = tmp_path / "calls.txt"
    calls.unlink(missing_ok=True)
    env = {**_pod_env("dev"), "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "SIMFARM_CALLS": str(calls),
           "SUBMIT_CODE": str(submit_code), "TRENDS_CODE": str(trends_code)}
    result = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True, timeout=30)
    return result.returncode, calls.read_text().splitlines(), result.stdout


@pytest.mark.parametrize(("submit_code", "trends_code", "expected"), [
    (0, 0, 0),      # all passed, nothing regressed
    (1, 0, 0),      # known failures only: trends says nothing broke
    (1, 4, 4),      # a regression flagged
    (0, 5, 5),      # trends could not read the store
    (5, 0, 5),      # the sweep is incomplete or the cluster was lost: trends cannot hide it
    (2, 4, 2),      # bad input
    (130, 0, 130),  # cancelled
])
def test_the_exit_code_rule(tmp_path: Path, submit_code: int, trends_code: int, expected: int) -> None:
    code, calls, _ = _run(tmp_path, submit_code, trends_code)
    assert code == expected
    assert [c.split()[0] for c in calls] == ["submit", "trends"]  # trends runs whatever the sweep's outcome


def test_the_commands_it_runs(tmp_path: Path) -> None:
    env = _pod_env("dev")
    _, calls, out = _run(tmp_path, 0, 0)
    image = env["SIMFARM_IMAGE"]
    assert image.startswith("registry.example.com/simfarm@sha256:")
    assert calls == [
        f"submit smoke --k8s --store s3://simfarm-results/farm --namespace simfarm-dev --image {image} --workers 1",
        "trends --store s3://simfarm-results/farm --sweep-name smoke"]
    assert "--detach" not in calls[0]  # it follows the RayJob to its end
    assert "nightly: submit exited 0" in out and "nightly: trends exited 0" in out


def test_shellcheck_passes() -> None:
    beside = Path(sys.executable).parent / "shellcheck"
    found = str(beside) if beside.is_file() else shutil.which("shellcheck")
    assert found, "shellcheck: install the test extra (pip install -e '.[test]')"
    result = subprocess.run([found, str(K8S / "base" / "nightly.sh")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
