"""``simfarm submit --k8s`` and ``status|logs|cancel`` with the real kubernetes client, against the loopback API.

The object sent is asserted field by field and must pass the KubeRay v1 CRD strictly (the loopback
server refuses it otherwise, as a real API server with ``fieldValidation=Strict`` would). Where the
RayJob "runs", the server calls the RayJob's own entry point in this process (sequential rollouts).
"""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from farm import __version__
from farm.errors import ExitCode
from farm.k8s import rayjob_name
from farm.store import open_store
from tests.k8s.apiserver import FAILED, NO_STATUS, SUBMITTER_LOG, LoopbackAPI
from tests.k8s.conftest import SMALL, run_entrypoint_here
from tests.k8s.kuberay_schema import validate_kuberay as validate_rayjob

DIGEST = "registry.example.com/simfarm@sha256:" + "ab" * 32
runner = CliRunner()


def _submit(store: str, *extra: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["submit", str(SMALL), "--store", store, "--k8s", "--context", "loopback",
                                 "--image", DIGEST, "--workers", "1:4", *extra])
    return result.exit_code, result.stdout, result.stderr


def _sweep_id(stdout: str, stderr: str) -> str:
    line = next(x for x in (stdout + stderr).splitlines() if x.startswith("sweep "))
    return line.split()[1]


def _container(name: str, cpu: str, memory: str) -> dict:
    return {"name": name, "image": DIGEST,
            "envFrom": [{"configMapRef": {"name": "simfarm-store"}},
                        {"secretRef": {"name": "simfarm-s3-credentials", "optional": True}}],
            "env": [{"name": "SIMFARM_IMAGE_DIGEST", "value": "sha256:" + "ab" * 32}],
            "resources": {"requests": {"cpu": cpu, "memory": memory}, "limits": {"cpu": cpu, "memory": memory}},
            "securityContext": {"allowPrivilegeEscalation": False},
            "volumeMounts": [{"name": "shm", "mountPath": "/dev/shm"}]}


def _pod(labels: dict, role: str, container: dict, shm: str) -> dict:
    spec = {"serviceAccountName": "simfarm-ray", "containers": [container],
            "securityContext": {"runAsNonRoot": True, "runAsUser": 1000, "runAsGroup": 100, "fsGroup": 100},
            "volumes": [{"name": "shm", "emptyDir": {"medium": "Memory", "sizeLimit": shm}}]}
    if role == "worker":
        spec["automountServiceAccountToken"] = False
    return {"metadata": {"labels": {**labels, "app.kubernetes.io/name": f"simfarm-ray-{role}"}}, "spec": spec}


def test_submit_sends_the_exact_rayjob_follows_it_and_exits_with_the_stores_code(api: LoopbackAPI,
                                                                                  s3_uri: str) -> None:
    api.on_create = run_entrypoint_here
    code, out, err = _submit(s3_uri)
    sweep_id = _sweep_id(out, err)
    assert code == ExitCode.FINDING, out + err   # RayJob SUCCEEDED, but 2 of 6 rollouts failed: the store says 1
    assert "Complete / job SUCCEEDED" in err.splitlines()[-1]          # the follow loop's lines go to stderr
    assert "Complete, job SUCCEEDED (exit code 1 from the store): sweep complete, 6/6 final" in " ".join(out.split())
    [sent] = api.created
    assert validate_rayjob(sent) == []
    name = rayjob_name(sweep_id)
    labels = {"app.kubernetes.io/part-of": "simfarm", "simfarm.io/sweep-hash": name[-10:]}
    assert sent["metadata"] == {"name": name, "namespace": "sims", "labels": labels,
                                "annotations": {"simfarm.io/sweep-id": sweep_id}}
    assert sent["apiVersion"] == "ray.io/v1" and sent["kind"] == "RayJob"
    assert sent["spec"] == {
        "entrypoint": f"python -m farm.driver run --sweep-id {sweep_id} --store {s3_uri} --address auto "
                      f"--expect-version {__version__} --wait-for-lease 90 --exit-zero-on-finding --force "
                      "--metrics-port 9464 --metrics-host 0.0.0.0",
        "submissionMode": "K8sJobMode", "shutdownAfterJobFinishes": True, "ttlSecondsAfterFinished": 600,
        "activeDeadlineSeconds": 21600, "backoffLimit": 1,
        "rayClusterSpec": {
            "rayVersion": metadata.version("ray"), "authOptions": {"mode": "token"},
            "enableInTreeAutoscaling": True,
            "autoscalerOptions": {"upscalingMode": "Default", "idleTimeoutSeconds": 60},
            "headGroupSpec": {"rayStartParams": {"num-cpus": "0", "dashboard-host": "0.0.0.0"},
                              "template": _pod(labels, "head", {**_container("ray-head", "2", "6Gi"), "ports": [
                                  {"containerPort": 9464, "name": "simfarm-metrics"}]}, "2Gi")},
            "workerGroupSpecs": [{"groupName": "rollouts", "replicas": 1, "minReplicas": 1, "maxReplicas": 4,
                                  "rayStartParams": {},
                                  "template": _pod(labels, "worker", _container("ray-worker", "2", "4Gi"), "1Gi")}]}}
    post = next(r for r in api.requests if r.method == "POST")
    assert post.path == "/apis/ray.io/v1/namespaces/sims/rayjobs" and post.query == {"fieldValidation": ["Strict"]}
    where = open_store(s3_uri).read_manifest(sweep_id).extra["k8s"]
    assert (where["context"], where["namespace"], where["name"], where["submission"]) == ("loopback", "sims", name, 1)

    status = runner.invoke(app, ["status", sweep_id, "--store", s3_uri, "--json"])
    info = json.loads(status.stdout)
    assert (info["state"], info["counts"]) == ("complete", {"passed": 4, "failed": 2})
    assert (info["rayjob"]["jobDeploymentStatus"], info["rayjob"]["jobStatus"]) == ("Complete", "SUCCEEDED")
    logs = runner.invoke(app, ["logs", sweep_id, "--store", s3_uri]).stdout
    assert "session " in logs and f"--- submitter pod of RayJob {name} in sims ---\n{SUBMITTER_LOG}" in logs


def test_a_failed_rayjob_whose_driver_never_ran_is_exit_5(api: LoopbackAPI, s3_uri: str) -> None:
    api.scenario = list(FAILED)
    code, out, _err = _submit(s3_uri)
    assert code == ExitCode.INFRA and "Failed, job FAILED" in " ".join(out.split()) and "0/6 final" in out


def test_no_status_within_the_stated_time_is_one_line_naming_the_last_event(api: LoopbackAPI, s3_uri: str,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    api.scenario = list(NO_STATUS)
    api.events = [{"metadata": {"name": "e1"}, "involvedObject": {"name": "x"}, "reason": "InvalidRayJobMetadata",
                   "message": "RayJob name should be no more than 47 characters", "type": "Warning"}]
    monkeypatch.setenv("SIMFARM_K8S_STATUS_TIMEOUT_S", "0.3")
    code, _out, err = _submit(s3_uri)
    assert code == ExitCode.INFRA
    [line] = err.strip().splitlines()[-1:]
    assert line.startswith("error: ") and "has no status after 0.3 s" in line
    assert "last event: InvalidRayJobMetadata: RayJob name should be no more than 47 characters" in line
    events = [r for r in api.requests if r.path.endswith("/events")]
    assert events and events[0].query["fieldSelector"][0].startswith("involvedObject.name=")


@pytest.mark.parametrize(("mode", "code", "words"), [
    ("forbidden", ExitCode.INFRA, "forbidden (403)"),
    ("no_crd", ExitCode.INFRA, "is not served (404): is KubeRay installed?"),
])
def test_a_refusing_api_is_one_line_and_exit_5(api: LoopbackAPI, s3_uri: str, mode: str, code: int,
                                               words: str) -> None:
    api.mode = mode
    exit_code, _out, err = _submit(s3_uri)
    assert exit_code == code and err.count("error: ") == 1 and words in err, err


def test_a_missing_kubeconfig_or_context_is_bad_input(api: LoopbackAPI, s3_uri: str, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    result = runner.invoke(app, ["submit", str(SMALL), "--store", s3_uri, "--k8s", "--context", "nope",
                                 "--image", DIGEST])
    assert result.exit_code == ExitCode.BAD_INPUT
    assert "no context 'nope' (contexts: loopback, elsewhere)" in result.stderr
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "absent"))
    monkeypatch.setenv("HOME", str(tmp_path))
    exit_code, _, err = _submit(s3_uri)
    assert exit_code == ExitCode.BAD_INPUT and "no kubeconfig (KUBECONFIG or ~/.kube/config)" in err
    assert not api.requests


def test_detach_returns_at_once_then_cancel_deletes_the_rayjob_and_resume_makes_another(api: LoopbackAPI,
                                                                                        s3_uri: str) -> None:
    code, out, err = _submit(s3_uri, "--detach")
    sweep_id = _sweep_id(out, err)
    name = rayjob_name(sweep_id)
    assert code == 0 and f"RayJob {name} created in namespace sims" in out
    assert [r.method for r in api.requests] == ["POST"]
    text = runner.invoke(app, ["status", sweep_id, "--store", s3_uri]).stdout
    assert f"RayJob {name} in sims (context loopback): no status yet, job -" in text
    cancelled = runner.invoke(app, ["cancel", sweep_id, "--store", s3_uri])
    assert cancelled.exit_code == 0 and f"(deleted RayJob {name})" in cancelled.stdout
    assert api.requests[-1].method == "DELETE" and name not in api.objects
    assert open_store(s3_uri).read_manifest(sweep_id).state == "cancelled"
    gone = json.loads(runner.invoke(app, ["status", sweep_id, "--store", s3_uri, "--json"]).stdout)["rayjob"]
    assert gone["exists"] is False

    again = runner.invoke(app, ["submit", str(SMALL), "--store", s3_uri, "--resume", sweep_id, "--k8s",
                                "--context", "loopback", "--image", DIGEST, "--detach"])
    assert again.exit_code == 0, again.stderr
    second = api.created[-1]
    assert second["metadata"]["name"] == rayjob_name(sweep_id, 2) and validate_rayjob(second) == []
    assert "--force" not in second["spec"]["entrypoint"].split()  # a resume checks the outcome code there
    manifest = open_store(s3_uri).read_manifest(sweep_id)
    assert manifest.extra["k8s"]["submission"] == 2 and manifest.extra["cancel_requested_at"] is None


# The Role the submitter needs: exactly what the client sends (derived from the recorded requests below).
USED_RULES = {("ray.io", "rayjobs", "create"), ("ray.io", "rayjobs", "get"), ("ray.io", "rayjobs", "delete"),
              ("", "pods", "list"), ("", "pods/log", "get"), ("", "events", "list")}
ROLE = Path(__file__).resolve().parents[2] / "k8s" / "base" / "role.yaml"


def _role_rules(path: Path) -> set[tuple[str, str, str]]:
    import yaml

    role = next(d for d in yaml.safe_load_all(path.read_text()) if d and d.get("kind") == "Role")
    return {(group, resource, verb) for rule in role["rules"] for group in rule.get("apiGroups", [""])
            for resource in rule["resources"] for verb in rule["verbs"]}


def test_the_verbs_of_every_call_are_the_roles(api: LoopbackAPI, s3_uri: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """submit (detached and followed), status, logs and cancel: every request, as RBAC rules."""
    api.scenario = list(NO_STATUS)
    monkeypatch.setenv("SIMFARM_K8S_STATUS_TIMEOUT_S", "0.1")
    assert _submit(s3_uri)[0] == ExitCode.INFRA           # create, get..., events list
    _code, out, err = _submit(s3_uri, "--detach")
    sweep_id = _sweep_id(out, err)
    for command in ("status", "logs", "cancel"):
        assert runner.invoke(app, [command, sweep_id, "--store", s3_uri]).exit_code == 0
    assert api.rbac_rules() == USED_RULES
    if ROLE.is_file():  # k8s/base/role.yaml (the manifests' branch): least privilege means exactly these
        assert _role_rules(ROLE) == USED_RULES
