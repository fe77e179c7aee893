"""The driver's log: timestamped lines kept in memory and written to the store periodically.

Stored at ``sweeps/<sweep_id>/logs/driver.log`` (``simfarm logs`` reads it), so
the log of a detached driver, a Ray job or a CronJob pod is where the results are.
A resumed sweep appends to the log of its earlier sessions.
"""

from __future__ import annotations

import time
from collections import deque
from datetime import UTC, datetime
from typing import TextIO

from farm.errors import StoreError
from farm.store.base import Store

MAX_LINES = 20_000
FLUSH_INTERVAL_S = 10.0


def log_key(sweep_id: str) -> str:
    """Where a sweep's driver log lives under the store root."""
    return f"sweeps/{sweep_id}/logs/driver.log"


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
