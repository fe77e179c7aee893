"""The farm-owned latency model: seeded, per module, handed to the stack, and what delays actuation."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from autonomy.types import COMPUTE_MODULES
from farm.sim.determinism import streams
from farm.sim.latency import LatencyModel
from farm.sim.rollout import run_rollout
from farm.spec import DEFAULT_LATENCY, RolloutSpec, SimSettings
from scenario_library.catalog import load_family


def _with(module: str, **changes: float) -> SimSettings:
    latency = tuple((name, replace(m, **changes) if name == module else m) for name, m in DEFAULT_LATENCY)
    return SimSettings(latency=latency)


def test_the_model_is_seeded_lognormal_with_spikes_per_module() -> None:
    sim = _with("perception", median_ms=8.0, sigma=0.3, spike_prob=0.05, spike_factor=4.0)
    a, b = LatencyModel(sim, streams(3).latency), LatencyModel(sim, streams(3).latency)
    draws = [a.draw() for _ in range(4000)]
    assert draws[:50] == [b.draw() for _ in range(50)]
    k = COMPUTE_MODULES.index("perception")
    perception_ms = np.array([d.latency_s[k] for d in draws]) * 1e3
    # Without spikes the median is 8 ms; 5 % of draws are x4, which moves the median only slightly.
    assert 7.6 < np.median(perception_ms) < 8.6
    assert 0.03 < np.mean(perception_ms > 8.0 * math.exp(3 * 0.3)) < 0.07
    assert draws[0].deadline_s[k] == 0.040 and draws[0].modules == COMPUTE_MODULES


def test_the_default_model_never_misses_a_deadline_in_a_long_run() -> None:
    model = LatencyModel(SimSettings(), streams(14).latency)
    draws = [model.draw() for _ in range(2000)]
    assert not any(lat > dl for d in draws for lat, dl in zip(d.latency_s, d.deadline_s, strict=True))
    assert 0.012 < float(np.median([d.total_s for d in draws])) < 0.024  # ~18 ms median tick


def _run(sim: SimSettings) -> object:
    fam = load_family("lead_vehicle_braking")
    return run_rollout(RolloutSpec.create(family=fam.name, family_version=fam.version, params=fam.nominal, seed=2,
                                          sim=sim))


def test_a_slow_module_drives_the_reference_stacks_watchdog_into_its_fallback() -> None:
    result = _run(_with("perception", median_ms=200.0, sigma=0.0))
    kinds = [e.kind for e in result.events]  # type: ignore[attr-defined]
    assert "deadline_miss" in kinds and "fallback" in kinds
    assert result.metrics.fallbacks == 1  # type: ignore[attr-defined]
    # The minimal-risk stop abandons the mission: far less of the route than the nominal run.
    assert result.metrics.route_completion < 0.5 * _run(SimSettings()).metrics.route_completion  # type: ignore[attr-defined]


def test_the_latency_model_is_part_of_the_run_id_and_changes_the_outcome() -> None:
    fast, slow = SimSettings(), _with("planning", median_ms=60.0, deadline_ms=100.0, sigma=0.0)
    fam = load_family("lead_vehicle_braking")
    ids = {RolloutSpec.create(family=fam.name, family_version=fam.version, params=fam.nominal, seed=2,
                              sim=sim).run_id for sim in (fast, slow)}
    assert len(ids) == 2
    a, b = _run(fast), _run(slow)
    assert a.outcome_hash != b.outcome_hash  # type: ignore[attr-defined]  # actuation 60 ms later every tick
