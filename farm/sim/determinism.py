"""Randomness for one rollout: one SeedSequence, one spawned child per noise source.

The order of ``SOURCES`` is frozen: appending a source is safe (children are
spawned by index), reordering is not. Changing how one source is used never
shifts another's stream.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SOURCES: tuple[str, ...] = ("lidar", "odometry", "gnss", "actors", "stack", "latency")


@dataclass(frozen=True, slots=True)
class Streams:
    """One independent generator per noise source, plus the stack's integer seed."""

    lidar: np.random.Generator
    odometry: np.random.Generator
    gnss: np.random.Generator
    actors: np.random.Generator
    stack_seed: int
    latency: np.random.Generator  # the farm's compute-latency model


def streams(seed: int) -> Streams:
    """Spawn the rollout's per-source streams from ``seed``."""
    children = np.random.SeedSequence(int(seed)).spawn(len(SOURCES))
    by_name = dict(zip(SOURCES, children, strict=True))
    return Streams(
        lidar=np.random.default_rng(by_name["lidar"]),
        odometry=np.random.default_rng(by_name["odometry"]),
        gnss=np.random.default_rng(by_name["gnss"]),
        actors=np.random.default_rng(by_name["actors"]),
        stack_seed=int(by_name["stack"].generate_state(1, dtype=np.uint32)[0]),
        latency=np.random.default_rng(by_name["latency"]),
    )
