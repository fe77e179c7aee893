"""Designs: from a Space to a list of samples (the varying parameters' values), deterministic given a seed.

- ``nominal``: one sample (the space's base values).
- ``grid``: the cartesian product of every dimension's levels.
- ``twise``: a t-wise covering array (t = 2 or 3) over the levels (IPOG, ``farm.sweep.twise``).
- ``random``: independent uniform draws (numpy Generator seeded from the sweep).
- ``sobol`` / ``halton`` / ``lhs``: scrambled ``scipy.stats.qmc`` points in the unit cube.

Random and QMC points map the unit cube to values with ``Dimension.from_unit``:
linear for a float range, equal-width cells for ints, choices, bools and level
subsets, so every cell is equally likely and LHS/Sobol stratification carries
over to discrete dimensions as balanced counts.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from scipy.stats import qmc

from farm.identity import ParamValue
from farm.sweep.space import Space
from farm.sweep.twise import covering_array

Sample = dict[str, ParamValue]
QMC_ENGINES: dict[str, type[qmc.QMCEngine]] = {"sobol": qmc.Sobol, "halton": qmc.Halton, "lhs": qmc.LatinHypercube}


def draw(design: str, space: Space, *, budget: int | None, strength: int = 2, seed: int = 0) -> list[Sample]:
    """Samples of ``design`` over ``space`` (varying parameters only; merge with ``space.base``).

    Args:
        design: one of nominal, grid, twise, random, sobol, halton, lhs.
        space: the dimensions to vary.
        budget: number of samples for random/QMC designs (ignored by the others).
        strength: t for the twise design.
        seed: drives random draws and QMC scrambling.
    """
    if design == "nominal" or not space.dims:
        return [{}]
    if design == "grid":
        return [dict(zip(_names(space), combo, strict=True))
                for combo in itertools.product(*(d.levels for d in space.dims))]
    if design == "twise":
        rows = covering_array([len(d.levels) for d in space.dims], strength)
        return [{d.name: d.levels[i] for d, i in zip(space.dims, row, strict=True)} for row in rows]
    if budget is None or budget < 1:
        raise ValueError(f"the '{design}' design needs a budget >= 1")
    return [{d.name: d.from_unit(float(u)) for d, u in zip(space.dims, point, strict=True)}
            for point in unit_points(design, len(space.dims), budget, seed)]


def design_size(design: str, space: Space, *, budget: int | None, strength: int = 2) -> int:
    """How many samples ``draw`` returns, without drawing random points."""
    if design == "nominal" or not space.dims:
        return 1
    if design == "grid":
        return space.exhaustive_size
    if design == "twise":
        return len(covering_array([len(d.levels) for d in space.dims], strength))
    return int(budget or 0)


def unit_points(design: str, n_dims: int, n_points: int, seed: int) -> np.ndarray:
    """``n_points`` x ``n_dims`` points in [0, 1) from a random or scrambled QMC design."""
    rng = np.random.default_rng(seed)
    if design == "random":
        return rng.random((n_points, n_dims))
    engine = _engine(design, n_dims, rng)
    if design == "sobol":
        # Sobol's balance holds for powers of two: draw the next one up and keep the first n (a prefix
        # of the sequence); budgets that are powers of two fill every 1/n bin exactly once.
        return engine.random_base2(math.ceil(math.log2(n_points)))[:n_points]  # type: ignore[attr-defined, no-any-return]
    return engine.random(n_points)


def _engine(design: str, n_dims: int, rng: np.random.Generator) -> qmc.QMCEngine:
    try:
        engine_cls = QMC_ENGINES[design]
    except KeyError:
        raise ValueError(f"unknown design '{design}'") from None
    try:
        return engine_cls(n_dims, scramble=True, rng=rng)  # type: ignore[call-arg]
    except TypeError:  # scipy < 1.15 names the generator ``seed``
        return engine_cls(n_dims, scramble=True, seed=rng)  # type: ignore[call-arg]


def _names(space: Space) -> list[str]:
    return [d.name for d in space.dims]
