"""The sim-to-real report: from paired units to a ``Report`` (HTML, JSON, Markdown) — both entry points.

``pairs_report`` reads an externally paired file (``simfarm report sim2real --pairs``);
``farm.reports.sim2real_store.sweep_values`` reads a sim2real sweep's pairing map and real
values from the store (``simfarm sim2real``, ``simfarm report sim2real SWEEP_ID``). Both end
in ``build_report``. The JSON body is::

    {"metrics": {METRIC: {"overall": STATS, "groups": {GROUP: STATS}}},
     "units": {METRIC: [...]}, "inversions": {METRIC: [...]}, "realism_meta": {...}, "source": {...}}

STATS: ``n``, ``n_excluded``, ``pearson {value, ci_fisher, ci_bootstrap}``, ``spearman {value}``,
``kendall {value}``, ``mmrv``, ``bland_altman {bias, loa_low, loa_high}``, ``ccc``, ``slope``,
``intercept``, ``wasserstein``, plus ``realism`` (metrics with bins) and ``passfail`` (verdict
metrics). Intervals are ``[low, high]`` or null; every undefined value is null.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from farm.reports.document import Report, Section, Table, Text, make_report_id
from farm.reports.provenance import Provenance, file_sha256, provenance_for
from farm.reports.render import markdown_table
from farm.reports.sim2real_bins import BinsFile, load_bins
from farm.reports.sim2real_page import metric_section, small_n_warning, statistics_sections
from farm.reports.sim2real_pairs import read_pairs
from farm.reports.sim2real_stats import CRPS_ESTIMATOR, MAJORITY_RULE, MetricAnalysis, UnitValues, analyse, meta_score

METHOD = {"unit_value": "mean over repeats (median shown)", "level": 0.95, "never_closing":
          "excluded from correlations and Bland–Altman (n_excluded), clipped to the bins for realism and CRPS",
          "majority": MAJORITY_RULE, "crps": CRPS_ESTIMATOR, "realism": "WOSAC: (count + 0.1)/(K + 0.1 B)",
          "mcnemar": "exact, two-sided", "bootstrap": "paired BCa, 2,000 resamples, seeded, none below n = 8"}


def pairs_report(pairs: str | Path, *, bins_path: str | Path | None = None) -> Report:
    """The report of an externally paired file (rules: ``farm.reports.sim2real_pairs``).

    Raises:
        InputError: a bad pairs or bins file (exit 2).
    """
    bins = load_bins(bins_path)
    values = read_pairs(pairs, bins)
    inputs = [Path(pairs)] + ([Path(bins_path)] if bins_path is not None else [])
    name = Path(pairs).stem
    source = {"kind": "pairs", "pairs_file": str(pairs), "sha256": file_sha256(Path(pairs))}
    return build_report(values, bins, subject=f"{name}-{source['sha256'][:8]}", provenance=provenance_for([], inputs),
                        subtitle=f"pairs from {pairs}", source=source)


def build_report(values: Sequence[UnitValues], bins: BinsFile, *, subject: str, provenance: Provenance,
                 subtitle: str, source: dict[str, Any], archive_sweep_id: str | None = None,
                 extra_sections: Sequence[Section] = (), labels: tuple[str, ...] = ()) -> Report:
    """Analyse ``values`` and lay the report out (``archive_sweep_id``: None archives at the store root)."""
    analyses = analyse(values, bins)
    meta = meta_score(analyses, bins)
    units = len({(v.group, v.unit) for v in values})
    data = {"metrics": {a.metric: {"overall": a.overall, "groups": a.groups} for a in analyses},
            "units": {a.metric: a.units for a in analyses}, "inversions": {a.metric: a.inversions for a in analyses},
            "realism_meta": meta, "source": source, "method": METHOD}
    warning = small_n_warning(analyses)
    overview = Section(title="Overview", blocks=(Text(text=_headline(analyses, units, meta)),
                                                 *((warning,) if warning else ()), Text(text=_reading(), tone="note")))
    sections = (overview, *statistics_sections(analyses, meta), *extra_sections,
                *(metric_section(a) for a in analyses))
    return Report(kind="sim2real", report_id=make_report_id("sim2real", subject), title="Sim-to-real correlation",
                  subtitle=subtitle, data=data, sections=sections, markdown=_markdown(analyses, units, meta),
                  labels=labels, provenance=provenance, archive_sweep_id=archive_sweep_id)


def _headline(analyses: Sequence[MetricAnalysis], units: int, meta: dict[str, Any]) -> str:
    score = meta["score"]
    return (f"{units:,} unit{'' if units == 1 else 's'}, {len(analyses)} metrics. Realism meta-score "
            f"{'—' if score is None else f'{score:.4g}'} (0 to 1, higher is more realistic).")


def _reading() -> str:
    return ("A unit is one real run (or one scenario_key) with its simulated repeats; its sim value is the mean of "
            "the repeats. Correlations say whether the simulator ranks and scales units as reality does; they "
            "mean little for n below ~10, with many ties, or over a range of real values too narrow to vary. "
            "Bland–Altman, CCC and the fit say whether the values agree, not only move together.")


def _markdown(analyses: Sequence[MetricAnalysis], units: int, meta: dict[str, Any]) -> str:
    table = Table(columns=("metric", "n", "excluded", "Pearson r", "Fisher 95% low", "Fisher 95% high", "Spearman ρ",
                           "MMRV", "bias", "likelihood"),
                  rows=tuple((a.metric, a.overall["n"], a.overall["n_excluded"], a.overall["pearson"]["value"],
                              *(a.overall["pearson"]["ci_fisher"] or [None, None]), a.overall["spearman"]["value"],
                              a.overall["mmrv"], a.overall["bland_altman"]["bias"],
                              a.overall.get("realism", {}).get("mean")) for a in analyses))
    return f"**{_headline(analyses, units, meta)}**\n\n{markdown_table(table)}\n"
