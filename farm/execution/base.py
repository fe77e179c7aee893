"""The Executor protocol: submit batches of rollouts, collect results per rollout as they complete.

Semantics every executor keeps:

- ``submit(specs, attempt=...)`` hands over one batch; it runs in order on one
  worker that reuses one simulator session.
- ``poll(timeout_s)`` returns the results that finished since the last call
  (possibly none); each submitted spec yields exactly one result, eventually:
  its own outcome, ``timeout`` (over ``timeout_s``; the worker is killed and
  the unfinished batch-mates are re-dispatched singly), or ``infra_error``
  (the worker or node was lost more than ``retries`` times).
- ``has_capacity()`` bounds the batches in flight, so a driver feeding it
  keeps memory flat however large the sweep; ``as_completed`` and ``stream``
  are the feeding loops built on these three calls (adaptive samplers can call
  ``submit`` between results).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import import_module
from typing import Any, Protocol, runtime_checkable

from farm.errors import InputError
from farm.result import RolloutResult, Status
from farm.spec import RolloutSpec
from farm.wire import ResultItem

BatchFn = Callable[..., Iterator[RolloutResult]]
DEFAULT_BATCH_FN = "farm.sim.rollout:run_batch"
RESULT_GROUP_S = 1.0
"""How often [s] at most a Ray batch task sends the driver session its results (one Ray item per group): at
4-12 rollouts/s a worker sends 4-12 results per item. See ``farm.execution.ray_executor``."""
GROUP_ENV = "SIMFARM_RESULT_GROUP_S"


def result_group_s(environ: Mapping[str, str] | None = None) -> float:
    """``SIMFARM_RESULT_GROUP_S`` [s] (0: every result its own Ray item), default ``RESULT_GROUP_S``.

    Raises:
        InputError: not a number, negative, or over 60 s.
    """
    text = (os.environ if environ is None else environ).get(GROUP_ENV, "").strip()
    if not text:
        return RESULT_GROUP_S
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{text!r} is not a number of seconds", source="environment", field=GROUP_ENV) from None
    if not 0.0 <= value <= 60.0:
        raise InputError(f"{value:g} is outside 0-60 s", source="environment", field=GROUP_ENV)
    return value


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecutionOptions:
    """How work is shaped and guarded (the ``--batch-size`` ... ``--num-cpus`` options)."""

    batch_size: int = 8
    max_in_flight: int | None = None   # batches dispatched at once; None: twice the worker slots
    timeout_s: float = 120.0           # wall-clock budget per rollout [s]
    retries: int = 2                   # re-runs of a rollout whose worker or node was lost
    num_cpus: int | None = None        # CPUs of an embedded Ray instance; None: all of this machine
    num_cpus_per_rollout: float = 1.0  # Ray CPU resource per batch task

    def validated(self, *, source: str = "options") -> ExecutionOptions:
        """This value, or ``InputError`` naming the first out-of-range option."""
        checks = (("--batch-size", self.batch_size >= 1), ("--retries", self.retries >= 0),
                  ("--timeout-s", self.timeout_s > 0), ("--num-cpus-per-rollout", self.num_cpus_per_rollout > 0),
                  ("--max-in-flight", self.max_in_flight is None or self.max_in_flight >= 1),
                  ("--num-cpus", self.num_cpus is None or self.num_cpus >= 1))
        for name, ok in checks:
            if not ok:
                raise InputError("out of range (batch size, in-flight and CPUs >= 1, retries >= 0, timeout > 0)",
                                 source=source, field=name)
        return self

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (stored in the manifest's ``extra``)."""
        return {"batch_size": self.batch_size, "max_in_flight": self.max_in_flight, "timeout_s": self.timeout_s,
                "retries": self.retries, "num_cpus": self.num_cpus,
                "num_cpus_per_rollout": self.num_cpus_per_rollout}


@runtime_checkable
class Executor(Protocol):
    """Runs batches of rollouts; see the module docstring for the guarantees."""

    def submit(self, specs: Sequence[RolloutSpec], *, attempt: int = 1) -> None:
        """Dispatch one batch (runs in order on one worker)."""

    def has_capacity(self) -> bool:
        """True while another batch may be submitted without exceeding the in-flight bound."""

    def in_flight(self) -> int:
        """Rollouts submitted whose result has not been returned by ``poll`` yet."""

    def poll(self, timeout_s: float) -> Sequence[ResultItem]:
        """Results finished since the last call; waits up to ``timeout_s`` for the first one.

        Objects, except that a Ray executor made with ``wire=True`` returns its workers' results
        in their wire form (``farm.wire``; its own timeouts and lost results stay objects).
        """

    def close(self) -> None:
        """Stop all work (in-flight rollouts are abandoned) and release the workers."""

    def describe(self) -> dict[str, Any]:
        """Mode, address and capacity, for the manifest and the log."""


def resolve_batch_fn(path: str = DEFAULT_BATCH_FN) -> BatchFn:
    """Import a ``module:function`` batch runner (``farm.sim.rollout:run_batch`` in production)."""
    module_name, _, attr = path.partition(":")
    return getattr(import_module(module_name), attr)  # type: ignore[no-any-return]


def as_completed(executor: Executor, *, poll_s: float = 0.5) -> Iterator[ResultItem]:
    """Yield results of everything submitted so far (and submitted meanwhile) as they complete."""
    while executor.in_flight():
        yield from executor.poll(poll_s)


def batches(work: Iterable[tuple[RolloutSpec, int]], batch_size: int) -> Iterator[tuple[list[RolloutSpec], int]]:
    """Group ``(spec, attempt)`` pairs into batches of one attempt number, at most ``batch_size`` long."""
    batch: list[RolloutSpec] = []
    batch_attempt = 1
    for spec, attempt in work:
        if batch and (attempt != batch_attempt or len(batch) >= batch_size):
            yield batch, batch_attempt
            batch = []
        batch_attempt = attempt
        batch.append(spec)
    if batch:
        yield batch, batch_attempt


def stream(executor: Executor, work: Iterable[tuple[RolloutSpec, int]], *, batch_size: int,
           poll_s: float = 0.5, tick: Callable[[], None] | None = None,
           stop: Callable[[], bool] | None = None) -> Iterator[ResultItem]:
    """Keep the executor full from ``work`` and yield every result as it completes.

    ``tick`` runs after every poll (lease renewal, progress); once ``stop()``
    is true nothing more is submitted and the stream ends at once (in-flight
    rollouts are abandoned; a resume runs them).
    """
    pending = batches(work, batch_size)
    exhausted = False
    while True:
        if stop is not None and stop():
            return
        while not exhausted and executor.has_capacity():
            nxt = next(pending, None)
            if nxt is None:
                exhausted = True
            else:
                executor.submit(nxt[0], attempt=nxt[1])
        if exhausted and not executor.in_flight():
            return
        yield from executor.poll(poll_s)
        if tick is not None:
            tick()


def now_iso() -> str:
    """The current UTC time, ISO-8601."""
    return datetime.now(UTC).isoformat()


def lost_result(spec: RolloutSpec, status: Status, reason: str, *, attempt: int, worker: str,
                started_at: str, wall_time_s: float) -> RolloutResult:
    """The result the executor records for a rollout that produced none (``timeout``/``infra_error``)."""
    return RolloutResult(spec=spec, status=status, error=reason, attempt=attempt, worker=worker,
                         started_at=started_at, wall_time_s=wall_time_s).with_hash()


def monotonic_to_iso(t_mono: float) -> str:
    """Convert a ``time.monotonic()`` instant in the recent past to ISO-8601 UTC."""
    wall = time.time() - (time.monotonic() - t_mono)
    return datetime.fromtimestamp(wall, UTC).isoformat()
