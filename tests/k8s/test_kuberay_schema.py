"""The strict KubeRay validator catches what the API server or the operator would refuse.

Each case starts from the shipped RayJob template (valid) and breaks one thing.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.k8s import kuberay_schema
from tests.k8s.kuberay_operator import name_problems
from tests.k8s.kuberay_schema import cel_problems, strict_schema, validate_kuberay
from tests.k8s.manifests import K8S

TEMPLATE = K8S / "base" / "rayjob.sweep.yaml"


@pytest.fixture
def rayjob() -> dict[str, Any]:
    return yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))


def _head(job: dict[str, Any]) -> dict[str, Any]:
    return job["spec"]["rayClusterSpec"]["headGroupSpec"]


def test_the_template_is_valid(rayjob: dict[str, Any]) -> None:
    assert validate_kuberay(rayjob) == []


def test_a_misspelt_field_is_caught_at_every_depth(rayjob: dict[str, Any]) -> None:
    rayjob["spec"]["shutdownAfterJobFinish"] = True  # top of spec
    _head(rayjob)["rayStartParam"] = {}  # inside the cluster spec
    _head(rayjob)["template"]["spec"]["containers"][0]["imagePullPolicyy"] = "Always"  # inside a pod template
    problems = validate_kuberay(rayjob)
    for field in ("shutdownAfterJobFinish", "rayStartParam", "imagePullPolicyy"):
        assert sum(f"'{field}' was unexpected" in p for p in problems) == 1, problems
    assert len(problems) == 3


def test_metadata_stays_open(rayjob: dict[str, Any]) -> None:
    """Strictness is never injected on metadata: the API server fills in fields there."""
    rayjob["metadata"]["generateName"] = "simfarm-"
    _head(rayjob)["template"]["metadata"]["creationTimestamp"] = None
    assert validate_kuberay(rayjob) == []


def test_a_wrong_type_is_caught(rayjob: dict[str, Any]) -> None:
    rayjob["spec"]["backoffLimit"] = "1"
    assert any(p.endswith("spec.backoffLimit: '1' is not of type 'integer'") for p in validate_kuberay(rayjob))


@pytest.mark.parametrize(("kind", "limit"), [("RayJob", 47), ("RayCluster", 53), ("RayCronJob", 36), ("CronJob", 52)])
def test_name_lengths(kind: str, limit: int) -> None:
    assert name_problems(kind, "a" * limit) == []
    assert name_problems(kind, "a" * (limit + 1)) == [
        f"metadata.name: {'a' * (limit + 1)!r} is {limit + 1} characters; a {kind} name has at most {limit}"]


@pytest.mark.parametrize("name", ["Nightly-1", "1nightly", "nightly_1", "nightly-", "-nightly", ""])
def test_a_name_that_is_not_dns_1035_is_caught(name: str) -> None:
    assert any("not a DNS-1035 label" in p for p in name_problems("RayJob", name))


def test_a_too_long_name_is_caught_on_the_object(rayjob: dict[str, Any]) -> None:
    rayjob["metadata"]["name"] = "simfarm-" + "n" * 40  # 48 characters: the API server takes it, KubeRay does not
    name = rayjob["metadata"]["name"]
    assert validate_kuberay(rayjob) == [f"RayJob {name}: metadata.name: {name!r} is 48 characters; "
                                        "a RayJob name has at most 47"]


def test_label_values_longer_than_63_are_caught(rayjob: dict[str, Any]) -> None:
    rayjob["metadata"]["labels"]["simfarm.io/sweep-id"] = "nightly-20260101T020000Z-3f9a2c" * 3  # 93 characters
    _head(rayjob)["template"]["metadata"]["labels"]["ok"] = "x" * 63
    problems = validate_kuberay(rayjob)
    assert len(problems) == 1 and "metadata.labels.simfarm.io/sweep-id" in problems[0]


@pytest.mark.parametrize("mode", ["K8SJobMode", "k8sjobmode", "Kubernetes"])
def test_an_unknown_submission_mode_is_caught(rayjob: dict[str, Any], mode: str) -> None:
    rayjob["spec"]["submissionMode"] = mode
    assert validate_kuberay(rayjob) == [f"RayJob {rayjob['metadata']['name']}: spec.submissionMode: {mode!r} is not "
                                        "one of K8sJobMode, HTTPMode, InteractiveMode, SidecarMode"]


def test_cel_rules_of_the_crd_are_evaluated(rayjob: dict[str, Any]) -> None:
    del rayjob["spec"]["shutdownAfterJobFinishes"]
    rayjob["spec"]["deletionStrategy"] = {"onSuccess": {"policy": "DeleteCluster"}}  # onFailure missing
    rayjob["spec"]["managedBy"] = "someone-else"
    assert cel_problems(rayjob, "RayJob") == [
        "spec.deletionStrategy: deletionStrategy requires either BOTH onSuccess and onFailure, OR the deletionRules "
        "field (cannot be empty)",
        "spec.managedBy: the managedBy field value must be either 'ray.io/kuberay-operator' or "
        "'kueue.x-k8s.io/multikueue'"]
    rayjob["spec"]["deletionStrategy"]["onFailure"] = {"policy": "DeleteNone"}
    rayjob["spec"]["managedBy"] = "ray.io/kuberay-operator"
    assert cel_problems(rayjob, "RayJob") == []


def test_cel_rules_reach_list_items(rayjob: dict[str, Any]) -> None:
    del rayjob["spec"]["shutdownAfterJobFinishes"]
    rayjob["spec"]["deletionStrategy"] = {"deletionRules": [
        {"policy": "DeleteCluster", "condition": {"jobStatus": "SUCCEEDED"}},
        {"policy": "DeleteSelf", "condition": {"jobStatus": "FAILED", "jobDeploymentStatus": "Failed"}}]}
    assert cel_problems(rayjob, "RayJob") == [
        "spec.deletionStrategy.deletionRules[1].condition: JobStatus and JobDeploymentStatus cannot be used "
        "together within the same deletion condition."]


def test_operator_rules(rayjob: dict[str, Any]) -> None:
    workers = rayjob["spec"]["rayClusterSpec"]["workerGroupSpecs"][0]
    workers["minReplicas"], workers["maxReplicas"] = 9, 8
    rayjob["spec"]["rayClusterSpec"]["rayVersion"] = "2.40.0"  # token auth needs 2.52+
    rayjob["spec"]["activeDeadlineSeconds"] = 0
    problems = [p.split(": ", 1)[1] for p in validate_kuberay(rayjob)]
    assert problems == ["spec.activeDeadlineSeconds: must be a positive integer",
                        "spec.rayClusterSpec.workerGroupSpecs[0]: worker group rollouts has minReplicas 9 > "
                        "maxReplicas 8",
                        "spec.rayClusterSpec.rayVersion: token auth needs rayVersion >= 2.52.0, got '2.40.0'"]


def test_strictness_is_injected_but_not_on_metadata_or_open_nodes() -> None:
    schema = strict_schema("RayJob")
    spec = schema["properties"]["spec"]
    assert spec["additionalProperties"] is False
    assert "additionalProperties" not in schema["properties"]["metadata"]
    pod_metadata = spec["properties"]["rayClusterSpec"]["properties"]["headGroupSpec"]["properties"]["template"][
        "properties"]["metadata"]
    assert "properties" in pod_metadata and "additionalProperties" not in pod_metadata
    limits = spec["properties"]["submitterPodTemplate"]["properties"]["spec"]["properties"]["containers"]["items"][
        "properties"]["resources"]["properties"]["limits"]
    assert isinstance(limits["additionalProperties"], dict)  # a map keeps its own value schema


def test_the_crd_folder_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                    rayjob: dict[str, Any]) -> None:
    shutil.copy(kuberay_schema.crd_dir() / "ray.io_rayjobs.yaml", tmp_path)
    monkeypatch.setenv(kuberay_schema.CRD_DIR_ENV, str(tmp_path))
    assert kuberay_schema.crd_dir() == tmp_path
    assert validate_kuberay(copy.deepcopy(rayjob)) == []
    with pytest.raises(KeyError, match="no CRD for kind RayCluster"):
        strict_schema("RayCluster")
    monkeypatch.setenv(kuberay_schema.CRD_DIR_ENV, str(tmp_path / "empty"))
    with pytest.raises(FileNotFoundError, match="SIMFARM_KUBERAY_CRDS"):
        validate_kuberay(rayjob)
