"""Shared fixtures for the execution tests: a loopback Ray session per module, specs, a local store."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
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


@pytest.fixture(scope="module")
def ray_session() -> Iterator[None]:
    """One embedded 2-CPU Ray instance for the whole module (executors reuse it and leave it up)."""
    from farm.execution.ray_executor import start_ray, stop_ray

    started = start_ray(num_cpus=2)
    yield
    if started:
        stop_ray()


@pytest.fixture
def batch_fn() -> str:
    return production_batch_fn()
