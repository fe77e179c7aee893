"""``submit`` (what ``simfarm submit`` calls) and ``detach``: create or pick up a sweep, then drive it somewhere.

``submit`` loads and expands the sweep (bad input fails here, before any
work), opens and checks the store, writes the manifest and the expanded specs
under a new sweep id (announced at once) — or picks up ``--resume SWEEP_ID`` —
then drives the sweep in this process (``farm.driver.session``), or with
``detach`` starts a background ``python -m farm.driver run --sweep-id ID
--store URI`` and returns, or submits that same command as a Ray job. Anything
that runs a sweep stored elsewhere (a detached process, a Ray job, a CronJob
pod) uses that entry point (``farm.driver.__main__``); it reads everything from the store.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from farm import __version__
from farm.driver.log import open_local_log, record_failure
from farm.driver.metrics import MetricsEndpoint, endpoint_args
from farm.driver.session import DriverReport, run_sweep, stored_summary
from farm.errors import ExitCode, InputError, SimfarmError, StoreError
from farm.execution import DEFAULT_BATCH_FN, ExecutionOptions, ExecutorKind
from farm.execution.remote import is_jobs_address
from farm.result import final_count
from farm.store.base import Manifest, Store
from farm.sweep.model import SweepSpec

ROTATION_DATE_FIELD = "rotation_date"  # manifest.extra: the date the rotating entries were expanded for

if TYPE_CHECKING:
    from farm.driver.kube import K8sRequest
    from farm.execution.ray_jobs import JobInfo

# farm/driver/submit.py -> the folder holding farm/: a detached driver imports this checkout's farm from any cwd
PROJECT_ROOT = Path(__file__).resolve().parents[2]
Announce = Callable[[str, str], None]


def is_local_store(uri: str | None) -> bool:
    """True for a folder store (a plain path or ``file://``); remote runs need a shared store."""
    resolved = uri or os.environ.get("SIMFARM_STORE") or ""
    return not resolved.startswith("s3://")


def resolve_options(base: ExecutionOptions, **overrides: Any) -> ExecutionOptions:
    """``base`` with every non-None override applied, validated (``InputError`` names the option)."""
    given = {k: v for k, v in overrides.items() if v is not None}
    return replace(base, **given).validated(source="simfarm submit")


def _sweep_options(sweep: Any) -> ExecutionOptions:
    r = sweep.resources
    return ExecutionOptions(batch_size=r.batch_size, max_in_flight=r.max_in_flight, timeout_s=r.timeout_s,
                            retries=r.retries, num_cpus_per_rollout=r.num_cpus_per_rollout)


def _versions() -> dict[str, str]:
    """What can change an outcome or a file besides the code: interpreter, architecture, key libraries."""
    import platform
    from importlib import metadata

    versions = {"python": platform.python_version(), "simfarm": __version__, "machine": platform.machine(),
                "system": platform.system()}
    for dist in ("numpy", "scipy", "pybullet", "pyarrow", "ray"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "absent"
    return versions


def _new_sweep(store: Store, sweep: Any, sweep_path: str, options: ExecutionOptions, mode: dict[str, Any],
               sweep_id: str | None = None, today: dt.date | None = None) -> str:
    from farm.driver.session import OUTCOME_CODE_FIELD, SPEC_FORMAT_FIELD
    from farm.execution.base import now_iso
    from farm.fingerprint import base_fingerprint, outcome_code_hash
    from farm.reallog.inputs import check_inputs_present
    from farm.spec import SPEC_FORMAT
    from farm.store.ids import new_sweep_id
    from farm.sweep import expand

    day = today or dt.datetime.now(dt.UTC).date()  # the date every rotating entry of the sweep mixes in
    specs = expand(sweep, today=day)
    check_inputs_present(store, specs, source=sweep_path)  # a log replay needs its log in this store
    sweep_id = sweep_id or new_sweep_id(sweep.name)
    now = now_iso()
    outcome_code = outcome_code_hash(s.stack.entry_point for s in specs)
    manifest = Manifest(sweep_id=sweep_id, name=sweep.name, created_at=now, updated_at=now,
                        code_fingerprint=base_fingerprint(), stacks=tuple(s.stack_id for s in sweep.stacks),
                        versions=_versions(), total=len(specs), sweep_file=sweep_path,
                        extra={"options": options.as_dict(), **mode, OUTCOME_CODE_FIELD: outcome_code,
                               SPEC_FORMAT_FIELD: SPEC_FORMAT, ROTATION_DATE_FIELD: day.isoformat(),
                               # reports: SWEEP_ID:STACK resolves the sweep file's names; the latency deadlines
                               "stack_names": dict(sweep.stack_names), "sim": sweep.sim.to_dict()})
    # the session records the platform it runs on
    store.create_sweep(manifest, specs)
    return sweep_id


def _existing_sweep(store: Store, sweep_id: str, overrides: dict[str, Any], mode: dict[str, Any]) -> ExecutionOptions:
    """Validate ``--resume SWEEP_ID``; returns the stored options with this submit's overrides applied."""
    try:
        manifest = store.read_manifest(sweep_id)
    except StoreError as exc:
        raise InputError(f"no sweep '{sweep_id}' in {store.uri}", source="--resume") from exc
    chosen = resolve_options(ExecutionOptions(**manifest.extra.get("options", {})), **overrides)
    store.update_manifest(sweep_id, lambda m: replace(m, extra={**m.extra, "options": chosen.as_dict(), **mode,
                                                                "cancel_requested_at": None}))
    return chosen


def submit(sweep_path: str | Path | SweepSpec, *, store: str | None = None, address: str | None = None,
           resume: str | None = None, force: bool = False, detach: bool = False, batch_size: int | None = None,
           max_in_flight: int | None = None, timeout_s: float | None = None, retries: int | None = None,
           num_cpus: int | None = None, announce: Announce | None = None, stream_to: TextIO | None = None,
           tty: bool | None = None, executor: ExecutorKind = "ray", batch_fn: str = DEFAULT_BATCH_FN,
           job_env: Mapping[str, str] | None = None, k8s: K8sRequest | None = None,
           metrics: MetricsEndpoint | None = None, sweep_id: str | None = None,
           today: dt.date | None = None) -> DriverReport:
    """Submit (or ``resume``) a sweep; returns once it ends (or at once with ``detach``).

    ``today``: the date the sweep's rotating entries (``rotate: daily|weekly``) are expanded for
    (default: today in UTC), as ``simfarm sweep expand --today``; recorded in the manifest
    (``extra["rotation_date"]``). A resume runs the stored specs, so it takes no date.

    ``sweep_path`` is a sweep file (path or packaged name) or a ``SweepSpec`` built in memory
    (``simfarm sim2real``; its ``source`` is what the manifest records as the sweep file).
    ``sweep_id`` names a new sweep instead of ``new_sweep_id(name)`` (the caller checked that it
    is free: creating it over an existing sweep is refused by the store).

    ``address``: None runs embedded Ray here; ``auto``, ``ray://host:10001`` or ``host:port`` drive an
    existing cluster from here; ``http://host:8265`` runs the driver on the cluster as a Ray job
    (``job_env``: extra environment for it), whose output is followed here unless ``detach``.
    ``k8s``: run it as a KubeRay RayJob (``farm.driver.kube``), followed here unless ``detach``.
    ``metrics``: the driver serves its Prometheus counters there, wherever it runs (this process, the
    detached process, the Ray job's driver).

    Raises:
        InputError: a bad sweep file or option, a local store for a remote run, an unknown
            ``resume`` id, or other outcome-relevant code without ``force`` — all before any rollout runs.
        LeaseError: another driver is running this sweep.
        StoreError / ExecutionError: the store or the cluster is unreachable.
    """
    from farm.store import open_store
    from farm.sweep import load_sweep

    if resume and today is not None:
        raise InputError("--today fixes the rotating set of a new sweep; a resume runs the stored specs",
                         source="--today", field=today.isoformat())
    sweep = sweep_path if isinstance(sweep_path, SweepSpec) else load_sweep(sweep_path)
    sweep_file = sweep.source if isinstance(sweep_path, SweepSpec) else str(sweep_path)
    metrics = metrics.validated() if metrics is not None else None
    overrides = {"batch_size": batch_size, "max_in_flight": max_in_flight, "timeout_s": timeout_s,
                 "retries": retries, "num_cpus": num_cpus}
    options = resolve_options(_sweep_options(sweep), **overrides)
    store_uri = store or sweep.store
    if address is not None and k8s is not None:
        raise InputError("--k8s runs the sweep on a cluster of its own: drop --address", source="--address",
                         field=address)
    if (address is not None or k8s is not None) and is_local_store(store_uri):
        raise InputError("a remote run needs a store the cluster can reach (s3://...), not a local folder",
                         source="--store", field=store_uri or "default")
    results = open_store(store_uri)
    results.check()
    as_job = is_jobs_address(address)
    kind = "k8s" if k8s else "job" if as_job else "detached" if detach else "driver" if address else "embedded"
    mode = {"mode": kind, "address": address}
    if resume:
        options = _existing_sweep(results, resume, overrides, mode)
        sweep_id = resume
    else:
        sweep_id = _new_sweep(results, sweep, sweep_file, options, mode, sweep_id, today)
    if announce is not None:
        announce(sweep_id, results.uri)
    if k8s is not None:  # as for a Ray job: a sweep created just now needs no fingerprint check there
        from farm.driver.kube import run_on_k8s

        return run_on_k8s(results, sweep_id, k8s, force=force or not resume, detach=detach, stream_to=stream_to)
    if as_job:  # a sweep created just now needs no fingerprint check on the cluster
        return _run_as_job(results, sweep_id, str(address), force=force or not resume, detach=detach,
                          env=job_env or {}, stream_to=stream_to, metrics=metrics)
    if detach:  # a sweep created just now is not a resume: its own driver needs no fingerprint check
        return _detach(results, sweep_id, address=address, force=force or not resume, metrics=metrics)
    return run_sweep(results, sweep_id, options=options, address=address, force=force, stream_to=stream_to,
                     tty=tty, executor=executor, batch_fn=batch_fn, metrics=metrics)


def driver_command(sweep_id: str, store_uri: str, *, address: str | None = None, force: bool = False,
                   metrics: MetricsEndpoint | None = None) -> list[str]:
    """The command line of a driver that runs a stored sweep (detached process, Ray job, pod)."""
    cmd = [sys.executable, "-m", "farm.driver", "run", "--sweep-id", sweep_id, "--store", store_uri]
    if address:
        cmd += ["--address", address]
    if force:
        cmd.append("--force")
    return cmd + endpoint_args(metrics)


def _run_as_job(store: Store, sweep_id: str, address: str, *, force: bool, detach: bool, env: Mapping[str, str],
                stream_to: TextIO | None, metrics: MetricsEndpoint | None = None) -> DriverReport:
    """Submit the stored sweep's driver as a Ray job (job id in the manifest); follow it unless ``detach``."""
    import shlex
    import uuid

    from farm.execution import ray_jobs
    from farm.execution.base import now_iso
    from farm.execution.remote import job_entrypoint, job_env

    skipped = final_count(store.read_manifest(sweep_id).counts)
    try:
        entrypoint = " ".join([job_entrypoint(sweep_id, store.uri, force=force), shlex.join(endpoint_args(metrics))])
        job_id = ray_jobs.submit_job(address, entrypoint=entrypoint.strip(),
                                     submission_id=f"simfarm-{sweep_id}-{uuid.uuid4().hex[:6]}",
                                     env_vars=job_env(env))
    except SimfarmError as exc:
        record_failure(store, sweep_id, "the Ray job could not be submitted", exc)
        raise
    job = {"id": job_id, "address": address, "submitted_at": now_iso()}
    store.update_manifest(sweep_id, lambda m: replace(m, extra={**m.extra, "job": job}))
    follow = f"simfarm status {sweep_id} --store {store.uri}"
    if detach:
        return DriverReport(sweep_id=sweep_id, store=store.uri, state="submitted",
                            message=f"Ray job {job_id} submitted to {address}; follow it with: {follow}")
    started = time.monotonic()
    try:
        info = ray_jobs.follow_job(address, job_id, stream_to=stream_to)
    except KeyboardInterrupt:
        return DriverReport(sweep_id=sweep_id, store=store.uri, state="submitted", exit_code=ExitCode.INTERRUPTED,
                            message=f"stopped following Ray job {job_id}, which keeps running: {follow}; "
                                    f"stop it with: simfarm cancel {sweep_id} --store {store.uri}")
    return _job_report(store, sweep_id, info, skipped=skipped, wall_time_s=time.monotonic() - started)


def _job_report(store: Store, sweep_id: str, info: JobInfo, *, skipped: int, wall_time_s: float) -> DriverReport:
    """The report of a finished Ray job, from its final state and what it left in the store."""
    manifest = store.read_manifest(sweep_id)
    stored = stored_summary(store, sweep_id)
    ran = max(0, sum(sum(c.values()) for c in stored["by_family"].values()) - skipped)
    code = info.driver_exit_code()
    # a driver that ended with its own code said why in the store; only a lost job needs the Jobs API's reason
    detail = f" ({info.message})" if info.exit_code is None and code != ExitCode.OK and info.message else ""
    return DriverReport(sweep_id=sweep_id, store=store.uri, state=manifest.state, total=manifest.total, ran=ran,
                        skipped=skipped, counts=dict(manifest.counts), **stored, wall_time_s=wall_time_s,
                        rollouts_per_s=ran / wall_time_s if wall_time_s > 0 else 0.0, exit_code=code,
                        message=f"Ray job {info.job_id} {info.status.lower()} (exit code {int(code)}){detail}: "
                                f"sweep {manifest.state}")


def detached_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a detached driver: this one, with this checkout first on ``PYTHONPATH``."""
    env = dict(os.environ if environ is None else environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH")) if p)
    return env


def _detach(store: Store, sweep_id: str, *, address: str | None, force: bool,
            metrics: MetricsEndpoint | None = None) -> DriverReport:
    """Start the driver as a background process in its own session; record its pid in the manifest.

    Its own output goes to an owner-only file in the user's state directory (``farm.driver.log``).
    """
    log_path, fd = open_local_log(sweep_id)
    try:
        proc = subprocess.Popen(driver_command(sweep_id, store.uri, address=address, force=force, metrics=metrics),
                                stdin=subprocess.DEVNULL, stdout=fd, stderr=subprocess.STDOUT, env=detached_env(),
                                cwd=os.getcwd(), start_new_session=True)
    finally:
        os.close(fd)
    detached = {"pid": proc.pid, "host": socket.gethostname(), "local_log": str(log_path)}
    store.update_manifest(sweep_id, lambda m: replace(m, extra={**m.extra, "detached": detached}))
    return DriverReport(sweep_id=sweep_id, store=store.uri, state="detached", pid=proc.pid,
                        message=f"driver running in the background (pid {proc.pid}, output in {log_path}); "
                                f"follow it with: simfarm status {sweep_id} --store {store.uri}")
