"""Sim-to-real for verdicts and ensembles: pass/fail agreement, realism likelihood, CRPS, Brier.

A contract-level module (pure numpy/scipy, no I/O), read by the sim2real reports. A unit
is one real run; its simulation is an ensemble of K repeats with different seeds. A
"failure" is a failed verdict (``True`` = failed), counted by the caller through
``farm.result``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from farm.stats import McNemar, mcnemar_exact

REALISM_PSEUDOCOUNT = 0.1  # WOSAC's smoothing: every bin holds 0.1 of a sample before counting


def majority_failed(n_failed: int, n_repeats: int) -> bool | None:
    """The unit's simulated verdict by majority of its repeats: failed when at least half failed.

    A tie (K even, exactly K/2 failed) counts as failed: a simulator that fails half the
    time has not shown the unit to be safe. ``None`` for K = 0.
    """
    if not 0 <= n_failed <= n_repeats:
        raise ValueError(f"need 0 <= failed <= repeats, got {n_failed} of {n_repeats}")
    return None if n_repeats == 0 else 2 * n_failed >= n_repeats


@dataclass(frozen=True, slots=True, kw_only=True)
class PassFail:
    """2×2 agreement of simulated and real verdicts over units, Cohen's κ and exact McNemar.

    ``kappa`` is ``None`` for n = 0 or when chance agreement is 1 (both sides give one and
    the same verdict to every unit). McNemar is two-sided on the discordant cells
    (sim-only failures vs real-only failures): does the simulator fail more or less often
    than reality?
    """

    both_failed: int
    sim_only_failed: int
    real_only_failed: int
    both_passed: int
    agreement: float | None
    kappa: float | None
    mcnemar: McNemar

    @property
    def n(self) -> int:
        return self.both_failed + self.sim_only_failed + self.real_only_failed + self.both_passed

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "table": {"both_failed": self.both_failed, "sim_only_failed": self.sim_only_failed,
                                       "real_only_failed": self.real_only_failed, "both_passed": self.both_passed},
                "agreement": self.agreement, "kappa": self.kappa, "mcnemar": self.mcnemar.to_dict()}


def pass_fail_agreement(sim_failed: Sequence[bool], real_failed: Sequence[bool]) -> PassFail:
    """Cohen's (1960) κ = (p_o − p_e)/(1 − p_e), p_e from the two margins; exact McNemar via ``farm.stats``."""
    if len(sim_failed) != len(real_failed):
        raise ValueError(f"sim and real verdicts differ in length: {len(sim_failed)} vs {len(real_failed)}")
    s = np.asarray(sim_failed, dtype=bool)
    r = np.asarray(real_failed, dtype=bool)
    ff, fp, pf, pp = (int(np.sum(s & r)), int(np.sum(s & ~r)), int(np.sum(~s & r)), int(np.sum(~s & ~r)))
    n = s.size
    agreement = kappa = None
    if n:
        agreement = (ff + pp) / n
        chance = (s.mean() * r.mean()) + ((1 - s.mean()) * (1 - r.mean()))
        kappa = None if chance >= 1.0 else float((agreement - chance) / (1.0 - chance))
    return PassFail(both_failed=ff, sim_only_failed=fp, real_only_failed=pf, both_passed=pp, agreement=agreement,
                    kappa=kappa, mcnemar=mcnemar_exact(fp, pf))


def _edges(bin_edges: Sequence[float]) -> npt.NDArray[np.float64]:
    e = np.asarray(bin_edges, dtype=np.float64)
    if e.ndim != 1 or e.size < 2 or not np.all(np.isfinite(e)) or not np.all(np.diff(e) > 0):
        raise ValueError(f"bin edges must be >= 2 finite, strictly increasing values, got {list(bin_edges)}")
    return e


def realism_likelihood(sim_values: npt.ArrayLike, real_value: float, bin_edges: Sequence[float]) -> float | None:
    """Likelihood of the real value under the histogram of K simulated values, in the WOSAC manner.

    Waymo Open Sim Agents Challenge (Montali et al. 2023): the K values are binned over the
    declared edges (B = len(edges) − 1 bins, ``numpy.histogram`` rules: [e_i, e_i+1), the
    last bin closed), every value, the real one included, first clipped to the outer edges
    (so a never-closing TTC of +inf lands in the last bin), and p = (count in the real
    value's bin + 0.1) / (K + 0.1·B). Real 1.5 and 5.0 against sim [1.2, 1.4, 3.1, 9.0] with
    10 unit bins over [0, 10] → 0.42 and 0.02. ``None`` for K = 0. NaN values: ``ValueError``.
    """
    e = _edges(bin_edges)
    sim = np.asarray(sim_values, dtype=np.float64).ravel()
    if np.isnan(sim).any() or math.isnan(real_value):
        raise ValueError("realism likelihood needs values, not NaN")
    if sim.size == 0:
        return None
    counts, _ = np.histogram(np.clip(sim, e[0], e[-1]), bins=e)
    real_bin, _ = np.histogram([min(max(real_value, e[0]), e[-1])], bins=e)
    count = int(counts[int(np.argmax(real_bin))])
    return (count + REALISM_PSEUDOCOUNT) / (sim.size + REALISM_PSEUDOCOUNT * (e.size - 1))


@dataclass(frozen=True, slots=True, kw_only=True)
class Realism:
    """Per-metric realism over units: WOSAC's arithmetic mean of p, and the geometric mean beside it."""

    n: int
    mean: float | None
    geometric_mean: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "mean": self.mean, "geometric_mean": self.geometric_mean}


def realism_summary(likelihoods: Sequence[float]) -> Realism:
    """Arithmetic and geometric means of per-unit likelihoods (each in (0, 1]); ``None`` for n = 0.

    [0.42, 0.02] → mean 0.22, geometric mean 0.0917. The geometric mean punishes a single
    unit the simulation never produces; the arithmetic mean is WOSAC's aggregate.
    """
    p = np.asarray(likelihoods, dtype=np.float64)
    if p.size and not np.all((p > 0) & (p <= 1)):
        raise ValueError("likelihoods must lie in (0, 1]")
    if p.size == 0:
        return Realism(n=0, mean=None, geometric_mean=None)
    return Realism(n=int(p.size), mean=float(p.mean()), geometric_mean=float(np.exp(np.log(p).mean())))


def crps_ensemble(ensemble: npt.ArrayLike, observed: float, *, fair: bool = False) -> float | None:
    """CRPS of an ensemble against one observation, in the metric's unit (lower is better).

    Estimator (default): the energy form of the ensemble's empirical distribution,
    CRPS = (1/K) Σ|x_i − y| − (1/(2K²)) Σ_i Σ_j |x_i − x_j|, exactly ∫(F_K(t) − 1{t >= y})² dt
    (Gneiting & Raftery 2007, JASA 102:359). ``fair=True``: the unbiased "fair" form with
    1/(2K(K − 1)) (Ferro 2014), for comparing ensembles of different K. The double sum is
    taken over the sorted ensemble in O(K log K). Example: [1, 2, 4] against 3 → 2/3
    (fair: 1/3). ``None`` for K = 0 (and K = 1 when fair); non-finite values: ``ValueError``.
    """
    x = np.sort(np.asarray(ensemble, dtype=np.float64).ravel())
    if not (np.all(np.isfinite(x)) and math.isfinite(observed)):
        raise ValueError("CRPS needs finite ensemble values and observation")
    k = x.size
    if k == 0 or (fair and k == 1):
        return None
    spread = 2.0 * float(np.sum((2.0 * np.arange(1, k + 1) - k - 1) * x))  # Σ_i Σ_j |x_i − x_j|
    return float(np.mean(np.abs(x - observed)) - spread / (2.0 * k * (k - 1 if fair else k)))


def brier_score(failure_probability: npt.ArrayLike, real_failed: Sequence[bool]) -> float | None:
    """Brier (1950) score: mean over units of (p − o)², p the simulated failure fraction, o = 1 if real failed.

    0 is perfect, 0.25 is a constant 0.5 forecast. Example: p = [0.75, 0.25, 0.5] against
    [failed, passed, passed] → 0.125. ``None`` for n = 0.
    """
    p = np.asarray(failure_probability, dtype=np.float64).ravel()
    o = np.asarray(real_failed, dtype=bool).ravel().astype(np.float64)
    if p.shape != o.shape:
        raise ValueError(f"probabilities and outcomes differ in length: {p.size} vs {o.size}")
    if not np.all((p >= 0) & (p <= 1)):
        raise ValueError("failure probabilities must lie in [0, 1]")
    return float(np.mean((p - o) ** 2)) if p.size else None
