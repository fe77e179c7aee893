"""The gate's verdict from the per-family statistics: fail, pass or inconclusive, with every reason.

Rules, in order (README "simfarm report compare and the release gate"):

0. **Determinism defect** — both sides ran the same code (one identical code fingerprint each:
   same stack id, stack source hash and farm build) on the same recorded CPU/BLAS platform,
   under the same simulator settings, yet some pairs differ: every such pair is a defect of the
   determinism promise, not evidence about the stack → inconclusive, flagged loudly.
1. **Fail** — a critical family has a newly failing run in the verdict (preventable true or
   null) that no active waiver covers; or a regression is shown in some judged family (exact
   McNemar one-sided, Holm-adjusted p ≤ α across the judged families); or the latency shift's
   (1 − 2α) interval lies wholly above the budget.
2. **Pass** — the comparison is complete (no ``infra_error``, no partial side), and every judged
   family's one-sided (1 − α) upper bound on the failure-rate increase is below its margin
   (intersection–union: each at α, no multiplicity correction), and the latency interval lies
   wholly below the budget (when one is set).
3. **Inconclusive** — otherwise, with each family's demonstrable margin and the pairs its margin
   needs (assuming no discordant pairs), the missing runs, or the latency interval.

Missing runs can only add evidence; they never undo a newly failing run, so an incomplete
comparison can still fail but never pass (D93). A waived family is reported, never judged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from farm.errors import ExitCode
from farm.stats import holm

Outcome = Literal["pass", "fail", "inconclusive"]
EXIT_CODES: dict[str, ExitCode] = {"pass": ExitCode.OK, "fail": ExitCode.FINDING,
                                   "inconclusive": ExitCode.INCONCLUSIVE}


@dataclass(slots=True, kw_only=True)
class FamilyJudgement:
    """One family's part in the verdict (filled by ``judge``)."""

    family: str
    criticality: str
    margin: float
    n: int
    b: int
    c: int
    p_regression: float | None
    upper: float | None
    pairs_needed: int | None
    newly_failing_critical: int = 0     # unwaived newly failing verdict runs, critical families only
    waived_by: str | None = None        # ticket of an active family waiver
    p_holm: float | None = None
    regression: bool = False
    outcome: str = "inconclusive"       # pass | fail | inconclusive | waived
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"family": self.family, "criticality": self.criticality, "margin": self.margin, "n": self.n,
                "b": self.b, "c": self.c, "p_regression": self.p_regression, "p_holm": self.p_holm,
                "regression": self.regression, "upper_bound": self.upper, "demonstrable_margin": self.upper,
                "pairs_needed": self.pairs_needed, "newly_failing_critical": self.newly_failing_critical,
                "waived_by": self.waived_by, "outcome": self.outcome, "reasons": list(self.reasons)}


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    outcome: Outcome
    reasons: tuple[str, ...]
    determinism_defect: bool
    alpha: float

    @property
    def exit_code(self) -> ExitCode:
        return EXIT_CODES[self.outcome]

    def to_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "reasons": list(self.reasons), "determinism_defect": self.determinism_defect,
                "alpha": self.alpha, "exit_code": int(self.exit_code)}


def judge(families: list[FamilyJudgement], *, alpha: float, incomplete: list[str], latency: dict[str, Any] | None,
          determinism: dict[str, Any]) -> Verdict:
    """Apply the rules of the module docstring; fills each family's outcome and reasons."""
    judged = [f for f in families if f.waived_by is None and f.n > 0]
    adjusted = holm([f.p_regression if f.p_regression is not None else 1.0 for f in judged], alpha=alpha)
    for fam, p, reject in zip(judged, adjusted.adjusted, adjusted.reject, strict=True):
        fam.p_holm, fam.regression = p, reject
    fails: list[str] = []
    for fam in families:
        if fam.waived_by is not None:
            fam.outcome = "waived"
            fam.reasons.append(f"waived ({fam.waived_by}): reported, not judged")
            continue
        if fam.newly_failing_critical:
            fam.reasons.append(f"critical family: {fam.newly_failing_critical} newly failing preventable run(s), "
                               "not waived")
        if fam.regression:
            fam.reasons.append(f"regression shown: b = {fam.b}, c = {fam.c}, one-sided exact McNemar p = "
                               f"{fam.p_regression:.3g}, Holm-adjusted {fam.p_holm:.3g} <= alpha {alpha:g}")
        if fam.reasons:
            fam.outcome = "fail"
            fails += [f"{fam.family}: {r}" for r in fam.reasons]
        elif fam.upper is not None and fam.upper < fam.margin:
            fam.outcome = "pass"
            fam.reasons.append(f"upper bound {fam.upper:.4f} < margin {fam.margin:g}")
        else:
            fam.outcome = "inconclusive"
            fam.reasons.append(_not_shown(fam))
    if latency is not None and latency.get("outcome") == "fail":
        fails.append(f"latency: {latency['reason']}")
    if determinism.get("defect"):
        return Verdict(outcome="inconclusive", determinism_defect=True, alpha=alpha,
                       reasons=(f"DETERMINISM DEFECT: {determinism['reason']}", *fails))
    if fails:
        return Verdict(outcome="fail", reasons=tuple(fails), determinism_defect=False, alpha=alpha)
    open_points = [f"{f.family}: {f.reasons[-1]}" for f in families if f.outcome == "inconclusive"]
    open_points += [f"incomplete: {line}" for line in incomplete]
    if latency is not None and latency.get("outcome") == "inconclusive":
        open_points.append(f"latency: {latency['reason']}")
    if not judged:
        open_points.append("no family has a counted pair that is not waived: nothing to judge")
    if open_points:
        return Verdict(outcome="inconclusive", reasons=tuple(open_points), determinism_defect=False, alpha=alpha)
    return Verdict(outcome="pass", determinism_defect=False, alpha=alpha,
                   reasons=(f"every judged family's upper bound is below its margin ({len(judged)} families, "
                            f"each at one-sided alpha {alpha:g}, intersection-union)",
                            *([f"latency: {latency['reason']}"] if latency else [])))


def _not_shown(fam: FamilyJudgement) -> str:
    if fam.n == 0 or fam.upper is None:
        return "no counted pairs"
    return (f"upper bound {fam.upper:.4f} >= margin {fam.margin:g}: the smallest margin these {fam.n} pairs "
            f"demonstrate is {fam.upper:.4f}; margin {fam.margin:g} needs {fam.pairs_needed} pairs "
            "(assuming no discordant pairs)")


def latency_judgement(shift: dict[str, Any], budget_ms: float | None) -> dict[str, Any] | None:
    """Fail when the (1 − 2α) shift interval lies wholly above the budget, pass when wholly below."""
    if budget_ms is None:
        return None
    low, high = shift.get("shift_low"), shift.get("shift_high")
    if low is None or high is None:
        return {"outcome": "inconclusive", "budget_ms": budget_ms,
                "reason": f"too few paired runs ({shift.get('n', 0)}) for an interval on the p95 latency shift"}
    span = f"p95 tick latency shift [{low:.3g}, {high:.3g}] ms"
    if low > budget_ms:
        return {"outcome": "fail", "budget_ms": budget_ms, "reason": f"{span} lies above the budget +{budget_ms:g} ms"}
    if high < budget_ms:
        return {"outcome": "pass", "budget_ms": budget_ms, "reason": f"{span} lies below the budget +{budget_ms:g} ms"}
    return {"outcome": "inconclusive", "budget_ms": budget_ms,
            "reason": f"{span} straddles the budget +{budget_ms:g} ms"}
