"""Machine output, one rule for every command: under ``--json`` stdout holds exactly one strict JSON document.

Strict means what ``json.loads`` in any language accepts: no ``NaN``/``Infinity``
tokens (non-finite floats become ``null``), dates as ISO-8601 strings. Progress,
notices and errors go to stderr.
"""

from __future__ import annotations

import json
import math
import sys
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any


def strict(value: Any) -> Any:
    """``value`` made strict-JSON-ready: non-finite floats -> None, dates -> ISO text, tuples -> lists."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Enum):
        return strict(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {str(k): strict(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return [strict(v) for v in sorted(value, key=str)]
    if isinstance(value, list | tuple):
        return [strict(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return strict(value.item())
    return value


def dumps(document: Any, *, sort_keys: bool = False) -> str:
    """The strict JSON text of ``document`` (2-space indent, no trailing newline)."""
    # ``default=str``: an object without a JSON form (a path-like, a custom id) prints as its text.
    return json.dumps(strict(document), indent=2, sort_keys=sort_keys, allow_nan=False, default=str)


def print_json(document: Any, *, sort_keys: bool = False) -> None:
    """Write ``document`` to stdout as the one strict JSON document of this command."""
    sys.stdout.write(dumps(document, sort_keys=sort_keys) + "\n")
    sys.stdout.flush()
