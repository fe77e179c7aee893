"""The farm side of a worker: fetch the logs a batch's ``input`` parameters name, then run the batch.

A builder never reads the store. Before a batch runs, the worker opens the batch's
store (the sweep's store, handed over by the driver as a URI), fetches every
``inputs/<hash>`` the specs name (``farm.reallog.inputs``, cached per process) and
gives the batch runner the decoded ``RecordedLog`` s; ``Family.build`` hands each
builder the log in place of the hash. A batch without input parameters, or run
without a store, goes to the runner unchanged. A store that cannot be read makes
every rollout of the batch an ``infra_error`` (retried by a resume); an input that
is not in the store a ``sim_error`` naming it (the sweep was submitted against the
wrong store: ``simfarm submit`` refuses that before anything runs).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence

from farm.errors import StoreError
from farm.execution.base import BatchFn, lost_result, now_iso
from farm.result import RolloutResult, Status
from farm.spec import RolloutSpec
from farm.store.backend import ObjectMissing


def preload_inputs_code(specs: Sequence[RolloutSpec], inputs_store: str | None) -> None:
    """Load the specs' families and import the log-fetching code: local work a cold worker does before the rollout
    clock starts (loading the catalogue validates and builds every family's nominal and edge cases, seconds on a
    busy machine, which must not be billed to the first rollout's budget)."""
    from scenario_library.catalog import load_family

    for name in dict.fromkeys(spec.family for spec in specs):
        with contextlib.suppress(Exception):  # the rollout itself reports an unknown or broken family, as a row
            load_family(name)
    if inputs_store is not None:
        from farm.reallog.inputs import input_hashes

        input_hashes(specs)


def run_with_inputs(batch_fn: BatchFn, specs: Sequence[RolloutSpec], *, worker: str, attempt: int,
                    inputs_store: str | None) -> Iterator[RolloutResult]:
    """``batch_fn(specs, ...)`` with ``inputs=`` the logs the specs name, fetched from ``inputs_store``."""
    from farm.reallog.inputs import fetch_inputs, input_hashes

    if inputs_store is None or not input_hashes(specs):
        yield from batch_fn(specs, worker=worker, attempt=attempt)
        return
    started, clock = now_iso(), time.monotonic()
    try:
        from farm.store import open_store

        logs = fetch_inputs(open_store(inputs_store), specs)
    except ObjectMissing as exc:
        yield from _lost(specs, Status.SIM_ERROR, f"input not in the store {inputs_store}: {exc.line()}",
                         worker=worker, attempt=attempt, started=started, clock=clock)
        return
    except StoreError as exc:
        yield from _lost(specs, Status.INFRA_ERROR, f"cannot fetch inputs: {exc.line()}", worker=worker,
                         attempt=attempt, started=started, clock=clock)
        return
    yield from batch_fn(specs, worker=worker, attempt=attempt, inputs=logs)


def _lost(specs: Sequence[RolloutSpec], status: Status, reason: str, *, worker: str, attempt: int, started: str,
          clock: float) -> Iterator[RolloutResult]:
    for spec in specs:
        yield lost_result(spec, status, reason, attempt=attempt, worker=worker, started_at=started,
                          wall_time_s=time.monotonic() - clock)
