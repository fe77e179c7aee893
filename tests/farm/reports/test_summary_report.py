"""``simfarm report summary`` on stored sweeps: the three formats agree, STACK resolves, partial sweeps are
refused then labelled, and the end-of-sweep table of ``simfarm submit`` shows the report's numbers."""

from __future__ import annotations

import html
import io
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from benchmarks.synthetic_store import STACKS, make_synthetic_sweep
from cli.main import app
from farm.driver import submit, summary_table
from farm.driver.session import stored_summary
from farm.errors import InputError
from farm.jsonout import loads_strict
from farm.reports.output import write_report
from farm.reports.render import format_cell, report_json
from farm.reports.summary import read_summary, summary_report
from farm.store import open_store
from farm.store.base import Store
from farm.store.layout import table_prefix
from farm.sweep import parse_sweep

SWEEP_ID = "synth-20261201T020000Z-0a1b2c"


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Store]:
    root = tmp_path_factory.mktemp("store")
    store = open_store(str(root), fsync=False)
    make_synthetic_sweep(store, SWEEP_ID, 600, seed=3, families=["cut_in", "pedestrian_crossing"])
    return root, store


def test_the_synthetic_sweep_is_compacted_in_the_real_layout(synthetic: tuple[Path, Store]) -> None:
    _, store = synthetic
    manifest = store.read_manifest(SWEEP_ID)
    assert manifest.state == "complete" and sum(manifest.counts.values()) == manifest.total == 600
    assert set(manifest.compacted) == {"runs", "events", "params"}
    assert not store.backend.list_objects(table_prefix(SWEEP_ID, "runs"))  # type: ignore[attr-defined]
    runs = store.read_table(SWEEP_ID, "runs", columns=["run_id", "family"])
    params = store.read_table(SWEEP_ID, "params", columns=["run_id", "name"])
    assert runs.num_rows == 600 and len(set(runs["run_id"].to_pylist())) == 600
    assert params.num_rows == 300 * 4 + 300 * 4  # cut_in and pedestrian_crossing declare 4 parameters each
    assert manifest.extra["stack_names"] == {name: ref.stack_id for name, ref in STACKS.items()}


class _Tables(HTMLParser):
    """Every <table> of a page as (caption, header, rows of cell texts)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict[str, Any]] = []
        self._cell: list[str] | None = None
        self._where = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append({"caption": "", "header": [], "rows": []})
        elif tag in ("caption", "th", "td"):
            self._cell, self._where = [], tag
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag not in ("caption", "th", "td") or self._cell is None:
            return
        text, table = html.unescape("".join(self._cell)), self.tables[-1]
        if tag == "caption":
            table["caption"] = text
        elif tag == "th":
            table["header"].append(text)
        else:
            table["rows"][-1].append(text)
        self._cell = None


def _numbers(value: Any) -> set[str]:
    if isinstance(value, dict):
        return {x for v in value.values() for x in _numbers(v)}
    if isinstance(value, list):
        return {x for v in value for x in _numbers(v)}
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {format_cell(value)}
    return set()


def _page(tmp_path: Path, store: Store, target: str, **options: Any) -> tuple[dict[str, Any], list[dict], str]:
    written = write_report(summary_report(store, target, **options), tmp_path / "out")
    parser = _Tables()
    parser.feed(written.html.read_text())
    for table in parser.tables:
        table["rows"] = [row for row in table["rows"] if row]  # the header's <tr> holds <th> only
    return loads_strict(written.json.read_text()), parser.tables, written.markdown.read_text()


def test_html_json_and_markdown_agree_on_every_number(tmp_path: Path, synthetic: tuple[Path, Store]) -> None:
    doc, tables, markdown = _page(tmp_path, synthetic[1], SWEEP_ID)
    numbers = _numbers(doc)
    numeric = re.compile(r"^−?[0-9][0-9,]*(\.[0-9]+)?(e[+-][0-9]+)?$")
    with_numbers = 0
    for table in tables:  # every number on the page is a JSON value, formatted by the one rule
        cells = {c for row in table["rows"] for c in row if numeric.match(c)}
        assert cells <= numbers, table["caption"]
        with_numbers += bool(cells)
    assert with_numbers >= 9
    by_caption = {t["caption"]: t for t in tables}
    verdict = by_caption["Pass rate by sample — verdict runs (preventable or no rule)"]
    expected = [[g["family"], g["stack"], g["fidelity"], g["design"], *map(format_cell, (
        g["verdict"]["samples"], g["verdict"]["counted"], g["verdict"]["passed"], g["verdict"]["failed"],
        g["verdict"]["flaky"], g["verdict"]["pass_rate"],
        None if g["verdict"]["interval"] is None else g["verdict"]["interval"]["low"],
        None if g["verdict"]["interval"] is None else g["verdict"]["interval"]["high"])),
        "Wilson 95 %" if g["interval"] == "wilson" else "counts only (chosen design)"] for g in doc["groups"]]
    assert verdict["rows"] == expected
    assert {g["design"] for g in doc["groups"]} >= {"nominal", "grid", "sobol", "lhs"}
    md_rows = [[c.strip() for c in line.strip("|").split("|")] for line in markdown.splitlines()
               if line.startswith("| ") and not line.startswith("| stack")]
    stacks = by_caption["Verdict per stack (preventable or no rule), by sample"]
    assert md_rows == stacks["rows"] and len(md_rows) == 2
    for s in doc["stacks"]:
        assert f"**{s['stack']}**: {format_cell(s['all_designs']['passed'])} of " in markdown


def test_stack_resolves_by_sweep_file_name_config_name_or_full_id(synthetic: tuple[Path, Store]) -> None:
    _, store = synthetic
    full = STACKS["reference"].stack_id  # contains a colon: the target splits at the first one only
    assert ":" in full
    by_id = read_summary(store, f"{SWEEP_ID}:{full}")[1]
    by_name = read_summary(store, f"{SWEEP_ID}:reference")[1]
    assert by_id["groups"] == by_name["groups"] and {g["stack_id"] for g in by_id["groups"]} == {full}
    cautious = read_summary(store, f"{SWEEP_ID}:cautious")[1]
    assert {g["stack"] for g in cautious["groups"]} == {"cautious"}
    both = read_summary(store, SWEEP_ID)[1]
    assert len(both["groups"]) == len(by_id["groups"]) + len(cautious["groups"])
    with pytest.raises(InputError, match="its stacks are"):
        read_summary(store, f"{SWEEP_ID}:nope")


def test_a_partial_sweep_is_refused_then_labelled_on_every_page(tmp_path: Path,
                                                                synthetic: tuple[Path, Store]) -> None:
    _, store = synthetic
    store.update_manifest(SWEEP_ID, lambda m: replace(m, state="partial"))
    try:
        with pytest.raises(InputError, match="--allow-partial"):
            read_summary(store, SWEEP_ID)
        doc, _, markdown = _page(tmp_path, store, SWEEP_ID, allow_partial=True)
        label = "PARTIAL SWEEP " + SWEEP_ID + ": state partial, 600 of 600 rollouts stored"
        page = (tmp_path / "out" / "report.html").read_text()
        assert doc["labels"] == [label] and label in markdown and html.escape(label) in page
    finally:
        store.update_manifest(SWEEP_ID, lambda m: replace(m, state="complete"))


def test_the_cli_writes_the_files_prints_json_and_refuses_bad_input(tmp_path: Path,
                                                                   synthetic: tuple[Path, Store]) -> None:
    root, _ = synthetic
    out = CliRunner().invoke(app, ["report", "summary", SWEEP_ID, "--store", str(root), "--json", "-o",
                                   str(tmp_path / "r")], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    doc = loads_strict(out.stdout)
    assert doc["report"] == "summary" and doc["sweep"]["sweep_id"] == SWEEP_ID
    assert {p.name for p in (tmp_path / "r").iterdir()} == {"report.html", "report.json", "report.md"}
    bad = CliRunner().invoke(app, ["report", "summary", f"{SWEEP_ID}:nope", "--store", str(root)])
    assert bad.exit_code == 2 and len(bad.stderr.strip().splitlines()) == 1 and "STACK" in bad.stderr


E2E_SWEEP = """\
name: summary-e2e
seed: 3
stacks: [reference, {entry_point: "autonomy.reference:build_stack", config_name: twin}]
families:
  - name: "null"
    sampler: sobol
    budget: 6
    repeats: 2
    params: {work_ms: {fixed: 0.0}, pass_below: {fixed: 0.6}}
  - name: "null"
    sampler: grid
    params: {work_ms: {fixed: 0.0}, pass_below: {fixed: 0.6}, y: {fixed: 0.5}}
"""


def test_the_end_of_sweep_table_shows_the_reports_rates_and_intervals(tmp_path: Path) -> None:
    sweep_file = tmp_path / "e2e.yaml"
    sweep_file.write_text(E2E_SWEEP)
    assert dict(parse_sweep(E2E_SWEEP, source="e2e").stack_names) == {
        "reference": "autonomy.reference:build_stack/default@c89a148b"}
    result = submit(sweep_file, store=str(tmp_path / "store"), tty=False, executor="sequential")
    store = open_store(str(tmp_path / "store"))
    manifest = store.read_manifest(result.sweep_id)
    assert manifest.extra["stack_names"] == {"reference": manifest.stacks[0]}
    assert manifest.extra["sim"]["latency"]["perception"]["deadline_ms"] == 40.0
    report = report_json(summary_report(store, result.sweep_id))
    assert result.summary == stored_summary(store, result.sweep_id)["summary"]
    assert result.summary["groups"] == report["groups"] and result.summary["stacks"] == report["stacks"]
    console = Console(file=io.StringIO(), width=160)
    console.print(summary_table(result.summary))
    lines = [line.split() for line in console.file.getvalue().splitlines()]
    for g in report["groups"]:  # the row of each group: its rate and interval as the report formats them
        [row] = [r for r in lines if r[:4] == [g["family"], g["stack"], g["fidelity"], g["design"]]]
        v = g["verdict"]
        interval = (["counts", "only"] if v["interval"] is None
                    else [f"{format_cell(v['interval']['low'])}–{format_cell(v['interval']['high'])}"])
        assert row[-len(interval) - 1:] == [format_cell(v["pass_rate"]), *interval]
    assert {g["design"] for g in report["groups"]} == {"grid", "sobol"}
    assert {g["stack"] for g in report["groups"]} == {"reference", "twin"}
