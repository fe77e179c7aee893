"""``report coverage``: how much of the declared scenario space and of the ODD the stored runs exercised.

``compute`` turns encoded runs (``farm.reports.coverage_data``) and the chosen
sub-domain (``farm.reports.coverage_domain``) into the JSON body — every number
the page shows, every denominator named beside it — and the fill samples for the
ready-to-run sweep file; ``farm.reports.coverage_page`` lays the page out from
that body alone, so HTML, JSON and Markdown cannot disagree. Pure: no store, no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from farm.reports.coverage_calc import edge_rows, failure_maps, occupancy, pair_occupancy, passing_samples
from farm.reports.coverage_data import CoverageInput, FamilyRuns
from farm.reports.coverage_domain import SubDomain
from farm.reports.coverage_fill import fill_samples
from farm.reports.coverage_odd import odd_coverage
from farm.reports.coverage_tway import Coverage, distinct_rows, tway
from scenario_library.family import Family
from scenario_library.odd import Odd
from scenario_library.params import ParamValue

STRENGTHS = (2, 3)
FILL_FILE = "coverage-fill.yaml"  # written beside report.html
KPI_TARGET = 0.9  # "at least 90% of identified critical scenarios" (issue 10)


@dataclass(frozen=True, slots=True, kw_only=True)
class CoverageResult:
    """The JSON body and, per family, the samples of the fill sweep file."""

    data: dict[str, Any]
    fill: tuple[tuple[str, list[dict[str, ParamValue]]], ...]


def _share(c: Coverage) -> dict[str, Any]:
    return {"covered": c.covered, "total": c.total, "share": c.share}


def _pooled(parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    covered, total = sum(p["covered"] for p in parts), sum(p["total"] for p in parts)
    return {"covered": covered, "total": total, "share": covered / total if total else None}


def family_tway(fr: FamilyRuns, rows: np.ndarray, chosen: Sequence[Sequence[int]], fill_strength: int
                ) -> tuple[dict[str, Any], Coverage | None]:
    """t = 2 and 3 over the declared bins, and over the chosen bins of the parameters the sweep varied.

    ``rows``: the family's distinct bin rows.
    """
    declared = [tuple(range(a.k)) for a in fr.axes]
    varied = [j for j, bins in enumerate(chosen) if len(bins) > 1]
    out: dict[str, Any] = {}
    fill: Coverage | None = None
    for t in sorted({*STRENGTHS, fill_strength}):
        full = tway(rows, declared, t, keep_uncovered=t == fill_strength)
        sub = tway(rows[:, varied], [chosen[j] for j in varied], t, keep_uncovered=False)
        fill = full if t == fill_strength else fill
        if t in STRENGTHS:
            out[str(t)] = {"declared": _share(full), "chosen": _share(sub)}
    return out, fill


def family_body(fr: FamilyRuns, domain: SubDomain, *, fill_strength: int
                ) -> tuple[dict[str, Any], list[dict[str, ParamValue]]]:
    """Everything coverage says about one family, and its fill samples."""
    chosen = [domain.bins(fr.family.name, a) for a in fr.axes]
    rows = distinct_rows(fr.bins)
    tw, fill_cov = family_tway(fr, rows, chosen, fill_strength)
    samples, unreachable = fill_samples(fr.axes, fill_cov) if fill_cov is not None else ([], 0)
    return {
        "family": fr.family.name, "version": fr.family.version, "criticality": fr.family.criticality,
        "runs": fr.n_runs, "samples": fr.n_samples, "parameters": occupancy(fr, chosen),
        "not_binned": [{"parameter": n, "why": why} for n, why in fr.skipped],
        "varied": [a.name for a, c in zip(fr.axes, chosen, strict=True) if len(c) > 1],
        "fixed": [{"parameter": a.name, "bin": a.label(c[0])} for a, c in zip(fr.axes, chosen, strict=True)
                  if len(c) == 1],
        "pairs": pair_occupancy(fr, chosen, rows), "tway": tw, "failure_maps": failure_maps(fr),
        "fill": {"samples": len(samples), "unreachable_tuples": unreachable},
    }, samples


def critical_scenarios(catalogue: Sequence[Family], runs: dict[str, FamilyRuns], min_passing: int
                       ) -> dict[str, Any]:
    """Critical families and documented edges with at least ``min_passing`` passing preventable samples.

    Denominator: every critical family and every documented edge case of the catalogue (test-only
    families excluded), whether or not the sweep ran it.
    """
    scenarios: list[dict[str, Any]] = []
    for family in catalogue:
        fr = runs.get(family.name)
        if family.criticality == "critical":
            counts: dict[str, Any] = passing_samples(fr, fr.sample >= 0, min_passing) if fr is not None else \
                {"samples": 0, "verdict_samples": 0, "passing": 0, "covered": False}
            scenarios.append({"kind": "family", "family": family.name, "name": family.name, "cell": [], **counts})
        for edge in family.edge_cases:
            cell: list[str] = [f"{k} = {v}" for k, v in dict(edge.get("params", {})).items()]
            counts = {"samples": 0, "verdict_samples": 0, "passing": 0, "covered": False}
            if fr is not None:
                mask, cell, _ = edge_rows(fr, dict(edge.get("params", {})))
                counts = passing_samples(fr, mask, min_passing)
            scenarios.append({"kind": "edge", "family": family.name, "name": str(edge.get("name", "")),
                              "cell": cell, **counts})
    covered = sum(bool(s["covered"]) for s in scenarios)
    share = covered / len(scenarios) if scenarios else None
    return {"min_passing": min_passing, "kpi_target": KPI_TARGET, "covered": covered, "total": len(scenarios),
            "share": share, "meets_kpi": share is not None and share >= KPI_TARGET, "scenarios": scenarios}


def compute(inp: CoverageInput, domain: SubDomain, *, catalogue: Sequence[Family], odd: Odd, min_passing: int = 1,
            fill_strength: int = 2) -> CoverageResult:
    """The coverage JSON body (families, t-wise overall, ODD, critical scenarios, fill summary)."""
    families, fill = [], []
    for fr in inp.families:
        body, samples = family_body(fr, domain, fill_strength=fill_strength)
        families.append(body)
        fill.append((fr.family.name, samples))
    overall = {str(t): {scope: _pooled([f["tway"][str(t)][scope] for f in families])
                        for scope in ("declared", "chosen")} for t in STRENGTHS}
    by_name = {fr.family.name: fr for fr in inp.families}
    data = {
        "runs": sum(f["runs"] for f in families), "samples": sum(f["samples"] for f in families),
        "designs": inp.designs, "fidelities": list(inp.fidelities), "unknown": list(inp.unknown),
        "subdomain_sources": dict(domain.sources), "tway_overall": overall, "families": families,
        "odd": odd_coverage(odd, catalogue, inp.families),
        "critical": critical_scenarios(catalogue, by_name, min_passing),
        "fill": {"file": FILL_FILE, "strength": fill_strength, "samples": sum(len(s) for _, s in fill),
                 "by_family": {name: len(s) for name, s in fill if s},
                 "unreachable_tuples": sum(f["fill"]["unreachable_tuples"] for f in families)},
    }
    return CoverageResult(data=data, fill=tuple(fill))
