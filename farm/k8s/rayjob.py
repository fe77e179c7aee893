"""The RayJob object of one sweep (``ray.io/v1``), as a plain dict the kubernetes client sends as is.

Pure data, no client: ``build_rayjob`` is what ``simfarm submit --k8s`` creates and what the tests
validate strictly against the KubeRay v1 CRD. A per-sweep cluster (docs/decisions.md D61): the
head runs the driver only (``num-cpus: "0"``), one worker group runs the rollouts, the cluster is
deleted ``ttlSecondsAfterFinished`` after the job ends, ``activeDeadlineSeconds`` bounds the whole
run, ``backoffLimit`` retries a failed attempt on a new cluster (its driver waits out the previous
lease: ``--wait-for-lease``), and Ray token auth is on. Store settings reach every Ray container
from the store ConfigMap and the (optional) credentials Secret by reference, never by value.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata
from typing import Any

from farm.errors import InputError
from farm.k8s.names import rayjob_name, sweep_annotations, sweep_labels

GROUP, VERSION, PLURAL, KIND = "ray.io", "v1", "rayjobs", "RayJob"
SUBMISSION_MODES = ("K8sJobMode", "HTTPMode", "InteractiveMode", "SidecarMode")  # the CRD has no enum
# Names shared with k8s/base (ConfigMap, the Secret you create, the Ray pods' ServiceAccount); the
# pods' shape follows k8s/base/rayjob.sweep.yaml (security contexts, /dev/shm, resources).
STORE_CONFIG_MAP = "simfarm-store"
STORE_SECRET = "simfarm-s3-credentials"
RAY_SERVICE_ACCOUNT = "simfarm-ray"


def _installed_ray() -> str:
    try:
        return metadata.version("ray")
    except metadata.PackageNotFoundError:
        return "2.9.0"


@dataclass(frozen=True, slots=True, kw_only=True)
class RayJobOptions:
    """Everything of a sweep's RayJob besides its sweep id and entry point. Quantities are Kubernetes strings."""

    image: str                              # a digest reference (repo@sha256:...) pins the code
    namespace: str
    workers_min: int = 1
    workers_max: int = 1
    head_cpu: str = "2"                     # GCS, dashboard and the sweep driver (no rollouts: num-cpus 0)
    head_memory: str = "6Gi"                # incl. the end-of-sweep compaction (~0.6 GiB at 100k rows)
    worker_cpu: str = "2"                   # two rollouts at a time per worker pod
    worker_memory: str = "4Gi"
    active_deadline_s: int = 6 * 3600       # the whole RayJob, retries included (< the nightly Job's 8 h)
    ttl_after_finished_s: int = 600         # the cluster stays this long after the end, for `kubectl logs`
    backoff_limit: int = 1                  # retries of a failed attempt, each on a new cluster
    submission_mode: str = "K8sJobMode"     # a submitter Job whose pod log is the driver's output
    store_config_map: str = STORE_CONFIG_MAP
    store_secret: str = STORE_SECRET
    service_account: str = RAY_SERVICE_ACCOUNT
    ray_version: str = ""                   # empty: the Ray installed here (the image pins the same)

    def checked(self) -> RayJobOptions:
        """Self, or ``InputError`` naming the option that KubeRay would reject."""
        if not 1 <= self.workers_min <= self.workers_max:
            raise InputError(f"needs 1 <= MIN <= MAX, got {self.workers_min}:{self.workers_max}", field="--workers")
        if self.submission_mode not in SUBMISSION_MODES:
            raise InputError(f"{self.submission_mode!r} is not one of {', '.join(SUBMISSION_MODES)}",
                             field="submissionMode")
        if self.active_deadline_s <= 0 or self.ttl_after_finished_s < 0 or self.backoff_limit < 0:
            raise InputError("activeDeadlineSeconds must be > 0, ttlSecondsAfterFinished and backoffLimit >= 0",
                             field="RayJobOptions")
        if not self.image:
            raise InputError("an image is needed (repo@sha256:...)", field="--image")
        return self


def parse_workers(text: str) -> tuple[int, int]:
    """``N`` -> (N, N); ``MIN:MAX`` -> (MIN, MAX) with 1 <= MIN <= MAX (``InputError`` otherwise)."""
    low, sep, high = text.partition(":")
    try:
        pair = (int(low), int(high) if sep else int(low))
    except ValueError:
        raise InputError(f"{text!r} is not N or MIN:MAX", field="--workers") from None
    if not 1 <= pair[0] <= pair[1]:
        raise InputError(f"{text!r}: needs 1 <= MIN <= MAX", field="--workers")
    return pair


def image_digest(image: str) -> str | None:
    """The ``sha256:...`` digest of a digest reference (``repo@sha256:<64 hex>``), else None (a tag)."""
    _, at, digest = image.rpartition("@")
    algo, _, hexpart = digest.partition(":")
    if at and algo == "sha256" and len(hexpart) == 64 and all(c in "0123456789abcdef" for c in hexpart):
        return digest
    return None


POD_SECURITY = {"runAsNonRoot": True, "runAsUser": 1000, "runAsGroup": 100, "fsGroup": 100}  # the image's user


METRICS_PORT = 9464                   # the sweep driver's --metrics-port in the cluster (not Ray's 8080)
METRICS_PORT_NAME = "simfarm-metrics"  # what k8s/samples/podmonitor.simfarm.yaml scrapes


def _container(name: str, options: RayJobOptions, *, cpu: str, memory: str) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": name, "image": options.image,
        "envFrom": [{"configMapRef": {"name": options.store_config_map}},
                    {"secretRef": {"name": options.store_secret, "optional": True}}],  # absent with pod identity
        "resources": {"requests": {"cpu": cpu, "memory": memory}, "limits": {"cpu": cpu, "memory": memory}},
        "securityContext": {"allowPrivilegeEscalation": False},
        "volumeMounts": [{"name": "shm", "mountPath": "/dev/shm"}],  # Ray's object store
    }
    if digest := image_digest(options.image):
        container["env"] = [{"name": "SIMFARM_IMAGE_DIGEST", "value": digest}]
    return container


def _pod(container: dict[str, Any], options: RayJobOptions, labels: dict[str, str], *, role: str,
         shm: str) -> dict[str, Any]:
    spec: dict[str, Any] = {"serviceAccountName": options.service_account, "securityContext": dict(POD_SECURITY),
                            "containers": [container],
                            "volumes": [{"name": "shm", "emptyDir": {"medium": "Memory", "sizeLimit": shm}}]}
    if role == "worker":
        spec["automountServiceAccountToken"] = False  # workers need no Kubernetes API
    return {"metadata": {"labels": {**labels, "app.kubernetes.io/name": f"simfarm-ray-{role}"}}, "spec": spec}


def build_rayjob(sweep_id: str, entrypoint: str, options: RayJobOptions, *, submission: int = 1) -> dict[str, Any]:
    """The RayJob that runs ``entrypoint`` (the stored sweep's driver) on a cluster of its own.

    Args:
        sweep_id: the full sweep id (annotation ``simfarm.io/sweep-id``; the name is derived from it).
        entrypoint: the driver's shell command (``farm.execution.remote.job_entrypoint``).
        options: image, namespace, workers and the rest (``RayJobOptions``; checked here).
        submission: 1 for the sweep's first RayJob, 2, 3... for resumes (a distinct name each).
    """
    o = options.checked()
    labels = sweep_labels(sweep_id)
    head = _container("ray-head", o, cpu=o.head_cpu, memory=o.head_memory)
    # The driver runs on the head: its Prometheus metrics on a named port beside Ray's own 8080.
    head["ports"] = [{"containerPort": METRICS_PORT, "name": METRICS_PORT_NAME}]
    worker = _container("ray-worker", o, cpu=o.worker_cpu, memory=o.worker_memory)
    cluster: dict[str, Any] = {
        "rayVersion": o.ray_version or _installed_ray(),
        "authOptions": {"mode": "token"},
        "headGroupSpec": {"rayStartParams": {"num-cpus": "0", "dashboard-host": "0.0.0.0"},
                          "template": _pod(head, o, labels, role="head", shm="2Gi")},
        "workerGroupSpecs": [{
            "groupName": "rollouts", "replicas": o.workers_min, "minReplicas": o.workers_min,
            "maxReplicas": o.workers_max, "rayStartParams": {},
            "template": _pod(worker, o, labels, role="worker", shm="1Gi")}],
    }
    if o.workers_max > o.workers_min:  # KubeRay's autoscaler between MIN and MAX; idle workers go after 60 s
        cluster["enableInTreeAutoscaling"] = True
        cluster["autoscalerOptions"] = {"upscalingMode": "Default", "idleTimeoutSeconds": 60}
    return {
        "apiVersion": f"{GROUP}/{VERSION}", "kind": KIND,
        "metadata": {"name": rayjob_name(sweep_id, submission), "namespace": o.namespace,
                     "labels": labels, "annotations": sweep_annotations(sweep_id)},
        "spec": {
            "entrypoint": entrypoint, "submissionMode": o.submission_mode,
            "shutdownAfterJobFinishes": True, "ttlSecondsAfterFinished": o.ttl_after_finished_s,
            "activeDeadlineSeconds": o.active_deadline_s, "backoffLimit": o.backoff_limit,
            "rayClusterSpec": cluster,
        },
    }
