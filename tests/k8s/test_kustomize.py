"""Every overlay builds with ``kubectl kustomize`` and every object in k8s/ validates strictly.

Built-in kinds: ``kubernetes-validate --strict`` for Kubernetes ``K8S_VERSION``
(the oldest version the manifests support: CronJob ``timeZone`` is GA since
1.27). KubeRay kinds: ``tests.k8s.kuberay_schema.validate_kuberay``.
"""

from __future__ import annotations

import re
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.k8s.kuberay_operator import name_problems
from tests.k8s.kuberay_schema import validate_kuberay
from tests.k8s.manifests import IMAGE_NAME, K8S, OVERLAYS, build, containers, one, raw_objects

K8S_VERSION = "1.32.0"
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
# Monitoring samples (prometheus-operator CRDs, whose schemas are not here) are checked for shape only.
MONITORING = "monitoring.coreos.com/v1"


def _all_objects() -> list[tuple[str, dict[str, Any]]]:
    built = [(f"overlays/{o}", obj) for o in OVERLAYS for obj in build(o)]
    return built + [(str(path.relative_to(K8S)), obj) for path, obj in raw_objects()]


def test_both_overlays_exist_and_build() -> None:
    assert OVERLAYS == ("dev", "prod")
    for overlay in OVERLAYS:
        kinds = sorted(o["kind"] for o in build(overlay))
        assert {"CronJob", "RayCluster", "Role", "RoleBinding", "ServiceAccount", "ConfigMap"} <= set(kinds)
        assert "RayJob" not in kinds  # a RayJob is one sweep, made by `simfarm submit --k8s`
        assert "Secret" not in kinds
    assert {"ResourceQuota", "PriorityClass"} <= {o["kind"] for o in build("prod")}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_built_in_objects_pass_strict_kubernetes_validation(overlay: str) -> None:
    for obj in build(overlay):
        if obj["apiVersion"].startswith("ray.io/"):
            continue
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)  # raises ValidationError with the path


def test_raw_built_in_objects_pass_strict_kubernetes_validation() -> None:
    checked = 0
    for _path, obj in raw_objects():
        if obj["apiVersion"].startswith("ray.io/") or obj["apiVersion"] == MONITORING:
            continue
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
        checked += 1
    assert checked >= 9, f"only {checked} built-in objects found"


def test_every_kuberay_object_built_or_sample_is_valid() -> None:
    kuberay = [(where, obj) for where, obj in _all_objects() if obj["apiVersion"].startswith("ray.io/")]
    assert {obj["kind"] for _, obj in kuberay} == {"RayCluster", "RayJob", "RayCronJob"}
    problems = [f"{where}: {p}" for where, obj in kuberay for p in validate_kuberay(obj)]
    assert problems == []


def test_names_of_built_in_objects_meet_their_limits() -> None:
    for where, obj in _all_objects():
        if obj["kind"] == "CronJob":
            assert name_problems("CronJob", obj["metadata"]["name"]) == [], where


def test_monitoring_samples_have_their_shape() -> None:
    monitoring = {obj["kind"]: obj for _, obj in raw_objects() if obj["apiVersion"] == MONITORING}
    assert set(monitoring) == {"PodMonitor", "PrometheusRule"}
    endpoints = monitoring["PodMonitor"]["spec"]["podMetricsEndpoints"]
    head = one(build("prod"), "RayCluster")["spec"]["headGroupSpec"]["template"]["spec"]["containers"][0]
    assert [e["port"] for e in endpoints] == ["simfarm-metrics"]
    assert {"name": "simfarm-metrics", "containerPort": 9464} in head["ports"]
    rules = monitoring["PrometheusRule"]["spec"]["groups"][0]["rules"]
    assert [r["alert"] for r in rules] == ["SimfarmNightlyFailed", "SimfarmNightlyStale"]
    assert all('cronjob="simfarm-nightly"' in r["expr"] for r in rules)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_image_is_pinned_by_digest_and_copied_into_the_environment(overlay: str) -> None:
    kustomization = yaml.safe_load((K8S / "overlays" / overlay / "kustomization.yaml").read_text())
    (pin,) = kustomization["images"]
    assert pin["name"] == IMAGE_NAME and DIGEST.match(pin["digest"]) and "newTag" not in pin
    expected = f"{pin['newName']}@{pin['digest']}"
    seen = 0
    for obj in build(overlay):
        for container in containers(obj):
            assert container["image"] == expected, (obj["kind"], container["name"])
            env = {e["name"]: e.get("value") for e in container.get("env", [])}
            assert env["SIMFARM_IMAGE_DIGEST"] == pin["digest"], (obj["kind"], container["name"])
            if "SIMFARM_IMAGE" in env:
                assert env["SIMFARM_IMAGE"] == expected
            seen += 1
    assert seen == 3  # RayCluster head and worker, the nightly


def test_the_image_is_pinned_nowhere_else() -> None:
    for path, obj in raw_objects():
        for container in containers(obj):
            assert container["image"] == IMAGE_NAME, f"{path}: {container['name']} names {container['image']}"
    dev, prod = (yaml.safe_load((K8S / "overlays" / o / "kustomization.yaml").read_text()) for o in OVERLAYS)
    assert dev["replacements"] == prod["replacements"]


def test_the_rayjob_template_has_every_setting_a_sweep_cluster_needs() -> None:
    (job,) = [obj for path, obj in raw_objects() if obj["kind"] == "RayJob"]
    spec = job["spec"]
    assert spec["submissionMode"] == "K8sJobMode" and spec["shutdownAfterJobFinishes"] is True
    assert spec["ttlSecondsAfterFinished"] > 0 and spec["activeDeadlineSeconds"] > 0 and spec["backoffLimit"] >= 1
    cluster = spec["rayClusterSpec"]
    assert cluster["authOptions"] == {"mode": "token"}
    assert cluster["headGroupSpec"]["rayStartParams"]["num-cpus"] == "0"
    (workers,) = cluster["workerGroupSpecs"]
    assert 0 < workers["minReplicas"] <= workers["maxReplicas"]
    for container in containers(job):
        assert set(container["resources"]) == {"requests", "limits"}, container["name"]
    assert job["metadata"]["annotations"]["simfarm.io/sweep-id"] in spec["entrypoint"]
    assert "simfarm.io/sweep-hash" in job["metadata"]["labels"]


def test_the_rayjob_entrypoint_is_the_remote_driver_command() -> None:
    """The same command line as a Ray Jobs submission (farm.execution.remote), plus the metrics flags."""
    import shlex

    from farm.execution.remote import job_entrypoint

    (job,) = [obj for path, obj in raw_objects() if obj["kind"] == "RayJob"]
    words = shlex.split(job["spec"]["entrypoint"])
    flags = dict(zip(words[4::2], words[5::2], strict=False))
    driver = shlex.split(job_entrypoint(flags["--sweep-id"], flags["--store"], version=flags["--expect-version"]))
    assert words[:len(driver)] == driver
    assert words[len(driver):] == ["--metrics-port", "9464", "--metrics-host", "0.0.0.0"]
    head = job["spec"]["rayClusterSpec"]["headGroupSpec"]["template"]["spec"]["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in head["ports"]}
    assert ports["simfarm-metrics"] == 9464 and ports["metrics"] == 8080  # the farm's, apart from Ray's own


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_nightly_cronjob(overlay: str) -> None:
    cron = one(build(overlay), "CronJob", "simfarm-nightly")
    spec = cron["spec"]
    assert spec["concurrencyPolicy"] == "Forbid" and spec["timeZone"] and spec["startingDeadlineSeconds"] > 0
    assert spec["successfulJobsHistoryLimit"] > 0 and spec["failedJobsHistoryLimit"] > 0
    job = spec["jobTemplate"]["spec"]
    assert job["backoffLimit"] == 0
    pod = job["template"]["spec"]
    assert pod["serviceAccountName"] == "simfarm-submitter" and pod["restartPolicy"] == "Never"
    (volume,) = pod["volumes"]
    script = one(build(overlay), "ConfigMap", volume["configMap"]["name"])  # the generated, hash-suffixed name
    assert script["data"]["nightly.sh"] == (K8S / "base" / "nightly.sh").read_text()


def test_the_submitter_role_grants_exactly_the_verbs_the_client_uses() -> None:
    """The verbs are those tests/k8s/test_k8s_client.py derives from the client's recorded requests."""
    role = one(build("prod"), "Role", "simfarm-submitter")
    grants = {(g, r): sorted(rule["verbs"]) for rule in role["rules"] for g in rule["apiGroups"]
              for r in rule["resources"]}
    assert grants == {("ray.io", "rayjobs"): ["create", "delete", "get"], ("", "pods"): ["list"],
                      ("", "pods/log"): ["get"], ("", "events"): ["list"]}
    binding = one(build("prod"), "RoleBinding", "simfarm-submitter")
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "simfarm-submitter", "namespace": "simfarm"}]


def test_strict_kubernetes_validation_catches_a_misspelt_field() -> None:
    import copy

    cron = copy.deepcopy(one(build("dev"), "CronJob", "simfarm-nightly"))
    cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["envfrom"] = []
    with pytest.raises(kubernetes_validate.ValidationError, match="envfrom"):
        kubernetes_validate.validate(cron, K8S_VERSION, strict=True)
