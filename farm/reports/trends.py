"""``simfarm trends``: did tonight break something that worked? The nightly alert over a series of sweeps.

``compute_trends`` turns the nights (``farm.reports.trends_data``) into the JSON body — the
rules are in ``farm.reports.trends_analysis`` — with one row per night × group (family, stack
name, fidelity), the flagged frozen runs of the last night with their replay commands, the
rate drops, the reference night and every family whose reference was reset. ``trends_report``
reads the store, writes the trend table (``farm.reports.trends_table``) and builds the
``Report`` (``farm.reports.trends_page``). The alert is about the **last** night: it fires
(exit 4, ``ExitCode.REGRESSION``) when that night has a flagged frozen run that no waiver
covers, or a group whose recent window lies wholly below its reference window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from farm.errors import ExitCode
from farm.reports.document import Report, make_report_id
from farm.reports.gatefile import Waiver
from farm.reports.provenance import provenance_for
from farm.reports.trends_analysis import (
    DEFAULT_WINDOW,
    LEVEL,
    analyse_group,
    base_reference,
    family_references,
)
from farm.reports.trends_data import AcceptedReference, Night, read_nights, read_reference
from farm.reports.trends_digest import digest
from farm.reports.trends_table import TABLE_NAME, write_trend_table
from farm.store import layout
from farm.store.base import Store

RULES = {
    "reference": "The night accepted with 'simfarm trends accept SWEEP_ID'; until one is accepted, the first "
                 "complete night. A family whose version differs from its version in the reference night is "
                 "compared with the first complete night at its new version (its reference is reset).",
    "frozen": "Frozen runs pair on (scenario_key, stack name, fidelity). A run that passed in the reference night "
              "and whose latest counted outcome since then is a failure (failed, stack_error, timeout) is flagged "
              "from the night it lands until it passes again, a reference is accepted anew, or a waiver covers it. "
              "sim_error and infra_error neither flag nor clear a run.",
    "rates": "Rotating (Sobol) samples: the unit is the sample (it passes when every counted seed passes), over the "
             "verdict runs (preventable true or null). The recent window pools the last N nights after the "
             "reference; the reference window pools the reference night and up to N - 1 nights before it, at the "
             "same family version. Flagged when the recent window's 95 % Wilson interval lies wholly below the "
             "reference window's.",
    "alert": "Exit 4 when the last night has a flagged frozen run no waiver covers, or a pass-rate drop in a family "
             "no waiver covers; otherwise 0.",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class TrendOptions:
    """How to judge: the window length (nights), the waivers, the store URI for replay commands."""

    window: int = DEFAULT_WINDOW
    waivers: tuple[Waiver, ...] = ()
    store_uri: str = ""


def compute_trends(nights: Sequence[Night], accepted: AcceptedReference | None,
                   options: TrendOptions = TrendOptions()) -> dict[str, Any]:
    """Every number of the trends report (see the module docstring); ``nights`` oldest first, not empty."""
    if not nights:
        raise ValueError("no nights to compare")
    if options.window < 1:
        raise ValueError(f"window must be >= 1 night, got {options.window}")
    digests = [digest(n.runs) for n in nights]
    base = base_reference(nights, accepted)
    refs = family_references(nights, digests, base.index)
    groups = sorted({g for d in digests for g in d.groups})
    rows: list[dict[str, Any]] = []
    flagged: list[dict[str, Any]] = []
    for group in groups:
        group_rows, group_flagged = analyse_group(nights, digests, refs, group, base=base.index,
                                                  window_n=options.window, waivers=options.waivers,
                                                  store_uri=options.store_uri)
        rows += group_rows
        flagged += group_flagged
    rows.sort(key=lambda r: (r["created_at"], r["sweep_id"], r["family"], r["stack"], r["fidelity"]))
    last = nights[-1]
    latest_rows = [r for r in rows if r["sweep_id"] == last.sweep_id]
    rate_flags = [_rate_flag(r) for r in latest_rows if r["flag_pass_rate"] or r["rate_flag_waived"]]
    live = [f for f in flagged if f["waived"] is None]
    alert = bool(live) or any(r["flag_pass_rate"] for r in latest_rows)
    return {
        "sweep_name": nights[0].manifest.name, "window": options.window, "level": LEVEL, "rules": RULES,
        "reference": {"sweep_id": nights[base.index].sweep_id, "date": nights[base.index].date.isoformat(),
                      "source": base.source, "note": base.note,
                      "accepted": accepted.to_dict() if accepted is not None else None},
        "resets": _resets(nights, digests, refs, base.index),
        "nights": [{**n.summary(), "is_reference": n.index == base.index} for n in nights],
        "incomplete_nights": [n.summary() for n in nights if not n.complete],
        "families": sorted({g[0] for g in groups}),
        "groups": [{"family": f, "stack": s, "fidelity": d} for f, s, d in groups],
        "latest": {**last.summary(), "alert": alert, "flagged": live, "waived": [f for f in flagged if f["waived"]],
                   "rate_flags": rate_flags},
        "waivers": [{**w.to_dict(), "active_on_latest": w.active_on(last.date)} for w in options.waivers],
        "rows": rows,
        "alert": alert,
        "exit_code": int(ExitCode.REGRESSION if alert else ExitCode.OK),
    }


def _rate_flag(row: dict[str, Any]) -> dict[str, Any]:
    keep = ("family", "stack", "fidelity", "family_version", "window_nights", "window_samples", "window_pass_rate",
            "window_low", "window_high", "reference_window_nights", "reference_window_samples",
            "reference_window_pass_rate", "reference_window_low", "reference_window_high", "rate_flag_waived")
    return {k: row[k] for k in keep}


def _resets(nights: Sequence[Night], digests: Sequence[Any], refs: dict[tuple[str, int], int],
            base: int) -> list[dict[str, Any]]:
    """Every (family, version) whose reference is not the series' reference night, and why."""
    out = []
    for (family, version), q in sorted(refs.items()):
        if q == base:
            continue
        in_base = digests[base].versions.get(family)
        why = (f"version {version} differs from version {in_base} in the reference night" if in_base is not None
               else "the family is not in the reference night")
        out.append({"family": family, "version": version, "reference_sweep_id": nights[q].sweep_id,
                    "reference_date": nights[q].date.isoformat(), "reference_state": nights[q].state,
                    "reason": f"{why}: its reference is reset to the first "
                              f"{'complete ' if nights[q].complete else ''}night at version {version}, "
                              "until a night at that version is accepted"})
    return out


def trends_body(store: Store, *, sweep_name: str = "nightly", families: Sequence[str] | None = None,
                window_n: int = DEFAULT_WINDOW, gate: str = "default",
                write_table: bool = True) -> tuple[list[Night], dict[str, Any]]:
    """Read the nights of ``sweep_name``, judge them and write the trend table: the nights and the JSON body.

    The table is written only over all families (``families`` empty) and when ``write_table``.

    Raises:
        InputError: no such sweep name, a bad window, a bad gate file, a family no night ran (exit 2).
        StoreError: the store refused a read or the table write (exit 5).
    """
    from farm.errors import InputError
    from farm.reports.gatefile import load_gate

    if window_n < 1:
        raise InputError(f"the window must be at least 1 night, got {window_n}", field="--window")
    gate_file = load_gate(gate)
    nights = read_nights(store, sweep_name, families=families or None)
    if families:
        present = {str(f) for n in nights for f in n.runs["family"].unique().to_pylist()}
        missing = sorted(set(families) - present)
        if missing:
            raise InputError(f"no night of {sweep_name!r} ran {', '.join(missing)} (families run: "
                             f"{', '.join(sorted(present)) or 'none'})", field="--family")
    body = compute_trends(nights, read_reference(store, sweep_name),
                          TrendOptions(window=window_n, waivers=gate_file.waivers, store_uri=store.uri))
    key = layout.trend_table_key(sweep_name, TABLE_NAME)
    if families or not write_table:
        reason = ("--family narrows the report; the table is written only over every family" if families
                  else "--no-table")
        body["trend_table"] = {"key": key, "written": False, "rows": len(body["rows"]), "reason": reason}
    else:
        write_trend_table(store, sweep_name, body["rows"])
        body["trend_table"] = {"key": key, "written": True, "rows": len(body["rows"]), "reason": None}
    body["gate"] = {"name": gate_file.name, "source": gate_file.source}
    return nights, body


def night_labels(body: dict[str, Any]) -> tuple[str, ...]:
    """One banner per night that is not complete (repeated at the top of the page, the JSON and the Markdown)."""
    return tuple(f"NIGHT {n['date']} {n['sweep_id']} IS {n['state'].upper()}: {n['label'].partition(': ')[2]}"
                 for n in body["incomplete_nights"])


def trends_report(store: Store, *, sweep_name: str = "nightly", families: Sequence[str] | None = None,
                  window_n: int = DEFAULT_WINDOW, gate: str = "default", write_table: bool = True) -> Report:
    """``trends_body`` as a ``Report``: the page, the Markdown summary, a label per night that is not complete."""
    from farm.reports.gatefile import resolve_gate_path
    from farm.reports.trends_page import build_sections, markdown_summary

    nights, body = trends_body(store, sweep_name=sweep_name, families=families, window_n=window_n, gate=gate,
                               write_table=write_table)
    labels = night_labels(body)
    last = nights[-1]
    scope = f" · families: {', '.join(families)}" if families else ""
    return Report(kind="trends", report_id=make_report_id("trends", last.sweep_id),
                  title=f"Nightly trends — {sweep_name}",
                  subtitle=f"{len(nights)} nights, {nights[0].date} to {last.date} · window {window_n} nights · "
                           f"reference {body['reference']['sweep_id']}{scope}",
                  data=body, sections=build_sections(body), markdown=markdown_summary(body), labels=labels,
                  provenance=provenance_for([n.manifest for n in nights], [resolve_gate_path(gate)],
                                            extra={"sweep_name": sweep_name, "window": window_n}),
                  archive_sweep_id=None)
