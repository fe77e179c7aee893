"""farm.stats against published and hand-computed values."""

from __future__ import annotations

import math

import pytest

from farm import stats


def test_wilson_95_of_100_matches_the_published_interval() -> None:
    ci = stats.wilson(95, 100)
    assert (round(ci.low, 3), round(ci.high, 3)) == (0.888, 0.978)
    assert ci.estimate == 0.95 and ci.method == "wilson" and ci.level == 0.95 and ci.n == 100


def test_clopper_pearson_zero_failures_in_299_is_the_rule_of_three() -> None:
    ci = stats.clopper_pearson(0, 299, side="upper")
    assert ci.low == 0.0
    assert ci.high == pytest.approx(1 - 0.05 ** (1 / 299), rel=1e-9)
    assert ci.high == pytest.approx(0.0100, abs=5e-5)


def test_n_zero_gives_no_interval() -> None:
    for fn in (stats.wilson, stats.clopper_pearson):
        ci = fn(0, 0)
        assert ci.estimate is None and ci.low is None and ci.high is None and ci.n == 0


def test_bad_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        stats.wilson(5, 3)
    with pytest.raises(ValueError):
        stats.wilson(1, 3, level=1.5)


def test_exact_mcnemar_b3_c15() -> None:
    two = stats.mcnemar_exact(3, 15)
    assert two.p_value == pytest.approx(0.0075, abs=5e-5)
    # Hand count: P(X <= 3 | n=18, p=1/2) doubled.
    assert two.p_value == pytest.approx(2 * sum(math.comb(18, k) for k in range(4)) / 2**18)
    # One-sided for a regression: 15 newly failing, 3 newly passing.
    assert stats.mcnemar_exact(15, 3, alternative="greater").p_value == pytest.approx(two.p_value / 2)
    assert stats.mcnemar_exact(0, 0).p_value == 1.0
