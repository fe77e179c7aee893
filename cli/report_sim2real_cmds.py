"""``simfarm report sim2real --pairs PAIRS.csv`` or ``SWEEP_ID``: thin commands over ``farm.reports.sim2real``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.errors import domain_errors
from cli.options import StoreOpt
from cli.report_cmds import ArchiveOpt, JsonOpt, OutputOpt, emit, open_report_store

BinsOpt = Annotated[Path | None, typer.Option(
    "--bins", dir_okay=False, help="Metric-bins file: realism bin edges, meta-score weights, verdict metrics "
                                   "[default: the shipped scenario_library/metric_bins.yaml].")]


@domain_errors
def sim2real(
    sweep_id: Annotated[str | None, typer.Argument(
        metavar="[SWEEP_ID]", show_default=False,
        help="A sweep made by 'simfarm sim2real' (its stored pairing map and real values).")] = None,
    pairs: Annotated[Path | None, typer.Option(
        "--pairs", dir_okay=False, help="Externally paired data, CSV or Parquet: columns group (optional), unit, "
                                        "metric, sim, real; one row per simulated repeat.")] = None,
    bins: BinsOpt = None,
    store: StoreOpt = None,
    output: OutputOpt = None,
    as_json: JsonOpt = False,
    archive: ArchiveOpt = False,
) -> None:
    """How well simulation predicts the real world: Pearson r with Fisher-z and BCa intervals, Spearman, Kendall,
    MMRV, Bland–Altman, CCC, fit, Wasserstein, realism likelihood, CRPS, pass/fail agreement, rank inversions."""
    from farm.errors import InputError

    if (sweep_id is None) == (pairs is None):
        raise InputError("give either SWEEP_ID or --pairs PAIRS.csv", field="SWEEP_ID")
    results = open_report_store(store, archive=archive) if (archive or sweep_id is not None) else None
    if pairs is not None:
        from farm.reports.sim2real import pairs_report

        report = pairs_report(pairs, bins_path=bins)
    else:
        from farm.reports.sim2real_store import sweep_report

        assert results is not None and sweep_id is not None
        report = sweep_report(results, sweep_id, bins_path=bins)
    emit(report, output=output, as_json=as_json, archive=archive, store=results)


def register(report_app: typer.Typer) -> None:
    """Add ``sim2real`` to the ``simfarm report`` group."""
    report_app.command("sim2real")(sim2real)
