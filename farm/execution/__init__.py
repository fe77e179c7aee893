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
    RESULT_GROUP_S,
    ExecutionOptions,
    Executor,
    as_completed,
    batches,
    result_group_s,
    stream,
)

ExecutorKind = Literal["ray", "sequential"]


def make_executor(kind: ExecutorKind, options: ExecutionOptions, *, address: str | None = None,
                  batch_fn: str = DEFAULT_BATCH_FN, inputs_store: str | None = None, wire: bool = False,
                  group_s: float = 0.0) -> Executor:
    """A sequential executor, or a Ray executor (embedded when ``address`` is None).

    ``inputs_store``: the sweep's store URI; workers fetch the logs of ``input`` parameters from it.
    ``wire``: Ray workers return results in their wire form (``farm.wire``; the driver session asks
    for it). The sequential executor returns objects either way: encoding in the driver's own
    process would only move the cost. ``group_s``: Ray batch tasks send their results in groups,
    one at most every ``group_s`` [s] (``farm.execution.ray_executor``; the sequential executor ignores it).
    """
    if kind == "sequential":
        from farm.execution.sequential import SequentialExecutor

        return SequentialExecutor(options, batch_fn=batch_fn, inputs_store=inputs_store)
    from farm.execution.ray_executor import RayExecutor

    return RayExecutor(options, address=address, batch_fn=batch_fn, inputs_store=inputs_store, wire=wire,
                       group_s=group_s)


__all__ = [
    "DEFAULT_BATCH_FN",
    "RESULT_GROUP_S",
    "ExecutionOptions",
    "Executor",
    "ExecutorKind",
    "as_completed",
    "batches",
    "make_executor",
    "result_group_s",
    "stream",
]
