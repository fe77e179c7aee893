"""The driver's write path: results buffered into parts, parts written by a bounded pool of writers.

One ``ResultWriter`` per driver session (``farm.driver.session``); ``benchmarks/bench_driver.py``
drives the same object. The driver thread calls ``add`` for every result and ``tick`` after every
poll; a part is cut when the buffer reaches its target size or ``every_s`` has passed since the
last cut. The target follows the arrival rate: a part is cut once it holds ``min_rows`` *and*
``part_s`` has passed since the last cut (or ``every_s`` has passed, or it holds ``max_rows``), so at
100 results/s parts hold 64 rows as before, at 5,000/s about ``part_s`` x 5,000. While every writer
is busy the buffer keeps growing, so parts also get larger when the store is the bottleneck. Large
parts matter twice: a part is 4 objects per family (PUTs), and a Parquet file has a fixed cost of
~0.1 ms per column to encode (the runs table has 57), whatever its rows.

Guarantees (docs/execution.md, "Results, resume, leases"):

- **Nothing stored twice, nothing stored lost.** Each part goes through ``Store.write_results``
  (content-named objects, runs last), so concurrency changes neither names nor what a reader
  sees. Results still in memory when the driver dies were never stored: a resume runs them.
- **Bounded memory.** At most ``writers`` parts are being written and one buffer of at most
  ``max_rows`` waits: ``add`` blocks (back-pressure on the driver loop, which then stops taking
  results from the executor) until a writer is free. ``max_pending_rows`` is that bound.
- **Errors.** Transient store failures are retried by the store (boto3 plus its own backoff,
  ``farm.store.s3``), each retry counted. A part that still fails is counted, and its
  ``StoreError`` is raised in the driver thread by the next ``add``/``tick``/``drain``: the
  driver stops with exit 5 as before, and a resume re-runs whatever was not stored.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from farm.driver.metrics import FarmMetrics
from farm.errors import InputError
from farm.store.base import Store
from farm.wire import ResultItem

WRITERS_ENV = "SIMFARM_PART_WRITERS"
MAX_ROWS_ENV = "SIMFARM_PART_MAX_ROWS"


@dataclass(frozen=True, slots=True, kw_only=True)
class FlushPolicy:
    """When buffered results become a part, and how many parts are written at once.

    Attributes:
        min_rows: a part holds at least this many results, unless ``every_s`` has passed.
        every_s: the longest a result waits in the buffer before its part is cut [s].
        part_s: the shortest time between two cuts while results arrive faster than ``min_rows``
            per ``part_s`` [s]; 0 cuts at ``min_rows`` (the old path).
        max_rows: the largest part; with every writer busy and this many buffered, ``add`` blocks.
        writers: parts written concurrently; 0 writes each part inline in ``add``/``tick`` (the old path).
        put_threads: object PUTs in flight across all parts (a part's tables concurrently); 0: one by one.
    """

    min_rows: int = 64
    every_s: float = 1.0
    part_s: float = 0.5
    max_rows: int = 4096
    writers: int = 4
    put_threads: int = 8

    @classmethod
    def serial(cls) -> FlushPolicy:
        """The driver before issue 12: 64 rows or 1 s, written inline, one table after another."""
        return cls(min_rows=64, part_s=0.0, max_rows=64, writers=0, put_threads=0)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> FlushPolicy:
        """The default policy with ``SIMFARM_PART_WRITERS`` / ``SIMFARM_PART_MAX_ROWS`` applied.

        ``SIMFARM_PART_WRITERS=0`` selects ``serial()``. Raises ``InputError`` naming the variable.
        """
        env = os.environ if environ is None else environ
        base = cls()
        writers = _env_int(env, WRITERS_ENV, base.writers, minimum=0)
        max_rows = _env_int(env, MAX_ROWS_ENV, base.max_rows, minimum=base.min_rows)
        if writers == 0:
            return cls.serial()
        return cls(writers=writers, max_rows=max_rows, put_threads=max(base.put_threads, 2 * writers))

    @property
    def max_pending_rows(self) -> int:
        """Results the writer holds at most (buffer plus parts being written)."""
        return (self.writers + 1) * self.max_rows


def _env_int(env: Mapping[str, str], name: str, default: int, *, minimum: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise InputError(f"{text!r} is not an integer", source="environment", field=name) from None
    if value < minimum:
        raise InputError(f"{value} is below the minimum {minimum}", source="environment", field=name)
    return value


class ResultWriter:
    """Buffers results and writes them as parts through ``store``; see the module docstring."""

    def __init__(self, store: Store, sweep_id: str, *, policy: FlushPolicy | None = None,
                 metrics: FarmMetrics | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.store, self.sweep_id = store, sweep_id
        self.policy = policy or FlushPolicy()
        self.metrics = metrics or FarmMetrics(sweep_id)
        self._clock = clock
        self._buffer: list[ResultItem] = []
        self._flushed_at = clock()
        self._cond = threading.Condition()
        self._writing_parts = 0
        self._writing_rows = 0
        self._error: BaseException | None = None
        self.stored_rows = 0
        self.parts_written = 0
        self.peak_pending_rows = 0
        p = self.policy
        self._pool = ThreadPoolExecutor(p.writers, thread_name_prefix="simfarm-part") if p.writers else None
        self._puts = ThreadPoolExecutor(p.put_threads, thread_name_prefix="simfarm-put") if p.put_threads else None
        self._unlisten = store.add_retry_listener(self.metrics.write_retried)

    @property
    def pending_rows(self) -> int:
        """Results received and not yet stored (buffered or being written)."""
        return len(self._buffer) + self._writing_rows

    def due(self) -> bool:
        """Whether the buffer should be cut into a part now (see the module docstring)."""
        p, n = self.policy, len(self._buffer)
        if n == 0:
            return False
        waited = self._clock() - self._flushed_at
        return n >= p.max_rows or waited >= p.every_s or (n >= p.min_rows and waited >= p.part_s)

    def add(self, result: ResultItem) -> None:
        """Buffer one result (either form); cut a part when due; blocks while the writer is full (see module doc)."""
        self._raise_error()
        self._buffer.append(result)
        self.peak_pending_rows = max(self.peak_pending_rows, self.pending_rows)
        if self.due():
            self._cut(wait=len(self._buffer) >= self.policy.max_rows)

    def tick(self) -> None:
        """Cut a part if one is due (time passes between results too); raise a failed part's error."""
        self._raise_error()
        if self.due():
            self._cut(wait=len(self._buffer) >= self.policy.max_rows)
        self.metrics.set_backlog(self.pending_rows)

    def drain(self) -> None:
        """Write everything buffered and wait until every part is stored; raise a failed part's error."""
        self._raise_error()
        while self._buffer:
            self._cut(wait=True)
            self._raise_error()
        with self._cond:
            self._cond.wait_for(lambda: self._writing_parts == 0)
        self.metrics.set_backlog(self.pending_rows)
        self._raise_error()

    def close(self) -> None:
        """Wait for the parts being written (never abandon one midway) and stop the threads.

        Does not write the buffer (``drain`` does): after a failure nothing more is attempted.
        """
        for pool in (self._pool, self._puts):
            if pool is not None:
                pool.shutdown(wait=True)
        self._unlisten()

    # -- internals --------------------------------------------------------------------------

    def _cut(self, *, wait: bool) -> None:
        """Hand the buffer to a free writer (inline without writers); with ``wait``, wait for one."""
        if self._pool is None:
            rows, self._buffer = self._buffer, []
            self._flushed_at = self._clock()
            self._write(rows)
            self._raise_error()
            return
        with self._cond:
            if self._writing_parts >= self.policy.writers:
                if not wait:
                    return  # keep buffering: the next part gets larger
                self._cond.wait_for(lambda: self._writing_parts < self.policy.writers or self._error is not None)
                if self._error is not None:
                    return
            rows, self._buffer = self._buffer[:self.policy.max_rows], self._buffer[self.policy.max_rows:]
            self._writing_parts += 1
            self._writing_rows += len(rows)
        self._flushed_at = self._clock()
        self._pool.submit(self._write, rows)

    def _write(self, rows: list[ResultItem]) -> None:
        started = time.perf_counter()
        try:
            self.store.write_results(self.sweep_id, rows, pool=self._puts)
        except BaseException as exc:  # re-raised in the driver thread; a thread must not swallow it
            self.metrics.write_failed()
            with self._cond:
                self._error = self._error or exc
        else:
            self.metrics.part_written(len(rows), time.perf_counter() - started)
            with self._cond:
                self.stored_rows += len(rows)
                self.parts_written += 1
        finally:
            if self._pool is not None:
                with self._cond:
                    self._writing_parts -= 1
                    self._writing_rows -= len(rows)
                    self._cond.notify_all()

    def _raise_error(self) -> None:
        if self._error is not None:
            raise self._error
