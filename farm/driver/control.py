"""Status, logs and cancel for a sweep, whoever drives it (this process, a detached driver, a Ray job, a RayJob).

Also the driver's side of a stop: ``stop_on_signals`` (the SIGTERM that ``cancel_sweep`` sends lands there)
and ``break_stale_lease`` (the lease of a driver that was killed on this host).

Everything is read from and written to the store, so these work from any
machine that can reach it; the only other actions are signalling a detached
driver's process when it runs on this host, asking the Jobs API about (or
to stop) the Ray job of a ``--address http://...`` run, and the Kubernetes API
about (or to delete) the RayJob of a ``--k8s`` run (``farm.driver.kube_control``).
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from farm.driver.kube_control import k8s_cancel, k8s_logs, k8s_status
from farm.driver.log import log_key
from farm.errors import ExecutionError, InputError, SimfarmError, StoreError
from farm.execution.base import now_iso
from farm.store.base import Manifest, Store

FINAL_STATES = ("complete",)


def _manifest(store: Store, sweep_id: str) -> Manifest:
    try:
        return store.read_manifest(sweep_id)
    except StoreError as exc:
        raise InputError(f"no sweep '{sweep_id}' in {store.uri}", source="SWEEP_ID") from exc


def _driver_pid(manifest: Manifest) -> int | None:
    """The pid of the driver on this host (detached or in-process), if recorded."""
    for key in ("detached", "driver"):
        info = manifest.extra.get(key) or {}
        if info.get("host") == socket.gethostname() and info.get("pid"):
            return int(info["pid"])
    return None


def _alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def local_owner_pid(owner: str) -> int | None:
    """The pid in a ``host:pid:tag`` lease owner when ``host`` is this machine, else None."""
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    return int(pid) if host == socket.gethostname() and pid.isdigit() else None


def _lease_pid(manifest: Manifest) -> int | None:
    """The pid of the driver holding a live lease from this host, else None.

    Only a live lease names a running driver, so a recycled pid is never signalled.
    """
    lease = manifest.lease
    if lease is None or lease.expires_at <= time.time():
        return None
    return local_owner_pid(lease.owner)


def break_stale_lease(store: Store, sweep_id: str) -> str | None:
    """Drop a live lease whose owner ran on this host and is gone (a killed driver); returns that owner.

    Leases of other hosts are left to expire: only here can a dead owner be told from a slow one.
    """
    lease = store.read_manifest(sweep_id).lease
    if lease is None or lease.expires_at <= time.time():
        return None
    pid = local_owner_pid(lease.owner)
    if pid is None or _alive(pid):
        return None
    store.update_manifest(sweep_id, lambda m: replace(m, lease=None) if m.lease == lease else m)
    return lease.owner


def wait_for_lease(store: Store, sweep_id: str, wait_s: float, *, poll_s: float = 1.0) -> str | None:
    """Wait up to ``wait_s`` [s] for another owner's live lease to expire or be released.

    For a driver on a new host taking over a sweep (a retried RayJob): the previous driver's host
    is gone, so only expiry (at most ``LEASE_TTL_S`` after its last renewal) tells it stopped. A
    lease that keeps being renewed is left alone: after ``wait_s`` the caller's ``acquire_lease``
    raises ``LeaseError`` naming the holder. Returns the owner that was waited out, or None when
    the lease was free at once or is still held.
    """
    deadline = time.monotonic() + wait_s
    waited_for: str | None = None
    while True:
        lease = store.read_manifest(sweep_id).lease
        now = time.time()
        if lease is None or lease.expires_at <= now:
            return waited_for
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        waited_for = lease.owner
        time.sleep(max(0.01, min(poll_s, remaining, lease.expires_at - now + 0.01)))


def sweep_status(store: Store, sweep_id: str) -> dict[str, Any]:
    """State, counts, lease and driver of a sweep as a JSON-ready dict."""
    m = _manifest(store, sweep_id)
    lease = m.lease
    pid = _driver_pid(m)
    return {
        "sweep_id": m.sweep_id, "name": m.name, "state": m.state, "total": m.total,
        "done": sum(m.counts.values()), "counts": dict(m.counts), "created_at": m.created_at,
        "updated_at": m.updated_at, "code_fingerprint": m.code_fingerprint, "mode": m.extra.get("mode", ""),
        "address": m.extra.get("address"), "driver_pid": pid, "driver_alive": _alive(pid),
        "lease": None if lease is None else {"owner": lease.owner, "expires_at": lease.expires_at,
                                             "live": lease.expires_at > time.time()},
        "compacted": bool(m.compacted), "sweep_file": m.sweep_file, "error": m.extra.get("error"),
        "job": _job_status(m.extra.get("job")), "rayjob": k8s_status(m.extra.get("k8s")),
    }


def _job_status(job: dict[str, Any] | None) -> dict[str, Any] | None:
    """The Ray job of a Jobs-API run as the Jobs API reports it now (``status`` ``UNKNOWN`` if unreachable)."""
    if not job:
        return None
    from farm.execution.ray_jobs import job_info

    try:
        info = job_info(job["address"], job["id"])
    except ExecutionError as exc:
        return {**job, "status": "UNKNOWN", "message": exc.line(), "exit_code": None}
    return {**job, "status": info.status, "message": info.message, "exit_code": info.exit_code}


def sweep_logs(store: Store, sweep_id: str) -> str:
    """The driver log stored with the sweep (every session, oldest first), then a Ray job's own output."""
    manifest = _manifest(store, sweep_id)
    job = manifest.extra.get("job")
    try:
        text = store.get_bytes(log_key(sweep_id)).decode(errors="replace")
    except StoreError:
        text = ""
    if job:
        from farm.execution.ray_jobs import job_logs

        try:
            output = job_logs(job["address"], job["id"])
        except ExecutionError as exc:
            output = f"(unavailable: {exc.line()})\n"
        text += f"--- output of Ray job {job['id']} at {job['address']} ---\n{output}"
    return text + k8s_logs(manifest.extra.get("k8s"))


def cancel_sweep(store: Store, sweep_id: str) -> dict[str, Any]:
    """Mark the sweep cancelled (its driver stops within seconds) and SIGTERM a local driver process."""
    m = _manifest(store, sweep_id)
    if m.state in FINAL_STATES:
        return {"sweep_id": sweep_id, "state": m.state, "cancelled": False, "signalled_pid": None}
    store.update_manifest(sweep_id, lambda cur: replace(
        cur, state="cancelled", updated_at=now_iso(), extra={**cur.extra, "cancel_requested_at": now_iso()}))
    pid = _lease_pid(m)
    signalled = None
    if pid is not None and pid != os.getpid() and _alive(pid):
        os.kill(pid, signal.SIGTERM)
        signalled = pid
    info: dict[str, Any] = {"sweep_id": sweep_id, "state": "cancelled", "cancelled": True,
                            "signalled_pid": signalled, "stopped_job": None}
    try:
        info["stopped_job"] = _stop_job(m.extra.get("job"))
    except ExecutionError as exc:  # the mark stands: the job's driver sees it within seconds
        info["job_error"] = exc.line()
    info["deleted_rayjob"] = None
    try:
        info["deleted_rayjob"] = k8s_cancel(store, sweep_id, m.extra.get("k8s"))
    except SimfarmError as exc:  # the mark stands: the RayJob's driver sees it within seconds
        info["k8s_error"] = exc.line()
    return info


def _stop_job(job: dict[str, Any] | None) -> str | None:
    """Stop a Jobs-API run's Ray job (its driver stores what finished); its id if it was running."""
    if not job:
        return None
    from farm.execution.ray_jobs import stop_job

    return str(job["id"]) if stop_job(job["address"], job["id"]) else None


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """The first SIGINT/SIGTERM sets ``stop``; a second SIGINT raises KeyboardInterrupt (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        if stop.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
