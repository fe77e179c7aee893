"""Under ``--json`` stdout holds exactly one JSON document: everything else goes to stderr.

Ray forwards its workers' output and its own notices ("(raylet) A worker
died...") to the driver's stdout; a library may print. While a command that
prints JSON runs, both the Python-level ``sys.stdout`` and file descriptor 1
point at stderr; the document is printed to the real stdout afterwards.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

from farm.jsonout import dumps


@contextlib.contextmanager
def stdout_reserved(active: bool = True) -> Iterator[None]:
    """Send every write to stdout (Python and fd 1) to stderr until the block ends."""
    if not active:
        yield
        return
    sys.stdout.flush()
    saved_fd = _redirect_fd()
    saved_stream, sys.stdout = sys.stdout, sys.stderr
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stdout = saved_stream
        if saved_fd is not None:
            os.dup2(saved_fd, 1)
            os.close(saved_fd)


def _redirect_fd() -> int | None:
    """Point fd 1 at fd 2 (when stdout is a real file descriptor); the saved copy of fd 1, or None."""
    try:
        if sys.stdout.fileno() != 1:
            return None
    except (AttributeError, OSError, ValueError):  # a test runner's buffer has no descriptor
        return None
    saved = os.dup(1)
    os.dup2(2, 1)
    return saved


def print_json(document: object) -> None:
    """The one JSON document of a ``--json`` command, strict (non-finite numbers are null)."""
    print(dumps(document, sort_keys=True), flush=True)
