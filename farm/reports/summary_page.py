"""The summary page: tables (and one figure) built from the JSON body, so every cell is a JSON value.

Each ``*_table`` reads only ``body`` (``farm.reports.summary.compute_summary`` plus the sweep
block): the HTML, the Markdown and the JSON therefore show the same numbers, formatted by
``farm.reports.render.format_cell``.
"""

from __future__ import annotations

from typing import Any

from farm.reports.document import Block, Figure, Section, Table, Text
from farm.reports.figures import FAIL_COLOUR, NEUTRAL_COLOUR, figure, to_png
from farm.reports.render import format_cell, markdown_table
from farm.result import Status

STATUSES = tuple(s.value for s in Status)
KEY_COLUMNS = ("family", "stack", "fidelity", "design")
FIGURE_ROWS = 48
COUNTS_ONLY = "counts only (chosen design)"


def _key(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[k] for k in KEY_COLUMNS)


def interval_cells(tally: dict[str, Any]) -> tuple[Any, Any, str]:
    """(low, high, method) cells: the Wilson bounds, or none and "counts only" for a chosen design."""
    ci = tally.get("interval")
    if ci is None:
        return None, None, COUNTS_ONLY
    return ci["low"], ci["high"], f"Wilson {ci['level'] * 100:g} %"


def stacks_table(body: dict[str, Any]) -> Table:
    rows = []
    for s in body["stacks"]:
        every, rnd = s["all_designs"], s["random_designs"]
        low, high, _ = interval_cells(rnd)
        rows.append((s["stack"], every["counted"], every["passed"], every["flaky"], every["pass_rate"],
                     rnd["counted"], rnd["passed"], rnd["pass_rate"], low, high))
    return Table(columns=("stack", "samples", "passed", "flaky", "pass rate (counts)", "random-design samples",
                          "random passed", "random pass rate", "95 % low", "95 % high"), rows=tuple(rows),
                 caption="Verdict per stack (preventable or no rule), by sample",
                 note="All designs together: counts only (chosen and random points mixed). Random designs "
                      "(random, sobol, lhs, halton) alone: 95 % Wilson interval.")


def runs_table(body: dict[str, Any]) -> Table:
    rows = tuple((*_key(g), sum(g["runs"]["by_status"].values()), *(g["runs"]["by_status"].get(s, 0) for s in STATUSES))
                 for g in body["groups"])
    return Table(columns=(*KEY_COLUMNS, "runs", *STATUSES), rows=rows, caption="Runs by status",
                 note="Every stored run (latest attempt). stack_error and timeout count as failures; sim_error "
                      "and infra_error do not count (farm.result.STATUS_TABLE).")


def verdict_table(body: dict[str, Any]) -> Table:
    rows = []
    for g in body["groups"]:
        v = g["verdict"]
        low, high, method = interval_cells(v)
        rows.append((*_key(g), v["samples"], v["counted"], v["passed"], v["failed"], v["flaky"], v["pass_rate"],
                     low, high, method))
    return Table(columns=(*KEY_COLUMNS, "samples", "counted", "passed", "failed", "flaky", "pass rate", "95 % low",
                          "95 % high", "interval"), rows=tuple(rows),
                 caption="Pass rate by sample — verdict runs (preventable or no rule)",
                 note="counted: samples with at least one counted seed. failed: every counted seed failed; flaky: "
                      "seeds disagree (neither passes). Chosen designs (nominal, grid, twise, frozen) show counts "
                      "only: their rate estimates nothing beyond the chosen points.")


def mitigation_table(body: dict[str, Any]) -> Table:
    groups = {_key(g): g["mitigation"] for g in body["groups"]}
    rows = []
    for m in body["mitigation"]:
        tally = groups[_key(m)]
        rows.append((*_key(m), m["runs"], tally["counted"], tally["passed"], m["stack_collisions"],
                     m["reference_collisions"], m["stack_impact_mean_mps"], m["reference_impact_mean_mps"],
                     m["no_worse"]))
    return Table(columns=(*KEY_COLUMNS, "runs", "samples", "passed", "stack hits", "ref. hits",
                          "stack impact [m/s]", "ref. impact [m/s]", "no worse"), rows=tuple(rows),
                 caption="Unpreventable runs (preventable = false): mitigation, not verdict",
                 note="samples, passed: the unpreventable samples and those whose counted seeds all passed. hits: "
                      "runs with a collision, the stack's and the reference careful driver's. Impact speeds are "
                      "means over the same runs (0 where no collision): the stack's collision_speed_mps against "
                      "the reference's ref_impact_speed_mps. no worse: runs where the stack hit no harder.")


def flaky_table(body: dict[str, Any]) -> Table:
    rows = tuple((*_key(f), f["params"], " · ".join(f"seed {k}: {v}" for k, v in f["seeds"].items()))
                 for f in body["flaky"]["listed"])
    shown = len(rows)
    return Table(columns=(*KEY_COLUMNS, "params", "seeds"), rows=rows,
                 caption=f"Flaky samples: {body['flaky']['count']:,} (first {shown} listed)")


def reasons_table(body: dict[str, Any]) -> Table:
    rows = tuple((r["family"], r["criterion"], r["runs"], r["verdict"], r["mitigation"], r["share_of_failed"])
                 for r in body["failure_reasons"])
    return Table(columns=("family", "criterion", "runs", "verdict", "mitigation", "share of failed runs"),
                 rows=rows, caption="Failure reasons by criterion",
                 note="Raw reasons embed the measured value; they are grouped by the criterion they broke. "
                      "A run that broke two criteria counts under both; stack_error and timeout runs are listed "
                      "under their status.")


def collision_tables(body: dict[str, Any]) -> tuple[Table, ...]:
    c = body["collisions"]
    tail = ("collisions", "at fault", "verdict", "mitigation")

    def rows(name: str, keys: tuple[str, ...]) -> tuple[tuple[Any, ...], ...]:
        return tuple((r["stack"], *(r[k] for k in keys), r["collisions"], r["at_fault"], r["verdict"],
                      r["mitigation"]) for r in c[name])

    return (Table(columns=("stack", "kind", *tail), rows=rows("by_kind", ("kind",)), caption="Collisions by kind"),
            Table(columns=("stack", "class", "ego at fault", "collisions", "verdict", "mitigation"),
                  rows=tuple(r[:4] + r[5:] for r in rows("by_class", ("class", "at_fault"))),
                  caption="Collisions by nuPlan class and fault"),
            Table(columns=("stack", "relative speed", *tail), rows=rows("by_rel_speed", ("band",)),
                  caption="Collisions by relative (closing) speed",
                  note="collision_rel_speed_mps at first contact, banded at "
                       + ", ".join(f"{e:g}" for e in c["rel_speed_band_edges_mps"]) + " m/s."))


def safety_table(body: dict[str, Any]) -> Table:
    rows = tuple((r["family"], r["stack"], r["runs"], r["safety_triggers"], r["triggers_per_run"],
                  r["runs_with_trigger"], r["fallbacks"], r["fallbacks_per_run"], r["runs_with_fallback"])
                 for r in body["safety"])
    return Table(columns=("family", "stack", "runs", "safety triggers", "triggers per run", "runs with a trigger",
                          "fallbacks", "fallbacks per run", "runs with a fallback"), rows=rows,
                 caption="Safety interventions (AEB, envelope, geofence) and minimal-risk fallbacks, counted runs")


def latency_table(body: dict[str, Any]) -> Table:
    rows = tuple((r["stack"], r["module"], r["runs"], r["p50_ms"], r["p95_ms"], r["max_ms"], r["deadline_ms"],
                  r["deadline_misses"], r["runs_with_miss"]) for r in body["latency"])
    return Table(columns=("stack", "module", "runs", "p50 [ms]", "p95 [ms]", "max [ms]", "deadline [ms]",
                          "deadline misses", "runs with a miss"), rows=rows,
                 caption="Per-module latency and deadline misses",
                 note="p50, p95, max: measured wall time on the farm's machine (median of the runs' p50, 95th "
                      "percentile of their p95, largest max). Deadline misses: ticks where the farm's simulated "
                      "compute latency (the car computer's model) exceeded the module's deadline — what the "
                      "stack's watchdog acts on.")


def pass_rate_figure(body: dict[str, Any]) -> Figure | None:
    """Sample pass rate with its Wilson interval, one line per random-design group."""
    picked = [g for g in body["groups"] if g["verdict"]["interval"] is not None and g["verdict"]["counted"]]
    if not picked:
        return None
    shown = picked[:FIGURE_ROWS]
    fig, ax = figure(8.0, 1.0 + 0.26 * len(shown))
    for i, g in enumerate(reversed(shown)):
        ci = g["verdict"]["interval"]
        ax.plot([ci["low"], ci["high"]], [i, i], color=NEUTRAL_COLOUR, lw=2.2, solid_capstyle="butt")
        ax.plot([ci["estimate"]], [i], "o", color=FAIL_COLOUR if ci["estimate"] < 0.9 else NEUTRAL_COLOUR, ms=4.5)
    ax.set_yticks(range(len(shown)), [f"{g['family']} · {g['stack']} · {g['fidelity']} · {g['design']} "
                                      f"(n={g['verdict']['counted']})" for g in reversed(shown)], fontsize=8.5)
    ax.set_xlim(0.0, 1.0)
    ax.set_xlabel("sample pass rate (verdict runs), 95 % Wilson interval")
    ax.grid(axis="y", alpha=0.0)
    more = f" (first {FIGURE_ROWS} of {len(picked)})" if len(picked) > FIGURE_ROWS else ""
    return Figure(png=to_png(fig), alt="sample pass rate with Wilson intervals per random-design group",
                  caption=f"Random-design groups{more}: dot = pass rate, bar = 95 % Wilson interval; red dot < 0.9.")


def build_sections(body: dict[str, Any]) -> tuple[Section, ...]:
    """The page, top to bottom."""
    figure_block = pass_rate_figure(body)
    verdict: list[Block] = [verdict_table(body)]
    if figure_block is not None:
        verdict.append(figure_block)
    flaky = body["flaky"]
    return (
        Section(title="Headline", blocks=(Text(text=body["unit_rule"]), stacks_table(body))),
        Section(title="Runs by status", blocks=(runs_table(body),)),
        Section(title="Pass rate by sample", blocks=tuple(verdict)),
        Section(title="Unpreventable cases: mitigation", blocks=(mitigation_table(body),) if body["mitigation"]
                else (Text(text="No counted run was unpreventable.", tone="note"),)),
        Section(title="Flaky samples", blocks=(flaky_table(body),) if flaky["count"]
                else (Text(text="No flaky sample: every sample's counted seeds agree.", tone="note"),)),
        Section(title="Failure reasons", blocks=(reasons_table(body),)),
        Section(title="Collisions", blocks=collision_tables(body) if body["collisions"]["by_kind"]
                else (Text(text="No counted run collided.", tone="note"),)),
        Section(title="Safety triggers and fallbacks", blocks=(safety_table(body),)),
        Section(title="Latency and deadline misses", blocks=(latency_table(body),)),
    )


def headline_markdown(body: dict[str, Any]) -> str:
    """The PR comment: one sentence per stack and the per-stack table."""
    lines = []
    for s in body["stacks"]:
        every = s["all_designs"]
        lines.append(f"- **{s['stack']}**: {every['passed']:,} of {every['counted']:,} samples pass "
                     f"(pass rate {format_cell(every['pass_rate'])}), "
                     f"{every['flaky']:,} flaky.")
    return "\n".join([*lines, "", markdown_table(stacks_table(body))])
