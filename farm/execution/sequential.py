"""The in-process executor: batches run one after another in the driver's own process.

For development, debugging (a breakpoint in a rollout just works) and as the
serial baseline of the benchmark. Timeouts use ``SIGALRM`` and so are enforced
only on the main thread and only for rollouts that let the signal through; a
rollout that ignores signals or ends the process takes the driver with it —
use the Ray executor for untrusted or crashing work.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from farm.execution.base import (
    DEFAULT_BATCH_FN,
    BatchFn,
    ExecutionOptions,
    lost_result,
    monotonic_to_iso,
    resolve_batch_fn,
)
from farm.execution.inputs import run_with_inputs
from farm.result import RolloutResult, Status
from farm.spec import RolloutSpec


class _RolloutTimeout(BaseException):
    """Raised by the alarm handler; a BaseException so ``run_rollout``'s ``except Exception`` lets it out."""


@dataclass(slots=True)
class _Batch:
    specs: list[RolloutSpec]
    attempt: int
    done: int = 0
    results: Iterator[RolloutResult] | None = field(default=None)


class SequentialExecutor:
    """Runs each submitted batch through the batch runner in this process, one rollout per ``poll``."""

    def __init__(self, options: ExecutionOptions | None = None, *, batch_fn: BatchFn | str = DEFAULT_BATCH_FN,
                 inputs_store: str | None = None) -> None:
        self.options = options or ExecutionOptions()
        self.inputs_store = inputs_store  # the store the logs of ``input`` parameters are fetched from
        self._batch_fn = resolve_batch_fn(batch_fn) if isinstance(batch_fn, str) else batch_fn
        self._queue: deque[_Batch] = deque()
        self._worker = f"{socket.gethostname()}:{os.getpid()}"

    def submit(self, specs: Sequence[RolloutSpec], *, attempt: int = 1) -> None:
        """Queue one batch."""
        self._queue.append(_Batch(specs=list(specs), attempt=attempt))

    def has_capacity(self) -> bool:
        """One batch running plus one queued keeps the loop simple and memory flat."""
        return len(self._queue) < max(2, self.options.max_in_flight or 2)

    def in_flight(self) -> int:
        """Rollouts queued or running."""
        return sum(len(b.specs) - b.done for b in self._queue)

    def poll(self, timeout_s: float) -> list[RolloutResult]:
        """Run the next rollout of the current batch and return its result (``timeout_s`` is not a wait here)."""
        if not self._queue:
            return []
        batch = self._queue[0]
        if batch.results is None:
            batch.results = run_with_inputs(self._batch_fn, batch.specs, worker=self._worker, attempt=batch.attempt,
                                            inputs_store=self.inputs_store)
        started = time.monotonic()
        try:
            with _alarm(self.options.timeout_s):
                result = next(batch.results, None)
        except _RolloutTimeout:
            return [self._timed_out(batch, started)]
        if result is None:  # the runner ended early: whatever it did not run is re-queued singly
            self._requeue_rest(batch, batch.done)
            return []
        batch.done += 1
        if batch.done == len(batch.specs):
            self._queue.popleft()
        return [result]

    def _timed_out(self, batch: _Batch, started: float) -> RolloutResult:
        spec = batch.specs[batch.done]
        self._requeue_rest(batch, batch.done + 1)
        return lost_result(spec, Status.TIMEOUT, f"over the {self.options.timeout_s:g} s wall-clock budget "
                           "(interrupted by SIGALRM)", attempt=batch.attempt, worker=self._worker,
                           started_at=monotonic_to_iso(started), wall_time_s=time.monotonic() - started)

    def _requeue_rest(self, batch: _Batch, first: int) -> None:
        self._queue.popleft()
        for spec in reversed(batch.specs[first:]):
            self._queue.appendleft(_Batch(specs=[spec], attempt=batch.attempt))

    def close(self) -> None:
        """Drop everything queued."""
        for batch in self._queue:
            if batch.results is not None and hasattr(batch.results, "close"):
                batch.results.close()  # type: ignore[attr-defined]
        self._queue.clear()

    def describe(self) -> dict[str, Any]:
        """Mode and worker name."""
        return {"mode": "sequential", "worker": self._worker, "slots": 1}


class _alarm:
    """Raise ``_RolloutTimeout`` after ``seconds`` (main thread only; elsewhere a no-op)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.active = threading.current_thread() is threading.main_thread()
        self.previous: Any = None

    def __enter__(self) -> None:
        if self.active:
            self.previous = signal.signal(signal.SIGALRM, _raise_timeout)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)

    def __exit__(self, *exc: object) -> None:
        if self.active:
            signal.setitimer(signal.ITIMER_REAL, 0.0)
            signal.signal(signal.SIGALRM, self.previous)


def _raise_timeout(signum: int, frame: object) -> None:
    raise _RolloutTimeout()
