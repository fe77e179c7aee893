"""farm.stats_paired (Tango's paired score interval, the gate's margins) and farm.stats.holm."""

from __future__ import annotations

import pytest

from farm import stats, stats_paired


@pytest.mark.parametrize(("b", "c", "n", "level", "published"), [
    # Tango (1998, Stat Med 17:891-908) worked examples, as published to 3 decimals (and reproduced
    # in the R package ratesci's published-example tests, pairbinci(..., method_RD = "Score")).
    (0, 1, 44, 0.90, (-0.096, 0.037)),
    (9, 3, 32, 0.95, (-0.027, 0.390)),
    # Fagerland, Lydersen & Laake (2014, Stat Med 33:2850-2875), Bentur et al. airway data: n12 = 1, n21 = 7.
    (1, 7, 21, 0.95, (-0.517, -0.026)),
    # Agresti & Min (2005, Stat Med 24:729-740) example: 53, 16, 8, 9.
    (16, 8, 86, 0.95, (-0.020, 0.207)),
])
def test_tango_interval_matches_the_published_examples(b: int, c: int, n: int, level: float,
                                                       published: tuple[float, float]) -> None:
    ci = stats_paired.tango_interval(b, c, n, level=level)
    assert (round(ci.low, 3), round(ci.high, 3)) == published
    assert ci.estimate == pytest.approx((b - c) / n)
    # The bounds solve the score equation Z(bound) = -/+ z.
    z = 1.6448536269514722 if level == 0.90 else 1.959963984540054
    assert stats_paired.tango_score(b, c, n, ci.high) == pytest.approx(-z, abs=1e-8)
    assert stats_paired.tango_score(b, c, n, ci.low) == pytest.approx(z, abs=1e-8)


def test_one_sided_upper_bound_is_the_two_sided_bound_at_twice_alpha() -> None:
    assert stats_paired.upper_bound_increase(0, 1, 44, alpha=0.05) == pytest.approx(
        stats_paired.tango_interval(0, 1, 44, level=0.90).high)
    upper = stats_paired.tango_interval(3, 1, 200, level=0.95, side="upper")
    assert upper.low == -1.0 and upper.side == "upper"


def test_no_discordant_pairs_never_gives_a_zero_width_bound() -> None:
    bounds = [stats_paired.upper_bound_increase(0, 0, n) for n in (10, 100, 1000, 10_000)]
    assert all(b is not None and b > 0 for b in bounds)
    assert bounds == sorted(bounds, reverse=True)  # shrinks with n
    z2 = 1.6448536269514722**2
    assert bounds[2] == pytest.approx(z2 / (1000 + z2))  # 0.00270 for 1,000 agreeing pairs
    assert stats_paired.demonstrable_margin(0, 0, 1000) == bounds[2]
    assert stats_paired.tango_interval(0, 0, 1000, level=0.90).low == pytest.approx(-bounds[2])  # symmetric
    # The closed form is the root of the score equation, which brentq finds from the other side too.
    assert stats_paired.tango_score(0, 0, 1000, bounds[2]) == pytest.approx(-1.6448536269514722)


def test_pairs_needed_is_the_first_n_whose_bound_is_below_the_margin() -> None:
    n = stats_paired.pairs_needed(0.01, alpha=0.05)
    assert n == 268  # hand: n > z^2 (1 - 0.01) / 0.01 = 267.85
    assert stats_paired.upper_bound_increase(0, 0, n) < 0.01 <= stats_paired.upper_bound_increase(0, 0, n - 1)
    record = stats_paired.increase_bound(0, 0, 100, alpha=0.05, margin=0.01).to_dict()
    assert record["pairs_needed"] == 268 and record["upper"] == record["demonstrable_margin"] > 0.01
    assert "no discordant pairs" in record["assumption"]


def test_degenerate_tables() -> None:
    empty = stats_paired.tango_interval(0, 0, 0)
    assert empty.estimate is None and empty.low is None and empty.high is None
    assert stats_paired.upper_bound_increase(0, 0, 0) is None
    assert stats_paired.tango_interval(5, 0, 5).high == 1.0  # every pair newly failing
    assert stats_paired.tango_interval(0, 5, 5).low == -1.0
    with pytest.raises(ValueError):
        stats_paired.tango_interval(3, 4, 5)


def test_holm_against_hand_computed_values() -> None:
    # Sorted: 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, max(0.06, 0.04*1) = 0.06.
    res = stats.holm([0.01, 0.04, 0.03, 0.005], alpha=0.05)
    assert res.adjusted == pytest.approx((0.03, 0.06, 0.06, 0.02))
    assert res.reject == (True, False, False, True)
    assert stats.holm([0.5, 0.9]).adjusted == (1.0, 1.0)  # 2 x 0.5 capped at 1, then monotone
    assert stats.holm([]).adjusted == ()
    with pytest.raises(ValueError):
        stats.holm([1.2])
