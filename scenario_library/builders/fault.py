"""Test-only family ``fault``: a minimal valid scene (the farm injects the fault without a simulator)."""

from __future__ import annotations

from scenario_library.builders.common import minimal_scene
from scenario_library.scene import SceneSpec


def build(*, mode: str, after_n: int, work_ms: float, x: float) -> SceneSpec:
    """The same minimal scene for every parameter set (the parameters steer the synthetic run only)."""
    del mode, after_n, work_ms, x  # used by farm.sim.synthetic, not by the scene
    return minimal_scene("fault")
