"""Physics-free test-only families: ``null`` (fast infrastructure runs) and ``fault`` (faults on demand).

No pybullet here: ``farm.sim.rollout.run_rollout`` dispatches these families to
``run_synthetic`` so the execution engine can be tested and benchmarked without
a simulator.

- ``null`` (x, y, work_ms, pass_below): spins ``work_ms`` of CPU, then ``failed``
  iff ``x >= pass_below``, else ``passed``. Metrics are defaults with
  ``route_completion = x`` and ``min_distance_m = y``.
- ``fault`` (mode, after_n, work_ms, x): ``ok`` behaves like ``null``;
  ``raise`` raises (-> ``sim_error``); ``hang`` sleeps forever (a signal ends
  it); ``busy_hang`` ignores SIGINT/SIGTERM/SIGALRM and spins (only killing the
  process ends it); ``exit`` calls ``os._exit(1)``; ``crash_after`` calls
  ``os._exit(1)`` once this process has already run ``after_n`` synthetic rollouts.
"""

from __future__ import annotations

import os
import signal
import socket
import time
import traceback
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from farm.fingerprint import code_fingerprint
from farm.result import Metrics, RolloutResult, Status
from farm.spec import RolloutSpec

SYNTHETIC_FAMILIES: frozenset[str] = frozenset({"null", "fault"})
FAULT_MODES: tuple[str, ...] = ("ok", "raise", "hang", "busy_hang", "exit", "crash_after")

_rollouts_in_process = 0  # counts every synthetic rollout this process started (for ``crash_after``)


class InjectedFault(RuntimeError):
    """The exception the ``fault`` family raises in mode ``raise``."""


def _spin(work_ms: float) -> None:
    """Busy CPU work for ``work_ms`` milliseconds (a stand-in for simulation)."""
    deadline = time.perf_counter() + work_ms / 1000.0
    while time.perf_counter() < deadline:
        pass


def _hang_forever() -> None:
    while True:
        time.sleep(3600.0)


def _busy_hang_forever() -> None:
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM):
        try:
            signal.signal(sig, signal.SIG_IGN)
        except ValueError:  # not the main thread: signals are not ours to ignore, spin anyway
            break
    while True:
        pass


def _inject(params: dict[str, Any]) -> None:
    """Carry out the ``fault`` family's mode (returns only for ``ok`` and a spared ``crash_after``)."""
    mode = str(params.get("mode", "ok"))
    if mode == "raise":
        raise InjectedFault(f"injected fault (x={params.get('x')})")
    if mode == "hang":
        _hang_forever()
    if mode == "busy_hang":
        _busy_hang_forever()
    if mode == "exit":
        os._exit(1)
    if mode == "crash_after" and _rollouts_in_process > int(params.get("after_n", 0)):
        os._exit(1)
    if mode not in FAULT_MODES:
        raise ValueError(f"fault family: unknown mode '{mode}' (one of {', '.join(FAULT_MODES)})")


def _outcome(spec: RolloutSpec, params: dict[str, Any]) -> tuple[Status, Metrics, tuple[str, ...]]:
    x = float(params.get("x", 0.5))
    y = float(params.get("y", 0.5))
    pass_below = float(params.get("pass_below", 1.0)) if spec.family == "null" else float("inf")
    metrics = Metrics(route_completion=x, min_distance_m=y)
    if x >= pass_below:
        return Status.FAILED, metrics, (f"x = {x:.3g}, needs < {pass_below:.3g}",)
    return Status.PASSED, metrics, ()


def run_synthetic(spec: RolloutSpec, *, worker: str = "", attempt: int = 1) -> RolloutResult:
    """Run one ``null`` or ``fault`` rollout; exceptions become ``sim_error`` (like ``run_rollout``)."""
    global _rollouts_in_process
    _rollouts_in_process += 1
    started_at = datetime.now(UTC).isoformat()
    wall_start = time.perf_counter()
    common: dict[str, Any] = {"worker": worker or socket.gethostname(), "attempt": attempt,
                              "started_at": started_at}
    params = spec.param_dict
    try:
        common["code_fingerprint"] = code_fingerprint(spec.stack_id, spec.stack.entry_point)
        if spec.family not in SYNTHETIC_FAMILIES:
            raise ValueError(f"'{spec.family}' is not a synthetic family ({', '.join(sorted(SYNTHETIC_FAMILIES))})")
        if spec.family == "fault":
            _inject(params)
        _spin(float(params.get("work_ms", 0.0)))
        status, metrics, reasons = _outcome(spec, params)
        return RolloutResult(spec=spec, status=status, metrics=metrics, fail_reasons=reasons,
                             sim_time_s=float(params.get("work_ms", 0.0)) / 1000.0,
                             wall_time_s=time.perf_counter() - wall_start, **common).with_hash()
    except Exception:
        return RolloutResult(spec=spec, status=Status.SIM_ERROR, error=traceback.format_exc(),
                             wall_time_s=time.perf_counter() - wall_start, **common).with_hash()


def run_synthetic_batch(specs: Iterable[RolloutSpec], *, worker: str = "",
                        attempt: int = 1) -> Iterator[RolloutResult]:
    """``run_batch`` for synthetic families only: yields each result as it finishes, no simulator."""
    for spec in specs:
        yield run_synthetic(spec, worker=worker, attempt=attempt)
