"""One driver session over a sweep already in the store: lease, run what is left, stream results out.

``run_sweep`` is shared by ``simfarm submit`` (in-process) and ``python -m
farm.driver run`` (detached, or inside a Ray job). It takes the sweep's lease,
runs every rollout not yet stored with a final status (``infra_error`` rows are
re-run with ``attempt + 1`` so they supersede), writes results through the store
as they stream (``farm.driver.writer``: parts sized to the arrival rate, a bounded
pool of part writers), keeps the manifest's counts and state current, optionally
serves its counters to Prometheus (``farm.driver.metrics``), and on
Ctrl-C/SIGTERM/cancel stops dispatching, writes what finished, leaves the store
consistent and says how to resume.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, TextIO

from farm.driver.control import break_stale_lease, stop_on_signals, wait_for_lease
from farm.driver.log import DriverLog
from farm.driver.metrics import FarmMetrics, MetricsEndpoint, MetricsServer
from farm.driver.progress import ProgressReporter, family_counts
from farm.driver.writer import FlushPolicy, ResultWriter
from farm.errors import ExitCode, InputError, LeaseError, SimfarmError
from farm.execution import (
    DEFAULT_BATCH_FN,
    RESULT_GROUP_S,
    ExecutionOptions,
    ExecutorKind,
    make_executor,
    result_group_s,
    stream,
)
from farm.fingerprint import base_fingerprint, code_fingerprint, outcome_code_hash
from farm.result import RolloutResult, Status, counts_from_mapping
from farm.sim.determinism import platform_facts
from farm.spec import SPEC_FORMAT, RolloutSpec
from farm.store.base import Manifest, Store
from farm.wire import WireResult

LEASE_TTL_S = 60.0
LEASE_RENEW_S = 15.0
MANIFEST_EVERY_S = 5.0
SPEC_FORMAT_FIELD = "spec_format"  # in manifest.extra: farm.spec.SPEC_FORMAT the specs were written in
PLATFORM_FIELD = "platform"  # in manifest.extra: the driver host's determinism facts (farm.sim.determinism)
OUTCOME_CODE_FIELD = "outcome_code_hash"  # in manifest.extra: what a resume compares (farm.fingerprint)


@dataclass(frozen=True, slots=True, kw_only=True)
class DriverReport:
    """What one submit/run did; ``exit_code`` is an ``ExitCode`` (see ``sweep_exit_code``)."""

    sweep_id: str
    store: str
    state: str
    total: int = 0
    ran: int = 0                      # rollouts finished in this session
    skipped: int = 0                  # already final when this session started
    counts: dict[str, int] = field(default_factory=dict)
    by_family: dict[str, dict[str, int]] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)  # farm.reports.summary.summary_groups: the same rates
    wall_time_s: float = 0.0
    rollouts_per_s: float = 0.0
    exit_code: int = 0
    message: str = ""
    pid: int | None = None            # the detached driver's process id

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return asdict(self)


def stored_attempts(store: Store, sweep_id: str) -> dict[str, tuple[str, int]]:
    """run_id -> (status, attempt) of the latest stored attempt."""
    table = store.read_table(sweep_id, "runs", columns=["run_id", "status", "attempt"])
    return {run: (status, int(attempt)) for run, status, attempt in zip(
        table["run_id"].to_pylist(), table["status"].to_pylist(), table["attempt"].to_pylist(), strict=True)}


def pending_work(specs: Sequence[RolloutSpec], stored: dict[str, tuple[str, int]]) -> list[tuple[RolloutSpec, int]]:
    """``(spec, attempt)`` for every run not stored as final; a stored ``infra_error`` re-runs as attempt + 1."""
    work: list[tuple[RolloutSpec, int]] = []
    seen: set[str] = set()
    for spec in specs:
        run = spec.run_id
        if run in seen:
            continue
        seen.add(run)
        status, attempt = stored.get(run, ("", 0))
        if status and Status(status).is_final:
            continue
        work.append((spec, attempt + 1))
    return work


def resume_hint(manifest: Manifest, store_uri: str) -> str:
    """The command that continues this sweep."""
    sweep_file = manifest.sweep_file or "SWEEP.yaml"
    return f"simfarm submit {sweep_file} --resume {manifest.sweep_id} --store {store_uri}"


class _Session:
    """The mutable state of one driver session (writer, counts, metrics, timers, stop reason)."""

    def __init__(self, store: Store, sweep_id: str, owner: str, progress: ProgressReporter, log: Any,
                 counts: Counter[str], prior: dict[str, str], stop: threading.Event, *,
                 metrics: FarmMetrics | None = None, policy: FlushPolicy | None = None,
                 group_s: float | None = None) -> None:
        self.store, self.sweep_id, self.owner = store, sweep_id, owner
        self.progress, self.log, self.counts, self.prior, self.stop_event = progress, log, counts, prior, stop
        self.metrics = metrics or FarmMetrics(sweep_id, total=progress.total)
        self.writer = ResultWriter(store, sweep_id, policy=policy or FlushPolicy.from_env(), metrics=self.metrics)
        self.in_flight: Callable[[], int] = lambda: 0  # the executor's, once it runs
        self.group_s = RESULT_GROUP_S if group_s is None else group_s  # farm.execution.base.result_group_s
        self.ran = 0
        self.stop_reason = ""
        now = time.monotonic()
        self._manifest_at = self._lease_at = now

    def on_result(self, result: RolloutResult | WireResult) -> None:
        """Count one result and hand it to the writer; an object or its wire form (``farm.wire``), alike.

        A wire result carries its ``code_fingerprint`` already (``farm.wire.encode_result`` fills it on
        the worker); an object without one (a result the executor made itself) gets the driver's.
        """
        if isinstance(result, RolloutResult) and not result.code_fingerprint:
            result = replace(result, code_fingerprint=code_fingerprint(result.spec.stack_id,
                                                                       result.spec.stack.entry_point))
        status = result.status
        previous = self.prior.pop(result.run_id, None) if self.prior else None  # a run_id costs a hash
        if previous is not None:
            self.counts[previous] -= 1
        self.counts[status.value] += 1
        self.ran += 1
        self.progress.update(result)
        self.metrics.observe_result(result)
        if status in (Status.TIMEOUT, Status.INFRA_ERROR):
            family = result.family if isinstance(result, WireResult) else result.spec.family
            self.log.info(f"{result.run_id} {family} {status.value} (attempt {result.attempt}): {result.error}")
        self.writer.add(result)

    def flush(self) -> None:
        """Store everything received so far (waits for the part writers)."""
        self.writer.drain()
        self.metrics.set_progress(in_flight=self.in_flight(), counts=self.counts)

    def tick(self) -> None:
        now = time.monotonic()
        self.progress.refresh()
        self.writer.tick()
        self.metrics.set_progress(in_flight=self.in_flight(), counts=self.counts, now=now)
        if now - self._lease_at >= LEASE_RENEW_S:
            self._lease_at = now
            try:
                self.store.renew_lease(self.sweep_id, self.owner, LEASE_TTL_S)
            except LeaseError as exc:
                self.log.info(f"stopping: {exc.line()}")
                self.stop_reason = "lease lost"
        if now - self._manifest_at >= MANIFEST_EVERY_S:
            self._manifest_at = now
            manifest = self.store.update_manifest(self.sweep_id, self._with_counts)
            if manifest.state == "cancelled" and not self.stop_reason:
                self.log.info("stopping: the sweep was cancelled")
                self.stop_reason = "cancelled"
        self.log.flush()

    def should_stop(self) -> bool:
        if self.stop_event.is_set() and not self.stop_reason:
            self.log.info("stopping: interrupted by a signal")
            self.stop_reason = "interrupted"
        return bool(self.stop_reason)

    def _with_counts(self, manifest: Manifest) -> Manifest:
        counts = {k: v for k, v in self.counts.items() if v > 0}
        return replace(manifest, counts=counts, updated_at=_utc_now())


def _utc_now() -> str:
    from farm.execution.base import now_iso

    return now_iso()


def run_sweep(store: Store, sweep_id: str, *, options: ExecutionOptions, address: str | None = None,
              executor: ExecutorKind = "ray", batch_fn: str = DEFAULT_BATCH_FN,
              specs: Sequence[RolloutSpec] | None = None, force: bool = False, stream_to: TextIO | None = None,
              tty: bool | None = None, log_echo: TextIO | None = None, wait_for_lease_s: float = 0.0,
              metrics: MetricsEndpoint | None = None, policy: FlushPolicy | None = None) -> DriverReport:
    """Drive ``sweep_id`` to the end (or until stopped); see the module docstring.

    ``wait_for_lease_s``: how long [s] to wait for another driver's live lease to expire or be
    released before giving up (``farm.driver.control.wait_for_lease``); 0 fails at once.
    ``metrics``: serve the session's counters for Prometheus there while it runs (stopped on return).
    ``policy``: how results are cut into parts and written (default ``FlushPolicy.from_env()``).

    Raises:
        LeaseError: another driver holds the sweep's lease (still, after ``wait_for_lease_s``).
        InputError: the sweep was created under other outcome-relevant code and ``force`` is False,
            or a bad ``metrics`` endpoint or ``SIMFARM_PART_*`` / ``SIMFARM_RESULT_GROUP_S`` value.
        ExecutionError: the metrics port cannot be bound.
    """
    started = time.monotonic()
    policy = policy or FlushPolicy.from_env()  # bad input fails before the lease is taken
    group_s = result_group_s()
    endpoint = metrics.validated() if metrics is not None else None
    manifest = store.read_manifest(sweep_id)
    check_spec_format(manifest)
    specs = list(specs) if specs is not None else store.read_specs(sweep_id)
    check_outcome_code(manifest, specs, force=force)
    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
    stale = break_stale_lease(store, sweep_id)
    expired = wait_for_lease(store, sweep_id, wait_for_lease_s) if wait_for_lease_s > 0 and not stale else None
    store.acquire_lease(sweep_id, owner, LEASE_TTL_S)
    log = DriverLog(store, sweep_id, echo=log_echo)
    if stale:
        log.info(f"took over the lease of {stale}: that driver's process is gone")
    if expired:
        log.info(f"took over the lease of {expired} once it expired or was released")
    counters, server = FarmMetrics(sweep_id, total=len(specs)), None
    facts = platform_facts()  # where this session's rollouts run (embedded) or are driven from (a cluster)
    store.update_manifest(sweep_id, lambda m: replace(m, extra={**m.extra, PLATFORM_FIELD: facts}))
    try:
        if endpoint is not None:
            server = MetricsServer(counters, endpoint)
            log.info(f"metrics for Prometheus on {server.url}")
        stored = stored_attempts(store, sweep_id)
        work = pending_work(specs, stored)
        counts: Counter[str] = Counter(status for status, _ in stored.values())
        prior = {spec.run_id: stored[spec.run_id][0] for spec, _ in work if spec.run_id in stored}
        log.info(f"session {owner}: {len(work)} of {len(specs)} rollouts to run "
                 f"(batch {options.batch_size}, timeout {options.timeout_s:g} s, retries {options.retries})")
        progress = ProgressReporter(total=len(specs), done=len(specs) - len(work), stream=stream_to, tty=tty,
                                    log_line=log.info)
        session = _Session(store, sweep_id, owner, progress, log, counts, prior, threading.Event(),
                           metrics=counters, policy=policy, group_s=group_s)
        try:
            _drive(session, work, options=options, address=address, kind=executor, batch_fn=batch_fn)
        finally:
            session.writer.close()
        return _finish(session, manifest, len(specs), len(specs) - len(work), started)
    finally:
        if server is not None:
            server.close()
        log.flush(force=True)
        store.release_lease(sweep_id, owner)


def check_spec_format(manifest: Manifest) -> None:
    """Refuse, even with ``--force``, a sweep stored under an older spec format: its run ids cannot be reproduced.

    Raises:
        InputError: one line naming the sweep, the formats and what to do.
    """
    stored = int(manifest.extra.get(SPEC_FORMAT_FIELD, 1))
    if stored != SPEC_FORMAT:
        raise InputError(f"made with spec format {stored}, this simfarm writes format {SPEC_FORMAT} (the simulated "
                         "compute latency is now the farm's and part of every run_id): submit the sweep anew",
                         source=manifest.sweep_id, field=SPEC_FORMAT_FIELD)


def check_outcome_code(manifest: Manifest, specs: Sequence[RolloutSpec], *, force: bool) -> None:
    """Refuse to resume under code that can change outcomes (``outcome_code_hash``) unless ``force``.

    A manifest from before outcome hashes falls back to its whole ``code_fingerprint``.

    Raises:
        InputError: the field that differs, both values, and ``--force``.
    """
    recorded = manifest.extra.get(OUTCOME_CODE_FIELD)
    if recorded is None:
        field, recorded, current = "code_fingerprint", manifest.code_fingerprint, base_fingerprint()
    else:
        field, current = OUTCOME_CODE_FIELD, outcome_code_hash(s.stack.entry_point for s in specs)
    if recorded and recorded != current and not force:
        raise InputError(f"the sweep ran under '{recorded}', this code is '{current}' (families, builders, "
                         "odd.yaml, the library's, the stack's or farm's outcome code changed); "
                         "use --force to resume anyway", source=manifest.sweep_id, field=field)


def _drive(session: _Session, work: list[tuple[RolloutSpec, int]], *, options: ExecutionOptions,
           address: str | None, kind: ExecutorKind, batch_fn: str) -> None:
    """Start the executor, mark the sweep running, stream every result into the session."""
    if not work:
        session.log.info("nothing to run: every rollout is stored with a final status")
        return
    if session.store.read_manifest(session.sweep_id).extra.get("cancel_requested_at"):
        session.log.info("stopping: the sweep was cancelled before this driver started")
        session.stop_reason = "cancelled"
        return
    # Ray workers encode their results' rows (farm.wire) and send them in groups: the one driver only counts
    runner = make_executor(kind, options, address=address, batch_fn=batch_fn, inputs_store=session.store.uri,
                           wire=True, group_s=session.group_s)
    session.in_flight = runner.in_flight
    # Handlers go in after Ray starts: ray.init installs its own SIGTERM handler in the driver.
    with stop_on_signals(session.stop_event):
        try:
            described = runner.describe()
            session.log.info(f"executor: {described}")
            session.store.update_manifest(session.sweep_id, lambda m: replace(
                session._with_counts(m), state="running",
                extra={**m.extra, "executor": described, "driver": {"owner": session.owner, "pid": os.getpid(),
                                                                     "host": socket.gethostname()}}))
            with session.progress:
                for result in stream(runner, work, batch_size=options.batch_size, tick=session.tick,
                                     stop=session.should_stop):
                    session.on_result(result)
        finally:
            session.in_flight = lambda: 0
            runner.close()
            session.flush()


def _finish(session: _Session, manifest: Manifest, total: int, skipped: int, started: float) -> DriverReport:
    """Settle the manifest's state and counts, compact a sweep that ran to its end, build the report."""
    store, sweep_id = session.store, session.sweep_id
    counts = {k: v for k, v in session.counts.items() if v > 0}
    reason = session.stop_reason
    infra = counts.get(Status.INFRA_ERROR.value, 0)
    state = {"": "partial" if infra else "complete", "interrupted": "partial", "cancelled": "cancelled",
             "lease lost": manifest.state}[reason]
    if reason == "lease lost":
        message = "stopped: the lease passed to another driver"
    else:
        def settle(m: Manifest) -> Manifest:
            keep = m.state == "cancelled" and state != "complete"
            return replace(m, counts=counts, state="cancelled" if keep else state, updated_at=_utc_now())

        state = store.update_manifest(sweep_id, settle).state
        if not reason and (session.ran or not manifest.compacted):
            store.compact(sweep_id)
        message = _closing_message(state, reason, infra, resume_hint(manifest, store.uri))
    session.log.info(message)
    wall = time.monotonic() - started
    return DriverReport(sweep_id=sweep_id, store=store.uri, state=state, total=total, ran=session.ran,
                        skipped=skipped, counts=counts, **stored_summary(store, sweep_id), wall_time_s=wall,
                        rollouts_per_s=session.progress.rate_per_s(), message=message,
                        exit_code=sweep_exit_code(counts, stopped=reason, state=state))


def stored_summary(store: Store, sweep_id: str) -> dict[str, Any]:
    """``by_family`` status counts and the end-of-sweep ``summary``, from what the store holds.

    The summary is the report's own aggregation (``farm.reports.summary.summary_groups``): the same
    sample pass rates and Wilson intervals that ``simfarm report summary`` shows.
    """
    from farm.reports.source import stack_display_names
    from farm.reports.summary import summary_groups
    from farm.reports.summary_data import RUN_COLUMNS

    try:
        manifest = store.read_manifest(sweep_id)
        rows = store.read_table(sweep_id, "runs", columns=list(RUN_COLUMNS))
    except SimfarmError:
        return {"by_family": {}, "summary": {}}
    by_family = family_counts({"family": rows["family"].to_pylist(), "status": rows["status"].to_pylist()})
    return {"by_family": by_family, "summary": summary_groups(rows, stack_display_names(manifest))}


def sweep_exit_code(counts: dict[str, int], *, stopped: str = "", state: str = "") -> ExitCode:
    """The driver's exit code from the sweep's status counts (every session's) and why it stopped.

    ``INTERRUPTED`` for a signal or a cancel; ``INFRA`` while the result set is incomplete because of
    ``infra_error`` rows or a lost lease (a resume completes it, and only then is a verdict due);
    ``FINDING`` when any final rollout did not pass; ``OK`` when every rollout is stored and passed.
    """
    if stopped == "interrupted" or state == "cancelled" or stopped == "cancelled":
        return ExitCode.INTERRUPTED
    tallied = counts_from_mapping(counts)  # the one counting table (farm.result.STATUS_TABLE)
    if stopped == "lease lost" or tallied.incomplete:
        return ExitCode.INFRA
    if tallied.failures or tallied.excluded:  # a failure of the stack, or a scenario/simulator fault to look at
        return ExitCode.FINDING
    return ExitCode.OK


def _closing_message(state: str, reason: str, infra: int, hint: str) -> str:
    if reason == "interrupted":
        return f"interrupted: finished rollouts are stored; resume with: {hint}"
    if state == "cancelled":
        return f"cancelled: finished rollouts are stored; resume with: {hint}"
    if infra:
        return f"{infra} rollouts ended in infra_error; re-run them with: {hint}"
    return "complete"
