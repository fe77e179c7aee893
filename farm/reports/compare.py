"""``simfarm report compare BASELINE CANDIDATE``: did the candidate regress against the baseline?

``compare(store, baseline, candidate, gate=...)`` reads both sides through the store, pairs
their runs (``compare_pairs``), computes the paired statistics per family, per ODD slice, for
mitigation and for the continuous metrics (``compare_stats``), applies the gate
(``compare_verdict``) and returns the JSON body with exactly the numbers every page shows;
``compare_report`` wraps it in a ``Report`` (``compare_page`` draws it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from farm.reports.compare_pairs import (
    METRICS,
    Pairs,
    Side,
    check_comparable,
    family_versions,
    pair_runs,
    read_sides,
    side_facts,
)
from farm.reports.compare_stats import Classes, binary, classify, continuous, mitigation_shift, odd_slices, shift
from farm.reports.compare_verdict import FamilyJudgement, judge, latency_judgement
from farm.reports.document import Report, make_report_id
from farm.reports.gatefile import Gate, Waiver
from farm.reports.provenance import provenance_for
from farm.reports.source import parse_target
from farm.store.base import Store

LATENCY_RESOLUTION_MS = dict((m, r) for m, _, r in METRICS)["stack_p95_ms"]
LIST_CAP = 100  # newly failing / newly passing / missing runs listed (the totals are always given)


def compare(store: Store, baseline: str, candidate: str, *, gate: Gate, today: dt.date | None = None,
            allow_partial: bool = False) -> tuple[dict[str, Any], tuple[Side, Side]]:
    """The comparison's JSON body and the two sides read.

    Raises:
        InputError: a malformed target, an unknown sweep or stack, a side with several stacks,
            an incomplete sweep without ``allow_partial``, sides that cannot pair (exit 2).
        StoreError: the store is unreachable (exit 5).
    """
    day = today or dt.datetime.now(dt.UTC).date()
    side_b, side_c = read_sides(store, parse_target(baseline, field="BASELINE"),
                                parse_target(candidate, field="CANDIDATE"), allow_partial=allow_partial)
    check_comparable(store, side_b, side_c)
    pairs = pair_runs(side_b, side_c)
    active = gate.active_waivers(day)
    classes = classify(pairs, [(int(w.scenario_key, 16), pairs.fidelities.index(w.fidelity)) for w in active
                               if w.scenario_key and w.fidelity in pairs.fidelities])
    families = _families(pairs, classes, gate, active)
    latency_shift = shift(pairs.metrics_b["stack_p95_ms"][classes.counted],
                          pairs.metrics_c["stack_p95_ms"][classes.counted], LATENCY_RESOLUTION_MS,
                          level=1.0 - 2.0 * gate.alpha)
    latency = latency_judgement(latency_shift, gate.latency_p95_increase_ms)
    facts_b, facts_c = side_facts(side_b), side_facts(side_c)
    determinism = _determinism(pairs, classes, facts_b, facts_c)
    missing = _missing(pairs, classes, side_b, side_c)
    incomplete = [f"{missing['total']:,} paired run(s) in infra_error"] if missing["total"] else []
    incomplete += [f"{side.text} is {side.manifest.state}" for side in (side_b, side_c) if side.labels]
    judgements = [f["judgement"] for f in families]
    verdict = judge(judgements, alpha=gate.alpha, incomplete=incomplete, latency=latency, determinism=determinism)
    for fam in families:
        fam["judgement"] = fam["judgement"].to_dict()
    data = {
        "verdict": verdict.to_dict(),
        "gate": {**gate.to_dict(), "today": day.isoformat()},
        "waivers": [_waiver_row(w, day, pairs, classes) for w in gate.waivers],
        "baseline": facts_b, "candidate": facts_c,
        "pairing": _pairing(pairs, classes),
        "determinism": determinism,
        "families": families,
        "odd_slices": _slices(pairs, classes, gate.alpha, family_versions(side_b.runs)),
        "latency": {"shift": latency_shift, "judgement": latency},
        **_changed(store, side_c, pairs, classes),
        "missing_runs": missing,
    }
    return data, (side_b, side_c)


def _criticality(family: str, gate: Gate) -> str:
    from scenario_library.catalog import family_names, load_family

    if family in gate.family_criticality:
        return gate.family_criticality[family]
    if family in family_names(include_test_only=True):
        return load_family(family).criticality
    return "critical"  # a family outside the catalogue is held to the strict rules


def _families(pairs: Pairs, classes: Classes, gate: Gate, active: tuple[Waiver, ...]) -> list[dict[str, Any]]:
    out = []
    crit_order = {"critical": 0, "standard": 1}
    present = [pairs.families[i] for i in np.flatnonzero(np.bincount(pairs.family, minlength=len(pairs.families)))]
    names = sorted(present, key=lambda f: (crit_order.get(_criticality(f, gate), 2), f))
    for family in names:
        in_family = pairs.family == pairs.family_code(family)
        criticality = _criticality(family, gate)
        margin = gate.margin_for(family, criticality)
        verdict = binary(pairs, classes, in_family & classes.verdict, alpha=gate.alpha, margin=margin)
        mitigation = binary(pairs, classes, in_family & classes.mitigation, alpha=gate.alpha, margin=None)
        waiver = next((w for w in active if w.family == family), None)
        judgement = FamilyJudgement(
            family=family, criticality=criticality, margin=margin, n=verdict.n, b=verdict.b, c=verdict.c,
            p_regression=verdict.p_regression, upper=verdict.upper, pairs_needed=verdict.pairs_needed,
            newly_failing_critical=verdict.b if criticality == "critical" else 0,
            waived_by=waiver.ticket if waiver else None)
        out.append({"family": family, "criticality": criticality, "margin": margin, "verdict": verdict.to_dict(),
                    "mitigation": {**mitigation.to_dict(),
                                   "impact_speed": mitigation_shift(pairs, in_family & classes.mitigation)},
                    "metrics": continuous(pairs, in_family & classes.counted), "judgement": judgement})
    return out


def _slices(pairs: Pairs, classes: Classes, alpha: float, versions: dict[str, set[int]]) -> list[dict[str, Any]]:
    """ODD slices from the catalogue's ODD of each family, where the stored version is the catalogue's (D91)."""
    from scenario_library.catalog import family_names, load_family

    known = set(family_names(include_test_only=True))
    tags = {f: load_family(f).odd_tags for f in pairs.families if f in known and load_family(f).version
            in versions.get(f, set())}
    rows = []
    for tag, families in odd_slices(tags).items():
        mask = np.isin(pairs.family, [pairs.family_code(f) for f in families]) & classes.verdict
        rows.append({"slice": tag, "families": families, **binary(pairs, classes, mask, alpha=alpha,
                                                                  margin=None).to_dict()})
    return rows


def _pairing(pairs: Pairs, classes: Classes) -> dict[str, Any]:
    return {"key": ["scenario_key", "fidelity"], "sim_settings": "one per sweep, compared once (D90)",
            "pairs": pairs.n, "counted": int(classes.counted.sum()), "verdict": int(classes.verdict.sum()),
            "mitigation": int(classes.mitigation.sum()), "excluded_sim_error": int(classes.excluded.sum()),
            "incomplete": int(classes.incomplete.sum()), "waived": int(classes.waived.sum()),
            "unpaired_baseline": pairs.unpaired_b, "unpaired_candidate": pairs.unpaired_c,
            "preventable_disagree": classes.preventable_disagree}


def _determinism(pairs: Pairs, classes: Classes, b: dict[str, Any], c: dict[str, Any]) -> dict[str, Any]:
    """Same code on the same platform: any differing pair is a defect. Also: two builds of one stack id."""
    same_code = len(b["code_fingerprints"]) == 1 and b["code_fingerprints"] == c["code_fingerprints"]
    same_platform = b["platform"] is not None and b["platform"] == c["platform"]
    notes = []
    if b["stack_id"] == c["stack_id"] and b["code_fingerprints"] != c["code_fingerprints"]:
        notes.append(f"the sides differ only by code_fingerprint: two builds of stack {b['stack_id']} "
                     f"({', '.join(b['code_fingerprints'])} vs {', '.join(c['code_fingerprints'])})")
    live = ~classes.incomplete
    hashes = np.zeros(pairs.n, dtype=bool)
    if "outcome_hash" in pairs.runs_b.column_names and pairs.n:
        hb = pairs.runs_b["outcome_hash"].take(pa.array(pairs.index_b))
        hc = pairs.runs_c["outcome_hash"].take(pa.array(pairs.index_c))
        hashes = pc.fill_null(pc.not_equal(hb, hc), False).to_numpy(zero_copy_only=False).astype(bool)
    differ = live & ((pairs.status_b != pairs.status_c) | hashes)
    n_differ = int(differ.sum())
    defect = same_code and same_platform and n_differ > 0
    if same_code and not same_platform:
        notes.append("same code on both sides, but the platforms differ or were not recorded: the determinism "
                     "promise holds per CPU/BLAS platform, so differing pairs are not flagged as defects")
    reason = (f"{n_differ:,} pair(s) differ although both sides ran identical code ({b['code_fingerprints'][0]}) "
              f"on the same CPU/BLAS platform under the same simulator settings") if defect else ""
    listed = [pairs.row(int(i)) for i in np.flatnonzero(differ)[:LIST_CAP]] if defect else []
    return {"same_code": same_code, "same_platform": same_platform, "differing_pairs": n_differ,
            "hash_mismatches": int((live & hashes).sum()), "defect": defect, "reason": reason, "listed": listed,
            "notes": notes}


def _missing(pairs: Pairs, classes: Classes, side_b: Side, side_c: Side) -> dict[str, Any]:
    idx = np.flatnonzero(classes.incomplete)
    listed = [pairs.row(int(i)) for i in idx[:LIST_CAP]]
    never = {side.text: max(0, side.manifest.total - sum(int(v) for v in side.manifest.counts.values()))
             for side in (side_b, side_c) if side.labels}
    return {"total": int(idx.size), "listed": listed, "never_stored": never}


def _changed(store: Store, side_c: Side, pairs: Pairs, classes: Classes) -> dict[str, Any]:
    """``newly_failing`` and ``newly_passing``: counted changed pairs, the listed ones with their details."""
    picked = {}
    for name, direction in (("newly_failing", ~classes.fail_b & classes.fail_c),
                            ("newly_passing", classes.fail_b & ~classes.fail_c)):
        mask = classes.counted & direction
        idx = np.flatnonzero(mask)
        order = np.lexsort((pairs.family[idx], ~classes.verdict[idx]))  # verdict pairs first, then by family
        rows = [pairs.row(int(i)) | {"class": "verdict" if classes.verdict[i] else "mitigation"}
                for i in idx[order][:LIST_CAP]]
        picked[name] = (mask, idx, rows)
    details = _details(store, side_c.target.sweep_id, [r["candidate_run"] for _, _, rows in picked.values()
                                                       for r in rows])
    out = {}
    for name, (mask, idx, rows) in picked.items():
        listed = []
        for row in rows:
            params, reasons = details.get(row["candidate_run"], (None, []))
            listed.append({**row, "params": params, "fail_reasons": reasons,
                           "replay": f"simfarm replay {row['candidate_run']} --sweep {side_c.target.sweep_id} "
                                     f"--store {store.uri}"})
        out[name] = {"total": int(idx.size), "verdict": int((mask & classes.verdict).sum()),
                     "mitigation": int((mask & classes.mitigation).sum()), "listed": listed}
    return out


def _details(store: Store, sweep_id: str, run_ids: list[str]) -> dict[str, tuple[Any, list[str]]]:
    """``params`` (parsed) and ``fail_reasons`` of a few runs: three columns read, then filtered here.

    (``Store.read_table``'s own ``filter`` reads every column first: far costlier at 10^6 rows.)
    """
    import json

    if not run_ids:
        return {}
    rows = store.read_table(sweep_id, "runs", columns=["run_id", "params", "fail_reasons"], ordered=False)
    rows = rows.filter(pc.is_in(rows["run_id"], value_set=pa.array(run_ids, pa.string())))
    return {r["run_id"]: (json.loads(r["params"]) if r["params"] else None, list(r["fail_reasons"] or []))
            for r in rows.to_pylist()}


def _waiver_row(waiver: Waiver, day: dt.date, pairs: Pairs, classes: Classes) -> dict[str, Any]:
    if waiver.family is not None:
        covered = int(np.count_nonzero(pairs.family == pairs.family_code(waiver.family)))
    elif waiver.fidelity in pairs.fidelities and waiver.scenario_key:
        covered = int(np.count_nonzero((pairs.key == np.uint64(int(waiver.scenario_key, 16)))
                                       & (pairs.fidelity == pairs.fidelities.index(waiver.fidelity))))
    else:
        covered = 0
    return {**waiver.to_dict(), "subject": waiver.subject, "active": waiver.active_on(day), "pairs_covered": covered}


def compare_report(store: Store, baseline: str, candidate: str, *, gate: Gate, today: dt.date | None = None,
                   allow_partial: bool = False) -> Report:
    """The comparison as a ``Report`` (archived under the candidate's sweep)."""
    from farm.reports.compare_page import build_sections, headline, markdown
    from farm.reports.gatefile import resolve_gate_path

    data, (side_b, side_c) = compare(store, baseline, candidate, gate=gate, today=today, allow_partial=allow_partial)
    labels = [*side_b.labels, *(x for x in side_c.labels if x not in side_b.labels)]
    if data["determinism"]["defect"]:
        labels.insert(0, f"DETERMINISM DEFECT: {data['determinism']['reason']}")
    if data["missing_runs"]["total"]:
        labels.append(f"INCOMPLETE: {data['missing_runs']['total']:,} paired run(s) in infra_error")
    manifests = [side_b.manifest] + ([side_c.manifest] if side_c.manifest.sweep_id != side_b.manifest.sweep_id
                                     else [])
    provenance = provenance_for(manifests, [resolve_gate_path(gate.source)],
                                extra={"baseline": side_b.text, "candidate": side_c.text, "gate": gate.name})
    return Report(kind="compare", report_id=make_report_id("compare", side_b.text, side_c.text),
                  title=f"Compare {side_c.text} against {side_b.text}",
                  subtitle=f"{headline(data)} · waivers judged on {data['gate']['today']}", data=data,
                  sections=build_sections(data), markdown=markdown(data), labels=tuple(labels),
                  provenance=provenance, archive_sweep_id=side_c.target.sweep_id)
