"""farm.stats_shift and farm.stats_walsh: signed-rank test, Hodges–Lehmann shift, against scipy and brute force."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sp

from farm import stats_shift, stats_walsh


def _brute_walsh(d: np.ndarray) -> np.ndarray:
    i, j = np.triu_indices(d.size)
    return np.sort((d[i] + d[j]) / 2.0)


def _sample(rng: np.random.Generator, n: int, kind: int) -> np.ndarray:
    if kind == 0:
        return rng.normal(size=n)
    if kind == 1:  # a deterministic simulator: mostly exact zeros
        return np.where(rng.random(n) < 0.9, 0.0, rng.normal(size=n))
    if kind == 2:  # heavy ties
        return rng.integers(-3, 4, size=n).astype(float)
    return np.where(rng.random(n) < 0.6, 0.0, np.round(rng.normal(size=n), 1))


def test_kth_walsh_sum_equals_sorting_every_walsh_average() -> None:
    rng = np.random.default_rng(7)
    for trial, n in enumerate((1, 2, 3, 17, 250, 900, 2000)):
        d = _sample(rng, n, trial % 4)
        brute = _brute_walsh(d) * 2.0
        v, w = stats_walsh.compress(d)
        for k in {1, brute.size, (brute.size + 1) // 2, int(rng.integers(1, brute.size + 1))}:
            assert stats_walsh.kth_walsh_sum(v, w, k) == brute[k - 1]


def test_the_pivot_rounds_are_exact_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stats_walsh, "_GATHER_CELLS", 1)  # force the selection rounds down to tiny sets
    monkeypatch.setattr(stats_walsh, "_SAMPLE", 64)
    rng = np.random.default_rng(8)
    for kind in range(4):
        d = _sample(rng, 600, kind)
        brute = _brute_walsh(d) * 2.0
        v, w = stats_walsh.compress(d)
        for k in (1, 7, brute.size // 3, brute.size // 2 + 1, brute.size):
            assert stats_walsh.kth_walsh_sum(v, w, k) == brute[k - 1]
        assert stats_walsh.count_at_most(v, w, float(brute[100])) == int(np.searchsorted(brute, brute[100], "right"))


def test_hodges_lehmann_matches_brute_force_up_to_2000_pairs() -> None:
    rng = np.random.default_rng(9)
    for trial, n in enumerate((1, 5, 6, 10, 49, 51, 400, 2000)):
        baseline = rng.normal(10.0, 2.0, size=n)
        candidate = baseline + _sample(rng, n, trial % 4)
        shift = stats_shift.hodges_lehmann(candidate, baseline)
        walsh = _brute_walsh(candidate - baseline)
        assert shift.estimate == np.median(walsh)
        k = shift.rank
        if k is None:
            assert n < 6 and shift.low is None and shift.high is None
        else:
            assert (shift.low, shift.high) == (walsh[k - 1], walsh[walsh.size - k])


def test_walsh_rank_matches_the_signed_rank_tables() -> None:
    # Two-sided 5 % critical values of T (reject when T <= t): n = 10 → 8, n = 20 → 52; k = t + 1.
    assert stats_shift.walsh_rank(10, 0.95)[0] == 9
    assert stats_shift.walsh_rank(20, 0.95)[0] == 53
    assert stats_shift.walsh_rank(6, 0.95)[0] == 1  # P(T = 0) = 1/64 <= 0.025
    assert stats_shift.walsh_rank(5, 0.95)[0] is None  # 1/32 > 0.025: no 95 % interval exists
    # The normal approximation takes over above 50 and agrees with the exact k there to within one.
    assert abs(stats_shift.walsh_rank(51, 0.95)[0] - 454) <= 1
    # The exact distribution is scipy's: two-sided exact p of an untied sample is 2 P(T <= t).
    x = np.arange(1, 13) * np.array([1, -1, 1, 1, -1, 1, 1, 1, -1, 1, 1, 1])
    t = int(np.sum(np.arange(1, 13)[x < 0]))
    assert 2 * stats_walsh.signed_rank_cdf(12)[t] == pytest.approx(sp.wilcoxon(x, method="exact").pvalue)


def test_hodges_lehmann_with_99_percent_zeros_is_zero_with_a_zero_width_interval() -> None:
    rng = np.random.default_rng(10)
    base = rng.normal(size=20_000)
    cand = base.copy()
    cand[:200] += rng.normal(0.5, 1.0, size=200)
    shift = stats_shift.hodges_lehmann(cand, base)
    assert shift.estimate == 0.0 and shift.low == 0.0 and shift.high == 0.0
    assert shift.exclusions.n_zero == 19_800


def test_signed_rank_uses_pratt_and_reports_what_it_did() -> None:
    rng = np.random.default_rng(11)
    base = rng.normal(size=200)
    cand = base.copy()
    cand[:20] += np.abs(rng.normal(1.0, 0.2, size=20))  # 20 runs got larger, 180 unchanged
    res = stats_shift.wilcoxon_signed_rank(cand, base, alternative="greater")
    expected = sp.wilcoxon(cand - base, zero_method="pratt", correction=False, alternative="greater")
    assert res.p_value == pytest.approx(expected.pvalue) and res.p_value < 1e-4
    assert res.zero_method == "pratt" and res.method == "normal approximation"
    assert res.exclusions.n_zero == 180 and res.to_dict()["n"] == 200
    small = stats_shift.wilcoxon_signed_rank([1.0, 2.5, 3.0, 4.5, 7.0], [0.0, 0.0, 0.0, 0.0, 0.0])
    assert small.method == "exact" and small.p_value == pytest.approx(2 / 32)


def test_all_zero_differences_mean_no_test_and_p_one() -> None:
    res = stats_shift.wilcoxon_signed_rank([1.0, 2.0, math.inf], [1.0, 2.0, math.inf])
    assert res.p_value == 1.0 and res.statistic is None and res.exclusions.n_both_infinite == 1
    none = stats_shift.wilcoxon_signed_rank([], [])
    assert none.p_value is None and stats_shift.hodges_lehmann([], []).estimate is None


def test_infinities_are_handled_by_the_stated_rules() -> None:
    cand = [math.inf, 3.0, math.inf, 2.0, -math.inf, math.nan, 5.0]
    base = [math.inf, math.inf, 1.0, 2.0, 0.0, 1.0, 4.0]
    d, excl = stats_shift.paired_differences(cand, base)
    assert list(d) == [0.0, 0.0, 1.0]
    assert (excl.n_both_infinite, excl.n_inf_increase, excl.n_inf_decrease, excl.n_nan) == (1, 1, 2, 1)
    assert (excl.n_pairs, excl.n_used, excl.n_zero) == (7, 3, 2)
    with pytest.raises(ValueError):
        stats_shift.paired_differences([1.0], [1.0, 2.0])


def test_selection_is_exact_where_float_addition_absorbs_small_values(monkeypatch: pytest.MonkeyPatch) -> None:
    # 1e16 + 0.3 == 1e16 in float64: the searchsorted guess is wrong there and the exact fallback must settle it.
    monkeypatch.setattr(stats_walsh, "_GATHER_CELLS", 1)
    rng = np.random.default_rng(12)
    d = np.concatenate([rng.normal(size=150), rng.normal(size=50) * 1e16, np.full(30, 1e16), [0.1, 0.2, 0.3]])
    brute = _brute_walsh(d) * 2.0
    v, w = stats_walsh.compress(d)
    for k in (1, brute.size // 3, brute.size // 2, brute.size):
        assert stats_walsh.kth_walsh_sum(v, w, k) == brute[k - 1]


def test_the_exact_sign_flip_distribution_equals_scipys_enumeration() -> None:
    # With zeros and ties the p-value is the exact sign-flip one: the dynamic programme must give
    # what scipy's exhaustive PermutationMethod gives, for every alternative.
    import warnings

    import numpy as np
    from scipy import stats as sp

    from farm.stats_shift import _sign_flip_exact

    rng = np.random.default_rng(7)
    checked = 0
    for _ in range(25):
        d = rng.integers(-3, 4, size=int(rng.integers(3, 11))).astype(float)
        if not (d != 0).any():
            continue
        for alternative in ("two-sided", "greater", "less"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ref = sp.wilcoxon(d, zero_method="pratt", correction=False, alternative=alternative,
                                  method=sp.PermutationMethod())
            statistic, p = _sign_flip_exact(d, alternative)
            assert (statistic, p) == pytest.approx((ref.statistic, min(1.0, ref.pvalue)), abs=1e-12)
            checked += 1
    assert checked > 40
