"""One rollout's result as JSON and as a rich terminal view (``simfarm run``, ``simfarm replay``)."""

from __future__ import annotations

import math
from typing import Any

from farm.jsonout import jsonable
from farm.result import Metrics, RolloutResult

_UNITS = {"collision_speed_mps": "m/s", "min_ttc_s": "s", "min_distance_m": "m", "time_to_goal_s": "s",
          "max_decel_mps2": "m/s²", "max_jerk_mps3": "m/s³", "max_lat_accel_mps2": "m/s²"}


def result_dict(result: RolloutResult) -> dict[str, Any]:
    """Strict-JSON-ready dict: a non-finite metric is null ("never", see ``farm.jsonout``)."""
    metrics = jsonable(result.metrics.as_dict()) if result.metrics else None
    return {
        "run_id": result.run_id, "scenario_key": result.scenario_key, "status": result.status.value,
        "passed": result.passed, "fail_reasons": list(result.fail_reasons), "error": result.error,
        "metrics": metrics, "events": [{"t_s": e.t_s, "kind": e.kind, "detail": e.detail} for e in result.events],
        "latency_ms": [{"module": x.module, "p50": x.p50_ms, "p95": x.p95_ms, "max": x.max_ms}
                       for x in result.latency],
        "sim_time_s": result.sim_time_s, "wall_time_s": result.wall_time_s, "outcome_hash": result.outcome_hash,
        "code_fingerprint": result.code_fingerprint, "spec": result.spec.to_dict(),
        "preventability": jsonable(result.preventability.as_row()) if result.preventability is not None else None,
    }


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "—"
    if isinstance(value, float):
        return "∞" if math.isinf(value) else f"{value:.3f}"
    return str(value)


def print_result(result: RolloutResult) -> None:
    """Metrics table, events, latency and the verdict."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    spec = result.spec
    params = ", ".join(f"{k}={v}" for k, v in spec.params)
    console.print(f"[bold]{spec.family}@{spec.family_version}[/] seed={spec.seed} {spec.fidelity} "
                  f"stack={spec.stack_id}\n  {params}\n  run_id={result.run_id}")
    if result.metrics is not None:
        table = Table(title="metrics")
        table.add_column("metric")
        table.add_column("value", justify="right")
        table.add_column("unit")
        for name in Metrics.names():
            table.add_row(name, _fmt(getattr(result.metrics, name)), _UNITS.get(name, ""))
        console.print(table)
    if result.events:
        console.print("events: " + "; ".join(f"{e.t_s:.1f}s {e.kind}" + (f" ({e.detail})" if e.detail else "")
                                             for e in result.events[:12]))
    total = next((x for x in result.latency if x.module == "total"), None)
    if total is not None:
        console.print(f"stack tick wall time: p50 {total.p50_ms:.2f} ms, p95 {total.p95_ms:.2f} ms; "
                      f"sim {result.sim_time_s:.1f} s in {result.wall_time_s:.2f} s wall")
    p = result.preventability
    if p is not None and p.rule is not None:
        said = {True: "preventable", False: "unpreventable (mitigation)", None: "no verdict"}[p.preventable]
        console.print(f"reference careful driver ({p.rule}): {said}; impact {_fmt(p.ref_impact_speed_mps)} m/s, "
                      f"least gap {_fmt(p.ref_min_gap_m)} m")
    _print_verdict(console, result)


def _print_verdict(console: Any, result: RolloutResult) -> None:
    if result.passed:
        console.print("[bold green]PASS[/]")
    elif result.status.value == "failed":
        console.print("[bold red]FAIL[/]: " + "; ".join(result.fail_reasons))
    else:
        tail = (result.error or "").strip().splitlines()[-1:] or [""]
        console.print(f"[bold red]{result.status.value.upper()}[/]: {tail[0]}")
