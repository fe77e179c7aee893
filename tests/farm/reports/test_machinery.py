"""The report machinery: one Report → self-contained HTML, strict JSON, Markdown; step summary; archive."""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

import pytest

from farm.errors import InputError
from farm.jsonout import loads_strict
from farm.reports.document import Figure, Report, Section, Table, Text, make_report_id
from farm.reports.figures import figure, to_png
from farm.reports.output import write_report
from farm.reports.provenance import provenance_for
from farm.reports.render import format_cell, markdown_table
from farm.reports.source import check_complete, parse_target, resolve_stack
from farm.store import open_store
from farm.store.base import Manifest
from farm.store.layout import report_prefix

STACKS = ("autonomy.reference:build_stack/default@1a2b3c4d", "autonomy.reference:build_stack/cautious@5e6f7a8b")


def _manifest(state: str = "complete", **extra: object) -> Manifest:
    return Manifest(sweep_id="sweep-x", name="demo", created_at="2026-12-01T00:00:00Z",
                    updated_at="2026-12-01T00:00:00Z", code_fingerprint="fp123", stacks=STACKS, total=10,
                    counts={"passed": 6, "failed": 2}, state=state, extra=dict(extra))


def _report(tmp_path: Path, **fields: object) -> Report:
    fig, ax = figure(4, 2.5)
    ax.plot([0, 1, 2], [0, 1, 4])
    gate = tmp_path / "gate.yaml"
    gate.write_text("alpha: 0.05\n")
    table = Table(columns=("family", "n", "pass rate", "flaky"),
                  rows=(("cut_in", 1200, 0.9512, False), ("null", 3, None, True)), caption="Per family")
    base = dict(kind="summary", report_id=make_report_id("summary", "sweep-x", "ref/x@y"), title="Sweep summary",
                subtitle="sweep-x · reference", data={"families": {"cut_in": {"n": 1200, "rate": 0.9512},
                                                                  "null": {"n": 3, "rate": float("nan")}}},
                sections=(Section(title="Pass rates", blocks=(Text(text="a < b & c"), table)),
                          Section(title="Plot", blocks=(Figure(png=to_png(fig), alt="a curve", caption="y = x²"),
                                                        Text(text="careful", tone="warning")))),
                markdown=markdown_table(table), provenance=provenance_for([_manifest()], [gate]),
                archive_sweep_id="sweep-x")
    base.update(fields)
    return Report(**base)  # type: ignore[arg-type]


def test_three_files_agree_and_the_page_is_self_contained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    written = write_report(_report(tmp_path, labels=("PARTIAL SWEEP sweep-x",)), tmp_path / "out")
    page = written.html.read_text()
    assert not re.search(r"""(src|href)=["'](https?:|//)""", page)  # no external asset
    assert "<script" not in page
    png = re.search(r'src="data:image/png;base64,([^"]+)"', page)
    assert png is not None and base64.b64decode(png[1]).startswith(b"\x89PNG")
    assert "a &lt; b &amp; c" in page and page.count("PARTIAL SWEEP sweep-x") >= 1
    doc = loads_strict(written.json.read_text())
    assert doc["report"] == "summary" and doc["labels"] == ["PARTIAL SWEEP sweep-x"]
    assert doc["families"]["null"]["rate"] is None  # NaN is null, never a token
    assert doc["provenance"]["code_fingerprints"] == {"sweep-x": "fp123"}
    import hashlib
    assert doc["provenance"]["input_files"] == {
        str(tmp_path / "gate.yaml"): hashlib.sha256(b"alpha: 0.05\n").hexdigest()}
    md = written.markdown.read_text()
    assert "PARTIAL SWEEP sweep-x" in md and "| cut_in | 1,200 | 0.9512 | no |" in md
    # Every number of the HTML table is the JSON's, formatted by the one rule.
    cells = [html.unescape(c) for c in re.findall(r"<td[^>]*>([^<]*)</td>", page)]
    assert cells[:4] == ["cut_in", format_cell(doc["families"]["cut_in"]["n"]),
                         format_cell(doc["families"]["cut_in"]["rate"]), "no"]
    assert cells[6] == "—"


def test_step_summary_is_appended(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    written = write_report(_report(tmp_path), tmp_path / "out")
    text = summary.read_text()
    assert text.startswith("earlier step\n") and "### Sweep summary" in text and written.step_summary == summary


def test_archive_goes_under_the_sweep_and_leaves_results_alone(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    store = open_store(str(tmp_path / "store"))
    report = _report(tmp_path)
    written = write_report(report, tmp_path / "out", store=store, archive=True)
    prefix = report_prefix(report.report_id, sweep_id="sweep-x")
    assert written.archived == tuple(prefix + n for n in ("provenance.json", "report.html", "report.json",
                                                          "report.md"))
    assert store.get_bytes(prefix + "report.json") == written.json.read_bytes()
    assert loads_strict(store.get_bytes(prefix + "provenance.json"))["sweep_ids"] == ["sweep-x"]
    assert store.list_sweeps() == []  # an archive is not a sweep
    with pytest.raises(InputError):
        write_report(report, tmp_path / "out2", archive=True)


def test_report_ids_are_key_safe_and_bounded() -> None:
    assert make_report_id("summary", "sweep-1", "autonomy.ref:build/default@ab") == \
        "summary-sweep-1-autonomy.ref_build_default_ab"
    long_a, long_b = make_report_id("compare", "a" * 200), make_report_id("compare", "a" * 199 + "b")
    assert len(long_a) <= 120 and long_a != long_b


def test_format_cell_rule() -> None:
    assert [format_cell(v) for v in (None, True, 12345, 0.88825, 1234.56, float("inf"), "x")] == \
        ["—", "yes", "12,345", "0.8882", "1,234.6", "∞", "x"]


def test_targets_split_at_the_first_colon_and_stacks_resolve() -> None:
    assert (parse_target("sweep-1").sweep_id, parse_target("sweep-1").stack) == ("sweep-1", None)
    t = parse_target("sweep-1:name:with:colons")
    assert (t.sweep_id, t.stack) == ("sweep-1", "name:with:colons")
    with pytest.raises(InputError):
        parse_target("sweep-1:")
    m = _manifest(stack_names={"candidate": STACKS[1]})
    assert resolve_stack(m, STACKS[0]) == STACKS[0]
    assert resolve_stack(m, "candidate") == STACKS[1]
    assert resolve_stack(m, "cautious") == STACKS[1]
    with pytest.raises(InputError, match="names 2 stacks"):
        resolve_stack(m, "reference")
    with pytest.raises(InputError, match="its stacks are"):
        resolve_stack(m, "nope")


def test_an_incomplete_sweep_is_refused_unless_allowed() -> None:
    running = _manifest(state="running")
    with pytest.raises(InputError, match="--allow-partial"):
        check_complete(running, allow_partial=False)
    assert check_complete(running, allow_partial=True) == \
        "PARTIAL SWEEP sweep-x: state running, 8 of 10 rollouts stored"
    assert check_complete(_manifest(), allow_partial=False) is None
