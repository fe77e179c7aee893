"""The Kubernetes API through the official client: the only importer of ``kubernetes`` in simfarm.

``connect`` picks the standard configuration — the kubeconfig (``KUBECONFIG``, else
``~/.kube/config``; ``context`` or its current context) or, inside a pod without one, the
in-cluster service account — and ``Cluster`` does the few calls simfarm makes (the RBAC of
``k8s/base/role.yaml`` grants exactly these, derived in tests/k8s from recorded requests):

=================  ==========================  ==========================================
call               resource, verb               used by
=================  ==========================  ==========================================
create_rayjob      rayjobs create (Strict)      ``submit --k8s``
rayjob_state       rayjobs get                  the follow loop, ``status``
delete_rayjob      rayjobs delete               ``cancel``
submitter_log      pods list, pods/log get      ``logs``
events             events list                  the follow loop's "no status" line
=================  ==========================  ==========================================

Failures are one line: a missing kubeconfig or an unknown context is ``InputError`` (exit 2, the
user fixes the command or the file); the API unreachable, 401/403, the RayJob resource not served
(404: KubeRay not installed), a refused object: ``ExecutionError`` (exit 5, docs/architecture.md).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException
from urllib3.exceptions import HTTPError

from farm.errors import ExecutionError, InputError
from farm.k8s.rayjob import GROUP, PLURAL, VERSION

T = TypeVar("T")
IN_CLUSTER = "in-cluster"
SA_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
REQUEST_TIMEOUT_S = 30.0
TERMINAL_DEPLOYMENT = ("Complete", "Failed", "ValidationFailed")  # KubeRay stops reconciling after these


@dataclass(frozen=True, slots=True, kw_only=True)
class RayJobState:
    """A RayJob's ``status`` as KubeRay reports it (empty strings before the operator wrote any)."""

    name: str
    job_status: str = ""            # the Ray job: PENDING RUNNING STOPPED SUCCEEDED FAILED
    deployment_status: str = ""     # the RayJob: Initializing Running Complete Failed Retrying ...
    reason: str = ""
    message: str = ""
    has_status: bool = False
    exists: bool = True

    @property
    def finished(self) -> bool:
        """True once KubeRay will not change the RayJob any more (or it was deleted)."""
        return not self.exists or self.deployment_status in TERMINAL_DEPLOYMENT

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"name": self.name, "jobStatus": self.job_status, "jobDeploymentStatus": self.deployment_status,
                "reason": self.reason, "message": self.message, "exists": self.exists}


def _kubeconfig_path() -> Path | None:
    for candidate in os.environ.get("KUBECONFIG", "").split(os.pathsep):
        if candidate and Path(candidate).expanduser().is_file():
            return Path(candidate).expanduser()
    default = Path("~/.kube/config").expanduser()
    return default if default.is_file() else None


def _from_kubeconfig(path: Path, context: str | None) -> tuple[client.ApiClient, str, str]:
    source = f"kubeconfig {path}"
    try:
        contexts, active = config.list_kube_config_contexts(config_file=str(path))
        chosen = next((c for c in contexts if c["name"] == context), None) if context else active
        if chosen is None:
            names = ", ".join(c["name"] for c in contexts) or "none"
            raise InputError(f"no context {context!r} (contexts: {names})", source=source, field="--context")
        api = config.new_client_from_config(config_file=str(path), context=chosen["name"], persist_config=False)
    except (ConfigException, OSError, ValueError) as exc:
        raise InputError(f"unusable: {_first_line(exc)}", source=source, field=context or "current-context") from None
    return api, str(chosen["name"]), str(chosen.get("context", {}).get("namespace") or "default")


def connect(context: str | None = None, namespace: str | None = None) -> Cluster:
    """A ``Cluster`` from the kubeconfig (``context`` or its current one) or, in a pod, in-cluster config.

    Raises:
        InputError: no kubeconfig and not in a pod, an unreadable kubeconfig, an unknown context.
    """
    path = _kubeconfig_path()
    if path is not None:
        api, used, default_ns = _from_kubeconfig(path, context)
    elif os.environ.get("KUBERNETES_SERVICE_HOST") and context is None:
        configuration = client.Configuration()
        try:
            config.load_incluster_config(client_configuration=configuration)
        except ConfigException as exc:
            raise InputError(f"in-cluster configuration: {_first_line(exc)}",
                             source="KUBERNETES_SERVICE_HOST") from None
        api, used = client.ApiClient(configuration), IN_CLUSTER
        default_ns = SA_NAMESPACE.read_text().strip() if SA_NAMESPACE.is_file() else "default"
    else:
        raise InputError("no kubeconfig (KUBECONFIG or ~/.kube/config) and not inside a Kubernetes pod",
                         source="--k8s", field="--context" if context else "KUBECONFIG")
    return Cluster(api, context=used, namespace=namespace or default_ns)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _api_reason(exc: ApiException) -> str:
    try:
        body = json.loads(exc.body or "")
    except (TypeError, ValueError):
        return (str(exc.body or exc.reason or "").strip().splitlines() or [""])[0]
    return str(body.get("message") or body.get("reason") or exc.reason) if isinstance(body, dict) else str(body)


def _is_missing_object(exc: ApiException) -> bool:
    """A 404 for a named object (a Status naming it), as opposed to a resource the API does not serve."""
    try:
        body = json.loads(exc.body or "")
    except (TypeError, ValueError):
        return False
    return isinstance(body, dict) and bool((body.get("details") or {}).get("name"))


class Cluster:
    """The calls simfarm makes in one namespace of one cluster (see the module docstring)."""

    def __init__(self, api: client.ApiClient, *, context: str, namespace: str) -> None:
        self.api, self.context, self.namespace = api, context, namespace
        self.host = str(api.configuration.host)
        self._custom = client.CustomObjectsApi(api)
        self._core_api: client.CoreV1Api | None = None

    @property
    def _core(self) -> client.CoreV1Api:
        if self._core_api is None:  # built on first use: its first construction costs ~1.5 s (models)
            self._core_api = client.CoreV1Api(self.api)
        return self._core_api

    def _call(self, what: str, action: Callable[[], T], *, missing_ok: bool = False) -> T | None:
        where = f"Kubernetes API {self.host} (context {self.context}, namespace {self.namespace})"
        try:
            return action()
        except ApiException as exc:
            if exc.status == 404 and missing_ok and _is_missing_object(exc):
                return None
            reason = _api_reason(exc)
            if exc.status == 404:
                reason = (f"the resource {PLURAL}.{GROUP}/{VERSION} is not served (404): is KubeRay installed? "
                          f"({reason})" if not _is_missing_object(exc) else f"not found: {reason}")
            elif exc.status in (401, 403):
                reason = f"{'forbidden' if exc.status == 403 else 'unauthorized'} ({exc.status}): {reason}"
            else:
                reason = f"refused ({exc.status}): {reason}"
            raise ExecutionError(f"{what}: {reason}", source=where) from None
        except (HTTPError, OSError) as exc:
            raise ExecutionError(f"{what}: cannot reach the API: {_first_line(exc)}", source=where) from None

    def create_rayjob(self, body: dict[str, Any]) -> dict[str, Any]:
        """Create the RayJob with server-side strict field validation (an unknown field is refused)."""
        name = body["metadata"]["name"]
        created: Any = self._call(f"cannot create RayJob {name}", lambda: self._custom.create_namespaced_custom_object(
            GROUP, VERSION, self.namespace, PLURAL, body, field_validation="Strict",
            _request_timeout=REQUEST_TIMEOUT_S))
        return dict(created or {})

    def rayjob_state(self, name: str) -> RayJobState:
        """The RayJob's status now (``exists=False`` once it is deleted)."""
        got: Any = self._call(f"cannot read RayJob {name}", lambda: self._custom.get_namespaced_custom_object(
            GROUP, VERSION, self.namespace, PLURAL, name, _request_timeout=REQUEST_TIMEOUT_S), missing_ok=True)
        if got is None:
            return RayJobState(name=name, exists=False)
        status = dict(got).get("status") or {}
        return RayJobState(name=name, job_status=str(status.get("jobStatus", "")),
                           deployment_status=str(status.get("jobDeploymentStatus", "")),
                           reason=str(status.get("reason", "")), message=str(status.get("message", "")),
                           has_status=bool(status))

    def delete_rayjob(self, name: str) -> bool:
        """Delete the RayJob (KubeRay then deletes its cluster); False if it was already gone."""
        gone = self._call(f"cannot delete RayJob {name}", lambda: self._custom.delete_namespaced_custom_object(
            GROUP, VERSION, self.namespace, PLURAL, name, propagation_policy="Background",
            _request_timeout=REQUEST_TIMEOUT_S), missing_ok=True)
        return gone is not None

    def submitter_log(self, name: str) -> str:
        """The log of the RayJob's submitter pod (K8sJobMode: the driver's output), newest pod; '' if none."""
        pods: Any = self._call(f"cannot list the submitter pods of RayJob {name}", lambda: (
            self._core.list_namespaced_pod(self.namespace, label_selector=f"job-name={name}",
                                           _request_timeout=REQUEST_TIMEOUT_S)))
        items = sorted(pods.items if pods else [], key=lambda p: str(p.metadata.creation_timestamp or ""))
        if not items:
            return ""
        pod = items[-1].metadata.name
        text = self._call(f"cannot read the log of pod {pod}", lambda: self._core.read_namespaced_pod_log(
            pod, self.namespace, _request_timeout=REQUEST_TIMEOUT_S), missing_ok=True)
        return str(text or "")

    def events(self, name: str) -> list[str]:
        """``reason: message`` of the events about the object ``name``, oldest first."""
        listed: Any = self._call(f"cannot list the events of RayJob {name}", lambda: self._core.list_namespaced_event(
            self.namespace, field_selector=f"involvedObject.name={name}", _request_timeout=REQUEST_TIMEOUT_S))
        items = sorted(listed.items if listed else [], key=lambda e: str(e.last_timestamp or e.event_time or ""))
        return [f"{e.reason}: {e.message}" for e in items]
