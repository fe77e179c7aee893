"""Resolve and build stacks by entry point (``package.module:factory``) or by short name.

A factory takes the config mapping and returns an object satisfying
``autonomy.types.Stack``. Named stacks are shorthands for entry points + config.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping
from typing import Any

from autonomy.types import Stack
from farm.errors import StackLoadError
from farm.spec import StackRef

REFERENCE_ENTRY_POINT = "autonomy.reference:build_stack"
NAMED_STACKS: dict[str, StackRef] = {
    "reference": StackRef.create(REFERENCE_ENTRY_POINT, "default", {}),
}
_ENTRY_POINT = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


def resolve_stack(name_or_entry_point: str, config_name: str = "default",
                  config: Mapping[str, Any] | None = None, *, source: str = "--stack") -> StackRef:
    """A short name from ``NAMED_STACKS`` or an entry point, with an optional config."""
    if name_or_entry_point in NAMED_STACKS and config is None:
        return NAMED_STACKS[name_or_entry_point]
    if name_or_entry_point in NAMED_STACKS:
        name_or_entry_point = NAMED_STACKS[name_or_entry_point].entry_point
    if not _ENTRY_POINT.match(name_or_entry_point):
        raise StackLoadError(f"'{name_or_entry_point}' is neither a stack name ({', '.join(NAMED_STACKS)}) "
                             "nor an entry point 'package.module:factory'", source=source)
    return StackRef.create(name_or_entry_point, config_name, config or {})


def load_factory(entry_point: str, *, source: str = "--stack") -> Callable[[Mapping[str, Any]], Stack]:
    """Import ``package.module:factory``; a clear error if it is not there."""
    module_name, _, attr = entry_point.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise StackLoadError(f"cannot import module '{module_name}': {exc}", source=source) from exc
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise StackLoadError(f"module '{module_name}' has no callable '{attr}'", source=source)
    return factory  # type: ignore[no-any-return]


def build_stack(ref: StackRef) -> Stack:
    """Build the stack a ref names."""
    return load_factory(ref.entry_point)(ref.config)
