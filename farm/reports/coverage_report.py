"""Build the coverage ``Report`` of one or more stored sweeps (a union), and its fill sweep file.

Reads through the store API only: each sweep's manifest, the ``runs`` columns in
``farm.reports.coverage_data.RUN_COLUMNS`` and the long ``params`` table. The
chosen sub-domain comes from each sweep's file (``--sweep-file``, else the
manifest's ``sweep_file`` when it still loads as that sweep), else it is inferred
from the stored runs; the page says which, per sweep.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from farm.errors import InputError
from farm.identity import content_hash
from farm.reports.coverage import compute
from farm.reports.coverage_data import RUN_COLUMNS, CoverageInput, encode, read_sweeps
from farm.reports.coverage_domain import (
    Chosen,
    SubDomain,
    chosen_from_runs,
    chosen_from_sweep,
    merge,
    read_sweep_file,
)
from farm.reports.coverage_fill import sweep_file_text
from farm.reports.coverage_page import markdown, sections
from farm.reports.document import Report, make_report_id
from farm.reports.provenance import provenance_for
from farm.reports.source import SweepSide, Target, open_target
from farm.stacks import NAMED_STACKS
from farm.store.base import Store
from scenario_library.catalog import list_families, load_family
from scenario_library.odd import default_odd
from scenario_library.packaged import packaged_sweep


@dataclass(frozen=True, slots=True, kw_only=True)
class CoverageReport:
    """The report, the fill sweep file's text (None when nothing is uncovered) and timings [s].

    ``timings_s``: wall and CPU (``_cpu_s``) time of the store read, of the JSON body (read included)
    and of the page (heatmap PNGs and layout), for the benchmark.
    """

    report: Report
    fill_yaml: str | None
    timings_s: dict[str, float]


def _subdomain(sides: Sequence[SweepSide], inp: CoverageInput, sweep_files: Sequence[Path]
               ) -> tuple[SubDomain, list[Path]]:
    """Each sweep's chosen bins, from its sweep file when one loads as that sweep, else inferred."""
    axes = {fr.family.name: fr.axes for fr in inp.families}
    given = {i: p for i, p in enumerate(sweep_files)}
    chosen: list[Chosen] = []
    sources: dict[str, str] = {}
    used: list[Path] = []
    for i, side in enumerate(sides):
        path = given.get(i) or (Path(side.manifest.sweep_file) if side.manifest.sweep_file else None)
        sweep, why = read_sweep_file(path, side.manifest.name) if path is not None else (None, "no sweep file")
        if sweep is not None:
            try:
                chosen.append(chosen_from_sweep(sweep, axes))
                sources[side.target.sweep_id] = f"the designs of sweep file {path}"
                # provenance hashes the file itself: a packaged sweep's, when it was named
                used.append(path if path.is_file() else (packaged_sweep(str(path)) or path))  # type: ignore[union-attr,arg-type]
                continue
            except InputError as exc:
                why = f"sweep file {path} no longer expands ({exc.reason})"
        if i in given:
            raise InputError(why, source=str(given[i]), field="--sweep-file")
        chosen.append(chosen_from_runs(inp.families))
        sources[side.target.sweep_id] = (f"inferred from the stored runs ({why}): a parameter stored in one bin is "
                                         "fixed there, any other spans its declared bins")
    return SubDomain(allowed=merge(chosen), sources=sources), used


def _stack_names(sides: Sequence[SweepSide]) -> list[str]:
    """The short names of the reported stacks that a sweep file can name again (``farm.stacks.NAMED_STACKS``)."""
    names = []
    for side in sides:
        for stack_id, name in side.stack_names.items():
            if name in NAMED_STACKS and NAMED_STACKS[name].stack_id == stack_id and name not in names:
                names.append(name)
    return names


def _main_fidelity(runs: pa.Table) -> list[str]:
    """The fidelity most of the reported runs used: a fill is about the parameter space, not the fidelity."""
    counts = pc.value_counts(runs["fidelity"]).to_pylist() if runs.num_rows else []
    return [str(max(counts, key=lambda c: (c["counts"], str(c["values"])))["values"])] if counts else []


def build(store: Store, targets: Sequence[Target], *, allow_partial: bool = False,
          sweep_files: Sequence[Path] = (), min_passing: int = 1, fill_strength: int = 2,
          heatmaps_per_family: int = 2, fill_path: str | None = None) -> CoverageReport:
    """The coverage report of ``targets`` (their union).

    Raises:
        InputError: an unknown sweep or stack, a partial sweep without ``allow_partial``, a bad option.
    """
    if min_passing < 1:
        raise InputError(f"must be at least 1, got {min_passing}", field="--min-passing")
    if fill_strength not in (1, 2, 3):
        raise InputError(f"must be 1, 2 or 3, got {fill_strength}", field="--fill-strength")
    clock, cpu = time.perf_counter(), time.process_time()
    sides = [open_target(store, t, allow_partial=allow_partial, columns=RUN_COLUMNS) for t in targets]
    runs, params = read_sweeps(store, sides)
    read_s, read_cpu_s = time.perf_counter() - clock, time.process_time() - cpu
    inp = encode(runs, params, load_family)
    domain, used = _subdomain(sides, inp, sweep_files)
    result = compute(inp, domain, catalogue=list_families(), odd=default_odd(), min_passing=min_passing,
                     fill_strength=fill_strength)
    data = {"sweeps": [t.text for t in targets],
            "stacks": {sid: name for side in sides for sid, name in side.stack_names.items()}, **result.data}
    compute_s, compute_cpu_s = time.perf_counter() - clock, time.process_time() - cpu
    names = [s.manifest.name for s in sides]
    fill_yaml = None
    if result.data["fill"]["samples"]:
        fill_yaml = sweep_file_text(
            name=f"{names[0]}-coverage-fill"[:64],
            description=f"Uncovered bin combinations of {', '.join(data['sweeps'])}",
            seed=int(content_hash(data["sweeps"], n_hex=8), 16), stacks=_stack_names(sides),
            fidelity=_main_fidelity(runs), families=result.fill,
            header=f"Written by simfarm report coverage from {', '.join(data['sweeps'])}.\n"
                   f"Samples covering every {fill_strength}-way combination of coverage bins that those runs left "
                   "uncovered,\nper family (parameters a sample does not set take their nominal value).\n"
                   "Run it: simfarm submit THIS_FILE   (format: docs/sweep-format.md)")
    stack_part = [f"{len(side.stack_ids)} stack(s)" for side in sides]
    report = Report(
        kind="coverage", report_id=make_report_id("coverage", *(t.text for t in targets)),
        title="Scenario and ODD coverage", subtitle=f"{' + '.join(data['sweeps'])} · {data['runs']:,} runs, "
                                                    f"{data['samples']:,} samples · {', '.join(stack_part)}",
        data=data, sections=sections(data, heatmaps_per_family=heatmaps_per_family, fill_file=fill_path),
        markdown=markdown(data), labels=tuple(label for side in sides for label in side.labels),
        provenance=provenance_for([s.manifest for s in sides], used),
        archive_sweep_id=targets[0].sweep_id if len(targets) == 1 else None)
    return CoverageReport(report=report, fill_yaml=fill_yaml,
                          timings_s={"read_s": read_s, "read_cpu_s": read_cpu_s, "json_s": compute_s,
                                     "json_cpu_s": compute_cpu_s, "page_s": time.perf_counter() - clock - compute_s,
                                     "page_cpu_s": time.process_time() - cpu - compute_cpu_s})
