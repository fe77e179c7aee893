"""Execution: the Executor protocol (``base``), the in-process executor and the Ray executor.

Owns how rollouts are batched, dispatched, timed out and retried. Only
``farm.execution.ray_executor`` imports ``ray``; importing this package does
not. May import farm's contracts and ``farm.sim`` (through the batch runner), and
``farm.store``/``farm.reallog`` on the farm side of a worker (``inputs``: the logs of
``input`` parameters, fetched from the sweep's store before a batch runs).
"""

from __future__ import annotations

from typing import Literal

from farm.execution.base import (
    DEFAULT_BATCH_FN,
    ExecutionOptions,
    Executor,
    as_completed,
    batches,
    stream,
)

ExecutorKind = Literal["ray", "sequential"]


def make_executor(kind: ExecutorKind, options: ExecutionOptions, *, address: str | None = None,
                  batch_fn: str = DEFAULT_BATCH_FN, inputs_store: str | None = None, wire: bool = False) -> Executor:
    """A sequential executor, or a Ray executor (embedded when ``address`` is None).

    ``inputs_store``: the sweep's store URI; workers fetch the logs of ``input`` parameters from it.
    ``wire``: Ray workers return results in their wire form (``farm.wire``; the driver session asks
    for it). The sequential executor returns objects either way: encoding in the driver's own
    process would only move the cost.
    """
    if kind == "sequential":
        from farm.execution.sequential import SequentialExecutor

        return SequentialExecutor(options, batch_fn=batch_fn, inputs_store=inputs_store)
    from farm.execution.ray_executor import RayExecutor

    return RayExecutor(options, address=address, batch_fn=batch_fn, inputs_store=inputs_store, wire=wire)


__all__ = ["DEFAULT_BATCH_FN", "ExecutionOptions", "Executor", "ExecutorKind", "as_completed", "batches",
           "make_executor", "stream"]
