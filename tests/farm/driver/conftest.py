"""The driver's tests share the execution tests' loopback Ray session, batch runner and sweep files."""

from __future__ import annotations

from tests.farm.execution.conftest import SWEEPS, batch_fn, ray_session

__all__ = ["SWEEPS", "batch_fn", "ray_session"]
