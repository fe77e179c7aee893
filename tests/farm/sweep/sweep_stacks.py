"""A stack entry point for sweep-file tests: the reference stack at ``config['rate_hz']`` (other keys ignored)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from autonomy.reference import ReferenceStack, build_stack


def build(config: Mapping[str, Any]) -> ReferenceStack:
    return build_stack({"rate_hz": config.get("rate_hz", 10.0)})
