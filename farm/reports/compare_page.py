"""The compare report as people read it: sections, a bound-vs-margin figure and the PR-comment Markdown.

Every number shown comes from the JSON body built by ``farm.reports.compare.compare``; this
module only lays it out.
"""

from __future__ import annotations

from typing import Any

from farm.reports.document import Block, Figure, Section, Table, Text
from farm.reports.render import markdown_table

METRIC_LABELS = {"min_ttc_s": "min TTC", "min_distance_m": "min distance", "max_decel_mps2": "max decel",
                 "max_jerk_mps3": "max jerk", "stack_p95_ms": "latency p95"}


def headline(data: dict[str, Any]) -> str:
    v = data["verdict"]
    word = {"pass": "PASS", "fail": "FAIL", "inconclusive": "INCONCLUSIVE"}[v["outcome"]]
    return (f"{word}: {data['candidate']['target']} against {data['baseline']['target']} "
            f"(gate {data['gate']['name']}, one-sided alpha {data['gate']['alpha']:g}, exit {v['exit_code']})")


def _rate(counts: dict[str, Any]) -> float | None:
    return counts["pass_rate"]


def family_table(data: dict[str, Any]) -> Table:
    rows = []
    for fam in data["families"]:
        v, j = fam["verdict"], fam["judgement"]
        rows.append((fam["family"], fam["criticality"], fam["margin"], v["n"], _rate(v["baseline"]),
                     _rate(v["candidate"]), v["b"], v["c"], v["p_regression"], j["p_holm"], v["upper_bound"],
                     v["pairs_needed"], j["outcome"].upper()))
    return Table(columns=("family", "criticality", "margin Δ", "pairs", "pass rate base", "pass rate cand", "b", "c",
                          "McNemar p", "Holm p", "upper bound", "n for Δ", "outcome"), rows=tuple(rows),
                 caption="Per family, over the counted pairs in the verdict (preventable true or null)",
                 note="b: newly failing pairs (pass on the baseline, fail on the candidate); c: newly passing. "
                      "McNemar p: exact, one-sided for a regression (H1: P(b) > 1/2); Holm p: adjusted across the "
                      "judged families. Upper bound: Tango's one-sided (1 − α) score bound on the failure-rate "
                      "increase, also the smallest margin these pairs demonstrate. n for Δ: the pairs the margin "
                      "needs, assuming no discordant pairs.")


def _reasons_table(data: dict[str, Any]) -> Table:
    return Table(columns=("family", "outcome", "why"), rows=tuple(
        (f["family"], f["judgement"]["outcome"], "; ".join(f["judgement"]["reasons"])) for f in data["families"]),
        caption="Each family's part in the verdict")


def _sides_table(data: dict[str, Any]) -> Table:
    rows = []
    for role in ("baseline", "candidate"):
        s = data[role]
        platform = s["platform"] or {}
        blas = ", ".join(f"{b.get('internal_api', '?')} {b.get('version', '')} {b.get('architecture', '')}".strip()
                         for b in platform.get("blas", []) or []) or None
        rows.append((role, s["target"], s["stack_id"], s["state"], s["runs"], "; ".join(s["code_fingerprints"]),
                     platform.get("cpu_model"), blas))
    return Table(columns=("side", "target", "stack id", "state", "runs", "code fingerprint", "CPU", "BLAS"),
                 rows=tuple(rows), caption="The two sides")


def _pairing_table(data: dict[str, Any]) -> Table:
    p = data["pairing"]
    rows = (("pairs (same scenario_key and fidelity)", p["pairs"]),
            ("counted (both statuses count)", p["counted"]),
            ("in the verdict (preventable true or null)", p["verdict"]),
            ("mitigation (unpreventable)", p["mitigation"]),
            ("excluded: sim_error on a side", p["excluded_sim_error"]),
            ("incomplete: infra_error on a side", p["incomplete"]),
            ("waived scenarios", p["waived"]),
            ("baseline runs without a partner", sum(p["unpaired_baseline"].values())),
            ("candidate runs without a partner", sum(p["unpaired_candidate"].values())),
            ("pairs whose sides disagree on preventable", p["preventable_disagree"]))
    return Table(columns=("pairs", "n"), rows=rows, caption="Pairing",
                 note="Simulator settings are one per sweep and were compared once; stack_error and timeout count "
                      "as failures on either side.")


def _waivers_table(data: dict[str, Any]) -> Table:
    rows = tuple((w["subject"], w["ticket"], w["reason"], w["expires"], w["active"], w["pairs_covered"])
                 for w in data["waivers"])
    return Table(columns=("waives", "ticket", "reason", "expires", "active", "pairs covered"), rows=rows,
                 caption=f"Waivers of gate {data['gate']['name']} on {data['gate']['today']} "
                         "(a waiver applies on the days before its expiry date)")


def _runs_table(listing: dict[str, Any], caption: str) -> Table:
    rows = tuple((r["family"], r["class"], r["fidelity"], r["baseline_status"], r["candidate_status"],
                  ", ".join(f"{k}={v}" for k, v in (r["params"] or {}).items()) or None,
                  "; ".join(r["fail_reasons"]) or None, r["replay"]) for r in listing["listed"])
    shown = f" (first {len(rows)} of {listing['total']:,})" if listing["total"] > len(rows) else ""
    return Table(columns=("family", "class", "fidelity", "baseline", "candidate", "parameters", "fail reasons",
                          "replay"), rows=rows, caption=f"{caption}{shown}")


def _metrics_table(data: dict[str, Any]) -> Table:
    rows = []
    for fam in data["families"]:
        for name, m in fam["metrics"].items():
            rows.append((fam["family"], f"{METRIC_LABELS.get(name, name)} [{m['unit']}]", m["n"], m["n_zero"],
                         m["n_inf_increase"], m["n_inf_decrease"], m["wilcoxon_p"], m["shift"], m["shift_low"],
                         m["shift_high"]))
    return Table(columns=("family", "metric", "pairs used", "zero differences", "+∞ (candidate only infinite)",
                          "−∞", "Wilcoxon p", "HL shift", "95% low", "95% high"), rows=tuple(rows),
                 caption="Continuous metrics: candidate − baseline per counted pair",
                 note="Paired Wilcoxon signed-rank, two-sided, zero_method 'pratt' (zeros ranked, then left out of "
                      "the sum); Hodges–Lehmann shift with its distribution-free 95% interval. Values are rounded to "
                      "the metric's resolution first (1 ms, 1 mm, 0.001 m/s², 0.001 m/s³, 0.1 ms for latency). Both "
                      "sides infinite (e.g. TTC never closing) is a zero; one side infinite is counted as ±∞ and "
                      "left out.")


def _mitigation_table(data: dict[str, Any]) -> Table:
    rows = []
    for fam in data["families"]:
        m = fam["mitigation"]
        if m["n"]:
            s = m["impact_speed"]
            rows.append((fam["family"], m["n"], m["b"], m["c"], _rate(m["baseline"]), _rate(m["candidate"]),
                         s["shift"], s["shift_low"], s["shift_high"]))
    return Table(columns=("family", "pairs", "b", "c", "pass rate baseline", "pass rate candidate",
                          "impact speed shift [m/s]", "95% low", "95% high"), rows=tuple(rows),
                 caption="Mitigation: unpreventable pairs (not in the verdict)",
                 note="Even the reference careful driver could not avoid the harm; what counts is how hard the "
                      "stack hits (collision speed, candidate − baseline; negative is better).")


def _slices_table(data: dict[str, Any]) -> Table:
    rows = tuple((s["slice"], len(s["families"]), s["n"], _rate(s["baseline"]), _rate(s["candidate"]), s["b"], s["c"],
                  s["p_regression"], s["upper_bound"]) for s in data["odd_slices"])
    return Table(columns=("ODD slice", "families", "pairs", "pass rate baseline", "pass rate candidate", "b", "c",
                          "McNemar p (one-sided)", "upper bound (1−α)"), rows=rows,
                 caption="Per ODD slice (informational: the verdict is per family)",
                 note="A slice holds the families that declare the ODD value as their only value of that attribute, "
                      "so every run of theirs realises it; values bound to parameters are in 'report coverage'.")


def bound_figure(data: dict[str, Any]) -> Figure | None:
    """Each family's increase estimate and upper bound against its margin."""
    fams = [f for f in data["families"] if f["verdict"]["upper_bound"] is not None]
    if not fams:
        return None
    from farm.reports.figures import FAIL_COLOUR, NEUTRAL_COLOUR, PASS_COLOUR, figure, to_png

    fig, ax = figure(7.0, 1.0 + 0.3 * len(fams))
    colour = {"pass": PASS_COLOUR, "fail": FAIL_COLOUR, "waived": "#888888"}
    for y, fam in enumerate(reversed(fams)):
        v, outcome = fam["verdict"], fam["judgement"]["outcome"]
        c = colour.get(outcome, NEUTRAL_COLOUR)
        ax.plot([v["increase_estimate"], v["upper_bound"]], [y, y], color=c, lw=3, solid_capstyle="butt")
        ax.plot([v["increase_estimate"]], [y], "o", color=c, ms=5)
        ax.plot([fam["margin"]], [y], "|", color="#222222", ms=14, mew=2)
    ax.set_yticks(range(len(fams)), [f["family"] for f in reversed(fams)])
    ax.axvline(0.0, color="#999999", lw=0.8)
    ax.set_xlabel("failure-rate increase, candidate − baseline")
    return Figure(png=to_png(fig), alt="Per-family upper bounds on the failure-rate increase against the margins",
                  caption="Dot: the estimate (b − c)/n; bar end: the one-sided upper bound; black tick: the margin. "
                          "Green: the family passes; red: it fails; blue: not demonstrated; grey: waived.")


def build_sections(data: dict[str, Any]) -> tuple[Section, ...]:
    v = data["verdict"]
    verdict_blocks: list[Block] = [Text(text=headline(data), tone="warning" if v["outcome"] != "pass" else "normal")]
    verdict_blocks += [Text(text=f"• {r}") for r in v["reasons"][:40]]
    if len(v["reasons"]) > 40:
        verdict_blocks.append(Text(text=f"… and {len(v['reasons']) - 40} more (report.json)", tone="note"))
    verdict_blocks += [Text(text=n, tone="note") for n in data["determinism"]["notes"]]
    figure = bound_figure(data)
    fam_blocks: list[Block] = [family_table(data), *([figure] if figure else []), _reasons_table(data)]
    lat = data["latency"]
    lat_text = (lat["judgement"]["reason"] if lat["judgement"] else
                f"latency p95 shift {lat['shift']['shift']} ms [{lat['shift']['shift_low']}, "
                f"{lat['shift']['shift_high']}] (no budget set: not judged)")
    sections = [
        Section(title="Verdict", blocks=tuple(verdict_blocks)),
        Section(title="Families", blocks=tuple(fam_blocks)),
        Section(title="Newly failing and newly passing runs", blocks=(
            _runs_table(data["newly_failing"], "Newly failing (pass on the baseline, fail on the candidate)"),
            _runs_table(data["newly_passing"], "Newly passing"))),
        Section(title="Continuous metrics and latency", blocks=(
            Text(text=f"Latency budget: {lat_text} (interval at {lat['shift']['level']:.0%}, two-sided = one-sided "
                      f"alpha {data['gate']['alpha']:g} at each end)."), _metrics_table(data))),
        Section(title="Mitigation and ODD slices", blocks=(_mitigation_table(data), _slices_table(data))),
        Section(title="Gate, waivers and sides", blocks=(
            Text(text=f"Gate {data['gate']['name']} ({data['gate']['source']}): alpha {data['gate']['alpha']:g}, "
                      f"margins {data['gate']['margins']}, per family {data['gate']['family_margins'] or 'none'}."),
            _waivers_table(data), _sides_table(data), _pairing_table(data))),
    ]
    if data["missing_runs"]["total"] or data["missing_runs"]["never_stored"] or data["determinism"]["defect"]:
        sections.append(Section(title="Missing runs and determinism", blocks=_missing_blocks(data)))
    return tuple(sections)


def _missing_blocks(data: dict[str, Any]) -> tuple[Block, ...]:
    m, d = data["missing_runs"], data["determinism"]
    blocks: list[Block] = []
    if m["total"] or m["never_stored"]:
        blocks.append(Table(columns=("family", "scenario_key", "fidelity", "baseline run", "baseline status",
                                     "candidate run", "candidate status"),
                            rows=tuple(tuple(r.values()) for r in m["listed"]),
                            caption=f"Pairs in infra_error ({m['total']:,}); never stored: {m['never_stored'] or 0}"))
    if d["defect"]:
        blocks.append(Table(columns=("family", "scenario_key", "fidelity", "baseline run", "candidate run",
                                     "baseline status", "candidate status"),
                            rows=tuple(tuple(r.values()) for r in d["listed"]),
                            caption=f"Determinism defects: {d['differing_pairs']:,} differing pairs"))
    return tuple(blocks)


def markdown(data: dict[str, Any]) -> str:
    """The PR comment: the headline, the reasons, the family table."""
    v = data["verdict"]
    lines = [f"**{headline(data)}**", ""]
    lines += [f"- {r}" for r in v["reasons"][:15]]
    if len(v["reasons"]) > 15:
        lines.append(f"- … {len(v['reasons']) - 15} more in report.json")
    active = [w for w in data["waivers"] if w["active"]]
    listed = "; ".join(f"{w['subject']} ({w['ticket']}, {'active' if w['active'] else 'EXPIRED'}, expires "
                       f"{w['expires']})" for w in data["waivers"])
    lines += ["", f"Waivers: {len(active)} active of {len(data['waivers'])}" + (f": {listed}" if listed else ""), ""]
    lines.append(markdown_table(family_table(data)))
    return "\n".join(lines)
