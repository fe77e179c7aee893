"""Paired continuous metrics (min TTC, min distance, max decel, jerk, latency p95): did they shift?

A contract-level module (pure numpy/scipy, no I/O), read by ``simfarm report compare``.
Differences are always candidate − baseline, per pair, in the metric's own unit.

Infinities, stated once for both functions (:func:`paired_differences`):
- both sides the same infinity (a TTC that never closes on either side) → difference 0;
- exactly one side infinite, or opposite infinities → the difference is ±inf: the pair is
  excluded from the test and the shift, and counted by direction (``n_inf_increase`` for
  +inf, e.g. the candidate's TTC never closes where the baseline's did; ``n_inf_decrease``
  for −inf);
- NaN on either side (metric not computed) → excluded, counted in ``n_nan``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import stats as _sp

from farm import stats_walsh as _walsh

Alternative = Literal["two-sided", "greater", "less"]
ZERO_METHOD = "pratt"
_EXACT_MAX_N = 50  # scipy's own limit for the exact signed-rank distribution
_PERMUTATION_MAX_N = 50  # with zeros or ties: the exact sign-flip distribution, by dynamic programming


@dataclass(frozen=True, slots=True, kw_only=True)
class Exclusions:
    """What happened to the pairs before any test: see the module docstring for the rules."""

    n_pairs: int
    n_used: int
    n_zero: int
    n_both_infinite: int
    n_inf_increase: int
    n_inf_decrease: int
    n_nan: int

    def to_dict(self) -> dict[str, Any]:
        return {"n_pairs": self.n_pairs, "n_used": self.n_used, "n_zero": self.n_zero,
                "n_both_infinite": self.n_both_infinite, "n_inf_increase": self.n_inf_increase,
                "n_inf_decrease": self.n_inf_decrease, "n_nan": self.n_nan}


def paired_differences(candidate: npt.ArrayLike, baseline: npt.ArrayLike) -> tuple[npt.NDArray[np.float64], Exclusions]:
    """Finite differences candidate − baseline (both-infinite pairs as 0) and the exclusion counts."""
    cand = np.asarray(candidate, dtype=np.float64).ravel()
    base = np.asarray(baseline, dtype=np.float64).ravel()
    if cand.shape != base.shape:
        raise ValueError(f"paired samples differ in length: {cand.size} candidate vs {base.size} baseline")
    nan = np.isnan(cand) | np.isnan(base)
    both_inf = np.isinf(cand) & (cand == base)
    with np.errstate(invalid="ignore"):
        d = np.where(both_inf, 0.0, cand - base)
    d[nan] = np.nan
    up, down = d == np.inf, d == -np.inf
    used = d[np.isfinite(d)]
    return used, Exclusions(n_pairs=int(cand.size), n_used=int(used.size), n_zero=int(np.count_nonzero(used == 0)),
                            n_both_infinite=int(both_inf.sum()), n_inf_increase=int(up.sum()),
                            n_inf_decrease=int(down.sum()), n_nan=int(nan.sum()))


@dataclass(frozen=True, slots=True, kw_only=True)
class SignedRank:
    """Paired Wilcoxon signed-rank test on candidate − baseline.

    ``statistic``/``p_value`` are scipy's; both ``None`` when nothing was measured, and
    ``p_value`` = 1.0 with ``statistic`` ``None`` when every difference is 0 (no test).
    """

    statistic: float | None
    p_value: float | None
    alternative: str
    method: str
    exclusions: Exclusions
    zero_method: str = ZERO_METHOD
    continuity_correction: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"statistic": self.statistic, "p_value": self.p_value, "alternative": self.alternative,
                "method": self.method, "zero_method": self.zero_method,
                "continuity_correction": self.continuity_correction, "n": self.exclusions.n_used,
                **self.exclusions.to_dict()}


def _has_ties(d: npt.NDArray[np.float64]) -> bool:
    a = np.abs(d)
    return bool(np.unique(a).size < a.size)


def _sign_flip_exact(d: np.ndarray, alternative: str) -> tuple[float, float]:
    """The signed-rank test's exact sign-flip null with Pratt zeros and tied (mid)ranks.

    The same distribution ``scipy.stats.wilcoxon(..., method=PermutationMethod())`` enumerates
    over all 2^n sign flips, computed instead by dynamic programming over the nonzero pairs'
    ranks: ranks are multiples of 1/2, so T+ = sum of the ranks of the positive differences
    takes integer values in half-rank units, and its null distribution is the convolution of
    {0, 2r_i} with equal weights — O(n · sum of ranks) instead of O(2^n · n). The statistic is
    T+ for a one-sided test and min(T+, T−) for a two-sided one, as scipy reports it.
    """
    ranks = _sp.rankdata(np.abs(d))  # zeros take the lowest ranks (Pratt), then are dropped
    nonzero = d != 0
    units = np.rint(2 * ranks[nonzero]).astype(np.int64)
    total = int(units.sum())
    dist = np.zeros(total + 1)
    dist[0] = 1.0
    for w in units:
        dist[w:] = dist[w:] + dist[: total + 1 - w].copy()
    dist /= dist.sum()
    t_plus = int(units[d[nonzero] > 0].sum())
    t_minus = total - t_plus
    cdf = np.cumsum(dist)
    below = float(cdf[t_plus])                       # P(T+ <= t)
    above = float(1.0 - (cdf[t_plus - 1] if t_plus > 0 else 0.0))  # P(T+ >= t)
    if alternative == "greater":
        return t_plus / 2.0, min(1.0, above)
    if alternative == "less":
        return t_plus / 2.0, min(1.0, below)
    return min(t_plus, t_minus) / 2.0, min(1.0, 2.0 * min(below, above))


def wilcoxon_signed_rank(candidate: npt.ArrayLike, baseline: npt.ArrayLike, *,
                         alternative: Alternative = "two-sided") -> SignedRank:
    """``scipy.stats.wilcoxon`` on candidate − baseline with ``zero_method="pratt"``.

    Why Pratt: in a deterministic simulator most differences are exactly 0. "wilcox" drops
    them and tests the few changed runs as if they were the whole sample; "zsplit" counts
    each zero as half a win for both sides, which drowns a consistent change among many
    zeros. Pratt (1959) ranks the zeros with the rest (so the changed pairs keep the large
    ranks they earned) and then leaves them out of the sum. ``alternative="greater"``: H1
    the candidate's values are larger. Method: exact null distribution for n <= 50 with no
    zeros or ties; for n <= 13 with zeros or ties, all 2^n sign flips
    (``scipy.stats.PermutationMethod``); otherwise the normal approximation with scipy's
    zero and tie corrections, no continuity correction. n = used pairs (after the
    infinity rules of the module docstring). All differences 0 → p = 1, no test; n = 0 →
    ``None``.
    """
    d, excl = paired_differences(candidate, baseline)
    if excl.n_used == 0:
        return SignedRank(statistic=None, p_value=None, alternative=alternative, method="none: no pairs",
                          exclusions=excl)
    if excl.n_zero == excl.n_used:
        return SignedRank(statistic=None, p_value=1.0, alternative=alternative,
                          method="none: every difference is 0", exclusions=excl)
    method: Any
    if excl.n_used <= _EXACT_MAX_N and excl.n_zero == 0 and not _has_ties(d):
        method, label = "exact", "exact"
    elif excl.n_used <= _PERMUTATION_MAX_N:
        statistic, p = _sign_flip_exact(d, alternative)
        return SignedRank(statistic=statistic, p_value=p, alternative=alternative,
                          method="permutation (all 2^n sign flips, exact)", exclusions=excl)
    else:
        method, label = "asymptotic", "normal approximation"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy warns about zeros/ties it then handles as documented
        res = _sp.wilcoxon(d, zero_method=ZERO_METHOD, correction=False, alternative=alternative, method=method)
    return SignedRank(statistic=float(res.statistic), p_value=min(1.0, float(res.pvalue)), alternative=alternative,
                      method=label, exclusions=excl)


@dataclass(frozen=True, slots=True, kw_only=True)
class Shift:
    """Hodges–Lehmann shift of candidate − baseline with its distribution-free interval.

    ``estimate``/``low``/``high`` in the metric's unit; ``low``/``high`` ``None`` when n
    is too small for ``level`` (n < 6 at 95 %) and everything ``None`` for n = 0.
    ``rank`` is k: the interval is [W_(k), W_(M+1−k)] of the M = n(n+1)/2 Walsh averages.
    """

    estimate: float | None
    low: float | None
    high: float | None
    level: float
    rank: int | None
    method: str
    exclusions: Exclusions

    def to_dict(self) -> dict[str, Any]:
        return {"estimate": self.estimate, "low": self.low, "high": self.high, "level": self.level,
                "rank": self.rank, "method": self.method, "n": self.exclusions.n_used, **self.exclusions.to_dict()}


def walsh_rank(n: int, level: float) -> tuple[int | None, str]:
    """The k of the two-sided ``level`` interval [W_(k), W_(M+1−k)] and how it was found.

    n <= 50: the exact signed-rank null distribution, k = 1 + max{t : P(T+ <= t) <= α/2}
    (n = 10 at 95 % → k = 9, the table's critical value 8 plus one). n > 50: the normal
    approximation with continuity correction, k = floor(M/2 + 1/2 − z·sqrt(n(n+1)(2n+1)/24)).
    ``None`` when even k = 1 is too wide a cut (n < 6 at 95 %).
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"confidence level must be in (0, 1), got {level}")
    half_alpha = (1.0 - level) / 2.0
    if n <= _EXACT_MAX_N:
        cdf = _walsh.signed_rank_cdf(n)
        ok = np.flatnonzero(cdf <= half_alpha + 1e-12)
        return (int(ok[-1]) + 1 if ok.size else None), "exact signed-rank distribution"
    m = n * (n + 1) / 2.0
    z = float(_sp.norm.ppf(1.0 - half_alpha))
    k = math.floor(m / 2.0 + 0.5 - z * math.sqrt(n * (n + 1) * (2 * n + 1) / 24.0))
    return (k if k >= 1 else None), "normal approximation with continuity correction"


def hodges_lehmann(candidate: npt.ArrayLike, baseline: npt.ArrayLike, *, level: float = 0.95) -> Shift:
    """Median of the Walsh averages (d_i + d_j)/2, i <= j, of d = candidate − baseline, and its interval.

    The zeros are kept (a deterministic simulator's unchanged runs are evidence of no
    shift). Computed without forming the n(n+1)/2 averages (``farm.stats_walsh``: exact
    selection in O(m log m) per round over the m distinct differences), identical to
    sorting them all. The interval's k is from :func:`walsh_rank`; it is exact for
    continuous data and approximate under ties and zeros. Infinities: module docstring.
    """
    d, excl = paired_differences(candidate, baseline)
    method = "hodges-lehmann (median of Walsh averages)"
    if excl.n_used == 0:
        return Shift(estimate=None, low=None, high=None, level=level, rank=None, method=method, exclusions=excl)
    v, w = _walsh.compress(d)
    n = excl.n_used
    total = n * (n + 1) // 2
    half = (total + 1) // 2
    mid = _walsh.kth_walsh_sum(v, w, half)
    if total % 2 == 0:  # the mean of the two middle sums; the next one is often the same value
        nxt = mid if _walsh.count_at_most(v, w, mid) > half else _walsh.next_walsh_sum_above(v, mid)
        mid = (mid + (mid if nxt is None else nxt)) / 2.0
    k, how = walsh_rank(n, level)
    low = high = None
    if k is not None:
        low = _walsh.kth_walsh_sum(v, w, k) / 2.0
        high = _walsh.kth_walsh_sum(v, w, total + 1 - k) / 2.0
    return Shift(estimate=mid / 2.0, low=low, high=high, level=level, rank=k, method=f"{method}; k by {how}",
                 exclusions=excl)

