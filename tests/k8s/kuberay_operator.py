"""The checks the KubeRay v1.7 operator makes after admission, re-stated for offline tests.

The API server accepts a RayJob whose name is too long or whose worker group has
``minReplicas > maxReplicas``; the operator then refuses to reconcile it and says
so only in an event. These functions find such problems before anything is sent.
Each rule cites its source in KubeRay v1.7.0 (``ray-operator/controllers/ray/utils``):
``constant.go`` for the name limits, ``validation.go`` for the rest. Only the rules
that a simfarm object could break are here (no RayService, GCS fault tolerance,
TLS, network policy or history server rules).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

__all__ = ["NAME_LIMITS", "SUBMISSION_MODES", "label_problems", "name_problems", "spec_problems"]

# rayjob_types.go JobSubmissionMode: the CRD's string field has no enum.
SUBMISSION_MODES = ("K8sJobMode", "HTTPMode", "InteractiveMode", "SidecarMode")
# constant.go: MaxRayClusterNameLength 53, MaxRayJobNameLength 53 - 6, MaxRayCronJobNameLength 47 - 11;
# a batch/v1 CronJob's name is at most 52 (its Jobs append an 11-character suffix).
NAME_LIMITS = {"RayCluster": 53, "RayJob": 47, "RayCronJob": 36, "CronJob": 52}
MIN_TOKEN_AUTH_RAY = (2, 52, 0)  # validation.go: authOptions.mode token needs Ray >= 2.52.0

_DNS1035 = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_RAY_START_RESOURCES = ("num-cpus", "num-gpus", "memory", "resources")


def name_problems(kind: str, name: str) -> list[str]:
    """The name rule of ``kind``: a DNS-1035 label (a lowercase letter first) within its length limit."""
    problems = []
    limit = NAME_LIMITS.get(kind)
    if limit is not None and len(name) > limit:
        problems.append(f"metadata.name: {name!r} is {len(name)} characters; a {kind} name has at most {limit}")
    if kind in NAME_LIMITS and not _DNS1035.match(name):
        problems.append(f"metadata.name: {name!r} is not a DNS-1035 label (a lowercase letter, then a-z, 0-9 "
                        "or '-', ending in a letter or digit)")
    return problems


def _label_problem(where: str, key: str, value: Any) -> list[str]:
    problems = []
    prefix, _, name = key.rpartition("/")
    if (prefix and (len(prefix) > 253 or not _DNS1123_SUBDOMAIN.match(prefix))) or len(name) > 63 \
            or not _QUALIFIED_NAME.match(name):
        problems.append(f"{where}: {key!r} is not a valid label key")
    if not isinstance(value, str) or len(value) > 63 or not _LABEL_VALUE.match(value):
        problems.append(f"{where}.{key}: {value!r} is not a valid label value (at most 63 characters: "
                        "letters, digits, '-', '_', '.', starting and ending with a letter or digit)")
    return problems


def _label_maps(node: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every ``metadata.labels`` map in the object, nested pod templates included."""
    if isinstance(node, dict):
        labels = (node.get("metadata") or {}).get("labels") if isinstance(node.get("metadata"), dict) else None
        if isinstance(labels, dict):
            yield (f"{path}.metadata.labels" if path else "metadata.labels"), labels
        for key, child in node.items():
            yield from _label_maps(child, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for i, child in enumerate(node):
            yield from _label_maps(child, f"{path}[{i}]")


def label_problems(obj: dict[str, Any]) -> list[str]:
    """Label keys and values that the API server would refuse, anywhere in ``obj``."""
    return [p for where, labels in _label_maps(obj, "") for key, value in labels.items()
            for p in _label_problem(where, str(key), value)]


def _version(text: str) -> tuple[int, ...] | None:
    match = re.match(r"^v?(\d+)\.(\d+)(?:\.(\d+))?", text)
    return tuple(int(g or 0) for g in match.groups()) if match else None


def _group_problems(where: str, group: dict[str, Any], autoscaling: bool) -> list[str]:
    problems = []
    name = group.get("groupName", "head")
    if not ((group.get("template") or {}).get("spec") or {}).get("containers"):
        problems.append(f"{where}.template.spec.containers: the {name} group has no container")
    params = group.get("rayStartParams") or {}
    if any(params.get(k) for k in _RAY_START_RESOURCES) and group.get("resources"):
        problems.append(f"{where}: resources in both rayStartParams and resources of the {name} group")
    if "labels" in params:
        problems.append(f"{where}.rayStartParams.labels: not supported; use the group's labels field")
    low, high = group.get("minReplicas"), group.get("maxReplicas")
    if where.endswith("]") and not autoscaling and (low is None or high is None):
        problems.append(f"{where}: worker group {name} must set minReplicas and maxReplicas without autoscaling")
    for field, value in (("minReplicas", low), ("maxReplicas", high)):
        if isinstance(value, int) and value < 0:
            problems.append(f"{where}.{field}: negative ({value})")
    if isinstance(low, int) and isinstance(high, int) and low > high:
        problems.append(f"{where}: worker group {name} has minReplicas {low} > maxReplicas {high}")
    return problems


def _cluster_problems(where: str, spec: dict[str, Any], *, in_job: bool) -> list[str]:
    autoscaling = bool(spec.get("enableInTreeAutoscaling"))
    problems = _group_problems(f"{where}.headGroupSpec", spec.get("headGroupSpec") or {}, autoscaling)
    for i, group in enumerate(spec.get("workerGroupSpecs") or []):
        problems += _group_problems(f"{where}.workerGroupSpecs[{i}]", group, autoscaling)
    idle = (spec.get("autoscalerOptions") or {}).get("idleTimeoutSeconds")
    if isinstance(idle, int) and idle < 0:
        problems.append(f"{where}.autoscalerOptions.idleTimeoutSeconds: negative ({idle})")
    auth = spec.get("authOptions") or {}
    if auth.get("mode") == "token":
        version = _version(str(spec.get("rayVersion", "")))
        if version is None or version < MIN_TOKEN_AUTH_RAY:
            problems.append(f"{where}.rayVersion: token auth needs rayVersion >= 2.52.0, got "
                            f"{spec.get('rayVersion')!r}")
    if auth.get("enableK8sTokenAuth") and in_job:
        problems.append(f"{where}.authOptions.enableK8sTokenAuth: not supported for a RayJob")
    return problems


def _job_problems(where: str, job: dict[str, Any]) -> list[str]:
    problems = []
    selector = job.get("clusterSelector") or {}
    mode = job.get("submissionMode", "K8sJobMode")
    backoff = job.get("backoffLimit")
    if job.get("suspend") and not job.get("shutdownAfterJobFinishes"):
        problems.append(f"{where}.suspend: a RayJob without shutdownAfterJobFinishes cannot be suspended")
    if isinstance(job.get("ttlSecondsAfterFinished"), int) and job["ttlSecondsAfterFinished"] < 0:
        problems.append(f"{where}.ttlSecondsAfterFinished: must be >= 0")
    if not job.get("rayClusterSpec") and not selector:
        problems.append(f"{where}: one of rayClusterSpec or clusterSelector must be set")
    if selector and isinstance(backoff, int) and backoff > 0:
        problems.append(f"{where}.backoffLimit: incompatible with clusterSelector")
    if mode == "InteractiveMode" and isinstance(backoff, int) and backoff > 0:
        problems.append(f"{where}.backoffLimit: incompatible with InteractiveMode")
    if mode == "SidecarMode" and (job.get("submitterPodTemplate") or job.get("submitterConfig")):
        problems.append(f"{where}: SidecarMode supports neither submitterPodTemplate nor submitterConfig")
    for field in ("activeDeadlineSeconds", "preRunningDeadlineSeconds"):
        if isinstance(job.get(field), int) and job[field] <= 0:
            problems.append(f"{where}.{field}: must be a positive integer")
    if isinstance(backoff, int) and backoff < 0:
        problems.append(f"{where}.backoffLimit: must be >= 0")
    if job.get("rayClusterSpec"):
        problems += _cluster_problems(f"{where}.rayClusterSpec", job["rayClusterSpec"], in_job=True)
    return problems


def spec_problems(obj: dict[str, Any]) -> list[str]:
    """The operator's spec checks (ValidateRayClusterSpec, ValidateRayJobSpec) that ``obj`` fails."""
    spec = obj.get("spec") or {}
    kind = obj.get("kind")
    if kind == "RayCluster":
        return _cluster_problems("spec", spec, in_job=False)
    if kind == "RayJob":
        return _job_problems("spec", spec)
    if kind == "RayCronJob":
        return _job_problems("spec.jobTemplate", spec.get("jobTemplate") or {})
    return []
