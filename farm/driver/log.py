"""The driver's log: timestamped lines kept in memory and written to the store periodically.

Stored at ``sweeps/<sweep_id>/logs/driver.log`` (``simfarm logs`` reads it), so
the log of a detached driver, a Ray job or a CronJob pod is where the results are.
A resumed sweep appends to the log of its earlier sessions. A detached driver's
own stdout/stderr goes to ``local_log_path``: owner-only, in the user's state
directory (never world-readable in ``/tmp``).
"""

from __future__ import annotations

import os
import time
from collections import deque
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from farm.errors import SimfarmError, StoreError
from farm.store.base import Store

MAX_LINES = 20_000
FLUSH_INTERVAL_S = 10.0


def log_key(sweep_id: str) -> str:
    """Where a sweep's driver log lives under the store root."""
    return f"sweeps/{sweep_id}/logs/driver.log"


def state_dir() -> Path:
    """``$XDG_STATE_HOME/simfarm`` (``~/.local/state/simfarm`` without it), created owner-only (0700)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    folder = Path(base) / "simfarm"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)  # mkdir's mode is masked by the umask, and an existing folder keeps its own
    return folder


def open_local_log(sweep_id: str) -> tuple[Path, int]:
    """``(path, fd)`` of a detached driver's own output file, opened for appending, mode 0600."""
    path = state_dir() / f"{sweep_id}.log"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.fchmod(fd, 0o600)  # a file left by an older version may be wider
    return path, fd


class DriverLog:
    """Append lines; ``flush`` writes the whole (bounded) log through ``store.put_bytes``."""

    def __init__(self, store: Store, sweep_id: str, *, echo: TextIO | None = None,
                 interval_s: float = FLUSH_INTERVAL_S) -> None:
        self.store = store
        self.sweep_id = sweep_id
        self.echo = echo
        self.interval_s = interval_s
        self.lines: deque[str] = deque(maxlen=MAX_LINES)
        self._last_flush = time.monotonic()
        self._dirty = False
        try:
            earlier = store.get_bytes(log_key(sweep_id)).decode(errors="replace")
            self.lines.extend(earlier.splitlines())
        except StoreError:
            pass  # first session of this sweep

    def info(self, message: str) -> None:
        """Record one line (and echo it when the driver has no terminal of its own)."""
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.lines.append(f"{stamp} {message}")
        self._dirty = True
        if self.echo is not None:
            print(f"{stamp} {message}", file=self.echo, flush=True)

    def flush(self, *, force: bool = False) -> None:
        """Write the log if something changed and ``interval_s`` passed (or ``force``)."""
        if not self._dirty or (not force and time.monotonic() - self._last_flush < self.interval_s):
            return
        self.store.put_bytes(log_key(self.sweep_id), ("\n".join(self.lines) + "\n").encode())
        self._last_flush = time.monotonic()
        self._dirty = False


def record_failure(store: Store, sweep_id: str, what: str, exc: SimfarmError) -> None:
    """Record in the store why the sweep did not run (``simfarm status``/``logs`` show it); state ``failed``."""
    from farm.execution.base import now_iso

    log = DriverLog(store, sweep_id)
    log.info(f"{what}: {exc.line()}")
    log.flush(force=True)
    store.update_manifest(sweep_id, lambda m: replace(m, state="failed", updated_at=now_iso(),
                                                      extra={**m.extra, "error": exc.line()}))
