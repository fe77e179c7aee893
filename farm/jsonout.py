"""Strict JSON for every machine-readable output: no ``NaN``/``Infinity`` tokens, no numbers as strings.

One documented representation of what JSON cannot spell (docs/architecture.md
"Machine output"): every non-finite float is ``null``. For the metrics that
means "never": ``min_ttc_s: null`` — the ego was never on a closing course
with anything (no time-to-collision existed during the run); ``min_distance_m:
null`` — there was no other body; ``time_to_goal_s: null`` — the goal was
never reached. Parquet keeps the IEEE value (``+inf``), so queries such as
``min_ttc_s < 1.5`` need no special case.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any


def jsonable(value: Any) -> Any:
    """``value`` with non-finite floats as None, tuples as lists and numpy scalars/arrays as Python values."""
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    tolist = getattr(value, "tolist", None)  # numpy scalars and arrays
    if callable(tolist):
        return jsonable(tolist())
    raise TypeError(f"{type(value).__name__} is not JSON data")


def dumps(document: Any, *, indent: int | None = 2, sort_keys: bool = False) -> str:
    """Strict JSON text of ``document`` (``allow_nan=False`` after ``jsonable``)."""
    return json.dumps(jsonable(document), indent=indent, sort_keys=sort_keys, allow_nan=False)


def loads_strict(text: str) -> Any:
    """Parse JSON, refusing the ``NaN``/``Infinity`` tokens Python's parser accepts by default."""
    def refuse(token: str) -> Any:
        raise ValueError(f"non-standard JSON token {token}")

    return json.loads(text, parse_constant=refuse)
