"""The coverage page and its Markdown summary, laid out from the JSON body alone (``farm.reports.coverage``).

Every table cell is a value of the body, so the page, ``report.json`` and
``report.md`` agree by construction (``format_cell`` formats them all).
"""

from __future__ import annotations

from typing import Any

from farm.reports.coverage_plots import heatmaps_png
from farm.reports.document import Block, Figure, Section, Table, Text
from farm.reports.render import markdown_table

READING = (
    "Units. A run is one stored rollout; a sample is one distinct parameter combination of a family (its "
    "seeds, stacks and fidelities pooled). A bin is one declared coverage bin of a parameter: a family's "
    "bin_edges, or edges halfway between its levels; a choice or bool parameter bins by its levels. Random "
    "and quasi-random samples are mapped to the bin they fall in. Denominators: parameter occupancy — the "
    "declared bins of the parameter; 2-way occupancy — the product of the pair's bins; t-wise coverage (NIST "
    "SP 800-142) — all t-way combinations of bins over every set of t parameters, mixed level counts; ODD "
    "coverage — the permitted values of odd.yaml; critical-scenario coverage — every critical family and "
    "documented edge case of the catalogue. 'Chosen' figures restrict each parameter to the bins the sweep's "
    "designs vary over, leaving out the parameters it fixed.")


def _table(columns: tuple[str, ...], rows: list[tuple[Any, ...]], caption: str = "", note: str = "") -> Table:
    return Table(columns=columns, rows=tuple(rows), caption=caption, note=note)


def headline_table(data: dict[str, Any]) -> Table:
    """The figures of the headline (also the Markdown summary's table)."""
    rows: list[tuple[Any, ...]] = []
    for t in ("2", "3"):
        for scope, what in (("declared", "declared domain"), ("chosen", "chosen sub-domain")):
            c = data["tway_overall"][t][scope]
            rows.append((f"{t}-way bin combinations, {what}", c["covered"], c["total"], c["share"]))
    odd = data["odd"]
    rows.append(("ODD values sampled (of all permitted values)", odd["sampled"], odd["values"], odd["share"]))
    rows.append(("ODD values sampled (of those the catalogue can exercise)", odd["sampled"], odd["exercisable"],
                 odd["share_of_exercisable"]))
    crit = data["critical"]
    rows.append((f"critical scenarios with ≥ {crit['min_passing']} passing preventable sample(s)",
                 crit["covered"], crit["total"], crit["share"]))
    return _table(("measure", "covered", "of", "share"), rows, caption="Coverage at a glance",
                  note=f"KPI: ≥ {crit['kpi_target']:.0%} of identified critical scenarios covered — "
                       + ("met." if crit["meets_kpi"] else "NOT met."))


def _tway_table(data: dict[str, Any]) -> Table:
    rows = []
    for f in data["families"]:
        fixed = ", ".join(f"{x['parameter']} ({x['bin']})" for x in f["fixed"]) or "none"
        for t in ("2", "3"):
            d, c = f["tway"][t]["declared"], f["tway"][t]["chosen"]
            rows.append((f["family"], int(t), d["covered"], d["total"], d["share"], c["covered"], c["total"],
                         c["share"], fixed))
    return _table(("family", "t", "covered", "of (declared)", "share", "covered", "of (chosen)", "share",
                   "fixed parameters"), rows, caption="t-wise coverage per family",
                  note="'of (declared)': every t-way combination of the declared bins; 'of (chosen)': the same over "
                       "the parameters the sweep varied, each within its chosen bins. — : no t-way combination "
                       "(fewer than t parameters).")


def _occupancy_table(data: dict[str, Any]) -> Table:
    rows = []
    for f in data["families"]:
        for p in f["parameters"]:
            empty = ", ".join(b["label"] for b in p["per_bin"] if b["runs"] == 0) or "none"
            rows.append((f["family"], p["parameter"], p["bins"], p["occupied"], p["share"], p["chosen_bins"],
                         p["chosen_occupied"], p["chosen_share"], empty))
    return _table(("family", "parameter", "bins", "occupied", "share", "chosen bins", "occupied", "share",
                   "empty bins"), rows, caption="Occupancy of each parameter's declared bins",
                  note="A bin is occupied when at least one run's value falls in it. Runs and samples per bin are "
                       "in the JSON (families[].parameters[].per_bin).")


def _pairs_table(data: dict[str, Any]) -> Table:
    rows = [(f["family"], " × ".join(p["pair"]), p["cells"], p["occupied"], p["share"], p["chosen_cells"],
             p["chosen_occupied"], p["chosen_share"]) for f in data["families"] for p in f["pairs"]]
    return _table(("family", "pair", "cells", "occupied", "share", "chosen cells", "occupied", "share"), rows,
                  caption="2-way bin occupancy of every parameter pair",
                  note="cells = bins of the first × bins of the second parameter.")


def _odd_blocks(odd: dict[str, Any]) -> tuple[Block, ...]:
    rows = [(a["attribute"], a["binding"], v["value"], v["state"], v["runs_realised"], v["runs_tagged"],
             len(v["families_able"])) for a in odd["attributes"] for v in a["values"]]
    gaps = odd["catalogue_gaps"]
    gap_text = ("Catalogue gaps — ODD values no family of the catalogue can exercise, so no sweep can cover "
                f"them until a family is written: {', '.join(gaps)}." if gaps else "No catalogue gap: every "
                "permitted ODD value is exercisable by some family.")
    missing = odd["not_sampled"]
    return (
        Text(text=gap_text, tone="warning" if gaps else "normal"),
        Text(text=("Declared but not sampled — some family can exercise them, this sweep did not: "
                   + ", ".join(missing) + ".") if missing else "Every exercisable ODD value was sampled."),
        Text(text="Tag-only attributes (no family parameter realises them; a run exercises the values its "
                  "family declares): " + (", ".join(odd["tag_only"]) or "none") + ".", tone="note"),
        _table(("attribute", "binding", "value", "state", "runs (realised)", "runs (tag)", "families able"), rows,
               caption="ODD coverage against odd.yaml",
               note="runs (realised): runs whose bound parameter's value falls in the value's bin; runs (tag): runs "
                    "of families declaring the value without a bound parameter; families able: catalogue families "
                    "that can exercise it."),
    )


def _critical_blocks(crit: dict[str, Any]) -> tuple[Block, ...]:
    rows = [(s["kind"], s["family"], s["name"], "; ".join(s["cell"]) or "whole family", s["samples"],
             s["verdict_samples"], s["passing"], s["covered"]) for s in crit["scenarios"]]
    return (Text(text=f"A scenario is covered with at least {crit['min_passing']} passing preventable sample(s): "
                      "a sample with a counted run whose preventable verdict is true or null (no rule), every such "
                      "run passed. An edge's samples are those in the edge's bin cell (each parameter the edge names "
                      "in the bin of the edge's value). Denominator: every critical family and every documented edge "
                      f"of the catalogue: {crit['covered']} of {crit['total']}."),
            _table(("kind", "family", "scenario", "cell", "samples", "verdict samples", "passing", "covered"), rows,
                   caption="Critical-scenario coverage"))


def _failure_blocks(data: dict[str, Any], per_family: int) -> tuple[Block, ...]:
    blocks: list[Block] = [Text(text=f"Per family, the {per_family} parameter pair(s) whose cells differ most in "
                                     "failure share (n-weighted variance across cells); every pair's cells are in "
                                     "the JSON (families[].failure_maps). Each cell: pass rate of its verdict runs "
                                     "and n, the runs counted.", tone="note")]
    for f in data["families"]:
        maps = [m for m in f["failure_maps"] if m["n"] > 0][:per_family]
        if not maps or per_family <= 0:
            continue
        blocks.append(Figure(png=heatmaps_png(maps), alt=f"pass-rate heatmaps of {f['family']}",
                             caption=f"{f['family']}: " + "; ".join(f"{m['pair'][0]} × {m['pair'][1]} "
                                                                    f"(n = {m['n']:,})" for m in maps)))
    return tuple(blocks)


def _fill_blocks(data: dict[str, Any], fill_file: str | None) -> tuple[Block, ...]:
    fill = data["fill"]
    if not fill["samples"]:
        return (Text(text=f"Every {fill['strength']}-way bin combination of every family's declared domain is "
                          "covered: there is nothing to fill."),)
    rows = [(name, n) for name, n in fill["by_family"].items()]
    return (Text(text=f"{fill['file']}: {fill['samples']:,} samples covering every uncovered {fill['strength']}-way "
                      "bin combination of the declared domains (parameters a sample does not set take their "
                      f"nominal value). Run it with: simfarm submit {fill_file or fill['file']}"),
            _table(("family", "samples"), rows, caption="The fill sweep file",
                   note=f"{fill['unreachable_tuples']:,} combination(s) lie in bins no value of the declared range "
                        "reaches and are left out."))


def sections(data: dict[str, Any], *, heatmaps_per_family: int, fill_file: str | None) -> tuple[Section, ...]:
    """The page, top to bottom."""
    notes: list[Block] = [Text(text=READING, tone="note")]
    for sweep, source in data["subdomain_sources"].items():
        notes.append(Text(text=f"Chosen sub-domain of {sweep}: {source}.", tone="note"))
    skipped = [f"{f['family']}.{x['parameter']} ({x['why']})" for f in data["families"] for x in f["not_binned"]]
    if skipped:
        notes.append(Text(text="Not binned: " + "; ".join(skipped) + ".", tone="note"))
    if data["unknown"]:
        notes.append(Text(text="Not in the catalogue (ignored): " + ", ".join(data["unknown"]) + ".",
                          tone="warning"))
    return (
        Section(title="Coverage at a glance", blocks=(headline_table(data), *notes)),
        Section(title="t-wise coverage", blocks=(_tway_table(data),)),
        Section(title="Parameter occupancy", blocks=(_occupancy_table(data),)),
        Section(title="2-way bin occupancy", blocks=(_pairs_table(data),)),
        Section(title="ODD coverage", blocks=_odd_blocks(data["odd"])),
        Section(title="Critical-scenario coverage", blocks=_critical_blocks(data["critical"])),
        Section(title="Failure map", blocks=_failure_blocks(data, heatmaps_per_family)),
        Section(title="Filling the gaps", blocks=_fill_blocks(data, fill_file)),
    )


def markdown(data: dict[str, Any]) -> str:
    """The PR-comment body: the headline sentence and the at-a-glance table."""
    c2 = data["tway_overall"]["2"]["declared"]
    crit = data["critical"]
    head = (f"**Coverage of {data['runs']:,} runs ({data['samples']:,} samples)**: 2-way "
            f"{c2['covered']:,} of {c2['total']:,} bin pairs; critical scenarios {crit['covered']} of "
            f"{crit['total']} (KPI ≥ {crit['kpi_target']:.0%}: {'met' if crit['meets_kpi'] else 'not met'}); "
            f"catalogue gaps: {', '.join(data['odd']['catalogue_gaps']) or 'none'}.")
    return head + "\n\n" + markdown_table(headline_table(data)) + "\n"
