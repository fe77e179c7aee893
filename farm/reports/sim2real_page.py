"""The sim2real page: statistics tables, per-metric figures, rank inversions and units, as ``Section`` values.

Cells hold the JSON's raw values (formatted by ``farm.reports.render.format_cell``), so the
page, the JSON and the Markdown cannot disagree (a test compares them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from farm.reports.document import Block, Cell, Figure, Section, Table, Text
from farm.reports.sim2real_plots import metric_figure
from farm.reports.sim2real_stats import MetricAnalysis

SMALL_N = 10
UNITS_SHOWN = 50
INVERSIONS_ON_PAGE = 15
CORRELATION_COLUMNS = ("metric", "group", "n", "excl.", "Pearson r", "Fisher low", "Fisher high", "BCa low",
                       "BCa high", "Spearman ρ", "Kendall τ-b", "MMRV")
AGREEMENT_COLUMNS = ("metric", "group", "n", "bias (sim − real)", "LoA low", "LoA high", "CCC", "slope",
                     "intercept", "Wasserstein-1")
REALISM_COLUMNS = ("metric", "group", "units", "repeats", "bins", "likelihood (mean)", "geometric mean", "CRPS",
                   "weight")
PASSFAIL_COLUMNS = ("metric", "group", "units", "both failed", "sim only failed", "real only failed", "both passed",
                    "agreement", "Cohen κ", "McNemar p", "Brier")


def scopes(a: MetricAnalysis) -> list[tuple[str, dict[str, Any]]]:
    """(group label, STATS) rows of one metric: overall first, then its groups (none when one group is all)."""
    return [("overall", a.overall), *(a.groups.items() if len(a.groups) > 1 else ())]


def correlation_rows(analyses: Sequence[MetricAnalysis]) -> tuple[tuple[Cell, ...], ...]:
    rows = []
    for a in analyses:
        for group, s in scopes(a):
            p = s["pearson"]
            fisher, boot = p["ci_fisher"] or [None, None], p["ci_bootstrap"] or [None, None]
            rows.append((a.metric, group, s["n"], s["n_excluded"], p["value"], fisher[0], fisher[1], boot[0], boot[1],
                         s["spearman"]["value"], s["kendall"]["value"], s["mmrv"]))
    return tuple(rows)


def agreement_rows(analyses: Sequence[MetricAnalysis]) -> tuple[tuple[Cell, ...], ...]:
    return tuple((a.metric, group, s["n"], s["bland_altman"]["bias"], s["bland_altman"]["loa_low"],
                  s["bland_altman"]["loa_high"], s["ccc"], s["slope"], s["intercept"], s["wasserstein"])
                 for a in analyses for group, s in scopes(a))


def realism_rows(analyses: Sequence[MetricAnalysis], weights: dict[str, float]) -> tuple[tuple[Cell, ...], ...]:
    rows = []
    for a in analyses:
        for group, s in scopes(a):
            if "realism" not in s:
                continue
            r = s["realism"]
            repeats = str(r["repeats_min"]) if r["repeats_min"] == r["repeats_max"] else \
                f"{r['repeats_min']}–{r['repeats_max']}"
            rows.append((a.metric, group, r["n"], repeats, r["bins"], r["mean"], r["geometric_mean"], r["crps"],
                         weights.get(a.metric, 0.0) if group == "overall" else None))
    return tuple(rows)


def passfail_rows(analyses: Sequence[MetricAnalysis]) -> tuple[tuple[Cell, ...], ...]:
    rows = []
    for a in analyses:
        for group, s in scopes(a):
            if "passfail" not in s:
                continue
            pf = s["passfail"]
            t = pf["table"]
            rows.append((a.metric, group, pf["n"], t["both_failed"], t["sim_only_failed"], t["real_only_failed"],
                         t["both_passed"], pf["agreement"], pf["kappa"], pf["mcnemar"]["p_value"], pf["brier"]))
    return tuple(rows)


def small_n_warning(analyses: Sequence[MetricAnalysis]) -> Text | None:
    """One warning for the metrics with fewer than ``SMALL_N`` units used in the correlations."""
    small = [a.metric for a in analyses if a.overall["n"] < SMALL_N]
    if not small:
        return None
    which = "every metric" if len(small) == len(analyses) else ", ".join(small)
    return Text(text=f"Fewer than {SMALL_N} units for {which}: a correlation over so few says little (its "
                     "interval spans most of [−1, 1], or is not defined); read the units and the agreement.",
                tone="warning")


def statistics_sections(analyses: Sequence[MetricAnalysis], meta: dict[str, Any]) -> list[Section]:
    """The tables over every metric: correlation and ranking, agreement, realism, pass/fail."""
    sections = [Section(title="Correlation and ranking", blocks=(
        Table(columns=CORRELATION_COLUMNS, rows=correlation_rows(analyses),
              note="n: units used; excluded: units with a non-finite side (a TTC that never closes). Fisher-z "
                   "interval: none for n ≤ 3 or |r| = 1; paired BCa bootstrap (2,000 resamples, seeded): none "
                   "below n = 8 or when degenerate. MMRV in the metric's unit (0: sim ranks units as reality does)."),
    )), Section(title="Agreement", blocks=(
        Table(columns=AGREEMENT_COLUMNS, rows=agreement_rows(analyses),
              note="Bland–Altman: bias = mean(sim − real), limits bias ± 1.96·SD (ddof = 1). CCC: Lin's "
                   "concordance (1 only on y = x). slope and intercept of real on sim (calibrated: 1 and 0). "
                   "Wasserstein-1 between the sim and real values as samples, in the metric's unit."),
    ))]
    realism = realism_rows(analyses, meta["weights"])
    if realism:
        score = meta["score"]
        head = Text(text=f"Meta-score (weighted mean of the per-metric likelihood means): "
                         f"{'—' if score is None else f'{score:.4g}'}; weights from {meta['bins_file']}, "
                         "renormalised to the metrics present.")
        sections.append(Section(title="Realism", blocks=(head, Table(
            columns=REALISM_COLUMNS, rows=realism,
            note="Per unit, p = (count in the real value's bin + 0.1)/(K + 0.1·B) over the K repeats (WOSAC), values "
                 "clipped to the outer edges; mean over units (WOSAC's aggregate) and geometric mean (punishes a "
                 "unit the simulation never produces). CRPS: mean over units, in the metric's unit (0 is perfect)."),
        )))
    passfail = passfail_rows(analyses)
    if passfail:
        sections.append(Section(title="Pass/fail", blocks=(Table(
            columns=PASSFAIL_COLUMNS, rows=passfail,
            note="A unit's simulated verdict: failed when at least half of its repeats failed (a tie fails). McNemar: "
                 "exact, two-sided, on the discordant cells. Brier: mean (failed fraction − real failed)², 0 is "
                 "perfect, 0.25 a coin."),)))
    return sections


def metric_section(a: MetricAnalysis) -> Section:
    """One metric: its figure (not for a 0/1 verdict: the pass/fail table says it), its largest rank inversions
    and its units."""
    blocks: list[Block] = []
    png = None if "passfail" in a.overall else metric_figure(a.metric, a.units, a.overall)
    if png is not None:
        left_out = a.overall["n_excluded"]
        blocks.append(Figure(png=png, alt=f"{a.metric}: real against sim, and Bland–Altman",
                             caption=f"{a.overall['n']} units" + (f"; {left_out} with a non-finite value not shown"
                                                                   if left_out else "")))
    if a.inversions:
        blocks.append(Table(columns=("unit a", "unit b", "real a", "real b", "sim a", "sim b", "real gap", "sim gap"),
                            rows=tuple((x["unit_a"], x["unit_b"], x["real_a"], x["real_b"], x["sim_a"], x["sim_b"],
                                        x["real_gap"], x["sim_gap"]) for x in a.inversions[:INVERSIONS_ON_PAGE]),
                            caption="Rank inversions, largest real gap first",
                            note=f"{len(a.inversions)} pairs ordered differently by sim and real (JSON: up to 50)."))
    blocks.append(_units_table(a))
    return Section(title=f"Metric: {a.metric}", blocks=tuple(blocks))


def _units_table(a: MetricAnalysis) -> Table:
    scored = any("likelihood" in u for u in a.units)
    named = any(u["real_runs"] for u in a.units)  # a sweep's units name their real runs; a pairs file's do not
    measured = any(u["real_file"] is not None for u in a.units)
    columns = ("group", "unit", *(("real runs",) if named else ()), "repeats", "sim mean", "sim median", "real",
               *(("real (file)",) if measured else ()), *(("likelihood", "CRPS") if scored else ()))
    rows = tuple((u["group"], u["unit"], *((", ".join(u["real_runs"]),) if named else ()), u["repeats"], u["sim_mean"],
                  u["sim_median"], u["real"], *((u["real_file"],) if measured else ()),
                  *((u["likelihood"], u["crps"]) if scored else ())) for u in a.units[:UNITS_SHOWN])
    more = len(a.units) - UNITS_SHOWN
    note = ("Where real (file) is given, real was computed from the run's trajectories and real (file) is the runs "
            "file's own measurement. "
            if measured else "") + (f"{more} more units in the JSON." if more > 0 else "")
    return Table(columns=columns, rows=rows, caption="Units", note=note.strip())
