"""Designs are deterministic given the seed, stay in bounds, and stratify as documented."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from farm.sweep.model import ParamOverride
from farm.sweep.samplers import draw
from farm.sweep.space import Space, build_space
from scenario_library.family import Family

DESIGNS = ("nominal", "grid", "twise", "random", "sobol", "lhs", "halton")
RANDOM_DESIGNS = ("random", "sobol", "lhs", "halton")


def _fixed(**values: object) -> tuple[ParamOverride, ...]:
    return tuple(ParamOverride(name=k, kind="fixed", fixed=v) for k, v in values.items())  # type: ignore[arg-type]


def _space(family: Family, *overrides: ParamOverride) -> Space:
    return build_space(family, overrides, source="test.yaml", field="families[0]")


def _continuous(brake: Family) -> Space:
    """speed_mps [5, 30], gap_m [10, 80], mu [0.2, 1.0]; the rest fixed."""
    return _space(brake, *_fixed(lanes=2, weather="wet", lights=True))


@pytest.mark.parametrize("design", DESIGNS)
def test_same_seed_same_samples(brake: Family, design: str) -> None:
    space = _space(brake)
    assert draw(design, space, budget=16, seed=11) == draw(design, space, budget=16, seed=11)


@pytest.mark.parametrize("design", RANDOM_DESIGNS)
def test_another_seed_other_samples(brake: Family, design: str) -> None:
    space = _space(brake)
    assert draw(design, space, budget=16, seed=11) != draw(design, space, budget=16, seed=12)


@pytest.mark.parametrize("design", DESIGNS)
def test_every_value_is_in_bounds_and_typed(brake: Family, design: str) -> None:
    space = _space(brake, ParamOverride(name="gap_m", kind="range", range=(20.0, 50.0)))
    samples = draw(design, space, budget=64, seed=3)
    for s in samples:
        s = {**space.base, **s}
        assert 5.0 <= s["speed_mps"] <= 30.0 and isinstance(s["speed_mps"], float)
        assert 20.0 <= s["gap_m"] <= 50.0 and isinstance(s["gap_m"], float)
        assert 0.2 <= s["mu"] <= 1.0 and isinstance(s["mu"], float)
        assert s["lanes"] in (1, 2, 3, 4) and type(s["lanes"]) is int
        assert s["weather"] in ("dry", "wet", "fog")
        assert type(s["lights"]) is bool


@pytest.mark.parametrize("design", RANDOM_DESIGNS)
def test_choices_and_bools_take_every_value(brake: Family, design: str) -> None:
    samples = draw(design, _space(brake), budget=64, seed=3)
    assert {s["weather"] for s in samples} == {"dry", "wet", "fog"}
    assert {s["lights"] for s in samples} == {False, True}
    assert {s["lanes"] for s in samples} == {1, 2, 3, 4}


def _bins(values: list[float], low: float, high: float, n_bins: int) -> Counter[int]:
    return Counter(min(int((v - low) / (high - low) * n_bins), n_bins - 1) for v in values)


@pytest.mark.parametrize(("design", "budget"), [("sobol", 32), ("sobol", 64), ("lhs", 20), ("lhs", 37)])
def test_sobol_and_lhs_put_one_sample_in_each_of_n_bins_per_dimension(brake: Family, design: str,
                                                                     budget: int) -> None:
    samples = draw(design, _continuous(brake), budget=budget, seed=7)
    for name, low, high in (("speed_mps", 5.0, 30.0), ("gap_m", 10.0, 80.0), ("mu", 0.2, 1.0)):
        assert _bins([s[name] for s in samples], low, high, budget) == Counter(range(budget)), name  # type: ignore[misc]


def test_lhs_balances_discrete_dimensions(brake: Family, plain: Family) -> None:
    samples = draw("lhs", _space(brake), budget=36, seed=5)
    assert Counter(s["weather"] for s in samples) == {"dry": 12, "wet": 12, "fog": 12}
    assert Counter(s["lights"] for s in samples) == {False: 18, True: 18}
    assert Counter(s["lanes"] for s in samples) == {1: 9, 2: 9, 3: 9, 4: 9}
    ints = draw("lhs", _space(plain), budget=20, seed=5)
    assert Counter(s["n"] for s in ints) == {n: 2 for n in range(10)}  # int range 0..9, two per integer


def test_sobol_balances_a_level_subset(brake: Family) -> None:
    space = _space(brake, ParamOverride(name="mu", kind="levels", levels=(0.2, 0.5, 0.8, 1.0)))
    samples = draw("sobol", space, budget=32, seed=9)
    assert Counter(s["mu"] for s in samples) == {0.2: 8, 0.5: 8, 0.8: 8, 1.0: 8}


def test_random_is_uniform_within_tolerance(plain: Family, brake: Family) -> None:
    xs = [s["x"] for s in draw("random", _space(plain), budget=4000, seed=1)]
    assert abs(float(np.mean(xs)) - 0.5) < 0.02          # sd of the mean: 0.289 / sqrt(4000) = 0.0046
    assert abs(float(np.var(xs)) - 1 / 12) < 0.005
    weather = Counter(s["weather"] for s in draw("random", _space(brake), budget=3000, seed=1))
    assert all(abs(n / 3000 - 1 / 3) < 0.04 for n in weather.values())  # 4.6 sd of a binomial share


def test_grid_is_the_product_of_levels(brake: Family) -> None:
    space = _space(brake)
    samples = draw("grid", space, budget=None, seed=0)
    assert len(samples) == 4 * 3 * 4 * 4 * 3 * 2 == space.exhaustive_size
    assert len({tuple(sorted(s.items())) for s in samples}) == len(samples)


def test_twise_uses_only_declared_levels(brake: Family) -> None:
    samples = draw("twise", _space(brake), budget=None, strength=3, seed=0)
    assert {s["mu"] for s in samples} == {0.2, 0.5, 0.8, 1.0}
    assert {s["gap_m"] for s in samples} == {10.0, 40.0, 80.0}
    assert len(samples) < math.prod((4, 3, 4, 4, 3, 2)) / 10


def test_sampled_floats_are_rounded_to_six_significant_digits(brake: Family) -> None:
    for s in draw("sobol", _continuous(brake), budget=16, seed=1):
        assert all(float(f"{s[k]:.6g}") == s[k] for k in ("speed_mps", "gap_m", "mu"))


def test_nominal_and_an_all_fixed_space_give_one_sample(brake: Family) -> None:
    assert draw("nominal", _space(brake), budget=None) == [{}]
    everything_fixed = _space(brake, *_fixed(speed_mps=10.0, gap_m=20.0, mu=0.5, lanes=1, weather="fog",
                                              lights=False))
    assert everything_fixed.dims == ()
    assert draw("sobol", everything_fixed, budget=8) == [{}]


def test_random_designs_need_a_budget(brake: Family) -> None:
    with pytest.raises(ValueError, match="needs a budget"):
        draw("sobol", _space(brake), budget=None)
