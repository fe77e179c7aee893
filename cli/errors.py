"""The one place domain errors become a message and an exit code.

Every command is wrapped in ``domain_errors``. The codes are ``farm.errors.ExitCode``
(table and reasons in docs/architecture.md, "Exit codes"): each error class names its
own code — ``InputError``/``ScenarioError`` 2, ``StoreError`` (``LeaseError`` included)
and ``ExecutionError`` 5, ``UnknownSweep`` 2 — and Ctrl-C is 130. A finding (1), an
inconclusive verdict (3) or a regression (4) is never an error: a command returns
it with ``typer.Exit(ExitCode....)`` after printing its result.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer

F = TypeVar("F", bound=Callable[..., Any])


def exit_code_of(exc: BaseException) -> int:
    """The exit code a domain error ends its command with (``ExitCode.INFRA`` when it names none)."""
    from farm.errors import ExitCode

    code = getattr(exc, "exit_code", ExitCode.INFRA)
    try:
        return int(ExitCode(code))
    except ValueError:
        return int(ExitCode.INFRA)  # a code outside the table is refused rather than passed on


def domain_errors(func: F) -> F:
    """Run a command; a SimfarmError/ScenarioError prints one line to stderr and exits with its code.

    ``KeyboardInterrupt`` (Ctrl-C) prints one line and exits 130: whatever was
    stored stays consistent and a sweep can be resumed.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from farm.errors import ExitCode, SimfarmError
        from scenario_library.errors import ScenarioError

        try:
            return func(*args, **kwargs)
        except (SimfarmError, ScenarioError) as exc:
            print(f"error: {exc.line()}", file=sys.stderr)
            raise typer.Exit(exit_code_of(exc)) from None
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            raise typer.Exit(ExitCode.INTERRUPTED) from None

    return wrapper  # type: ignore[return-value]
