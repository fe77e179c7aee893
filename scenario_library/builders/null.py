"""Test-only family ``null``: a minimal valid scene (the farm runs this family without a simulator)."""

from __future__ import annotations

from scenario_library.builders.common import minimal_scene
from scenario_library.scene import SceneSpec


def build(*, x: float, y: float, work_ms: float, pass_below: float) -> SceneSpec:
    """The same minimal scene for every parameter set (the parameters steer the synthetic run only)."""
    del x, y, work_ms, pass_below  # used by farm.sim.synthetic, not by the scene
    return minimal_scene("null")
