"""Render a ``Report``: one self-contained HTML page, the strict-JSON document, the Markdown summary.

The HTML has no external asset — CSS inline, figures as ``data:image/png`` URIs — so it
reads offline and survives as a CI artefact. Numbers in tables are formatted by
``format_cell`` (the one rule, also used for Markdown tables), so a test can compare a
page's cells with the JSON by formatting the JSON value the same way.
"""

from __future__ import annotations

import base64
import html
import math
from typing import Any

from farm.jsonout import jsonable
from farm.reports.document import Block, Cell, Figure, Report, Section, Table, Text

_CSS = """
:root { --ink:#1d2329; --muted:#5b6670; --line:#d8dee4; --band:#f5f7f9; --accent:#1f5f99; --warn:#b42318; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--ink); background: #fff; }
main { max-width: 1180px; margin: 0 auto; padding: 28px 32px 64px; }
h1 { font-size: 26px; margin: 0 0 4px; }
.subtitle { color: var(--muted); margin: 0 0 18px; }
h2 { font-size: 19px; margin: 34px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
nav { background: var(--band); border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; margin: 14px 0; }
nav a { color: var(--accent); text-decoration: none; margin-right: 16px; white-space: nowrap; display: inline-block; }
.label { background: #fdecea; border: 1px solid var(--warn); color: var(--warn); font-weight: 600;
         border-radius: 6px; padding: 8px 14px; margin: 10px 0; }
p.note { color: var(--muted); font-size: 13.5px; }
p.warning { border-left: 4px solid var(--warn); background: #fff6f5; padding: 6px 12px; }
.tablewrap { overflow-x: auto; margin: 8px 0 18px; }
table { border-collapse: collapse; font-size: 13.5px; }
caption { text-align: left; font-weight: 600; padding: 4px 0 6px; color: var(--ink); }
th, td { border: 1px solid var(--line); padding: 4px 9px; vertical-align: top; }
th { background: var(--band); text-align: left; font-weight: 600; white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.none { color: var(--muted); text-align: center; }
tbody tr:nth-child(even) td { background: #fbfcfd; }
.tablenote { color: var(--muted); font-size: 12.5px; margin-top: 4px; }
figure { margin: 10px 0 22px; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 4px; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
details { margin-top: 36px; color: var(--muted); font-size: 13px; }
details pre { white-space: pre-wrap; word-break: break-all; background: var(--band); padding: 10px;
              border-radius: 4px; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12.5px; }
"""


def format_cell(value: Cell) -> str:
    """The text a table cell shows: "—" for None, yes/no, ints with thousands separators, floats to 4 digits."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return "—"
        if math.isinf(value):
            return "∞" if value > 0 else "−∞"
        if abs(value) >= 1000:
            return f"{value:,.1f}"
        return f"{value:.4g}"
    return str(value)


def report_json(report: Report) -> dict[str, Any]:
    """The JSON document: ``report``, ``report_id``, ``title``, ``labels``, ``provenance`` and the body."""
    head = {"report": report.kind, "report_id": report.report_id, "title": report.title,
            "labels": list(report.labels), "provenance": report.provenance.to_dict()}
    return jsonable({**head, **report.data})


def render_html(report: Report) -> str:
    """The page: title, labels, a table of contents, the sections, the provenance."""
    e = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{e(report.title)}</title><style>{_CSS}</style></head><body><main>",
             f"<h1>{e(report.title)}</h1>"]
    if report.subtitle:
        parts.append(f'<p class="subtitle">{e(report.subtitle)}</p>')
    parts += [f'<div class="label">{e(label)}</div>' for label in report.labels]
    if len(report.sections) > 1:
        links = "".join(f'<a href="#s{i}">{e(s.title)}</a>' for i, s in enumerate(report.sections))
        parts.append(f"<nav>{links}</nav>")
    for i, section in enumerate(report.sections):
        parts.append(_section(section, i))
    prov = report.provenance
    from farm.jsonout import dumps

    parts.append(f"<details><summary>Provenance: {e(', '.join(prov.sweep_ids) or 'no sweep')} · "
                 f"simfarm {e(prov.tool_versions.get('simfarm', '?'))} · {e(prov.created_at)}</summary>"
                 f"<pre>{e(dumps(prov.to_dict()))}</pre></details>")
    parts.append("</main></body></html>")
    return "\n".join(parts)


def _section(section: Section, index: int) -> str:
    body = "".join(_block(b) for b in section.blocks)
    return f'<section id="s{index}"><h2>{html.escape(section.title)}</h2>{body}</section>'


def _block(block: Block) -> str:
    e = html.escape
    if isinstance(block, Text):
        css = "" if block.tone == "normal" else f' class="{block.tone}"'
        return f"<p{css}>{e(block.text)}</p>"
    if isinstance(block, Figure):
        data = base64.b64encode(block.png).decode("ascii")
        caption = f"<figcaption>{e(block.caption)}</figcaption>" if block.caption else ""
        return f'<figure><img alt="{e(block.alt)}" src="data:image/png;base64,{data}">{caption}</figure>'
    return _table(block)


def _table(table: Table) -> str:
    e = html.escape
    caption = f"<caption>{e(table.caption)}</caption>" if table.caption else ""
    head = "".join(f"<th>{e(c)}</th>" for c in table.columns)
    rows = []
    for row in table.rows:
        cells = []
        for value in row:
            css = "none" if value is None else ("num" if isinstance(value, int | float)
                                               and not isinstance(value, bool) else "")
            cls = f' class="{css}"' if css else ""
            cells.append(f"<td{cls}>{e(format_cell(value))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    note = f'<div class="tablenote">{e(table.note)}</div>' if table.note else ""
    return (f'<div class="tablewrap"><table>{caption}<thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>{note}</div>")


def markdown_table(table: Table) -> str:
    """A GitHub-flavoured Markdown table of ``table`` (cells through ``format_cell``; pipes escaped)."""
    def cell(value: Cell) -> str:
        return format_cell(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(c) for c in table.columns) + " |",
             "|" + "|".join("---:" if _numeric_column(table, i) else "---" for i in range(len(table.columns))) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.rows]
    return "\n".join(lines)


def _numeric_column(table: Table, index: int) -> bool:
    values = [row[index] for row in table.rows if row[index] is not None]
    return bool(values) and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def render_markdown(report: Report) -> str:
    """The PR-comment summary: title, labels, the report's own body, a provenance line."""
    lines = [f"### {report.title}"]
    if report.subtitle:
        lines.append(f"_{report.subtitle}_")
    lines.append("")
    lines += [f"> **⚠ {label}**" for label in report.labels]
    if report.labels:
        lines.append("")
    if report.markdown:
        lines += [report.markdown.rstrip(), ""]
    prov = report.provenance
    sweeps = ", ".join(f"`{s}`" for s in prov.sweep_ids) or "no sweep"
    lines.append(f"<sub>{report.kind} · {sweeps} · simfarm {prov.tool_versions.get('simfarm', '?')} · "
                 f"{prov.created_at} · report `{report.report_id}`</sub>")
    return "\n".join(lines) + "\n"
