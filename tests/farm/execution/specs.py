"""Spec builders for the physics-free test families (``null`` and ``fault``)."""

from __future__ import annotations

from farm.spec import RolloutSpec


def null_spec(x: float, *, y: float = 0.5, work_ms: float = 0.0, pass_below: float = 1.0, seed: int = 1) -> RolloutSpec:
    """One rollout of the physics-free ``null`` family."""
    return RolloutSpec.create(family="null", family_version=1, seed=seed,
                              params={"x": x, "y": y, "work_ms": work_ms, "pass_below": pass_below})


def fault_spec(mode: str, x: float, *, after_n: int = 0, work_ms: float = 0.0) -> RolloutSpec:
    """One rollout of the ``fault`` family in ``mode``."""
    return RolloutSpec.create(family="fault", family_version=1, seed=1,
                              params={"mode": mode, "after_n": after_n, "work_ms": work_ms, "x": x})
