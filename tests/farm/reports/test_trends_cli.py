"""``simfarm trends`` and ``simfarm trends accept`` end to end: exit codes, strict JSON, the three files agree."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from benchmarks.synthetic_nightly import NightPlan, dates, write_series
from cli.main import app
from farm.jsonout import loads_strict
from farm.store import open_store


@pytest.fixture(scope="module")
def store_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four nights; cut_in's frozen sample 0 fails from the third night on."""
    root = tmp_path_factory.mktemp("cli") / "store"
    plans = [NightPlan(date=d, sobol_samples=12, frozen_failing={"cut_in": frozenset({0})} if i >= 2 else {})
             for i, d in enumerate(dates(dt.date(2026, 5, 1), 4))]
    write_series(open_store(str(root)), plans)
    return root


def test_trends_json_exits_4_and_the_page_and_summary_show_the_replay_commands(store_root: Path,
                                                                               tmp_path: Path) -> None:
    out_dir = tmp_path / "report"
    result = CliRunner().invoke(app, ["trends", "--store", str(store_root), "-o", str(out_dir), "--json"])
    assert result.exit_code == 4, result.output
    document = loads_strict(result.stdout)
    assert document["report"] == "trends" and document["alert"] is True and document["exit_code"] == 4
    flagged = document["latest"]["flagged"]
    assert len(flagged) == 3 and {f["since_date"] for f in flagged} == {"2026-05-03"}
    page = (out_dir / "report.html").read_text()
    summary = (out_dir / "report.md").read_text()
    for f in flagged:
        assert f["replay"] in page and f["replay"] in summary
    assert "REGRESSION on the night of 2026-05-04" in page and page.count("data:image/png;base64,") == 2
    assert loads_strict((out_dir / "report.json").read_text())["rows"] == document["rows"]


def test_accept_clears_the_alert_and_bad_input_exits_2(store_root: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    latest = open_store(str(store_root)).list_sweeps()[0].sweep_id  # newest first
    accepted = runner.invoke(app, ["trends", "accept", latest, "--store", str(store_root), "--json"])
    assert accepted.exit_code == 0, accepted.output
    assert loads_strict(accepted.stdout)["key"] == "trends/nightly/reference.json"
    quiet = runner.invoke(app, ["trends", "--store", str(store_root), "-o", str(tmp_path / "b")])
    assert quiet.exit_code == 0, quiet.output
    assert "Quiet: no regression flagged on the night of 2026-05-04." in quiet.stdout
    for argv in (["--sweep-name", "weekly"], ["--window", "0"], ["--gate", "no-such-gate"],
                 ["--family", "merge"]):
        bad = runner.invoke(app, ["trends", "--store", str(store_root), "-o", str(tmp_path / "c"), *argv])
        assert bad.exit_code == 2, (argv, bad.output)
    unknown = runner.invoke(app, ["trends", "accept", "nightly-20990101T000000Z-000000", "--store", str(store_root)])
    assert unknown.exit_code == 2
