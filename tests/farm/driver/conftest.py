"""The driver's tests share the execution tests' batch runner and sweep files."""

from __future__ import annotations

from tests.farm.execution.conftest import SWEEPS, batch_fn

__all__ = ["SWEEPS", "batch_fn"]
