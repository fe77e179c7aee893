"""Per-module wall time per tick: p50/p95/max [ms]. Reported only; never in the outcome hash."""

from __future__ import annotations

import numpy as np

from farm.metrics.trace import Trace
from farm.result import ModuleLatency


def compute(trace: Trace) -> tuple[ModuleLatency, ...]:
    out = []
    for module, wall_s in trace.timings_s.items():
        if len(wall_s) == 0:
            continue
        ms = np.asarray(wall_s) * 1e3
        out.append(ModuleLatency(module=module, p50_ms=float(np.percentile(ms, 50)),
                                 p95_ms=float(np.percentile(ms, 95)), max_ms=float(ms.max())))
    return tuple(out)
