"""Seeds derived from the sweep seed: for samplers, for rollouts, and for rotating sets.

Every derived seed is a 32-bit slice of SHA-256 over the canonical JSON of its
inputs (``farm.identity.content_hash``), so it is the same in every process,
on every machine and under every Python hash seed.
"""

from __future__ import annotations

import datetime as dt

from farm.identity import content_hash

ROTATIONS: tuple[str, ...] = ("none", "daily", "weekly")


def derive_seed(*parts: int | str) -> int:
    """A 32-bit seed from any number of ints/strings (order matters)."""
    return int(content_hash(list(parts), n_hex=8), 16)


def rotation_tag(rotate: str, today: dt.date | None) -> str:
    """The period a rotating set belongs to: ``""`` (never rotates), ``2024-06-01`` or ``2024-W22``.

    ``today`` defaults to the current UTC date; tests pass it explicitly.
    """
    if rotate == "none":
        return ""
    day = today if today is not None else dt.datetime.now(dt.UTC).date()
    if rotate == "daily":
        return day.isoformat()
    if rotate == "weekly":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    raise ValueError(f"unknown rotation '{rotate}' (one of {', '.join(ROTATIONS)})")


def entry_seed(sweep_seed: int, entry_seed_override: int | None, tag: str) -> int:
    """The seed a family entry works from: its own ``seed`` or the sweep's, mixed with the rotation tag."""
    base = sweep_seed if entry_seed_override is None else entry_seed_override
    return derive_seed(base, "rotate", tag) if tag else base


def rollout_seeds(base_seed: int, family: str, repeats: int) -> tuple[int, ...]:
    """``repeats`` rollout seeds for one family; the same for every sample, stack and fidelity."""
    return tuple(derive_seed(base_seed, family, "rollout", k) for k in range(repeats))


def sampler_seed(base_seed: int, family: str, design: str) -> int:
    """The seed of one family's design (scrambling, random draws)."""
    return derive_seed(base_seed, family, design, "sampler")
