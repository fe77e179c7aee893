"""Seeded compute-latency model: what each module "costs" inside the simulation.

Each module's latency is lognormal (median, sigma) with an optional spike
(probability, factor). One ``numpy.random.Generator`` from the reset seed draws
a fixed number of values per tick in a fixed order, so the same seed always
gives the same latencies regardless of what the modules compute.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from autonomy.config import MODULES, LatencyConfig


@dataclass(frozen=True, slots=True, kw_only=True)
class LatencyInput:
    """Nothing but the tick: the model is independent of what the modules saw."""

    t_s: float


@dataclass(frozen=True, slots=True, kw_only=True)
class LatencyOutput:
    """Simulated latency per module [s] in ``MODULES`` order, and the deadlines [s]."""

    latency_s: tuple[float, ...]
    deadline_s: tuple[float, ...]


class LatencyModel(Protocol):
    """Draws one tick's simulated module latencies."""

    def step(self, inp: LatencyInput) -> LatencyOutput: ...


class LognormalLatency:
    """Lognormal latency with spikes; deterministic given the seed."""

    def __init__(self, config: LatencyConfig, seed: int) -> None:
        models = config.per_module()
        self._median_s = np.array([m.median_ms for m in models]) * 1e-3
        self._sigma = np.array([m.sigma for m in models])
        self._spike_prob = np.array([m.spike_prob for m in models])
        self._spike_factor = np.array([m.spike_factor for m in models])
        self._deadline_s = tuple(m.deadline_ms * 1e-3 for m in models)
        self._rng = np.random.default_rng(np.random.SeedSequence(int(seed)))

    def step(self, inp: LatencyInput) -> LatencyOutput:
        """One tick: a normal and a uniform per module, always both, always in ``MODULES`` order."""
        z = self._rng.standard_normal(len(MODULES))
        u = self._rng.random(len(MODULES))
        latency = self._median_s * np.exp(self._sigma * z)
        latency = np.where(u < self._spike_prob, latency * self._spike_factor, latency)
        return LatencyOutput(latency_s=tuple(latency.tolist()), deadline_s=self._deadline_s)
