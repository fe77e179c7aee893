"""The object-level interface a results store is built on: a folder or an S3 bucket.

``farm.store.results.ResultsStore`` implements the whole ``Store`` contract
(parts, manifests, leases, compaction, reading) over these few operations, so
the local folder and S3 behave the same by construction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from farm.errors import ExitCode, StoreError


class ObjectMissing(StoreError):
    """The object (or the sweep it belongs to) does not exist."""


class UnknownSweep(ObjectMissing):
    """No sweep with this id in the store: the user named it, so it is bad input (exit 2), not an outage."""

    exit_code = ExitCode.BAD_INPUT


class ManifestConflict(StoreError):
    """A conditional update lost the race too many times in a row."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ObjectInfo:
    """A listed object: key relative to the store root, size and write time (UTC ns since epoch)."""

    key: str
    size_bytes: int
    written_ns: int


class Backend(Protocol):
    """Atomic, retried object operations below one root. Keys are relative, ``/``-separated."""

    uri: str
    max_parallel: int  # how many reads to issue at once
    retry_listeners: list[Callable[[str, str], None]]  # called (operation, key) before retrying a transient failure

    def check(self, *, write: bool = True) -> None:
        """Fail fast with one ``StoreError`` line if the root is unreachable (or, with ``write``, not writable)."""

    def put(self, key: str, data: bytes) -> None:
        """Write (or replace) an object atomically; transient failures retried with backoff."""

    def create(self, key: str, data: bytes) -> bool:
        """Write an object only if it does not exist; False if it already did."""

    def get(self, key: str) -> bytes:
        """Read an object; ``ObjectMissing`` if absent."""

    def update(self, key: str, change: Callable[[bytes], bytes]) -> bytes:
        """Atomic read-modify-write of an existing object; returns what was written.

        ``change`` may run several times (optimistic concurrency) and may raise to abort.
        """

    def list_objects(self, prefix: str) -> list[ObjectInfo]:
        """Every object whose key starts with ``prefix`` (recursively, any count)."""

    def list_children(self, prefix: str) -> list[str]:
        """Names of the immediate sub-folders of ``prefix`` (which ends with ``/``)."""

    def delete(self, keys: Sequence[str]) -> None:
        """Remove objects; absent ones are ignored."""
