"""Sim-to-real statistics of paired units: the STATS block per (metric, group) and per metric overall.

Input: one ``UnitValues`` per (metric, group, unit) — the unit's simulated repeats and its real
value. Every number comes from ``farm.stats_correlation`` / ``farm.stats_agreement`` /
``farm.stats_forecast``; this module only arranges them (rules, D53/D54/D100–D104):

- the unit's sim value is the **mean over its repeats** (the median is shown beside it); a
  never-closing TTC (+inf) in any repeat makes the mean +inf, and such units (or an infinite
  real value) are excluded from the correlations and Bland–Altman and counted (``n_excluded``);
- **realism** (metrics with bins): per unit the WOSAC histogram likelihood of the real value
  under its repeats, values clipped to the outer edges (so +inf lands in the last bin); per
  metric the arithmetic mean of p (WOSAC) and the geometric mean; the CRPS of the repeats
  against the real value (empirical-ensemble energy form, over the same clipped values);
- **pass/fail** (verdict metrics of the bins file, values 0/1): the unit's simulated verdict is
  failed when at least half its repeats failed (a tie fails), against the real verdict: 2×2
  table, Cohen's κ, exact two-sided McNemar, and the Brier score of the failed fraction;
- **rank inversions**: the unit pairs MMRV counts, largest real gap first (overall only).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median
from typing import Any

import numpy as np

from farm.identity import content_hash
from farm.reports.sim2real_bins import BinsFile, MetricBins
from farm.stats_agreement import rank_inversions
from farm.stats_correlation import correlation_block
from farm.stats_forecast import (
    brier_score,
    crps_ensemble,
    majority_failed,
    pass_fail_agreement,
    realism_likelihood,
    realism_summary,
)

MAJORITY_RULE = "failed when at least half of the repeats failed (a tie fails)"
CRPS_ESTIMATOR = "empirical ensemble, energy form: mean|x_i - y| - sum|x_i - x_j| / (2 K^2), values clipped to the bins"
INVERSIONS_SHOWN = 50


@dataclass(frozen=True, slots=True, kw_only=True)
class UnitValues:
    """One unit of one metric: its simulated repeats (``+inf`` allowed, never NaN) and its real value.

    ``real_file`` is the runs file's own measurement when ``real`` was computed from the
    run's trajectories (both are shown; ``real`` is the one analysed).
    """

    metric: str
    group: str
    unit: str
    sim: tuple[float, ...]
    real: float
    real_file: float | None = None
    real_runs: tuple[str, ...] = ()  # the real runs of the unit (several when they share a scenario_key)

    @property
    def sim_mean(self) -> float:
        return float(np.mean(self.sim))

    @property
    def sim_median(self) -> float:
        return float(median(self.sim))


@dataclass(frozen=True, slots=True, kw_only=True)
class MetricAnalysis:
    """Everything computed for one metric: STATS overall and per group, the units, the inversions."""

    metric: str
    overall: dict[str, Any]
    groups: dict[str, dict[str, Any]]
    units: list[dict[str, Any]]
    inversions: list[dict[str, Any]]


def analyse(values: Sequence[UnitValues], bins: BinsFile, *, level: float = 0.95) -> list[MetricAnalysis]:
    """Every metric's analysis, metrics in the bins file's order then by name; units by (group, unit)."""
    by_metric: dict[str, list[UnitValues]] = {}
    for v in values:
        by_metric.setdefault(v.metric, []).append(v)
    order = [m for m in bins.metrics if m in by_metric] + sorted(m for m in by_metric if m not in bins.metrics)
    return [_metric(m, sorted(by_metric[m], key=lambda u: (u.group, u.unit)), bins.get(m), level) for m in order]


def meta_score(analyses: Sequence[MetricAnalysis], bins: BinsFile) -> dict[str, Any]:
    """Weighted mean of the per-metric realism means (weights from the bins file, renormalised to those present)."""
    used = {a.metric: (bins.metrics[a.metric].weight, a.overall["realism"]["mean"]) for a in analyses
            if "realism" in a.overall and a.overall["realism"]["mean"] is not None and a.metric in bins.metrics
            and bins.metrics[a.metric].weight > 0}
    total = sum(w for w, _ in used.values())
    score = sum(w * p for w, p in used.values()) / total if total > 0 else None
    return {"score": score, "weights": {m: w / total for m, (w, _) in used.items()} if total > 0 else {},
            "bins_file": bins.path}


def _metric(metric: str, units: list[UnitValues], spec: MetricBins | None, level: float) -> MetricAnalysis:
    groups = sorted({u.group for u in units} - {""})  # "": no group (a pairs file without a group column)
    per_unit = _unit_scores(units, spec)
    overall = _stats(metric, "overall", units, per_unit, spec, level)
    by_group = {g: _stats(metric, g, [u for u in units if u.group == g],
                          {k: s for k, s in per_unit.items() if k[0] == g}, spec, level) for g in groups}
    rows = []
    for u in units:
        scores = per_unit[(u.group, u.unit)]
        rows.append({"group": u.group, "unit": u.unit, "repeats": len(u.sim), "sim_mean": u.sim_mean,
                     "sim_median": u.sim_median, "sim_min": min(u.sim), "sim_max": max(u.sim), "real": u.real,
                     "real_file": u.real_file, "real_runs": list(u.real_runs), **scores})
    return MetricAnalysis(metric=metric, overall=overall, groups=by_group, units=rows,
                          inversions=_inversions(units))


def _unit_scores(units: list[UnitValues], spec: MetricBins | None) -> dict[tuple[str, str], dict[str, Any]]:
    """(group, unit) -> its likelihood and CRPS (metrics with bins), its simulated verdict (verdict metrics)."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for u in units:
        scores: dict[str, Any] = {}
        if spec is not None:
            lo, hi = spec.edges[0], spec.edges[-1]
            scores["likelihood"] = realism_likelihood(u.sim, u.real, spec.edges)
            scores["crps"] = crps_ensemble(np.clip(u.sim, lo, hi), float(np.clip(u.real, lo, hi)))
        if spec is not None and spec.is_verdict:
            failed = sum(1 for x in u.sim if x == spec.failure_value)
            scores["sim_failed_fraction"] = failed / len(u.sim)
            scores["sim_failed"] = majority_failed(failed, len(u.sim))
            scores["real_failed"] = u.real == spec.failure_value
        out[(u.group, u.unit)] = scores
    return out


def _stats(metric: str, group: str, units: list[UnitValues], scores: dict[tuple[str, str], dict[str, Any]],
           spec: MetricBins | None, level: float) -> dict[str, Any]:
    """The STATS block of one (metric, group): correlation block, plus realism / passfail where they apply."""
    seed = int(content_hash(["sim2real-bootstrap", metric, group], n_hex=8), 16)
    block = correlation_block([u.sim_mean for u in units], [u.real for u in units], seed=seed, level=level)
    stats = block.to_dict()
    if spec is not None:
        likelihoods = [s["likelihood"] for s in scores.values() if s["likelihood"] is not None]
        crps = [s["crps"] for s in scores.values() if s["crps"] is not None]
        repeats = [len(u.sim) for u in units]
        stats["realism"] = {**realism_summary(likelihoods).to_dict(),
                            "crps": float(np.mean(crps)) if crps else None, "crps_estimator": CRPS_ESTIMATOR,
                            "bins": len(spec.edges) - 1, "repeats_min": min(repeats), "repeats_max": max(repeats)}
    if spec is not None and spec.is_verdict:
        sim_failed = [bool(s["sim_failed"]) for s in scores.values()]
        real_failed = [bool(s["real_failed"]) for s in scores.values()]
        passfail = pass_fail_agreement(sim_failed, real_failed).to_dict()
        passfail["brier"] = brier_score([s["sim_failed_fraction"] for s in scores.values()], real_failed)
        passfail["rule"] = MAJORITY_RULE
        passfail["failure_value"] = spec.failure_value
        stats["passfail"] = passfail
    return stats


def _inversions(units: list[UnitValues]) -> list[dict[str, Any]]:
    """Unit pairs ordered differently in sim and real (finite pairs only), largest real gap first."""
    finite = [u for u in units if np.isfinite(u.sim_mean) and np.isfinite(u.real)]
    found = rank_inversions([u.sim_mean for u in finite], [u.real for u in finite], limit=INVERSIONS_SHOWN)
    return [{"unit_a": finite[x.i].unit, "group_a": finite[x.i].group, "unit_b": finite[x.j].unit,
             "group_b": finite[x.j].group, "real_a": finite[x.i].real, "real_b": finite[x.j].real,
             "sim_a": finite[x.i].sim_mean, "sim_b": finite[x.j].sim_mean, "real_gap": x.gap, "sim_gap": x.sim_gap}
            for x in found]
