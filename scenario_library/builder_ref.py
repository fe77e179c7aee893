"""Resolving a family's ``builder: module:function`` inside ``scenario_library.builders``, and checking its signature.

Only modules directly inside ``scenario_library.builders`` can be named, so a
family file can never make the loader import arbitrary code.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import re
from collections.abc import Callable, Sequence
from typing import Any

from scenario_library.scene import SceneSpec

PACKAGE = "scenario_library.builders"
_REF = re.compile(r"^([a-z_][a-z0-9_]*):([a-z_][a-z0-9_]*)$")


@functools.cache
def builder_function(ref: str) -> Callable[..., Any]:
    """The function a ``module:function`` reference names.

    Raises:
        ValueError: a malformed reference, or a module/function that does not exist.
    """
    match = _REF.match(ref)
    if match is None:
        raise ValueError(f"{ref!r} must be 'module:function' naming a function in {PACKAGE}")
    module_name, function_name = match.groups()
    full_name = f"{PACKAGE}.{module_name}"
    try:
        module = importlib.import_module(full_name)
    except ModuleNotFoundError as exc:
        if exc.name == full_name:
            raise ValueError(f"no builder module {module_name!r} in {PACKAGE}") from None
        raise ValueError(f"builder module {module_name!r} cannot be imported: {exc}") from None
    except (ImportError, SyntaxError) as exc:
        raise ValueError(f"builder module {module_name!r} cannot be imported: {type(exc).__name__}: {exc}") from None
    function = getattr(module, function_name, None)
    if not inspect.isfunction(function):
        raise ValueError(f"{full_name} has no function {function_name!r}")
    return function


def signature_problem(function: Callable[..., Any], declared: Sequence[str]) -> str | None:
    """Why ``function`` does not take exactly the ``declared`` parameters, keyword-only, and return a SceneSpec."""
    parameters = inspect.signature(function).parameters.values()
    positional = [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if positional:
        return f"builder parameters must be keyword-only (after '*'); positional: {', '.join(positional)}"
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in parameters):
        return "builder must not take *args or **kwargs; name each declared parameter"
    names = [p.name for p in parameters]
    missing = [n for n in declared if n not in names]
    if missing:
        return f"builder does not accept the declared parameter(s): {', '.join(missing)}"
    extra = [n for n in names if n not in declared]
    if extra:
        return f"builder takes parameter(s) the family does not declare: {', '.join(extra)}"
    annotation = inspect.signature(function).return_annotation
    if annotation not in (SceneSpec, "SceneSpec"):
        return "builder must be annotated to return SceneSpec"
    return None
