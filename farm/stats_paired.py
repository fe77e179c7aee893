"""Paired binary outcomes for the release gate: how much worse can the candidate's failure rate be?

A contract-level module (pure numpy/scipy, no I/O), read by ``simfarm report compare``.
Each pair is one scenario run on both sides; ``b`` counts pairs that pass on the baseline
and fail on the candidate (newly failing), ``c`` the reverse (newly passing), ``n`` all
pairs. The parameter is the increase in failure rate Δ = P(candidate fails) − P(baseline
fails) = p_b − p_c, estimated by (b − c)/n.

Method (one, everywhere): Tango's score interval for the difference of paired proportions
(T. Tango, 1998, "Equivalence test and confidence interval for the difference in
proportions for the paired-sample design", Stat Med 17:891–908, eq. for the score
statistic and its restricted MLE). It depends on b, c and n only, and, unlike the Wald
or exact-conditional intervals, it is never of zero width when b = c = 0: the one-sided
upper bound is then z²/(n + z²) (z the one-sided normal quantile), > 0 and shrinking with n.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from scipy import optimize as _opt
from scipy import stats as _sp

from farm.stats import Interval, Side

METHOD = "tango-score (Tango 1998, Stat Med 17:891-908)"


def _check(b: int, c: int, n: int, level: float) -> None:
    if b < 0 or c < 0 or b + c > n:
        raise ValueError(f"need b, c >= 0 and b + c <= n, got b={b}, c={c}, n={n}")
    if not 0.0 < level < 1.0:
        raise ValueError(f"confidence level must be in (0, 1), got {level}")


def _restricted_p21(b: int, c: int, n: int, delta: float) -> float:
    """Tango's MLE of P(fail on baseline only) given Δ: the non-negative root of
    2n·p² + (−b − c + (2n − b + c)Δ)·p − cΔ(1 − Δ) = 0 (computed without cancellation)."""
    a2 = 2.0 * n
    b1 = -b - c + (2.0 * n - b + c) * delta
    c0 = -c * delta * (1.0 - delta)
    root = math.sqrt(max(b1 * b1 - 4.0 * a2 * c0, 0.0))
    return (root - b1) / (2.0 * a2) if b1 <= 0 else (-2.0 * c0) / (b1 + root)


def tango_score(b: int, c: int, n: int, delta: float) -> float:
    """Tango's score statistic Z(Δ) = (b − c − nΔ) / sqrt(n(2·p̃21 + Δ(1 − Δ))); decreasing in Δ."""
    var = n * (2.0 * _restricted_p21(b, c, n, delta) + delta * (1.0 - delta))
    num = b - c - n * delta
    if var <= 0.0:
        return 0.0 if num == 0 else math.copysign(math.inf, num)
    return num / math.sqrt(var)


def _bound(b: int, c: int, n: int, z: float, upper: bool) -> float:
    """Solve Z(Δ) = ∓z on the side of the estimate; the parameter's limit when it is on the limit."""
    est = (b - c) / n
    if upper:
        if est >= 1.0:
            return 1.0
        if b == c == 0:
            return z * z / (n + z * z)  # Z(Δ) = −sqrt(nΔ/(1 − Δ)) exactly
        return float(_opt.brentq(lambda d: tango_score(b, c, n, d) + z, est, 1.0 - 1e-15, xtol=1e-14))
    if est <= -1.0:
        return -1.0
    if b == c == 0:
        return -z * z / (n + z * z)
    return float(_opt.brentq(lambda d: tango_score(b, c, n, d) - z, -1.0 + 1e-15, est, xtol=1e-14))


def tango_interval(b: int, c: int, n: int, *, level: float = 0.95, side: Side = "two-sided") -> Interval:
    """Tango (1998) score interval for Δ = (b − c)/n, the increase in failure rate.

    ``side="upper"`` is the one-sided interval [−1, U] at ``level`` (U solves Z(U) =
    −z_level); ``"two-sided"`` uses z_{(1+level)/2} on both sides. Bounds are found by
    Brent's method to 1e-14 (scipy.optimize.brentq). n = 0: estimate and bounds ``None``.
    Published values matched to their 3 decimals (tests): Tango's examples b = 0, c = 1,
    n = 44 at 90 % → [−0.096, 0.037] and b = 9, c = 3, n = 32 at 95 % → [−0.027, 0.390];
    Fagerland et al. (2014, Stat Med 33:2850) b = 1, c = 7, n = 21 → [−0.517, −0.026].
    """
    _check(b, c, n, level)
    if n == 0:
        return Interval(estimate=None, low=None, high=None, method=METHOD, level=level, side=side, n=0)
    z = float(_sp.norm.ppf(level if side != "two-sided" else (1.0 + level) / 2.0))
    low = -1.0 if side == "upper" else _bound(b, c, n, z, upper=False)
    high = 1.0 if side == "lower" else _bound(b, c, n, z, upper=True)
    return Interval(estimate=(b - c) / n, low=low, high=high, method=METHOD, level=level, side=side, n=n)


@dataclass(frozen=True, slots=True, kw_only=True)
class IncreaseBound:
    """The gate's evidence for one family: the one-sided upper bound on the failure-rate increase.

    ``upper`` is also the smallest margin this sample can demonstrate: the gate passes a
    family when ``upper < margin``. ``pairs_needed`` is the n at which ``margin`` would be
    demonstrable *assuming no discordant pairs* (b = c = 0), ``None`` without a margin.
    """

    b: int
    c: int
    n: int
    estimate: float | None
    upper: float | None
    level: float
    margin: float | None
    pairs_needed: int | None
    method: str = METHOD
    assumption: str = "pairs_needed assumes no discordant pairs (b = c = 0)"

    def to_dict(self) -> dict[str, Any]:
        return {"b": self.b, "c": self.c, "n": self.n, "estimate": self.estimate, "upper": self.upper,
                "demonstrable_margin": self.upper, "level": self.level, "margin": self.margin,
                "pairs_needed": self.pairs_needed, "method": self.method, "assumption": self.assumption}


def upper_bound_increase(b: int, c: int, n: int, *, alpha: float = 0.05) -> float | None:
    """One-sided (1 − α) Tango upper bound on the failure-rate increase; ``None`` for n = 0.

    This is also the smallest margin demonstrable at level α with these data. With b = c = 0
    it is z²/(n + z²): n = 1,000 at α = 0.05 → 0.00270.
    """
    return tango_interval(b, c, n, level=1.0 - alpha, side="upper").high


def demonstrable_margin(b: int, c: int, n: int, *, alpha: float = 0.05) -> float | None:
    """The smallest margin Δ these pairs demonstrate at level α: the one-sided upper bound itself.

    The gate passes a family with margin Δ exactly when Δ > this value. ``None`` for n = 0.
    """
    return upper_bound_increase(b, c, n, alpha=alpha)


def pairs_needed(margin: float, *, alpha: float = 0.05) -> int:
    """Smallest n whose upper bound with no discordant pairs (b = c = 0) is strictly below ``margin``.

    Assumption stated: the candidate and the baseline agree on every pair. The bound
    z²/(n + z²) decreases in n, so the closed-form n is checked and adjusted by a monotone
    search on the bound itself. Example: margin 0.01 at α = 0.05 → 268 pairs.
    """
    if not 0.0 < margin < 1.0:
        raise ValueError(f"margin must be in (0, 1), got {margin}")
    z2 = float(_sp.norm.ppf(1.0 - alpha)) ** 2
    n = max(1, math.floor(z2 * (1.0 - margin) / margin))

    def below(k: int) -> bool:
        bound = upper_bound_increase(0, 0, k, alpha=alpha)
        return bound is not None and bound < margin

    while not below(n):
        n += 1
    while n > 1 and below(n - 1):
        n -= 1
    return n


def increase_bound(b: int, c: int, n: int, *, alpha: float = 0.05, margin: float | None = None) -> IncreaseBound:
    """The gate's per-family record: estimate, one-sided upper bound, and the n a margin needs."""
    ci = tango_interval(b, c, n, level=1.0 - alpha, side="upper")
    needed = pairs_needed(margin, alpha=alpha) if margin is not None else None
    return IncreaseBound(b=b, c=c, n=n, estimate=ci.estimate, upper=ci.high, level=1.0 - alpha, margin=margin,
                         pairs_needed=needed)
