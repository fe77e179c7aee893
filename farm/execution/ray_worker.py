"""The body of one batch task on a Ray worker (imported by the worker process; no Ray import needed).

It yields the worker's name first (the driver starts the rollout clock when
that arrives), then each rollout's result as soon as it finishes.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

from farm.execution.base import resolve_batch_fn
from farm.result import RolloutResult
from farm.spec import RolloutSpec


def run_batch_task(specs_json: list[str], attempt: int, batch_fn: str) -> Iterator[str | RolloutResult]:
    """Run a batch through ``batch_fn`` (``module:function``, default ``farm.sim.rollout:run_batch``)."""
    worker = f"{socket.gethostname()}:{os.getpid()}"
    yield worker
    specs = [RolloutSpec.from_json(text) for text in specs_json]
    for spec in specs:  # hashed here, on the many workers: the cached ids travel back with each result
        spec.run_id, spec.to_json()
    yield from resolve_batch_fn(batch_fn)(specs, worker=worker, attempt=attempt)
