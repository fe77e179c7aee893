"""The nightly alert's rules: the reference night, frozen runs that newly fail, Sobol pass rates that drop.

**Reference night.** The night accepted with ``simfarm trends accept`` or, when none was
accepted (or the accepted sweep is gone — said so), the first complete night (the first
night at all when none is complete — said so). A family whose version in a night differs
from its version in the reference night (a version bump re-keys its frozen runs) is compared
with the first complete night that has that version — its *reset reference* — until a night
with the new version is accepted; a family absent from the reference night is treated the same.

**Frozen set.** Each night after its family's reference is compared run by run (pairing on
``scenario_key``, stack name, fidelity) with the reference night. A run that passed in the
reference and whose latest counted outcome since the reference is a failure (``farm.result``:
failed, stack_error, timeout) is *flagged*: from the night it lands, on every later night —
also when a later night did not run it (partial night: "carried") — until it passes again,
the reference is accepted anew, or a waiver covers it on that night's date. ``sim_error`` and
``infra_error`` outcomes say nothing about the stack: they neither flag nor clear.

**Rotating set.** Per group, the sample pass rate of each night with a Wilson interval; the
*recent window* pools the last N nights after the reference (at the night's family version), the
*reference window* pools the reference night and up to N − 1 nights before it at that version.
The group is flagged when the recent window's interval lies wholly below the reference window's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from farm.reports.gatefile import Waiver
from farm.reports.trends_data import AcceptedReference, Night
from farm.reports.trends_digest import FAILURE, Digest, FrozenRun, Group
from farm.result import Status, counts_from_mapping
from farm.stats import wilson

LEVEL = 0.95
PASSED = Status.PASSED.value
DEFAULT_WINDOW = 7


@dataclass(frozen=True, slots=True, kw_only=True)
class BaseReference:
    """The series' reference night and how it was chosen (``accepted``, ``first_complete``, ``first_night``)."""

    index: int
    source: str
    note: str


def base_reference(nights: Sequence[Night], accepted: AcceptedReference | None) -> BaseReference:
    """The reference night of the series (rules in the module docstring)."""
    if accepted is not None:
        for night in nights:
            if night.sweep_id == accepted.sweep_id:
                return BaseReference(index=night.index, source="accepted",
                                     note=f"accepted {accepted.accepted_at} with simfarm trends accept")
    lost = (f"the accepted reference {accepted.sweep_id} is not in the store any more; "
            if accepted is not None else "no reference night was accepted; ")
    for night in nights:
        if night.complete:
            return BaseReference(index=night.index, source="first_complete", note=lost + "the first complete night")
    return BaseReference(index=0, source="first_night", note=lost + "no night is complete: the first night")


def family_references(nights: Sequence[Night], digests: Sequence[Digest], base: int) -> dict[tuple[str, int], int]:
    """(family, version) -> index of the night its frozen runs and rates are compared with."""
    refs: dict[tuple[str, int], int] = {}
    seen = {(f, v) for d in digests for f, v in d.versions.items()}
    for family, version in sorted(seen):
        if digests[base].versions.get(family) == version:
            refs[(family, version)] = base
            continue
        having = [n.index for n in nights if digests[n.index].versions.get(family) == version]
        complete = [i for i in having if nights[i].complete]
        refs[(family, version)] = (complete or having)[0]
    return refs


def waiver_for(waivers: Sequence[Waiver], night: Night, family: str, scenario_key: str | None = None,
               fidelity: str | None = None) -> Waiver | None:
    """The first waiver that covers this family (or run) and is active on the night's date."""
    for waiver in waivers:
        if waiver.active_on(night.date) and waiver.covers(family, scenario_key, fidelity):
            return waiver
    return None


@lru_cache(maxsize=1 << 16)
def _wilson(k: int, n: int, level: float) -> tuple[float | None, float | None, float | None]:
    """``farm.stats.wilson`` remembered: a series asks for the same (k, n) again and again (scipy's binomtest
    also computes a p-value, ~1 ms a call)."""
    ci = wilson(k, n, level=level)
    return ci.estimate, ci.low, ci.high


def window(tallies: Sequence[tuple[int, int]], level: float = LEVEL) -> dict[str, Any]:
    """Pooled (passed, counted) samples of a window of nights and its Wilson interval."""
    k = sum(t[0] for t in tallies)
    n = sum(t[1] for t in tallies)
    estimate, low, high = _wilson(k, n, level)
    return {"nights": len(tallies), "samples": n, "passed": k, "pass_rate": estimate, "low": low, "high": high}


@dataclass(slots=True)
class _FrozenState:
    """One group's frozen comparison against one reference night."""

    reference: int
    ref_status: dict[str, str]
    last: dict[str, tuple[FrozenRun, int]]   # scenario_key -> latest counted run since the reference, its night
    since: dict[str, int]                    # scenario_key -> night the current failing streak began


def _observe(state: _FrozenState, tonight: dict[str, FrozenRun], i: int) -> None:
    for key, run in tonight.items():
        if run.status in FAILURE:
            previous = state.last.get(key)
            if previous is None or previous[0].status not in FAILURE:
                state.since[key] = i
        elif run.status == PASSED:
            state.since.pop(key, None)
        else:
            continue  # sim_error / infra_error: not an outcome of the stack
        state.last[key] = (run, i)


def _flag_entry(nights: Sequence[Night], group: Group, key: str, state: _FrozenState, i: int,
                waiver: Waiver | None, store_uri: str) -> dict[str, Any]:
    run, seen = state.last[key]
    family, stack, fidelity = group
    seen_night, since_night = nights[seen], nights[state.since[key]]
    store = f" --store {store_uri}" if store_uri else ""
    return {"family": family, "family_version": run.family_version, "stack": stack, "fidelity": fidelity,
            "scenario_key": key, "run_id": run.run_id, "params": run.params, "seed": run.seed,
            "status": run.status,
            "preventable": run.preventable, "reference_status": state.ref_status[key],
            "since_sweep_id": since_night.sweep_id, "since_date": since_night.date.isoformat(),
            "last_seen_sweep_id": seen_night.sweep_id, "last_seen_date": seen_night.date.isoformat(),
            "seen_tonight": seen == i, "new_tonight": state.since[key] == i,
            "waived": waiver.to_dict() if waiver is not None else None,
            "replay": f"simfarm replay {run.run_id} --sweep {seen_night.sweep_id}{store}"}


def analyse_group(nights: Sequence[Night], digests: Sequence[Digest], refs: dict[tuple[str, int], int],
                  group: Group, *, base: int, window_n: int, waivers: Sequence[Waiver],
                  store_uri: str = "") -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One row per night for ``group``, and the flagged frozen runs of the last night (waived ones included)."""
    family = group[0]
    state: _FrozenState | None = None
    version: int | None = None
    tallies: dict[int, tuple[int, int]] = {}      # night -> sobol (passed, counted), at the night's version
    at_version: dict[int, list[int]] = {}        # version -> nights (present) at it, in order
    rows: list[dict[str, Any]] = []
    flagged: list[dict[str, Any]] = []
    for night, dig in zip(nights, digests, strict=True):
        i = night.index
        present = group in dig.status
        version = dig.versions.get(family, version)
        if version is None:
            rows.append(_absent_row(night, group))
            continue
        q = refs[(family, version)]
        if state is None or state.reference != q:
            ref_runs = digests[q].frozen.get(group, {})
            state = _FrozenState(reference=q, ref_status={k: r.status for k, r in ref_runs.items()}, last={}, since={})
        if present:
            at_version.setdefault(version, []).append(i)
            tallies[i] = dig.sobol.get(group, (0, 0))
        tonight = dig.frozen.get(group, {}) if present else {}
        if i > q:
            _observe(state, tonight, i)
        regressed = [k for k, (run, _) in state.last.items()
                     if run.status in FAILURE and state.ref_status.get(k) == PASSED] if i > q else []
        entries = [_flag_entry(nights, group, k, state, i, waiver_for(waivers, night, family, k, group[2]), store_uri)
                   for k in sorted(regressed)]
        ref_window = window([tallies[j] for j in [j for j in at_version.get(version, []) if j <= q][-window_n:]])
        recent = window([tallies[j] for j in [j for j in at_version.get(version, []) if q < j <= i][-window_n:]])
        rate_drop = (i > q and recent["high"] is not None and ref_window["low"] is not None
                     and recent["high"] < ref_window["low"])
        rate_waiver = waiver_for(waivers, night, family) if rate_drop else None
        rows.append(_row(night, group, dig, present=present, version=version, q=q, base=base, nights=nights,
                         state=state, tonight=tonight, entries=entries, ref_window=ref_window if i >= q else None,
                         recent=recent if i > q else None, rate_drop=rate_drop, rate_waived=rate_waiver is not None))
        if i == len(nights) - 1:
            flagged = entries
    return rows, flagged


def _absent_row(night: Night, group: Group) -> dict[str, Any]:
    return {**_night_cells(night, group), "family_version": None, "role": "absent", "reference_sweep_id": None,
            "reference_reset": False, **_status_cells({}), **_frozen_cells(), **_rate_cells(None, None, None),
            "flag_frozen": False, "flag_pass_rate": False, "rate_flag_waived": False, "flags": []}


def _night_cells(night: Night, group: Group) -> dict[str, Any]:
    family, stack, fidelity = group
    return {"date": night.date.isoformat(), "created_at": night.manifest.created_at, "sweep_id": night.sweep_id,
            "state": night.state, "family": family, "stack": stack, "fidelity": fidelity}


def _status_cells(by_status: dict[str, int]) -> dict[str, Any]:
    counts = counts_from_mapping(by_status)
    cells: dict[str, Any] = {"runs": counts.total, "counted": counts.n, "passed": counts.passed,
                             "failures": counts.failures, "excluded": counts.excluded,
                             "incomplete": counts.incomplete}
    cells.update({f"n_{s.value}": int(by_status.get(s.value, 0)) for s in Status})
    return cells


def _frozen_cells(**values: int) -> dict[str, int]:
    names = ("runs", "passed", "compared", "missing", "newly_failing", "new_tonight", "carried", "waived",
             "newly_passing")
    return {f"frozen_{n}": int(values.get(n, 0)) for n in names}


def _rate_cells(tonight: tuple[int, int] | None, recent: dict[str, Any] | None,
                ref_window: dict[str, Any] | None) -> dict[str, Any]:
    own = window([tonight]) if tonight is not None else window([])
    cells = {"sobol_samples": own["samples"], "sobol_passed": own["passed"], "sobol_pass_rate": own["pass_rate"],
             "sobol_low": own["low"], "sobol_high": own["high"]}
    for prefix, w in (("window", recent), ("reference_window", ref_window)):
        w = w or {}
        cells.update({f"{prefix}_nights": w.get("nights", 0), f"{prefix}_samples": w.get("samples", 0),
                      f"{prefix}_pass_rate": w.get("pass_rate"), f"{prefix}_low": w.get("low"),
                      f"{prefix}_high": w.get("high")})
    return cells


def _row(night: Night, group: Group, dig: Digest, *, present: bool, version: int, q: int, base: int,
         nights: Sequence[Night], state: _FrozenState, tonight: dict[str, FrozenRun], entries: list[dict[str, Any]],
         ref_window: dict[str, Any] | None, recent: dict[str, Any] | None, rate_drop: bool,
         rate_waived: bool) -> dict[str, Any]:
    i = night.index
    role = "reference" if i == q else "before_reference" if i < q else "compared" if present else "absent"
    live = [e for e in entries if e["waived"] is None]
    observed = {k for k, r in tonight.items() if r.status in FAILURE or r.status == PASSED}
    frozen = _frozen_cells(
        runs=len(tonight), passed=sum(r.status == PASSED for r in tonight.values()),
        compared=len(observed & state.ref_status.keys()) if i > q else 0,
        missing=len(state.ref_status.keys() - observed) if i > q else 0,
        newly_failing=len(live), new_tonight=sum(e["new_tonight"] for e in live),
        carried=sum(not e["seen_tonight"] for e in live), waived=len(entries) - len(live),
        newly_passing=sum(1 for k in observed if tonight[k].status == PASSED
                          and state.ref_status.get(k) in FAILURE) if i > q else 0)
    flags = (["frozen_regression"] if live else []) + (["pass_rate_drop"] if rate_drop and not rate_waived else [])
    return {**_night_cells(night, group), "family_version": version, "role": role,
            "reference_sweep_id": nights[q].sweep_id, "reference_reset": q != base,
            **_status_cells(dig.status.get(group, {})), **frozen,
            **_rate_cells(dig.sobol.get(group, (0, 0)) if present else None, recent, ref_window),
            "flag_frozen": bool(live), "flag_pass_rate": rate_drop and not rate_waived, "rate_flag_waived": rate_waived,
            "flags": flags}
