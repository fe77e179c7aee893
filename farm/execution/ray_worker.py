"""The body of one batch task on a Ray worker (imported by the worker process; no Ray import needed).

It yields the worker's name first (the driver starts the rollout clock when
that arrives), then each rollout's result as soon as it finishes. The simulator's
modules are imported before the name is yielded: a cold worker's imports (1–3 s on
a busy machine) are not billed to its first rollout's wall-clock budget. With ``wire``
each result goes back in its wire form (``farm.wire.encode_result``: its stored rows as
plain tuples, ~10× cheaper for the one driver to unpickle and store), encoded here on the
many workers; a result the store could not hold comes back as ``sim_error``, never lost.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

from farm.execution.base import resolve_batch_fn
from farm.execution.inputs import preload_inputs_code, run_with_inputs
from farm.result import RolloutResult
from farm.spec import RolloutSpec
from farm.wire import WireResult, encode_result


def run_batch_task(specs_json: list[str], attempt: int, batch_fn: str, inputs_store: str | None = None,
                   wire: bool = False) -> Iterator[str | RolloutResult | WireResult]:
    """Run a batch through ``batch_fn`` (``module:function``, default ``farm.sim.rollout:run_batch``).

    ``inputs_store``: the sweep's store URI, from which the logs of ``input`` parameters are fetched.
    ``wire``: yield each result as ``farm.wire.encode_result(result)`` instead of the object.
    """
    worker = f"{socket.gethostname()}:{os.getpid()}"
    run = resolve_batch_fn(batch_fn)
    specs = [RolloutSpec.from_json(text) for text in specs_json]
    for spec in specs:  # hashed here, on the many workers: the cached ids travel back with each result
        spec.run_id, spec.to_json()
    preload_inputs_code(specs, inputs_store)
    yield worker
    results = run_with_inputs(run, specs, worker=worker, attempt=attempt, inputs_store=inputs_store)
    if not wire:
        yield from results
        return
    for result in results:
        yield encode_result(result)
