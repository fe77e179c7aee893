"""The farm's seeded compute-latency model: what each stack module "costs" inside the simulation.

The stack under test never chooses its latency. Per tick, one normal and one
uniform draw per module, always both and always in module order, from the
rollout's own ``latency`` stream (``farm.sim.determinism``), so the same spec
gives the same latencies whatever the stack computes.
"""

from __future__ import annotations

import numpy as np

from autonomy.types import COMPUTE_MODULES, ComputeLatency
from farm.spec import SimSettings


class LatencyModel:
    """Lognormal latency with spikes, per module (``SimSettings.latency``)."""

    def __init__(self, settings: SimSettings, rng: np.random.Generator) -> None:
        modules = tuple(name for name, _ in settings.latency)
        if modules != COMPUTE_MODULES:
            raise ValueError(f"latency model modules {modules} != the stack API's {COMPUTE_MODULES}")
        models = [m for _, m in settings.latency]
        self._median_s = np.array([m.median_ms for m in models]) * 1e-3
        self._sigma = np.array([m.sigma for m in models])
        self._spike_prob = np.array([m.spike_prob for m in models])
        self._spike_factor = np.array([m.spike_factor for m in models])
        self._deadline_s = tuple(float(m.deadline_ms) * 1e-3 for m in models)
        self._rng = rng

    def draw(self) -> ComputeLatency:
        """One tick's latencies [s] and deadlines [s]."""
        z = self._rng.standard_normal(len(self._median_s))
        u = self._rng.random(len(self._median_s))
        latency = self._median_s * np.exp(self._sigma * z)
        latency = np.where(u < self._spike_prob, latency * self._spike_factor, latency)
        return ComputeLatency(latency_s=tuple(float(x) for x in latency), deadline_s=self._deadline_s)
