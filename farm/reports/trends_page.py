"""The trends page: tonight's alert first, then the reference, pass rates over time, the frozen set, nights.

Every number comes from the JSON body of ``farm.reports.trends.compute_trends``; the plots are
drawn by ``farm.reports.trends_plots``.
"""

from __future__ import annotations

from typing import Any

from farm.reports.document import Block, Figure, Section, Table, Text
from farm.reports.render import markdown_table
from farm.reports.trends_plots import frozen_figure, rates_figure

LISTED = 200  # flagged runs shown on the page (all are in the JSON)


def headline(body: dict[str, Any]) -> str:
    """One sentence: quiet or what fired on the last night."""
    latest = body["latest"]
    frozen, rates = len(latest["flagged"]), [f for f in latest["rate_flags"] if not f["rate_flag_waived"]]
    new = sum(f["new_tonight"] for f in latest["flagged"])
    if not body["alert"]:
        waived = len(latest["waived"]) + sum(f["rate_flag_waived"] for f in latest["rate_flags"])
        tail = f" ({waived} flag(s) waived)" if waived else ""
        return f"Quiet: no regression flagged on the night of {latest['date']}{tail}."
    parts = []
    if frozen:
        parts.append(f"{frozen} frozen run(s) newly failing against the reference ({new} landed tonight)")
    if rates:
        parts.append("pass-rate drop in " + ", ".join(sorted({f["family"] for f in rates})))
    return f"REGRESSION on the night of {latest['date']}: " + "; ".join(parts) + "."


def _flagged_table(flagged: list[dict[str, Any]], caption: str) -> Table:
    rows = tuple((f["family"], f["stack"], f["fidelity"], f["params"], f["seed"], f["status"], f["since_date"],
                  f["last_seen_date"] if not f["seen_tonight"] else "tonight",
                  (f["waived"] or {}).get("ticket"), f["replay"]) for f in flagged[:LISTED])
    note = f"{len(flagged) - LISTED} more in the JSON." if len(flagged) > LISTED else ""
    return Table(columns=("family", "stack", "fidelity", "params", "seed", "status", "failing since", "last seen",
                          "waiver", "replay"), rows=rows, caption=caption, note=note)


def _rate_table(flags: list[dict[str, Any]]) -> Table:
    rows = tuple((f["family"], f["stack"], f["fidelity"], f["window_nights"], f["window_samples"],
                  f["window_pass_rate"], f["window_low"], f["window_high"], f["reference_window_nights"],
                  f["reference_window_samples"], f["reference_window_pass_rate"], f["reference_window_low"],
                  f["reference_window_high"], f["rate_flag_waived"]) for f in flags)
    return Table(columns=("family", "stack", "fidelity", "recent nights", "samples", "pass rate", "low", "high",
                          "ref. nights", "ref. samples", "ref. pass rate", "ref. low", "ref. high", "waived"),
                 rows=rows, caption="Pass-rate drops: the recent window's 95 % Wilson interval wholly below the "
                                    "reference window's")


def tonight_section(body: dict[str, Any]) -> Section:
    latest = body["latest"]
    blocks: list[Block] = [Text(text=headline(body), tone="warning" if body["alert"] else "normal"),
                           Text(text=f"Last night: {latest['sweep_id']} ({latest['state']}, {latest['runs_read']:,} "
                                     f"runs read). Exit code {body['exit_code']}.", tone="note")]
    if latest["flagged"]:
        blocks.append(_flagged_table(latest["flagged"], "Frozen runs that passed in the reference night and fail "
                                                        "now, with the command that replays each"))
    if latest["rate_flags"]:
        blocks.append(_rate_table(latest["rate_flags"]))
    if latest["waived"]:
        blocks.append(_flagged_table(latest["waived"], "Newly failing frozen runs silenced by a waiver"))
    return Section(title="Tonight", blocks=tuple(blocks))


def reference_section(body: dict[str, Any]) -> Section:
    ref = body["reference"]
    blocks: list[Block] = [Text(text=f"Reference night: {ref['sweep_id']} ({ref['date']}) — {ref['note']}. "
                                     "Accept another with: simfarm trends accept SWEEP_ID.")]
    if body["resets"]:
        blocks.append(Table(columns=("family", "version", "reference night", "date", "state", "why"),
                            rows=tuple((r["family"], r["version"], r["reference_sweep_id"], r["reference_date"],
                                        r["reference_state"], r["reason"]) for r in body["resets"]),
                            caption="Families whose reference was reset"))
    else:
        blocks.append(Text(text="No family's reference was reset: every family has its reference night's version.",
                           tone="note"))
    return Section(title="Reference", blocks=tuple(blocks))


def nights_table(body: dict[str, Any]) -> Table:
    by_night: dict[str, dict[str, int]] = {}
    for r in body["rows"]:
        cell = by_night.setdefault(r["sweep_id"], {"flagged": 0, "new": 0, "missing": 0, "drops": 0})
        cell["flagged"] += r["frozen_newly_failing"]
        cell["new"] += r["frozen_new_tonight"]
        cell["missing"] += r["frozen_missing"]
        cell["drops"] += int(r["flag_pass_rate"])
    rows = []
    for n in reversed(body["nights"]):
        c = by_night.get(n["sweep_id"], {"flagged": 0, "new": 0, "missing": 0, "drops": 0})
        rows.append((n["date"], n["sweep_id"], n["state"] if n["state"] == "complete" else n["state"].upper(),
                     n["stored"], n["total"], "reference" if n["is_reference"] else "", c["new"], c["flagged"],
                     c["missing"], c["drops"]))
    return Table(columns=("date", "sweep", "state", "stored", "total", "", "landed", "flagged", "missing frozen",
                          "rate drops"), rows=tuple(rows),
                 caption="Every night, newest first (a night that is not complete is in capitals)",
                 note="landed: frozen runs newly failing that night; flagged: all flagged frozen runs that night "
                      "(not waived); missing frozen: reference runs with no counted outcome that night.")


def build_sections(body: dict[str, Any]) -> tuple[Section, ...]:
    table = body["trend_table"]
    where = (f"Written to {table['key']} ({table['rows']:,} rows, one per night × family × stack × fidelity)."
             if table["written"] else f"Not written: {table['reason']}.")
    waivers = body["waivers"]
    return (
        tonight_section(body),
        reference_section(body),
        Section(title="Pass rate over time", blocks=(
            Figure(png=rates_figure(body), alt="Sobol sample pass rate per night with 95 % Wilson bands",
                   caption="Rotating Sobol set: each night's sample pass rate (dots), its 95 % Wilson interval (blue "
                           "band); orange band: the recent window's interval; dashed grey lines: the reference "
                           "window's interval; red triangle: a flagged night (frozen run or rate drop); hollow dot: "
                           "a night that is not complete; vertical line: the reference night (dashed: a reset)."),)),
        Section(title="Frozen regression set", blocks=(
            Figure(png=frozen_figure(body), alt="Flagged frozen runs per family and night",
                   caption="Frozen runs flagged per family and night (not waived); a night that is not complete "
                           "is named above the grid."),
            nights_table(body))),
        Section(title="Waivers", blocks=(
            Table(columns=("subject", "reason", "ticket", "expires", "active on the last night"),
                  rows=tuple((f"family {w['family']}" if w["family"] else f"{w['scenario_key']} ({w['fidelity']})",
                              w["reason"], w["ticket"], w["expires"], w["active_on_latest"]) for w in waivers),
                  caption="Waivers of the gate file (honoured on the nights before their expiry)")
            if waivers else Text(text="No waivers in the gate file.", tone="note"),)),
        Section(title="Trend table", blocks=(Text(text=where), Text(text=_query_hint(body), tone="note"))),
        Section(title="Rules", blocks=tuple(Text(text=f"{k}: {v}") for k, v in body["rules"].items())),
    )


def _query_hint(body: dict[str, Any]) -> str:
    key = body["trend_table"]["key"]
    return (f"Query it with DuckDB: SELECT date, family, sobol_pass_rate, window_low, frozen_newly_failing, flags "
            f"FROM '<store>/{key}' ORDER BY date — or pyarrow.parquet.read_table, or a Grafana Parquet/DuckDB "
            "data source.")


def markdown_summary(body: dict[str, Any]) -> str:
    """The PR-comment / job-summary body: the headline, the flagged runs (up to 20) and the incomplete nights."""
    lines = [f"**{headline(body)}**", ""]
    flagged = body["latest"]["flagged"]
    if flagged:
        lines += [markdown_table(Table(columns=("family", "params", "seed", "status", "since", "replay"),
                                       rows=tuple((f["family"], f["params"], f["seed"], f["status"], f["since_date"],
                                                   f"`{f['replay']}`") for f in flagged[:20]))), ""]
    if body["latest"]["rate_flags"]:
        lines += [markdown_table(_rate_table(body["latest"]["rate_flags"])), ""]
    incomplete = body["incomplete_nights"]
    if incomplete:
        lines.append("Nights not complete: " + ", ".join(f"{n['date']} {n['state']}" for n in incomplete) + ".")
    lines.append(f"Reference night: `{body['reference']['sweep_id']}` ({body['reference']['source']}).")
    return "\n".join(lines)
