"""The one place domain errors become a message and an exit code."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer

F = TypeVar("F", bound=Callable[..., Any])


def domain_errors(func: F) -> F:
    """Run a command; a SimfarmError/ScenarioError prints one line to stderr and exits with its code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from farm.errors import SimfarmError
        from scenario_library.errors import ScenarioError

        try:
            return func(*args, **kwargs)
        except (SimfarmError, ScenarioError) as exc:
            print(f"error: {exc.line()}", file=sys.stderr)
            raise typer.Exit(exc.exit_code) from None

    return wrapper  # type: ignore[return-value]
