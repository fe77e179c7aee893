"""The Ray executor: batches as streaming-generator tasks, results per rollout, faults as data.

The only module that imports ``ray`` (the task body lives in
``farm.execution.ray_worker``, which needs no Ray import). Each batch is one
task that yields a start marker, then each rollout's result the moment it
finishes, so a batch that dies midway loses nothing already finished. The driver watches the clock of the rollout in
progress: past ``timeout_s`` it cancels the task with ``force=True`` (the worker
process is killed, which ends even a hang that ignores signals), records that
rollout as ``timeout`` and re-dispatches the unfinished batch-mates singly. A
task lost to a dead worker or node retries the rollout that was running singly
with ``attempt + 1`` (up to ``retries``, then ``infra_error``); its never-started
batch-mates are re-dispatched singly under their own attempt number.

With ``group_s`` > 0 (the driver session's choice: ``farm.execution.base.result_group_s``) a batch task yields its
results in groups, at most one every ``group_s`` (``farm.execution.ray_worker.grouped``): each
Ray item costs the driver ~0.3 ms whatever it holds. The contracts hold, a little later: a rollout
still running started less than ``group_s`` after the last item arrived, so a grouped batch is
stalled only after ``timeout_s + group_s`` without an item — no rollout is stopped before its full
budget, none runs more than ``group_s`` past it. Which rollout hung or killed its worker is then
not known (finished results may wait in the group), so no rollout is failed for it: every unreceived
spec is re-dispatched singly — after a stall under its own attempt number, after a lost worker or
node with ``attempt + 1`` while the retry budget lasts (the row shows that it ran again; the budget
itself is only ever exhausted by a single, whose culprit is certain) — and a single is never grouped,
so the second run records the ``timeout`` or the retry exactly as above. Nothing is stored twice (an
unsent group is never stored) and nothing lost; the price is re-running at most ``group_s`` of
finished work.
"""

from __future__ import annotations

import logging
import os
import pickle
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from farm import __version__
from farm.errors import ExecutionError
from farm.execution.base import DEFAULT_BATCH_FN, ExecutionOptions, lost_result, monotonic_to_iso
from farm.execution.ray_worker import run_batch_task
from farm.execution.remote import code_env, inside_ray_job
from farm.result import RolloutResult, Status
from farm.spec import RolloutSpec
from farm.wire import ResultItem

# "0": Ray keeps 127.0.0.1 instead of the routable address. Ray reads it once, at import; embedded mode re-asserts it.
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")

import ray  # the environment above must be set before Ray is imported
import ray._private.ray_constants as ray_constants
from ray.exceptions import RayError, TaskCancelledError

LOOPBACK_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
_PROJECT_ROOT = str(Path(__file__).resolve().parents[2])
WORKER_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "PYTHONHASHSEED": "0"}


def start_ray(address: str | None = None, *, num_cpus: int | None = None, dashboard: bool = False) -> bool:
    """Start embedded Ray (``address`` None) or connect to ``auto``/``ray://``/``host:port``; False if already up."""
    if ray.is_initialized():
        return False
    env = dict(WORKER_ENV)
    try:
        if address is None:
            _keep_on_loopback()
            # Embedded Ray keeps token auth (other local users cannot attach); its notice about it is noise here.
            logging.getLogger("ray._private.authentication.authentication_token_setup").setLevel(logging.ERROR)
            env["PYTHONPATH"] = os.pathsep.join(p for p in (_PROJECT_ROOT, os.environ.get("PYTHONPATH")) if p)
            ray.init(address="local", num_cpus=num_cpus or os.cpu_count() or 1, include_dashboard=dashboard,
                     runtime_env={"env_vars": env}, log_to_driver=False, logging_level=logging.WARNING,
                     configure_logging=True)
        else:
            if not inside_ray_job():  # a job's runtime env carries the code path already (keys must not clash)
                env.update(code_env())
            ray.init(address=address, runtime_env={"env_vars": env}, log_to_driver=False, logging_level=logging.WARNING)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise ExecutionError(f"cannot start or reach Ray: {exc}".splitlines()[0], source="--address",
                             field=address or "local") from exc
    return True


def _keep_on_loopback() -> None:
    """Embedded Ray on 127.0.0.1 whatever the user's environment says.

    Ray read ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER`` into a constant when it was imported (a ``1`` there
    would make this process pick the routable address); the processes ``ray.init`` starts read the
    environment again, so both are set.
    """
    os.environ[LOOPBACK_ENV] = "0"
    ray_constants.ENABLE_RAY_CLUSTER = False


def stop_ray() -> None:
    """Shut Ray down (idempotent)."""
    if ray.is_initialized():
        ray.shutdown()


def check_remote_version(timeout_s: float = 60.0) -> str:
    """The simfarm version the cluster's workers import; ``ExecutionError`` unless it equals ours."""

    @ray.remote(num_cpus=0)
    def _version() -> str:
        from farm import __version__ as remote

        return remote

    try:
        remote = ray.get(_version.remote(), timeout=timeout_s)
    except RayError as exc:
        raise ExecutionError(f"cannot import simfarm on the cluster: {str(exc).splitlines()[0]}",
                             source="--address") from exc
    if remote != __version__:
        raise ExecutionError(f"the cluster runs simfarm {remote}, this is simfarm {__version__}",
                             source="--address", field="version")
    return str(remote)


RESIZE_EVERY_S = 10.0
DRAIN_S = 0.5  # the longest one poll keeps taking ready results [s]


def in_flight_bound(cluster_cpus: float, options: ExecutionOptions) -> tuple[int, int]:
    """``(slots, max_in_flight)`` for a cluster with ``cluster_cpus`` CPUs right now.

    Slots: batches that can run at once (at least 1, e.g. while an autoscaling cluster has only a
    zero-CPU head). Without an explicit ``--max-in-flight``: twice the slots, so every worker has its
    next batch queued and an autoscaler sees pending demand as large as the cluster (it then grows,
    the bound follows at the next re-size, and so on up to its maximum).
    """
    slots = max(1, int(cluster_cpus // options.num_cpus_per_rollout))
    return slots, options.max_in_flight or 2 * slots


@dataclass(slots=True)
class _Batch:
    """One task in flight: its specs, how many results came back, when the current rollout started."""

    specs: list[RolloutSpec]
    attempt: int
    first_attempt: int  # the attempt this executor first ran these specs as (retries count from it)
    grouped: bool = False  # the task sends results in groups (several specs and group_s > 0)
    received: int = 0
    clock: float | None = None  # monotonic start of the rollout in progress; None until the task starts
    worker: str = ""


class RayExecutor:
    """Fans batches out as Ray tasks; bounded in flight; enforces timeouts and retries; see the module doc."""

    def __init__(self, options: ExecutionOptions | None = None, *, address: str | None = None,
                 batch_fn: str = DEFAULT_BATCH_FN, dashboard: bool = False, inputs_store: str | None = None,
                 wire: bool = False, group_s: float = 0.0) -> None:
        self.options = options or ExecutionOptions()
        self.wire = wire  # workers return results in their wire form (farm.wire), which the driver session takes
        self.group_s = group_s  # > 0: batches send their results in groups (module docstring)
        self.inputs_store = inputs_store  # the store workers fetch ``inputs/<hash>`` from
        self.address = address
        self._owns_ray = start_ray(address, num_cpus=self.options.num_cpus, dashboard=dashboard)
        if address is not None:
            check_remote_version()
        self.slots, self.max_in_flight = in_flight_bound(float(ray.cluster_resources().get("CPU", 0.0)), self.options)
        self._sized_at = time.monotonic()
        self._batch_fn = batch_fn
        self._task = ray.remote(run_batch_task).options(num_cpus=self.options.num_cpus_per_rollout, max_retries=0)
        self._running: dict[Any, _Batch] = {}
        self._singles: deque[tuple[RolloutSpec, int, int]] = deque()  # spec, attempt, first attempt
        self._lost: list[RolloutResult] = []  # infra_error results waiting for the next poll

    def submit(self, specs: Sequence[RolloutSpec], *, attempt: int = 1) -> None:
        """Dispatch one batch as a streaming task."""
        self._launch(_Batch(specs=list(specs), attempt=attempt, first_attempt=attempt,
                            grouped=self.group_s > 0 and len(specs) > 1))

    def _launch(self, batch: _Batch) -> None:
        # The specs pickled by us (~15 µs each here): their canonical JSON costs the one driver ~50 µs each, Ray's
        # cloudpickle of the objects ~140 µs; bytes travel as they are.
        gen = self._task.remote(pickle.dumps(list(batch.specs), protocol=5), batch.attempt,  # type: ignore[call-arg]
                                self._batch_fn, self.inputs_store, self.wire, self.group_s if batch.grouped else 0.0)
        self._running[gen] = batch

    def has_capacity(self) -> bool:
        """Re-dispatched singles go first; then new batches up to ``max_in_flight`` (re-sized every 10 s)."""
        if self.options.max_in_flight is None and time.monotonic() - self._sized_at >= RESIZE_EVERY_S:
            self._sized_at = time.monotonic()  # an autoscaling cluster grows: follow its CPUs
            self.slots, self.max_in_flight = in_flight_bound(float(ray.cluster_resources().get("CPU", 0.0)),
                                                             self.options)
        self._dispatch_singles()
        return not self._singles and len(self._running) < self.max_in_flight

    def in_flight(self) -> int:
        """Rollouts dispatched or waiting to be re-dispatched whose result is not out yet."""
        unreceived = sum(len(b.specs) - b.received for b in self._running.values())
        return len(self._singles) + len(self._lost) + unreceived

    def poll(self, timeout_s: float) -> list[ResultItem]:
        """Drain every ready result, then end stalled rollouts; waits up to ``timeout_s`` for the first.

        Rounds of one ``ray.wait`` over every task in flight (which of them has its next item ready)
        and one ``ray.get`` of those items, until none is ready: a few Ray calls per poll, not two per
        result and one per task (a Ray call costs the driver ~0.2-0.6 ms, whatever it carries).
        """
        self._dispatch_singles()
        out: list[ResultItem] = []
        ready = ray.wait(list(self._running), num_returns=1, timeout=timeout_s, fetch_local=False)[0] \
            if self._running else []
        until = time.monotonic() + DRAIN_S
        while ready:
            self._take(ready, out)
            if time.monotonic() > until:
                break  # results arrive faster than they are taken: let the caller tick (lease, writer) first
            gens = list(self._running)
            ready = ray.wait(gens, num_returns=len(gens), timeout=0, fetch_local=False)[0] if gens else []
        self._end_stalled(out)
        self._dispatch_singles()
        return out

    def _take(self, ready: list[Any], out: list[ResultItem]) -> None:
        """The next item of each ready task (a result, the start marker, or its end/failure), in one ``ray.get``."""
        pending: list[tuple[Any, Any]] = []
        for gen in ready:
            if gen not in self._running:
                continue
            try:
                pending.append((gen, next(gen)))  # ready: returns at once
            except StopIteration:
                self._finish(gen, self._running[gen], None)
        try:
            values: list[Any] | None = ray.get([ref for _, ref in pending])
        except RayError:  # some task failed: take its items one by one to know which
            values = None
        for i, (gen, ref) in enumerate(pending):
            batch = self._running[gen]
            if values is not None:
                item = values[i]
            else:
                try:
                    item = ray.get(ref)
                except RayError as exc:
                    self._finish(gen, batch, exc)
                    continue
            self._accept(gen, batch, item, out)

    def _accept(self, gen: Any, batch: _Batch, item: Any, out: list[ResultItem]) -> None:
        if isinstance(item, str):  # the start marker carries the worker's name
            batch.worker, batch.clock = item, time.monotonic()
            return
        group = item if isinstance(item, list) else [item]
        out.extend(group)
        batch.received += len(group)
        batch.clock = time.monotonic()
        if batch.received == len(batch.specs):
            # Done: forget it now, so close() never force-cancels a finished task (that would kill
            # its worker after it went back to the pool, and with it the next task it picked up).
            del self._running[gen]

    def _finish(self, gen: Any, batch: _Batch, exc: BaseException | None) -> None:
        """A task ended; whatever it did not return is re-dispatched (the rollout in progress as a retry)."""
        del self._running[gen]
        rest = batch.specs[batch.received:]
        if not rest or isinstance(exc, TaskCancelledError):
            return
        if batch.grouped:  # which rollout was running is not known: each re-runs singly, a dispatch more (docstring)
            more = int(batch.attempt - batch.first_attempt < self.options.retries)
            self._singles.extend((spec, batch.attempt + more, batch.first_attempt) for spec in rest)
            return
        reason = f"worker lost: {str(exc).strip().splitlines()[0] if exc else 'task ended early'}"
        suspect, *unstarted = rest
        self._retry(suspect, batch, reason)
        self._singles.extend((spec, batch.attempt, batch.first_attempt) for spec in unstarted)

    def _retry(self, spec: RolloutSpec, batch: _Batch, reason: str) -> None:
        if batch.attempt - batch.first_attempt < self.options.retries:
            self._singles.appendleft((spec, batch.attempt + 1, batch.first_attempt))
        else:
            clock = batch.clock or time.monotonic()
            runs = batch.attempt - batch.first_attempt + 1
            self._lost.append(lost_result(spec, Status.INFRA_ERROR, f"{reason} (after {runs} runs)",
                                          attempt=batch.attempt, worker=batch.worker,
                                          started_at=monotonic_to_iso(clock), wall_time_s=time.monotonic() - clock))

    def _end_stalled(self, out: list[ResultItem]) -> None:
        out.extend(self._lost)
        self._lost.clear()
        now = time.monotonic()
        for gen, batch in list(self._running.items()):
            budget = self.options.timeout_s + (self.group_s if batch.grouped else 0.0)
            if batch.clock is None or now - batch.clock <= budget:
                continue
            ray.cancel(gen, force=True)
            del self._running[gen]
            if batch.grouped:
                self._redispatch(batch, batch.specs[batch.received:])
                continue
            spec = batch.specs[batch.received]
            out.append(lost_result(spec, Status.TIMEOUT, f"over the {self.options.timeout_s:g} s wall-clock budget; "
                                   "worker killed", attempt=batch.attempt, worker=batch.worker,
                                   started_at=monotonic_to_iso(batch.clock), wall_time_s=now - batch.clock))
            self._singles.extend((s, batch.attempt, batch.first_attempt) for s in batch.specs[batch.received + 1:])

    def _redispatch(self, batch: _Batch, specs: Sequence[RolloutSpec]) -> None:
        """Run ``specs`` again singly (never grouped) under their own attempt numbers."""
        self._singles.extend((spec, batch.attempt, batch.first_attempt) for spec in specs)

    def _dispatch_singles(self) -> None:
        while self._singles and len(self._running) < self.max_in_flight:
            spec, attempt, first = self._singles.popleft()
            self._launch(_Batch(specs=[spec], attempt=attempt, first_attempt=first))

    def close(self) -> None:
        """Cancel every task still in flight (killing its worker) and shut down Ray if we started it."""
        if not ray.is_initialized():
            return
        for gen in list(self._running):
            ray.cancel(gen, force=True)
        self._running.clear()
        self._singles.clear()
        if self._owns_ray:
            stop_ray()

    def describe(self) -> dict[str, Any]:
        """Mode, address and capacity."""
        return {"mode": "ray-embedded" if self.address is None else "ray-driver", "address": self.address or "local",
                "slots": self.slots, "max_in_flight": self.max_in_flight, "ray": ray.__version__}
