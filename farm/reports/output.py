"""Write a report: ``report.html``, ``report.json``, ``report.md``; optionally archive them in the store.

The default folder is ``./simfarm-reports/<report_id>/``. When ``$GITHUB_STEP_SUMMARY``
names a file (GitHub Actions), the Markdown is appended to it, so a CI job's summary
page shows the verdict. ``--archive`` puts the three files and ``provenance.json``
into the store under ``farm.store.layout.report_prefix`` — below the sweep the report
is about (``sweeps/<id>/reports/<report_id>/``) or at the root (``reports/<report_id>/``)
— so the evidence outlives the runner. A report that is archived again replaces the
earlier copy of the same report id; results are never touched.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from farm.errors import InputError
from farm.jsonout import dumps
from farm.reports.document import Report
from farm.reports.render import render_html, render_markdown, report_json
from farm.store import layout
from farm.store.base import Store

DEFAULT_ROOT = Path("simfarm-reports")
FILES = ("report.html", "report.json", "report.md")
STEP_SUMMARY_ENV = "GITHUB_STEP_SUMMARY"


@dataclass(frozen=True, slots=True, kw_only=True)
class WrittenReport:
    """Where a report went."""

    folder: Path
    html: Path
    json: Path
    markdown: Path
    archived: tuple[str, ...] = ()        # store keys, relative to the store root
    step_summary: Path | None = None      # the $GITHUB_STEP_SUMMARY file appended to


def rendered(report: Report) -> dict[str, bytes]:
    """The files of a report, by name: HTML page, strict JSON, Markdown summary."""
    return {"report.html": render_html(report).encode(), "report.json": (dumps(report_json(report)) + "\n").encode(),
            "report.md": render_markdown(report).encode()}


def write_report(report: Report, output_dir: Path | None = None, *, store: Store | None = None,
                 archive: bool = False) -> WrittenReport:
    """Write the three files to ``output_dir`` (default ``./simfarm-reports/<report_id>/``); archive if asked.

    Raises:
        InputError: the output folder cannot be created or written (exit 2), or
            ``archive`` without a store.
        StoreError: the archive could not be written (exit 5); the local files are written first.
    """
    folder = Path(output_dir) if output_dir is not None else DEFAULT_ROOT / report.report_id
    files = rendered(report)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (folder / name).write_bytes(data)
    except OSError as exc:
        raise InputError(f"cannot write the report: {exc.strerror}", source=str(folder), field="--output") from None
    summary = _append_step_summary(files["report.md"])
    archived: tuple[str, ...] = ()
    if archive:
        if store is None:
            raise InputError("--archive needs a store", field="--archive")
        archived = archive_report(store, report, files)
    return WrittenReport(folder=folder, html=folder / "report.html", json=folder / "report.json",
                         markdown=folder / "report.md", archived=archived, step_summary=summary)


def archive_report(store: Store, report: Report, files: dict[str, bytes] | None = None) -> tuple[str, ...]:
    """Put the report's files and ``provenance.json`` under its archive prefix; the keys written."""
    files = dict(files or rendered(report))
    files["provenance.json"] = (dumps(report.provenance.to_dict()) + "\n").encode()
    prefix = layout.report_prefix(report.report_id, sweep_id=report.archive_sweep_id)
    keys = []
    for name in ("provenance.json", *FILES):  # the page last: a listed page has its provenance beside it
        key = prefix + name
        store.put_bytes(key, files[name])
        keys.append(key)
    return tuple(keys)


def _append_step_summary(markdown: bytes) -> Path | None:
    target = os.environ.get(STEP_SUMMARY_ENV, "").strip()
    if not target:
        return None
    path = Path(target)
    try:
        with path.open("ab") as handle:
            handle.write(markdown + b"\n")
    except OSError as exc:
        raise InputError(f"cannot append to the step summary: {exc.strerror}", source=target,
                         field=STEP_SUMMARY_ENV) from None
    return path
