"""A report as data: sections of text, tables and figures, its JSON body, its Markdown summary.

Every report (summary, coverage, compare, trends, sim2real) builds one ``Report``;
``farm.reports.output`` writes it as a self-contained HTML page, a strict-JSON
document and a short Markdown summary, so the three formats come from one object
and can never disagree. ``data`` holds exactly the numbers the page shows;
``labels`` are loud banners (a partial sweep, a determinism defect) repeated at the
top of every format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from farm.identity import content_hash
from farm.reports.provenance import Provenance

Cell = str | int | float | bool | None
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9._=-]+")
REPORT_ID_MAX = 120


@dataclass(frozen=True, slots=True, kw_only=True)
class Text:
    """A paragraph. ``tone``: ``note`` is de-emphasised, ``warning`` is boxed in red."""

    text: str
    tone: Literal["normal", "note", "warning"] = "normal"


@dataclass(frozen=True, slots=True, kw_only=True)
class Table:
    """A table. Cells: text, numbers (formatted by the renderer), booleans, ``None`` (shown as "—")."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    caption: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        for i, row in enumerate(self.rows):
            if len(row) != len(self.columns):
                raise ValueError(f"table {self.caption!r}: row {i} has {len(row)} cells "
                                 f"for {len(self.columns)} columns")


@dataclass(frozen=True, slots=True, kw_only=True)
class Figure:
    """A PNG (embedded as a data: URI in the HTML) with its alt text and caption."""

    png: bytes
    alt: str
    caption: str = ""


Block = Text | Table | Figure


@dataclass(frozen=True, slots=True, kw_only=True)
class Section:
    """A titled part of the page."""

    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """One report, ready to write.

    Attributes:
        kind: ``summary`` | ``coverage`` | ``compare`` | ``trends`` | ``sim2real`` (the JSON's ``report``).
        report_id: folder name of the written files and of the archive (``make_report_id``).
        title, subtitle: the page heading and the line under it.
        data: the JSON body: every number shown, strict-JSON-able (non-finite floats become null).
        sections: the HTML page, top to bottom.
        markdown: the PR-comment body (a headline and one small table); the writer adds the
            title, the labels and the provenance line.
        labels: banners on every format (partial sweep, determinism defect, ...).
        provenance: what the report was made from.
        archive_sweep_id: ``--archive`` stores under this sweep; None → the store root's ``reports/``.
    """

    kind: str
    report_id: str
    title: str
    subtitle: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    sections: tuple[Section, ...] = ()
    markdown: str = ""
    labels: tuple[str, ...] = ()
    provenance: Provenance
    archive_sweep_id: str | None = None


def make_report_id(kind: str, *subjects: str) -> str:
    """``<kind>-<subject>[-<subject>...]``, file- and key-safe, at most ``REPORT_ID_MAX`` characters.

    Characters outside ``[A-Za-z0-9._=-]`` become ``_`` (a stack id's ``/`` and ``@``,
    the ``:`` of ``SWEEP:STACK``). A longer id keeps its head and ends in a hash of the
    whole, so two long ids never collide.
    """
    raw = "-".join((kind, *subjects))
    safe = _ID_UNSAFE.sub("_", raw).strip("_") or kind
    if len(safe) <= REPORT_ID_MAX:
        return safe
    return f"{safe[:REPORT_ID_MAX - 13]}-{content_hash(raw, n_hex=12)}"
