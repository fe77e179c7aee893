"""``simfarm report summary SWEEP_ID[:STACK]``: how the stack did, with honest intervals.

``compute_summary`` turns the runs (and events) tables into the JSON body (pure; the
rules are in ``farm.reports.summary_data``); ``summary_groups`` is the part the end-of-sweep
table of ``simfarm submit`` prints, from the same code; ``summary_report`` reads a sweep
through the store API (only the columns below, never ``spec``) and builds the ``Report``
(``farm.reports.summary_page``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from farm.reports.document import Report, make_report_id
from farm.reports.provenance import provenance_for
from farm.reports.source import SweepSide, open_target, parse_target, stack_display_names
from farm.reports.summary_data import (
    LEVEL,
    RUN_COLUMNS,
    UNIT_RULE,
    RunFrame,
    flaky_samples,
    group_rows,
    stack_totals,
)
from farm.reports.summary_tables import (
    REL_SPEED_BANDS_MPS,
    collisions,
    failure_reasons,
    latency,
    mitigation_rows,
    safety,
)
from farm.store.base import Manifest, Store

SUMMARY_COLUMNS: tuple[str, ...] = (
    *RUN_COLUMNS, "run_id", "fail_reasons", "collision", "collision_speed_mps", "collision_rel_speed_mps",
    "collision_kind", "collision_class", "collision_at_fault", "ref_impact_speed_mps", "safety_triggers",
    "fallbacks", "latency",
)
EVENT_COLUMNS: tuple[str, ...] = ("run_id", "kind", "detail")


def summary_groups(runs: pa.Table, stack_names: Mapping[str, str]) -> dict[str, Any]:
    """The per-group rows and per-stack totals (what ``simfarm submit`` prints at the end of a sweep).

    ``runs`` needs ``RUN_COLUMNS``.
    """
    frame = RunFrame(runs, stack_names)
    return {"unit_rule": UNIT_RULE, "level": LEVEL, "stacks": stack_totals(frame), "groups": group_rows(frame)}


def compute_summary(runs: pa.Table, events: pa.Table | None, *, stack_names: Mapping[str, str],
                    deadlines_ms: Mapping[str, float] | None = None) -> dict[str, Any]:
    """Every number of the summary: groups, stacks, flaky samples, mitigation, reasons, collisions,
    safety interventions and latency. ``runs`` needs ``SUMMARY_COLUMNS``; ``events`` ``EVENT_COLUMNS``."""
    frame = RunFrame(runs, stack_names)
    return {
        "unit_rule": UNIT_RULE, "level": LEVEL, "runs_read": runs.num_rows,
        "stacks": stack_totals(frame), "groups": group_rows(frame), "flaky": flaky_samples(frame),
        "mitigation": mitigation_rows(frame), "failure_reasons": failure_reasons(frame),
        "collisions": {"rel_speed_band_edges_mps": list(REL_SPEED_BANDS_MPS), **collisions(frame)},
        "safety": safety(frame), "latency": latency(frame, events, deadlines_ms or {}),
    }


def sweep_deadlines_ms(manifest: Manifest) -> dict[str, float]:
    """Each module's deadline of the farm's latency model as the sweep recorded it (``extra["sim"]``)."""
    recorded = (manifest.extra.get("sim") or {}).get("latency") or {}
    return {str(m): float(v["deadline_ms"]) for m, v in recorded.items() if "deadline_ms" in v}


def read_summary(store: Store, target_text: str, *, allow_partial: bool = False) -> tuple[SweepSide, dict[str, Any]]:
    """Read a sweep (or one stack of it) and compute its summary.

    Raises:
        InputError: a bad target, an unknown stack, or an incomplete sweep without ``allow_partial``.
        UnknownSweep / StoreError: no such sweep / the store refused.
    """
    target = parse_target(target_text)
    side = open_target(store, target, allow_partial=allow_partial, columns=SUMMARY_COLUMNS, ordered=False)
    events = store.read_table(target.sweep_id, "events", columns=EVENT_COLUMNS, ordered=False)
    data = compute_summary(side.runs, events, stack_names=side.stack_names or stack_display_names(side.manifest),
                           deadlines_ms=sweep_deadlines_ms(side.manifest))
    return side, data


def summary_report(store: Store, target_text: str, *, allow_partial: bool = False) -> Report:
    """The summary ``Report`` of ``SWEEP_ID[:STACK]``."""
    from farm.reports.summary_page import build_sections, headline_markdown

    side, data = read_summary(store, target_text, allow_partial=allow_partial)
    manifest = side.manifest
    body = {"sweep": {"sweep_id": manifest.sweep_id, "name": manifest.name, "state": manifest.state,
                      "total": manifest.total, "stored": sum(int(v) for v in manifest.counts.values()),
                      "stacks": [{"stack": side.stack_names.get(s, s), "stack_id": s} for s in side.stack_ids],
                      "target": side.target.text}, **data}
    names = ", ".join(side.stack_names.get(s, s) for s in side.stack_ids) or "no stack"
    return Report(kind="summary", report_id=make_report_id("summary", side.target.text),
                  title=f"Sweep summary — {side.target.text}",
                  subtitle=f"{manifest.name} · {manifest.state} · {data['runs_read']:,} runs read · stacks: {names}"
                           f" · created {manifest.created_at}",
                  data=body, sections=build_sections(body), markdown=headline_markdown(body),
                  labels=side.labels, provenance=provenance_for([manifest]), archive_sweep_id=manifest.sweep_id)
