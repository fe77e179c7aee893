"""The body of one batch task on a Ray worker (imported by the worker process; no Ray import needed).

It yields the worker's name first (the driver starts the rollout clock when
that arrives), then each rollout's result as soon as it finishes. The simulator's
modules are imported and the specs' families loaded before the name is yielded: a
cold worker's imports and catalogue load (1–3 s on a busy machine) are not billed to
its first rollout's wall-clock budget. With ``wire``
each result goes back in its wire form (``farm.wire.encode_result``: its stored rows as
plain tuples, ~10× cheaper for the one driver to unpickle and store), encoded here on the
many workers; a result the store could not hold comes back as ``sim_error``, never lost.
With ``group_s`` > 0 a batch of several rollouts yields its results in groups (a list): a
group goes once ``group_s`` has passed since the previous item, and at the end. Every item
costs the one driver ~0.3 ms of Ray's own work whatever it holds, so a group of k results
costs it a k-th of that (``farm.execution.ray_executor`` explains what grouping does to
timeouts and lost workers).
"""

from __future__ import annotations

import os
import pickle
import socket
import time
from collections.abc import Iterable, Iterator
from typing import Any

from farm.execution.base import resolve_batch_fn
from farm.execution.inputs import preload_inputs_code, run_with_inputs
from farm.result import RolloutResult
from farm.spec import RolloutSpec
from farm.wire import WireResult, encode_result


def run_batch_task(specs_pickled: bytes, attempt: int, batch_fn: str, inputs_store: str | None = None,
                   wire: bool = False, group_s: float = 0.0) -> Iterator[Any]:
    """Run a batch through ``batch_fn`` (``module:function``, default ``farm.sim.rollout:run_batch``).

    ``specs_pickled``: ``pickle.dumps(list_of_RolloutSpec)`` (the driver's cheapest form; same code both sides,
    checked by ``farm.execution.ray_executor.check_remote_version``).
    ``inputs_store``: the sweep's store URI, from which the logs of ``input`` parameters are fetched.
    ``wire``: yield each result as ``farm.wire.encode_result(result)`` instead of the object.
    ``group_s``: yield lists of results, one at most every ``group_s`` [s] (0: each result alone).
    Yields the worker's name first, then results (``RolloutResult`` or ``WireResult``) or lists of them.
    """
    worker = f"{socket.gethostname()}:{os.getpid()}"
    run = resolve_batch_fn(batch_fn)
    specs: list[RolloutSpec] = pickle.loads(specs_pickled)
    for spec in specs:  # hashed here, on the many workers: the cached ids travel back with each result
        spec.run_id, spec.to_json()
    preload_inputs_code(specs, inputs_store)
    yield worker
    results = run_with_inputs(run, specs, worker=worker, attempt=attempt, inputs_store=inputs_store)
    items: Iterable[RolloutResult | WireResult] = (encode_result(r) for r in results) if wire else results
    if group_s > 0 and len(specs) > 1:
        yield from grouped(items, group_s)
    else:
        yield from items


def grouped(items: Iterable[Any], group_s: float) -> Iterator[list[Any]]:
    """``items`` in lists: a list goes once ``group_s`` [s] has passed since the previous one went, and at the end.

    The check runs after each item (a rollout), so a rollout still running started less than
    ``group_s`` after the previous list went: what lets the driver bound a rollout's time.
    """
    buffer: list[Any] = []
    last = time.monotonic()  # the start marker has just gone
    for item in items:
        buffer.append(item)
        now = time.monotonic()
        if now - last >= group_s:
            yield buffer
            buffer, last = [], now
    if buffer:
        yield buffer
