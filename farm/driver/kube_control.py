"""Status, logs and cancel of a Kubernetes sweep: the RayJob recorded in the manifest's ``extra.k8s``.

Called by ``farm.driver.control`` beside what the store says. The API is reached with the recorded
context (the kubeconfig's current context when the sweep was submitted in-cluster, by a CronJob)
and namespace; a failure to reach it never hides what the store says (``UNKNOWN`` / a note).
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

from farm.errors import SimfarmError
from farm.store.base import Store

if TYPE_CHECKING:
    from farm.k8s.api import Cluster

CANCEL_GRACE_ENV = "SIMFARM_K8S_CANCEL_GRACE_S"
CANCEL_GRACE_S = 20.0  # cancel: time for the driver to see the mark (every 5 s), flush and let go


def connect_recorded(context: str | None, namespace: str | None) -> Cluster:
    """``farm.k8s.api.connect``; a recorded ``in-cluster`` context means the default configuration here."""
    from farm.k8s.api import IN_CLUSTER, connect

    return connect(None if context == IN_CLUSTER else context, namespace)


def k8s_status(where: dict[str, Any] | None) -> dict[str, Any] | None:
    """The RayJob of a Kubernetes sweep as the API reports it now (``jobStatus`` ``UNKNOWN`` if unreachable)."""
    if not where:
        return None
    try:
        state = connect_recorded(where.get("context"), where["namespace"]).rayjob_state(where["name"])
    except SimfarmError as exc:
        return {**where, "jobStatus": "UNKNOWN", "jobDeploymentStatus": "UNKNOWN", "message": exc.line(),
                "reason": "", "exists": None}
    return {**where, **state.as_dict()}


def k8s_logs(where: dict[str, Any] | None) -> str:
    """The RayJob submitter pod's log (the driver's output in K8sJobMode), headed; '' if not a k8s sweep."""
    if not where:
        return ""
    try:
        cluster = connect_recorded(where.get("context"), where["namespace"])
        output = cluster.submitter_log(where["name"]) or "(no pod yet)\n"
    except SimfarmError as exc:
        output = f"(unavailable: {exc.line()})\n"
    return f"--- submitter pod of RayJob {where['name']} in {where['namespace']} ---\n{output}"


def k8s_cancel(store: Store, sweep_id: str, where: dict[str, Any] | None) -> str | None:
    """After the cancel mark: give the driver time to stop and release its lease, then delete the RayJob.

    Returns the RayJob's name if it was deleted, None if it was already gone or this is no k8s sweep.

    Raises:
        SimfarmError: the API refused or is unreachable (the cancel mark stands: the driver stops anyway).
    """
    if not where:
        return None
    grace = float(os.environ.get(CANCEL_GRACE_ENV, CANCEL_GRACE_S))
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        lease = store.read_manifest(sweep_id).lease
        if lease is None or lease.expires_at <= time.time():
            break
        time.sleep(1.0)
    deleted = connect_recorded(where.get("context"), where["namespace"]).delete_rayjob(where["name"])
    return str(where["name"]) if deleted else None
