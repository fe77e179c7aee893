"""A sweep on Kubernetes: ``submit --k8s`` creates the sweep's RayJob, follows it, reports from the store.

The sweep is created in the store first (as every remote mode), then a KubeRay RayJob
(``farm.k8s.rayjob``) whose entry point is the stored sweep's driver, ``python -m farm.driver run
... --expect-version X --wait-for-lease S --exit-zero-on-finding``: a retried attempt waits out the
previous driver's lease, and only an incomplete run fails the job (and is retried). The manifest
records where it runs (``extra.k8s``: context, namespace, name, submission, image, submitted_at).
The RayJob status has no exit code: the final exit code comes from the manifest
(``sweep_exit_code``), and a run that left rollouts without a final status is ``INFRA``.
``status``, ``logs`` and ``cancel`` find the RayJob there (``farm.driver.kube_control``).
"""

from __future__ import annotations

import os
import shlex
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TextIO

from farm.driver.kube_control import connect_recorded
from farm.driver.log import record_failure
from farm.driver.session import LEASE_TTL_S, DriverReport, stored_summary, sweep_exit_code
from farm.errors import ExitCode, InputError, SimfarmError
from farm.execution.base import now_iso
from farm.execution.remote import job_entrypoint
from farm.result import final_count
from farm.store.base import Store

if TYPE_CHECKING:
    from farm.k8s.api import RayJobState

LEASE_WAIT_S = LEASE_TTL_S + 30.0  # a retried attempt: the previous lease expires <= 60 s after its last renewal


@dataclass(frozen=True, slots=True, kw_only=True)
class K8sRequest:
    """What ``submit --k8s`` was asked: where (context, namespace), which image, how many workers."""

    context: str | None = None
    namespace: str | None = None
    image: str | None = None          # None: $SIMFARM_IMAGE
    workers: str = "1"                # N or MIN:MAX


def rayjob_options(request: K8sRequest, namespace: str, *, warn: TextIO | None) -> Any:
    """The ``RayJobOptions`` of a request (image from ``--image`` or ``$SIMFARM_IMAGE``; a tag warns)."""
    from farm.k8s.rayjob import RayJobOptions, image_digest, parse_workers

    image = request.image or os.environ.get("SIMFARM_IMAGE", "")
    if not image:
        raise InputError("an image is needed: --image repo@sha256:... (or SIMFARM_IMAGE)", field="--image")
    if image_digest(image) is None and warn is not None:
        print(f"warning: --image {image} is a tag, not a digest (repo@sha256:...): the cluster may pull other "
              "code under it, and SIMFARM_IMAGE_DIGEST stays unset", file=warn, flush=True)
    low, high = parse_workers(request.workers)
    return RayJobOptions(image=image, namespace=namespace, workers_min=low, workers_max=high).checked()


def run_on_k8s(store: Store, sweep_id: str, request: K8sRequest, *, force: bool, detach: bool,
               stream_to: TextIO | None) -> DriverReport:
    """Create the stored sweep's RayJob (its place in ``extra.k8s``); follow it unless ``detach``."""
    from farm.driver.metrics import MetricsEndpoint, endpoint_args
    from farm.k8s.follow import follow_rayjob
    from farm.k8s.rayjob import METRICS_PORT, build_rayjob

    manifest = store.read_manifest(sweep_id)
    submission = int((manifest.extra.get("k8s") or {}).get("submission", 0)) + 1
    skipped = final_count(manifest.counts)
    try:
        cluster = connect_recorded(request.context, request.namespace)
        options = rayjob_options(request, cluster.namespace, warn=stream_to)
        entrypoint = " ".join([
            job_entrypoint(sweep_id, store.uri, force=force, wait_for_lease_s=LEASE_WAIT_S, exit_zero_on_finding=True),
            shlex.join(endpoint_args(MetricsEndpoint(port=METRICS_PORT, host="0.0.0.0")))])
        body = build_rayjob(sweep_id, entrypoint, options, submission=submission)
        cluster.create_rayjob(body)
    except SimfarmError as exc:
        record_failure(store, sweep_id, "the RayJob could not be created", exc)
        raise
    name = body["metadata"]["name"]
    where = {"context": cluster.context, "namespace": cluster.namespace, "name": name, "submission": submission,
             "image": options.image, "api": cluster.host, "submitted_at": now_iso()}
    store.update_manifest(sweep_id, lambda m: replace(m, extra={**m.extra, "k8s": where}))
    follow = f"simfarm status {sweep_id} --store {store.uri}"
    if detach:
        return DriverReport(sweep_id=sweep_id, store=store.uri, state="submitted",
                            message=f"RayJob {name} created in namespace {cluster.namespace}; follow it with: {follow}")
    started = time.monotonic()

    def show(state: RayJobState) -> None:
        if stream_to is not None:
            print(f"RayJob {name}: {state.deployment_status or 'no status yet'}"
                  + (f" / job {state.job_status}" if state.job_status else "")
                  + (f" ({state.message})" if state.message else ""), file=stream_to, flush=True)

    try:
        final = follow_rayjob(cluster, name, on_change=show)
    except KeyboardInterrupt:
        return DriverReport(sweep_id=sweep_id, store=store.uri, state="submitted", exit_code=ExitCode.INTERRUPTED,
                            message=f"stopped following RayJob {name}, which keeps running: {follow}; "
                                    f"stop it with: simfarm cancel {sweep_id} --store {store.uri}")
    return k8s_report(store, sweep_id, final, skipped=skipped, wall_time_s=time.monotonic() - started)


def k8s_report(store: Store, sweep_id: str, final: RayJobState, *, skipped: int, wall_time_s: float) -> DriverReport:
    """The report of a finished RayJob: exit code and counts from the manifest, the RayJob's state beside."""
    manifest = store.read_manifest(sweep_id)
    stored = stored_summary(store, sweep_id)  # the same end-of-sweep table as a local sweep's
    code = sweep_exit_code(dict(manifest.counts), state=manifest.state)
    if code in (ExitCode.OK, ExitCode.FINDING) and final_count(manifest.counts) < manifest.total:
        code = ExitCode.INFRA  # the driver never ran or stopped early: the set is incomplete
    ran = max(0, sum(sum(c.values()) for c in stored["by_family"].values()) - skipped)
    ended = final.deployment_status or ("deleted" if not final.exists else "?")
    detail = f" ({final.reason}: {final.message})" if final.message or final.reason else ""
    return DriverReport(sweep_id=sweep_id, store=store.uri, state=manifest.state, total=manifest.total, ran=ran,
                        skipped=skipped, counts=dict(manifest.counts), **stored, wall_time_s=wall_time_s,
                        rollouts_per_s=ran / wall_time_s if wall_time_s > 0 else 0.0, exit_code=code,
                        message=f"RayJob {final.name} {ended}, job {final.job_status or '-'}{detail} "
                                f"(exit code {int(code)} from the store): sweep {manifest.state}, "
                                f"{final_count(manifest.counts)}/{manifest.total} final")
