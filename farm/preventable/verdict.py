"""The values ``assess`` hands back: one rule's ``Outcome`` and the row-ready ``Preventability`` (a contract in
``farm.result``, re-exported here)."""

from __future__ import annotations

from dataclasses import dataclass

from farm.result import Preventability


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """What the reference driver achieved under one rule.

    ``impact_speed_mps``: its speed at first contact (0 without contact; None when
    the rule is geometric and simulates no impact); ``min_gap_m``: its least
    footprint gap to the actor of interest (None when there is none);
    ``policy``: the manoeuvre that gave this outcome; ``perception_t_s``: when
    the hazard became perceivable (None: never, or not modelled).
    """

    preventable: bool | None
    impact_speed_mps: float | None
    min_gap_m: float | None
    policy: str | None = None
    perception_t_s: float | None = None


__all__ = ["Outcome", "Preventability"]
