"""Sim-to-real agreement of a continuous metric over paired units: ranking, bias, concordance.

A contract-level module (pure numpy/scipy, no I/O), read by ``simfarm sim2real`` and
``simfarm report sim2real``. Inputs are paired per unit (one real run, or one
``scenario_key``): ``sim[i]`` is the unit's simulated value (the mean over repeats),
``real[i]`` its real value. Every function here refuses non-finite values
(``ValueError``): the caller excludes never-closing TTC and says how many
(``farm.stats_correlation.correlation_block`` does so itself and reports the count). Undefined results (n
too small, zero variance) are ``None``, never NaN.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats as _sp

Pair = tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]


def pair(sim: npt.ArrayLike, real: npt.ArrayLike) -> Pair:
    """The two samples as equal-length finite float arrays; ``ValueError`` otherwise."""
    s = np.asarray(sim, dtype=np.float64).ravel()
    r = np.asarray(real, dtype=np.float64).ravel()
    if s.shape != r.shape:
        raise ValueError(f"sim and real differ in length: {s.size} vs {r.size}")
    if not (np.all(np.isfinite(s)) and np.all(np.isfinite(r))):
        raise ValueError("sim and real must be finite (exclude never-closing TTC first and count it)")
    return s, r


def varies(x: npt.NDArray[np.float64]) -> bool:
    """At least two values, not all equal."""
    return x.size >= 2 and bool(np.ptp(x) > 0)


def mmrv(sim: npt.ArrayLike, real: npt.ArrayLike) -> float | None:
    """Mean maximum rank violation, exactly as SIMPLER defines it (Li et al. 2024, arXiv:2405.05941).

    RankViolation(i, j) = |real_i − real_j| · 1[(sim_i < sim_j) ≠ (real_i < real_j)] and
    MMRV = (1/N) Σ_i max_j RankViolation(i, j), comparisons strict: a tie in sim against a
    strict order in real is a violation; a tie in real weighs 0. In the metric's unit.
    Identical orders → 0; real [0.1, 0.2, 0.3] vs sim [0.2, 0.1, 0.3] → 0.0667. ``None``
    for n = 0. O(n²) in row blocks (n is the number of real runs).
    """
    s, r = pair(sim, real)
    if s.size == 0:
        return None
    worst = np.zeros(s.size)
    for start in range(0, s.size, 512):
        rows = slice(start, start + 512)
        differ = (s[rows, None] < s[None, :]) != (r[rows, None] < r[None, :])
        worst[rows] = np.where(differ, np.abs(r[rows, None] - r[None, :]), 0.0).max(axis=1)
    return float(worst.mean())


@dataclass(frozen=True, slots=True, kw_only=True)
class Inversion:
    """Units i and j ordered differently in sim and real; ``gap`` = |real_i − real_j|, the violation's weight."""

    i: int
    j: int
    gap: float
    sim_gap: float

    def to_dict(self) -> dict[str, Any]:
        return {"i": self.i, "j": self.j, "gap": self.gap, "sim_gap": self.sim_gap}


def rank_inversions(sim: npt.ArrayLike, real: npt.ArrayLike, *, limit: int | None = 50) -> tuple[Inversion, ...]:
    """Unit pairs (i < j) that MMRV counts as violations, largest real gap first (then largest sim gap).

    Same strict rule as :func:`mmrv`: the strict orders differ and the real values differ
    (a tie in real carries no weight). Indices are positions in the inputs. ``limit``
    caps the list (``None``: all pairs).
    """
    s, r = pair(sim, real)
    i, j = np.triu_indices(s.size, k=1)
    sign_s, sign_r = np.sign(s[i] - s[j]), np.sign(r[i] - r[j])
    keep = (sign_s != sign_r) & (sign_r != 0)
    i, j = i[keep], j[keep]
    gap, sim_gap = np.abs(r[i] - r[j]), np.abs(s[i] - s[j])
    order = np.lexsort((j, i, -sim_gap, -gap))[:limit]
    return tuple(Inversion(i=int(i[k]), j=int(j[k]), gap=float(gap[k]), sim_gap=float(sim_gap[k])) for k in order)


@dataclass(frozen=True, slots=True, kw_only=True)
class BlandAltman:
    """Bias (mean of sim − real) and 95 % limits of agreement bias ± 1.96·SD (SD with ddof = 1)."""

    n: int
    bias: float | None
    sd: float | None
    loa_low: float | None
    loa_high: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"bias": self.bias, "loa_low": self.loa_low, "loa_high": self.loa_high}


def bland_altman(sim: npt.ArrayLike, real: npt.ArrayLike, *, level: float = 0.95) -> BlandAltman:
    """Bland & Altman (1986, Lancet i:307–310) on d = sim − real; z = Φ⁻¹((1 + level)/2) (1.95996 at 95 %).

    n = 0: all ``None``; n = 1: the bias only (no SD).
    """
    s, r = pair(sim, real)
    d = s - r
    if d.size == 0:
        return BlandAltman(n=0, bias=None, sd=None, loa_low=None, loa_high=None)
    bias = float(d.mean())
    if d.size < 2:
        return BlandAltman(n=1, bias=bias, sd=None, loa_low=None, loa_high=None)
    sd = float(d.std(ddof=1))
    half = float(_sp.norm.ppf((1.0 + level) / 2.0)) * sd
    return BlandAltman(n=int(d.size), bias=bias, sd=sd, loa_low=bias - half, loa_high=bias + half)


def lin_ccc(sim: npt.ArrayLike, real: npt.ArrayLike) -> float | None:
    """Lin's (1989, Biometrics 45:255–268) concordance: 2·s_xy / (s_x² + s_y² + (x̄ − ȳ)²), population moments.

    ``None`` for n < 2 or when the denominator is 0 (both sides one and the same constant).
    """
    s, r = pair(sim, real)
    if s.size < 2:
        return None
    sxy = float(np.mean((s - s.mean()) * (r - r.mean())))
    denom = float(s.var() + r.var() + (s.mean() - r.mean()) ** 2)
    return None if denom == 0.0 else 2.0 * sxy / denom
