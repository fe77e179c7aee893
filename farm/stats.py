"""Statistics for reports, gates, trends and sim-to-real: pure numpy/scipy, no I/O.

A contract-level module (docs/architecture.md, "Layers"): every report that prints an
interval or a p-value gets it from here, so one method, level and n-rule holds
everywhere. Each function states its method, its confidence level and what it returns
for n = 0. scipy is used wherever it has the method; anything hand-written has a test
against a published or hand-computed value (tests/farm/test_stats.py).

Results are plain dataclasses whose ``to_dict`` is strict-JSON-ready (``None`` for an
undefined value, never NaN): reports put them into their JSON unchanged.

Sibling contract modules, same rules: ``farm.stats_paired`` (the gate's paired
failure-rate bound), ``farm.stats_shift`` (signed-rank test and Hodges–Lehmann shift of a
paired metric), ``farm.stats_walsh`` (their O(n log n) engine), ``farm.stats_agreement``
(sim-vs-real correlation and agreement) and ``farm.stats_forecast`` (pass/fail agreement
and ensemble scores: realism likelihood, CRPS, Brier).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from scipy import stats as _sp

Side = Literal["two-sided", "upper", "lower"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Interval:
    """A confidence interval for a proportion (or a shift): the estimate, bounds, and how it was made.

    ``low``/``high`` are ``None`` when undefined (n = 0). A one-sided interval has the
    open side at the parameter's natural limit (0 or 1 for a proportion).
    """

    estimate: float | None
    low: float | None
    high: float | None
    method: str
    level: float
    side: Side
    n: int

    def to_dict(self) -> dict[str, Any]:
        return {"estimate": self.estimate, "low": self.low, "high": self.high, "method": self.method,
                "level": self.level, "side": self.side, "n": self.n}


def _check_counts(k: int, n: int) -> None:
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")


def _check_level(level: float) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError(f"confidence level must be in (0, 1), got {level}")


def _binom_ci(k: int, n: int, level: float, side: Side, method: str, label: str) -> Interval:
    _check_counts(k, n)
    _check_level(level)
    if n == 0:
        return Interval(estimate=None, low=None, high=None, method=label, level=level, side=side, n=0)
    alternative = {"two-sided": "two-sided", "upper": "less", "lower": "greater"}[side]
    ci = _sp.binomtest(k, n, alternative=alternative).proportion_ci(confidence_level=level, method=method)
    return Interval(estimate=k / n, low=float(ci.low), high=float(ci.high), method=label, level=level,
                    side=side, n=n)


def wilson(k: int, n: int, *, level: float = 0.95, side: Side = "two-sided") -> Interval:
    """Wilson score interval for a binomial proportion k/n (no continuity correction).

    Method: ``scipy.stats.binomtest(...).proportion_ci(method="wilson")``. ``side="upper"``
    gives the one-sided interval [0, U] at ``level``, ``"lower"`` gives [L, 1]. n = 0: the
    estimate and both bounds are ``None`` (nothing was measured). Example: 95 of 100 →
    [0.888, 0.978] at 95 %.
    """
    return _binom_ci(k, n, level, side, "wilson", "wilson")


def clopper_pearson(k: int, n: int, *, level: float = 0.95, side: Side = "two-sided") -> Interval:
    """Clopper–Pearson ("exact") interval for k/n: conservative, coverage ≥ level for every p.

    Method: ``scipy.stats.binomtest(...).proportion_ci(method="exact")``. The one-sided upper
    bound for 0 failures in n runs is 1 − (1 − level)^(1/n) (≈ 3/n, the rule of three: 0 of 299
    → 0.0100 at 95 %). n = 0: ``None`` bounds.
    """
    return _binom_ci(k, n, level, side, "exact", "clopper-pearson")


@dataclass(frozen=True, slots=True, kw_only=True)
class McNemar:
    """Exact McNemar test on the discordant pairs of a paired 2×2 table.

    ``b`` = pairs that fail on the candidate side only (newly failing), ``c`` = pairs that
    pass on the candidate side only (newly passing). Under H0 b ~ Binomial(b + c, 1/2).
    """

    b: int
    c: int
    p_value: float | None
    alternative: str
    method: str = "exact-mcnemar (binomial test on discordant pairs)"

    def to_dict(self) -> dict[str, Any]:
        return {"b": self.b, "c": self.c, "p_value": self.p_value, "alternative": self.alternative,
                "method": self.method}


def mcnemar_exact(b: int, c: int, *, alternative: Literal["two-sided", "greater"] = "two-sided") -> McNemar:
    """Exact McNemar: ``scipy.stats.binomtest(b, b + c, 0.5)``.

    ``alternative="greater"`` is the one-sided test for a regression (H1: newly failing
    pairs are more likely than newly passing ones, P(b) > 1/2). b = c = 0 (no discordant
    pair): p = 1.0 — no evidence of any difference. Example: b = 3, c = 15, two-sided →
    p ≈ 0.0075.
    """
    if b < 0 or c < 0:
        raise ValueError(f"discordant counts must be >= 0, got b={b}, c={c}")
    if b + c == 0:
        return McNemar(b=b, c=c, p_value=1.0, alternative=alternative)
    p = float(_sp.binomtest(b, b + c, 0.5, alternative=alternative).pvalue)
    return McNemar(b=b, c=c, p_value=min(1.0, p), alternative=alternative)


@dataclass(frozen=True, slots=True, kw_only=True)
class Holm:
    """Holm step-down adjusted p-values for a family of tests, in the order given."""

    p_values: tuple[float, ...]
    adjusted: tuple[float, ...]
    reject: tuple[bool, ...]
    alpha: float
    method: str = "holm (1979) step-down, family-wise error rate"

    def to_dict(self) -> dict[str, Any]:
        return {"p_values": list(self.p_values), "adjusted": list(self.adjusted), "reject": list(self.reject),
                "alpha": self.alpha, "method": self.method}


def holm(p_values: Sequence[float], *, alpha: float = 0.05) -> Holm:
    """Holm (1979, Scand J Statist 6:65–70) adjustment, controlling the family-wise error rate at α.

    Hand-written (scipy has only Benjamini–Hochberg/Yekutieli): with p sorted ascending,
    adjusted p_(i) = max over j <= i of min(1, (m − j + 1)·p_(j)); a hypothesis is rejected
    when its adjusted p <= α. Ties keep their input order. An empty family gives empty
    tuples. Example: [0.01, 0.04, 0.03, 0.005] → [0.03, 0.06, 0.06, 0.02].
    """
    _check_level(alpha)
    ps = [float(p) for p in p_values]
    if any(not 0.0 <= p <= 1.0 for p in ps):
        raise ValueError(f"p-values must lie in [0, 1], got {ps}")
    m = len(ps)
    order = sorted(range(m), key=lambda i: ps[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * ps[i]))
        adjusted[i] = running
    return Holm(p_values=tuple(ps), adjusted=tuple(adjusted), reject=tuple(a <= alpha for a in adjusted),
                alpha=alpha)


def finite_or_none(value: float | None) -> float | None:
    """``value`` as a Python float, or ``None`` when it is missing, NaN or infinite (strict JSON)."""
    if value is None:
        return None
    out = float(value)
    return out if math.isfinite(out) else None
