"""Parse a command's stdout as the one strict JSON document the ``--json`` rule promises."""

from __future__ import annotations

import json
from typing import Any


def _refuse(token: str) -> Any:
    raise ValueError(f"non-strict JSON token {token!r} (NaN/Infinity are not JSON)")


def strict_loads(text: str) -> Any:
    """``json.loads`` that fails on ``NaN``, ``Infinity`` and ``-Infinity`` and on anything after the document."""
    return json.loads(text, parse_constant=_refuse)
