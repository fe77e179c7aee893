"""``simfarm report ...``: the report group, its shared options, and ``emit`` (write, archive, print).

Each report's command lives in its own module (``cli/report_<kind>_cmds.py``) that
exposes ``register(report_app)``; listing it in ``_MODULES`` adds it to the group.
Every report writes ``report.html``, ``report.json`` and ``report.md`` to ``-o DIR``
(default ``./simfarm-reports/<report_id>/``), appends the Markdown to
``$GITHUB_STEP_SUMMARY`` when set, archives the files in the store with
``--archive``, and prints the JSON document with ``--json`` (otherwise one line per
written file and the report's headline).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from farm.reports.document import Report
    from farm.store.base import Store

_MODULES: tuple[str, ...] = ("report_summary_cmds", "report_coverage_cmds", "report_sim2real_cmds",
                              "report_compare_cmds")

OutputOpt = Annotated[Path | None, typer.Option("-o", "--output", file_okay=False,
                                                help="Folder for report.html/.json/.md "
                                                     "[default: ./simfarm-reports/<report_id>/].")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the report's JSON document (the files are still "
                                                      "written).")]
ArchiveOpt = Annotated[bool, typer.Option("--archive", help="Also store the files, with their provenance, in the "
                                                            "results store (under the sweep's reports/).")]
AllowPartialOpt = Annotated[bool, typer.Option("--allow-partial", help="Report on a sweep that is running or "
                                                                       "partial; every page is labelled.")]

report_app = typer.Typer(name="report", no_args_is_help=True,
                         help="Reports for people and CI: HTML, JSON and Markdown from what is in the store.")


def emit(report: Report, *, output: Path | None, as_json: bool, archive: bool, store: Store | None) -> None:
    """Write the report's files (and archive them); print the JSON document or where the files went."""
    from cli.machine_output import print_json
    from farm.reports.output import write_report
    from farm.reports.render import report_json

    written = write_report(report, output, store=store, archive=archive)
    if as_json:
        print_json(report_json(report))
        return
    for label in report.labels:
        print(f"WARNING: {label}", file=sys.stderr)
    print(f"wrote {written.html}")
    print(f"wrote {written.json}")
    print(f"wrote {written.markdown}")
    if written.archived:
        print(f"archived {len(written.archived)} files under {written.archived[0].rpartition('/')[0]}/")
    if written.step_summary is not None:
        print(f"appended the summary to {written.step_summary}")


def open_report_store(uri: str | None, *, archive: bool) -> Store:
    """The store a report reads (checked for writing too when ``--archive`` will write to it)."""
    from farm.store import open_store

    store = open_store(uri)
    store.check(write=archive)
    return store


def register(app: typer.Typer) -> None:
    for name in _MODULES:
        importlib.import_module(f"cli.{name}").register(report_app)
    if report_app.registered_commands or report_app.registered_groups:
        app.add_typer(report_app)
