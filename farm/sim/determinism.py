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


def platform_facts() -> dict[str, object]:
    """What the determinism promise depends on besides the spec and the code (stored in every manifest).

    The promise (docs/architecture.md "Determinism"): the same spec and code
    fingerprint give a bit-identical ``outcome_hash`` on the same CPU model,
    BLAS library and kernel, and Python/numpy/scipy/pybullet versions.
    """
    import hashlib
    import platform
    from importlib import metadata

    cpu_model, flags = platform.processor() or "unknown", ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                key, _, value = line.partition(":")
                if key.strip() == "model name" and cpu_model in ("unknown", platform.machine(), ""):
                    cpu_model = value.strip()
                elif key.strip() in ("flags", "Features") and not flags:
                    flags = " ".join(sorted(value.split()))
    except OSError:
        pass
    facts: dict[str, object] = {
        "machine": platform.machine(), "system": platform.system(), "cpu_model": cpu_model,
        "cpu_flags_sha8": hashlib.sha256(flags.encode()).hexdigest()[:8] if flags else "unknown",
        "python": platform.python_version(), "blas": _blas_facts(),
    }
    for dist in ("numpy", "scipy", "pybullet"):
        try:
            facts[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            facts[dist] = "absent"
    return facts


def _blas_facts() -> list[dict[str, object]]:
    """Each loaded BLAS: library, version, the kernel it picked for this CPU (``architecture``), threads."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    import scipy.linalg  # noqa: F401  (load scipy's own BLAS too, so it is listed)

    keep = ("internal_api", "version", "architecture", "threading_layer", "num_threads")
    return [{k: info.get(k) for k in keep} for info in threadpool_info() if info.get("user_api") == "blas"]
