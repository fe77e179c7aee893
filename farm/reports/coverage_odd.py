"""ODD coverage against ``odd.yaml``: which permitted values the runs exercised, and which none can.

For each attribute and permitted value:

- a family *realises* an attribute when one of its parameters is bound to it
  (``odd_attribute``); each of its runs then exercises the ODD value of the run's
  realised parameter value (the attribute's measure bins, ``edges[i-1] <= v < edges[i]``;
  a choice parameter's choice is the value), never the family's declared tags;
- a family that declares the attribute without such a parameter exercises it by
  *tag*: each of its runs counts for every value it declares;
- an attribute no family realises is *tag-only*.

A value's state is ``sampled`` (some run exercised it), ``not sampled`` (some
catalogue family can exercise it — a bound parameter's declared range reaches its
bin, or a family declares the tag — but no run here did), or ``catalogue gap``
(no family of the catalogue can exercise it at all: no sweep can cover it until a
family is written for it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from farm.reports.coverage_data import FamilyRuns
from scenario_library.family import Family, Parameter
from scenario_library.odd import Odd, OddAttribute

SAMPLED, NOT_SAMPLED, GAP = "sampled", "not sampled", "catalogue gap"


def _binding(family: Family, attribute: str) -> Parameter | None:
    return next((p for p in family.parameters if p.odd_attribute == attribute), None)


def _reachable(attribute: OddAttribute, p: Parameter) -> set[str]:
    """ODD values a bound parameter can realise within its declared range (or choices)."""
    if p.type == "choice":
        return {c for c in p.choices if c in attribute.values}
    measure = attribute.measure(p.name)
    if measure is None:
        return set()
    levels = [float(v) for v in p.levels]  # type: ignore[arg-type]
    low = p.low if p.low is not None else min(levels, default=-np.inf)
    high = p.high if p.high is not None else max(levels, default=np.inf)
    edges = (-np.inf, *measure.edges, np.inf)
    return {measure.values[i] for i in range(len(measure.values)) if edges[i] <= high and edges[i + 1] > low}


def _realised(attribute: OddAttribute, fr: FamilyRuns, p: Parameter) -> dict[str, int]:
    """Runs per ODD value, from each run's realised value of the bound parameter."""
    if p.type == "choice":
        codes, counts = np.unique(fr.text[p.name][fr.text[p.name] >= 0], return_counts=True)
        return {fr.words[v]: int(c) for v, c in zip(codes.tolist(), counts.tolist(), strict=True)}
    measure = attribute.measure(p.name)
    if measure is None:
        return {}
    num = fr.num[p.name][~np.isnan(fr.num[p.name])]
    counts = np.bincount(np.searchsorted(np.asarray(measure.edges), num, side="right"),
                         minlength=len(measure.values))
    out: dict[str, int] = {}
    for value, count in zip(measure.values, counts.tolist(), strict=True):
        out[value] = out.get(value, 0) + int(count)
    return out


def odd_coverage(odd: Odd, catalogue: Sequence[Family], runs: Sequence[FamilyRuns]) -> dict[str, Any]:
    """Per attribute and value: runs realising it, runs tagging it, families able to exercise it, the state."""
    attributes: list[dict[str, Any]] = []
    values_total, sampled, gaps = 0, 0, []
    for attribute in odd.attributes:
        bound = any(_binding(f, attribute.name) for f in catalogue)
        realised: dict[str, int] = {}
        tagged: dict[str, int] = {}
        able: dict[str, set[str]] = {v: set() for v in attribute.values}
        for family in catalogue:
            p = _binding(family, attribute.name)
            reach = _reachable(attribute, p) if p is not None else set(family.odd.get(attribute.name, ()))
            for value in reach & set(attribute.values):
                able[value].add(family.name)
        for fr in runs:
            p = _binding(fr.family, attribute.name)
            if p is not None:
                for value, n in _realised(attribute, fr, p).items():
                    realised[value] = realised.get(value, 0) + n
            else:
                for value in fr.family.odd.get(attribute.name, ()):
                    tagged[value] = tagged.get(value, 0) + fr.n_runs
        rows = []
        for value in attribute.values:
            n_real, n_tag = realised.get(value, 0), tagged.get(value, 0)
            state = SAMPLED if n_real + n_tag else (NOT_SAMPLED if able[value] else GAP)
            rows.append({"value": value, "runs_realised": n_real, "runs_tagged": n_tag, "state": state,
                         "families_able": sorted(able[value])})
            values_total += 1
            sampled += state == SAMPLED
            if state == GAP:
                gaps.append(f"{attribute.name}={value}")
        attributes.append({"attribute": attribute.name, "category": attribute.category,
                           "binding": "parameter" if bound else "tag-only", "values": rows})
    exercisable = values_total - len(gaps)
    return {"values": values_total, "exercisable": exercisable, "sampled": sampled,
            "share": sampled / values_total if values_total else None,
            "share_of_exercisable": sampled / exercisable if exercisable else None,
            "catalogue_gaps": gaps,
            "not_sampled": [f"{a['attribute']}={v['value']}" for a in attributes for v in a["values"]
                            if v["state"] == NOT_SAMPLED],
            "tag_only": [a["attribute"] for a in attributes if a["binding"] == "tag-only"],
            "attributes": attributes}
