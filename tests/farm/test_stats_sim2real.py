"""farm.stats_agreement, stats_correlation, stats_forecast against published and hand-computed values."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats as sp

from farm import stats_agreement as agree
from farm import stats_correlation as corr
from farm import stats_forecast as fc

# A small hand-worked pair: d = sim - real = [-0.5, 0.5, 0.5, -1.0].
SIM = [1.0, 2.0, 3.0, 4.0]
REAL = [1.5, 1.5, 2.5, 5.0]


def test_fisher_z_interval_of_kadian_et_al() -> None:
    # Kadian et al. (2020): SRCC r = 0.844 over n = 9 paired evaluations → about [0.41, 0.97].
    low, high = corr.fisher_z_interval(0.844, 9)
    assert (round(low, 2), round(high, 2)) == (0.41, 0.97)
    assert corr.fisher_z_interval(0.5, 3) is None and corr.fisher_z_interval(1.0, 20) is None
    x = np.array([0.1, 0.4, 0.35, 0.8, 0.7, 0.95, 0.2, 0.55, 0.6, 0.3])
    y = x + np.array([0.05, -0.1, 0.2, 0.0, -0.15, 0.1, 0.12, -0.05, 0.0, 0.3])
    res = sp.pearsonr(x, y)
    assert corr.fisher_z_interval(float(res.statistic), 10) == pytest.approx(tuple(res.confidence_interval()))


def test_bootstrap_interval_is_seeded_paired_and_refused_when_small() -> None:
    rng = np.random.default_rng(3)
    sim = rng.normal(size=12)
    real = sim + rng.normal(scale=0.5, size=12)
    first = corr.bootstrap_pearson_interval(sim, real, seed=7)
    assert first == corr.bootstrap_pearson_interval(sim, real, seed=7)
    assert first is not None and first[0] < corr.pearson(sim, real) < first[1]
    assert corr.bootstrap_pearson_interval(sim[:7], real[:7], seed=7) is None  # n < 8
    assert corr.bootstrap_pearson_interval(np.ones(12), real, seed=7) is None  # a constant side
    with pytest.raises(ValueError):
        corr.bootstrap_pearson_interval(sim, real, seed=7, n_resamples=500)


def test_mmrv_as_simpler_defines_it() -> None:
    assert agree.mmrv([0.1, 0.2, 0.3], [0.1, 0.2, 0.3]) == 0.0
    # Units 0 and 1 swap: each one's worst violation is |0.1 - 0.2|; (0.1 + 0.1 + 0) / 3.
    assert agree.mmrv([0.2, 0.1, 0.3], [0.1, 0.2, 0.3]) == pytest.approx(0.0667, abs=5e-5)
    # A tie in sim against a strict order in real is a violation; a tie in real weighs nothing.
    assert agree.mmrv([0.5, 0.5], [0.1, 0.3]) == pytest.approx(0.1)
    assert agree.mmrv([0.1, 0.3], [0.5, 0.5]) == 0.0
    assert agree.mmrv([], []) is None


def test_rank_inversions_largest_first() -> None:
    inv = agree.rank_inversions([0.2, 0.1, 0.3, 0.3], [0.1, 0.2, 0.3, 0.5])
    assert [(x.i, x.j) for x in inv] == [(2, 3), (0, 1)]
    assert inv[0].gap == pytest.approx(0.2) and inv[0].sim_gap == 0.0 and inv[1].gap == pytest.approx(0.1)
    assert agree.rank_inversions([1, 2, 3], [1, 2, 3]) == ()


def test_bland_altman_hand_computed() -> None:
    # bias = -0.5/4 = -0.125; SD (ddof = 1) = sqrt(1.6875 / 3) = 0.75; LoA = -0.125 ± 1.959964 × 0.75.
    ba = agree.bland_altman(SIM, REAL)
    assert ba.bias == pytest.approx(-0.125) and ba.sd == pytest.approx(0.75)
    assert (ba.loa_low, ba.loa_high) == pytest.approx((-1.594973, 1.344973), abs=1e-6)
    assert agree.bland_altman([1.0], [2.0]).loa_low is None
    assert agree.bland_altman([], []).bias is None


def test_lin_ccc_hand_computed_with_population_moments() -> None:
    # s_xy = 5.75/4, s_x² = 1.25, s_y² = 8.1875/4, (x̄ - ȳ)² = 0.015625 → 2.875 / 3.3125 = 46/53.
    assert agree.lin_ccc(SIM, REAL) == pytest.approx(46 / 53)
    assert agree.lin_ccc([2.0, 2.0], [2.0, 2.0]) is None
    assert agree.lin_ccc(SIM, SIM) == pytest.approx(1.0)


def test_correlation_block_has_the_sim2real_shape_and_drops_infinities() -> None:
    sim = [*SIM, math.inf]
    real = [*REAL, 3.0]
    block = corr.correlation_block(sim, real, seed=1).to_dict()
    json.dumps(block, allow_nan=False)
    assert block["n"] == 4 and block["n_excluded"] == 1
    assert set(block) == {"n", "n_excluded", "pearson", "spearman", "kendall", "mmrv", "bland_altman", "ccc",
                          "slope", "intercept", "wasserstein"}
    assert block["pearson"]["value"] == pytest.approx(sp.pearsonr(SIM, REAL).statistic)
    assert block["pearson"]["ci_fisher"] is not None and block["pearson"]["ci_bootstrap"] is None  # n < 8
    assert block["spearman"]["value"] == pytest.approx(sp.spearmanr(SIM, REAL).statistic)
    assert block["kendall"]["value"] == pytest.approx(sp.kendalltau(SIM, REAL).statistic)
    fit = sp.linregress(SIM, REAL)
    assert (block["slope"], block["intercept"]) == pytest.approx((fit.slope, fit.intercept))
    assert block["ccc"] == pytest.approx(46 / 53) and block["bland_altman"]["bias"] == pytest.approx(-0.125)
    # Wasserstein-1 of the two samples: sorted sim [1,2,3,4] vs real [1.5,1.5,2.5,5] → (0.5+0.5+0.5+1)/4.
    assert block["wasserstein"] == pytest.approx(0.625)


def test_correlation_block_with_nothing_to_correlate_is_all_none() -> None:
    flat = corr.correlation_block([1.0, 1.0, 1.0], [1.0, 2.0, 3.0], seed=0).to_dict()
    assert flat["pearson"] == {"value": None, "ci_fisher": None, "ci_bootstrap": None}
    assert flat["spearman"]["value"] is None and flat["slope"] is None and flat["intercept"] is None
    empty = corr.correlation_block([], [], seed=0).to_dict()
    assert empty["n"] == 0 and empty["mmrv"] is None and empty["wasserstein"] is None
    assert empty["bland_altman"] == {"bias": None, "loa_low": None, "loa_high": None}
    json.dumps(empty, allow_nan=False)


def test_realism_likelihood_in_the_wosac_manner() -> None:
    sim, edges = [1.2, 1.4, 3.1, 9.0], list(range(11))  # K = 4, B = 10: p = (count + 0.1) / 5
    p1, p2 = fc.realism_likelihood(sim, 1.5, edges), fc.realism_likelihood(sim, 5.0, edges)
    assert (p1, p2) == pytest.approx((0.42, 0.02))
    summary = fc.realism_summary([p1, p2])
    assert summary.mean == pytest.approx(0.22) and summary.geometric_mean == pytest.approx(0.0917, abs=5e-5)
    # Clipped to the outer edges: a never-closing TTC lands in the last bin [9, 10] with 9.0.
    assert fc.realism_likelihood(sim, math.inf, edges) == pytest.approx(1.1 / 5)
    assert fc.realism_likelihood([], 1.0, edges) is None
    with pytest.raises(ValueError):
        fc.realism_likelihood(sim, 1.0, [0.0, 0.0, 1.0])


def test_crps_hand_computed_and_equal_to_the_integral() -> None:
    # E|X - 3| = 4/3; Σ|x_i - x_j| over ordered pairs = 12; 12 / (2·9) = 2/3 → 2/3. Fair: 12 / (2·6) = 1 → 1/3.
    assert fc.crps_ensemble([1.0, 2.0, 4.0], 3.0) == pytest.approx(2 / 3)
    assert fc.crps_ensemble([4.0, 1.0, 2.0], 3.0, fair=True) == pytest.approx(1 / 3)
    # ∫ (F(t) - 1{t >= 3})² dt = 1·(1/3)² + 1·(2/3)² + 1·(1/3)² = 6/9.
    grid = np.linspace(0.0, 5.0, 500_001)
    ecdf = np.searchsorted(np.array([1.0, 2.0, 4.0]), grid, side="right") / 3
    integral = np.trapezoid((ecdf - (grid >= 3.0)) ** 2, grid)
    assert integral == pytest.approx(2 / 3, abs=1e-4)
    assert fc.crps_ensemble([2.0], 2.0) == 0.0 and fc.crps_ensemble([], 1.0) is None


def test_brier_and_pass_fail_agreement_hand_computed() -> None:
    # ((0.75 - 1)² + 0.25² + 0.5²) / 3 = 0.375 / 3.
    assert fc.brier_score([0.75, 0.25, 0.5], [True, False, False]) == pytest.approx(0.125)
    assert fc.brier_score([], []) is None
    sim = [True] * 25 + [False] * 25
    real = [True] * 20 + [False] * 5 + [True] * 10 + [False] * 15
    pf = fc.pass_fail_agreement(sim, real)
    # p_o = 35/50 = 0.7; p_e = 0.5·0.6 + 0.5·0.4 = 0.5; κ = 0.2 / 0.5 = 0.4.
    assert (pf.both_failed, pf.sim_only_failed, pf.real_only_failed, pf.both_passed) == (20, 5, 10, 15)
    assert pf.agreement == pytest.approx(0.7) and pf.kappa == pytest.approx(0.4)
    assert pf.mcnemar.p_value == pytest.approx(2 * sum(math.comb(15, k) for k in range(6)) / 2**15)
    assert fc.pass_fail_agreement([True, True], [True, True]).kappa is None
    assert fc.majority_failed(2, 4) is True and fc.majority_failed(1, 4) is False
    assert fc.majority_failed(0, 0) is None
