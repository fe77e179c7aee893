"""Sim-to-real correlation of a continuous metric over paired units, and the report's STATS block.

A contract-level module (pure numpy/scipy, no I/O), read by ``simfarm sim2real`` and
``simfarm report sim2real``. Same input rules as ``farm.stats_agreement``: paired per
unit, finite values only (:func:`correlation_block` drops the non-finite pairs itself and
reports how many), ``None`` wherever a value is undefined.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats as _sp

from farm.stats import finite_or_none
from farm.stats_agreement import BlandAltman, bland_altman, lin_ccc, mmrv, pair, varies

BOOTSTRAP_MIN_N = 8  # below this a resampled correlation mostly measures which units were drawn
BOOTSTRAP_RESAMPLES = 2000


def fisher_z_interval(r: float, n: int, *, level: float = 0.95) -> tuple[float, float] | None:
    """Fisher-z interval for a Pearson r: tanh(atanh(r) ± z/sqrt(n − 3)). ``None`` for n <= 3 or |r| = 1.

    Equals ``scipy.stats.pearsonr(...).confidence_interval()`` (tested). Kadian et al.'s
    sim-vs-real r = 0.844 over n = 9 → [0.41, 0.97] at 95 %.
    """
    if n <= 3 or not -1.0 < r < 1.0:
        return None
    half = float(_sp.norm.ppf((1.0 + level) / 2.0)) / np.sqrt(n - 3)
    zr = float(np.arctanh(r))
    return float(np.tanh(zr - half)), float(np.tanh(zr + half))


def _pearson_along(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], axis: int = -1) -> Any:
    xc = x - x.mean(axis=axis, keepdims=True)
    yc = y - y.mean(axis=axis, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (xc * yc).sum(axis=axis) / np.sqrt((xc * xc).sum(axis=axis) * (yc * yc).sum(axis=axis))


def bootstrap_pearson_interval(sim: npt.ArrayLike, real: npt.ArrayLike, *, seed: int, level: float = 0.95,
                               n_resamples: int = BOOTSTRAP_RESAMPLES) -> tuple[float, float] | None:
    """Paired BCa bootstrap interval for Pearson r: ``scipy.stats.bootstrap(paired=True, method="BCa")``.

    Units are resampled with their pairs kept together, ``n_resamples`` (>= 2,000) times from
    ``numpy.random.default_rng(seed)``. ``None`` when n < ``BOOTSTRAP_MIN_N`` (8), when
    either side is constant, or when the interval is degenerate (NaN, e.g. too many
    resamples with a constant side).
    """
    s, r = pair(sim, real)
    if n_resamples < 2000:
        raise ValueError(f"use at least 2,000 bootstrap resamples, got {n_resamples}")
    if s.size < BOOTSTRAP_MIN_N or not (varies(s) and varies(r)):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy's degenerate-data warning: reported as None below
        res = _sp.bootstrap((s, r), _pearson_along, paired=True, vectorized=True, method="BCa",
                            n_resamples=n_resamples, confidence_level=level, rng=np.random.default_rng(seed))
    low, high = finite_or_none(res.confidence_interval.low), finite_or_none(res.confidence_interval.high)
    return None if low is None or high is None else (low, high)


def pearson(sim: npt.ArrayLike, real: npt.ArrayLike) -> float | None:
    """Pearson r (``scipy.stats.pearsonr``); ``None`` for n < 2 or a constant side."""
    s, r = pair(sim, real)
    if not (varies(s) and varies(r)):
        return None
    return finite_or_none(_sp.pearsonr(s, r).statistic)


def spearman(sim: npt.ArrayLike, real: npt.ArrayLike) -> float | None:
    """Spearman ρ (``scipy.stats.spearmanr``, mid-ranks for ties); ``None`` for n < 2 or a constant side."""
    s, r = pair(sim, real)
    if not (varies(s) and varies(r)):
        return None
    return finite_or_none(_sp.spearmanr(s, r).statistic)


def kendall(sim: npt.ArrayLike, real: npt.ArrayLike) -> float | None:
    """Kendall τ-b (``scipy.stats.kendalltau(variant="b")``, tie-corrected); ``None`` for n < 2 or a constant side."""
    s, r = pair(sim, real)
    if not (varies(s) and varies(r)):
        return None
    return finite_or_none(_sp.kendalltau(s, r, variant="b").statistic)


def real_on_sim(sim: npt.ArrayLike, real: npt.ArrayLike) -> tuple[float, float] | None:
    """OLS slope and intercept of real on sim (``scipy.stats.linregress(x=sim, y=real)``).

    A calibrated simulator has slope 1 and intercept 0 (in the metric's unit). ``None`` for
    n < 2 or a constant sim side.
    """
    s, r = pair(sim, real)
    if not varies(s):
        return None
    fit = _sp.linregress(s, r)
    return float(fit.slope), float(fit.intercept)


def wasserstein(sim: npt.ArrayLike, real: npt.ArrayLike) -> float | None:
    """Wasserstein-1 distance between the sim and the real values as two samples, in the metric's unit.

    ``scipy.stats.wasserstein_distance``; it ignores the pairing (it compares the two
    distributions). ``None`` for n = 0.
    """
    s, r = pair(sim, real)
    return float(_sp.wasserstein_distance(s, r)) if s.size else None


@dataclass(frozen=True, slots=True, kw_only=True)
class CorrelationBlock:
    """The sim2real report's STATS for one (metric, group): see :func:`correlation_block`."""

    n: int
    n_excluded: int
    pearson: float | None
    ci_fisher: tuple[float, float] | None
    ci_bootstrap: tuple[float, float] | None
    spearman: float | None
    kendall: float | None
    mmrv: float | None
    bland_altman: BlandAltman
    ccc: float | None
    slope: float | None
    intercept: float | None
    wasserstein: float | None

    def to_dict(self) -> dict[str, Any]:
        """The STATS shape of the sim2real JSON (issue 14); intervals are [low, high] or ``None``."""
        def pair_or_none(ci: tuple[float, float] | None) -> list[float] | None:
            return None if ci is None else [ci[0], ci[1]]
        return {"n": self.n, "n_excluded": self.n_excluded,
                "pearson": {"value": self.pearson, "ci_fisher": pair_or_none(self.ci_fisher),
                            "ci_bootstrap": pair_or_none(self.ci_bootstrap)},
                "spearman": {"value": self.spearman}, "kendall": {"value": self.kendall}, "mmrv": self.mmrv,
                "bland_altman": self.bland_altman.to_dict(), "ccc": self.ccc, "slope": self.slope,
                "intercept": self.intercept, "wasserstein": self.wasserstein}


def correlation_block(sim: npt.ArrayLike, real: npt.ArrayLike, *, seed: int, level: float = 0.95,
                      n_resamples: int = BOOTSTRAP_RESAMPLES) -> CorrelationBlock:
    """Every sim-vs-real statistic of one metric over its units, at ``level`` (95 %).

    Pairs where either value is not finite (a TTC that never closes, a missing metric) are
    dropped first and counted in ``n_excluded``; ``n`` is the pairs used. ``seed`` drives
    the bootstrap only. Each entry is ``None`` where its own function says it is undefined.
    """
    s_all = np.asarray(sim, dtype=np.float64).ravel()
    r_all = np.asarray(real, dtype=np.float64).ravel()
    if s_all.shape != r_all.shape:
        raise ValueError(f"sim and real differ in length: {s_all.size} vs {r_all.size}")
    keep = np.isfinite(s_all) & np.isfinite(r_all)
    s, r = s_all[keep], r_all[keep]
    r_value = pearson(s, r)
    fit = real_on_sim(s, r)
    return CorrelationBlock(
        n=int(s.size), n_excluded=int((~keep).sum()), pearson=r_value,
        ci_fisher=None if r_value is None else fisher_z_interval(r_value, int(s.size), level=level),
        ci_bootstrap=bootstrap_pearson_interval(s, r, seed=seed, level=level, n_resamples=n_resamples),
        spearman=spearman(s, r), kendall=kendall(s, r), mmrv=mmrv(s, r), bland_altman=bland_altman(s, r, level=level),
        ccc=lin_ccc(s, r), slope=None if fit is None else fit[0], intercept=None if fit is None else fit[1],
        wasserstein=wasserstein(s, r))
