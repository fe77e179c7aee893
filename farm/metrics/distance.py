"""min_distance_m to any body, min_distance_interest_m to the family's actors of interest (footprint gaps).

Both come from the tick minima of ``Trace.gap_m`` / ``Trace.gap_interest_m``:
exact at the physics rate below the simulator's sweep range (2 m), sampled at the
stack tick above it.
"""

from __future__ import annotations

import math
from typing import Any

from farm.metrics.trace import Trace


def _smallest(gaps_m: Any, n_ticks: int) -> float:
    return float(max(gaps_m.min(), 0.0)) if n_ticks and len(gaps_m) else math.inf


def compute(trace: Trace) -> dict[str, Any]:
    """Smallest gaps [m], never negative; the interest one is None when the family declares no actor of interest."""
    interest = _smallest(trace.gap_interest_m, trace.n_ticks) if trace.interest_ids else None
    return {"min_distance_m": _smallest(trace.gap_m, trace.n_ticks), "min_distance_interest_m": interest}
