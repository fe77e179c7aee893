"""The paired statistics of a comparison: per family, per ODD slice, mitigation and continuous metrics.

Which pairs count (through ``farm.result.STATUS_TABLE``, never a status list of its own):
a pair counts when its status counts on both sides (``passed``, ``failed``, ``stack_error``,
``timeout``; the last three are failures on either side); a ``sim_error`` on either side
excludes the pair; an ``infra_error`` on either side makes the comparison incomplete. A
counted pair is in the *verdict* when the baseline's ``preventable`` is true or null (no
rule), in *mitigation* when it is false (preventability depends on the scenario only, so
both sides agree; disagreements are counted). Waived scenarios are left out of every count.

For each group: n pairs, both sides' ``Counts`` (``counts_from_mapping``), b (newly failing:
passes on the baseline, fails on the candidate) and c (newly passing); the exact McNemar
test one-sided for a regression (H1: P(b) > 1/2, ``farm.stats.mcnemar_exact``) and the
one-sided (1 − α) Tango upper bound on the failure-rate increase (``farm.stats_paired``).

Continuous metrics: the candidate − baseline difference per pair, with the paired Wilcoxon
signed-rank test (Pratt zeros, ``farm.stats_shift``) and the Hodges–Lehmann shift with its
95 % interval, both on values rounded to the metric's resolution (``METRICS``, D92), so
unchanged runs are exact zeros and the shift costs O(m log m) in the m distinct differences.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from farm.reports.compare_pairs import IMPACT, METRICS, STATUSES, Pairs
from farm.result import STATUS_TABLE, Counts, Status, counts_from_mapping
from farm.stats import mcnemar_exact
from farm.stats_paired import increase_bound
from farm.stats_shift import hodges_lehmann, wilcoxon_signed_rank

_FAILURE = np.array([STATUS_TABLE[Status(v)].failure for v in STATUSES] + [False], dtype=bool)
_COUNTS = np.array([STATUS_TABLE[Status(v)].counts for v in STATUSES] + [False], dtype=bool)
_INCOMPLETE = np.array([STATUS_TABLE[Status(v)].incomplete for v in STATUSES] + [False], dtype=bool)
SHIFT_LEVEL = 0.95


@dataclass(frozen=True, slots=True, kw_only=True)
class Classes:
    """Boolean masks over the pairs."""

    counted: np.ndarray       # both statuses count, not waived
    verdict: np.ndarray       # counted and preventable true/null on the baseline
    mitigation: np.ndarray    # counted and preventable false
    fail_b: np.ndarray
    fail_c: np.ndarray
    incomplete: np.ndarray    # infra_error on a side
    excluded: np.ndarray      # sim_error on a side (and not incomplete)
    waived: np.ndarray        # a scenario waiver applies
    preventable_disagree: int


def classify(pairs: Pairs, waived_keys: Iterable[tuple[int, int]] = ()) -> Classes:
    """The masks of the module docstring; ``waived_keys``: (scenario key as uint64, fidelity code) of waivers."""
    incomplete = _INCOMPLETE[pairs.status_b] | _INCOMPLETE[pairs.status_c]
    counts_both = _COUNTS[pairs.status_b] & _COUNTS[pairs.status_c]
    waived = np.zeros(pairs.n, dtype=bool)
    for key, fidelity in waived_keys:
        waived |= (pairs.key == np.uint64(key)) & (pairs.fidelity == fidelity)
    counted = counts_both & ~waived
    unpreventable = pairs.preventable_b == 0
    return Classes(counted=counted, verdict=counted & ~unpreventable, mitigation=counted & unpreventable,
                   fail_b=_FAILURE[pairs.status_b], fail_c=_FAILURE[pairs.status_c],
                   incomplete=incomplete, excluded=~counts_both & ~incomplete, waived=waived,
                   preventable_disagree=int(np.count_nonzero(pairs.preventable_b != pairs.preventable_c)))


def _counts(statuses: np.ndarray) -> Counts:
    k = np.bincount(statuses, minlength=len(STATUSES))
    return counts_from_mapping({STATUSES[i]: int(k[i]) for i in range(len(STATUSES)) if k[i]})


@dataclass(frozen=True, slots=True, kw_only=True)
class Binary:
    """One group's paired pass/fail comparison."""

    n: int
    b: int
    c: int
    baseline: Counts
    candidate: Counts
    p_regression: float | None     # exact McNemar, one-sided (H1: more newly failing than newly passing)
    upper: float | None            # one-sided (1 − α) Tango upper bound on the failure-rate increase
    estimate: float | None
    pairs_needed: int | None       # for the margin, assuming no discordant pairs
    margin: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "b": self.b, "c": self.c, "baseline": self.baseline.as_dict(),
                "candidate": self.candidate.as_dict(), "p_regression": self.p_regression,
                "increase_estimate": self.estimate, "upper_bound": self.upper, "demonstrable_margin": self.upper,
                "margin": self.margin, "pairs_needed": self.pairs_needed}


def binary(pairs: Pairs, classes: Classes, mask: np.ndarray, *, alpha: float, margin: float | None) -> Binary:
    """b, c, both sides' counts, the one-sided McNemar p and the Tango bound over ``mask``."""
    b = int(np.count_nonzero(mask & ~classes.fail_b & classes.fail_c))
    c = int(np.count_nonzero(mask & classes.fail_b & ~classes.fail_c))
    n = int(np.count_nonzero(mask))
    bound = increase_bound(b, c, n, alpha=alpha, margin=margin)
    p = mcnemar_exact(b, c, alternative="greater").p_value if n else None
    return Binary(n=n, b=b, c=c, baseline=_counts(pairs.status_b[mask]), candidate=_counts(pairs.status_c[mask]),
                  p_regression=p, upper=bound.upper, estimate=bound.estimate, pairs_needed=bound.pairs_needed,
                  margin=margin)


def shift(base: np.ndarray, cand: np.ndarray, resolution: float, *, level: float = SHIFT_LEVEL) -> dict[str, Any]:
    """Wilcoxon (Pratt, two-sided) and Hodges–Lehmann of candidate − baseline, on values rounded to ``resolution``."""
    kb, kc = np.round(base / resolution), np.round(cand / resolution)
    test = wilcoxon_signed_rank(kc, kb)
    hl = hodges_lehmann(kc, kb, level=level)

    def scale(ticks: float | None) -> float | None:
        return None if ticks is None else float(ticks) * resolution

    return {"n": hl.exclusions.n_used, "n_zero": hl.exclusions.n_zero, "n_pairs": hl.exclusions.n_pairs,
            "n_both_infinite": hl.exclusions.n_both_infinite, "n_inf_increase": hl.exclusions.n_inf_increase,
            "n_inf_decrease": hl.exclusions.n_inf_decrease, "n_missing": hl.exclusions.n_nan,
            "wilcoxon_p": test.p_value, "wilcoxon_method": test.method, "zero_method": test.zero_method,
            "shift": scale(hl.estimate), "shift_low": scale(hl.low), "shift_high": scale(hl.high),
            "level": level, "resolution": resolution}


def continuous(pairs: Pairs, mask: np.ndarray) -> dict[str, dict[str, Any]]:
    """Every metric of ``METRICS`` over the pairs of ``mask``."""
    return {name: {"unit": unit, **shift(pairs.metrics_b[name][mask], pairs.metrics_c[name][mask], res)}
            for name, unit, res in METRICS}


def mitigation_shift(pairs: Pairs, mask: np.ndarray) -> dict[str, Any]:
    """Impact speed of the unpreventable pairs, candidate − baseline (lower is better mitigation)."""
    name, unit, res = IMPACT
    return {"metric": name, "unit": unit, **shift(pairs.metrics_b[name][mask], pairs.metrics_c[name][mask], res)}


def odd_slices(odd_tags: dict[str, tuple[str, ...]]) -> dict[str, list[str]]:
    """ODD tag -> families every run of which realises it (D91).

    A family's stored ``odd_tags`` are the values it declares per attribute; an attribute it
    declares with one value is realised by every run of the family, one declared with several
    values is realised per run by a parameter and is left to ``report coverage``.
    """
    slices: dict[str, list[str]] = {}
    for family, tags in sorted(odd_tags.items()):
        by_attribute: dict[str, list[str]] = {}
        for tag in tags:
            attribute, _, _value = tag.partition("=")
            by_attribute.setdefault(attribute, []).append(tag)
        for values in by_attribute.values():
            if len(values) == 1:
                slices.setdefault(values[0], []).append(family)
    return dict(sorted(slices.items()))
