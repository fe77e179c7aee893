"""``manifest.json`` encoding and the lease rules applied inside manifest updates."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import UTC, datetime
from typing import Any

from farm.errors import LeaseError, StoreError
from farm.store.base import SWEEP_STATES, Lease, Manifest


def utc_now_iso() -> str:
    """Current UTC time, ISO-8601 with a ``+00:00`` offset, second precision."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def manifest_to_dict(manifest: Manifest) -> dict[str, Any]:
    """The manifest as plain JSON-ready data (what ``manifest.json`` holds)."""
    document = asdict(manifest)
    document["stacks"] = list(manifest.stacks)
    document["compacted"] = {table: list(files) for table, files in manifest.compacted.items()}
    return document


def manifest_to_bytes(manifest: Manifest) -> bytes:
    """Stable, human-readable JSON (sorted keys, 2-space indent)."""
    if manifest.state not in SWEEP_STATES:
        raise StoreError(f"state {manifest.state!r} is not one of {', '.join(SWEEP_STATES)}",
                         source=manifest.sweep_id, field="manifest")
    return (json.dumps(manifest_to_dict(manifest), sort_keys=True, indent=2, allow_nan=False) + "\n").encode()


def manifest_from_bytes(data: bytes, source: str) -> Manifest:
    """Inverse of ``manifest_to_bytes``; unknown fields (from newer writers) are ignored."""
    try:
        document: dict[str, Any] = json.loads(data)
        lease = document.get("lease")
        known = {name for name in Manifest.__dataclass_fields__}
        fields = {k: v for k, v in document.items() if k in known}
        fields["stacks"] = tuple(fields.get("stacks", ()))
        fields["compacted"] = {t: tuple(files) for t, files in fields.get("compacted", {}).items()}
        fields["lease"] = Lease(owner=lease["owner"], expires_at=float(lease["expires_at"])) if lease else None
        return Manifest(**fields)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise StoreError(f"unreadable manifest ({type(exc).__name__}: {exc})", source=source) from None


def _until(expires_at: float) -> str:
    return datetime.fromtimestamp(expires_at, UTC).replace(microsecond=0).isoformat()


def take_lease(sweep_id: str, owner: str, ttl_s: float) -> Callable[[Manifest], Manifest]:
    """A manifest change that takes the lease unless another owner holds a live one."""

    def change(manifest: Manifest) -> Manifest:
        now = time.time()
        held = manifest.lease
        if held is not None and held.owner != owner and held.expires_at > now:
            raise LeaseError(f"sweep {sweep_id} is being driven by {held.owner} until {_until(held.expires_at)}")
        return replace(manifest, lease=Lease(owner=owner, expires_at=now + ttl_s), updated_at=utc_now_iso())

    return change


def extend_lease(sweep_id: str, owner: str, ttl_s: float) -> Callable[[Manifest], Manifest]:
    """A manifest change that extends our lease; ``LeaseError`` if someone else took it or it is gone."""

    def change(manifest: Manifest) -> Manifest:
        held = manifest.lease
        if held is None or held.owner != owner:
            holder = f"held by {held.owner}" if held else "released"
            raise LeaseError(f"sweep {sweep_id}: lease lost by {owner} (now {holder})")
        return replace(manifest, lease=Lease(owner=owner, expires_at=time.time() + ttl_s),
                       updated_at=utc_now_iso())

    return change


def drop_lease(owner: str) -> Callable[[Manifest], Manifest]:
    """A manifest change that clears the lease if it is ours, and changes nothing otherwise."""

    def change(manifest: Manifest) -> Manifest:
        if manifest.lease is None or manifest.lease.owner != owner:
            return manifest
        return replace(manifest, lease=None, updated_at=utc_now_iso())

    return change
