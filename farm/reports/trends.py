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
from farm.reports.gatefile import Waiver
from farm.reports.trends_analysis import (
    DEFAULT_WINDOW,
    LEVEL,
    analyse_group,
    base_reference,
    family_references,
)
from farm.reports.trends_data import AcceptedReference, Night
from farm.reports.trends_digest import digest

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
