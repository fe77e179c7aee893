"""Shared fixtures for the execution tests: specs, the batch runner (``ray_session`` is in tests/conftest.py)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"  # every Ray socket on 127.0.0.1

SWEEPS = Path(__file__).parent / "sweeps"
SYNTHETIC_BATCH_FN = "farm.sim.synthetic:run_synthetic_batch"


def production_batch_fn() -> str:
    """``farm.sim.rollout:run_batch`` once the catalogue it imports exists, else the synthetic runner."""
    if importlib.util.find_spec("scenario_library.catalog") is None:
        return SYNTHETIC_BATCH_FN
    return "farm.sim.rollout:run_batch"


@pytest.fixture
def batch_fn() -> str:
    return production_batch_fn()
