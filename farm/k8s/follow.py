"""Follow a RayJob to its end, and say so in one line when the operator never answers.

KubeRay writes a RayJob's ``status`` once it reconciles it; a RayJob it refuses (a name it does not
accept, a spec its webhook or validation rejects) gets no status, only an event. So the loop fails
after ``status_timeout_s`` without any status (``SIMFARM_K8S_STATUS_TIMEOUT_S``, default 300 s),
naming the RayJob and the last event about it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from farm.errors import ExecutionError, InputError
from farm.k8s.api import Cluster, RayJobState

STATUS_TIMEOUT_ENV = "SIMFARM_K8S_STATUS_TIMEOUT_S"
STATUS_TIMEOUT_S = 300.0
POLL_ENV = "SIMFARM_K8S_POLL_S"
POLL_S = 5.0


def _seconds(name: str, default: float) -> float:
    text = os.environ.get(name, "")
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{text!r} is not a number of seconds", source=name) from None
    if not value > 0:
        raise InputError(f"{text!r} must be > 0", source=name)
    return value


def status_timeout_s() -> float:
    """How long [s] a new RayJob may stay without any status before the follow loop gives up."""
    return _seconds(STATUS_TIMEOUT_ENV, STATUS_TIMEOUT_S)


def poll_s() -> float:
    """The follow loop's period [s] (one GET per period)."""
    return _seconds(POLL_ENV, POLL_S)


def follow_rayjob(cluster: Cluster, name: str, *, on_change: Callable[[RayJobState], None] | None = None,
                  timeout_s: float | None = None, period_s: float | None = None) -> RayJobState:
    """Poll the RayJob until it is finished (or deleted); returns its last state.

    Raises:
        ExecutionError: no status at all within ``timeout_s`` (the RayJob is left as it is), or the API failed.
    """
    limit = status_timeout_s() if timeout_s is None else timeout_s
    period = poll_s() if period_s is None else period_s
    started = time.monotonic()
    last: RayJobState | None = None
    while True:
        state = cluster.rayjob_state(name)
        if on_change is not None and (last is None or state != last):
            on_change(state)
        last = state
        if state.finished:
            return state
        if not state.has_status and time.monotonic() - started >= limit:
            events = cluster.events(name)
            hint = f"; last event: {events[-1]}" if events else "; no events about it either"
            raise ExecutionError(
                f"RayJob {name} has no status after {limit:g} s: the KubeRay operator has not accepted it "
                f"(is it running and watching namespace {cluster.namespace}?){hint}",
                source=f"namespace {cluster.namespace}", field=STATUS_TIMEOUT_ENV)
        time.sleep(period)
